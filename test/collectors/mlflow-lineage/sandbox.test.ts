// mlflow-lineage through the real CLI against the MLflow sandbox: redaction (canaries must never
// reach the bundle or the output), missing runs, and batching/pagination counted from the recording.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateMlflowCompany, loadMlflowFixture, startMlflowSandbox, type MlflowSandbox, type MlflowSeed } from '../../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { assertReadOnly, calls, collect, mlflowConfig, mlflowEnv, type Collected } from '../mlflow-registry/helpers.js';
import { bundleText } from '../../helpers/collected.js';

const HOOK = 60_000;
const CANARY = {
  hfToken: 'hf-canary-Zq81XkP2vL',
  dbPassword: 'pg-canary-Rt55wQ',
  bearer: 'bearer-canary-Mn40pLk9',
  akia: 'AKIAZQ81XKP2CANARY77',
  gitPassword: 'git-canary-Ux23',
  dataPassword: 'data-canary-Yy90',
};
const CANARY_RUN = 'c0ffee00c0ffee00c0ffee00c0ffee00';
const MISSING_RUN = 'deadbeefdeadbeefdeadbeefdeadbeef';
/** the filter's run ids, from a recorded runs/search body */
const idsOf = (body: any): string[] => [...String(body.filter).matchAll(/'([^']+)'/g)].map((m) => m[1]!);

