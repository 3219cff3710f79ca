// The runner: plan sources × collectors, run them with bounded concurrency (one failing collector
// never stops the others), run checks, and publish one bundle.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { CONFIG_FORMAT, expectedUnits, redactedConfig, type StoredConfig } from '../config/expected.js';
import type { LoadedConfig } from '../config/load.js';
import { acquireLock } from '../bundle/lock.js';
import { BUNDLE_FORMAT, CONFIG_FILE, FINDINGS, PARTIAL_SUFFIX, type AccountEntry, type BundleStatus, type CollectorEntry, type Identity, type Manifest } from '../bundle/manifest.js';
import type { SigningKey } from '../bundle/sign.js';
import { artifactReader, latestBundle, listQuarantine, sweepPartials } from '../bundle/store.js';
import { BundleWriter, type ArtifactRef } from '../bundle/writer.js';
import { FindingSpill } from '../bundle/findings-spill.js';
import { clearPending, listPending, pendingContent, PENDING, type PendingEntry } from '../bundle/manual.js';
import type { Mappings } from '../mapping/index.js';
import type { WindowStats } from './adaptive.js';
import { ChainError, describeError } from './errors.js';
import { EvidenceHistory } from './history.js';
import { dependencyDepth, dependencyOrder, producersOf } from './order.js';
import { mapPool } from './pool.js';
import { redactString } from './redact.js';
import { paginator } from './paginate.js';
import { readBuildInfo } from './build-info.js';
import { toolVersion } from './paths.js';
import { prepareSource, type PreparedSource, type PreparedTarget } from './sources.js';
import type { BaseContext, Collector, Finding, FindingStatus, Gap, Logger, RunArtifact, RunArtifacts, SourceKind } from './types.js';

export interface RunOptions {
  loaded: LoadedConfig;
  collectors: Collector[];
  mappings: Mappings;
  evidenceDir: string;
  now: () => Date;
  signKey: SigningKey | null;
  log: Logger;
  env: NodeJS.ProcessEnv;
  lockWaitMs?: number;
  signal?: AbortSignal;
  /** `--only`: collect just these collectors; the bundle still records what the config expects */
  only?: string[];
  /**
   * What the new bundle links to, as another store of this evidence (the S3 store) decides it, asked
   * under the lock before collecting: its tip, or the local tip when the local chain leads to it;
   * null links to the local tip. Either way the new id must sort after it (assertFollows).
   */
  remotePrevious?: (stream: string | null, local: { id: string; manifestSha256: string } | null, evidenceDir: string) => Promise<RemoteTip | null>;
}

export interface RunSummary {
  status: BundleStatus;
  collectors: CollectorEntry[];
  findings: Manifest['findings'];
  artifacts: number;
}

/** The bundle the new one links to, as the other store decides it (null: link to the local tip). */
export interface RemoteTip {
  id: string;
  /** where that bundle lives, for messages (`s3://bucket/prefix`) */
  location?: string;
  manifestSha256: string;
  /** an evidence dir holding a checked copy of that bundle, so collectors see their previous artifacts */
  evidenceDir?: string;
}

export interface RunResult {
  dir: string;
  /** read back from the bundle when asked: the run never holds the whole manifest (thousands of entries in an organization) */
  manifest: Manifest;
  /** what a caller reports of the run without reading the manifest back */
  summary: RunSummary;
  findings: Finding[];
  /** what quarantine/ of the evidence dir holds: .partial dirs with a manifest that a person must look at */
  quarantined?: string[];
}

export function newBundleId(at: Date): string {
  return at.toISOString().replace(/:/g, '-') + '-' + randomBytes(2).toString('hex');
}

/** how far in the future a tip may be dated before it is called a wrong clock or a planted object */
export const MAX_CLOCK_SKEW_MS = 10 * 60_000;

/** The time a bundle id was made (its UTC start time); NaN when the id does not carry one. */
export function bundleIdTime(id: string): number {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2})-(\d{2})-(\d{2})(\.\d{3})?Z/.exec(id);
  return m ? Date.parse(`${m[1]}T${m[2]}:${m[3]}:${m[4]}${m[5] ?? ''}Z`) : NaN;
}

/**
 * A new bundle's id must sort after its previous: readers order a chain by id, and a tip dated in the
 * future would otherwise hide every later bundle. Refuses (exit 3) before anything is collected.
 */
