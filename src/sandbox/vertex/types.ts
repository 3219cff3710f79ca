// Seed, fault and recording types of the Vertex AI sandbox. Plain data: a seed is JSON
// (fixtures/vertex/*.json) or the output of generateVertexCompany().
//
// Conventions of a seed:
// - ids are the last segment of a resource name; the server builds full names
//   (`projects/<project NUMBER>/locations/<location>/models/<id>`), as the real API does: responses
//   name the project by number even when the request used the project id.
// - `location` defaults to the first entry of `locations`.
// - times are RFC 3339 strings; on the wire they become google.protobuf.Timestamp.
// - `metadata` objects become google.protobuf.Struct / Value on the wire.

export type VertexModelSourceType =
  | 'MODEL_SOURCE_TYPE_UNSPECIFIED'
  | 'AUTOML'
  | 'CUSTOM'
  | 'BQML'
  | 'MODEL_GARDEN'
  | 'GENIE'
  | 'CUSTOM_TEXT_EMBEDDING'
  | 'MARKETPLACE';

export type VertexPipelineState =
  | 'PIPELINE_STATE_UNSPECIFIED'
  | 'PIPELINE_STATE_QUEUED'
  | 'PIPELINE_STATE_PENDING'
  | 'PIPELINE_STATE_RUNNING'
  | 'PIPELINE_STATE_SUCCEEDED'
  | 'PIPELINE_STATE_FAILED'
  | 'PIPELINE_STATE_CANCELLING'
  | 'PIPELINE_STATE_CANCELLED'
  | 'PIPELINE_STATE_PAUSED';

export type VertexArtifactState = 'STATE_UNSPECIFIED' | 'PENDING' | 'LIVE';
export type VertexExecutionState = 'STATE_UNSPECIFIED' | 'NEW' | 'RUNNING' | 'COMPLETE' | 'FAILED' | 'CACHED' | 'CANCELLED';
export type VertexEventType = 'TYPE_UNSPECIFIED' | 'INPUT' | 'OUTPUT';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface VertexSeedProject {
  /** Project id as users write it (acme-ml-prod). */
  id: string;
  /** Project number; response resource names use it. */
  number: string;
}

export interface VertexSeedModelVersion {
  /** "1", "2", … (Vertex numbers versions from 1). */
  versionId: string;
  /** Current aliases. Exactly one version of a model carries "default". */
  aliases: string[];
  description?: string;
  createTime: string;
  updateTime: string;
  /** Labels are per version in Vertex. */
  labels?: Record<string, string>;
  /** Id of a TrainingPipeline in the model's location that produced this version. */
  trainingPipelineId?: string;
  /** Id of the system.Model artifact in the location's `default` metadata store. */
  metadataArtifactId?: string;
  artifactUri?: string;
  containerImageUri?: string;
}

export interface VertexSeedModel {
  id: string;
  location?: string;
  displayName: string;
  description?: string;
  /** CMEK key name; absent or null: Google-managed encryption (no encryptionSpec on the wire). */
  kmsKeyName?: string | null;
  /** modelSourceInfo.sourceType; default CUSTOM. */
  sourceType?: VertexModelSourceType;
  createTime: string;
  versions: VertexSeedModelVersion[];
}

export interface VertexSeedDeployedModel {
  /** DeployedModel id (numeric string in the real API); the key of trafficSplit. */
  id: string;
  modelId: string;
  versionId: string;
  displayName: string;
  createTime: string;
  machineType?: string;
}

export interface VertexSeedLogging {
  enabled: boolean;
  samplingRate: number;
  /** bq://project.dataset.table */
  bigqueryOutputUri?: string;
}

export interface VertexSeedEndpoint {
  id: string;
  location?: string;
  displayName: string;
  description?: string;
  labels?: Record<string, string>;
  createTime: string;
  updateTime: string;
  kmsKeyName?: string | null;
  /** VPC peering network, `projects/<number>/global/networks/<name>`; absent: public endpoint. */
  network?: string | null;
  /** Private Service Connect; absent or null: not PSC. */
  privateServiceConnect?: { projectAllowlist: string[] } | null;
  /** predictRequestResponseLoggingConfig; absent or null: never configured. */
  logging?: VertexSeedLogging | null;
  deployedModels: VertexSeedDeployedModel[];
  /** deployed model id → percent (sums to 100 when anything is deployed). */
  trafficSplit: Record<string, number>;
}

