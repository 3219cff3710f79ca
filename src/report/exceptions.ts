// The exception register: every resource a check listed as an exception, keyed by check × source ×
// scope × resource, with the periods it was present. A state exception (a setting, a principal) is
// open while listed and resolved by the first later pass/fail run that no longer lists it; it reopens
// (a new period) when listed again. An event exception (the check declares `exceptions: 'event'`: an
// unapproved promotion, a missed rotation) is a deviation that happened: no later run resolves it. A
// run that ended in `error` still carries what it listed into the register, counted as found on
// incomplete evidence, and resolves nothing.
import { createHash } from 'node:crypto';
import { stableScope } from './coverage.js';
import type { Collector, ExceptionType } from '../core/types.js';
import type { ExceptionRow, FileRef } from './model.js';
import { daysBetween } from './dates.js';

/** One run of a check (one finding): what the register needs of it. */
export interface CheckRun {
  check: string;
  title: string;
  severity: string;
  source: string;
  scope: Record<string, string>;
  status: string;
  type: ExceptionType;
  criteria: string[];
  /** resource → reason, as listed by the finding */
  exceptions: Map<string, string>;
  date: string;
  bundle: string;
  findingsFile: FileRef;
}

interface Series {
  title: string;
  severity: string;
  /** resources listed by the previous pass/fail run */
  current: Set<string>;
}

/** Ids of the checks that declare `exceptions: 'event'` (for findings written before findings carried it). */
export function eventChecksOf(collectors: Pick<Collector, 'checks'>[]): Set<string> {
  return new Set(collectors.flatMap((c) => c.checks.filter((k) => k.exceptions === 'event').map((k) => k.id)));
}

/** resource → reason of a finding's exceptions list (entries without a resource are ignored). */
export function exceptionsOf(list: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const ex of Array.isArray(list) ? list : []) if (ex && typeof ex.resource === 'string') out.set(ex.resource, String(ex.reason ?? ''));
  return out;
}

export class ExceptionsAggregator {
  private readonly series = new Map<string, Series>();
  private readonly rows = new Map<string, ExceptionRow>();

  addRun(run: CheckRun): void {
    const ran = run.status === 'pass' || run.status === 'fail';
    if (!ran && run.status !== 'error') return; // a check that did not apply neither shows nor resolves anything
    const sKey = `${run.check}\n${run.source}\n${stableScope(run.scope)}`;
    let s = this.series.get(sKey);
    if (!s) this.series.set(sKey, (s = { title: run.title, severity: run.severity, current: new Set() }));
    const here = { date: run.date, bundle: run.bundle };
    for (const [res, reason] of run.exceptions) {
      const eKey = `${sKey}\n${res}`;
      let r = this.rows.get(eKey);
      if (!r) {
        r = {
          id: createHash('sha256').update(eKey).digest('hex').slice(0, 16),
          check: run.check,
          title: s.title,
          severity: s.severity,
          source: run.source,
          scope: run.scope,
          resource: res,
          reason,
          criteria: run.criteria,
          firstSeen: here,
          lastSeen: here,
          resolved: null,
          status: 'open',
          occurrences: 0,
          periods: [{ firstSeen: here, lastSeen: here, resolved: null }],
          evidence: run.findingsFile,
          type: run.type,
          incompleteEvidence: 0,
          ageDays: 0,
          response: null,
          responseOverdue: false,
        };
        this.rows.set(eKey, r);
      } else if (!s.current.has(res)) r.periods.push({ firstSeen: here, lastSeen: here, resolved: null });
      r.occurrences++;
      if (!ran) r.incompleteEvidence++;
      if (run.type === 'event') r.type = 'event';
      r.reason = reason;
      r.evidence = run.findingsFile;
      r.periods[r.periods.length - 1]!.lastSeen = here;
    }
    if (!ran) {
      // an incomplete run cannot tell that what it did not list is gone
      for (const res of run.exceptions.keys()) s.current.add(res);
      return;
    }
    for (const res of s.current) {
      if (run.exceptions.has(res)) continue;
      const r = this.rows.get(`${sKey}\n${res}`);
      if (r && r.type === 'state') r.periods[r.periods.length - 1]!.resolved = here;
    }
    s.current = new Set(run.exceptions.keys());
  }

  /** The register, oldest first; first/last seen and status from the periods, age as of `through`. */
  finish(through: string): ExceptionRow[] {
    const out = [...this.rows.values()].map((r) => {
      const first = r.periods[0]!;
      const last = r.periods[r.periods.length - 1]!;
      const resolved = r.type === 'event' ? null : last.resolved;
      return { ...r, firstSeen: first.firstSeen, lastSeen: last.lastSeen, resolved, status: resolved ? ('resolved' as const) : ('open' as const), ageDays: Math.max(0, daysBetween(first.firstSeen.date, through)) };
    });
    return out.sort((a, b) => a.firstSeen.date.localeCompare(b.firstSeen.date) || a.check.localeCompare(b.check) || a.resource.localeCompare(b.resource));
  }
}
