import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTML_404, loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { getJson, keyPaths, postJson, ref } from './helpers.js';

const A = '/api/2.0/mlflow';

describe('MLflow sandbox on the small-company fixture', () => {
  let sb: MlflowSandbox;
  let api: string;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture('small-company') });
    api = sb.url + A;
  });
  afterAll(() => sb.close());

  it('lists the four registered models with latest_versions and aliases', async () => {
    const r = await getJson(`${api}/registered-models/search`);
    expect(r.status).toBe(200);
    expect(r.json.registered_models.map((m: any) => m.name)).toEqual(['churn-model', 'embeddings', 'fraud-detector', 'ranker']);
    expect('next_page_token' in r.json).toBe(false);
    const fraud = r.json.registered_models.find((m: any) => m.name === 'fraud-detector');
    // latest per stage, in the order each stage is first met walking versions upwards
    expect(fraud.latest_versions.map((v: any) => [v.version, v.current_stage])).toEqual([
      ['2', 'Archived'],
      ['3', 'Production'],
      ['4', 'Staging'],
      ['5', 'None'],
    ]);
    expect(fraud.aliases).toEqual([
      { alias: 'challenger', version: '4' },
      { alias: 'champion', version: '3' },
      { alias: 'production', version: '3' },
    ]);
    for (const m of r.json.registered_models) for (const v of m.latest_versions) expect(v.aliases).toBeUndefined();
    const ranker = r.json.registered_models.find((m: any) => m.name === 'ranker');
    expect('description' in ranker).toBe(false);
  });

  it('emits only keys the real server emits (key sets vs the captured files)', async () => {
    const mvKeys = new Set([...keyPaths(ref('model-versions-get.json').model_version), 'user_id', 'status_message']);
    const search = await getJson(`${api}/model-versions/search`);
    for (const k of keyPaths(search.json.model_versions[0])) expect(mvKeys).toContain(k);
    for (const k of keyPaths(ref('model-versions-search-by-name.json'), '')) {
      if (!k.includes('tags') && !k.includes('description')) expect(keyPaths(search.json)).toContain(k);
    }
    const got = await getJson(`${api}/model-versions/get?name=fraud-detector&version=3`);
    const capturedGet = keyPaths(ref('model-versions-get.json'));
    for (const k of capturedGet) expect(keyPaths(got.json)).toContain(k);
    for (const k of keyPaths(got.json)) expect([...capturedGet, 'model_version.user_id']).toContain(k);

    const rm = await getJson(`${api}/registered-models/get?name=fraud-detector`);
    const rmRef = new Set([...keyPaths(ref('registered-models-get.json')), 'registered_model.latest_versions[].user_id', 'registered_model.latest_versions[].status_message']);
    for (const k of keyPaths(rm.json)) expect(rmRef).toContain(k);

    const run = await getJson(`${api}/runs/get?run_id=${sb.state.getVersion('fraud-detector', 3)!.run_id}`);
    for (const k of keyPaths(run.json)) expect(keyPaths(ref('runs-get.json'))).toContain(k);
    for (const k of keyPaths(ref('runs-get.json'))) expect(keyPaths(run.json)).toContain(k);
  });

  it('search omits aliases, get and alias lookup include them', async () => {
    const s = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent("name='fraud-detector'")}`);
    expect(s.json.model_versions).toHaveLength(5);
    for (const v of s.json.model_versions) expect(v.aliases).toBeUndefined();
    const g = await getJson(`${api}/model-versions/get?name=fraud-detector&version=3`);
    expect(g.json.model_version.aliases).toEqual(['champion', 'production']);
    const a = await getJson(`${api}/registered-models/alias?name=fraud-detector&alias=challenger`);
    expect(a.json.model_version.version).toBe('4');
    expect(a.json.model_version.aliases).toEqual(['challenger']);
  });

  it('omits empty fields: user_id absent without auth history, tags absent when empty, run_link ""', async () => {
    const g = await getJson(`${api}/model-versions/get?name=embeddings&version=1`);
    const mv = g.json.model_version;
    expect('user_id' in mv).toBe(false);
    expect('run_id' in mv).toBe(false);
    expect('tags' in mv).toBe(false);
    expect(mv.run_link).toBe('');
    expect(mv.source).toBe('s3://acme-models/embeddings/e5-base-v1/');
    const failed = await getJson(`${api}/model-versions/get?name=fraud-detector&version=5`);
    expect(failed.json.model_version.status).toBe('FAILED_REGISTRATION');
    expect(failed.json.model_version.status_message).toMatch(/AccessDenied/);
  });

  it('default model-version order is last_updated DESC, name ASC, version DESC', async () => {
    const s = await getJson(`${api}/model-versions/search`);
    const list = s.json.model_versions;
    expect(list).toHaveLength(18);
    for (let i = 1; i < list.length; i++) {
      const a = list[i - 1];
      const b = list[i];
      const ok = a.last_updated_timestamp > b.last_updated_timestamp || (a.last_updated_timestamp === b.last_updated_timestamp && (a.name < b.name || (a.name === b.name && Number(a.version) > Number(b.version))));
      expect(ok).toBe(true);
    }
  });

  it('pages registered models and versions until next_page_token is absent', async () => {
    const names: string[] = [];
    let token: string | undefined;
    let calls = 0;
    do {
      const q = new URLSearchParams({ max_results: '1' });
      if (token) q.set('page_token', token);
      const r = await getJson(`${api}/registered-models/search?${q}`);
      calls++;
      names.push(...r.json.registered_models.map((m: any) => m.name));
      token = r.json.next_page_token;
      if (token !== undefined) expect(token).not.toBe('');
    } while (token);
    expect(names).toEqual(['churn-model', 'embeddings', 'fraud-detector', 'ranker']);
    expect(calls).toBe(4); // no trailing empty page: registry searches fetch max_results + 1

    const versions: string[] = [];
    token = undefined;
    do {
      const q = new URLSearchParams({ max_results: '5', order_by: 'version_number ASC', filter: "name = 'ranker'" });
      if (token) q.set('page_token', token);
      const r = await getJson(`${api}/model-versions/search?${q}`);
      versions.push(...r.json.model_versions.map((v: any) => v.version));
      token = r.json.next_page_token;
    } while (token);
    expect(versions).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('runs/search: a full last page still carries a token, then an empty page {} (tracking-store quirk)', async () => {
    const body = { experiment_ids: ['3'], max_results: 5, run_view_type: 'ALL' };
    const p1 = await postJson(`${api}/runs/search`, body);
    expect(p1.json.runs).toHaveLength(5);
    const p2 = await postJson(`${api}/runs/search`, { ...body, page_token: p1.json.next_page_token });
    expect(p2.json.runs).toHaveLength(1);
    expect(p2.json.next_page_token).toBeUndefined();
    const q1 = await postJson(`${api}/runs/search`, { experiment_ids: ['3'], max_results: 5 }); // deleted run excluded
    expect(q1.json.runs).toHaveLength(5);
    expect(q1.json.next_page_token).toBeDefined();
    const q2 = await postJson(`${api}/runs/search`, { experiment_ids: ['3'], max_results: 5, page_token: q1.json.next_page_token });
    expect(q2.status).toBe(200);
    expect(q2.json).toEqual({});
  });

  it('runs/search filters by attributes.run_id IN / = and sends datasets as JSON strings', async () => {
    const ids = [sb.state.getVersion('fraud-detector', 3)!.run_id!, sb.state.getVersion('embeddings', 2)!.run_id!];
    const r = await postJson(`${api}/runs/search`, {
      experiment_ids: ['1', '2', '3', '4'],
      filter: `attributes.run_id IN ('${ids[0]}', '${ids[1]}')`,
    });
    expect(r.json.runs.map((x: any) => x.info.run_id).sort()).toEqual([...ids].sort());
    const one = await postJson(`${api}/runs/search`, { experiment_ids: ['1'], filter: `attributes.run_id = '${ids[0]}'` });
    expect(one.json.runs).toHaveLength(1);
    const ds = one.json.runs[0].inputs.dataset_inputs;
    expect(ds.map((d: any) => d.tags[0].value)).toEqual(['training', 'eval']);
    expect(typeof ds[0].dataset.source).toBe('string');
    expect(ds[0].dataset.source).toMatch(/^\{"uri": "s3:\/\//);
    expect(JSON.parse(ds[0].dataset.schema).mlflow_colspec).toHaveLength(3);
    expect(JSON.parse(ds[0].dataset.profile).num_rows).toBe(120000);
    const params = Object.fromEntries(one.json.runs[0].data.params.map((p: any) => [p.key, p.value]));
    expect(params.db_uri).toBe('postgresql://trainer:hunter2@db:5432/features');
  });

  it('runs/get answers deleted runs; runs/search ACTIVE_ONLY hides them; RUNNING runs have no end_time', async () => {
    const deleted = sb.state.getVersion('ranker', 1)!.run_id!;
    const g = await getJson(`${api}/runs/get?run_id=${deleted}`);
    expect(g.json.run.info.lifecycle_stage).toBe('deleted');
    const s = await postJson(`${api}/runs/search`, { experiment_ids: ['1'], filter: "attributes.status = 'RUNNING'" });
    expect(s.json.runs).toHaveLength(1);
    expect('end_time' in s.json.runs[0].info).toBe(false);
  });

  it('model-versions/search supports run_id IN, run_id =, tags and rejects stage filters', async () => {
    const ids = [sb.state.getVersion('churn-model', 3)!.run_id!, sb.state.getVersion('ranker', 4)!.run_id!];
    const inq = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent(`run_id IN ('${ids[0]}','${ids[1]}')`)}`);
    expect(inq.json.model_versions.map((v: any) => `${v.name}/${v.version}`).sort()).toEqual(['churn-model/3', 'ranker/4']);
    const eq = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent(`run_id = '${ids[0]}'`)}`);
    expect(eq.json.model_versions).toHaveLength(1);
    const tag = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent("tags.approved_by = 'carol@acme.ai'")}`);
    expect(tag.json.model_versions.length).toBe(5);
    const none = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent("name = 'nope'")}`);
    expect(none.json).toEqual({});
    for (const f of ["current_stage = 'Production'", "stage='Production'"]) {
      const r = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent(f)}`);
      expect(r.status).toBe(400);
      expect(r.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.json.message).toMatch(/^Invalid attribute key '(current_stage|stage)' specified/);
    }
    const bad = await getJson(`${api}/model-versions/search?filter=${encodeURIComponent("name = 'x' OR name = 'y'")}`);
    expect(bad.status).toBe(400);
  });

  it('registered-models/search supports name = and LIKE filters', async () => {
    const eq = await getJson(`${api}/registered-models/search?filter=${encodeURIComponent("name = 'ranker'")}`);
    expect(eq.json.registered_models.map((m: any) => m.name)).toEqual(['ranker']);
    const like = await getJson(`${api}/registered-models/search?filter=${encodeURIComponent("name LIKE '%e%'")}`);
    expect(like.json.registered_models.map((m: any) => m.name)).toEqual(['churn-model', 'embeddings', 'fraud-detector', 'ranker']);
    const like2 = await getJson(`${api}/registered-models/search?filter=${encodeURIComponent("name LIKE '%DETECT%'")}`);
    expect(like2.json).toEqual({}); // LIKE is case-sensitive
    const ilike = await getJson(`${api}/registered-models/search?filter=${encodeURIComponent("name ILIKE '%DETECT%'")}`);
    expect(ilike.json.registered_models).toHaveLength(1);
  });

  it('max_results above the limit answers 400 INVALID_PARAMETER_VALUE on every search', async () => {
    const a = await getJson(`${api}/registered-models/search?max_results=1001`);
    expect(a.status).toBe(400);
    expect(a.json.message).toBe("Invalid value 1001 for parameter 'max_results' supplied. Hint: Value was of type 'str'. See the API docs for more information about request parameters.");
    expect((await getJson(`${api}/registered-models/search?max_results=1000`)).status).toBe(200);
    expect((await getJson(`${api}/model-versions/search?max_results=200001`)).status).toBe(400);
    expect((await getJson(`${api}/model-versions/search?max_results=200000`)).status).toBe(200);
    const r = await postJson(`${api}/runs/search`, { experiment_ids: ['1'], max_results: 50001 });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/Value was of type 'int'/);
    expect((await postJson(`${api}/runs/search`, { experiment_ids: ['1'], max_results: 50000 })).status).toBe(200);
  });

  it('bad page tokens answer 400', async () => {
    const r = await getJson(`${api}/registered-models/search?page_token=evilhax`);
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid page token, could not base64-decode' });
  });

  it('unknown routes, disabled features and GET runs/search answer HTML, not JSON', async () => {
    for (const p of ['/api/2.0/mlflow/registered-models/history', '/api/2.0/mlflow/webhooks', '/api/2.0/mlflow/registry-webhooks/list', '/nope', '/api/2.0/mlflow/transition-requests/list?name=ranker&version=4']) {
      const res = await fetch(sb.url + p);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await res.text()).toBe(HTML_404);
    }
    const res = await fetch(`${api}/runs/search`);
    expect(res.status).toBe(405);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(res.headers.get('allow')).toContain('POST');
    expect(await res.text()).toMatch(/405 Method Not Allowed/);
  });

  it('refuses write APIs with 403 and records them', async () => {
    const before = sb.requests.length;
    const r = await postJson(`${api}/registered-models/alias`, { name: 'ranker', alias: 'x', version: '1' });
    expect(r.status).toBe(403);
    expect(r.json.error_code).toBe('PERMISSION_DENIED');
    expect(sb.state.getModel('ranker')!.aliases.has('x')).toBe(false);
    const rec = sb.requests.slice(before);
    expect(rec).toHaveLength(1);
    expect(rec[0]).toMatchObject({ method: 'POST', path: '/api/2.0/mlflow/registered-models/alias', status: 403, body: { name: 'ranker', alias: 'x', version: '1' } });
  });

  it('answers missing aliases, versions, runs and parameters like MLflow', async () => {
    const alias = await getJson(`${api}/registered-models/alias?name=ranker&alias=champion`);
    expect(alias.status).toBe(400);
    expect(alias.json).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Registered model alias champion not found.' });
    expect((await getJson(`${api}/model-versions/get?name=ranker&version=7`)).status).toBe(404);
    expect((await getJson(`${api}/model-versions/get?name=ranker`)).json.message).toMatch(/'version'/);
    expect((await getJson(`${api}/runs/get`)).status).toBe(400);
    expect((await getJson(`${api}/experiments/get?experiment_id=99`)).json.error_code).toBe('RESOURCE_DOES_NOT_EXIST');
  });

  it('records method, path, query, body, auth scheme, status and time', async () => {
    sb.requests.length = 0;
    await getJson(`${api}/model-versions/search?filter=${encodeURIComponent("name='ranker'")}&order_by=a&order_by=b`);
    await postJson(`${api}/runs/search`, { experiment_ids: ['3'] });
    expect(sb.requests).toHaveLength(2);
    expect(sb.requests[0]).toMatchObject({ method: 'GET', path: '/api/2.0/mlflow/model-versions/search', query: { filter: "name='ranker'", order_by: ['a', 'b'] }, authScheme: null, status: 400 });
    expect(sb.requests[1]).toMatchObject({ method: 'POST', path: '/api/2.0/mlflow/runs/search', body: { experiment_ids: ['3'] }, status: 200 });
    expect(typeof sb.requests[1]!.at).toBe('number');
  });
});