describe('mlflow-lineage on the small company', () => {
  let sb: MlflowSandbox;
  let c: Collected;
  let newVersion: string;

  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
    // a new champion trained by a run whose params, tags and dataset source hold credentials
    sb.state.addRun({
      info: { run_id: CANARY_RUN, run_uuid: CANARY_RUN, experiment_id: '4', run_name: 'embeddings-train-canary', user_id: 'frank@acme.ai', status: 'FINISHED', start_time: 1794000000000, end_time: 1794003600000, artifact_uri: `mlflow-artifacts:/4/${CANARY_RUN}/artifacts`, lifecycle_stage: 'active' },
      data: {
        metrics: [{ key: 'spearman', value: 0.85, timestamp: 1794003000000, step: 0 }],
        params: [
          { key: 'epochs', value: '5' },
          { key: 'hf_token', value: CANARY.hfToken },
          { key: 'db_uri', value: `postgresql://trainer:${CANARY.dbPassword}@db:5432/features` },
          { key: 'fetch_cmd', value: `curl -H "Authorization: Bearer ${CANARY.bearer}" https://data.acme.ai` },
          { key: 'aws_key_id', value: CANARY.akia },
        ],
        tags: [
          { key: 'mlflow.user', value: 'frank@acme.ai' },
          { key: 'mlflow.source.name', value: `https://ci:${CANARY.gitPassword}@git.acme.ai/ml/embeddings.git` },
          { key: 'mlflow.source.git.commit', value: '0123456789abcdef0123456789abcdef01234567' },
          { key: 'data_classification', value: 'confidential' },
        ],
      },
      inputs: {
        dataset_inputs: [
          { tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'corpus', digest: 'a1b2c3d4', source_type: 'http', source: { url: `https://reader:${CANARY.dataPassword}@data.acme.ai/corpus.jsonl` } } },
        ],
      },
    });
    newVersion = String(sb.state.addModelVersion('embeddings', { source: `runs:/${CANARY_RUN}/model`, run_id: CANARY_RUN, user_id: 'frank@acme.ai' }).version);
    sb.state.setAlias('embeddings', 'champion', newVersion);
    // a staging version whose run was purged
    sb.state.addModelVersion('ranker', { source: `runs:/${MISSING_RUN}/model`, run_id: MISSING_RUN, user_id: 'erin@acme.ai', current_stage: 'Staging' });
    c = await collect(mlflowConfig(tmpDir('soc2-mlflow-lineage-'), { collectors: ['mlflow-lineage'] }), mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  const records = () => c.ndjson('mlflow-lineage/training-runs.ndjson');
  const rec = (id: string) => records().find((r) => `${r.model}/${r.version}` === id);

  it('records one line per production and staging version', () => {
    expect(c.code, c.stderr).toBe(0);
    expect(records().map((r) => `${r.model}/${r.version}`).sort()).toEqual(['churn-model/3', `embeddings/${newVersion}`, 'fraud-detector/3', 'fraud-detector/4', 'ranker/4', 'ranker/5', 'ranker/7'].sort());
  });

  it('records datasets with parsed sources and context, git commit, source, user, params, metrics and classification', () => {
    const r = rec('fraud-detector/3');
    expect(r).toMatchObject({ production: true, aliases: ['champion', 'production'], run_id: 'c3b6b3546a930802d17c51beb503cf40' });
    expect(r.run.datasets).toEqual([
      { name: 'fraud-train', digest: '03e02ebd', source_type: 's3', source: { uri: 's3://acme-data/fraud/train/2026-10-05.parquet' }, context: 'training' },
      { name: 'fraud-eval', digest: '19748639', source_type: 's3', source: { uri: 's3://acme-data/fraud/eval/2026-10-05.parquet' }, context: 'eval' },
    ]);
    expect(r.run.git_commit).toMatch(/^[0-9a-f]{40}$/);
    expect(r.run.user).toBe('bob@acme.ai');
    expect(r.run.source_name).toBeTruthy();
    expect(r.run.params).toMatchObject({ C: '0.3', solver: 'saga', db_uri: 'postgresql://trainer:[REDACTED]@db:5432/features' });
    expect(Object.keys(r.run.metrics)).toEqual(['auc', 'precision_at_1pct']);
    expect(r.classification).toEqual({ data_classification: { value: 'confidential', on: 'run' } });
  });

  it('redacts every credential and never writes or prints a canary', () => {
    const r = rec(`embeddings/${newVersion}`);
    expect(r.run.params).toEqual({
      epochs: '5',
      hf_token: '[REDACTED]',
      db_uri: 'postgresql://trainer:[REDACTED]@db:5432/features',
      fetch_cmd: 'curl -H "Authorization: Bearer [REDACTED]" https://data.acme.ai',
      aws_key_id: '[REDACTED]',
    });
    expect(r.run.source_name).toBe('https://ci:[REDACTED]@git.acme.ai/ml/embeddings.git');
    expect(r.run.datasets[0].source).toEqual({ url: 'https://reader:[REDACTED]@data.acme.ai/corpus.jsonl' });
    const everything = c.stdout + c.stderr + bundleText(c.bundle);
    for (const [name, value] of Object.entries(CANARY)) expect(everything.includes(value), name).toBe(false);
    const notes = c.provenance('mlflow-lineage/training-runs.ndjson').notes;
    // 4 canary params + the fixture's db_uri on fraud-detector/3; the source-name tag; the dataset source
    expect(notes.redactions).toEqual({ params: 5, tags: 1, datasetSources: 1 });
    expect(notes.redactionsTotal).toBe(7);
  });

  it('records a version whose run does not exist with run null and a reason', () => {
    // runs/search did not return it; runs/get answered 404, so it was purged (not hidden from this identity)
    expect(rec('ranker/7')).toMatchObject({ staging: true, production: false, run_id: MISSING_RUN, run: null, reason: expect.stringMatching(/no run with this id.*404.*purged/) });
    expect(c.provenance('mlflow-lineage/training-runs.ndjson').notes).toMatchObject({ versionsInScope: 7, distinctRuns: 7, runs: { batches: 1, found: 6, purged: 1, notVisible: 0 } });
    expect(calls(sb.requests, 'runs/get').map((r) => [r.query.run_id, r.status])).toEqual([[MISSING_RUN, 404]]);
  });

  it('fetches all runs in one runs/search call, with experiments listed once', () => {
    expect(assertReadOnly(sb.requests)).toEqual([]);
    const rs = calls(sb.requests, 'runs/search');
    expect(rs).toHaveLength(1);
    expect(rs[0]!.body).toMatchObject({ run_view_type: 'ALL' });
    expect([...(rs[0]!.body as any).experiment_ids].sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(idsOf(rs[0]!.body).sort()).toEqual(records().map((r) => r.run_id).sort());
    expect(calls(sb.requests, 'experiments/search')).toHaveLength(1);
    // + the runs/get that tells the purged run from a hidden one
    expect(c.collector('mlflow-lineage')).toMatchObject({ status: 'ok', apiCalls: 5 });
    // alone (mlflow-registry not selected), it lists the registry itself and says so
    expect(c.provenance('mlflow-lineage/training-runs.ndjson').notes.versions).toEqual({ listed: 'listed the registry itself: mlflow-registry did not run on this server in this collection' });
  });

  it('judges the production versions', () => {
    const names = (id: string) => c.finding(id).exceptions.map((e: any) => e.resource);
    expect(c.finding('mlflow-lineage.datasets-recorded').status).toBe('pass');
    expect(c.finding('mlflow-lineage.git-commit-recorded').status).toBe('pass');
    expect(c.finding('mlflow-lineage.classification-tagged').status).toBe('fail');
    expect(names('mlflow-lineage.classification-tagged')).toEqual(['ranker/4']);
    expect(c.finding('mlflow-lineage.classification-tagged').criteria).toEqual(['C1.1', 'CC2.1', 'P4.1']);
  });
});

describe('registry and lineage over a registry of several pages', () => {
  const MODELS = 255;
  const VERSIONS = 40;
  let sb: MlflowSandbox;
  let seed: MlflowSeed;
  let c: Collected;
  let inScope: Set<string>;
  let runIds: Set<string>;

  beforeAll(async () => {
    seed = generateMlflowCompany({ models: MODELS, versionsPerModel: VERSIONS, productionShare: 0.6, seed: 7 });
    // what is in scope, worked out from the seed (not from the collectors' code)
    const aliases = new Map<string, string[]>();
    for (const m of seed.registeredModels) for (const a of m.aliases) aliases.set(`${m.name}/${a.version}`, [...(aliases.get(`${m.name}/${a.version}`) ?? []), a.alias]);
    inScope = new Set();
    runIds = new Set();
    for (const v of seed.modelVersions) {
      const id = `${v.name}/${v.version}`;
      const prod = v.current_stage === 'Production' || (aliases.get(id) ?? []).some((a) => a === 'champion' || a === 'production');
      if (!prod && v.current_stage !== 'Staging') continue;
      inScope.add(id);
      if (v.run_id) runIds.add(v.run_id);
    }
    // the collectors ask for 1,000 models and 50,000 versions a page; a server that answers fewer
    // (here 100 and 10,000, silently) must still be paged to the end
    sb = await startMlflowSandbox({ seed, pageClamp: { 'registered-models/search': 100, 'model-versions/search': 10_000 } });
    c = await collect(mlflowConfig(tmpDir('soc2-mlflow-pages-')), mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  it('pages through registered models and versions to the end', () => {
    expect(c.code, c.stderr).toBe(0);
    // 255 models at 100 per page: 3 pages per collector; 10,200 versions at 10,000: 2
    const prompts = (r: { query: Record<string, unknown> }) => String(r.query.filter ?? '').includes('mlflow.prompt.is_prompt');
    // listed once, by mlflow-registry: mlflow-lineage reads its artifacts of the same collection
    const rm = calls(sb.requests, 'registered-models/search').filter((r) => !prompts(r));
    expect(rm).toHaveLength(3);
    expect(new Set(rm.map((r) => r.query.max_results))).toEqual(new Set(['1000']));
    expect(rm.filter((r) => r.query.page_token)).toHaveLength(2);
    const mv = calls(sb.requests, 'model-versions/search').filter((r) => !prompts(r));
    expect(mv).toHaveLength(2);
    expect(mv.filter((r) => r.query.page_token)).toHaveLength(1);
    expect(c.provenance('mlflow-lineage/training-runs.ndjson').notes.versions.readFrom).toEqual(['artifacts/registry/mlflow-registry/models.ndjson', 'artifacts/registry/mlflow-registry/versions.ndjson']);
    const versions = c.ndjson('mlflow-registry/versions.ndjson');
    expect(versions).toHaveLength(MODELS * VERSIONS);
    expect(new Set(versions.map((v) => `${v.name}/${v.version}`)).size).toBe(MODELS * VERSIONS);
    expect(c.ndjson('mlflow-registry/models.ndjson')).toHaveLength(MODELS);
    expect(c.provenance('mlflow-registry/versions.ndjson').operations).toEqual([
      expect.objectContaining({ api: 'mlflow:SearchRegisteredModels', pages: 3 }),
      expect.objectContaining({ api: 'mlflow:SearchModelVersions', pages: 2 }),
    ]);
    // every alias of the seed is on its version
    const joined = versions.reduce((n, v) => n + v.aliases.length, 0);
    expect(joined).toBe(seed.registeredModels.reduce((n, m) => n + m.aliases.length, 0));
  });

  it('fetches lineage in ⌈runs/100⌉ runs/search calls, never one per version', () => {
    const rs = calls(sb.requests, 'runs/search');
    expect(runIds.size).toBeGreaterThan(200);
    expect(rs).toHaveLength(Math.ceil(runIds.size / 100));
    const asked = rs.flatMap((r) => idsOf(r.body));
    for (const r of rs) expect(idsOf(r.body).length).toBeLessThanOrEqual(100);
    expect(new Set(asked)).toEqual(runIds);
    expect(asked).toHaveLength(runIds.size);
    expect(calls(sb.requests, 'experiments/search')).toHaveLength(1);
    const lineage = c.ndjson('mlflow-lineage/training-runs.ndjson');
    expect(new Set(lineage.map((r) => `${r.model}/${r.version}`))).toEqual(inScope);
    expect(lineage.every((r) => r.run !== null)).toBe(true);
    expect(c.collector('mlflow-lineage').apiCalls).toBe(1 + Math.ceil(runIds.size / 100));
    // models, versions, the prompt listings (one page each), webhooks ×2, transition requests
    expect(c.collector('mlflow-registry').apiCalls).toBe(3 + 2 + 2 + 2 + 1);
  });
});
