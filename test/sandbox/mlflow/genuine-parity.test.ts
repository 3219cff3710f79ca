// Behaviours the genuine MLflow 2.22 / 3.6 servers showed (test/genuine-mlflow) that the sandbox did
// not have: it must be at least as strict, so a client that works here works there.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { addMlflow3, AGENT_RUN, LM } from '../../collectors/mlflow-registry/mlflow3.js';
import { getJson, postJson } from './helpers.js';

const A = '/api/2.0/mlflow';
const PROMPTS = encodeURIComponent("tags.`mlflow.prompt.is_prompt` = 'true'");

describe('sandbox parity with the genuine server', () => {
  let sb: MlflowSandbox;
  let auth: MlflowSandbox;
  let tenants: MlflowSandbox;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { loggedModels: true } });
    addMlflow3(sb.state);
    auth = await startMlflowSandbox({ seed: loadMlflowFixture(), auth: { basic: { username: 'partial', password: 'p' }, denied: { models: ['ranker'], experiments: ['3'] } } });
    tenants = await startMlflowSandbox({ seed: loadMlflowFixture(), workspaces: { 'team-a': { experiments: [], registeredModels: [{ name: 'a-model', creation_timestamp: 1, last_updated_timestamp: 1, tags: [], aliases: [] }], modelVersions: [], runs: [] } } });
  });
  afterAll(async () => {
    await Promise.all([sb?.close(), auth?.close(), tenants?.close()]);
  });

  it('refuses experiments/search without max_results, as the genuine handler does (no default page size)', async () => {
    const get = await getJson(`${sb.url}${A}/experiments/search`);
    expect(get).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer" } });
    expect((await postJson(`${sb.url}${A}/experiments/search`, {})).status).toBe(400);
    expect((await getJson(`${sb.url}${A}/experiments/search?max_results=1000`)).status).toBe(200);
  });

  it('hides prompts from the default registry searches and lists them with the prompt filter', async () => {
    const models = await getJson(`${sb.url}${A}/registered-models/search?max_results=100`);
    expect(models.json.registered_models.map((m: any) => m.name)).not.toContain('support-prompt');
    const versions = await getJson(`${sb.url}${A}/model-versions/search`);
    expect(versions.json.model_versions.map((v: any) => v.name)).not.toContain('support-prompt');
    const prompts = await getJson(`${sb.url}${A}/registered-models/search?max_results=100&filter=${PROMPTS}`);
    expect(prompts.json.registered_models.map((m: any) => [m.name, m.aliases])).toEqual([['support-prompt', [{ alias: 'production', version: '2' }]]]);
    const pv = await getJson(`${sb.url}${A}/model-versions/search?filter=${PROMPTS}`);
    expect(pv.json.model_versions.map((v: any) => v.version).sort()).toEqual(['1', '2']);
  });

  it('serves LoggedModels: search by model_id IN, never a deleted one; get answers 404 JSON for a deleted one', async () => {
    const found = await postJson(`${sb.url}${A}/logged-models/search`, { experiment_ids: ['0', '1'], filter: `model_id IN ('${LM.agent}','${LM.retired}')` });
    expect(found.json.models.map((m: any) => m.info.model_id)).toEqual([LM.agent]);
    expect(found.json.models[0].data.metrics[0]).toMatchObject({ dataset_name: 'fraud-eval', model_id: LM.agent });
    expect(await postJson(`${sb.url}${A}/logged-models/search`, {})).toMatchObject({ status: 400, json: { message: expect.stringContaining("'experiment_ids'") } });
    expect(await getJson(`${sb.url}${A}/logged-models/${LM.retired}`)).toMatchObject({ status: 404, json: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: `Logged model with ID '${LM.retired}' not found.` } });
    expect((await getJson(`${sb.url}${A}/logged-models/${LM.vendor}`)).json.model.info.name).toBe('vendor-classifier');
  });

  it('leaves the model inputs out of runs/search (MLflow 3.6) and returns them on runs/get, with outputs on both', async () => {
    const search = await postJson(`${sb.url}${A}/runs/search`, { experiment_ids: ['1'], filter: `attributes.run_id = '${AGENT_RUN}'` });
    expect(search.json.runs[0].inputs.model_inputs).toBeUndefined();
    expect(search.json.runs[0].outputs).toEqual({ model_outputs: [{ model_id: LM.agent, step: 0 }] });
    const get = await getJson(`${sb.url}${A}/runs/get?run_id=${AGENT_RUN}`);
    expect(get.json.run.inputs.model_inputs).toEqual([{ model_id: LM.vendor }]);
  });

  it('filters what a basic-auth identity may not read, and refuses the direct reads with a plain-text 403', async () => {
    const h = { Authorization: `Basic ${Buffer.from('partial:p').toString('base64')}` };
    const models = await getJson(`${auth.url}${A}/registered-models/search?max_results=100`, { headers: h });
    expect(models.json.registered_models.map((m: any) => m.name)).not.toContain('ranker');
    // the version listing is not filtered: versions of the unreadable model are listed
    const versions = await getJson(`${auth.url}${A}/model-versions/search`, { headers: h });
    expect(versions.json.model_versions.some((v: any) => v.name === 'ranker')).toBe(true);
    const get = await fetch(`${auth.url}${A}/registered-models/get?name=ranker`, { headers: h });
    expect([get.status, await get.text()]).toEqual([403, 'Permission denied']);
    const exps = await getJson(`${auth.url}${A}/experiments/search?max_results=100&view_type=ALL`, { headers: h });
    expect(exps.json.experiments.map((e: any) => e.experiment_id)).not.toContain('3');
    const runs = await postJson(`${auth.url}${A}/runs/search`, { experiment_ids: ['3'] }, h);
    expect(runs.json).toEqual({});
  });

  it('serves workspaces when multi-tenant: GET workspaces, the X-MLFLOW-WORKSPACE header, 404 for an unknown one', async () => {
    expect((await getJson(`${tenants.url}${A}/workspaces`)).json).toEqual({ workspaces: [{ name: 'default' }, { name: 'team-a' }] });
    const a = await getJson(`${tenants.url}${A}/registered-models/search?max_results=10`, { headers: { 'X-MLFLOW-WORKSPACE': 'team-a' } });
    expect(a.json.registered_models.map((m: any) => m.name)).toEqual(['a-model']);
    expect((await getJson(`${tenants.url}${A}/registered-models/search?max_results=10`, { headers: { 'X-MLFLOW-WORKSPACE': 'team-z' } })).status).toBe(404);
    expect((await fetch(`${sb.url}${A}/workspaces`)).status).toBe(404);
  });
});
