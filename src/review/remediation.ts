// Remediation verified by later evidence: every revoke/modify decision of a submitted access review
// must show in the first collected bundle after the deadline (review day + remediationDays). Access
// still present there (revoke: the principal still exists with access; modify: its access unchanged)
// is an exception on the access-review control. It is an event, not a state: the control failed to
// operate on time, and a later removal does not undo that — the exception says whether the last bundle
// of the window still shows the access or it was removed late (docs/report.md).
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { Control } from '../mapping/controls.js';
import { addDays, daysBetween } from '../report/dates.js';
import type { ManualEvidenceItem } from '../report/manual.js';
import type { ExceptionRow } from '../report/model.js';
import { readChecked } from '../report/read.js';
import { fileRef } from '../report/visit.js';
import { NO_OWNERS } from './owners.js';
import { bundlePrincipals, familyOf, parseSystems, type PrincipalRow } from './principals.js';
import { openBundle, type ReviewedBundle } from './review.js';
import { readWorksheet, type WorksheetRow } from './worksheet.js';

export const REMEDIATION_CHECK = 'review.remediation';

/** Per manual test (control/test): what the reviews decided and what later evidence showed. */
export interface RemediationSummary {
  /** revoke and modify decisions */
  decisions: number;
  /** carried out by the deadline */
  verified: number;
  /** still present after the deadline: exceptions */
  exceptions: number;
  /** deadline not passed by the window's last day */
  pending: number;
  /**
   * deadline passed, but no collected bundle after it holds the principal's evidence complete, or the
   * evidence cannot show the access removed (MLflow rows are authorship: a user_id on models stays)
   */
  unverified: number;
}

export const remediationKey = (control: string, test: string) => `${control}/${test}`;

interface Input {
  evidenceDir: string;
  evidenceName: string;
  /** bundle ids of the window, oldest first */
  windowIds: string[];
  badBundles: ReadonlySet<string>;
  manualEvidence: ManualEvidenceItem[];
  controls: Control[];
  through: string;
}

const dayOf = (id: string) => id.slice(0, 10);
/** The entries of an access (", ") or reasons ("; ") cell. */
const entries = (cell: string, sep: string) => new Set(cell.split(sep).map((x) => x.trim()).filter(Boolean));
/** Some entry of `was` is no longer in `now`: access taken away, not merely added to. */
const lost = (was: string, now: string, sep: string) => {
  const after = entries(now, sep);
  return [...entries(was, sep)].some((x) => !after.has(x));
};
/** revoke: gone or without access; modify: gone, without access, or some of its access or reasons removed */
const carriedOut = (decision: string, was: WorksheetRow, now: PrincipalRow | undefined) =>
  !now || !now.hasAccess || (decision === 'modify' && (lost(was.access, now.access, ',') || lost(was.reasons, now.reasons, ';')));

