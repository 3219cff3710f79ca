// One line of mlflow.lineage.training-runs: a model version in scope, the LoggedModel it was
// registered from (MLflow 3) and the training run behind it, reduced to what an auditor needs
// (datasets, code version, who, params, metrics, model inputs and outputs, linked prompts,
// classification), with credentials redacted.
import type { Run } from '../../src/clients/mlflow.js';
import type { Redactor } from '../_shared/redact.js';
import { linkedPrompts, LINKED_PROMPTS_TAG, type LoggedModelLineage } from './logged-models.js';

export const TAG = {
  user: 'mlflow.user',
  sourceName: 'mlflow.source.name',
  sourceType: 'mlflow.source.type',
  gitCommit: 'mlflow.source.git.commit',
  gitRepo: 'mlflow.source.git.repoURL',
  gitBranch: 'mlflow.source.git.branch',
  context: 'mlflow.data.context',
} as const;

/** dataset input contexts that mean "trained on this" */
export const TRAINING_CONTEXTS = ['training', 'train'];
/** metrics kept per run (latest values, sorted by key); the rest are counted */
export const MAX_METRICS = 200;

export interface DatasetLineage {
  name: string;
  digest: string | null;
  source_type: string | null;
  /** parsed from the JSON string MLflow sends; the raw (redacted) string when it is not JSON */
  source: unknown;
  source_unparsed?: true;
  /** the input tag mlflow.data.context (training / eval / …), null when absent */
  context: string | null;
}

export interface RunLineage {
  run_id: string;
  experiment_id: string;
  run_name: string | null;
  status: string | null;
  /** active | deleted */
  lifecycle_stage: string | null;
  user: string | null;
  start_time: number | null;
  end_time: number | null;
  source_name: string | null;
  source_type: string | null;
  git_commit: string | null;
  git_repo: string | null;
  git_branch: string | null;
  datasets: DatasetLineage[];
  params: Record<string, string>;
  metrics: Record<string, number | string>;
  metrics_truncated?: number;
  /** MLflow 3: LoggedModels the run consumed (from runs/get: runs/search does not return them); null when unknown */
  model_inputs?: string[] | null;
  /** MLflow 3: LoggedModels the run produced */
  model_outputs?: string[];
  /** prompts linked to the run (tag mlflow.linkedPrompts) */
  linked_prompts: { name: string; version: string }[];
}

export type ClassificationOrigin = 'run' | 'logged-model' | 'model-version' | 'registered-model';

export interface LineageRecord {
  model: string;
  version: string;
  current_stage: string | null;
  aliases: string[];
  /** stage Production or an alias in productionAliases */
  production: boolean;
  staging: boolean;
  version_user_id: string | null;
  version_status: string | null;
  /** the version's run_id, else its LoggedModel's source run */
  run_id: string | null;
  run: RunLineage | null;
  /** why run is null */
  reason?: string;
  /** the LoggedModel the version was registered from (MLflow 3), null when none */
  model_id: string | null;
  logged_model: LoggedModelLineage | null;
  /** the version's LoggedModel no longer exists (deleted) */
  logged_model_deleted?: true;
  /** why logged_model is null although model_id is set (other than deletion) */
  logged_model_reason?: string;
  /** the configured approval tags on the version (for the separation-of-duties check against the run's user) */
  approval_tags: Record<string, string>;
  /** each configured classification tag found, with where it was found (run, LoggedModel, version, then model) */
  classification: Record<string, { value: string; on: ClassificationOrigin }>;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function tagMap(list: { key: string; value?: string }[] | undefined): Map<string, string> {
  const m = new Map<string, string>();
  for (const t of list ?? []) m.set(t.key, t.value ?? '');
  return m;
}

export function toRunLineage(run: Run, r: Redactor): RunLineage {
  const tags = tagMap(run.data?.tags);
  const tag = (k: string) => str(r.keyed(k, tags.get(k) ?? '', 'tags'));
  const datasets: DatasetLineage[] = (run.inputs?.dataset_inputs ?? []).map((di) => {
    const d = di.dataset;
    let source: unknown = null;
    let unparsed = false;
    if (typeof d.source === 'string' && d.source !== '') {
      try {
        source = JSON.parse(d.source) as unknown;
      } catch {
        source = d.source;
        unparsed = true;
      }
    }
    return {
      name: r.value(d.name, 'datasetNames'),
      digest: str(d.digest),
      source_type: str(d.source_type),
      source: r.json(source, 'datasetSources'),
      ...(unparsed ? { source_unparsed: true as const } : {}),
      context: str(tagMap(di.tags).get(TAG.context)),
    };
  });
  const params: Record<string, string> = {};
  for (const p of run.data?.params ?? []) params[p.key] = r.keyed(p.key, p.value ?? '', 'params');
  const all = [...(run.data?.metrics ?? [])].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const metrics: Record<string, number | string> = {};
  for (const m of all.slice(0, MAX_METRICS)) metrics[m.key] = m.value;
  const info = run.info;
  // MLflow 3 runs carry `outputs` (possibly {}); MLflow 2 runs have no model inputs or outputs at all
  const v3 = run.outputs !== undefined;
  return {
    run_id: info.run_id ?? info.run_uuid ?? '',
    experiment_id: info.experiment_id,
    run_name: str(r.value(info.run_name, 'runNames')),
    status: str(info.status),
    lifecycle_stage: str(info.lifecycle_stage),
    user: tag(TAG.user) ?? str(info.user_id),
    start_time: num(info.start_time),
    end_time: num(info.end_time),
    source_name: tag(TAG.sourceName),
    source_type: tag(TAG.sourceType),
    git_commit: tag(TAG.gitCommit),
    git_repo: tag(TAG.gitRepo),
    git_branch: tag(TAG.gitBranch),
    datasets,
    params,
    metrics,
    ...(all.length > MAX_METRICS ? { metrics_truncated: all.length - MAX_METRICS } : {}),
    ...(v3 ? { model_inputs: run.inputs?.model_inputs ? run.inputs.model_inputs.map((m) => m.model_id) : null, model_outputs: (run.outputs?.model_outputs ?? []).map((m) => m.model_id) } : {}),
    linked_prompts: linkedPrompts(tags.get(LINKED_PROMPTS_TAG)),
  };
}

export function isTrainingDataset(d: DatasetLineage): boolean {
  return d.context !== null && TRAINING_CONTEXTS.includes(d.context.toLowerCase());
}
