// The runner: plan sources × collectors, run them with bounded concurrency (one failing collector
// never stops the others), run checks, and publish one bundle.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { acquireLock } from '../bundle/lock.js';
import { BUNDLE_FORMAT, PARTIAL_SUFFIX, type ArtifactEntry, type BundleStatus, type CollectorEntry, type Identity, type Manifest } from '../bundle/manifest.js';
import type { SigningKey } from '../bundle/sign.js';
import { artifactReader, latestBundle, listBundleDirs } from '../bundle/store.js';
import { BundleWriter } from '../bundle/writer.js';
import type { Mappings } from '../mapping/index.js';
import { describeError } from './errors.js';
import { EvidenceHistory } from './history.js';
import { dependencyOrder, producersOf } from './order.js';
import { mapPool } from './pool.js';
import { redactString } from './redact.js';
import { paginator } from './paginate.js';
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
  /**
   * The chain's tip in another store of this evidence (the S3 store), asked under the lock before
   * collecting: when it is newer than the local dir's, the new bundle links to it.
   */
  remotePrevious?: (stream: string | null, local: { id: string; manifestSha256: string } | null) => Promise<RemoteTip | null>;
}

export interface RemoteTip {
  id: string;
  manifestSha256: string;
  /** an evidence dir holding a checked copy of that bundle, so collectors see their previous artifacts */
  evidenceDir?: string;
}

export interface RunResult {
  dir: string;
  manifest: Manifest;
  findings: Finding[];
}

export function newBundleId(at: Date): string {
  return at.toISOString().replace(/:/g, '-') + '-' + randomBytes(2).toString('hex');
}

function ciIdentity(env: NodeJS.ProcessEnv): Identity['ci'] {
  if (env.GITHUB_ACTIONS === 'true')
    return { provider: 'github', runId: env.GITHUB_RUN_ID, ...(env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID ? { url: `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}` } : {}) };
  if (env.GITLAB_CI === 'true') return { provider: 'gitlab', runId: env.CI_PIPELINE_ID, ...(env.CI_PIPELINE_URL ? { url: env.CI_PIPELINE_URL } : {}) };
  if (env.CI) return { provider: 'ci', ...(env.BUILD_ID ? { runId: env.BUILD_ID } : {}) };
  return null;
}

export async function runCollection(o: RunOptions): Promise<RunResult> {
  const { config } = o.loaded;
  const stream = config.evidence.stream ?? null;
  mkdirSync(o.evidenceDir, { recursive: true });
  const lock = await acquireLock(o.evidenceDir, { waitMs: o.lockWaitMs ?? 0 });
  try {
    if (lock.staleOwner) o.log.warn(`took over a stale lock left by pid ${lock.staleOwner.pid} (started ${lock.staleOwner.startedAt ?? 'unknown'})`);
    // We hold the lock, so any .partial bundle is a leftover of a crashed run.
    for (const p of listBundleDirs(o.evidenceDir).partial) {
      o.log.warn(`removing unfinished bundle ${p} left by an interrupted collect`);
      rmSync(path.join(o.evidenceDir, p), { recursive: true, force: true });
    }
    const local = latestBundle(o.evidenceDir, stream);
    const remote = o.remotePrevious ? await o.remotePrevious(stream, local && { id: local.id, manifestSha256: local.manifestSha256 }) : null;
    const prev = remote && (!local || remote.id > local.id) ? remote : local;
    const previousDirs = [o.evidenceDir, ...(remote?.evidenceDir ? [remote.evidenceDir] : [])];
    const startedAt = o.now();
    const id = newBundleId(startedAt);
    const writer = await BundleWriter.create(o.evidenceDir, id);
    try {
      return await collectInto(o, writer, { id, startedAt, stream, prev, previousDirs });
    } catch (e) {
      // an error before the manifest (e.g. a source's settings rejected): leave no unfinished bundle behind
      rmSync(writer.partialDir, { recursive: true, force: true });
      throw e;
    }
  } finally {
    lock.release();
  }
}