export async function remediationExceptions(o: Input): Promise<{ exceptions: ExceptionRow[]; summaries: Map<string, RemediationSummary> }> {
  const exceptions: ExceptionRow[] = [];
  const summaries = new Map<string, RemediationSummary>();
  const opened = new Map<string, Promise<ReviewedBundle | null>>();
  const open = (id: string) => {
    let p = opened.get(id);
    // a verified bundle that cannot be read fails the report (like any other read of evidence), never skipped quietly
    if (!p) opened.set(id, (p = openBundle(o.evidenceDir, id).then((b) => (b.manifest.purpose === 'manual-evidence' ? null : b))));
    return p;
  };
  const principals = new Map<string, Promise<{ rows: Map<string, PrincipalRow>; complete: Set<string> }>>();
  const rowsOf = (b: ReviewedBundle, systems: string) => {
    const k = `${b.id}\n${systems}`;
    let p = principals.get(k);
    if (!p) principals.set(k, (p = bundlePrincipals(b.dir, b.manifest, b.findings, parseSystems(systems), NO_OWNERS, 'owner').then((r) => ({ rows: new Map(r.rows.map((x) => [x.rowId, x])), complete: r.complete }))));
    return p;
  };
  /**
   * The first (or last) collected, verified bundle of the window dated after `day` that holds the row's
   * evidence complete: a bundle whose IAM (or MLflow, Vertex) collection failed cannot show access gone.
   */
  const seenAfter = async (day: string, row: WorksheetRow, last: boolean) => {
    const ids = o.windowIds.filter((id) => dayOf(id) > day && !o.badBundles.has(id));
    for (const id of last ? [...ids].reverse() : ids) {
      const b = await open(id);
      if (!b) continue;
      const p = await rowsOf(b, row.systems);
      if (p.complete.has(`${familyOf(row.system)}\n${row.source}`)) return { b, now: p.rows.get(row.row_id) };
    }
    return null;
  };

  for (const item of o.manualEvidence) {
    const review = item.review;
    if (!review || !item.bundle || !item.file) continue;
    const control = o.controls.find((c) => c.id === item.control);
    const key = remediationKey(item.control, item.test);
    const sum = summaries.get(key) ?? { decisions: 0, verified: 0, exceptions: 0, pending: 0, unverified: 0 };
    summaries.set(key, sum);
    const text = (await readChecked(path.join(o.evidenceDir, item.bundle), item.file.path, item.sha256)).text;
    const decided = readWorksheet(text, item.file.path).filter((r) => r.decision === 'revoke' || r.decision === 'modify');
    if (!decided.length) continue;
    sum.decisions += decided.length;
    const reviewDay = item.addedAt.slice(0, 10);
    const deadline = addDays(reviewDay, review.remediationDays);
    for (const row of decided) {
      if (familyOf(row.system) === 'mlflow') {
        sum.unverified++;
        continue;
      }
      const at = await seenAfter(deadline, row, false);
      if (!at) {
        if (deadline < o.through) sum.unverified++;
        else sum.pending++;
        continue;
      }
      if (carriedOut(row.decision, row, at.now)) {
        sum.verified++;
        continue;
      }
      const first = at.b;
      const atLast = (await seenAfter(deadline, row, true))!;
      const last = atLast.b;
      sum.exceptions++;
      const stillAtLast = !carriedOut(row.decision, row, atLast.now);
      const state = row.decision === 'revoke' ? 'still present' : 'unchanged';
      const lastSeen = stillAtLast ? { date: last.date, bundle: last.id } : { date: first.date, bundle: first.id };
      const seen = { date: first.date, bundle: first.id };
      const reason =
        `${row.decision} decided in the access review of ${review.asOf} submitted ${reviewDay} by ${review.reviewer} (row ${row.row_id}: ${row.access}); ` +
        `deadline ${deadline} (${review.remediationDays} days); ${state} in bundle ${first.id} (${first.date})` +
        (last.id === first.id ? '' : stillAtLast ? `; ${state} in the window's last bundle ${last.id} (${last.date})` : `; carried out late: gone by the window's last bundle ${last.id} (${last.date})`);
      exceptions.push({
        id: createHash('sha256').update(`${REMEDIATION_CHECK}\n${item.sha256}\n${row.row_id}`).digest('hex').slice(0, 16),
        check: REMEDIATION_CHECK,
        title: `${item.control}/${item.test}: revoke and modify decisions carried out within ${review.remediationDays} days of the review`,
        severity: 'high',
        source: row.source,
        scope: { control: item.control, test: item.test },
        resource: row.principal,
        reason,
        criteria: control?.criteria ?? [],
        firstSeen: seen,
        lastSeen,
        resolved: null,
        status: 'open',
        occurrences: 1,
        periods: [{ firstSeen: seen, lastSeen, resolved: null }],
        evidence: fileRef(o.evidenceName, first.id, 'manifest.json', first.manifestSha256),
        type: 'event',
        incompleteEvidence: 0,
        ageDays: Math.max(0, daysBetween(first.date, o.through)),
        response: null,
        responseOverdue: false,
      });
    }
  }
  return { exceptions, summaries };
}
