// The genuine MLflow 3.6 server (the ODH fork, vendored source, Debian's python3): everything the
// 2.22 suite checks, plus what MLflow 3 adds — LoggedModels behind versions (one external, one
// deleted), run model inputs/outputs, webhooks (secret never returned) — under gunicorn and under its
// default FastAPI/uvicorn mode, under basic-auth, and with several workspaces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tmpDir } from '../helpers/cli.js';
import { collect, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import type { GenuineServer } from './server.js';
import { describeBasicAuth } from './basic-auth.js';
import { describeContract } from './contract.js';
import { describeWorkspaces } from './workspaces.js';
import { available, compareWithClient, expectRedactedCopy, genuineConfig, HOOK, leakedCanaries, modeServer, startModesEarly, twoCollections, twoCollectionTests, type Seeded, type Truth } from './suite.js';

startModesEarly('3.6', ['uvicorn', 'basic-auth', 'workspaces']);

describe.skipIf(!available)('genuine MLflow 3.6 (gunicorn, no auth)', () => {
  const t = twoCollections('3.6');
  const first = () => t().first;

  compareWithClient(first, () => t().truth, () => t().seed, true);
  describeContract('3.6', t);

  const lineageOf = (model: string) => first().ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.model === model);

  it('follows a version to its LoggedModel: name, status, type, params and tags redacted, metrics with their datasets, source run', () => {
    const rec = lineageOf('fraud-agent');
    const id = t().seed.loggedModels!['fraud-agent']!;
    const lm = t().truth.loggedModels![id]!;
    expect(rec.model_id).toBe(id);
    expect(rec.logged_model).toMatchObject({ model_id: id, name: lm.name, model_type: lm.model_type, source_run_id: lm.source_run_id, external: false });
    expect(rec.logged_model.status).toBe(`LOGGED_MODEL_${lm.status}`);
    expectRedactedCopy(rec.logged_model.params, lm.params, t().seed.canaries, 'fraud-agent LoggedModel params');
    expectRedactedCopy(rec.logged_model.tags, lm.tags, t().seed.canaries, 'fraud-agent LoggedModel tags');
    expect(rec.logged_model.metrics).toEqual(lm.metrics!.map((m) => ({ key: m.key, value: m.value, dataset_name: m.dataset_name, dataset_digest: m.dataset_digest })));
    expect(rec.run_id).toBe(lm.source_run_id);
    expect(rec.run.model_outputs).toEqual([id]);
  });

  it('treats a version from an external LoggedModel as traceable to it, and honours the LoggedModel’s classification tag', () => {
    const rec = lineageOf('vendor-classifier');
    expect(rec).toMatchObject({ run: null, run_id: null, logged_model: expect.objectContaining({ external: true, source_run_id: null }) });
    expect(rec.reason).toMatch(/external LoggedModel m-[0-9a-f]+ \(vendor-classifier\)/);
    expect(rec.classification).toEqual({ data_classification: { value: 'public', on: 'logged-model' } });
    const exceptions = (check: string) => first().finding(check).exceptions.map((e: any) => e.resource);
    expect(exceptions('mlflow-registry.production-traceable')).not.toContain('vendor-classifier/1');
    expect(exceptions('mlflow-lineage.classification-tagged')).not.toContain('vendor-classifier/1');
  });

  it('flags the version whose LoggedModel was deleted', () => {
    const rec = lineageOf('retired-agent');
    expect(rec).toMatchObject({ model_id: t().seed.loggedModels!['retired-agent'], logged_model: null, logged_model_deleted: true });
    const f = first().finding('mlflow-lineage.logged-models-present');
    expect(f.status).toBe('fail');
    expect(f.exceptions).toEqual([{ resource: 'retired-agent/1', reason: expect.stringContaining('was deleted') }]);
  });

  it('records the LoggedModels a run consumed (runs/get: the genuine runs/search leaves them out)', () => {
    const rec = first().ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.run_id === t().seed.runs.fraud_a);
    expect(rec.run.model_inputs).toEqual(t().truth.runs[t().seed.runs.fraud_a!]!.model_inputs);
  });

  it('lists the webhooks with the URL’s secret query dropped and never a secret', () => {
    const hooks = first().json('mlflow-registry/webhooks.json');
    expect(hooks.oss.supported).toBe(true);
    expect(hooks.oss.items.map((w: any) => [w.name, w.url, w.status])).toEqual(t().truth.webhooks!.map((w) => [w.name, 'https://hooks.acme.ai/mlflow', w.status]));
    expect(hooks.oss.items[0]).not.toHaveProperty('secret');
  });

  twoCollectionTests(t, '3.6', 15);
});

describe.skipIf(!available)('genuine MLflow 3.6 under its default FastAPI/uvicorn server', () => {
  let server: GenuineServer;
  let seed: Seeded;
  let truth: Truth;
  let c: Collected;
  beforeAll(async () => {
    let plain;
    ({ server, plain } = await modeServer('3.6', 'uvicorn'));
    ({ seed, truth } = plain);
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
