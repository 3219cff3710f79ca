// The genuine-MLflow suite, run once per vendored version (mlflow-2.22.test.ts, mlflow-3.6.test.ts):
// one seeded server per mode, reused by every test of that mode. Each collection goes through the
// real CLI; what it wrote is compared field by field with what the genuine Python client reports.
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { runCli, tmpDir } from '../helpers/cli.js';
import { bundleText } from '../helpers/collected.js';
import { collect, mlflowConfig, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import { genuineAvailable, startGenuine, type GenuineServer, type GenuineVersion, type StartOptions } from './server.js';

export const HOOK = 180_000;
const REDACTED = '[REDACTED]';
/** small pages, so the 105 versions of fraud-detector take several pages of the genuine server */
export const PAGE = 25;

export interface Seeded {
  version: string;
  runs: Record<string, string>;
  experiments: Record<string, string>;
  canaries: string[];
  loggedModels?: Record<string, string>;
  modelInputRun?: string;
}

export interface Truth {
  models: { name: string; description: string | null; tags: Record<string, string>; aliases: Record<string, string> }[];
  versions: { name: string; version: string; current_stage: string; tags: Record<string, string>; run_id: string | null; source: string; description: string | null; user_id: string | null; status: string }[];
  prompts: { name: string; tags: Record<string, string>; aliases: Record<string, string> }[];
  promptVersions: Truth['versions'];
  runs: Record<string, { run_id: string; experiment_id: string; run_name: string; lifecycle_stage: string; status: string; params: Record<string, string>; tags: Record<string, string>; datasets: { name: string; digest: string; source_type: string; source: string; context: string | null }[]; model_inputs?: string[]; model_outputs?: string[] }>;
  loggedModels?: Record<string, { name?: string; status?: string; source_run_id?: string; tags?: Record<string, string>; params?: Record<string, string>; model_type?: string; metrics?: { key: string; value: number; dataset_name: string; dataset_digest: string }[]; error?: string }>;
  webhooks?: { name: string; url: string; status: string }[];
}

export const available = genuineAvailable().ok;

/** A value as the bundle must hold it: equal, or — when the client's value holds a canary — redacted. */
export function expectRedactedCopy(actual: unknown, expected: unknown, canaries: string[], where: string): void {
  if (typeof expected === 'string' && canaries.some((c) => expected.includes(c))) {
    expect(typeof actual, where).toBe('string');
    for (const c of canaries) expect((actual as string).includes(c), `${where} leaks a canary`).toBe(false);
    expect(actual as string, where).toContain(REDACTED);
    return;
  }
  if (expected && typeof expected === 'object' && !Array.isArray(expected)) {
    expect(Object.keys(actual as object).sort(), where).toEqual(Object.keys(expected).sort());
    for (const [k, v] of Object.entries(expected)) expectRedactedCopy((actual as Record<string, unknown>)[k], v, canaries, `${where}.${k}`);
    return;
  }
  expect(actual, where).toEqual(expected);
}

/**
 * Requests a collection made that the server did not answer 2xx or with a documented answer: the
 * "not supported" 404 of an optional API, the fork's 503 for workspaces when multi-tenancy is off,
 * and the 404 of a LoggedModel that was deleted (asked for by id to tell deletion from permissions).
 */
export function notAnswered(log: { method: string; path: string; status: number }[]): { method: string; path: string; status: number }[] {
  const optional = /\/api\/2\.0\/mlflow\/(webhooks|registry-webhooks\/list|transition-requests\/list|workspaces)$/;
  const documented = (l: { path: string; status: number }) =>
    (l.status === 404 && optional.test(l.path)) || (l.status === 503 && l.path.endsWith('/workspaces')) || (l.status === 404 && /\/logged-models\/m-[0-9a-f]+$/.test(l.path));
  return log.filter((l) => !(l.status >= 200 && l.status < 300) && !documented(l));
}

/** Every file of the bundles and the CLI's output: no canary anywhere. */
export function leakedCanaries(canaries: string[], ...runs: Collected[]): string[] {
  const text = runs.map((c) => c.stdout + c.stderr + bundleText(c.bundle)).join('\n');
  return canaries.filter((c) => text.includes(c));
}

/** model/version, of a registry record (name) or a lineage record (model) */
export const key = (v: { name?: string; model?: string; version: string }) => `${v.name ?? v.model}/${v.version}`;

/** The config every mode collects with: both collectors, every version in scope, small pages. */
export function genuineConfig(dir: string, url: string, extraSource = ''): string {
  return mlflowConfig(dir, {
    source: [`trackingUri: ${url}`, 'lineageScope: all', ...(extraSource ? [extraSource] : [])].join('\n'),
    extra: `settings:\n  mlflow-registry:\n    pageSize: ${PAGE}\n  mlflow-lineage:\n    pageSize: ${PAGE}`,
  });
}

/** A copy of a seeded server's store, for a second server of the same data (another mode). */
export function copyStore(from: GenuineServer): string {
  const dir = tmpDir(`soc2-mlflow-${from.version}-copy-`);
  mkdirSync(path.join(dir, 'artifacts'), { recursive: true });
  copyFileSync(path.join(from.dataDir, 'mlflow.db'), path.join(dir, 'mlflow.db'));
  // MLflow ≥ 3.3 encrypts webhook secrets with this key: another key answers GET webhooks with 500
  if (existsSync(path.join(from.dataDir, 'webhook-secret.key'))) copyFileSync(path.join(from.dataDir, 'webhook-secret.key'), path.join(dir, 'webhook-secret.key'));
  return dir;
}

export interface SeededServer {
  server: GenuineServer;
  seed: Seeded;
  truth: Truth;
  /** copies of the store taken right after seeding (before any test changed it), one per later mode */
  stores: string[];
}

const seeded = new Map<GenuineVersion, Promise<SeededServer>>();
/** the later modes that start on a copy of the seeded store, by index into `stores` */
export const STORE_USES = ['basic-auth', 'uvicorn'] as const;

/**
 * One server per version, seeded once through the genuine client (seeding takes ~300 requests;
 * under basic-auth every request pays a password hash, so later modes start on copies of this store).
 */
export function seededServer(version: GenuineVersion): Promise<SeededServer> {
  let p = seeded.get(version);
  if (!p) {
    p = (async () => {
      const server = await startGenuine(version);
      const seed = await server.py<Seeded>('seed');
      const truth = await server.py<Truth>('truth');
      return { server, seed, truth, stores: STORE_USES.map(() => copyStore(server)) };
    })();
    seeded.set(version, p);
  }
  return p;
}

/** The later modes of a version: each a further server, on a copy of the seeded store or a new one. */
export type Mode = 'basic-auth' | 'uvicorn' | 'workspaces';
const MODE_OPTIONS: Record<Mode, (plain: SeededServer) => StartOptions> = {
  'basic-auth': (plain) => ({ app: 'basic-auth', src: plain.server.srcDir, dataDir: plain.stores[STORE_USES.indexOf('basic-auth')]! }),
  uvicorn: (plain) => ({ server: 'uvicorn', src: plain.server.srcDir, dataDir: plain.stores[STORE_USES.indexOf('uvicorn')]! }),
  workspaces: (plain) => ({ src: plain.server.srcDir, args: ['--enable-workspaces'] }),
};
const modeServers = new Map<string, Promise<GenuineServer>>();

/**
 * The server of one mode of a version (started once, when first asked for), with the seeded server
 * it derives from. A start-up takes several Python processes and seconds of waiting for /health.
 */
export function modeServer(version: GenuineVersion, mode: Mode): Promise<{ server: GenuineServer; plain: SeededServer }> {
  const k = `${version} ${mode}`;
  let p = modeServers.get(k);
  if (!p) {
    p = seededServer(version).then((plain) => startGenuine(version, MODE_OPTIONS[mode](plain)));
    // a start that fails is reported by the describe that awaits it, not as an unhandled rejection
    p.catch(() => undefined);
    modeServers.set(k, p);
  }
  return Promise.all([p, seededServer(version)]).then(([server, plain]) => ({ server, plain }));
}

/**
 * In a test file, before its describes: starts the seeded server and then, in the background and one
 * after the other, the servers of the later modes (in the order the file's describes use them), so
 * that each start — seconds of Python imports and of waiting for /health — runs during the tests of
 * the modes before it instead of after them. Each describe still stops its own server; whatever a
 * filtered run left started stops at the end of the file.
 */
export function startModesEarly(version: GenuineVersion, modes: Mode[]): void {
  if (!available) return;
  beforeAll(() => {
    let chain: Promise<unknown> = seededServer(version);
    for (const m of modes) chain = chain.then(() => modeServer(version, m));
    chain.catch(() => undefined);
  });
  afterAll(async () => {
    for (const m of modes) await modeServers.get(`${version} ${m}`)?.then((s) => s.stop(), () => undefined);
  });
}

/** The registry and lineage a collection wrote, compared with the client's view of the same server. */
export function compareWithClient(getC: () => Collected, getTruth: () => Truth, getSeed: () => Seeded, v3: boolean): void {
  it('writes complete evidence: both collectors ok, exit 0, every artifact complete', () => {
    const c = getC();
    expect(c.code, c.stderr).toBe(0);
    expect(c.manifest.status).toBe('complete');
    expect(c.manifest.collectors.map((e: any) => [e.id, e.status, e.gaps])).toEqual([
      ['mlflow-lineage', 'ok', []],
      ['mlflow-registry', 'ok', []],
    ]);
    for (const a of c.manifest.artifacts) expect(a.provenance.complete, a.path).toBe(true);
  });

  it('holds every registered model with its description, tags and aliases as the client reports them', () => {
    const { canaries } = getSeed();
    const models = getC().ndjson('mlflow-registry/models.ndjson');
    expect(models.map((m) => m.name).sort()).toEqual(getTruth().models.map((m) => m.name).sort());
    for (const t of getTruth().models) {
      const m = models.find((x) => x.name === t.name);
      expectRedactedCopy(m.description, t.description, canaries, `${t.name}.description`);
      expectRedactedCopy(m.tags, t.tags, canaries, `${t.name}.tags`);
      expect(Object.fromEntries(m.aliases.map((a: any) => [a.alias, a.version])), t.name).toEqual(t.aliases);
    }
  });

  it('holds every version — stage, aliases, tags, run, source, description, creator, status — across every page', () => {
    const { canaries } = getSeed();
    const c = getC();
    const versions = c.ndjson('mlflow-registry/versions.ndjson');
    const truth = getTruth();
    expect(versions.map(key).sort()).toEqual(truth.versions.map(key).sort());
    expect(versions.length).toBeGreaterThan(100);
    const aliasesOf = (t: Truth['versions'][number]) => Object.entries(truth.models.find((m) => m.name === t.name)!.aliases).filter(([, v]) => v === t.version).map(([a]) => a).sort();
    for (const t of truth.versions) {
      const v = versions.find((x) => key(x) === key(t));
      const where = key(t);
      expect(v.current_stage, where).toBe(t.current_stage);
      expect(v.aliases, where).toEqual(aliasesOf(t));
      expectRedactedCopy(v.tags, t.tags, canaries, `${where}.tags`);
      expect(v.run_id, where).toBe(t.run_id);
      expectRedactedCopy(v.source, t.source, canaries, `${where}.source`);
      expectRedactedCopy(v.description, t.description, canaries, `${where}.description`);
      expect(v.user_id, where).toBe(t.user_id);
      expect(v.status, where).toBe(t.status);
      expect(v.model_id, where).toBe(/^models:\/(m-[0-9a-f]+)$/.exec(t.source)?.[1] ?? null);
    }
    const op = c.provenance('mlflow-registry/versions.ndjson').operations.find((o: any) => o.api === 'mlflow:SearchModelVersions');
    expect(op.pages).toBe(Math.ceil(truth.versions.length / PAGE));
  });

  it('holds every prompt version with its template (redacted) and aliases, apart from the models', () => {
    const { canaries } = getSeed();
    const truth = getTruth();
    const prompts = getC().ndjson('mlflow-registry/prompts.ndjson');
    expect(prompts.map(key).sort()).toEqual(truth.promptVersions.map(key).sort());
    for (const t of truth.promptVersions) {
      const p = prompts.find((x) => key(x) === key(t));
      expectRedactedCopy(p.template, t.tags['mlflow.prompt.text'], canaries, `${key(t)}.template`);
      const aliases = Object.entries(truth.prompts.find((x) => x.name === t.name)!.aliases).filter(([, v]) => v === t.version).map(([a]) => a);
      expect(p.aliases, key(t)).toEqual(aliases);
    }
    expect(prompts.find((p) => p.aliases.includes('production'))?.production).toBe(true);
    // prompts are not registered models of the model inventory
    expect(getC().ndjson('mlflow-registry/models.ndjson').map((m) => m.name)).not.toContain('support-prompt');
  });

  it('follows every version to its training run: datasets (name, digest, source), params, git commit, lifecycle', () => {
    const { canaries } = getSeed();
    const truth = getTruth();
    const lineage = getC().ndjson('mlflow-lineage/training-runs.ndjson');
    expect(lineage.map(key).sort()).toEqual(truth.versions.map(key).sort());
    for (const rec of lineage) {
      const t = truth.versions.find((x) => key(x) === key(rec))!;
      if (!t.run_id) continue;
      const run = truth.runs[t.run_id]!;
      const where = `${key(rec)} run ${t.run_id}`;
      expect(rec.run, where).not.toBeNull();
      expect(rec.run.run_id).toBe(run.run_id);
      expect(rec.run.experiment_id).toBe(run.experiment_id);
      expect(rec.run.lifecycle_stage, where).toBe(run.lifecycle_stage);
      expectRedactedCopy(rec.run.run_name, run.run_name, canaries, `${where}.run_name`);
      expectRedactedCopy(rec.run.params, run.params, canaries, `${where}.params`);
      expect(rec.run.git_commit).toBe(run.tags['mlflow.source.git.commit'] ?? null);
      expect(rec.run.user).toBe(run.tags['mlflow.user'] ?? null);
      expect(rec.run.datasets.length, where).toBe(run.datasets.length);
      for (const [i, d] of run.datasets.entries()) {
        const got = rec.run.datasets[i];
        expectRedactedCopy(got.name, d.name, canaries, `${where}.datasets[${i}].name`);
        expect(got.digest).toBe(d.digest);
        expect(got.source_type).toBe(d.source_type);
        expect(got.context).toBe(d.context);
        expectRedactedCopy(got.source, JSON.parse(d.source), canaries, `${where}.datasets[${i}].source`);
      }
      if (v3) {
        expect(rec.run.model_inputs, where).toEqual(run.model_inputs);
        expect(rec.run.model_outputs, where).toEqual(run.model_outputs);
      } else expect(rec.run.model_inputs, where).toBeUndefined();
    }
    const deleted = lineage.find((r) => r.run_id === getSeed().runs.deleted_run);
    expect(deleted.run.lifecycle_stage).toBe('deleted');
    // a run in a deleted experiment is still found (experiments are listed active and deleted)
    expect(lineage.find((r) => r.run_id === getSeed().runs.churn).run.experiment_id).toBe(getSeed().experiments.churn);
    expect(lineage.find((r) => r.model === 'embeddings').reason).toMatch(/no run_id and no LoggedModel/);
  });

  it('records the linked prompts of a run', () => {
    const rec = getC().ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.run_id === getSeed().runs.fraud_a);
    expect(rec.run.linked_prompts).toEqual([{ name: 'support-prompt', version: '2' }]);
  });
}

