import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MlflowState,
  generateMlflowCompany,
  loadMlflowFixture,
  startMlflowSandbox,
  type MlflowSandbox,
} from '../../../src/sandbox/mlflow/index.js';
import { getJson } from './helpers.js';

const A = '/api/2.0/mlflow';

describe('mutators (injectable clock), seen over HTTP', () => {
  let sb: MlflowSandbox;
  let clock = Date.parse('2026-12-01T09:00:00Z');
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), now: () => clock });
  });
  afterAll(() => sb.close());
  const get = (p: string): Promise<any> => getJson(sb.url + A + p).then((r) => r.json);

  it('setAlias / deleteAlias move aliases without touching timestamps (as MLflow)', async () => {
    const before = (await get('/registered-models/get?name=fraud-detector')).registered_model;
    sb.state.setAlias('fraud-detector', 'champion', '4');
    sb.state.deleteAlias('fraud-detector', 'production');
    const after = (await get('/registered-models/get?name=fraud-detector')).registered_model;
    expect(after.aliases).toEqual([
      { alias: 'challenger', version: '4' },
      { alias: 'champion', version: '4' },
    ]);
    expect(after.last_updated_timestamp).toBe(before.last_updated_timestamp);
    expect((await get('/model-versions/get?name=fraud-detector&version=4')).model_version.aliases).toEqual(['challenger', 'champion']);
    expect(() => sb.state.setAlias('fraud-detector', 'x', '99')).toThrow(/not found/);
  });

  it('transitionStage updates stage and timestamps, optionally archiving the previous holder', async () => {
    clock += 3_600_000;
    sb.state.transitionStage('fraud-detector', '4', 'production', { archiveExistingVersions: true });
    const v4 = (await get('/model-versions/get?name=fraud-detector&version=4')).model_version;
    expect(v4.current_stage).toBe('Production');
    expect(v4.last_updated_timestamp).toBe(clock);
    const v3 = (await get('/model-versions/get?name=fraud-detector&version=3')).model_version;
    expect(v3.current_stage).toBe('Archived');
    expect(v3.last_updated_timestamp).toBe(clock);
    const rm = (await get('/registered-models/get?name=fraud-detector')).registered_model;
    expect(rm.last_updated_timestamp).toBe(clock);
    expect(rm.latest_versions.find((v: any) => v.current_stage === 'Production').version).toBe('4');
    expect(rm.latest_versions.find((v: any) => v.current_stage === 'Archived').version).toBe('3');
  });

  it('addModelVersion numbers after the highest ever, deleteModelVersion removes it and its aliases', async () => {
    clock += 1000;
    const mv = sb.state.addModelVersion('ranker', { source: 'runs:/abc/model', run_id: 'abc', user_id: 'erin@acme.ai', tags: [{ key: 'ticket', value: 'CHG-200' }] });
    expect(mv.version).toBe(7);
    const g = (await get('/model-versions/get?name=ranker&version=7')).model_version;
    expect(g).toMatchObject({ version: '7', current_stage: 'None', status: 'READY', creation_timestamp: clock, user_id: 'erin@acme.ai', run_link: '' });
    sb.state.setAlias('ranker', 'canary', 7);
    clock += 1000;
    sb.state.deleteModelVersion('ranker', 7);
    expect((await getJson(`${sb.url}${A}/model-versions/get?name=ranker&version=7`)).status).toBe(404);
    const rm = (await get('/registered-models/get?name=ranker')).registered_model;
    expect(rm.aliases.map((a: any) => a.alias)).not.toContain('canary');
    expect(rm.last_updated_timestamp).toBe(clock);
    expect(sb.state.addModelVersion('ranker', { source: 's3://x' }).version).toBe(8); // 7 is not reused
  });

  it('setModelVersionTag adds or overwrites a tag', async () => {
    sb.state.setModelVersionTag('ranker', '4', 'approved_by', 'carol@acme.ai');
    sb.state.setModelVersionTag('ranker', '4', 'ticket', 'CHG-999');
    const tags = (await get('/model-versions/get?name=ranker&version=4')).model_version.tags;
    expect(tags).toEqual([
      { key: 'ticket', value: 'CHG-999' },
      { key: 'approved_by', value: 'carol@acme.ai' },
    ]);
  });

  it('addRun makes a run visible to runs/get and runs/search', async () => {
    sb.state.addRun({
      info: { run_id: 'r'.repeat(32), run_uuid: 'r'.repeat(32), experiment_id: '2', run_name: 'new', user_id: 'dave@acme.ai', status: 'FINISHED', start_time: clock, end_time: clock + 10, artifact_uri: 'mlflow-artifacts:/2/r', lifecycle_stage: 'active' },
      data: { metrics: [], params: [], tags: [] },
      inputs: { dataset_inputs: [] },
    });
    const r = (await get(`/runs/get?run_id=${'r'.repeat(32)}`)).run;
    expect(r.data).toEqual({});
    expect(r.inputs).toEqual({});
    const s = await getJson(`${sb.url}${A}/runs/search`, { method: 'POST', body: JSON.stringify({ experiment_ids: ['2'], max_results: 1 }) });
    expect(s.json.runs[0].info.run_id).toBe('r'.repeat(32)); // newest start_time first
  });

  it('snapshot round-trips into a new state', () => {
    const snap = sb.state.snapshot();
    const again = new MlflowState(snap);
    expect(again.snapshot()).toEqual(snap);
  });
});

