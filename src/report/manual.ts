// Manual evidence over the period: each manual test of the register needs evidence for each of its
// required periods (`every`: calendar months, quarters, halves, years, or the whole window). A period
// is covered by evidence whose `covers` overlaps it; an elapsed period without evidence is a deviation;
// one not yet over is "due". A control's conclusion and its criteria's then roll up from both its
// checks and its manual tests (src/report/controls.ts).
import path from 'node:path';
import { PENDING, type ManualMeta, type PendingEntry } from '../bundle/manual.js';
import type { ArtifactEntry } from '../bundle/manifest.js';
import { listBundleDirs, readManifest } from '../bundle/store.js';
import type { Control, Every } from '../mapping/controls.js';
import { addDays } from './dates.js';
import { fileRef } from './visit.js';
import { remediationKey, type RemediationSummary } from '../review/remediation.js';
import type { FileRef } from './model.js';

/** A manual evidence file as the report shows it: what its bundle records, its hash and where it is. */
export interface ManualEvidenceItem extends ManualMeta {
  sha256: string;
  bytes: number;
  /** the bundle holding it; null while it waits in pending/ (not yet evidence of the chain) */
  bundle: string | null;
  file: FileRef | null;
}

export type ManualPeriodStatus = 'covered' | 'deviation' | 'due';

export interface ManualPeriod {
  from: string;
  to: string;
  status: ManualPeriodStatus;
  evidence: ManualEvidenceItem[];
}

export interface ManualTestReport {
  id: string;
  request: string;
  every: Every;
  per: 'employee' | null;
  periods: ManualPeriod[];
  covered: number;
  deviations: number;
  due: number;
  /** access reviews: revoke/modify decisions and whether later bundles show them (src/review/remediation.ts) */
  remediation?: RemediationSummary;
}

/** Every manual evidence file of an evidence dir's bundles (any day: evidence of a quarter is often added after it), plus pending ones. */
export function manualEvidenceOf(evidenceDir: string, pending: PendingEntry[] = [], bad: ReadonlySet<string> = new Set()): ManualEvidenceItem[] {
  const name = path.basename(evidenceDir);
  const out: ManualEvidenceItem[] = [];
  for (const id of listBundleDirs(evidenceDir).complete) {
    if (bad.has(id)) continue; // a bundle that does not verify proves nothing
    let artifacts;
    try {
      artifacts = readManifest(path.join(evidenceDir, id)).manifest.artifacts ?? [];
    } catch {
      continue;
    }
    out.push(...manualItemsOf(name, id, artifacts));
  }
  for (const p of pending) out.push({ ...itemOf(p.meta), sha256: p.sha256, bytes: p.bytes, bundle: null, file: null });
  return out;
}

/** The manual evidence files among one bundle's artifacts (the report takes them from the manifests verify parsed). */
export function manualItemsOf(evidenceName: string, id: string, artifacts: readonly ArtifactEntry[]): ManualEvidenceItem[] {
  const out: ManualEvidenceItem[] = [];
  for (const a of artifacts) {
    const m = a.manual;
    if (!m || typeof m.control !== 'string' || !m.covers) continue;
    out.push({ ...itemOf(m), sha256: a.sha256, bytes: a.bytes, bundle: id, file: fileRef(evidenceName, id, a.path, a.sha256) });
  }
  return out;
}

function itemOf(m: PendingEntry['meta']) {
  return { control: m.control, test: m.test, fileName: String(m.fileName), title: String(m.title), note: m.note ?? null, addedBy: String(m.addedBy), addedAt: String(m.addedAt), covers: { from: String(m.covers.from), to: String(m.covers.to) }, mediaType: String(m.mediaType), ...(m.review && typeof m.review === 'object' ? { review: m.review } : {}) };
}

const MONTHS: Record<Exclude<Every, 'period'>, number> = { monthly: 1, quarterly: 3, semiannually: 6, annually: 12 };

/** The calendar periods of `every` that overlap the window, whole (Q3 is 07-01..09-30 even if the window starts in August). */
export function requiredPeriods(every: Every, window: { from: string; to: string }): { from: string; to: string }[] {
  if (every === 'period') return [{ ...window }];
  const n = MONTHS[every];
  const out: { from: string; to: string }[] = [];
  let y = Number(window.from.slice(0, 4));
  let m = Math.floor((Number(window.from.slice(5, 7)) - 1) / n) * n; // 0-based first month of the period
  for (;;) {
    const from = `${y}-${String(m + 1).padStart(2, '0')}-01`;
    if (from > window.to) break;
    const nm = m + n;
    const next = `${y + Math.floor(nm / 12)}-${String((nm % 12) + 1).padStart(2, '0')}-01`;
    out.push({ from, to: addDays(next, -1) });
    y += Math.floor(nm / 12);
    m = nm % 12;
  }
  return out;
}

const overlaps = (a: { from: string; to: string }, b: { from: string; to: string }) => a.from <= b.to && a.to >= b.from;

/**
 * One manual test over the window: its periods with the evidence covering each. A period is elapsed
 * (a deviation without evidence) when it ended before `today` and inside the window; otherwise due.
 * Pending files (not yet in a bundle) never cover a period.
 */
