// Both MLflow collectors against an MLflow 3 sandbox: prompts (hidden from the default searches) in
// their own artifact and in the promotion log, versions registered from LoggedModels (one external,
// one deleted), run model inputs and outputs.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { bundleText } from '../../helpers/collected.js';
import { assertReadOnly, collect, mlflowConfig, mlflowEnv, type Collected } from './helpers.js';
import { addMlflow3, AGENT_RUN, LM, PROMPT_CANARY } from './mlflow3.js';

const HOOK = 60_000;

describe('the MLflow collectors on an MLflow 3 registry', () => {
  let sb: MlflowSandbox;
  let first: Collected;
  let second: Collected;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { loggedModels: true, ossWebhooks: true } });
    addMlflow3(sb.state);
    const cfg = mlflowConfig(tmpDir('soc2-mlflow3-'));
    first = await collect(cfg, mlflowEnv(sb.url));
    sb.state.setAlias('support-prompt', 'production', 1); // a prompt rolled back, unapproved
    second = await collect(cfg, mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  const lineage = (model: string) => first.ndjson('mlflow-lineage/training-runs.ndjson').find((r) => r.model === model);

  it('keeps prompts in their own artifact, templates redacted, and out of the model inventory', () => {
    expect(first.code, first.stderr).toBe(0);
    const prompts = first.ndjson('mlflow-registry/prompts.ndjson');
    expect(prompts.map((p) => [p.name, p.version, p.aliases, p.production])).toEqual([
      ['support-prompt', '1', [], false],
      ['support-prompt', '2', ['production'], true],
    ]);
    expect(prompts[1].template).toBe('Use api_key=[REDACTED] to look up {{order}}');
    expect(prompts[1].tags).toEqual({});
    expect(first.ndjson('mlflow-registry/models.ndjson').map((m) => m.name)).not.toContain('support-prompt');
    expect(first.provenance('mlflow-registry/prompts.ndjson')).toMatchObject({ complete: true, notes: { prompts: 1, versions: 2, production: 1, redactions: { promptTemplates: 1 } } });
    expect(bundleText(first.bundle)).not.toContain(PROMPT_CANARY);
  });

  it('logs a prompt’s alias move like a model’s, marked as a prompt', () => {
    expect(second.code, second.stderr).toBe(0);
    const events = second.json('mlflow-registry/promotions.json').events;
    expect(events).toEqual([expect.objectContaining({ type: 'alias_moved', model: 'support-prompt', version: '1', alias: 'production', from: '2', to: '1', toProduction: true, entity: 'prompt' })]);
    expect(second.finding('mlflow-registry.promotions-approved').exceptions.map((e: any) => e.resource)).toEqual(['support-prompt/1']);
  });

  it('records the LoggedModel of each version and follows it to its source run', () => {
    const versions = first.ndjson('mlflow-registry/versions.ndjson');
    expect(versions.find((v) => v.name === 'fraud-agent')).toMatchObject({ model_id: LM.agent, run_id: AGENT_RUN, source: `models:/${LM.agent}` });
    const rec = lineage('fraud-agent');
    expect(rec.logged_model).toMatchObject({ model_id: LM.agent, name: 'fraud-agent', model_type: 'agent', status: 'LOGGED_MODEL_READY', source_run_id: AGENT_RUN, external: false, params: { db_password: '[REDACTED]', temperature: '0.2' } });
    expect(rec.logged_model.metrics).toEqual([{ key: 'accuracy', value: 0.93, dataset_name: 'fraud-eval', dataset_digest: '19748639' }]);
    expect(rec.run).toMatchObject({ run_id: AGENT_RUN, model_inputs: [LM.vendor], model_outputs: [LM.agent] });
    expect(bundleText(first.bundle)).not.toContain('lm-canary-Pw77');
  });

  it('traces a version of an external LoggedModel to it and takes its classification tag', () => {
    const rec = lineage('vendor-classifier');
    expect(rec).toMatchObject({ run: null, run_id: null, reason: expect.stringContaining(`external LoggedModel ${LM.vendor} (vendor-classifier)`), classification: { data_classification: { value: 'public', on: 'logged-model' } } });
    expect(first.finding('mlflow-registry.production-traceable').exceptions.map((e: any) => e.resource)).not.toContain('vendor-classifier/1');
    expect(first.finding('mlflow-lineage.classification-tagged').exceptions.map((e: any) => e.resource)).not.toContain('vendor-classifier/1');
  });

  it('flags a version whose LoggedModel was deleted (search leaves it out; get answers 404)', () => {
    expect(lineage('retired-agent')).toMatchObject({ model_id: LM.retired, logged_model: null, logged_model_deleted: true });
    const f = first.finding('mlflow-lineage.logged-models-present');
    expect(f).toMatchObject({ status: 'fail', exceptions: [{ resource: 'retired-agent/1', reason: expect.stringContaining('was deleted') }] });
  });

  it('asks for LoggedModels in one search and by id only for the one the search did not return', () => {
    expect(assertReadOnly(sb.requests)).toEqual([]);
    const search = sb.requests.filter((r) => r.path.endsWith('/logged-models/search'));
    expect(search).toHaveLength(2); // one per collection
    expect(String((search[0]!.body as any).filter)).toMatch(/^model_id IN \(/);
    const gets = sb.requests.filter((r) => /\/logged-models\/m-/.test(r.path));
    expect(gets.map((r) => [r.path.split('/').pop(), r.status])).toEqual([
      [LM.retired, 404],
      [LM.retired, 404],
    ]);
  });
});
