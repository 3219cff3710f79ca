// The genuine MLflow 3.6 server (the ODH fork, vendored source, Debian's python3): everything the
// 2.22 suite checks, plus what MLflow 3 adds — LoggedModels behind versions (one external, one
// deleted), run model inputs/outputs, webhooks (secret never returned) — under gunicorn and under its
// default FastAPI/uvicorn mode, under basic-auth, and with several workspaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tmpDir } from '../helpers/cli.js';
import { collect, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import { startGenuine, type GenuineServer } from './server.js';
import { describeBasicAuth } from './basic-auth.js';
import { describeContract } from './contract.js';
import { describeWorkspaces } from './workspaces.js';
import { available, compareWithClient, expectPromotionEvents, expectRedactedCopy, genuineConfig, HOOK, leakedCanaries, notAnswered, seededServer, STORE_USES, type Seeded, type Truth } from './suite.js';

describe.skipIf(!available)('genuine MLflow 3.6 (gunicorn, no auth)', () => {
  let server: GenuineServer;
  let seed: Seeded;
  let truth: Truth;
  let first: Collected;
  let second: Collected;
  let promoted: any;
  let evidence: string;
  const during: Record<string, ReturnType<GenuineServer['accessLog']>> = {};

  beforeAll(async () => {
    ({ server, seed, truth } = await seededServer('3.6'));
    const dir = tmpDir('soc2-genuine-36-');
    evidence = `${dir}/evidence`;
    const cfg = genuineConfig(dir, server.url);
    let before = server.accessLog().length;
    first = await collect(cfg, mlflowEnv(server.url));
    during.first = server.accessLog().slice(before);
    promoted = await server.py('promote');
    before = server.accessLog().length;
    second = await collect(cfg, mlflowEnv(server.url));
    during.second = server.accessLog().slice(before);
  }, HOOK);
  afterAll(() => server?.stop());

  compareWithClient(() => first, () => truth, () => seed, true);
  describeContract('3.6', () => ({ server, seed, truth }));

  const lineageOf = (model: string) => first.ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.model === model);

  it('follows a version to its LoggedModel: name, status, type, params and tags redacted, metrics with their datasets, source run', () => {
    const rec = lineageOf('fraud-agent');
    const id = seed.loggedModels!['fraud-agent']!;
    const t = truth.loggedModels![id]!;
    expect(rec.model_id).toBe(id);
    expect(rec.logged_model).toMatchObject({ model_id: id, name: t.name, model_type: t.model_type, source_run_id: t.source_run_id, external: false });
    expect(rec.logged_model.status).toBe(`LOGGED_MODEL_${t.status}`);
    expectRedactedCopy(rec.logged_model.params, t.params, seed.canaries, 'fraud-agent LoggedModel params');
    expectRedactedCopy(rec.logged_model.tags, t.tags, seed.canaries, 'fraud-agent LoggedModel tags');
    expect(rec.logged_model.metrics).toEqual(t.metrics!.map((m) => ({ key: m.key, value: m.value, dataset_name: m.dataset_name, dataset_digest: m.dataset_digest })));
    expect(rec.run_id).toBe(t.source_run_id);
    expect(rec.run.model_outputs).toEqual([id]);
  });

  it('treats a version from an external LoggedModel as traceable to it, and honours the LoggedModel’s classification tag', () => {
    const rec = lineageOf('vendor-classifier');
    expect(rec).toMatchObject({ run: null, run_id: null, logged_model: expect.objectContaining({ external: true, source_run_id: null }) });
    expect(rec.reason).toMatch(/external LoggedModel m-[0-9a-f]+ \(vendor-classifier\)/);
    expect(rec.classification).toEqual({ data_classification: { value: 'public', on: 'logged-model' } });
    const exceptions = (check: string) => first.finding(check).exceptions.map((e: any) => e.resource);
    expect(exceptions('mlflow-registry.production-traceable')).not.toContain('vendor-classifier/1');
    expect(exceptions('mlflow-lineage.classification-tagged')).not.toContain('vendor-classifier/1');
  });

  it('flags the version whose LoggedModel was deleted', () => {
    const rec = lineageOf('retired-agent');
    expect(rec).toMatchObject({ model_id: seed.loggedModels!['retired-agent'], logged_model: null, logged_model_deleted: true });
    const f = first.finding('mlflow-lineage.logged-models-present');
    expect(f.status).toBe('fail');
    expect(f.exceptions).toEqual([{ resource: 'retired-agent/1', reason: expect.stringContaining('was deleted') }]);
  });

  it('records the LoggedModels a run consumed (runs/get: the genuine runs/search leaves them out)', () => {
    const rec = first.ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.run_id === seed.runs.fraud_a);
    expect(rec.run.model_inputs).toEqual(truth.runs[seed.runs.fraud_a!]!.model_inputs);
  });

  it('lists the webhooks with the URL’s secret query dropped and never a secret', () => {
    const hooks = first.json('mlflow-registry/webhooks.json');
    expect(hooks.oss.supported).toBe(true);
    expect(hooks.oss.items.map((w: any) => [w.name, w.url, w.status])).toEqual(truth.webhooks!.map((w) => [w.name, 'https://hooks.acme.ai/mlflow', w.status]));
    expect(hooks.oss.items[0]).not.toHaveProperty('secret');
  });

  it('never writes or prints a planted credential', () => {
    expect(seed.canaries.length).toBeGreaterThan(12);
    expect(leakedCanaries(seed.canaries, first, second)).toEqual([]);
  });

  it('logs exactly the promotion and the alias move made between the collections', () => {
    expectPromotionEvents(second, promoted);
  });

  it('verifies the chain of both bundles', async () => {
    const v = await runCli(['verify', evidence]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('makes only calls the server answers 2xx (or "not supported"), each counted', () => {
    for (const [which, c] of [['first', first], ['second', second]] as const) {
      expect(notAnswered(during[which]!), which).toEqual([]);
      const counted = c.manifest.collectors.reduce((n: number, e: any) => n + e.apiCalls, 0);
      expect(during[which]!.length, which).toBe(counted + 1);
    }
    console.info(`genuine 3.6: ${during.first!.length} HTTP requests for a collection (${first.manifest.collectors.map((e: any) => `${e.id} ${e.apiCalls}`).join(', ')}, workspace probe 1)`);
  });
});

describe.skipIf(!available)('genuine MLflow 3.6 under its default FastAPI/uvicorn server', () => {
  let server: GenuineServer;
  let seed: Seeded;
  let truth: Truth;
  let c: Collected;
  beforeAll(async () => {
    const plain = await seededServer('3.6');
    ({ seed, truth } = plain);
    server = await startGenuine('3.6', { server: 'uvicorn', src: plain.server.srcDir, dataDir: plain.stores[STORE_USES.indexOf('uvicorn')]! });
    c = await collect(genuineConfig(tmpDir('soc2-genuine-36-uvicorn-'), server.url), mlflowEnv(server.url));
  }, HOOK);
  afterAll(() => server?.stop());

  compareWithClient(() => c, () => truth, () => seed, true);

  it('never writes or prints a planted credential', () => {
    expect(leakedCanaries(seed.canaries, c)).toEqual([]);
  });
});

describeBasicAuth('3.6');
describeWorkspaces();
