// A client-side limit on call starts, for APIs whose quota is small and fixed (Secrets Manager's
// GetResourcePolicy: 50 per second per account and region). Staying under it costs nothing; going
// over it costs a throttled call, a retry and its backoff.
import { setTimeout as sleep } from 'node:timers/promises';

// The time scale of client-side pacing: 1 (real time) everywhere but in-process simulations whose
// servers run on an injected clock with no quota (the bench's evidence generator), where waiting in
// real time only costs wall time. The calls and pages stay the same; only the spacing shrinks.
let pacingScale = 1;

/**
 * Runs every limiter created from now on `scale` times faster (1 = real time). For in-process
 * simulations only (never the CLI): a server with a real quota would throttle. Returns the
 * previous scale, to restore.
 */
export function setPacingScale(scale: number): number {
  if (!(scale >= 1) || !Number.isFinite(scale)) throw new RangeError(`setPacingScale: scale must be a finite number ≥ 1, got ${scale}`);
  const previous = pacingScale;
  pacingScale = scale;
  return previous;
}

/**
 * Returns `acquire`: resolves when the next call may start, spacing starts 1000/perSecond ms apart
 * (no burst, so a pool of concurrent callers cannot exceed the rate in any window), divided by the
 * pacing scale in force when the limiter is created. Aborting the signal rejects a pending wait.
 */
export function rateLimiter(perSecond: number, signal?: AbortSignal): () => Promise<void> {
  if (!(perSecond > 0)) throw new RangeError(`rateLimiter: perSecond must be > 0, got ${perSecond}`);
  const spacing = 1000 / (perSecond * pacingScale);
  let next = 0;
  return async () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + spacing;
    if (at > now) await sleep(at - now, undefined, signal ? { signal } : undefined);
  };
}
