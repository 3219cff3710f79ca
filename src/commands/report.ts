// `soc2 report`: the bundles of an observation window → index.html, report.md, report.json,
// populations/*.csv, oscal/assessment-results.json. Verifies every bundle of the window first.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { listBundleDirs, readManifest } from '../bundle/store.js';
import type { TrustedKey } from '../bundle/trust.js';
import { openVerifiedCache } from '../bundle/verified-cache.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { CATEGORIES } from '../config/schema.js';
import { ExitCode, UsageError, VerificationError } from '../core/errors.js';
import { loadResponses, type ResponseEntry } from '../report/responses.js';
import { eventChecksOf } from '../report/exceptions.js';
import { lintRegister, loadRegister, type Register } from '../mapping/controls.js';
import { loadMappings, type Mappings } from '../mapping/index.js';
import { buildReport } from '../report/aggregate.js';
import { parseDateFlag } from '../report/dates.js';
import { FORMATS, refuseOutInsideEvidence, writeReport, type Format } from '../report/index.js';
import { integrityLine, writeOnceLine } from '../report/integrity.js';
import type { Integrity } from '../report/model.js';
import { loadCarveOuts } from '../report/carve-outs.js';
import { loadPolicies } from '../report/policies.js';
import { loadVendorRegister } from '../report/vendor-register.js';
import type { SamplingRequest } from '../report/sampling.js';
import { trustedKeysFor } from './verify.js';
import { declaredPopulations } from '../report/populations.js';
import type { ReportEvidence } from '../bundle/s3/report-evidence.js';

export const DEFAULT_CONFIG = './soc2.config.yaml';

export interface ReportOptions {
  config?: string;
  evidence?: string;
  from?: string;
  to?: string;
  out?: string;
  format?: string;
  sample?: string;
  seed?: string;
  sampledBy?: string;
  allowUnverified?: boolean;
  /** trusted Ed25519 public key files (--public-key, repeatable); default signing.trustedKeys */
  publicKey?: string[];
  requireObjectLock?: boolean;
  /** with s3://: download every object and hash it, instead of only the files the report reads */
  download?: boolean;
  /** commander's --no-cache: false re-hashes every bundle (and refreshes the verified-bundle cache) */
  cache?: boolean;
  /** responses.yaml (default: the config's report.responses) */
  responses?: string;
  json?: boolean;
}

export function parseFormats(v: string | undefined): Format[] {
  if (v === undefined) return [...FORMATS];
  const list = v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!list.length) throw new UsageError(`--format: expected a comma-separated list of ${FORMATS.join(', ')}`);
  for (const f of list) if (!(FORMATS as readonly string[]).includes(f)) throw new UsageError(`--format: unknown format "${f}"; expected some of ${FORMATS.join(', ')}`);
  return [...new Set(list)] as Format[];
}

/** Scope recorded in the newest bundle, for reports made without a config. */
function scopeFromBundles(evidenceDir: string): string[] {
  const { complete } = listBundleDirs(evidenceDir);
  for (let i = complete.length - 1; i >= 0; i--) {
    try {
      const s = readManifest(path.join(evidenceDir, complete[i]!)).manifest.config?.scope;
      if (Array.isArray(s)) return s.filter((x): x is string => (CATEGORIES as readonly string[]).includes(x));
    } catch {
      continue;
    }
  }
  return ['security'];
}

/**
 * --seed S --sampled-by NAME draws samples (sizes by control frequency; --sample N sets one size for the
 * event populations); the seed is never chosen by the tool, and who chose it is recorded with the time.
 */
function samplingFlags(o: ReportOptions, now: () => Date): SamplingRequest | undefined {
  if (o.sample !== undefined && (!/^\d+$/.test(o.sample) || Number(o.sample) < 1)) throw new UsageError(`--sample: expected a positive whole number of rows, got "${o.sample}"`);
  if (o.seed === undefined) {
    if (o.sample !== undefined) throw new UsageError('--sample: samples are drawn only with --seed S --sampled-by NAME (the seed is recorded with who chose it)');
    if (o.sampledBy !== undefined) throw new UsageError('--sampled-by: only meaningful with --seed S');
    return undefined;
  }
  if (!o.seed.trim()) throw new UsageError('--seed: expected a non-empty seed');
  if (o.sampledBy === undefined || !o.sampledBy.trim()) throw new UsageError('--seed: give --sampled-by NAME too: the report records who chose the seed');
  return { seed: o.seed, sampledBy: o.sampledBy.trim(), at: now().toISOString(), ...(o.sample !== undefined ? { n: Number(o.sample) } : {}) };
}