export interface VertexSeedArtifact {
  id: string;
  location?: string;
  displayName?: string;
  /** system.Dataset, system.Model, system.Metrics, google.VertexDataset … */
  schemaTitle: string;
  schemaVersion?: string;
  uri?: string;
  state?: VertexArtifactState;
  labels?: Record<string, string>;
  metadata?: Record<string, JsonValue>;
  description?: string;
  createTime: string;
  updateTime: string;
}

export interface VertexSeedExecution {
  id: string;
  location?: string;
  displayName?: string;
  /** system.Run, system.ContainerExecution, system.CustomJobExecution … */
  schemaTitle: string;
  schemaVersion?: string;
  state?: VertexExecutionState;
  labels?: Record<string, string>;
  metadata?: Record<string, JsonValue>;
  description?: string;
  createTime: string;
  updateTime: string;
}

export interface VertexSeedEvent {
  /** Artifact and execution ids, both in the same location (the artifact's). */
  artifactId: string;
  executionId: string;
  /** INPUT: the artifact was consumed by the execution; OUTPUT: produced by it. */
  type: 'INPUT' | 'OUTPUT';
  eventTime: string;
  labels?: Record<string, string>;
}

export interface VertexSeedDataset {
  id: string;
  location?: string;
  displayName: string;
  description?: string;
  metadataSchemaUri: string;
  metadata?: JsonValue;
  dataItemCount?: number;
  labels?: Record<string, string>;
  createTime: string;
  updateTime: string;
  kmsKeyName?: string | null;
  /** Id of the dataset's artifact in the `default` metadata store. */
  metadataArtifactId?: string;
}

export interface VertexSeedTrainingPipeline {
  id: string;
  location?: string;
  displayName: string;
  /** inputDataConfig.datasetId; absent: the pipeline reads no managed Dataset (no inputDataConfig). */
  datasetId?: string;
  trainingTaskDefinition: string;
  trainingTaskInputs?: JsonValue;
  state?: VertexPipelineState;
  /** The model (and version) it uploaded. */
  modelId?: string;
  modelVersionId?: string;
  createTime: string;
  startTime?: string;
  endTime?: string;
  updateTime: string;
  labels?: Record<string, string>;
  kmsKeyName?: string | null;
}

export interface VertexSeed {
  /** Free text for fixture readers; ignored by the server. */
  $comment?: string;
  project: VertexSeedProject;
  locations: string[];
  models: VertexSeedModel[];
  endpoints: VertexSeedEndpoint[];
  metadata: {
    artifacts: VertexSeedArtifact[];
    executions: VertexSeedExecution[];
    events: VertexSeedEvent[];
  };
  datasets: VertexSeedDataset[];
  trainingPipelines: VertexSeedTrainingPipeline[];
}

export type VertexFaultKind =
  | 'unavailable'
  | 'permissionDenied'
  | 'unauthenticated'
  | 'deadline'
  | 'internal'
  | 'latency'
  | 'failedPrecondition';

export interface VertexFaultSpec {
  /** 'ListModels', 'ModelService.ListModels' or the full path '/google.cloud.aiplatform.v1.ModelService/ListModels'. Absent: every call. */
  method?: string;
  kind: VertexFaultKind;
  /** How many matching calls the fault hits. Default 1; Infinity for "until cleared". */
  times?: number;
  /** Delay for kind 'latency' (default 1000 ms); the call then proceeds normally. */
  ms?: number;
}

export interface VertexRecordedRequest {
  /** Short service name: ModelService, EndpointService, MetadataService, DatasetService, PipelineService. */
  service: string;
  /** Method name as in the proto: ListModels, GetModel … */
  method: string;
  /** The decoded request (camelCase fields; unset fields absent). */
  request: Record<string, unknown>;
  /** gRPC status code sent (0 OK, 5 NOT_FOUND, 7 PERMISSION_DENIED, 9 FAILED_PRECONDITION, 14 UNAVAILABLE …). */
  code: number;
  /** Arrival time from the sandbox clock (ms since epoch). */
  at: number;
  /** Whether the call carried an `authorization` metadata entry (the value is never kept). */
  authorization: boolean;
  /** Fault applied to this call, if any. */
  fault?: VertexFaultKind;
}
