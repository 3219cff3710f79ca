// The report model: what `soc2 report` writes as report.json and what every other output
// (HTML, Markdown, CSV, OSCAL) is rendered from. Its shape is documented in docs/report.md; change
// both together and bump REPORT_FORMAT when a field changes meaning or goes away.
import type { TrustSummary, WriteOnceSummary } from '../bundle/trust.js';
import type { Problem } from '../bundle/verify.js';
import type { CarveOutReport } from './carve-outs.js';
import type { SamplingRecord } from './sampling.js';
import type { PoliciesReport, VendorsReport } from './vendors.js';

// 2: criteria conclude over the whole period from the control register; coverage knows what was expected
import type { ManualTestReport } from './manual.js';

export const REPORT_FORMAT = 'soc2-report/2';

/** Status of a criterion (or of one criterion on one day). */
export type EvidenceStatus =
  | 'pass' // its controls operated effectively on every day of the period
  | 'not-tested' // no deviation, but on some days an expected test was missing or could not be evaluated
  | 'fail' // a control addressing it deviated on at least one day of the period
  | 'error' // (a calendar cell) a mapped check could not be evaluated that day, none failed
  | 'collected' // evidence mapped to it was collected, but no automated check tests it
  | 'no-evidence' // evidence is mapped to it, but none was collected (in the window / that day)
  | 'due' // tested by manual evidence whose required periods have not yet elapsed (none missing)
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
  /**
   * whose files were hashed in this run and whose were found unchanged since an earlier run hashed them
   * (the verified-bundle cache, src/bundle/verified-cache.ts); manifests, signatures and the chain are
   * checked in every run
   */
  filesChecked: FilesCheckedSummary;
}