export async function reportCommand(o: ReportOptions, now: () => Date = () => new Date()): Promise<number> {
  const from = parseDateFlag('--from', o.from);
  const to = parseDateFlag('--to', o.to);
  if (from && to && from > to) throw new UsageError(`--from: ${from} is after --to ${to}`);
  const formats = parseFormats(o.format);
  const sample = samplingFlags(o, now);

  const configFile = o.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  if (!configFile && !o.evidence) throw new UsageError(`--evidence: give the evidence directory, or a config file with --config (${DEFAULT_CONFIG} was not found)`);
  // the collector registry (and with it every SDK) loads only when there is a config to validate
  const registry = configFile ? (await import('../../collectors/registry.js')).collectors : null;
  const loaded: LoadedConfig | null = configFile ? loadConfig(configFile, registry!) : null;
  // findings written before checks recorded their exception type are judged by the registry's declaration
  const eventChecks = eventChecksOf(registry ?? []);
  const responses = responsesOf(o.responses, loaded, configFile);
  const vendors = loaded ? vendorInputs(loaded, configFile!) : {};
  const trustedKeys = trustedKeysFor(o.publicKey, loaded);
  const remote = !!o.evidence?.startsWith('s3://');
  if (o.requireObjectLock && !remote)
    throw new VerificationError('--require-object-lock: the evidence is read from a local directory, which is not write-once storage; read it from s3://bucket/prefix');
  if (o.download && !remote) throw new UsageError(`--download: only with --evidence s3://…; ${o.evidence ?? 'the evidence dir'} is a local directory, whose files are always hashed`);
  // the S3 client (AWS SDK) is loaded only for an s3:// evidence store
  const s3 = remote ? await s3Evidence(o, loaded, from, to, trustedKeys) : null;
  try {
    return await reportFrom(s3 ? s3.dir : path.resolve(o.evidence ?? path.resolve(loaded!.baseDir, loaded!.config.evidence.dir)), o, {
      remote: s3?.remote ?? null,
      s3Summary: s3?.summary ?? null,
      loaded,
      configFile,
      formats,
      from,
      to,
      sample,
      now,
      trustedKeys,
      writeOnce: s3?.writeOnce ?? { source: 'local' },
      s3Problems: s3?.problems ?? [],
      eventChecks,
      responses,
      vendors,
    });
  } finally {
    await s3?.cleanup();
  }
}

