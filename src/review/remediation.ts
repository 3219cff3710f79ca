// Remediation verified by later evidence: every revoke/modify decision of a submitted access review
// must show in the first collected bundle after the deadline (review day + remediationDays). Access
// still present there (revoke: the principal still exists with access; modify: its access unchanged)
// is an exception on the access-review control; so is a decision whose deadline passed with no bundle
// able to show it carried out (unverified: the control cannot be shown to have operated). It is an
// event, not a state: the control failed to operate on time, and a later removal does not undo that —
// the exception says whether the last bundle of the window still shows the access or it was removed
// late (docs/report.md). A decision whose deadline is after the window is pending, not an exception.
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
   * evidence cannot show the access removed (MLflow rows are authorship: a user_id on models stays):
   * exceptions too, counted apart from `exceptions`
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
    const ctx = { review, reviewDay, deadline, control: item.control, test: item.test, criteria: control?.criteria ?? [], sha256: item.sha256, through: o.through };
    for (const row of decided) {
      if (familyOf(row.system) === 'mlflow') {
        if (deadline < o.through) {
          sum.unverified++;
          exceptions.push(remediationRow(ctx, row, `not verified: ${MLFLOW_AUTHORSHIP}`, notSeen(deadline, item.bundle), item.file));
        } else sum.pending++;
        continue;
      }
      const at = await seenAfter(deadline, row, false);
      if (!at) {
        if (deadline < o.through) {
          sum.unverified++;
          const why = `not verified: no collected bundle after the deadline holds the ${familyOf(row.system)} evidence of this principal complete (source ${row.source})`;
          exceptions.push(remediationRow(ctx, row, why, notSeen(deadline, item.bundle), item.file));
        } else sum.pending++;
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
      const seen = { date: first.date, bundle: first.id };
      const lastSeen = stillAtLast ? { date: last.date, bundle: last.id } : seen;
      const why =
        `${state} in bundle ${first.id} (${first.date})` +
        (last.id === first.id ? '' : stillAtLast ? `; ${state} in the window's last bundle ${last.id} (${last.date})` : `; carried out late: gone by the window's last bundle ${last.id} (${last.date})`);
      exceptions.push(remediationRow(ctx, row, why, { firstSeen: seen, lastSeen }, fileRef(o.evidenceName, first.id, 'manifest.json', first.manifestSha256)));
    }
  }
  return { exceptions, summaries };
}

const MLFLOW_AUTHORSHIP = 'MLflow records who created a model, version or prompt (user_id), which stays after access is removed';

/** An unverified decision is first "seen" the day after its deadline, on the evidence of the review itself. */
const notSeen = (deadline: string, reviewBundle: string) => {
  const at = { date: addDays(deadline, 1), bundle: reviewBundle };
  return { firstSeen: at, lastSeen: at };
};

interface RowContext {
  review: NonNullable<ManualEvidenceItem['review']>;
  reviewDay: string;
  deadline: string;
  control: string;
  test: string;
  criteria: string[];
  /** the worksheet file's SHA-256: with the row id, the exception's identity */
  sha256: string;
  through: string;
}

/** The register's row for one decision not carried out (or not shown carried out) by its deadline: an event, never resolved. */
function remediationRow(c: RowContext, row: WorksheetRow, why: string, seen: { firstSeen: { date: string; bundle: string }; lastSeen: { date: string; bundle: string } }, evidence: ExceptionRow['evidence']): ExceptionRow {
  return {
    id: createHash('sha256').update(`${REMEDIATION_CHECK}\n${c.sha256}\n${row.row_id}`).digest('hex').slice(0, 16),
    check: REMEDIATION_CHECK,
    title: `${c.control}/${c.test}: revoke and modify decisions carried out within ${c.review.remediationDays} days of the review`,
    severity: 'high',
    source: row.source,
    scope: { control: c.control, test: c.test },
    resource: row.principal,
    reason: `${row.decision} decided in the access review of ${c.review.asOf} submitted ${c.reviewDay} by ${c.review.reviewer} (row ${row.row_id}: ${row.access}); deadline ${c.deadline} (${c.review.remediationDays} days); ${why}`,
    criteria: c.criteria,
    ...seen,
    resolved: null,
    status: 'open',
    occurrences: 1,
    periods: [{ ...seen, resolved: null }],
    evidence,
    type: 'event',
    incompleteEvidence: 0,
    ageDays: Math.max(0, daysBetween(seen.firstSeen.date, c.through)),
    response: null,
    responseOverdue: false,
  };
}
