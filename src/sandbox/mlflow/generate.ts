// Deterministic generator of MLflow companies of any size, for benchmarks (e.g. 500 models × 40
// versions). Same options → byte-identical seed. Large objects (dataset schema / profile) are
// shared between runs to keep memory modest.
import type {
  MlflowKeyValue,
  MlflowSeed,
  MlflowSeedDatasetInput,
  MlflowSeedExperiment,
  MlflowSeedModelVersion,
  MlflowSeedRegisteredModel,
  MlflowSeedRun,
  MlflowStage,
} from './types.js';

export interface GenerateMlflowCompanyOptions {
  models: number;
  versionsPerModel: number;
  /** Share (0..1) of models that currently have a production version (stage and/or alias). */
  productionShare: number;
  /** PRNG seed. Default 1. */
  seed?: number;
  /** Share of production versions carrying an approval tag (approved_by). Default 0.8. */
  approvalShare?: number;
  /** Share of approvals where the approver is the version's creator. Default 0.05. */
  selfApprovalShare?: number;
  /** Share of versions in FAILED_REGISTRATION. Default 0.01. */
  failedShare?: number;
  /** Runs behind each version (0 → versions without run_id). Default 1. */
  runsPerVersion?: 0 | 1;
  /** Models per experiment. Default 10. */
  modelsPerExperiment?: number;
  /** Share of runs with a mlflow.source.git.commit tag. Default 0.9. */
  gitCommitShare?: number;
  /** Share of runs with a data_classification tag. Default 0.3. */
  classificationShare?: number;
  /** Time of the first registration (ms). Default 2026-01-05T09:00:00Z. */
  startTime?: number;
  /** Time between two versions of a model (ms). Default 1 day. */
  versionIntervalMs?: number;
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const DOMAINS = ['fraud', 'churn', 'ranker', 'embeddings', 'pricing', 'forecast', 'ltv', 'search', 'recs', 'risk', 'ocr', 'asr'];
const USERS = ['alice@acme.ai', 'bob@acme.ai', 'carol@acme.ai', 'dave@acme.ai', 'erin@acme.ai', 'frank@acme.ai', 'grace@acme.ai', 'heidi@acme.ai'];
const APPROVERS = ['carol@acme.ai', 'ivan@acme.ai', 'judy@acme.ai'];
const CLASSIFICATIONS = ['internal', 'confidential', 'restricted', 'pii'];

const SCHEMA = {
  mlflow_colspec: [
    { type: 'double', name: 'amount', required: true },
    { type: 'string', name: 'country', required: true },
    { type: 'long', name: 'label', required: true },
  ],
};

export function generateMlflowCompany(opts: GenerateMlflowCompanyOptions): MlflowSeed {
  const rng = mulberry32(opts.seed ?? 1);
  const hex = (n: number): string => {
    let s = '';
    while (s.length < n) s += ((rng() * 0x100000000) >>> 0).toString(16).padStart(8, '0');
    return s.slice(0, n);
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rng() * list.length)]!;
  const approvalShare = opts.approvalShare ?? 0.8;
  const selfApprovalShare = opts.selfApprovalShare ?? 0.05;
  const failedShare = opts.failedShare ?? 0.01;
  const runsPerVersion = opts.runsPerVersion ?? 1;
  const perExperiment = Math.max(1, opts.modelsPerExperiment ?? 10);
  const gitShare = opts.gitCommitShare ?? 0.9;
  const classShare = opts.classificationShare ?? 0.3;
  const t0 = opts.startTime ?? Date.UTC(2026, 0, 5, 9, 0, 0);
  const step = opts.versionIntervalMs ?? 86_400_000;

  const experiments: MlflowSeedExperiment[] = [
    { experiment_id: '0', name: 'Default', artifact_location: 'mlflow-artifacts:/0', lifecycle_stage: 'active', creation_time: t0 - 86_400_000, last_update_time: t0 - 86_400_000 },
  ];
  const registeredModels: MlflowSeedRegisteredModel[] = [];
  const modelVersions: MlflowSeedModelVersion[] = [];
  const runs: MlflowSeedRun[] = [];
  const profile = { num_rows: 100000, num_elements: 300000 };

