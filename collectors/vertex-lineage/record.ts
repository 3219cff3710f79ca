// The record written to vertex.lineage.production-versions, and how a lineage subgraph becomes
// one: which artifacts are datasets, and which of them are upstream of (were used to make) the model.
import type { protos } from '@google-cloud/aiplatform';
import { fromStruct, fromValue, iso, labelsOf, kmsOf, str, text } from '../vertex-registry/vertex.js';

type ILineageSubgraph = protos.google.cloud.aiplatform.v1.ILineageSubgraph;
type ITrainingPipeline = protos.google.cloud.aiplatform.v1.ITrainingPipeline;
type IDataset = protos.google.cloud.aiplatform.v1.IDataset;

/** Metadata schema titles that denote a dataset (KFP dsl.Dataset is system.Dataset). */
export const DATASET_SCHEMAS = ['system.Dataset', 'google.VertexDataset', 'google.BQTable'] as const;

export interface CallError {
  api: string;
  code: string;
  message: string;
}

export interface MetadataDataset {
  name: string;
  displayName: string | null;
  uri: string | null;
  schemaTitle: string;
  createTime: string | null;
  /** reached from the model artifact by walking OUTPUT → execution → INPUT edges backwards: training data */
  upstream: boolean;
  metadata: Record<string, unknown>;
}

export interface MetadataExecution {
  name: string;
  displayName: string | null;
  schemaTitle: string | null;
  state: string | null;
  createTime: string | null;
  upstream: boolean;
}

export interface MetadataLineage {
  maxHops: number;
  /** null when the query failed (see error) */
  artifacts: number | null;
  events: number | null;
  datasets: MetadataDataset[];
  executions: MetadataExecution[];
  error?: CallError & { reason: string };
}

export interface PipelineRecord {
  name: string;
  displayName: string | null;
  state: string | null;
  trainingTaskDefinition: string | null;
  createTime: string | null;
  startTime: string | null;
  endTime: string | null;
  /** inputDataConfig.datasetId; null for custom training that reads no managed Dataset */
  datasetId: string | null;
  modelToUpload: { name: string | null; versionId: string | null } | null;
  encryptionSpec: { kmsKeyName: string } | null;
  error?: CallError;
}

export interface DatasetRecord {
  name: string;
  displayName: string | null;
  description: string | null;
  metadataSchemaUri: string | null;
  createTime: string | null;
  updateTime: string | null;
  labels: Record<string, string>;
  encryptionSpec: { kmsKeyName: string } | null;
  /** where the data came from, from metadata.inputConfig */
  source: { gcsUris: string[]; bigqueryUri: string | null };
  metadataArtifact: string | null;
  error?: CallError;
}

export interface TracedDataset {
  via: 'metadata' | 'training-pipeline';
  name: string;
  displayName: string | null;
  /** gs:// or bq:// */
  uri: string | null;
  /** metadata schema title, or the Dataset's metadataSchemaUri */
  schema: string | null;
  createTime: string | null;
}

export interface LineageRecord {
  model: string;
  modelId: string;
  displayName: string | null;
  versionId: string;
  versionAliases: string[];
  /** the aliases that make it production */
  productionAliases: string[];
  versionCreateTime: string | null;
  metadataArtifact: string | null;
  trainingPipeline: string | null;
  metadata: MetadataLineage | null;
  pipeline: PipelineRecord | null;
  dataset: DatasetRecord | null;
  /** every training dataset found, by either route */
  datasets: TracedDataset[];
  traced: boolean;
  /** why no dataset was found (when traced is false and no call failed) */
  untracedReason: string | null;
  /** calls that failed for this version: its lineage is unknown, not absent */
  errors: CallError[];
}

export function summarizeSubgraph(g: ILineageSubgraph, modelArtifact: string, maxHops: number): MetadataLineage {
  const artifacts = g.artifacts ?? [];
  const executions = g.executions ?? [];
  const events = g.events ?? [];
  // backwards from the model: executions that OUTPUT an artifact, then the artifacts they took as INPUT
  const producedBy = new Map<string, string[]>();
  const inputsOf = new Map<string, string[]>();
  for (const e of events) {
    const a = e.artifact ?? '';
    const x = e.execution ?? '';
    const type = String(e.type ?? '');
    if (type === 'OUTPUT' || type === '2') (producedBy.get(a) ?? producedBy.set(a, []).get(a)!).push(x);
    else if (type === 'INPUT' || type === '1') (inputsOf.get(x) ?? inputsOf.set(x, []).get(x)!).push(a);
  }
  const upA = new Set<string>();
  const upE = new Set<string>();
  const queue = [modelArtifact];
  while (queue.length) {
    const a = queue.pop()!;
    for (const x of producedBy.get(a) ?? []) {
      if (upE.has(x)) continue;
      upE.add(x);
      for (const i of inputsOf.get(x) ?? []) if (!upA.has(i)) (upA.add(i), queue.push(i));
    }
  }
  const datasets: MetadataDataset[] = artifacts
    .filter((a) => (DATASET_SCHEMAS as readonly string[]).includes(a.schemaTitle ?? ''))
    .map((a) => ({
      name: a.name ?? '',
      displayName: text(a.displayName),
      uri: text(a.uri),
      schemaTitle: a.schemaTitle ?? '',
      createTime: iso(a.createTime),
      upstream: upA.has(a.name ?? ''),
      metadata: fromStruct(a.metadata),
    }))
    .sort((a, b) => Number(b.upstream) - Number(a.upstream) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    maxHops,
    artifacts: artifacts.length,
    events: events.length,
    datasets,
    executions: executions
      .map((x) => ({ name: x.name ?? '', displayName: text(x.displayName), schemaTitle: str(x.schemaTitle), state: str(x.state as string), createTime: iso(x.createTime), upstream: upE.has(x.name ?? '') }))
      .sort((a, b) => Number(b.upstream) - Number(a.upstream) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)),
  };
}

export function toPipelineRecord(t: ITrainingPipeline): PipelineRecord {
  return {
    name: t.name ?? '',
    displayName: text(t.displayName),
    state: str(t.state as string),
    trainingTaskDefinition: str(t.trainingTaskDefinition),
    createTime: iso(t.createTime),
    startTime: iso(t.startTime),
    endTime: iso(t.endTime),
    datasetId: str(t.inputDataConfig?.datasetId),
    modelToUpload: t.modelToUpload ? { name: str(t.modelToUpload.name), versionId: str(t.modelToUpload.versionId) } : null,
    encryptionSpec: kmsOf(t.encryptionSpec),
  };
}

export function toDatasetRecord(d: IDataset): DatasetRecord {
  const meta = fromValue(d.metadata) as { inputConfig?: { gcsSource?: { uri?: unknown }; bigquerySource?: { uri?: unknown } } } | null;
  const gcs = meta?.inputConfig?.gcsSource?.uri;
  const bq = meta?.inputConfig?.bigquerySource?.uri;
  return {
    name: d.name ?? '',
    displayName: text(d.displayName),
    description: text(d.description),
    metadataSchemaUri: str(d.metadataSchemaUri),
    createTime: iso(d.createTime),
    updateTime: iso(d.updateTime),
    labels: labelsOf(d.labels),
    encryptionSpec: kmsOf(d.encryptionSpec),
    // (fromValue has redacted the URIs already: they may be pre-signed)
    source: { gcsUris: (Array.isArray(gcs) ? gcs : gcs === undefined || gcs === null ? [] : [gcs]).filter((u): u is string => typeof u === 'string'), bigqueryUri: typeof bq === 'string' && bq ? bq : null },
    metadataArtifact: str(d.metadataArtifact),
  };
}
