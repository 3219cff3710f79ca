// The runner: plan sources × collectors, run them with bounded concurrency (one failing collector
// never stops the others), run checks, and publish one bundle.
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { acquireLock } from '../bundle/lock.js';
import { BUNDLE_FORMAT, PARTIAL_SUFFIX, type BundleStatus, type CollectorEntry, type Identity, type Manifest } from '../bundle/manifest.js';
import type { SigningKey } from '../bundle/sign.js';
import { artifactReader, latestBundle, listBundleDirs, readManifest } from '../bundle/store.js';
import { BundleWriter } from '../bundle/writer.js';
import type { Mappings } from '../mapping/index.js';
import { describeError } from './errors.js';
import { mapPool } from './pool.js';
import { paginator } from './paginate.js';
import { toolVersion } from './paths.js';
import { prepareSource, type PreparedSource, type PreparedTarget } from './sources.js';
import type { ArtifactReader, BaseContext, Collector, Finding, FindingStatus, Gap, Logger, SourceKind } from './types.js';

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

/**
 * The newest earlier bundle in which this collector ran on this target without a gap, so a failed
 * run never becomes the baseline of the next comparison. Its `collectedAt` is that bundle's start:
 * the earliest moment its snapshot can describe, so windows derived from it always contain the change.
 */
function previousReader(evidenceDirs: string[], stream: string | null, prefix: string, before: string, who: { collector: string; source: string; scope: Record<string, string> }): ArtifactReader | null {
  // the local evidence dir, plus a copy of the store's newest bundle when the store is ahead (fresh CI machine)
  const complete = evidenceDirs.flatMap((d) => listBundleDirs(d).complete.map((id) => ({ id, dir: path.join(d, id) }))).sort((a, b) => a.id.localeCompare(b.id));
  const sameScope = (a: Record<string, string>) => JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(who.scope).sort());
  for (let i = complete.length - 1; i >= 0; i--) {
    const { id, dir } = complete[i]!;
    if (id >= before) continue;
    try {
      const { manifest } = readManifest(dir);
      if ((manifest.stream ?? null) !== stream) continue;
      const ran = manifest.collectors.find((c) => c.id === who.collector && c.source === who.source && sameScope(c.scope ?? {}));
      if (!ran || ran.status !== 'ok') continue;
      return artifactReader(dir, manifest.artifacts, prefix, { collectedAt: manifest.startedAt, bundleId: id });
    } catch {
      continue;
    }
  }
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
  const selected = config.collectors === 'all' ? o.collectors : o.collectors.filter((c) => (config.collectors as string[]).includes(c.meta.id));

  const kinds = new Set(selected.map((c) => c.meta.source));
  const prepared: PreparedSource[] = [];
  for (const kind of ['aws', 'mlflow', 'vertex'] as SourceKind[]) {
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
        entries.push({ id: c.meta.id, source: src.name, scope: f.scope, status: 'error', error: f.gap, gaps: [f.gap], durationMs: 0, apiCalls: 0, retries: 0 });
        o.log.warn(`${c.meta.id} ${src.name}: ${f.gap.api}: ${f.gap.code}: ${f.gap.message}`);
      }
      for (const t of src.targets(c.meta.scope)) tasks.push({ c, src, t });
    }
  }
  if (selected.length && prepared.length === 0) o.log.warn('no sources configured for the selected collectors');

  const signal = o.signal ?? new AbortController().signal;
  // every collector and SDK call listens on this one signal: not a leak, so no listener warning
  setMaxListeners(0, signal);
  await mapPool(tasks, config.concurrency, async ({ c, src, t }) => {
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
      previous: previousReader(b.previousDirs, stream, prefix, id, { collector: c.meta.id, source: src.name, scope: t.scope }),
      gap: (g) => {
        gaps.push(g);
        o.log.warn(`${c.meta.id} ${src.name}: ${g.api}: ${g.code}: ${g.message}`);
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
      const d = describeError(e);
      error = { api: (e as { api?: string }).api ?? c.meta.id, ...d };
      gaps.push(error);
      o.log.warn(`${c.meta.id} ${src.name}: failed: ${d.code}: ${d.message}`);
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
        findings.push({ ...base, status: 'error', summary: `evidence incomplete, cannot evaluate: ${missing.join(', ')} (see the collector's gaps)`, exceptions: [] });
        continue;
      }
      try {
        const r = await check.run({ target: t.target, source: src.settings, settings: o.loaded.settings[c.meta.id], now: o.now(), artifacts: reader, memo });
        findings.push({ ...base, status: r.status, summary: r.summary, exceptions: r.exceptions ?? [] });
      } catch (e) {
        findings.push({ ...base, status: 'error', summary: `check failed to run: ${describeError(e).message}`, exceptions: [] });
      }
    }
  });
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

export { PARTIAL_SUFFIX };
