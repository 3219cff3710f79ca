// Aggregates the bundles of a window into the report model. It reads, one bundle at a time, only
// manifest.json, findings.json and the small derived artifacts (promotion logs, rotation logs) —
// never the NDJSON populations — so a year of daily bundles reports in seconds with little memory.
// Every file it reads is re-hashed against the manifest as it is read.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { FINDINGS, MANIFEST, manifestShapeProblem, type ArtifactEntry, type Manifest } from '../bundle/manifest.js';
import { listBundleDirs, readManifest } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { verifyPath, type Problem } from '../bundle/verify.js';
import { UsageError } from '../core/errors.js';
import { printable } from '../core/log.js';
import { toolVersion } from '../core/paths.js';
import type { Finding } from '../core/types.js';
import { criteriaInScope, type Mappings } from '../mapping/index.js';
import { addDays, dayRange, isDate, utcDay } from './dates.js';
import {
  REPORT_FORMAT,
  type ArtifactRow,
  type BundleRow,
  type ContinuityDay,
  type ExceptionRow,
  type FileRef,
  type FindingBrief,
  type GapRow,
  type Integrity,
  type PartialRun,
  type PrivilegeChangeRow,
  type PromotionBaseline,
  type PromotionRow,
  type ReportModel,
  type RotationRow,
} from './model.js';
import { inRequestedWindow, integrityOf, unverifiedStamp } from './integrity.js';
import { CONFIG_FORMAT, type ExpectedUnit } from '../config/expected.js';
import { loadRegister, type Control } from '../mapping/controls.js';
import { ControlsAggregator } from './controls.js';
import { criterionReports, type CritAgg, type DayAgg } from './criteria.js';
import { CoverageAggregator } from './coverage.js';
import { readChecked } from './read.js';
import { populationSample, samplingRecord, type SamplingRequest } from './sampling.js';
import { ipeOf } from './ipe.js';
import { applyCarveOuts, loadCarveOuts, type CarveOutSet } from './carve-outs.js';
import { timelinessExceptions } from './timeliness.js';

/** Checks whose exceptions are privileged principals: changes between runs form a population. */
export const PRIVILEGE_CHECKS: Record<string, 'admin' | 'ml'> = {
  'aws-iam.admin-principals': 'admin',
  'aws-iam.ml-privileges': 'ml',
};
export const ROTATIONS_KIND = 'aws.secretsmanager.rotations';
export const PROMOTIONS_SUFFIX = '.promotions';

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
  /** S3 Object Lock seen per object when the evidence was read from s3:// */
  writeOnce?: Integrity['writeOnce'];
}

export type ReportOutcome = { ok: true; model: ReportModel } | { ok: false; integrity: Integrity; window: ReportModel['window']; bundles: number };

/** `account=1 region=us-east-1`: a scope without the source name, for people. */
export function scopeLabel(scope: Record<string, string> | undefined): string {
  return Object.entries(scope ?? {})
    .filter(([k]) => k !== 'source')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

function withoutSource(scope: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(scope ?? {})) if (k !== 'source') out[k] = String(v);
  return out;
}

const stableScope = (scope: Record<string, string>) =>
  Object.keys(scope)
    .sort()
    .map((k) => `${k}=${scope[k]}`)
    .join(',');

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

function worst(statuses: Iterable<string>): 'pass' | 'fail' | 'error' | null {
  let w: 'pass' | 'fail' | 'error' | null = null;
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'error') w = 'error';
    else if (s === 'pass' && w === null) w = 'pass';
  }
  return w;
}

interface Series {
  check: string;
  title: string;
  severity: string;
  source: string;
  scope: Record<string, string>;
  key: string;
  criteria: string[];
  lastRun: { bundle: string; date: string } | null;
  current: Map<string, string>;
}

interface LogChain {
  last: { bundle: string; to: string | null } | null;
  /** logs marked incomplete since `last` */
  pending: { bundle: string; from: string | null; to: string | null }[];
  label: string;
  what: string;
}

