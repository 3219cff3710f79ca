// The one bounded pool: collectors' per-item calls, the runner's collector × target tasks, S3 transfers
// and verification all run through it.

/**
 * fn over every item with at most `limit` in flight; results in the items' order. After a failure no
 * further item starts; the items in flight are waited for, then the first failure is thrown, so
 * nothing is still running when this settles.
 */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (t: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  let failure: { e: unknown } | null = null;
  const worker = async () => {
    while (!failure && next < items.length) {
      const i = next++;
      try {
        out[i] = await fn(items[i]!, i);
      } catch (e) {
        failure ??= { e };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  if (failure) throw (failure as { e: unknown }).e;
  return out;
}
