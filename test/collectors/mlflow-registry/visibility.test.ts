// What the MLflow collectors cannot see, and say: a basic-auth identity without READ on a model and
// an experiment (listings filtered silently, as MLflow's auth app does), a server that is down (one
// circuit per source: the first unreachable failure is every collector's gap, no more attempts),
// and a multi-tenant server (one target per workspace).
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox, type MlflowSeed } from '../../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { calls, collect, mlflowConfig, mlflowEnv, type Collected } from './helpers.js';

const HOOK = 60_000;
const RANKER_RUNS = ['38e6425e', '31cf97c4', 'f55d17b4', '3729fdf4', '778a337e', '8398b4ac'];

describe('a basic-auth identity without READ on one model and one experiment', () => {
  let sb: MlflowSandbox;
  let c: Collected;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), auth: { basic: { username: 'partial', password: 'pw-partial-1' }, denied: { models: ['ranker'], experiments: ['3'] } } });
    c = await collect(mlflowConfig(tmpDir('soc2-mlflow-hidden-'), { source: 'lineageScope: all' }), mlflowEnv(sb.url, { MLFLOW_TRACKING_USERNAME: 'partial', MLFLOW_TRACKING_PASSWORD: 'pw-partial-1' }));
  }, HOOK);
  afterAll(() => sb?.close());

  it('names the model whose versions are listed but which it cannot read, and marks the snapshot incomplete', () => {
    expect(c.code).toBe(3);
    expect(c.manifest.status).toBe('partial');
    expect(c.collector('mlflow-registry').gaps).toEqual([
      { api: 'mlflow:SearchRegisteredModels', code: 'PERMISSION_FILTERED', message: expect.stringContaining('ranker (6 versions; registered-models/get: PERMISSION_DENIED)') },
    ]);
    expect(calls(sb.requests, 'registered-models/get').map((r) => [r.query.name, r.status])).toEqual([['ranker', 403], ['ranker', 403]]);
    for (const f of ['mlflow-registry/models.ndjson', 'mlflow-registry/versions.ndjson']) expect(c.provenance(f).complete, f).toBe(false);
    const ranker = c.ndjson('mlflow-registry/versions.ndjson').filter((v) => v.name === 'ranker');
    expect(ranker).toHaveLength(6);
    expect(ranker.every((v) => v.aliases_unknown === true && v.aliases.length === 0)).toBe(true);
    expect(c.json('mlflow-registry/promotions.json')).toMatchObject({ events: [] });
    expect(c.provenance('mlflow-registry/promotions.json').complete).toBe(false);
  });

  it('names the training runs it cannot read (runs/search leaves them out, runs/get answers 403)', () => {
    const lin = c.collector('mlflow-lineage');
    expect(lin.status).toBe('error');
    const filtered = lin.gaps.find((g: any) => g.api === 'mlflow:SearchRuns');
    expect(filtered).toMatchObject({ code: 'PERMISSION_FILTERED', message: expect.stringContaining('not visible to this identity') });
    for (const prefix of RANKER_RUNS) expect(filtered.message).toContain(prefix);
    const rec = c.ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.model === 'ranker' && r.version === '4');
    expect(rec).toMatchObject({ run: null, reason: expect.stringContaining('may not read') });
    expect(c.provenance('mlflow-lineage/training-runs.ndjson').complete).toBe(false);
    for (const f of c.findings.filter((f: any) => f.collector === 'mlflow-lineage')) expect(f.status, f.check).toBe('error');
  });
});

describe('a server that is down', () => {
  let port: number;
  let c: Collected;
  beforeAll(async () => {
    // a port nobody listens on: connection refused
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    c = await collect(mlflowConfig(tmpDir('soc2-mlflow-down-')), mlflowEnv(`http://127.0.0.1:${port}`));
  }, HOOK);

  it('gives up after one call’s attempts and records that one gap for each collector, with no further attempt', () => {
    expect(c.code).toBe(3);
    for (const id of ['mlflow-registry', 'mlflow-lineage']) {
      const e = c.collector(id);
      expect(e, id).toMatchObject({ status: 'error', apiCalls: 0 });
      expect(e.gaps, id).toEqual([{ api: 'mlflow:ListWorkspaces', code: 'NETWORK_ERROR', message: expect.stringMatching(/ECONNREFUSED.*gave up after 4 attempts/) }]);
    }
  });
});

describe('a multi-tenant server', () => {
  let sb: MlflowSandbox;
  let c: Collected;
  const small = (name: string): MlflowSeed => ({ experiments: [], registeredModels: [{ name, creation_timestamp: 1, last_updated_timestamp: 1, tags: [], aliases: [{ alias: 'champion', version: '1' }] }], modelVersions: [{ name, version: '1', creation_timestamp: 1, last_updated_timestamp: 1, current_stage: 'None', source: `s3://m/${name}`, status: 'READY', tags: [] }], runs: [] });
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), workspaces: { 'team-a': small('a-scorer'), 'team-b': small('b-scorer') } });
    c = await collect(mlflowConfig(tmpDir('soc2-mlflow-ws-')), mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  it('collects every workspace as its own target, each sending its X-MLFLOW-WORKSPACE', () => {
    expect(c.code, c.stderr).toBe(0);
    expect(c.manifest.collectors.map((e: any) => `${e.id} ${e.scope.workspace}`).sort()).toEqual(['mlflow-lineage default', 'mlflow-lineage team-a', 'mlflow-lineage team-b', 'mlflow-registry default', 'mlflow-registry team-a', 'mlflow-registry team-b']);
    expect(c.ndjson('mlflow-registry/team-a/models.ndjson').map((m) => m.name)).toEqual(['a-scorer']);
    expect(c.ndjson('mlflow-registry/default/models.ndjson').map((m) => m.name)).toEqual(['churn-model', 'embeddings', 'fraud-detector', 'ranker']);
    expect(c.provenance('mlflow-registry/team-b/models.ndjson').notes.workspace).toMatchObject({ name: 'team-b', onServer: ['default', 'team-a', 'team-b'] });
  });
});