async function collectInto(
  o: RunOptions,
  writer: BundleWriter,
  b: { id: string; startedAt: Date; stream: string | null; prev: { id: string; manifestSha256: string } | null; previousDirs: string[] },
): Promise<RunResult> {
  const { config } = o.loaded;
  const { id, startedAt, stream, prev } = b;
  const identity: Identity = { aws: [], gcp: [], mlflow: [], ci: ciIdentity(o.env) };
  const chosen = config.collectors === 'all' ? o.collectors : o.collectors.filter((c) => (config.collectors as string[]).includes(c.meta.id));
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
  const findings: Finding[] = [];
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
  for (const t of tasks) remaining.set(t.c.meta.id, remaining.get(t.c.meta.id)! + 1);
  for (const [cid, n] of remaining) if (n === 0) finished.get(cid)!.resolve();
  if (selected.length && prepared.length === 0) o.log.warn('no sources configured for the selected collectors');

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
      written: artifactReader(writer.partialDir, () => writer.artifacts, prefix),
      previous: history.previous(who, prefix),
      baseline: (kind) => history.baseline(who, prefix, kind),
      run: runArtifacts(writer.partialDir, () => writer.artifacts, c),
      gap: (g) => {
        const safe = redactGap(g);
        gaps.push(safe);
        o.log.warn(`${c.meta.id} ${src.name}: ${safe.api}: ${safe.code}: ${safe.message}`);
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
      o.log.warn(`${c.meta.id} ${src.name}: failed: ${error.code}: ${error.message}`);
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
      const paths = writer.artifacts.filter((a) => a.path.startsWith(prefix + '/') && check.reads.includes(a.kind)).map((a) => a.path);
      const base = { check: check.id, title: check.title, severity: check.severity, criteria: o.mappings.checks[check.id]?.criteria ?? [], collector: c.meta.id, source: src.name, scope: t.scope, artifacts: paths };
      const missing = check.reads.filter((k) => !reader.complete(k));
      if (missing.length) {
        findings.push({ ...base, status: 'error', summary: `evidence incomplete, cannot evaluate: ${missing.map((k) => whyIncomplete(writer.artifacts, prefix, k)).join('; ')}`, exceptions: [] });
        continue;
      }
      try {
        const r = await check.run({ target: t.target, source: src.settings, settings: o.loaded.settings[c.meta.id], now: o.now(), artifacts: reader, memo });
        findings.push({ ...base, status: r.status, summary: r.summary, exceptions: r.exceptions ?? [] });
      } catch (e) {
        findings.push({ ...base, status: 'error', summary: `check failed to run: ${redactString(describeError(e).message)}`, exceptions: [] });
      }
    }
  }
  for (const p of prepared) await p.close();

  findings.sort((a, b) => a.check.localeCompare(b.check) || a.source.localeCompare(b.source) || JSON.stringify(a.scope).localeCompare(JSON.stringify(b.scope)));
  entries.sort((a, b) => a.id.localeCompare(b.id) || a.source.localeCompare(b.source) || JSON.stringify(a.scope).localeCompare(JSON.stringify(b.scope)));
  await writer.writeFindings(findings);
  const summary: Record<FindingStatus, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const f of findings) summary[f.status]++;
  // failed = nothing at all was collected; partial = some evidence, with gaps
  const anyGap = entries.some((e) => e.status === 'error');
  const status: BundleStatus = !anyGap ? 'complete' : writer.artifacts.length > 0 ? 'partial' : 'failed';
  const { manifest, dir } = await writer.finalize(
    {
      format: BUNDLE_FORMAT,
      id,
      stream,
      tool: { name: 'soc2', version: toolVersion },
      organization: config.organization ?? null,
      startedAt: startedAt.toISOString(),
      finishedAt: o.now().toISOString(),
      status,
      config: { sha256: o.loaded.sha256, scope: ['security', ...config.scope.filter((s) => s !== 'security')] },
      identity,
      collectors: entries,
      findings: { path: 'findings.json', summary },
      previous: prev ? { id: prev.id, manifestSha256: prev.manifestSha256 } : null,
      signing: o.signKey ? { algorithm: 'ed25519', keyId: o.signKey.keyId, publicKey: o.signKey.publicKeyPem } : null,
    },
    o.signKey,
  );
  return { dir, manifest, findings };
}

/** Gaps land in the manifest and the log: a credential in an error message (a URI, a token) never does. */
function redactGap(g: Gap): Gap {
  return { api: redactString(g.api), code: redactString(g.code), message: redactString(g.message) };
}

/** Why a check's input is not usable: missing, or incomplete with the reason its writer recorded. */
function whyIncomplete(artifacts: ArtifactEntry[], prefix: string, kind: string): string {
  const a = artifacts.find((x) => x.kind === kind && x.path.startsWith(prefix + '/') && !x.path.slice(prefix.length + 1).includes('/'));
  if (!a) return `${kind} was not collected (see the collector's gaps)`;
  const why = a.provenance.notes?.incomplete;
  return `${kind} is incomplete${typeof why === 'string' ? `: ${why}` : " (see the collector's gaps)"}`;
}

/** Artifacts written earlier in this run by other collectors, for a collector that declared it reads them. */
function runArtifacts(bundleDir: string, entries: () => ArtifactEntry[], c: Collector): RunArtifacts {
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