async function reportFrom(
  evidenceDir: string,
  o: ReportOptions,
  c: {
    loaded: LoadedConfig | null;
    configFile: string | undefined;
    formats: Format[];
    from?: string;
    to?: string;
    sample?: SamplingRequest;
    now: () => Date;
    trustedKeys: TrustedKey[];
    writeOnce: Integrity['writeOnce'];
    s3Problems: { bundle: string; file?: string; message: string }[];
    remote: S3ReportRead | null;
    /** `--json`'s s3 member (s3Json) */
    s3Summary: Record<string, unknown> | null;
    eventChecks: Set<string>;
    responses: { file: string; entries: ResponseEntry[] } | undefined;
    vendors: VendorInputs;
  },
): Promise<number> {
  const { loaded, configFile, formats, from, to, sample, now } = c;
  const where = o.evidence ? `--evidence: ${o.evidence}` : `${configFile}: evidence.dir: ${evidenceDir}`;
  if (!existsSync(evidenceDir) || !statSync(evidenceDir).isDirectory()) throw new UsageError(`${where}: no such directory`);
  const { complete, partial } = listBundleDirs(evidenceDir);
  if (complete.length + partial.length === 0) throw new UsageError(`${where}: no evidence bundles found`);

  const mappings = loadMappings(loaded ? loaded.config.mappings.map((m) => path.resolve(loaded.baseDir, m)) : []);
  const register = await registerOf(loaded, configFile, mappings);
  const scope = loaded ? loaded.config.scope : scopeFromBundles(evidenceDir);
  const outDir = path.resolve(o.out ?? 'report');
  refuseOutInsideEvidence(outDir, evidenceDir);
  if (existsSync(outDir) && !statSync(outDir).isDirectory()) throw new UsageError(`--out: ${outDir} exists and is not a directory`);
  const outcome = await buildReport({
    evidenceDir,
    window: { from, to, period: loaded?.config.observationPeriod },
    timeliness: loaded?.config.timeliness,
    carveOuts: loaded?.config.subserviceOrganizations ? loadCarveOuts(path.resolve(loaded.baseDir, loaded.config.subserviceOrganizations), `${configFile}: subserviceOrganizations: `) : undefined,
    scope,
    organization: loaded?.config.organization ?? null,
    mappings,
    register,
    allowUnverified: !!o.allowUnverified,
    sampling: sample,
    now: now(),
    trustedKeys: c.trustedKeys,
    ...(c.remote ? { verifiedRemotely: c.remote.verification } : {}),
    verifiedCache: openVerifiedCache({ trustedKeyIds: c.trustedKeys.map((k) => k.keyId), read: o.cache !== false }),
    writeOnce: c.writeOnce,
    eventChecks: c.eventChecks,
    ...(c.responses ? { responses: c.responses } : {}),
    ...(loaded?.config.report ? { responseDueDays: loaded.config.report.responseDueDays } : {}),
    ...c.vendors,
  });

  const integrity = outcome.ok ? outcome.model.integrity : outcome.integrity;
  if (c.remote) describeRemoteCheck(integrity, c.remote.stats);
  if (c.s3Problems.length) {
    // problems in the S3 copy itself (only reachable with --allow-unverified: otherwise fetching failed already)
    integrity.problems.unshift(...(c.s3Problems as typeof integrity.problems));
    integrity.ok = false;
    integrity.stamp ??= `UNVERIFIED EVIDENCE: ${c.s3Problems.length} problem(s) in the S3 copy (first: ${c.s3Problems[0]!.bundle}${c.s3Problems[0]!.file ? '/' + c.s3Problems[0]!.file : ''}: ${c.s3Problems[0]!.message}). Produced with --allow-unverified; do not rely on it as audit evidence.`;
  }
  const failed = !integrity.ok && !o.allowUnverified;
  for (const p of integrity.problems.slice(0, 50)) process.stderr.write(`${failed ? 'error' : 'warning'}: ${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}\n`);
  if (integrity.problems.length > 50) process.stderr.write(`… and ${integrity.problems.length - 50} more problems\n`);
  if (failed || !outcome.ok) {
    const window = outcome.ok ? outcome.model.window : outcome.window;
    if (o.json)
      process.stdout.write(JSON.stringify({ out: null, bundles: outcome.ok ? outcome.model.bundles.length : outcome.bundles, window, integrity: { ...integritySummary(integrity), ok: false, allowUnverified: false }, criteria: null, ...s3Json(c.s3Summary) }) + '\n');
    if (integrity.untrusted && !integrity.problems.length)
      process.stderr.write(
        `soc2: verification failed: ${integrity.trust.signed} signed bundle(s) in ${window.from} to ${window.to}, but no trusted key to check who signed them; give --public-key FILE (or signing.trustedKeys in the config), or --allow-unverified to produce a report stamped as unverified\n`,
      );
    else
      process.stderr.write(`soc2: verification failed: ${integrity.problems.length} problem(s) in the bundles of ${window.from} to ${window.to}; no report written (run "soc2 verify" for details, or --allow-unverified to produce a report stamped as unverified)\n`);
    return ExitCode.verifyFailed;
  }
  const m = outcome.model;
  const written = await writeReport(m, outDir, formats);
  const s = m.summary;
  if (o.json) {
    process.stdout.write(
      JSON.stringify({
        out: outDir,
        bundles: s.bundles,
        window: m.window,
        integrity: integritySummary(m.integrity),
        criteria: { inScope: s.criteria.inScope, covered: s.criteria.covered },
        ...s3Json(c.s3Summary),
      }) + '\n',
    );
  } else {
    const out = process.stdout;
    out.write(`${m.organization ?? 'report'}: ${s.bundles} bundle(s), ${m.window.from} to ${m.window.to}; integrity ${m.integrity.ok ? integrityLine(m.integrity) : `${integrityLine(m.integrity)} (--allow-unverified)`}\n`);
    if (m.integrity.writeOnce.source === 's3') out.write(`write-once storage: ${writeOnceLine(m.integrity)}\n`);
    out.write(`continuity: ${s.daysWithCompleteBundle} of ${s.days} day(s) with a complete bundle${m.continuity.daysWithoutComplete.length ? `; without: ${m.continuity.daysWithoutComplete.slice(0, 10).join(', ')}${m.continuity.daysWithoutComplete.length > 10 ? ', …' : ''}` : ''}\n`);
    out.write(`controls over the period: ${s.controls.total} (${s.controls.effective} effective every day, ${s.controls.deviations} with deviations, ${s.controls.notTested} not tested on some days, ${s.controls.due} with manual evidence not yet due, ${s.controls.manual} manual only)\n`);
    out.write(`criteria: ${s.criteria.covered} of ${s.criteria.inScope} covered over the period (${s.criteria.pass} effective, ${s.criteria.fail} with deviations, ${s.criteria.notTested} not tested on some days, ${s.criteria.collected} collected); ${s.criteria.manual} need manual evidence\n`);
    out.write(`exceptions: ${s.exceptions.total} (${s.exceptions.open} open); populations: ${s.populations.promotions} promotions, ${s.populations.privilegedAccess} privileged-access changes, ${s.populations.secretRotations} secret rotations${sample ? ` (sampled by ${sample.sampledBy}, seed ${sample.seed})` : ''}\n`);
    out.write(`wrote ${written.length} file(s) to ${outDir}${written.includes('index.html') ? ` (open ${path.join(outDir, 'index.html')})` : ''}\n`);
  }
  return ExitCode.ok;
}