describe('generateMlflowCompany', () => {
  it('is deterministic and shaped as asked', () => {
    const a = generateMlflowCompany({ models: 20, versionsPerModel: 5, productionShare: 0.5, seed: 7 });
    const b = generateMlflowCompany({ models: 20, versionsPerModel: 5, productionShare: 0.5, seed: 7 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(a.registeredModels).toHaveLength(20);
    expect(a.modelVersions).toHaveLength(100);
    expect(a.runs).toHaveLength(100);
    const state = new MlflowState(a); // seed is internally consistent (aliases point at versions)
    expect(state.models.size).toBe(20);
    const c = generateMlflowCompany({ models: 20, versionsPerModel: 5, productionShare: 0.5, seed: 8 });
    expect(JSON.stringify(c)).not.toBe(JSON.stringify(a));
  });

  it('builds the 500 × 40 benchmark company and serves it', async () => {
    const seed = generateMlflowCompany({ models: 500, versionsPerModel: 40, productionShare: 0.6 });
    expect(seed.modelVersions).toHaveLength(20000);
    expect(seed.runs).toHaveLength(20000);
    const stageProd = new Set(seed.modelVersions.filter((v) => v.current_stage === 'Production').map((v) => v.name));
    const prod = seed.registeredModels.filter((m) => m.aliases.some((a) => a.alias === 'champion') || stageProd.has(m.name)).length;
    expect(prod / 500).toBeGreaterThan(0.5);
    expect(prod / 500).toBeLessThan(0.7);
    const sb = await startMlflowSandbox({ seed });
    try {
      const r = await getJson(`${sb.url}${A}/model-versions/search?max_results=100`);
      expect(r.json.model_versions).toHaveLength(100);
      expect(r.json.next_page_token).toBeDefined();
      const last = await getJson(`${sb.url}${A}/model-versions/search?max_results=100&page_token=${encodeURIComponent(Buffer.from('{"offset": 19900}').toString('base64'))}`);
      expect(last.json.model_versions).toHaveLength(100);
      expect(last.json.next_page_token).toBeUndefined();
      const rm = await getJson(`${sb.url}${A}/registered-models/search?max_results=1000`);
      expect(rm.json.registered_models).toHaveLength(500);
      expect(rm.json.next_page_token).toBeUndefined();
    } finally {
      await sb.close();
    }
  });
});
