// The report model: what `soc2 report` writes as report.json and what every other output
// (HTML, Markdown, CSV, OSCAL) is rendered from. Its shape is documented in docs/report.md; change
// both together and bump REPORT_FORMAT when a field changes meaning or goes away.
import type { TrustSummary, WriteOnceSummary } from '../bundle/trust.js';
import type { Problem } from '../bundle/verify.js';

export const REPORT_FORMAT = 'soc2-report/1';

/** Status of a criterion (or of one criterion on one day). */
export type EvidenceStatus =
  | 'pass' // every check mapped to it passed
  | 'fail' // at least one mapped check failed
  | 'error' // a mapped check could not be evaluated (evidence incomplete), none failed
  | 'collected' // evidence mapped to it was collected, but no automated check tests it
  | 'no-evidence' // evidence is mapped to it, but none was collected (in the window / that day)
  | 'manual'; // nothing automated is mapped to it: needs manual evidence

/** Where a number came from: one file of one bundle. */
export interface FileRef {
  bundle: string;
  /** path inside the bundle, as in its manifest */
  path: string;
  /** `<evidence dir name>/<bundle>/<path>`: relative to the directory that holds the evidence dir */
  href: string;
  sha256: string;
}

export interface BundleRow {
  id: string;
  /** UTC date of startedAt: the day the bundle counts for */
  date: string;
  startedAt: string;
  finishedAt: string;
  status: 'complete' | 'partial' | 'failed';
  stream: string | null;
  toolVersion: string;
  manifest: FileRef;
  /** findings.json of the bundle (null only when the manifest does not list it) */
  findingsFile: FileRef | null;
  signed: boolean;
  /** false when `soc2 verify` found a problem in this bundle (only with --allow-unverified) */
  verified: boolean;
  collectors: { ok: number; error: number; skipped: number };
  artifacts: number;
  findings: { pass: number; fail: number; error: number; not_applicable: number };
  previous: string | null;
}

export interface Integrity {
  /** true when every bundle of the window (and the chain into it) verified */
  ok: boolean;
  method: string;
  bundlesChecked: number;
  signedBundles: number;
  /** against which keys the signatures of the window's bundles were checked, and how many each signed */
  trust: TrustSummary;
  /** true when bundles are signed but no trusted key was given: integrity is then not established */
  untrusted: boolean;
  /** whether the evidence came from write-once storage (S3 Object Lock, seen per object) */
  writeOnce: WriteOnceSummary | { source: 'local' };
  /** problems in bundles of the window (or in the chain links into them) */
  problems: Problem[];
  /** problems in bundles outside the window: reported, but they do not fail this report */
  outsideWindow: Problem[];
  /** true when the report was produced despite problems (--allow-unverified) */
  allowUnverified: boolean;
  /** the stamp printed on every output when ok is false; null when ok */
  stamp: string | null;
}

export interface GapRow {
  collector: string;
  source: string;
  scope: Record<string, string>;
  api: string;
  code: string;
  message: string;
}

export interface ContinuityDay {
  date: string;
  bundles: string[];
  complete: number;
  partial: number;
  failed: number;
}

export interface PartialRun {
  bundle: string;
  date: string;
  status: 'partial' | 'failed';
  manifest: FileRef;
  gaps: GapRow[];
}

export interface Continuity {
  days: ContinuityDay[];
  /** days of the window with no bundle at all */
  daysWithoutBundle: string[];
  /** days of the window with no complete bundle (includes daysWithoutBundle) */
  daysWithoutComplete: string[];
  /** longest run of consecutive days without a complete bundle */
  longestGap: { from: string; to: string; days: number } | null;
  partialRuns: PartialRun[];
}

export interface FindingBrief {
  check: string;
  source: string;
  scope: Record<string, string>;
  status: 'pass' | 'fail' | 'error' | 'not_applicable';
  summary: string;
  exceptions: number;
}

export interface EvidenceKind {
  kind: string;
  /** artifacts of this kind in the window, and in how many bundles */
  artifacts: number;
  bundles: number;
  firstDate: string;
  lastDate: string;
  /** the artifacts of this kind in the newest bundle that has it */
  latest: (FileRef & { records: number; complete: boolean; collectedAt: string; source: string; scope: Record<string, string> })[];
}

export interface CriterionReport {
  id: string;
  category: string;
  family: string;
  title: string;
  /** something automated (artifact kind or check) is mapped to it */
  automated: boolean;
  status: EvidenceStatus;
  artifactKinds: string[];
  checks: string[];
  /** the user's own control ids mapped to it (config `mappings`) */
  controls: string[];
  daysWithEvidence: number;
  firstEvidence: string | null;
  lastEvidence: string | null;
  /** the newest bundle with findings mapped to this criterion; status = worst of them */
  latest: { bundle: string; date: string; status: 'pass' | 'fail' | 'error' | 'collected'; findings: FindingBrief[]; findingsFile: FileRef } | null;
  passRate: {
    pass: number;
    fail: number;
    error: number;
    /** pass / (pass + fail + error) over the window, null when no check ran */
    rate: number | null;
    /** one entry per day on which a mapped check ran */
    days: { date: string; pass: number; fail: number; error: number }[];
  };
  /** ids of rows in `exceptions` raised by checks mapped to this criterion */
  exceptions: string[];
  openExceptions: number;
  evidence: EvidenceKind[];
}

