// buildReport: reads the bundles of a window oldest first, once, and feeds each to the aggregators —
// integrity (integrity.ts), continuity (continuity.ts), coverage (coverage.ts), criteria (criteria.ts),
// controls (controls.ts), exceptions (exceptions.ts), populations and their samples (populations.ts) —
// then assembles the report model. Per bundle it reads only manifest.json, config.json, findings.json
// and the small derived logs — never the NDJSON populations — so a year of daily bundles reports in
// seconds with little memory. Every file it reads is re-hashed against the manifest as it is read.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FINDINGS, MANIFEST, manifestShapeProblem, type Manifest } from '../bundle/manifest.js';
import { listBundleDirs, readManifest } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { verifyPath, type Problem, type VerifiedManifest, type VerifyResult } from '../bundle/verify.js';
import type { VerifiedCache } from '../bundle/verified-cache.js';
import { UsageError } from '../core/errors.js';
import { printable } from '../core/log.js';
import { toolVersion } from '../core/paths.js';
import type { Finding } from '../core/types.js';
import type { Mappings } from '../mapping/index.js';
import { dayRange, isDate, utcDay } from './dates.js';
import { REPORT_FORMAT, type ArtifactRow, type FileRef, type FindingBrief, type Integrity, type ReportModel } from './model.js';
import { inRequestedWindow, integrityOf, unverifiedStamp } from './integrity.js';
import { CONFIG_FORMAT, type ExpectedUnit } from '../config/expected.js';
import { loadRegister, type Control } from '../mapping/controls.js';
import { ControlsAggregator } from './controls.js';
import { manualItemsOf } from './manual.js';
import { CriteriaAggregator } from './criteria.js';
import { CoverageAggregator } from './coverage.js';
import { ContinuityAggregator } from './continuity.js';
import { ExceptionsAggregator, eventChecksOf, exceptionsOf } from './exceptions.js';
import { declaredPopulations, PopulationsAggregator, type DeclaredPopulation } from './populations.js';
import { artifactRow } from './artifacts.js';
import { readChecked } from './read.js';
import { populationSample, samplingRecord, type SamplingRequest } from './sampling.js';
import { ipeOf } from './ipe.js';
import { applyCarveOuts, loadCarveOuts, type CarveOutSet } from './carve-outs.js';
import { timelinessExceptions } from './timeliness.js';
import { applyResponses, DEFAULT_RESPONSE_DUE_DAYS, type ResponseEntry } from './responses.js';
import { bundleVisit, scopeLabel, withoutSource, type BundleVisit } from './visit.js';
import { VendorsAggregator, type OwnIdentifiers } from './vendors.js';
import type { VendorRegister } from './vendor-register.js';
import type { PolicyIndex } from './policies.js';
import { remediationExceptions } from '../review/remediation.js';

export { PRIVILEGE_CHECKS } from './populations.js';
export { scopeLabel };

export interface WindowRequest {
  from?: string;
  to?: string;
  /** config observationPeriod */
  period?: { from: string; to: string };
}

export interface ReportInput {
  evidenceDir: string;
  window: WindowRequest;
  scope: string[];
  organization: string | null;
  mappings: Mappings;
  /** the entity control register (src/mapping/controls.ts); default the shipped controls/ */
  register?: { from: string; controls: Control[] };
  allowUnverified: boolean;
  sample?: { n: number; seed: string };
  /** --seed / --sampled-by (/ --sample N): draw samples sized by control frequency; none without it */
  sampling?: SamplingRequest;
  /** config `subserviceOrganizations` (default mappings/subservice-organizations.yaml) */
  carveOuts?: CarveOutSet;
  /** config `timeliness`: the largest age of source data at collection before it is an exception (default 4 h) */
  timeliness?: { maxSourceAgeHours?: number };
  now?: Date;
  /** the keys the reader trusts (none: self-consistency only, which fails signed evidence) */
  trustedKeys?: TrustedKey[];
  /** the verified-bundle cache (src/bundle/verified-cache.ts); none: every file is hashed and nothing recorded */
  verifiedCache?: VerifiedCache | null;
  /**
   * the evidence already verified where it is stored (s3://: src/bundle/s3/report-evidence.ts, by
   * downloads and S3's stored checksums); used instead of verifyPath over evidenceDir, which holds
   * only the files the report reads
   */
  verifiedRemotely?: VerifyResult;
  /** S3 Object Lock seen per object when the evidence was read from s3:// */
  writeOnce?: Integrity['writeOnce'];
  /** management responses to exceptions (src/report/responses.ts) and after how many days one is due */
  responses?: { file: string; entries: ResponseEntry[] };
  responseDueDays?: number;
  /** checks declared `exceptions: 'event'`, for findings that do not say so themselves; default: from the collector registry */
  eventChecks?: ReadonlySet<string>;
  /** the populations the collectors declare (meta.populations); default: read from the collector registry */
  populations?: DeclaredPopulation[];
  /** config `vendors:` (src/report/vendor-register.ts); without it discovered third parties are listed, not judged */
  vendors?: VendorRegister;
  /** config `policies:` (src/report/policies.ts) */
  policies?: PolicyIndex;
  /** the company's own accounts, buckets, projects and domains from the config (sources); never vendors */
  own?: OwnIdentifiers;
}