export interface FilesCheckedSummary {
  /** the cache directory, null when the cache was not used (--no-cache still refreshes it) */
  cacheDir: string | null;
  hashedNow: number;
  fromCache: number;
  /** the window's bundles checked from the cache, and when their files were hashed */
  cached: { bundle: string; verifiedAt: string }[];
  /** read from s3:// without --download: how many objects were downloaded and hashed, and how many checked by S3's stored SHA-256 */
  remote?: { location: string; downloaded: number; bytesDownloaded: number; linked: number; byChecksum: number };
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

/** One expected test instance on one day: check × source × scope. */
export type InstanceStatus = 'pass' | 'fail' | 'error' | 'missing' | 'not_applicable';

/** A control's (or criterion's) state on one day; error and missing are "not tested". */
export type DayStatus = 'pass' | 'fail' | 'error' | 'missing' | 'not-applicable' | 'manual';

export interface TestInstance {
  date: string;
  check: string;
  source: string;
  scope: Record<string, string>;
  status: InstanceStatus;
  summary: string;
  exceptions: number;
  /** the bundle whose findings.json holds the result (null when missing) */
  findingsFile: FileRef | null;
}

/** How a control (or a criterion) operated over the whole period. */
export interface PeriodResult {
  /** due: only manual tests, none of whose required periods has elapsed yet (src/report/manual.ts) */
  conclusion: 'effective' | 'deviations' | 'not-tested' | 'not-applicable' | 'manual' | 'due';
  /** "operated effectively on 28 of 30 days; 2 deviations: …; 1 day not tested: …" */
  text: string;
  /** days of the window counted (window.through) */
  days: number;
  /** days on which every expected test instance passed (or did not apply) */
  daysEffective: number;
  /** days with at least one failed instance */
  daysWithDeviations: string[];
  /** days without a deviation on which an expected instance was missing or errored */
  daysNotTested: string[];
  /** days on which nothing was expected of it (e.g. no source of its checks configured) */
  daysNotApplicable: number;
  occurrences: { expected: number; tested: number; pass: number; fail: number; error: number; missing: number; notApplicable: number };
  /** every failed instance of the period, oldest first (for a criterion: empty, they are under its controls) */
  deviations: TestInstance[];
}

export interface ControlReport {
  id: string;
  title: string;
  description: string;
  owner: string;
  frequency: string;
  /** in-scope criteria it addresses (its conclusion rolls up into them) */
  criteria: string[];
  /** in-scope criteria it only supports */
  supports: string[];
  checks: string[];
  manual: { id: string; request: string }[];
  /** each manual test's required periods over the window, the evidence covering each, deviations and what is due */
  manualEvidence: ManualTestReport[];
  /** register file it came from (base name) */
  file: string;
  period: PeriodResult;
  /** one per calendar day */
  cells: DayStatus[];
  /** instances that were missing or errored, oldest first (the days not tested, with what) */
  notTested: TestInstance[];
  /** the LATEST STATE only: the newest day of the window with a bundle; not the period conclusion */
  latest: { date: string; status: DayStatus; instances: TestInstance[] } | null;
}

export interface CoverageUnit {
  key: string;
  source: string;
  system: string;
  collector: string;
  /** what the config fixes (a key it cannot know, e.g. the caller's account, matches any value) */
  scope: Record<string, string>;
  /** days it was expected, collected without gaps, collected with gaps, not collected */
  expected: number;
  covered: number;
  error: number;
  missing: number;
  missingDates: string[];
  errorDates: string[];
}

export interface CoverageDay {
  date: string;
  /** config: a bundle of the day stored its config; carried: the config of an earlier (or the first later) day;
   *  observed: no bundle of the window stores its config, so what was ever collected is expected */
  basis: 'config' | 'carried' | 'observed' | 'none';
  /** config.json files the expectation came from */
  configs: FileRef[];
  expected: number;
  covered: number;
  error: number;
  missing: number;
  /** keys of the units not collected / collected with gaps */
  missingUnits: string[];
  errorUnits: string[];
}

export interface Coverage {
  method: string;
  units: CoverageUnit[];
  days: CoverageDay[];
  /** per system × source: days on which everything expected of it was collected */
  systems: { system: string; source: string; units: number; daysComplete: number; daysIncomplete: string[] }[];
  notes: string[];
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
  /** register controls addressing it: the period conclusion rolls up from them */
  addressedBy: string[];
  /** register controls that only support it */
  supportedBy: string[];
  /** how its controls operated over the whole period; `status` follows it */
  period: PeriodResult;
  /** per calendar day: worst day status of the controls addressing it */
  periodCells: DayStatus[];
  daysWithEvidence: number;
  firstEvidence: string | null;
  lastEvidence: string | null;
  /** LATEST STATE only: the newest bundle with findings mapped to this criterion; status = worst of them */
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
  /** set when its (physical) parts are normally met at a subservice organization in use (src/report/carve-outs.ts) */
  carvedOut?: { organizations: string[]; note: string };
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
  /** state: open while listed, resolved when a later run no longer lists it; event: a deviation that happened, never resolved by later runs */
  type: 'state' | 'event';
  /** occurrences listed by a run that ended in `error`: found on incomplete evidence */
  incompleteEvidence: number;
  /** days from firstSeen to the window's last counted day */
  ageDays: number;
  /** management's response from the responses file, null when none */
  response: ExceptionResponse | null;
  /** no response and older than the responses' due days */
  responseOverdue: boolean;
}

/** One entry of responses.yaml (src/report/responses.ts), joined to the exceptions it names. */
export interface ExceptionResponse {
  response: string;
  owner: string;
  rootCause: string | null;
  remediation: string | null;
  ticket: string | null;
  respondedAt: string | null;
  /** where in the responses file it is (`responses[3]`) */
  entry: string;
}

export interface ResponsesSummary {
  /** the responses file read, null when none is configured */
  file: string | null;
  /** an exception without a response older than this many days is listed in `overdue` */
  dueDays: number;
  /** exceptions that have a response */
  answered: number;
  /** ids of exceptions without a response older than dueDays, oldest first */
  overdue: string[];
  /** entries of the file that match no exception of the window (`responses[2]: check … resource …`) */
  unmatched: string[];
}

/** IPE attributes of an artifact (src/report/ipe.ts), from its bundle's manifest */
export interface ArtifactIpe {
  /** aws | gcp | mlflow | prometheus … (provenance.system) */
  system: string;
  /** the caller ARN / GCP principal / MLflow user that collected it; "unknown" when not recorded */
  identity: string;
  /** every API operation behind it, with its parameters and the pages read */
  operations: { api: string; params: Record<string, unknown>; pages: number; calls?: number }[];
  toolVersion: string;
  /** git commit the collecting tool was built from (+modified when built from a changed tree), or "unknown" */
  toolBuild: string;
  /** the CI run that collected it (null: not run in CI) */
  ci: { provider: string; runId: string | null; url: string | null } | null;
  /** when the source says it produced the data (null: the source does not say) */
  sourceTime: string | null;
  /** the provenance field sourceTime was read from */
  sourceTimeField: string | null;
  /** hours from sourceTime to collectedAt */
  sourceAgeHours: number | null;
}

export interface ArtifactRow extends FileRef, ArtifactIpe {
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
  /** how the size was set (frequency rule, register override or --sample N) */
  basis?: string;
  /** the register control whose population this is */
  control?: string | null;
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
  /** the intervals in which changes would not be in the evidence (chain breaks, incomplete logs, days after the last log); complete only when none */
  blindWindows: BlindWindow[];
  size: number;
  /** the artifacts the rows were read from */
  sources: FileRef[];
  rows: R[];
  sample: Sample | null;
}

export interface BlindWindow {
  /** the log series (source/collector and scope) it concerns */
  series: string;
  /** ISO timestamps (or dates) bounding the interval */
  from: string;
  to: string;
  reason: string;
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
  /** the exact time of the change, when an audit-log event named its actor */
  actorEventTime?: string;
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

/** One change of aws.iam.access-changes (collectors/aws-iam/access-changes.ts): a grant or removal of privileged or ML-change access. */
export interface PrivilegeChangeRow extends RowProvenance {
  source: string;
  collector: string;
  account: string;
  principal: string;
  principalType: string;
  principalName: string;
  /** policy_attached, policy_detached, group_added, group_removed, inline_policy_put, inline_policy_deleted, trust_policy_changed, principal_created, principal_deleted, privilege_changed */
  change: string;
  /** the policy ARN, group or inline policy name changed; null for the principal itself */
  item: string | null;
  before: string | null;
  after: string | null;
  /** the policy, group or inline policy itself allows * on * */
  itemAdmin: boolean;
  privilegeBefore: string;
  privilegeAfter: string;
  grants: string | null;
  removes: string | null;
  windowFrom: string;
  windowTo: string;
  actor: string | null;
  actorSource: string | null;
  actorEventTime?: string;
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
  privilegedAccess: Population<PrivilegeChangeRow> & { baselines: PromotionBaseline[] };
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
    criteria: { inScope: number; covered: number; automated: number; manual: number; pass: number; fail: number; error: number; notTested: number; collected: number; noEvidence: number; due: number };
    controls: { total: number; effective: number; deviations: number; notTested: number; notApplicable: number; manual: number; due: number };
    /** register the controls came from */
    register: string;
    exceptions: { total: number; open: number; resolved: number; events: number; incompleteEvidence: number; withoutResponseOverdue: number };
    populations: { promotions: number; privilegedAccess: number; secretRotations: number };
    toolVersions: string[];
  };
  bundles: BundleRow[];
  continuity: Continuity;
  coverage: Coverage;
  controls: ControlReport[];
  criteria: CriterionReport[];
  calendar: {
    days: string[];
    rows: { criterion: string; cells: EvidenceStatus[] }[];
    /** per control, per day */
    controls: { control: string; cells: DayStatus[] }[];
  };
  exceptions: ExceptionRow[];
  /** management responses joined to the exceptions, and the exceptions still waiting for one */
  responses: ResponsesSummary;
  artifacts: ArtifactRow[];
  /** who drew samples, when, with which seed; per-control samples of the days tested (src/report/sampling.ts) */
  sampling: SamplingRecord;
  populations: Populations;
  /** subservice organizations presented with the carve-out method (set by applyCarveOuts) */
  carveOuts?: CarveOutReport;
  /** third parties: the vendor register and those discovered in the evidence (src/report/vendors.ts) */
  vendors?: VendorsReport;
  /** written policies and their reviews (src/report/policies.ts), when the config names a policy index */
  policies?: PoliciesReport;
}