export interface ExceptionPeriod {
  firstSeen: { date: string; bundle: string };
  lastSeen: { date: string; bundle: string };
  resolved: { date: string; bundle: string } | null;
}

export interface ExceptionRow {
  /** first 16 hex of SHA-256 over check, source, scope and resource */
  id: string;
  check: string;
  title: string;
  severity: string;
  source: string;
  scope: Record<string, string>;
  resource: string;
  /** the reason given the last time it was seen */
  reason: string;
  criteria: string[];
  firstSeen: { date: string; bundle: string };
  lastSeen: { date: string; bundle: string };
  /** the first bundle after lastSeen in which the check ran (pass/fail) without this exception */
  resolved: { date: string; bundle: string } | null;
  status: 'open' | 'resolved';
  /** bundles in which it was present */
  occurrences: number;
  /** more than one when it was resolved and came back */
  periods: ExceptionPeriod[];
  /** findings.json of the bundle it was last seen in */
  evidence: FileRef;
}

export interface ArtifactRow extends FileRef {
  date: string;
  kind: string;
  source: string;
  collector: string;
  scope: Record<string, string>;
  bytes: number;
  records: number;
  complete: boolean;
  collectedAt: string;
  periodCovered: { from: string; to: string } | null;
  /** in-scope criteria this artifact is evidence for (current mappings) */
  criteria: string[];
}

export interface Sample {
  method: string;
  seed: string;
  requested: number;
  populationSize: number;
  size: number;
  /** keys of the selected rows, in selection order (rank) */
  keys: string[];
}

export interface Population<R> {
  name: string;
  title: string;
  description: string;
  /** false when not one artifact the population is built from exists in the window */
  collected: boolean;
  /** true when collected and the source logs chain over the window without a hole */
  complete: boolean;
  /** why the population may be incomplete (holes in the source logs, runs that errored) */
  notes: string[];
  /** facts about the sources that do not make it incomplete (e.g. an incomplete log covered by the next) */
  info: string[];
  size: number;
  /** the artifacts the rows were read from */
  sources: FileRef[];
  rows: R[];
  sample: Sample | null;
}

interface RowProvenance {
  /** stable dedupe key; the sampling hash is taken over it */
  key: string;
  bundle: string;
  date: string;
  artifact: FileRef;
  bundleVerified: boolean;
}

export interface PromotionRow extends RowProvenance {
  source: string;
  collector: string;
  type: string;
  model: string;
  version: string;
  alias: string | null;
  from: string | null;
  to: string | null;
  toProduction: boolean;
  windowFrom: string;
  windowTo: string;
  actor: string | null;
  actorSource: string | null;
  approved: boolean;
  approver: string | null;
  approvalTags: Record<string, string>;
}

export interface PromotionBaseline {
  bundle: string;
  date: string;
  source: string;
  collector: string;
  artifact: FileRef;
  window: { from: string | null; to: string };
}

export interface PrivilegeChangeRow extends RowProvenance {
  check: string;
  privilege: 'admin' | 'ml';
  source: string;
  scope: Record<string, string>;
  principal: string;
  change: 'gained' | 'lost';
  reason: string;
  fromBundle: string;
  fromDate: string;
}

export interface RotationRow extends RowProvenance {
  source: string;
  arn: string;
  name: string | null;
  account: string | null;
  region: string | null;
  rotatedAt: string;
  previousRotatedAt: string | null;
}

export interface Populations {
  promotions: Population<PromotionRow> & { baselines: PromotionBaseline[] };
  privilegedAccess: Population<PrivilegeChangeRow> & { baselines: { check: string; source: string; scope: Record<string, string>; bundle: string; date: string; holders: number }[] };
  secretRotations: Population<RotationRow>;
}

export interface ReportModel {
  format: typeof REPORT_FORMAT;
  generatedAt: string;
  tool: { name: 'soc2'; version: string };
  organization: string | null;
  window: {
    from: string;
    to: string;
    /** where from/to came from */
    basis: 'flags' | 'config' | 'bundles';
    /** last day counted for continuity: `to`, or today when `to` is still in the future */
    through: string;
    days: number;
  };
  scope: string[];
  evidence: { dir: string; name: string };
  integrity: Integrity;
  summary: {
    bundles: number;
    complete: number;
    partial: number;
    failed: number;
    days: number;
    daysWithCompleteBundle: number;
    daysWithoutCompleteBundle: number;
    criteria: { inScope: number; covered: number; automated: number; manual: number; pass: number; fail: number; error: number; collected: number; noEvidence: number };
    exceptions: { total: number; open: number; resolved: number };
    populations: { promotions: number; privilegedAccess: number; secretRotations: number };
    toolVersions: string[];
  };
  bundles: BundleRow[];
  continuity: Continuity;
  criteria: CriterionReport[];
  calendar: {
    days: string[];
    rows: { criterion: string; cells: EvidenceStatus[] }[];
  };
  exceptions: ExceptionRow[];
  artifacts: ArtifactRow[];
  populations: Populations;
}