export type ReportOutcome = { ok: true; model: ReportModel } | { ok: false; integrity: Integrity; window: ReportModel['window']; bundles: number };

const idDay = (name: string) => (isDate(name.slice(0, 10)) ? name.slice(0, 10) : null);

/** The window from flags, else the config's observationPeriod, else the bundles' first and last day. */
export function resolveWindow(req: WindowRequest, bundleDays: string[], now: Date): ReportModel['window'] {
  const sorted = [...bundleDays].sort();
  const basis: ReportModel['window']['basis'] = req.from || req.to ? 'flags' : req.period ? 'config' : 'bundles';
  const from = req.from ?? req.period?.from ?? sorted[0];
  const to = req.to ?? req.period?.to ?? sorted[sorted.length - 1];
  if (!from || !to) throw new UsageError(`no evidence bundles found and no window given (use --from and --to, or observationPeriod in the config)`);
  if (from > to) throw new UsageError(req.from ? `--from: ${from} is after the window's end ${to}` : `--to: ${to} is before the window's start ${from}`);
  const today = now.toISOString().slice(0, 10);
  const lastBundle = sorted.filter((d) => d >= from && d <= to).pop() ?? from;
  const cap = [today, lastBundle, from].sort().pop()!;
  const through = to < cap ? to : cap;
  return { from, to, basis, through, days: dayRange(from, through).length };
}

/** Everything fed by the pass over the bundles. */
interface Aggregators {
  continuity: ContinuityAggregator;
  coverage: CoverageAggregator;
  criteria: CriteriaAggregator;
  controls: ControlsAggregator;
  exceptions: ExceptionsAggregator;
  populations: PopulationsAggregator;
  artifacts: ArtifactRow[];
  eventChecks: ReadonlySet<string>;
  vendors: VendorsAggregator;
}

