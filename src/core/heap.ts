// How far V8 lets its heap grow past what survived the last full collection. By default it grows up to
// 4× the live set when the program allocates fast, and keeps what it grew, so a collect's RSS followed the
// allocation of the largest accounts it parsed, not what it holds: 327 MiB at 500 accounts with a live heap
// of 45–80 MB throughout (issue 19, docs/performance.md). A collect holds little — artifacts stream to
// disk, findings and manifest entries spill — so a 50 % margin keeps its RSS near its live set (209 MiB at
// 500 accounts) for ~10–20 % more CPU in garbage collection. SOC2_HEAP_GROWING_PERCENT overrides it (0: V8's own).
import v8 from 'node:v8';
import { UsageError } from './errors.js';

export const HEAP_GROWING_PERCENT = 50;

/** Sets V8's heap growing factor for this process; a bad SOC2_HEAP_GROWING_PERCENT is a usage error. */
export function boundHeapGrowth(env: NodeJS.ProcessEnv): number {
  const raw = env.SOC2_HEAP_GROWING_PERCENT;
  const percent = raw === undefined || raw === '' ? HEAP_GROWING_PERCENT : Number(raw);
  if (!Number.isInteger(percent) || percent < 0 || percent > 1000) throw new UsageError(`SOC2_HEAP_GROWING_PERCENT: expected a whole number of per cent from 0 (V8's default growth) to 1000, got "${raw}"`);
  v8.setFlagsFromString(`--heap-growing-percent=${percent}`);
  return percent;
}
