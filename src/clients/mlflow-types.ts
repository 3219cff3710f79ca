// Wire types of the MLflow REST API (prefix /api/2.0/mlflow/), as a 2.12 server answers them and
// as MLflow 3 / Databricks extend them. Protobuf JSON omits empty fields, so nearly everything is
// optional; identifiers the API always returns are required. Extra fields are kept (the client
// passes objects through untouched), so evidence records what the server said.

export interface MlflowTag {
  key: string;
  /** omitted when empty */
  value?: string;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface ModelVersion {
  name: string;
  /** a string on the wire, e.g. "2" */
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  /** often absent on servers without auth */
  user_id?: string;
  /** None | Staging | Production | Archived (deprecated since 2.9 in favour of aliases) */
  current_stage?: string;
  description?: string;
  source?: string;
  run_id?: string;
  status?: ModelVersionStatus | (string & {});
  status_message?: string;
  tags?: MlflowTag[];
  run_link?: string;
  /** only on model-versions/get and registered-models/alias, NOT in search results or latest_versions */
  aliases?: string[];
  /** MLflow 3 */
  model_id?: string;
  /** MLflow 3 */
  deployment_job_state?: Record<string, unknown>;
  [extra: string]: unknown;
}

export interface RegisteredModelAlias {
  alias: string;
  version: string;
}

export interface RegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  latest_versions?: ModelVersion[];
  tags?: MlflowTag[];
  /** the authoritative alias → version map */
  aliases?: RegisteredModelAlias[];
  [extra: string]: unknown;
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface RunInfo {
  run_id: string;
  /** deprecated duplicate of run_id */
  run_uuid?: string;
  experiment_id: string;
  run_name?: string;
  user_id?: string;
  status?: RunStatus | (string & {});
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  /** active | deleted */
  lifecycle_stage?: string;
  [extra: string]: unknown;
}

export interface Metric {
  key: string;
  /** protobuf JSON writes NaN / Infinity as strings */
  value: number | string;
  timestamp?: number;
  step?: number;
}

export interface Param {
  key: string;
  value?: string;
}

export interface RunData {
  metrics?: Metric[];
  params?: Param[];
  tags?: MlflowTag[];
}

export interface Dataset {
  name: string;
  digest: string;
  source_type?: string;
  /** a JSON-encoded STRING, e.g. "{\"uri\": \"s3://bucket/train.parquet\"}" */
  source?: string;
  /** JSON-encoded string */
  schema?: string;
  /** JSON-encoded string */
  profile?: string;
}

export interface DatasetInput {
  /** `mlflow.data.context` says training / eval */
  tags?: MlflowTag[];
  dataset: Dataset;
}

export interface RunInputs {
  dataset_inputs?: DatasetInput[];
  /** MLflow 3: LoggedModels the run consumed. runs/get returns them; runs/search does NOT */
  model_inputs?: { model_id: string }[];
  [extra: string]: unknown;
}

export interface RunOutputs {
  /** MLflow 3: LoggedModels the run produced (runs/search and runs/get) */
  model_outputs?: { model_id: string; step?: number }[];
  [extra: string]: unknown;
}

export interface Run {
  info: RunInfo;
  data?: RunData;
  inputs?: RunInputs;
  /** MLflow 3 only: present (possibly {}) on every run a 3.x server returns */
  outputs?: RunOutputs;
  [extra: string]: unknown;
}

/** MLflow 3 LoggedModel (POST logged-models/search, GET logged-models/{model_id}). */
export interface LoggedModel {
  info: {
    model_id: string;
    experiment_id?: string;
    name?: string;
    creation_timestamp_ms?: number;
    last_updated_timestamp_ms?: number;
    artifact_uri?: string;
    /** LOGGED_MODEL_PENDING | LOGGED_MODEL_READY | LOGGED_MODEL_UPLOAD_FAILED */
    status?: string;
    status_message?: string;
    creator_id?: number | string;
    model_type?: string;
    /** absent for an external model (mlflow.create_external_model) */
    source_run_id?: string;
    tags?: MlflowTag[];
    registrations?: { name?: string; version?: string }[];
    [extra: string]: unknown;
  };
  data?: {
    params?: Param[];
    /** each may name the dataset it was computed on */
    metrics?: (Metric & { dataset_name?: string; dataset_digest?: string; model_id?: string; run_id?: string })[];
  };
  [extra: string]: unknown;
}

/** A workspace of a multi-tenant server (GET workspaces; the ODH fork's --enable-workspaces). */
export interface Workspace {
  name: string;
  description?: string;
  [extra: string]: unknown;
}

export interface Experiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  /** active | deleted */
  lifecycle_stage?: string;
  last_update_time?: number;
  creation_time?: number;
  tags?: MlflowTag[];
  [extra: string]: unknown;
}

/** Open-source MLflow ≥3.3 webhook (GET /api/2.0/mlflow/webhooks). The secret is never returned. */
export interface OssWebhook {
  webhook_id: string;
  /** early MLflow 3 development builds named the identifier `id` */
  id?: string;
  name?: string;
  description?: string;
  url?: string;
  /** e.g. {entity: "MODEL_VERSION_ALIAS", action: "CREATED"} */
  events?: Array<{ entity?: string; action?: string }>;
  /** ACTIVE | DISABLED */
  status?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  [extra: string]: unknown;
}

/** Databricks workspace registry webhook (GET /api/2.0/mlflow/registry-webhooks/list). */
export interface DatabricksRegistryWebhook {
  id: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  /** e.g. MODEL_VERSION_TRANSITIONED_STAGE, TRANSITION_REQUEST_CREATED */
  events?: string[];
  /** absent for registry-wide webhooks */
  model_name?: string;
  /** ACTIVE | TEST_MODE | DISABLED */
  status?: string;
  /** the list API returns the spec without its secret / authorization */
  http_url_spec?: { url?: string; enable_ssl_verification?: boolean; [extra: string]: unknown };
  job_spec?: { job_id?: string; workspace_url?: string; [extra: string]: unknown };
  [extra: string]: unknown;
}

/** Databricks stage-transition request (GET /api/2.0/mlflow/transition-requests/list): open requests only. */
export interface TransitionRequest {
  id?: string;
  /** e.g. REQUESTED_TRANSITION, APPROVED_REQUEST, APPLIED_TRANSITION */
  activity_type?: string;
  from_stage?: string;
  to_stage?: string;
  user_id?: string;
  comment?: string;
  system_comment?: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  [extra: string]: unknown;
}
