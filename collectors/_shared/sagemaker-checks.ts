// What the SageMaker collectors' checks share: judging each record of a population (a reason is an
// exception, `{unread}` a record that could not be read and makes the finding `error`), and the
// verdict over the population.
import type { CheckResult, Exception } from '../../src/core/types.js';

export interface Judged {
  population: number;
  exceptions: Exception[];
  unread: Exception[];
}

/** null: fine; a reason or several: exceptions; {unread}: the record could not be judged. */
export type Judgement = string | string[] | null | { unread: string };

export function judgeEach<T>(items: readonly T[], resource: (t: T) => string, judge: (t: T) => Judgement): Judged {
  const out: Judged = { population: items.length, exceptions: [], unread: [] };
  for (const t of items) {
    const j = judge(t);
    if (j === null) continue;
    if (typeof j === 'object' && !Array.isArray(j)) out.unread.push({ resource: resource(t), reason: `${j.unread}: not evaluated` });
    else for (const reason of Array.isArray(j) ? j : [j]) out.exceptions.push({ resource: resource(t), reason });
  }
  return out;
}

/** Two populations judged as one (e.g. notebook instances and Studio domains). */
export function merge(...js: Judged[]): Judged {
  return { population: js.reduce((n, j) => n + j.population, 0), exceptions: js.flatMap((j) => j.exceptions), unread: js.flatMap((j) => j.unread) };
}

/**
 * error when some records could not be read, not_applicable on an empty population, else pass or
 * fail; `tail` is appended to every summary (what was left out).
 */
export function verdict(j: Judged, o: { pass: string; fail: (k: number) => string; empty: string; tail?: string; noun?: string }): CheckResult {
  const tail = o.tail ?? '';
  if (j.unread.length) return { status: 'error', summary: `${j.unread.length} ${o.noun ?? 'records'} could not be read (see the collector's gaps); ${j.exceptions.length} exceptions among the rest${tail}`, exceptions: [...j.unread, ...j.exceptions] };
  if (j.population === 0) return { status: 'not_applicable', summary: o.empty + tail, exceptions: [] };
  return j.exceptions.length ? { status: 'fail', summary: o.fail(j.exceptions.length) + tail, exceptions: j.exceptions } : { status: 'pass', summary: o.pass + tail, exceptions: [] };
}
