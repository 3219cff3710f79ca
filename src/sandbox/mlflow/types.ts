// Seed and wire types of the MLflow sandbox. Written from the MLflow REST protos and the
// responses captured from a real MLflow 2.12 server; shares nothing with src/clients.

export interface MlflowKeyValue {
  key: string;
  value: string;
}

export type MlflowStage = 'None' | 'Staging' | 'Production' | 'Archived';
export type MlflowModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
export type MlflowRunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type MlflowLifecycleStage = 'active' | 'deleted';

export interface MlflowSeedExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: MlflowLifecycleStage;
  creation_time: number;
  last_update_time: number;
  tags?: MlflowKeyValue[];
}

export interface MlflowSeedAlias {
  alias: string;
  version: string;
}

export interface MlflowSeedRegisteredModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  description?: string;
  tags: MlflowKeyValue[];
  aliases: MlflowSeedAlias[];
}

export interface MlflowSeedModelVersion {
  name: string;
  version: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** Absent on servers without auth (then omitted from the wire). */
  user_id?: string;
  current_stage: MlflowStage;
  description?: string;
  source: string;
  run_id?: string;
  /** Real servers send "" for versions registered through the REST API; that is the default. */
  run_link?: string;
  status: MlflowModelVersionStatus;
  status_message?: string;
  tags: MlflowKeyValue[];
}

export interface MlflowSeedMetric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
}

/** JSON value written as a JSON-encoded string on the wire (Python json.dumps spacing). */
export type MlflowJsonField = Record<string, unknown> | unknown[] | string;

export interface MlflowSeedDataset {
  name: string;
  digest: string;
  source_type: string;
  /** An object in the seed; a JSON-encoded string on the wire. A string is sent as is. */
  source: MlflowJsonField;
  schema?: MlflowJsonField;
  profile?: MlflowJsonField;
}

export interface MlflowSeedDatasetInput {
  tags: MlflowKeyValue[];
  dataset: MlflowSeedDataset;
}

export interface MlflowSeedRunInfo {
  run_id: string;
  run_uuid: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: MlflowRunStatus;
  start_time: number;
  /** Absent (or null) while a run is still RUNNING. */
  end_time?: number | null;
  artifact_uri: string;
  lifecycle_stage: MlflowLifecycleStage;
}

export interface MlflowSeedRun {
  info: MlflowSeedRunInfo;
  data: {
    metrics: MlflowSeedMetric[];
    params: MlflowKeyValue[];
    tags: MlflowKeyValue[];
  };
  inputs: {
    dataset_inputs: MlflowSeedDatasetInput[];
    /** MLflow 3: LoggedModels the run consumed. runs/get returns them, runs/search does not (as MLflow 3.6) */
    model_inputs?: { model_id: string }[];
  };
  /** MLflow 3: LoggedModels the run produced (served when features.loggedModels is on) */
  outputs?: { model_outputs: { model_id: string; step: number }[] };
}

export type MlflowLoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

/** MLflow 3 LoggedModel (POST logged-models/search, GET logged-models/{model_id}). */
export interface MlflowSeedLoggedModel {
  model_id: string;
  experiment_id: string;
  name: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  artifact_uri: string;
  status: MlflowLoggedModelStatus;
  model_type?: string;
  /** absent for an external model */
  source_run_id?: string;
  tags: MlflowKeyValue[];
  params: MlflowKeyValue[];
  metrics: (MlflowSeedMetric & { dataset_name?: string; dataset_digest?: string; run_id?: string })[];
  /** deleted models are never returned by search, and GET answers 404 */
  lifecycle_stage?: MlflowLifecycleStage;
}

export type MlflowWebhookEntity =
  | 'REGISTERED_MODEL'
  | 'MODEL_VERSION'
  | 'MODEL_VERSION_TAG'
  | 'MODEL_VERSION_ALIAS'
  | 'PROMPT'
  | 'PROMPT_VERSION'
  | 'PROMPT_TAG'
  | 'PROMPT_VERSION_TAG'
  | 'PROMPT_ALIAS';
export type MlflowWebhookAction = 'CREATED' | 'UPDATED' | 'DELETED' | 'SET';

/** Open-source MLflow >= 3.3 webhook (GET /api/2.0/mlflow/webhooks). The secret is never returned. */
export interface MlflowSeedWebhook {
  webhook_id: string;
  name: string;
  description?: string;
  url: string;
  events: { entity: MlflowWebhookEntity; action: MlflowWebhookAction }[];
  status: 'ACTIVE' | 'DISABLED';
  creation_timestamp: number;
  last_updated_timestamp: number;
}