/** The promotion and alias move made between two collections: exactly those events. */
export function expectPromotionEvents(c: Collected, promoted: { stage: { model: string; version: string; archived: string }; alias: { model: string; alias: string; from: string; to: string } }): void {
  expect(c.code, c.stderr).toBe(0);
  const log = c.json('mlflow-registry/promotions.json');
  expect(log.baseline).toBe(false);
  const row = (e: any) => [e.type, `${e.model}/${e.version}`, e.alias ?? null, e.from, e.to, e.toProduction];
  expect(log.events.map(row)).toEqual([
    ['alias_moved', `${promoted.alias.model}/${promoted.alias.to}`, promoted.alias.alias, promoted.alias.from, promoted.alias.to, true],
    ['stage_changed', `${promoted.stage.model}/${promoted.stage.archived}`, null, 'Production', 'Archived', false],
    ['stage_changed', `${promoted.stage.model}/${promoted.stage.version}`, null, 'Staging', 'Production', true],
  ]);
}

export interface TwoCollections {
  server: GenuineServer;
  seed: Seeded;
  truth: Truth;
  first: Collected;
  second: Collected;
  /** what seed.py promote changed between the two */
  promoted: any;
  evidence: string;
  /** the server's access log lines of each collection (the seeding client's requests left out) */
  during: { first: ReturnType<GenuineServer['accessLog']>; second: ReturnType<GenuineServer['accessLog']> };
}