describe('optional features', () => {
  let sb: MlflowSandbox;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { ossWebhooks: true, databricks: true } });
  });
  afterAll(() => sb.close());

  it('serves OSS webhooks in the MLflow 3.3 shape (no secret)', async () => {
    const r = await getJson(`${sb.url}${A}/webhooks`);
    expect(r.status).toBe(200);
    expect(r.json.webhooks).toHaveLength(2);
    const w = r.json.webhooks[0];
    expect(Object.keys(w).sort()).toEqual(['creation_timestamp', 'description', 'events', 'last_updated_timestamp', 'name', 'status', 'url', 'webhook_id']);
    expect(w.events[0]).toEqual({ entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' });
    const p = await getJson(`${sb.url}${A}/webhooks?max_results=1`);
    expect(p.json.webhooks).toHaveLength(1);
    const p2 = await getJson(`${sb.url}${A}/webhooks?max_results=1&page_token=${encodeURIComponent(p.json.next_page_token)}`);
    expect(p2.json.webhooks[0].name).toBe('slack-new-versions');
    expect(p2.json.next_page_token).toBeUndefined();
  });

  it('serves Databricks registry webhooks and transition requests', async () => {
    const w = await getJson(`${sb.url}${A}/registry-webhooks/list`);
    expect(w.json.webhooks.map((x: any) => x.status)).toEqual(['ACTIVE', 'TEST_MODE']);
    expect(w.json.webhooks[0].http_url_spec.url).toMatch(/^https:/);
    const byModel = await getJson(`${sb.url}${A}/registry-webhooks/list?model_name=fraud-detector`);
    expect(byModel.json.webhooks).toHaveLength(1);
    const t = await getJson(`${sb.url}${A}/transition-requests/list?name=fraud-detector&version=4`);
    expect(t.json.requests).toEqual([
      {
        id: '1001',
        activity_type: 'REQUESTED_TRANSITION',
        from_stage: 'Staging',
        to_stage: 'Production',
        user_id: 'alice@acme.ai',
        comment: 'AUC +1.2pt on Nov eval set, see CHG-140',
        creation_timestamp: Date.parse('2026-11-05T09:00:00Z'),
      },
    ]);
    expect((await getJson(`${sb.url}${A}/transition-requests/list?name=ranker&version=4`)).json).toEqual({});
    expect((await getJson(`${sb.url}${A}/transition-requests/list?name=ranker&version=40`)).status).toBe(404);
    expect((await getJson(`${sb.url}${A}/transition-requests/list?name=ranker`)).status).toBe(400);
  });

  it('features can be switched off at run time', async () => {
    sb.features.ossWebhooks = false;
    const res = await fetch(`${sb.url}${A}/webhooks`);
    expect(res.status).toBe(404);
    expect(await res.text()).toBe(HTML_404);
    sb.features.ossWebhooks = true;
  });
});