export async function buildReport(input: ReportInput): Promise<ReportOutcome> {
  const now = input.now ?? new Date();
  const evidenceDir = path.resolve(input.evidenceDir);
  const evidenceName = path.basename(evidenceDir);
  const { complete: ids, partial } = listBundleDirs(evidenceDir);
  const window = resolveWindow(input.window, ids.map(idDay).filter((d): d is string => d !== null), now);
  const inWindow = (name: string) => {
    const d = idDay(name);
    return d === null || (d >= window.from && d <= window.to);
  };
  const windowIds = ids.filter(inWindow);

  // 1. integrity: `soc2 verify` over the evidence dir (the chain needs the neighbours); problems of
  //    bundles outside the window are reported but do not fail the report.
  const trustedKeys = input.trustedKeys ?? [];
  // each manifest is read and parsed once, by verify (or by the S3 reader): the report takes the manifests it verified
  const verified = input.verifiedRemotely ?? (await verifyPath(evidenceDir, { trustedKeys, cache: input.verifiedCache ?? null, keepManifests: true }));
  const manifests = verified.manifests ?? new Map<string, VerifiedManifest>();
  const integrity = integrityOf(verified, { inWindow: inRequestedWindow(input.window), partial, trustedKeys, allowUnverified: input.allowUnverified, writeOnce: input.writeOnce ?? { source: 'local' } });
  const problems = integrity.problems;
  const badBundles = new Set(problems.map((p) => p.bundle));
  if (!integrity.ok && !input.allowUnverified) return { ok: false, integrity, window, bundles: windowIds.length };
  const addProblem = (p: Problem) => {
    p = { ...p, ...(p.file !== undefined ? { file: printable(p.file) } : {}), message: printable(p.message) };
    if (!problems.some((q) => q.bundle === p.bundle && q.file === p.file && q.message === p.message)) problems.push(p);
    badBundles.add(p.bundle);
    integrity.ok = false;
  };

  // 2. the bundles, oldest first, one at a time, each handed to every aggregator
  const days = dayRange(window.from, window.through);
  const register = input.register ?? loadRegister();
  // what the collectors declare (populations, event-type checks), from the registry unless given
  const registry = input.populations && input.eventChecks ? null : (await import('../../collectors/registry.js')).collectors;
  const ag: Aggregators = {
    continuity: new ContinuityAggregator(days),
    coverage: new CoverageAggregator(),
    criteria: new CriteriaAggregator(input.mappings, input.scope),
    controls: new ControlsAggregator(),
    exceptions: new ExceptionsAggregator(),
    populations: new PopulationsAggregator(window.from, input.populations ?? declaredPopulations(registry!)),
    artifacts: [],
    eventChecks: input.eventChecks ?? eventChecksOf(registry!),
    vendors: new VendorsAggregator(input.vendors ?? null, input.own ?? { awsAccounts: [], buckets: [], gcpProjects: [], domains: [] }, input.policies ?? null),
  };
  // manual evidence of the whole chain (a quarter's review is often added after it), kept from bundles that verify
  const manualItems = ids.flatMap((id) => {
    const v = manifests.get(id);
    // a manifest of the wrong shape (possible with --allow-unverified) is named by verify, never read here
    return v && !manifestShapeProblem(v.manifest) ? manualItemsOf(evidenceName, id, v.manifest.artifacts) : [];
  });
  for (const id of windowIds) {
    const dir = path.join(evidenceDir, id);
    const read = openManifest(dir, id, addProblem, manifests.get(id));
    manifests.delete(id); // held no longer than its visit
    if (!read) continue;
    const date = utcDay(read.manifest.startedAt) ?? idDay(id)!;
    if (idDay(id) && date !== idDay(id)) addProblem({ bundle: id, file: MANIFEST, message: `startedAt ${read.manifest.startedAt} is not on the day the bundle id names` });
    if (date < window.from || date > window.to) continue;
    await visitBundle(bundleVisit({ evidenceName, dir, id, date, manifest: read.manifest, badBundles, addProblem }), read.sha256, ag);
  }

  // 3. over the period: coverage, then controls from it, criteria from the controls
  const continuity = ag.continuity.finish(badBundles);
  const exceptions = ag.exceptions.finish(window.through);
  exceptions.push(...timelinessExceptions(ag.artifacts, input.timeliness?.maxSourceAgeHours, window.through)); // stale source data (src/report/timeliness.ts)
  const vendors = ag.vendors.finish(window.through); // vendor register and policies (src/report/vendors.ts)
  exceptions.push(...vendors.exceptions);
  ag.coverage.finish(days);
  const lastBundleDay = ag.continuity.lastDay();
  const manualEvidence = manualItems.filter((m) => !badBundles.has(m.bundle!));
  // access reviews' revoke/modify decisions against the first bundle after their deadline (src/review/remediation.ts)
  const remediation = await remediationExceptions({ evidenceDir, evidenceName, windowIds, badBundles, manualEvidence, controls: register.controls, through: window.through });
  exceptions.push(...remediation.exceptions);
  const controls = ag.controls.controls(register.controls, ag.criteria.inScope, days, lastBundleDay && lastBundleDay <= window.through ? lastBundleDay : null, ag.coverage, { evidence: manualEvidence, window: { from: window.from, to: window.to }, today: now.toISOString().slice(0, 10), remediation: remediation.summaries });
  const responses = applyResponses(exceptions, input.responses?.entries ?? [], { file: input.responses?.file ?? null, dueDays: input.responseDueDays ?? DEFAULT_RESPONSE_DUE_DAYS });
  const { criteria, calendarRows } = ag.criteria.reports({ controls, exceptions, days });
  const coverage = ag.coverage.model(days);
  // sizes by control frequency, drawn only with a seed (src/report/sampling.ts)
  const samplingReq = input.sampling ?? (input.sample ? { seed: input.sample.seed, sampledBy: 'not recorded', at: now.toISOString(), n: input.sample.n } : undefined);
  const sample = <R extends { key: string }>(name: string, rows: R[]) => populationSample(name, rows, samplingReq, register.controls);
  const populations = ag.populations.finish(badBundles, sample, window.through, coverage.units);
  if (!integrity.ok) integrity.stamp = unverifiedStamp(integrity, badBundles.size);

  const bundles = ag.continuity.bundles;
  const model: ReportModel = {
    format: REPORT_FORMAT,
    generatedAt: now.toISOString(),
    tool: { name: 'soc2', version: toolVersion },
    organization: input.organization ?? ag.continuity.organization,
    window,
    scope: ['security', ...input.scope.filter((s) => s !== 'security')],
    evidence: { dir: evidenceDir, name: evidenceName },
    integrity,
    summary: {
      bundles: bundles.length,
      complete: bundles.filter((b) => b.status === 'complete').length,
      partial: bundles.filter((b) => b.status === 'partial').length,
      failed: bundles.filter((b) => b.status === 'failed').length,
      days: days.length,
      daysWithCompleteBundle: days.length - continuity.daysWithoutComplete.length,
      daysWithoutCompleteBundle: continuity.daysWithoutComplete.length,
      criteria: criteriaSummary(criteria),
      controls: controlsSummary(controls),
      register: register.from,
      exceptions: {
        total: exceptions.length,
        open: exceptions.filter((e) => e.status === 'open').length,
        resolved: exceptions.filter((e) => e.status === 'resolved').length,
        events: exceptions.filter((e) => e.type === 'event').length,
        incompleteEvidence: exceptions.filter((e) => e.incompleteEvidence > 0).length,
        withoutResponseOverdue: responses.overdue.length,
      },
      populations: { promotions: populations.promotions.size, privilegedAccess: populations.privilegedAccess.size, secretRotations: populations.secretRotations.size },
      toolVersions: [...ag.continuity.toolVersions].sort(),
    },
    bundles,
    continuity,
    coverage,
    controls,
    criteria,
    calendar: { days, rows: calendarRows, controls: controls.map((c) => ({ control: c.id, cells: c.cells })) },
    exceptions,
    responses,
    artifacts: ag.artifacts,
    sampling: samplingRecord(samplingReq, controls, register.controls, days),
    populations,
  };
  applyCarveOuts(model, input.carveOuts ?? loadCarveOuts()); // subservice organizations (src/report/carve-outs.ts)
  model.vendors = vendors.vendors;
  if (vendors.policies) model.policies = vendors.policies;
  return { ok: true, model };
}

