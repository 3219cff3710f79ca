// The AIMD window of one account and region: at most `limit` attempts at once, halved once per round of
// throttled answers, widened by one slot per round of answers that are not, never above the config's max.
import { describe, expect, test } from 'vitest';
import { AdaptiveLimits, AdaptiveWindow, isThrottling } from '../../src/core/adaptive.js';

const tick = () => new Promise((r) => setImmediate(r));

describe('AdaptiveWindow', () => {
  test('holds attempts beyond the window until one ends, first come first served', async () => {
    const w = new AdaptiveWindow(2);
    const order: number[] = [];
    const rounds = await Promise.all([w.acquire(), w.acquire()]);
    const third = w.acquire().then(() => order.push(3));
    const fourth = w.acquire().then(() => order.push(4));
    await tick();
    expect(order).toEqual([]);
    w.release(rounds[0]!, false);
    await third;
    await tick();
    expect(order).toEqual([3]);
    w.release(rounds[1]!, false);
    await fourth;
    expect(order).toEqual([3, 4]);
  });

  test('a round of throttled answers halves the window once; answers widen it back to the max', async () => {
    const w = new AdaptiveWindow(8);
    const rounds = await Promise.all(Array.from({ length: 8 }, () => w.acquire()));
    // all eight started in the same round: the first throttle halves, the others do not again
    for (const r of rounds) w.release(r, true);
    expect(w.limit).toBe(4);
    expect(w.stats).toEqual({ attempts: 8, throttled: 8, lowest: 4 });
    // a throttle in the next round halves again
    w.release(await w.acquire(), true);
    expect(w.limit).toBe(2);
    for (let i = 0; i < 60 && w.limit < 8; i++) w.release(await w.acquire(), false);
    expect(w.limit).toBe(8);
    for (let i = 0; i < 20; i++) w.release(await w.acquire(), false);
    expect(w.limit).toBe(8);
    expect(w.stats.lowest).toBe(2);
  });

  test('never narrower than one slot', async () => {
    const w = new AdaptiveWindow(4);
    for (let i = 0; i < 10; i++) w.release(await w.acquire(), true);
    expect(w.limit).toBe(1);
  });
});

describe('AdaptiveLimits', () => {
  test('one window per account and region; an account sums its own windows only', async () => {
    const l = new AdaptiveLimits(4);
    expect(l.for('111111111111', 'us-east-1')).toBe(l.for('111111111111', 'us-east-1'));
    const a = l.for('111111111111', 'eu-west-1');
    a.release(await a.acquire(), true);
    const b = l.for('222222222222', 'eu-west-1');
    b.release(await b.acquire(), false);
    expect(l.account('111111111111')).toEqual({ attempts: 1, throttled: 1, lowest: 2 });
    expect(l.account('222222222222')).toEqual({ attempts: 1, throttled: 0, lowest: 4 });
    expect(l.for('222222222222', 'eu-west-1').limit).toBe(4);
  });
});

test('isThrottling knows the services\' throttling codes, HTTP 429 and the SDK\'s retryable-throttling trait', () => {
  expect(isThrottling({ name: 'Throttling' })).toBe(true);
  expect(isThrottling({ name: 'ThrottlingException' })).toBe(true);
  expect(isThrottling({ name: 'TooManyRequestsException' })).toBe(true);
  expect(isThrottling({ name: 'X', $metadata: { httpStatusCode: 429 } })).toBe(true);
  expect(isThrottling({ name: 'SomeServiceBusy', $retryable: { throttling: true } })).toBe(true);
  expect(isThrottling({ name: 'InternalFailure', $retryable: { throttling: false } })).toBe(false);
  expect(isThrottling({ name: 'AccessDenied', $metadata: { httpStatusCode: 403 } })).toBe(false);
  expect(isThrottling(null)).toBe(false);
});