export function assertFollows(prev: { id: string; where: string } | null, id: string, now: Date): void {
  if (!prev || prev.id < id) return;
  const ahead = bundleIdTime(prev.id) - now.getTime();
  const why =
    ahead > MAX_CLOCK_SKEW_MS
      ? `the chain's tip ${prev.id} in ${prev.where} is dated more than ${MAX_CLOCK_SKEW_MS / 60_000} min after this machine's clock: a wrong clock where it was written, or a planted bundle`
      : `the chain's tip ${prev.id} in ${prev.where} is not older than the bundle being written (clocks differ between the machines that collect)`;
  throw new ChainError(`${why}; bundle ${id} would sort before its previous, so nothing was collected (fix the clock, or remove the tip if it was planted; "soc2 verify" shows the chain)`);
}

/** the CI run collecting, from the CI's own variables (null outside CI) */
export function ciIdentity(env: NodeJS.ProcessEnv): Identity['ci'] {
  if (env.GITHUB_ACTIONS === 'true')
    return { provider: 'github', runId: env.GITHUB_RUN_ID, ...(env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? { url: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` } : {}) };
  // the job, not the pipeline: the job's log is where the collect run is
  if (env.GITLAB_CI === 'true') return { provider: 'gitlab', runId: env.CI_JOB_ID ?? env.CI_PIPELINE_ID, ...(env.CI_JOB_URL ? { url: env.CI_JOB_URL } : env.CI_PIPELINE_URL ? { url: env.CI_PIPELINE_URL } : {}) };
  if (env.CI) return { provider: 'ci', ...(env.BUILD_ID ? { runId: env.BUILD_ID } : {}) };
  return null;
}

/**
 * The manifest fields every bundle states the same way, whoever writes it (a collection, `soc2 evidence add
 * --now`): `head` opens the manifest, `config` is its config entry, `tail` closes it; the writer's own
 * fields (status, identity, collectors, findings) go between, so the field order stays the format's.
 */
export function manifestFields(o: { id: string; stream: string | null; loaded: LoadedConfig; startedAt: Date; finishedAt: Date; prev: { id: string; manifestSha256: string } | null; signKey: SigningKey | null | undefined }): {
  head: Pick<Manifest, 'format' | 'id' | 'stream' | 'tool' | 'organization' | 'startedAt' | 'finishedAt'>;
  config: Manifest['config'];
  tail: Pick<Manifest, 'previous' | 'signing'>;
} {
  const { config } = o.loaded;
  return {
    head: {
      format: BUNDLE_FORMAT,
      id: o.id,
      stream: o.stream,
      tool: { name: 'soc2', version: toolVersion, build: readBuildInfo() },
      organization: config.organization ?? null,
      startedAt: o.startedAt.toISOString(),
      finishedAt: o.finishedAt.toISOString(),
    },
    config: { sha256: o.loaded.sha256, scope: ['security', ...config.scope.filter((s) => s !== 'security')] },
    tail: {
      previous: o.prev ? { id: o.prev.id, manifestSha256: o.prev.manifestSha256 } : null,
      signing: o.signKey ? { algorithm: 'ed25519', keyId: o.signKey.keyId, publicKey: o.signKey.publicKeyPem } : null,
    },
  };
}

export async function runCollection(o: RunOptions): Promise<RunResult> {
  const { config } = o.loaded;
  const stream = config.evidence.stream ?? null;
  mkdirSync(o.evidenceDir, { recursive: true });
  const lock = await acquireLock(o.evidenceDir, { waitMs: o.lockWaitMs ?? 0 });
  try {
    if (lock.staleOwner) o.log.warn(`took over a stale lock left by pid ${lock.staleOwner.pid} (started ${lock.staleOwner.startedAt ?? 'unknown'})`);
    // We hold the lock, so any .partial bundle is a leftover of a crashed run: removed when it has no
    // manifest, moved to quarantine/ when it has one (it may be a finished bundle; never deleted)
    const swept = sweepPartials(o.evidenceDir);
    for (const p of swept.removed) o.log.warn(`removed unfinished bundle ${p} (no manifest) left by an interrupted collect`);
    for (const q of swept.quarantined) o.log.warn(`moved unfinished bundle ${q} to quarantine/: it holds a manifest, so it is kept for a person to decide`);
    const local = latestBundle(o.evidenceDir, stream);
    const remote = o.remotePrevious ? await o.remotePrevious(stream, local && { id: local.id, manifestSha256: local.manifestSha256 }, o.evidenceDir) : null;
    const prev = remote ?? local;
    const previousDirs = [o.evidenceDir, ...(remote?.evidenceDir ? [remote.evidenceDir] : [])];
    const startedAt = o.now();
    const id = newBundleId(startedAt);
    assertFollows(prev && { id: prev.id, where: remote?.location ?? o.evidenceDir }, id, startedAt);
    const writer = await BundleWriter.create(o.evidenceDir, id);
    try {
      const result = await collectInto(o, writer, { id, startedAt, stream, prev, previousDirs });
      // set, not spread: a spread would call the result's getters, reading the whole manifest and findings back
      result.quarantined = listQuarantine(o.evidenceDir);
      return result;
    } catch (e) {
      // an error before the manifest (e.g. a source's settings rejected): leave no unfinished bundle behind
      writer.discard();
      throw e;
    }
  } finally {
    lock.release();
  }
}

async function collectInto(o: RunOptions, writer: BundleWriter, b: Parameters<typeof collectWith>[2]): Promise<RunResult> {
  // findings go to disk as each check ends (an organization has tens of thousands); findings.json is
  // streamed from there at the end
  const findings = new FindingSpill(path.join(writer.partialDir, '.findings.spill'));
  try {
    return await collectWith(o, writer, b, findings);
  } finally {
    findings.close();
  }
}

async function collectWith(
  o: RunOptions,
  writer: BundleWriter,
  b: { id: string; startedAt: Date; stream: string | null; prev: { id: string; manifestSha256: string } | null; previousDirs: string[] },
  findings: FindingSpill,
): Promise<RunResult> {
  const { config } = o.loaded;
  const { id, startedAt, stream, prev } = b;
  const identity: Identity = { aws: [], gcp: [], mlflow: [], ci: ciIdentity(o.env) };
  const configured = config.collectors === 'all' ? o.collectors : o.collectors.filter((c) => (config.collectors as string[]).includes(c.meta.id));
  const chosen = o.only ? o.collectors.filter((c) => o.only!.includes(c.meta.id)) : configured;
  // producers first: a collector reading another's artifacts of this run waits for it (meta.reads)
  const selected = dependencyOrder(chosen);
  const producers = producersOf(selected);
  const finished = new Map(selected.map((c) => [c.meta.id, deferred()]));
  const remaining = new Map(selected.map((c) => [c.meta.id, 0]));
  const history = new EvidenceHistory(b.previousDirs, stream, id);

  const kinds = new Set(selected.map((c) => c.meta.source));
  const prepared: PreparedSource[] = [];
  for (const kind of ['aws', 'mlflow', 'vertex', 'prometheus'] as SourceKind[]) {
    if (!kinds.has(kind)) continue;
    for (const s of config.sources[kind]) {
      o.log.info(`preparing ${kind} source ${s.name}`);
      prepared.push(await prepareSource(config, kind, s, { bundleId: id, env: o.env, identity }));
    }
  }

  const entries: CollectorEntry[] = [];
  const tasks: { c: Collector; src: PreparedSource; t: PreparedTarget }[] = [];
  for (const c of selected) {
    for (const src of prepared.filter((p) => p.kind === c.meta.source)) {
      for (const f of src.failures) {
        const gap = redactGap(f.gap);
        entries.push({ id: c.meta.id, source: src.name, scope: f.scope, status: 'error', error: gap, gaps: [gap], durationMs: 0, apiCalls: 0, retries: 0 });
        o.log.warn(`${c.meta.id} ${src.name}: ${gap.api}: ${gap.code}: ${gap.message}`);
      }
      for (const t of src.targets(c.meta.scope)) tasks.push({ c, src, t });
    }
  }
  accountMajor(tasks, dependencyDepth(selected));
  for (const t of tasks) remaining.set(t.c.meta.id, remaining.get(t.c.meta.id)! + 1);
  for (const [cid, n] of remaining) if (n === 0) finished.get(cid)!.resolve();
  if (selected.length && prepared.length === 0) o.log.warn('no sources configured for the selected collectors');

  const perAccount = new Map<string, AccountTiming>();
  const signal = o.signal ?? new AbortController().signal;
  // every collector and SDK call listens on this one signal: not a leak, so no listener warning
  setMaxListeners(0, signal);
  await mapPool(tasks, config.concurrency, async ({ c, src, t }) => {
    try {
      await Promise.all((producers.get(c.meta.id) ?? []).map((p) => finished.get(p)!.promise));
      await runTask(c, src, t);
    } finally {
      const left = remaining.get(c.meta.id)! - 1;
      remaining.set(c.meta.id, left);
      if (left === 0) finished.get(c.meta.id)!.resolve();
    }
  });

  async function runTask(c: Collector, src: PreparedSource, t: PreparedTarget): Promise<void> {
    const started = Date.now();
    const timing = src.accountStats && t.scope.account ? accountTiming(perAccount, src.name, t.scope.account, src.accountStats, o.now()) : null;
    const counter = { calls: 0, retries: 0 };
    const gaps: Gap[] = [];
    const scopeLabel = Object.entries(t.scope).map(([k, v]) => `${k}=${v}`).join(' ');
    o.log.info(`collecting ${c.meta.id} from ${src.name}${scopeLabel ? ` (${scopeLabel})` : ''}`);
    const sink = writer.sink({
      collector: c.meta.id,
      target: t.target,
      declared: c.meta.artifacts,
      system: src.system,
      scope: { source: src.name, ...t.scope },
      criteriaFor: (kind) => o.mappings.artifacts[kind]?.criteria ?? [],
      now: o.now,
    });
    const prefix = ['artifacts', t.target.source, c.meta.id, ...t.target.pathSegments].join('/');
    const who = { collector: c.meta.id, source: src.name, scope: t.scope };
    const ctx: BaseContext & Record<string, unknown> = {
      target: t.target,
      source: src.settings,
      settings: o.loaded.settings[c.meta.id],
      now: o.now,
      log: o.log,
      signal,
      paginate: paginator,
      artifacts: sink,
      written: artifactReader(writer.partialDir, writer.artifactsIn(prefix), prefix),
      previous: history.previous(who, prefix),
      baseline: (kind) => history.baseline(who, prefix, kind),
      run: runArtifacts(writer.partialDir, () => writer.artifacts, c),
      gap: (g) => {
        const safe = redactGap(g);
        gaps.push(safe);
        if (!writer.diskFull) o.log.warn(`${c.meta.id} ${src.name}: ${safe.api}: ${safe.code}: ${safe.message}`);
      },
      countCall: (n = 1) => {
        counter.calls += n;
      },
      concurrency: config.concurrency,
      ...t.extras(counter),
    };
    let error: Gap | undefined;
    try {
      await c.collect(ctx);
    } catch (e) {
      error = redactGap({ api: (e as { api?: string }).api ?? c.meta.id, ...describeError(e) });
      gaps.push(error);
      if (!writer.diskFull) o.log.warn(`${c.meta.id} ${src.name}: failed: ${error.code}: ${error.message}`);
    }
    await sink.abortOpen('collector ended');
    entries.push({
      id: c.meta.id,
      source: src.name,
      scope: t.scope,
      status: gaps.length ? 'error' : 'ok',
      ...(error ? { error } : {}),
      gaps,
      durationMs: Date.now() - started,
      apiCalls: counter.calls,
      retries: counter.retries,
    });
    if (timing) {
      timing.end = o.now();
      timing.endMs = Date.now();
      timing.calls += counter.calls;
      timing.retries += counter.retries;
    }
    // checks read what was just written (re-hashing it), from the partial dir
    const reader = ctx.written;
    // one memo per collector × target: checks reading the same large artifact share one pass over it
    const memos = new Map<string, Promise<unknown>>();
    const memo = <T>(key: string, compute: () => Promise<T>): Promise<T> => {
      let p = memos.get(key);
      if (!p) memos.set(key, (p = Promise.resolve().then(compute)));
      return p as Promise<T>;
    };
    for (const check of c.checks) {
      const paths = writer.artifactsIn(prefix).filter((a) => check.reads.includes(a.kind)).map((a) => a.path);
      const base = { check: check.id, title: check.title, severity: check.severity, criteria: o.mappings.checks[check.id]?.criteria ?? [], collector: c.meta.id, source: src.name, scope: t.scope, artifacts: paths, ...(check.exceptions === 'event' ? { exceptionType: 'event' as const } : {}) };
      const missing = check.reads.filter((k) => !reader.complete(k));
      if (missing.length) {
        findings.add({ ...base, status: 'error', summary: `evidence incomplete, cannot evaluate: ${missing.map((k) => whyIncomplete(writer.artifactsIn(prefix), prefix, k)).join('; ')}`, exceptions: [] });
        continue;
      }
      try {
        const r = await check.run({ target: t.target, source: src.settings, settings: o.loaded.settings[c.meta.id], now: o.now(), artifacts: reader, memo });
        findings.add({ ...base, status: r.status, summary: r.summary, exceptions: r.exceptions ?? [] });
      } catch (e) {
        findings.add({ ...base, status: 'error', summary: `check failed to run: ${redactString(describeError(e).message)}`, exceptions: [] });
      }
    }
  }
  const accounts = accountEntries(perAccount);
  for (const p of prepared) await p.close();
  // a full disk is not a gap of the source: the run stops, with one line naming the path
  if (writer.diskFull) throw writer.diskFull;

  // manual evidence added since the last bundle (soc2 evidence add, without --now) goes into this one
  const taken = await takePending(o, writer);

  entries.sort((a, b) => a.id.localeCompare(b.id) || a.source.localeCompare(b.source) || JSON.stringify(a.scope).localeCompare(JSON.stringify(b.scope)));
  await writer.writeFindingsFrom(findings.chunks());
  findings.close();
  await writer.writeConfig(storedConfig(o));
  const summary: Record<FindingStatus, number> = { ...findings.summary };
  // failed = nothing at all was collected; partial = some evidence, with gaps
  const anyGap = entries.some((e) => e.status === 'error');
  const status: BundleStatus = !anyGap ? 'complete' : writer.artifacts.length > 0 ? 'partial' : 'failed';
  const common = manifestFields({ id, stream, loaded: o.loaded, startedAt, finishedAt: o.now(), prev, signKey: o.signKey });
  const artifactCount = writer.artifacts.length;
  const published = await writer.finalize(
    { ...common.head, status, config: { ...common.config, path: CONFIG_FILE }, identity, collectors: entries, ...(accounts.length ? { accounts } : {}), findings: { path: FINDINGS, summary }, ...common.tail },
    o.signKey,
  );
  clearPending(taken);
  const { dir } = published;
  return {
    dir,
    get manifest(): Manifest {
      return published.manifest;
    },
    summary: { status, collectors: entries, findings: { path: FINDINGS, summary }, artifacts: artifactCount },
    // read back when asked (soc2 demo tallies them): the run never holds them all
    get findings(): Finding[] {
      return JSON.parse(readFileSync(path.join(dir, FINDINGS), 'utf8')) as Finding[];
    },
  };
}

/** One account's collection so far: from its first task's start to its last task's end. */
interface AccountTiming {
  source: string;
  account: string;
  start: Date;
  end: Date;
  startMs: number;
  endMs: number;
  calls: number;
  retries: number;
  /** the source's adaptive windows of this account: its throttled answers and narrowest window */
  stats: (account: string) => WindowStats;
}

function accountTiming(all: Map<string, AccountTiming>, source: string, account: string, stats: AccountTiming['stats'], now: Date): AccountTiming {
  const key = `${source}\0${account}`;
  let t = all.get(key);
  if (!t) all.set(key, (t = { source, account, start: now, end: now, startMs: Date.now(), endMs: Date.now(), calls: 0, retries: 0, stats }));
  return t;
}

/** The manifest's `accounts[]`: each organization account's timing, calls and throttled answers. */
function accountEntries(all: Map<string, AccountTiming>): AccountEntry[] {
  return [...all.values()]
    .map((t) => {
      const stats = t.stats(t.account);
      return {
        source: t.source,
        account: t.account,
        startedAt: t.start.toISOString(),
        finishedAt: t.end.toISOString(),
        durationMs: t.endMs - t.startMs,
        apiCalls: t.calls,
        retries: t.retries,
        throttled: stats.throttled,
        lowestConcurrency: stats.lowest,
      };
    })
    .sort((a, b) => a.source.localeCompare(b.source) || a.account.localeCompare(b.account));
}

/**
 * Runs an organization account by account: within one dependency depth (producers before their readers,
 * so a reader never waits on a producer queued behind it), an account's tasks are taken together, so it
 * finishes before the pool moves far on, instead of every account waiting for the last collector.
 */
function accountMajor(tasks: { c: Collector; t: PreparedTarget }[], depth: Map<string, number>): void {
  const rank = new Map<string, number>();
  for (const { t } of tasks) if (t.scope.account !== undefined && !rank.has(t.scope.account)) rank.set(t.scope.account, rank.size);
  const keyed = tasks.map((task, i) => ({ task, i, d: depth.get(task.c.meta.id) ?? 0, r: rank.get(task.t.scope.account ?? '') ?? 0 }));
  keyed.sort((a, b) => a.d - b.d || a.r - b.r || a.i - b.i);
  keyed.forEach((k, i) => (tasks[i] = k.task));
}

/** Copies every pending manual evidence file into the bundle; one whose copy changed stays pending, with a warning. */
async function takePending(o: RunOptions, writer: BundleWriter): Promise<PendingEntry[]> {
  const { entries, broken } = listPending(o.evidenceDir);
  for (const b of broken) o.log.warn(`${PENDING}/${b.id}: not taken into the bundle: ${b.why}`);
  const taken: PendingEntry[] = [];
  for (const p of entries) {
    try {
      await writer.addManual(pendingContent(p), p.meta, p.sha256, p.criteria);
      taken.push(p);
    } catch (e) {
      if (writer.diskFull) throw writer.diskFull;
      o.log.warn(`${PENDING}/${p.id}: not taken into the bundle: ${redactString(describeError(e).message)}`);
    }
  }
  if (taken.length) o.log.info(`took ${taken.length} manual evidence file(s) from ${PENDING}/ into the bundle`);
  return taken;
}

/** config.json: the redacted config in force and the units it expects (whatever `--only` picked). */
function storedConfig(o: RunOptions): StoredConfig {
  const planned = o.collectors.map((c) => ({ id: c.meta.id, source: c.meta.source, scope: c.meta.scope }));
  return { format: CONFIG_FORMAT, sha256: o.loaded.sha256, config: redactedConfig(o.loaded.config), only: o.only ?? null, expected: expectedUnits(o.loaded.config, planned) };
}

/** Gaps land in the manifest and the log: a credential in an error message (a URI, a token) never does. */
function redactGap(g: Gap): Gap {
  return { api: redactString(g.api), code: redactString(g.code), message: redactString(g.message) };
}

/** Why a check's input is not usable: missing, or incomplete with the reason its writer recorded. */
function whyIncomplete(artifacts: readonly ArtifactRef[], prefix: string, kind: string): string {
  const a = artifacts.find((x) => x.kind === kind && x.path.startsWith(prefix + '/') && !x.path.slice(prefix.length + 1).includes('/'));
  if (!a) return `${kind} was not collected (see the collector's gaps)`;
  const why = a.provenance.notes?.incomplete;
  return `${kind} is incomplete${typeof why === 'string' ? `: ${why}` : " (see the collector's gaps)"}`;
}

/** Artifacts written earlier in this run by other collectors, for a collector that declared it reads them. */
function runArtifacts(bundleDir: string, entries: () => readonly ArtifactRef[], c: Collector): RunArtifacts {
  const declared = new Set(c.meta.reads ?? []);
  return {
    find(kind, where = {}) {
      if (!declared.has(kind)) throw new Error(`collector ${c.meta.id} reads ${kind} without declaring it in meta.reads`);
      return entries()
        .filter((a) => a.kind === kind && a.collector !== c.meta.id)
        .filter((a) => Object.entries(where).every(([k, v]) => v === undefined || a.provenance.scope[k] === v))
        .map((a): RunArtifact => {
          const prefix = a.path.slice(0, a.path.lastIndexOf('/'));
          const r = artifactReader(bundleDir, [a], prefix);
          return {
            kind: a.kind,
            path: a.path,
            collector: a.collector,
            source: a.source,
            scope: a.provenance.scope,
            complete: a.provenance.complete,
            records: a.records,
            readJson: <T>() => r.readJson<T>(kind),
            readText: () => r.readText(kind),
            iterate: <T>() => r.iterate<T>(kind),
          };
        });
    },
  };
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

export { PARTIAL_SUFFIX };