/**
 * manifest.json of a bundle and its SHA-256 (as verify parsed it, else read again); null (and a problem)
 * when it cannot be read or is not a manifest.
 */
function openManifest(dir: string, id: string, addProblem: (p: Problem) => void, verified: VerifiedManifest | undefined): { manifest: Manifest; sha256: string } | null {
  if (verified && !manifestShapeProblem(verified.manifest)) return verified;
  try {
    const r = readManifest(dir);
    // a hand-edited manifest (possible with --allow-unverified) must not crash the readers below
    const shape = manifestShapeProblem(r.manifest);
    if (shape) throw new Error(`not a bundle manifest: ${shape}`);
    return { manifest: r.manifest, sha256: createHash('sha256').update(r.bytes).digest('hex') };
  } catch (e) {
    addProblem({ bundle: id, file: MANIFEST, message: `cannot be read: ${(e as Error).message.split('\n')[0]}; the bundle is left out of the report` });
    return null;
  }
}

/** One bundle: its row and coverage, its artifacts, then its findings. */
async function visitBundle(v: BundleVisit, manifestSha: string, ag: Aggregators): Promise<void> {
  const { manifest, id, date } = v;
  const row = ag.continuity.addBundle(v, manifestSha);
  ag.coverage.addBundle(date, manifest.stream ?? null, manifest.collectors ?? [], await readStoredConfig(v));

  for (const a of manifest.artifacts) {
    const art = artifactRow(v, a, ag.criteria.criteriaOfKind(a.kind, a.criteria));
    ag.artifacts.push(art);
    const fr = v.ref(a.path, a.sha256);
    ag.criteria.addArtifact(id, date, a.kind, art.criteria, { ...fr, records: a.records, complete: art.complete, collectedAt: art.collectedAt, source: a.source, scope: art.scope });
    await ag.populations.addArtifact(v, a, fr, art.scope, art.collectedAt);
    await ag.vendors.addArtifact(v, a, art.scope);
  }
  ag.vendors.endBundle(v, v.ref(MANIFEST, manifestSha));

  const findings = await readFindings(v);
  if (!findings) return;
  row.findingsFile = findings.file;
  for (const f of findings.list) {
    if (!f || typeof f !== 'object' || typeof f.check !== 'string') continue;
    const st = f.status;
    if (st === 'pass' || st === 'fail' || st === 'error' || st === 'not_applicable') row.findings[st]++;
    const crits = ag.criteria.criteriaOfCheck(f.check, f.criteria);
    const scope = withoutSource(f.scope);
    const brief: FindingBrief = { check: f.check, source: String(f.source ?? ''), scope, status: st, summary: String(f.summary ?? ''), exceptions: Array.isArray(f.exceptions) ? f.exceptions.length : 0 };
    if (st === 'pass' || st === 'fail' || st === 'error' || st === 'not_applicable') ag.controls.addFinding(date, f.check, { source: brief.source, scope, status: st, summary: brief.summary, exceptions: brief.exceptions, findingsFile: findings.file });
    ag.criteria.addFinding(date, brief, crits);
    const listed = exceptionsOf(f.exceptions);
    const type = f.exceptionType === 'event' || ag.eventChecks.has(f.check) ? 'event' : 'state';
    ag.exceptions.addRun({ check: f.check, title: String(f.title ?? f.check), severity: String(f.severity ?? ''), source: brief.source, scope, status: st, type, criteria: crits, exceptions: listed, date, bundle: id, findingsFile: findings.file });
  }
  ag.criteria.endBundle(id, date, findings.file);
}

