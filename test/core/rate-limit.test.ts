// The client-side pacer and its time scale (src/core/rate-limit.ts): the spacing holds at real time,
// and a simulation's scale shrinks only the waiting, for limiters created after it is set.
import { afterEach, describe, expect, test } from 'vitest';
import { rateLimiter, setPacingScale } from '../../src/core/rate-limit.js';

async function timeCalls(acquire: () => Promise<void>, n: number): Promise<number> {
  const t0 = performance.now();
  for (let i = 0; i < n; i++) await acquire();
  return performance.now() - t0;
}

describe('rateLimiter', () => {
  afterEach(() => {
    setPacingScale(1);
  });

  test('spaces call starts 1000/perSecond ms apart at real time', async () => {
    // 4 gaps of 25 ms: never less however loaded the machine (but a timer may fire a millisecond or two
    // early by performance.now(): libuv times it from its cached loop time)
    expect(await timeCalls(rateLimiter(40), 5)).toBeGreaterThanOrEqual(95);
  });

  test('a pacing scale shrinks the waiting of limiters created after it, not of earlier ones', async () => {
    const before = rateLimiter(40);
    expect(setPacingScale(1000)).toBe(1);
    // 49 gaps: 1.2 s at real time, 1.2 ms at 1000×
    expect(await timeCalls(rateLimiter(40), 50)).toBeLessThan(600);
    expect(await timeCalls(before, 3)).toBeGreaterThanOrEqual(45);
    expect(setPacingScale(1)).toBe(1000);
  });

  test('rejects a scale below 1 or not finite, and a rate that is not positive', () => {
    for (const bad of [0, 0.5, -1, Number.NaN, Number.POSITIVE_INFINITY]) expect(() => setPacingScale(bad)).toThrow(RangeError);
    expect(() => rateLimiter(0)).toThrow(/perSecond must be > 0/);
  });
});