/**
 * In the calling describe: the seeded server of this version, collected, then one promotion and one
 * alias move made through the client, then collected again; the server stops after the describe.
 */
export function twoCollections(version: GenuineVersion): () => TwoCollections {
  let t: TwoCollections;
  beforeAll(async () => {
    const { server, seed, truth } = await seededServer(version);
    const dir = tmpDir(`soc2-genuine-${version}-`);
    const cfg = genuineConfig(dir, server.url);
    let before = server.accessLog().length;
    const first = await collect(cfg, mlflowEnv(server.url));
    const duringFirst = server.accessLog().slice(before);
    const promoted = await server.py('promote');
    before = server.accessLog().length;
    const second = await collect(cfg, mlflowEnv(server.url));
    t = { server, seed, truth, first, second, promoted, evidence: path.join(dir, 'evidence'), during: { first: duringFirst, second: server.accessLog().slice(before) } };
  }, HOOK);
  afterAll(() => t?.server.stop());
  return () => t;
}

/** Every request of both collections was answered (2xx or documented) and counted by a collector, but the workspace probe. */
export function expectEveryCallAnswered(t: TwoCollections, version: GenuineVersion): void {
  for (const which of ['first', 'second'] as const) {
    const log = t.during[which];
    expect(notAnswered(log), which).toEqual([]);
    const counted = t[which].manifest.collectors.reduce((n: number, e: any) => n + e.apiCalls, 0);
    expect(log.length, which).toBe(counted + 1);
  }
  console.info(`genuine ${version}: ${t.during.first.length} HTTP requests for a collection (${t.first.manifest.collectors.map((e: any) => `${e.id} ${e.apiCalls}`).join(', ')}, workspace probe 1)`);
}

/** What both versions' two collections must show: no canary, exactly the promotion events, a verified chain, every call answered and counted. */
export function twoCollectionTests(t: () => TwoCollections, version: GenuineVersion, minCanaries: number): void {
  it('never writes or prints a planted credential', () => {
    expect(t().seed.canaries.length).toBeGreaterThanOrEqual(minCanaries);
    expect(leakedCanaries(t().seed.canaries, t().first, t().second)).toEqual([]);
  });

  it('logs exactly the promotion and the alias move made between the collections', () => {
    expectPromotionEvents(t().second, t().promoted);
  });

  it('verifies the chain of both bundles', async () => {
    const v = await runCli(['verify', t().evidence]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('makes only calls the server answers 2xx (or the documented "not supported"), each counted', () => {
    expectEveryCallAnswered(t(), version);
  });
}