  for (let m = 0; m < opts.models; m++) {
    const domain = DOMAINS[m % DOMAINS.length]!;
    const name = `${domain}-model-${String(m).padStart(4, '0')}`;
    const expId = String(1 + Math.floor(m / perExperiment));
    if (m % perExperiment === 0) {
      experiments.push({
        experiment_id: expId,
        name: `team-${expId}`,
        artifact_location: `mlflow-artifacts:/${expId}`,
        lifecycle_stage: 'active',
        creation_time: t0 - 3_600_000 + Number(expId),
        last_update_time: t0 - 3_600_000 + Number(expId),
        tags: [{ key: 'team', value: `${domain}-ml` }],
      });
    }
    const workflow = pick(['stages', 'aliases', 'both'] as const);
    const isProd = rng() < opts.productionShare;
    const V = opts.versionsPerModel;
    const prodVersion = isProd ? Math.max(1, V - (rng() < 0.5 ? 1 : 0)) : 0;
    const modelCreated = t0 + m * 60_000;
    const aliases: { alias: string; version: string }[] = [];
    let lastUpdated = modelCreated;

    for (let v = 1; v <= V; v++) {
      const created = modelCreated + (v - 1) * step;
      const creator = pick(USERS);
      let stage: MlflowStage = 'None';
      if (workflow !== 'aliases') {
        if (v === prodVersion) stage = 'Production';
        else if (v < (prodVersion || V)) stage = 'Archived';
        else if (v === V && V > 1) stage = 'Staging';
      }
      const failed = rng() < failedShare && v !== prodVersion;
      const tags: MlflowKeyValue[] = [{ key: 'ticket', value: `CHG-${1000 + m * V + v}` }];
      if (v === prodVersion && rng() < approvalShare) {
        tags.push({ key: 'approved_by', value: rng() < selfApprovalShare ? creator : pick(APPROVERS) });
      }
      let runId: string | undefined;
      if (runsPerVersion > 0) {
        runId = hex(32);
        const runTags: MlflowKeyValue[] = [
          { key: 'mlflow.user', value: creator },
          { key: 'mlflow.source.name', value: `train_${domain}.py` },
          { key: 'mlflow.runName', value: `${name}-train-${v}` },
        ];
        if (rng() < gitShare) runTags.push({ key: 'mlflow.source.git.commit', value: hex(40) });
        if (rng() < classShare) runTags.push({ key: 'data_classification', value: pick(CLASSIFICATIONS) });
        const day = new Date(created).toISOString().slice(0, 10);
        const inputs: MlflowSeedDatasetInput[] = [
          {
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
            dataset: {
              name: `${domain}-train`,
              digest: hex(8),
              source_type: 's3',
              source: { uri: `s3://acme-data/${domain}/train/${day}.parquet` },
              schema: SCHEMA,
              profile,
            },
          },
          {
            tags: [{ key: 'mlflow.data.context', value: 'eval' }],
            dataset: {
              name: `${domain}-eval`,
              digest: hex(8),
              source_type: 's3',
              source: { uri: `s3://acme-data/${domain}/eval/${day}.parquet` },
            },
          },
        ];
        runs.push({
          info: {
            run_id: runId,
            run_uuid: runId,
            experiment_id: expId,
            run_name: `${name}-train-${v}`,
            user_id: creator,
            status: 'FINISHED',
            start_time: created - 3_600_000,
            end_time: created - 600_000,
            artifact_uri: `mlflow-artifacts:/${expId}/${runId}/artifacts`,
            lifecycle_stage: 'active',
          },
          data: {
            metrics: [{ key: 'auc', value: Math.round((0.7 + rng() * 0.25) * 1e4) / 1e4, timestamp: created - 900_000, step: 0 }],
            params: [
              { key: 'learning_rate', value: String(Math.round(rng() * 1000) / 10000) },
              { key: 'max_depth', value: String(3 + Math.floor(rng() * 8)) },
            ],
            tags: runTags,
          },
          inputs: { dataset_inputs: inputs },
        });
      }
      const mv: MlflowSeedModelVersion = {
        name,
        version: String(v),
        creation_timestamp: created,
        last_updated_timestamp: created + (stage === 'None' ? 0 : 3_600_000),
        user_id: creator,
        current_stage: failed ? 'None' : stage,
        description: `${name} v${v}`,
        source: runId ? `runs:/${runId}/model` : `s3://acme-models/${name}/${v}`,
        status: failed ? 'FAILED_REGISTRATION' : 'READY',
        tags,
      };
      if (failed) mv.status_message = 'Failed to copy model artifacts: AccessDenied';
      if (runId) mv.run_id = runId;
      modelVersions.push(mv);
      lastUpdated = Math.max(lastUpdated, mv.last_updated_timestamp);
    }
    if (workflow !== 'stages' && V > 0) {
      if (prodVersion) aliases.push({ alias: 'champion', version: String(prodVersion) });
      if (prodVersion && rng() < 0.5) aliases.push({ alias: 'production', version: String(prodVersion) });
      if (V > 1 && V !== prodVersion) aliases.push({ alias: 'challenger', version: String(V) });
    }
    registeredModels.push({
      name,
      creation_timestamp: modelCreated,
      last_updated_timestamp: lastUpdated,
      description: `${domain} model #${m}`,
      tags: [{ key: 'owner', value: `${domain}-ml` }],
      aliases,
    });
  }
  return { experiments, registeredModels, modelVersions, runs };
}