type S3ReportRead = Pick<ReportEvidence, 'verification' | 'stats'>;

/**
 * s3://bucket/prefix, every stream: by default only the files the report reads are downloaded (the
 * rest checked by S3's stored checksums, src/bundle/s3/report-evidence.ts); with --download every
 * object is, as before, into a temp dir read like a local evidence dir. Removed afterwards (cleanup).
 */
async function s3Evidence(o: ReportOptions, loaded: LoadedConfig | null, from: string | undefined, to: string | undefined, trustedKeys: TrustedKey[]) {
  const s3 = await import('../bundle/s3.js');
  const region = loaded?.config.evidence.s3?.region;
  if (o.download) {
    const m = await s3.materializeEvidence(o.evidence!, { region, strict: !o.allowUnverified, ...(o.requireObjectLock ? { requireObjectLock: true } : {}) });
    const st = m.stats!;
    process.stderr.write(`S3: ${o.evidence}: every object downloaded and hashed (--download): ${st.objects} object(s), ${st.bytes} bytes; ${st.calls} request(s)\n`);
    return { dir: m.dir, cleanup: m.cleanup, writeOnce: m.writeOnce, problems: m.problems, remote: null, summary: { method: 'download', downloaded: st.objects, bytesDownloaded: st.bytes, linked: 0, byChecksum: 0, calls: st.calls, ms: st.ms } };
  }
  const { collectors } = await import('../../collectors/registry.js');
  const period = loaded?.config.observationPeriod;
  const reads = s3.reportReads(declaredPopulations(collectors), { from: from ?? period?.from, to: to ?? period?.to });
  // retention is read for every object (HeadObject: the same one request that gives the stored checksum and size)
  const r = await s3.readReportEvidence(o.evidence!, { region, trustedKeys, reads, readRetention: true, ...(o.requireObjectLock ? { requireObjectLock: true } : {}) });
  for (const u of r.unfinished) process.stderr.write(`note: ${u.bundle}: ${u.message}\n`);
  process.stderr.write(`S3: ${s3.reportS3Line(r.stats)}\n`);
  const s = r.stats;
  const summary = { method: 'files-read', downloaded: s.downloaded, bytesDownloaded: s.bytesDownloaded, linked: s.linked, byChecksum: s.byChecksum, calls: s.calls, requests: s.requests, ms: s.ms };
  return { dir: r.dir, cleanup: r.cleanup, writeOnce: r.writeOnce ?? undefined, problems: [], remote: r, summary };
}