/** findings.json of a bundle, hashed as read; null (and a problem) when unlisted or unreadable. */
async function readFindings(v: BundleVisit): Promise<{ file: FileRef; list: Finding[] } | null> {
  const m = v.manifest;
  const entry = m.files.find((f) => f.path === (m.findings?.path ?? FINDINGS)) ?? m.files.find((f) => f.path === FINDINGS);
  if (!entry) {
    v.addProblem({ bundle: v.id, file: FINDINGS, message: 'findings.json is not listed in the manifest' });
    return null;
  }
  try {
    const list = await v.readJson(entry.path, entry.sha256);
    if (!Array.isArray(list)) throw new Error('not a list');
    return { file: v.ref(entry.path, entry.sha256), list: list as Finding[] };
  } catch (e) {
    v.addProblem({ bundle: v.id, file: entry.path, message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
    return null;
  }
}

type Summary = ReportModel['summary'];

function criteriaSummary(crit: ReportModel['criteria']): Summary['criteria'] {
  const n = (s: string) => crit.filter((c) => c.status === s).length;
  return {
    inScope: crit.length,
    covered: crit.filter((c) => c.status === 'pass' || c.status === 'fail' || c.status === 'error' || c.status === 'not-tested' || c.status === 'collected' || c.status === 'due').length,
    automated: crit.filter((c) => c.automated).length,
    // bare "needs manual evidence": no control (no check, no manual test) concludes on it
    manual: n('manual'),
    pass: n('pass'),
    fail: n('fail'),
    error: n('error'),
    notTested: n('not-tested'),
    collected: n('collected'),
    noEvidence: n('no-evidence'),
    due: n('due'),
  };
}

function controlsSummary(controls: ReportModel['controls']): Summary['controls'] {
  const n = (s: string) => controls.filter((c) => c.period.conclusion === s).length;
  return { total: controls.length, effective: n('effective'), deviations: n('deviations'), notTested: n('not-tested'), notApplicable: n('not-applicable'), manual: n('manual'), due: n('due') };
}

/**
 * config.json of a bundle (the redacted config in force and the units it expects), hashed against the
 * manifest as it is read; null for bundles written before it existed (no manifest.config.path).
 */
async function readStoredConfig(v: BundleVisit): Promise<{ file: FileRef; expected: ExpectedUnit[] } | null> {
  const { dir, id, manifest, addProblem } = v;
  const p = manifest.config?.path;
  if (typeof p !== 'string') return null;
  const entry = manifest.files.find((f) => f.path === p);
  if (!entry) {
    addProblem({ bundle: id, file: p, message: 'the config copy named by manifest.config.path is not listed in the manifest' });
    return null;
  }
  try {
    const { text, ok } = await readChecked(dir, entry.path, entry.sha256, { lenient: true });
    if (!ok) addProblem({ bundle: id, file: entry.path, message: 'content changed: SHA-256 does not match the manifest (found while reading it for the report)' });
    const stored = JSON.parse(text) as { format?: unknown; expected?: unknown };
    if (stored.format !== CONFIG_FORMAT || !Array.isArray(stored.expected)) throw new Error(`not a ${CONFIG_FORMAT} document`);
    const expected = stored.expected.filter((u): u is ExpectedUnit => !!u && typeof u === 'object' && typeof u.source === 'string' && typeof u.collector === 'string' && !!u.scope && typeof u.scope === 'object');
    return { file: v.ref(entry.path, entry.sha256), expected };
  } catch (e) {
    addProblem({ bundle: id, file: entry.path, message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
    return null;
  }
}

/** Bundle ids of an evidence dir (for commands that need to know whether there is anything at all). */
export function hasBundles(evidenceDir: string): boolean {
  const { complete, partial } = listBundleDirs(evidenceDir);
  return complete.length + partial.length > 0;
}