export function judgeManualTest(control: string, t: Control['tests']['manual'][number], evidence: ManualEvidenceItem[], o: { from: string; to: string; today: string }): ManualTestReport {
  const mine = evidence.filter((e) => e.control === control && e.test === t.id && e.bundle !== null);
  const periods = requiredPeriods(t.every, o).map((p): ManualPeriod => {
    const ev = mine.filter((e) => overlaps(e.covers, p)).sort((a, b) => a.addedAt.localeCompare(b.addedAt));
    const elapsed = p.to < o.today && p.to <= o.to;
    return { ...p, status: ev.length ? 'covered' : elapsed ? 'deviation' : 'due', evidence: ev };
  });
  const n = (s: ManualPeriodStatus) => periods.filter((p) => p.status === s).length;
  return { id: t.id, request: t.request, every: t.every, per: t.per ?? null, periods, covered: n('covered'), deviations: n('deviation'), due: n('due') };
}

export function judgeManualTests(c: Control, evidence: ManualEvidenceItem[], o: { from: string; to: string; today: string }, remediation?: ReadonlyMap<string, RemediationSummary>): ManualTestReport[] {
  return c.tests.manual.map((t) => {
    const r = judgeManualTest(c.id, t, evidence, o);
    const rem = remediation?.get(remediationKey(c.id, t.id));
    return rem ? { ...r, remediation: rem } : r;
  });
}

/** The sentence of a control's manual part: "manual evidence covers 2 of 3 required periods; 1 deviation: access-review 2026-04-01..2026-06-30". */
export function manualText(tests: ManualTestReport[]): string {
  const total = tests.reduce((a, t) => a + t.periods.length, 0);
  const covered = tests.reduce((a, t) => a + t.covered, 0);
  const devs = tests.flatMap((t) => t.periods.filter((p) => p.status === 'deviation').map((p) => `${t.id} ${p.from}..${p.to}`));
  const due = tests.flatMap((t) => t.periods.filter((p) => p.status === 'due').map((p) => `${t.id} ${p.from}..${p.to}`));
  const parts = [`manual evidence covers ${covered} of ${total} required period${total === 1 ? '' : 's'}`];
  if (devs.length) parts.push(`${devs.length} deviation${devs.length === 1 ? '' : 's'} (elapsed without evidence): ${devs.join(', ')}`);
  if (due.length) parts.push(`${due.length} not yet due: ${due.join(', ')}`);
  for (const t of tests) {
    const r = t.remediation;
    if (!r?.decisions) continue;
    parts.push(`${t.id}: ${r.decisions} revoke/modify decision${r.decisions === 1 ? '' : 's'}, ${r.verified} carried out on time${r.exceptions ? `, ${r.exceptions} not carried out by the deadline (exceptions)` : ''}${r.pending ? `, ${r.pending} not yet due (deadline after the window)` : ''}${r.unverified ? `, ${r.unverified} not verified by the deadline (exceptions: no later bundle whose evidence can show it carried out — incomplete collections, or MLflow authorship, which stays)` : ''}`);
  }
  return parts.join('; ');
}

/**
 * Manual-only conclusion: a deviation wins (an elapsed period without evidence, or a review decision
 * not carried out, or not shown carried out, by its deadline), then effective (every elapsed period
 * covered), else due.
 */
export function manualConclusion(tests: ManualTestReport[]): 'deviations' | 'effective' | 'due' {
  if (tests.some((t) => t.deviations > 0 || (t.remediation?.exceptions ?? 0) > 0 || (t.remediation?.unverified ?? 0) > 0)) return 'deviations';
  if (tests.some((t) => t.covered > 0)) return 'effective';
  return 'due';
}

export interface DueRow {
  control: string;
  test: string;
  owner: string;
  every: Every;
  per: 'employee' | null;
  period: { from: string; to: string };
  status: 'missing' | 'due';
  /** the period's last day: evidence for it is needed by then */
  dueBy: string;
  request: string;
  pending: number;
}

/** What `soc2 evidence due` lists: elapsed periods without evidence, and periods ending within `withinDays` without it. */
export function dueList(controls: Control[], evidence: ManualEvidenceItem[], o: { from: string; to: string; today: string; withinDays: number }): DueRow[] {
  const horizon = addDays(o.today, o.withinDays);
  const rows: DueRow[] = [];
  for (const c of controls)
    for (const t of judgeManualTests(c, evidence, { from: o.from, to: o.to > horizon ? o.to : horizon, today: o.today })) {
      const test = c.tests.manual.find((x) => x.id === t.id)!;
      for (const p of t.periods) {
        if (p.status === 'covered' || p.from > horizon || p.from > o.to) continue;
        if (p.status === 'due' && p.to > horizon) continue;
        const pending = evidence.filter((e) => e.bundle === null && e.control === c.id && e.test === t.id && overlaps(e.covers, p)).length;
        rows.push({ control: c.id, test: t.id, owner: c.owner, every: test.every, per: test.per ?? null, period: { from: p.from, to: p.to }, status: p.status === 'deviation' ? 'missing' : 'due', dueBy: p.to, request: test.request, pending });
      }
    }
  return rows.sort((a, b) => a.dueBy.localeCompare(b.dueBy) || a.control.localeCompare(b.control));
}

export { PENDING };
