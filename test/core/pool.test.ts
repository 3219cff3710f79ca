import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { mapPool } from '../../src/core/pool.js';

describe('mapPool', () => {
  it('keeps the items order and never has more than `limit` in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const out = await mapPool([30, 5, 20, 1, 10, 2], 3, async (ms, i) => {
      most = Math.max(most, ++inFlight);
      await sleep(ms);
      inFlight--;
      return `${i}:${ms}`;
    });
    expect(out).toEqual(['0:30', '1:5', '2:20', '3:1', '4:10', '5:2']);
    expect(most).toBe(3);
  });

  it('after a failure starts nothing new, waits for the calls in flight, then throws the first failure', async () => {
    const started: number[] = [];
    let finished = 0;
    const run = mapPool([0, 1, 2, 3, 4, 5], 2, async (n) => {
      started.push(n);
      if (n === 1) throw new Error('boom 1');
      await sleep(20);
      finished++;
      return n;
    });
    await expect(run).rejects.toThrow('boom 1');
    expect(started).toEqual([0, 1]);
    expect(finished).toBe(1); // item 0 was in flight and had finished before the pool settled
  });

  it('an empty list or a limit below 1 still works', async () => {
    expect(await mapPool([], 4, async () => 1)).toEqual([]);
    expect(await mapPool([1, 2], 0, async (n) => n * 2)).toEqual([2, 4]);
  });
});
