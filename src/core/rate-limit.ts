// A client-side limit on call starts, for APIs whose quota is small and fixed (Secrets Manager's
// GetResourcePolicy: 50 per second per account and region). Staying under it costs nothing; going
// over it costs a throttled call, a retry and its backoff.
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Returns `acquire`: resolves when the next call may start, spacing starts 1000/perSecond ms apart
 * (no burst, so a pool of concurrent callers cannot exceed the rate in any window). Aborting the
 * signal rejects a pending wait.
 */
export function rateLimiter(perSecond: number, signal?: AbortSignal): () => Promise<void> {
  if (!(perSecond > 0)) throw new RangeError(`rateLimiter: perSecond must be > 0, got ${perSecond}`);
  const spacing = 1000 / perSecond;
  let next = 0;
  return async () => {
    const now = performance.now();
    const at = Math.max(now, next);
    next = at + spacing;
    if (at > now) await sleep(at - now, undefined, signal ? { signal } : undefined);
  };
}
