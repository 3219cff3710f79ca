// What an MLflow 3 registry adds to the small company, made through the sandbox's mutators the way
// the genuine client makes it: a prompt with a production alias, versions registered from LoggedModels
// (one with a source run, one external, one whose LoggedModel is then deleted), and a run that
// produced one LoggedModel and consumed another.
import type { MlflowSeedLoggedModel, MlflowState } from '../../../src/sandbox/mlflow/index.js';

export const LM = {
  agent: 'm-0a1b2c3d4e5f60718293a4b5c6d7e8f9',
  vendor: 'm-1111aaaa2222bbbb3333cccc4444dddd',
  retired: 'm-9999eeee8888ffff7777aaaa6666bbbb',
} as const;
/** the small company's fraud-train-1006 run (trained fraud-detector 3) */
export const AGENT_RUN = 'c3b6b3546a930802d17c51beb503cf40';
export const PROMPT_CANARY = 'CanaryPromptKey000';

const lm = (o: Partial<MlflowSeedLoggedModel> & Pick<MlflowSeedLoggedModel, 'model_id' | 'name'>): MlflowSeedLoggedModel => ({
  experiment_id: '1',
  creation_timestamp_ms: 1794000000000,
  last_updated_timestamp_ms: 1794000000000,
  artifact_uri: `mlflow-artifacts:/1/models/${o.model_id}/artifacts`,
  status: 'LOGGED_MODEL_READY',
  tags: [],
  params: [],
  metrics: [],
  ...o,
});

export function addMlflow3(state: MlflowState): void {
  state.addLoggedModel(
    lm({
      model_id: LM.agent,
      name: 'fraud-agent',
      model_type: 'agent',
      source_run_id: AGENT_RUN,
      tags: [{ key: 'data_classification', value: 'pii' }],
      params: [{ key: 'db_password', value: 'lm-canary-Pw77' }, { key: 'temperature', value: '0.2' }],
      metrics: [{ key: 'accuracy', value: 0.93, timestamp: 1794000000000, step: 0, dataset_name: 'fraud-eval', dataset_digest: '19748639', run_id: AGENT_RUN }],
    }),
  );
  state.addLoggedModel(lm({ model_id: LM.vendor, name: 'vendor-classifier', model_type: 'classifier', tags: [{ key: 'mlflow.model.isExternal', value: 'true' }, { key: 'data_classification', value: 'public' }] }));
  state.addLoggedModel(lm({ model_id: LM.retired, name: 'retired-agent', source_run_id: AGENT_RUN }));
  const run = state.runs.get(AGENT_RUN)!;
  run.outputs = { model_outputs: [{ model_id: LM.agent, step: 0 }] };
  run.inputs.model_inputs = [{ model_id: LM.vendor }];

  for (const [name, id, runId] of [
    ['fraud-agent', LM.agent, AGENT_RUN],
    ['vendor-classifier', LM.vendor, undefined],
    ['retired-agent', LM.retired, AGENT_RUN],
  ] as const) {
    state.addRegisteredModel({ name });
    state.addModelVersion(name, { source: `models:/${id}`, ...(runId ? { run_id: runId } : {}), user_id: 'bob@acme.ai' });
    state.setAlias(name, 'champion', 1);
  }
  state.setModelVersionTag('fraud-agent', 1, 'approved_by', 'carol@acme.ai');
  state.deleteLoggedModel(LM.retired);

  // a prompt: a registered model and versions tagged as prompts, the template in a version tag
  state.addRegisteredModel({ name: 'support-prompt', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
  for (const text of ['Answer: {{question}}', `Use api_key=${PROMPT_CANARY} to look up {{order}}`]) {
    state.addModelVersion('support-prompt', { source: 'dummy-source', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }, { key: 'mlflow.prompt.text', value: text }] });
  }
  state.setAlias('support-prompt', 'production', 2);
}