/** Databricks registry webhook (GET /api/2.0/mlflow/registry-webhooks/list). */
export interface MlflowSeedRegistryWebhook {
  id: string;
  events: string[];
  description?: string;
  status: 'ACTIVE' | 'TEST_MODE' | 'DISABLED';
  creation_timestamp: number;
  last_updated_timestamp: number;
  /** Absent for registry-wide webhooks. */
  model_name?: string;
  http_url_spec?: { url: string; enable_ssl_verification?: boolean };
}

export type MlflowActivityType =
  | 'APPLIED_TRANSITION'
  | 'APPROVED_REQUEST'
  | 'CANCELLED_REQUEST'
  | 'NEW_COMMENT'
  | 'REJECTED_REQUEST'
  | 'REQUESTED_TRANSITION'
  | 'SYSTEM_TRANSITION';

/** Databricks open transition request (GET /api/2.0/mlflow/transition-requests/list?name&version). */
export interface MlflowSeedTransitionRequest {
  /** Model name and version the request belongs to (not sent on the wire). */
  name: string;
  version: string;
  id?: string;
  activity_type: MlflowActivityType;
  from_stage: MlflowStage;
  to_stage: MlflowStage;
  user_id: string;
  comment?: string;
  creation_timestamp: number;
}

export interface MlflowSeed {
  experiments: MlflowSeedExperiment[];
  registeredModels: MlflowSeedRegisteredModel[];
  modelVersions: MlflowSeedModelVersion[];
  runs: MlflowSeedRun[];
  /** OSS webhooks, served when features.ossWebhooks is on. */
  webhooks?: MlflowSeedWebhook[];
  /** Databricks registry webhooks, served when features.databricks is on. */
  registryWebhooks?: MlflowSeedRegistryWebhook[];
  /** Databricks transition requests, served when features.databricks is on. */
  transitionRequests?: MlflowSeedTransitionRequest[];
  /** MLflow 3 LoggedModels, served when features.loggedModels is on. */
  loggedModels?: MlflowSeedLoggedModel[];
}

// ---- server options and recording ----

export interface MlflowSandboxAuth {
  basic?: { username: string; password: string };
  token?: string;
  /**
   * What the authenticated identity may not read, enforced as MLflow's basic-auth app does:
   * registered-models/search and experiments/search leave these out silently (model-versions/search
   * does NOT), runs/search drops the experiments (MLflow 3), the per-item reads answer 403.
   */
  denied?: { models?: string[]; experiments?: string[] };
}

export interface MlflowSandboxFeatures {
  /** Serve GET /api/2.0/mlflow/webhooks (MLflow >= 3.3). Default off: HTML 404 like MLflow 2.x. */
  ossWebhooks?: boolean;
  /** Serve the Databricks-only registry-webhooks/list and transition-requests/list. Default off. */
  databricks?: boolean;
  /**
   * MLflow 3: serve logged-models/search and logged-models/{id}, and runs with `outputs` (their
   * model_inputs only on runs/get). Default off: HTML 404 like MLflow 2.x.
   */
  loggedModels?: boolean;
}

export type MlflowFaultKind =
  | 'status429'
  | 'status500'
  | 'status503'
  | 'status401'
  | 'status403'
  | 'latency'
  | 'reset'
  | 'truncate'
  | 'malformed'
  | 'repeatToken';

export interface MlflowFaultSpec {
  /** Substring matched against the request target (path + query string). Absent: every request. */
  path?: string;
  kind: MlflowFaultKind;
  /** How many matching requests the fault hits. Default 1; Infinity for "until cleared". */
  times?: number;
  /** Delay for kind 'latency' (default 1000 ms). */
  ms?: number;
  /** Retry-After header value in seconds, for status429 / status503. */
  retryAfter?: number;
}

export interface MlflowRecordedRequest {
  method: string;
  /** URL path without the query string, e.g. /api/2.0/mlflow/registered-models/search */
  path: string;
  /** Query parameters; a repeated parameter becomes an array. */
  query: Record<string, string | string[]>;
  /** Parsed JSON body, the raw text when it is not JSON, undefined when empty. */
  body: unknown;
  /** Scheme of the Authorization header ('Basic', 'Bearer', ...), null when absent. Never the secret. */
  authScheme: string | null;
  /** HTTP status sent; 0 when the connection was reset without a response. */
  status: number;
  /** Time of arrival from the server's clock (`now`). */
  at: number;
  /** Fault applied to this request, if any. */
  fault?: MlflowFaultKind;
}