/** The integrity section of a report read from s3:// without --download: what was downloaded, what was checked by S3's checksums. */
function describeRemoteCheck(integrity: Integrity, s: ReportEvidence['stats']): void {
  integrity.filesChecked.remote = { location: s.location, downloaded: s.downloaded, bytesDownloaded: s.bytesDownloaded, linked: s.linked, byChecksum: s.byChecksum };
  integrity.method = integrity.method.replace('soc2 verify over the evidence directory', `soc2 verify over ${s.location}, each object either downloaded and hashed or checked by the SHA-256 checksum and size S3 stored for it (see Files checked),`);
}

/** `report --json`'s s3 part: how the objects were read (method), objects downloaded and checked by checksum, bytes, requests. */
const s3Json = (summary: Record<string, unknown> | null) => (summary ? { s3: summary } : {});

/** The integrity part of `report --json`: the verdict, the keys and how many bundles each signed, write-once storage. */
function integritySummary(ig: Integrity) {
  return {
    ok: ig.ok,
    problems: ig.problems.length,
    allowUnverified: ig.allowUnverified,
    mode: ig.trust.mode,
    untrusted: ig.untrusted,
    keys: ig.trust.keys,
    signed: ig.trust.signed,
    unsigned: ig.trust.unsigned,
    writeOnce: ig.writeOnce.source === 's3' ? { source: 's3', objects: ig.writeOnce.objects, locked: ig.writeOnce.locked, modes: ig.writeOnce.modes } : { source: 'local' },
  };
}

/** The config's control register (`controls:`), else the shipped one; linted when a config is given. */
async function registerOf(loaded: LoadedConfig | null, configFile: string | undefined, mappings: Mappings): Promise<Register> {
  if (!loaded?.config.controls) return loadRegister();
  const register = loadRegister(path.resolve(loaded.baseDir, loaded.config.controls), `${configFile}: controls: `);
  const problems = lintRegister(register, mappings, (await import('../../collectors/registry.js')).collectors);
  if (problems.length) throw new UsageError(`${configFile}: controls: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  return register;
}

/** The responses file: --responses, else the config's report.responses (relative to the config); read and validated up front. */
function responsesOf(flag: string | undefined, loaded: LoadedConfig | null, configFile: string | undefined): { file: string; entries: ResponseEntry[] } | undefined {
  const rel = loaded?.config.report?.responses;
  const file = flag !== undefined ? path.resolve(flag) : rel !== undefined && loaded ? path.resolve(loaded.baseDir, rel) : undefined;
  if (file === undefined) return undefined;
  const shown = flag !== undefined ? `--responses: ${flag}` : `${configFile}: report.responses: ${rel}`;
  try {
    return { file, entries: loadResponses(file) };
  } catch (e) {
    if (e instanceof UsageError) throw new UsageError(e.message.startsWith(file) ? `${shown}${e.message.slice(file.length)}` : e.message);
    throw e;
  }
}

/** The vendor register and policy index the config names (read and validated up front), and the company's own identifiers from its sources. */
type VendorInputs = Pick<Parameters<typeof buildReport>[0], 'vendors' | 'policies' | 'own'>;

function vendorInputs(loaded: LoadedConfig, configFile: string): VendorInputs {
  const c = loaded.config;
  return {
    ...(c.vendors ? { vendors: loadVendorRegister(path.resolve(loaded.baseDir, c.vendors), `${configFile}: vendors: `) } : {}),
    ...(c.policies ? { policies: loadPolicies(path.resolve(loaded.baseDir, c.policies), `${configFile}: policies: `) } : {}),
    own: {
      awsAccounts: c.sources.aws.flatMap((s) => [...(s.organization?.include ?? []), ...(s.assumeRoleArn ? [s.assumeRoleArn.split(':')[4]!] : [])]),
      buckets: c.sources.aws.flatMap((s) => s.trainingDataBuckets),
      gcpProjects: c.sources.vertex.map((s) => s.project),
      domains: [],
    },
  };
}