function isLogShape(v: unknown): v is { baseline?: unknown; window?: { from?: unknown; to?: unknown }; previousBundle?: unknown; events: unknown[] } {
  return !!v && typeof v === 'object' && !Array.isArray(v) && Array.isArray((v as { events?: unknown }).events);
}

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

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
  const verified = await verifyPath(evidenceDir, { trustedKeys });
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

  // 2. mappings: kind/check → in-scope criteria (ours plus the user's controls)
  const criteria = criteriaInScope(input.mappings, input.scope);
  const inScope = new Set(criteria.map((c) => c.id));
  const kindMap = new Map<string, Set<string>>();
  const checkMap = new Map<string, Set<string>>();
  const add = (m: Map<string, Set<string>>, k: string, cs: string[]) => {
    const s = m.get(k) ?? new Set<string>();
    for (const c of cs) s.add(c);
    m.set(k, s);
  };
  for (const [k, e] of Object.entries(input.mappings.artifacts)) add(kindMap, k, e.criteria);
  for (const [k, e] of Object.entries(input.mappings.checks)) add(checkMap, k, e.criteria);
  for (const ctl of input.mappings.controls) {
    for (const k of ctl.artifacts) add(kindMap, k, ctl.criteria);
    for (const k of ctl.checks) add(checkMap, k, ctl.criteria);
  }
  const critOf = (m: Map<string, Set<string>>, key: string, recorded: unknown): string[] => {
    const list = m.get(key) ? [...m.get(key)!] : Array.isArray(recorded) ? recorded.map(String) : [];
    return list.filter((c) => inScope.has(c));
  };

  const agg = new Map<string, CritAgg>();
  for (const c of criteria) agg.set(c.id, { days: new Map(), kinds: new Map(), kindsSeen: new Set(), checksSeen: new Set(), latest: null, pass: 0, fail: 0, error: 0 });
  const dayAgg = (c: string, date: string): DayAgg => {
    const a = agg.get(c)!;
    let d = a.days.get(date);
    if (!d) a.days.set(date, (d = { pass: 0, fail: 0, error: 0, collected: false }));
    return d;
  };

  const days = dayRange(window.from, window.through);
  const continuityDays = new Map<string, ContinuityDay>(days.map((d) => [d, { date: d, bundles: [], complete: 0, partial: 0, failed: 0 }]));
  const bundles: BundleRow[] = [];
  const partialRuns: PartialRun[] = [];
  const artifacts: ArtifactRow[] = [];
  const series = new Map<string, Series>();
  const exceptionRows = new Map<string, ExceptionRow>();
  const privilegeRows: PrivilegeChangeRow[] = [];
  const privilegeBaselines: ReportModel['populations']['privilegedAccess']['baselines'] = [];
  const privilegeNotes: string[] = [];
  const promotionRows = new Map<string, PromotionRow>();
  const promotionBaselines: PromotionBaseline[] = [];
  const promotionSources: FileRef[] = [];
  const promotionNotes: string[] = [];
  const promotionInfo: string[] = [];
  const promotionChains = new Map<string, LogChain>();
  const rotationRows = new Map<string, RotationRow>();
  const rotationSources: FileRef[] = [];
  const rotationNotes: string[] = [];
  const rotationInfo: string[] = [];
  const rotationChains = new Map<string, LogChain>();
  const register = input.register ?? loadRegister();
  const coverage = new CoverageAggregator();
  const controlsAgg = new ControlsAggregator();
  const toolVersions = new Set<string>();
  const organization = input.organization;
  let manifestOrg: string | null = null;

  const ref = (bundle: string, p: string, sha256: string): FileRef => ({ bundle, path: p, href: `${evidenceName}/${bundle}/${p}`, sha256 });

  /**
   * A derived log (promotions, rotations) must continue the previous complete log of its series: its
   * previousBundle (or, without one, its window.from) names that log's bundle (window.to). A log marked
   * incomplete does not advance the chain; it is a hole unless a later complete log compares against a
   * snapshot older than it (then that log's window covers the period) — the collectors do exactly that.
   */
  const chainLog = (chains: Map<string, LogChain>, notes: string[], info: string[], what: string, key: string, label: string, bundle: string, date: string, log: { baseline?: unknown; window?: { from?: unknown; to?: unknown }; previousBundle?: unknown }, complete: boolean) => {
    let c = chains.get(key);
    if (!c) chains.set(key, (c = { last: null, pending: [], label, what }));
    const w = { from: str(log.window?.from), to: str(log.window?.to) };
    if (!complete) {
      c.pending.push({ bundle, from: w.from, to: w.to });
      return;
    }
    const prevId = log.previousBundle !== undefined ? str(log.previousBundle) : undefined;
    const hole = (p: { bundle: string; from: string | null; to: string | null }) =>
      `${label}: the ${what} log of ${p.bundle} is marked incomplete and no later complete log covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`;
    if (log.baseline === true) {
      if (c.last) notes.push(`${label}: ${bundle} starts a new baseline after ${c.last.bundle}; changes between ${c.last.to ?? c.last.bundle} and ${w.to ?? bundle} are not in the evidence.`);
      else if (date > window.from) notes.push(`${label}: the first ${what} log in the window is a baseline taken ${date}; changes between ${window.from} and then are not in the evidence.`);
      for (const p of c.pending) notes.push(hole(p));
    } else {
      if (c.last) {
        const linked = prevId !== undefined ? prevId === c.last.bundle : w.from === c.last.to;
        if (!linked) notes.push(`${label}: the ${what} log of ${bundle} follows ${prevId ?? w.from ?? 'nothing'}, not the previous complete log in the window (${c.last.bundle}); changes in between may be missing.`);
      }
      for (const p of c.pending) {
        const covered = prevId !== undefined ? prevId !== null && prevId < p.bundle : w.from !== null && (p.from === null || w.from <= p.from);
        if (covered) info.push(`${label}: the ${what} log of ${p.bundle} is marked incomplete; the log of ${bundle} compares against ${prevId ?? w.from}, so its window covers that period.`);
        else notes.push(hole(p));
      }
    }
    c.pending = [];
    c.last = { bundle, to: w.to };
  };
  const closeChains = (chains: Map<string, LogChain>, notes: string[]) => {
    for (const c of chains.values())
      for (const p of c.pending) notes.push(`${c.label}: the ${c.what} log of ${p.bundle} is marked incomplete and no later complete log in the window covers it; changes between ${p.from ?? 'the previous collection'} and ${p.to ?? p.bundle} may be missing.`);
  };

  // 3. the bundles, oldest first, one at a time
  for (const id of windowIds) {
    const dir = path.join(evidenceDir, id);
    let manifest: Manifest;
    let manifestSha: string;
    try {
      const r = readManifest(dir);
      manifest = r.manifest;
      manifestSha = createHash('sha256').update(r.bytes).digest('hex');
      // a hand-edited manifest (possible with --allow-unverified) must not crash the readers below
      const shape = manifestShapeProblem(manifest);
      if (shape) throw new Error(`not a bundle manifest: ${shape}`);
    } catch (e) {
      addProblem({ bundle: id, file: MANIFEST, message: `cannot be read: ${(e as Error).message.split('\n')[0]}; the bundle is left out of the report` });
      continue;
    }
    const date = utcDay(manifest.startedAt) ?? idDay(id)!;
    if (idDay(id) && date !== idDay(id)) addProblem({ bundle: id, file: MANIFEST, message: `startedAt ${manifest.startedAt} is not on the day the bundle id names` });
    if (date < window.from || date > window.to) continue;
    const verifiedBundle = () => !badBundles.has(id);
    toolVersions.add(String(manifest.tool?.version ?? 'unknown'));
    if (manifest.organization) manifestOrg = manifest.organization;
    const status = manifest.status === 'partial' || manifest.status === 'failed' ? manifest.status : 'complete';
    const manifestRef = ref(id, MANIFEST, manifestSha);
    const collectors = manifest.collectors ?? [];
    const row: BundleRow = {
      id,
      date,
      startedAt: manifest.startedAt,
      finishedAt: manifest.finishedAt,
      status,
      stream: manifest.stream ?? null,
      toolVersion: String(manifest.tool?.version ?? 'unknown'),
      manifest: manifestRef,
      findingsFile: null,
      signed: !!manifest.signing,
      verified: true,
      collectors: { ok: collectors.filter((c) => c.status === 'ok').length, error: collectors.filter((c) => c.status === 'error').length, skipped: collectors.filter((c) => c.status === 'skipped').length },
      artifacts: manifest.artifacts.length,
      findings: { pass: 0, fail: 0, error: 0, not_applicable: 0 },
      previous: manifest.previous?.id ?? null,
    };
    bundles.push(row);
    const cd = continuityDays.get(date);
    if (cd) {
      cd.bundles.push(id);
      cd[status]++;
    }
    const gaps: GapRow[] = [];
    for (const c of collectors) {
      if (c.status !== 'error') continue;
      const list = c.gaps?.length ? c.gaps : c.error ? [c.error] : [{ api: c.id, code: 'Error', message: 'collector failed (no detail recorded)' }];
      for (const g of list) gaps.push({ collector: c.id, source: c.source, scope: withoutSource(c.scope), api: String(g.api), code: String(g.code), message: String(g.message) });
    }
    if (status !== 'complete' || gaps.length) partialRuns.push({ bundle: id, date, status: status === 'complete' ? 'partial' : status, manifest: manifestRef, gaps });
    coverage.addBundle(date, manifest.stream ?? null, collectors, await readStoredConfig(dir, id, manifest, ref, addProblem));

    // artifacts: the index, evidence per criterion and day, and the small derived logs
    const readLog = async (a: ArtifactEntry): Promise<unknown> => {
      const { text, ok } = await readChecked(dir, a.path, a.sha256, { lenient: true });
      if (!ok) addProblem({ bundle: id, file: a.path, message: 'content changed: SHA-256 does not match the manifest (found while reading it for the report)' });
      return JSON.parse(text);
    };
    for (const a of manifest.artifacts) {
      const crits = critOf(kindMap, a.kind, a.criteria);
      const fr = ref(id, a.path, a.sha256);
      const scope = withoutSource(a.provenance?.scope);
      const collectedAt = String(a.provenance?.collectedAt ?? manifest.startedAt);
      artifacts.push({
        ...fr,
        date,
        kind: a.kind,
        source: a.source,
        collector: a.collector,
        scope,
        bytes: a.bytes,
        records: a.records,
        complete: a.provenance?.complete === true,
        collectedAt,
        periodCovered: a.provenance?.periodCovered ?? null,
        criteria: crits,
        ...ipeOf(manifest, a), // IPE attributes and source time (src/report/ipe.ts)
      });
      for (const c of crits) {
        const ca = agg.get(c)!;
        ca.kindsSeen.add(a.kind);
        dayAgg(c, date).collected = true;
        let k = ca.kinds.get(a.kind);
        if (!k) ca.kinds.set(a.kind, (k = { artifacts: 0, bundles: 0, lastBundle: '', firstDate: date, lastDate: date, latest: [] }));
        k.artifacts++;
        if (k.lastBundle !== id) {
          k.bundles++;
          k.lastBundle = id;
          k.latest = [];
        }
        k.lastDate = date;
        k.latest.push({ ...fr, records: a.records, complete: a.provenance?.complete === true, collectedAt, source: a.source, scope });
      }

      if (a.kind.endsWith(PROMOTIONS_SUFFIX) || a.kind === ROTATIONS_KIND) {
        const isPromo = a.kind !== ROTATIONS_KIND;
        (isPromo ? promotionSources : rotationSources).push(fr);
        const notes = isPromo ? promotionNotes : rotationNotes;
        let log: unknown;
        try {
          log = await readLog(a);
        } catch (e) {
          notes.push(`${fr.href}: cannot be read (${(e as Error).message.split('\n')[0]}); its events are missing from the population.`);
          continue;
        }
        if (!isLogShape(log)) {
          notes.push(`${fr.href}: not a ${isPromo ? 'promotion' : 'rotation'} log ({baseline, window, events[]}); skipped.`);
          continue;
        }
        const seriesKey = `${a.source}\n${a.collector}\n${path.posix.dirname(a.path)}`;
        const label = `${a.source}/${a.collector}${scopeLabel(scope) ? ` (${scopeLabel(scope)})` : ''}`;
        const w = { from: str(log.window?.from), to: str(log.window?.to) ?? collectedAt };
        const logComplete = a.provenance?.complete === true;
        if (isPromo) {
          chainLog(promotionChains, promotionNotes, promotionInfo, 'promotion', seriesKey, label, id, date, log, logComplete);
          if (log.baseline === true) promotionBaselines.push({ bundle: id, date, source: a.source, collector: a.collector, artifact: fr, window: w });
          for (const raw of log.events) {
            const e = (raw ?? {}) as Record<string, any>;
            const rowKey = [a.source, a.collector, path.posix.dirname(a.path), e.type, e.model, e.version, e.alias ?? '', e.from ?? '', e.to ?? '', e.windowFrom ?? w.from ?? '', e.windowTo ?? w.to].map((x) => String(x ?? '')).join('|');
            if (promotionRows.has(rowKey)) continue;
            promotionRows.set(rowKey, {
              key: rowKey,
              bundle: id,
              date,
              artifact: fr,
              bundleVerified: verifiedBundle(),
              source: a.source,
              collector: a.collector,
              type: String(e.type ?? 'unknown'),
              model: String(e.model ?? ''),
              version: String(e.version ?? ''),
              alias: str(e.alias),
              from: str(e.from),
              to: str(e.to),
              toProduction: e.toProduction === true,
              windowFrom: String(e.windowFrom ?? w.from ?? ''),
              windowTo: String(e.windowTo ?? w.to),
              actor: str(e.actor?.user),
              actorSource: str(e.actor?.source),
              approved: e.approval?.approved === true,
              approver: str(e.approval?.approver),
              approvalTags: e.approval?.tags && typeof e.approval.tags === 'object' ? Object.fromEntries(Object.entries(e.approval.tags).map(([k, v]) => [k, String(v)])) : {},
            });
          }
        } else {
          chainLog(rotationChains, rotationNotes, rotationInfo, 'rotation', seriesKey, label, id, date, log, logComplete);
          for (const raw of log.events) {
            const e = (raw ?? {}) as Record<string, any>;
            const rowKey = `${String(e.arn ?? '')}|${String(e.rotatedAt ?? '')}`;
            if (rotationRows.has(rowKey)) continue;
            rotationRows.set(rowKey, {
              key: rowKey,
              bundle: id,
              date,
              artifact: fr,
              bundleVerified: verifiedBundle(),
              source: a.source,
              arn: String(e.arn ?? ''),
              name: str(e.name),
              account: str(e.account),
              region: str(e.region),
              rotatedAt: String(e.rotatedAt ?? ''),
              previousRotatedAt: str(e.previousRotatedAt),
            });
          }
        }
      }
    }

    // findings: statuses per criterion and day, exceptions, privileged-access changes
    const fEntry = manifest.files.find((f) => f.path === (manifest.findings?.path ?? FINDINGS)) ?? manifest.files.find((f) => f.path === FINDINGS);
    if (!fEntry) {
      addProblem({ bundle: id, file: FINDINGS, message: 'findings.json is not listed in the manifest' });
      continue;
    }
    const findingsRef = ref(id, fEntry.path, fEntry.sha256);
    row.findingsFile = findingsRef;
    let findings: Finding[];
    try {
      const { text, ok } = await readChecked(dir, fEntry.path, fEntry.sha256, { lenient: true });
      if (!ok) addProblem({ bundle: id, file: fEntry.path, message: 'content changed: SHA-256 does not match the manifest (found while reading it for the report)' });
      findings = JSON.parse(text);
      if (!Array.isArray(findings)) throw new Error('not a list');
    } catch (e) {
      addProblem({ bundle: id, file: fEntry.path, message: `cannot be read: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    const latestHere = new Map<string, FindingBrief[]>();
    for (const f of findings) {
      if (!f || typeof f !== 'object' || typeof f.check !== 'string') continue;
      const st = f.status;
      if (st === 'pass' || st === 'fail' || st === 'error' || st === 'not_applicable') row.findings[st]++;
      const crits = critOf(checkMap, f.check, f.criteria);
      const scope = withoutSource(f.scope);
      const brief: FindingBrief = { check: f.check, source: String(f.source ?? ''), scope, status: st, summary: String(f.summary ?? ''), exceptions: Array.isArray(f.exceptions) ? f.exceptions.length : 0 };
      if (st === 'pass' || st === 'fail' || st === 'error' || st === 'not_applicable') controlsAgg.addFinding(date, f.check, { source: brief.source, scope, status: st, summary: brief.summary, exceptions: brief.exceptions, findingsFile: findingsRef });
      for (const c of crits) {
        const ca = agg.get(c)!;
        ca.checksSeen.add(f.check);
        const d = dayAgg(c, date);
        if (st === 'pass' || st === 'fail' || st === 'error') {
          d[st]++;
          ca[st]++;
        }
        const l = latestHere.get(c) ?? [];
        l.push(brief);
        latestHere.set(c, l);
      }
      if (st === 'error' && PRIVILEGE_CHECKS[f.check])
        privilegeNotes.push(`${f.check} (${brief.source}${scopeLabel(scope) ? ' ' + scopeLabel(scope) : ''}) could not run in ${id}: a privilege gained and lost again around it would not be seen; changes across it are attributed to the next run.`);
      if (st !== 'pass' && st !== 'fail') continue; // an error or n/a run neither shows nor resolves exceptions
      const sKey = `${f.check}\n${brief.source}\n${stableScope(scope)}`;
      let s = series.get(sKey);
      if (!s) series.set(sKey, (s = { check: f.check, title: String(f.title ?? f.check), severity: String(f.severity ?? ''), source: brief.source, scope, key: sKey, criteria: crits, lastRun: null, current: new Map() }));
      const here = { date, bundle: id };
      const nowSet = new Map<string, string>();
      for (const ex of Array.isArray(f.exceptions) ? f.exceptions : []) if (ex && typeof ex.resource === 'string') nowSet.set(ex.resource, String(ex.reason ?? ''));
      for (const [res, reason] of nowSet) {
        const eKey = `${sKey}\n${res}`;
        let r = exceptionRows.get(eKey);
        if (!r) {
          r = {
            id: createHash('sha256').update(eKey).digest('hex').slice(0, 16),
            check: f.check,
            title: s.title,
            severity: s.severity,
            source: s.source,
            scope,
            resource: res,
            reason,
            criteria: crits,
            firstSeen: here,
            lastSeen: here,
            resolved: null,
            status: 'open',
            occurrences: 0,
            periods: [{ firstSeen: here, lastSeen: here, resolved: null }],
            evidence: findingsRef,
          };
          exceptionRows.set(eKey, r);
        } else if (!s.current.has(res)) r.periods.push({ firstSeen: here, lastSeen: here, resolved: null });
        r.occurrences++;
        r.reason = reason;
        r.evidence = findingsRef;
        r.periods[r.periods.length - 1]!.lastSeen = here;
      }
      for (const res of s.current.keys()) {
        if (nowSet.has(res)) continue;
        const r = exceptionRows.get(`${sKey}\n${res}`);
        if (r) r.periods[r.periods.length - 1]!.resolved = here;
      }
      const privilege = PRIVILEGE_CHECKS[f.check];
      if (privilege) {
        if (!s.lastRun) privilegeBaselines.push({ check: f.check, source: s.source, scope, bundle: id, date, holders: nowSet.size });
        else {
          const push = (principal: string, change: 'gained' | 'lost', reason: string) =>
            privilegeRows.push({
              key: `${f.check}|${s!.source}|${stableScope(scope)}|${principal}|${change}|${id}`,
              bundle: id,
              date,
              artifact: findingsRef,
              bundleVerified: verifiedBundle(),
              check: f.check,
              privilege,
              source: s!.source,
              scope,
              principal,
              change,
              reason,
              fromBundle: s!.lastRun!.bundle,
              fromDate: s!.lastRun!.date,
            });
          for (const [res, reason] of nowSet) if (!s.current.has(res)) push(res, 'gained', reason);
          for (const [res, reason] of s.current) if (!nowSet.has(res)) push(res, 'lost', `no longer listed (was: ${reason})`);
        }
      }
      s.current = nowSet;
      s.lastRun = here;
    }
    for (const [c, list] of latestHere) {
      const w = worst(list.map((b) => b.status));
      agg.get(c)!.latest = { bundle: id, date, status: w ?? 'collected', findings: list, findingsFile: findingsRef };
    }
  }
  for (const b of bundles) b.verified = !badBundles.has(b.id);
  for (const r of promotionRows.values()) r.bundleVerified = !badBundles.has(r.bundle);
  for (const r of rotationRows.values()) r.bundleVerified = !badBundles.has(r.bundle);
  for (const r of privilegeRows) r.bundleVerified = !badBundles.has(r.bundle);

  // 4. exceptions, criteria, calendar
  const exceptions = [...exceptionRows.values()].map((r) => {
    const first = r.periods[0]!;
    const last = r.periods[r.periods.length - 1]!;
    return { ...r, firstSeen: first.firstSeen, lastSeen: last.lastSeen, resolved: last.resolved, status: last.resolved ? ('resolved' as const) : ('open' as const) };
  });
  exceptions.push(...timelinessExceptions(artifacts, input.timeliness?.maxSourceAgeHours)); // stale source data (src/report/timeliness.ts)
  exceptions.sort((a, b) => a.firstSeen.date.localeCompare(b.firstSeen.date) || a.check.localeCompare(b.check) || a.resource.localeCompare(b.resource));

  // 4b. coverage and controls over the period: criteria conclude from the controls addressing them
  coverage.finish(days);
  const lastBundleDay = bundles.length ? bundles[bundles.length - 1]!.date : null;
  const controls = controlsAgg.controls(register.controls, inScope, days, lastBundleDay && lastBundleDay <= window.through ? lastBundleDay : null, coverage);

  const { criteria: criteriaOut, calendarRows } = criterionReports({ criteria, agg, kindMap, checkMap, controls, exceptions, days, userControls: input.mappings.controls });

  // 5. continuity
  const cdays = [...continuityDays.values()];
  const daysWithoutComplete = cdays.filter((d) => d.complete === 0).map((d) => d.date);
  let longestGap: ReportModel['continuity']['longestGap'] = null;
  for (let i = 0; i < daysWithoutComplete.length; ) {
    let j = i;
    while (j + 1 < daysWithoutComplete.length && daysWithoutComplete[j + 1] === addDays(daysWithoutComplete[j]!, 1)) j++;
    const len = j - i + 1;
    if (!longestGap || len > longestGap.days) longestGap = { from: daysWithoutComplete[i]!, to: daysWithoutComplete[j]!, days: len };
    i = j + 1;
  }

  // 6. populations and samples
  closeChains(promotionChains, promotionNotes);
  closeChains(rotationChains, rotationNotes);
  const promoList = [...promotionRows.values()].sort((a, b) => a.windowTo.localeCompare(b.windowTo) || a.key.localeCompare(b.key));
  const rotList = [...rotationRows.values()].sort((a, b) => a.rotatedAt.localeCompare(b.rotatedAt) || a.key.localeCompare(b.key));
  privilegeRows.sort((a, b) => a.bundle.localeCompare(b.bundle) || a.key.localeCompare(b.key));
  const privilegeSources = [...new Map(privilegeRows.map((r) => [r.artifact.href, r.artifact])).values()];
  // sizes by control frequency, drawn only with a seed (src/report/sampling.ts)
  const samplingReq = input.sampling ?? (input.sample ? { seed: input.sample.seed, sampledBy: 'not recorded', at: now.toISOString(), n: input.sample.n } : undefined);
  const sample = <R extends { key: string }>(name: string, rows: R[]) => populationSample(name, rows, samplingReq, register.controls);
  const anyPrivilegeRun = privilegeBaselines.length > 0;
  if (!anyPrivilegeRun) privilegeNotes.push('no run of aws-iam.admin-principals or aws-iam.ml-privileges in the window: this population was not collected.');
  if (!promotionSources.length) promotionNotes.push('no artifact of a *.promotions kind in the window: this population was not collected (no registry collector ran).');
  if (!rotationSources.length) rotationNotes.push(`no ${ROTATIONS_KIND} artifact in the window: this population was not collected.`);

  if (!integrity.ok) integrity.stamp = unverifiedStamp(integrity, badBundles.size);

  const crit = criteriaOut;
  const model: ReportModel = {
    format: REPORT_FORMAT,
    generatedAt: now.toISOString(),
    tool: { name: 'soc2', version: toolVersion },
    organization: organization ?? manifestOrg,
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
      daysWithCompleteBundle: days.length - daysWithoutComplete.length,
      daysWithoutCompleteBundle: daysWithoutComplete.length,
      criteria: {
        inScope: crit.length,
        covered: crit.filter((c) => c.status === 'pass' || c.status === 'fail' || c.status === 'error' || c.status === 'not-tested' || c.status === 'collected').length,
        automated: crit.filter((c) => c.automated).length,
        manual: crit.filter((c) => !c.automated).length,
        pass: crit.filter((c) => c.status === 'pass').length,
        fail: crit.filter((c) => c.status === 'fail').length,
        error: crit.filter((c) => c.status === 'error').length,
        notTested: crit.filter((c) => c.status === 'not-tested').length,
        collected: crit.filter((c) => c.status === 'collected').length,
        noEvidence: crit.filter((c) => c.status === 'no-evidence').length,
      },
      controls: {
        total: controls.length,
        effective: controls.filter((c) => c.period.conclusion === 'effective').length,
        deviations: controls.filter((c) => c.period.conclusion === 'deviations').length,
        notTested: controls.filter((c) => c.period.conclusion === 'not-tested').length,
        notApplicable: controls.filter((c) => c.period.conclusion === 'not-applicable').length,
        manual: controls.filter((c) => c.period.conclusion === 'manual').length,
      },
      register: register.from,
      exceptions: { total: exceptions.length, open: exceptions.filter((e) => e.status === 'open').length, resolved: exceptions.filter((e) => e.status === 'resolved').length },
      populations: { promotions: promoList.length, privilegedAccess: privilegeRows.length, secretRotations: rotList.length },
      toolVersions: [...toolVersions].sort(),
    },
    bundles,
    continuity: { days: cdays, daysWithoutBundle: cdays.filter((d) => d.bundles.length === 0).map((d) => d.date), daysWithoutComplete, longestGap, partialRuns },
    coverage: coverage.model(days),
    controls,
    criteria: criteriaOut,
    calendar: { days, rows: calendarRows, controls: controls.map((c) => ({ control: c.id, cells: c.cells })) },
    exceptions,
    artifacts,
    sampling: samplingRecord(samplingReq, controls, register.controls, days),
    populations: {
      promotions: {
        name: 'promotions',
        title: 'Model promotions',
        description:
          'Every change to registered model versions, stages and aliases (MLflow, Vertex AI) between consecutive collections, from the registry collectors’ promotion logs; with the approval tags/labels and the actor where the registry records them. Baseline logs (a registry’s first snapshot) contribute no events.',
        collected: promotionSources.length > 0,
        complete: promotionSources.length > 0 && promotionNotes.length === 0,
        notes: promotionNotes,
        info: promotionInfo,
        size: promoList.length,
        sources: promotionSources,
        rows: promoList,
        sample: sample('promotions', promoList),
        baselines: promotionBaselines,
      },
      privilegedAccess: {
        name: 'privileged-access',
        title: 'Privileged-access changes',
        description:
          'Principals that gained or lost administrator (Allow * on *) or ML privileges between consecutive runs of aws-iam.admin-principals / aws-iam.ml-privileges for the same source and account; each change names the bundle pair it was observed between.',
        collected: anyPrivilegeRun,
        complete: anyPrivilegeRun && privilegeNotes.length === 0,
        notes: privilegeNotes,
        info: [],
        size: privilegeRows.length,
        sources: privilegeSources,
        rows: privilegeRows,
        sample: sample('privileged-access', privilegeRows),
        baselines: privilegeBaselines,
      },
      secretRotations: {
        name: 'secret-rotations',
        title: 'Secret rotations',
        description: 'Every rotation of an AWS Secrets Manager secret observed between consecutive collections (LastRotatedDate moved), from the aws.secretsmanager.rotations logs.',
        collected: rotationSources.length > 0,
        complete: rotationSources.length > 0 && rotationNotes.length === 0,
        notes: rotationNotes,
        info: rotationInfo,
        size: rotList.length,
        sources: rotationSources,
        rows: rotList,
        sample: sample('secret-rotations', rotList),
      },
    },
  };
  applyCarveOuts(model, input.carveOuts ?? loadCarveOuts()); // subservice organizations (src/report/carve-outs.ts)
  return { ok: true, model };
}

/**
 * config.json of a bundle (the redacted config in force and the units it expects), hashed against the
 * manifest as it is read; null for bundles written before it existed (no manifest.config.path).
 */
async function readStoredConfig(
  dir: string,
  id: string,
  manifest: Manifest,
  ref: (bundle: string, p: string, sha256: string) => FileRef,
  addProblem: (p: Problem) => void,
): Promise<{ file: FileRef; expected: ExpectedUnit[] } | null> {
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
    return { file: ref(id, entry.path, entry.sha256), expected };
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
