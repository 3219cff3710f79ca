// Wire serialisation with MLflow's proto-JSON habits (MessageToJson, preserving field names):
// - fields in proto field order;
// - unset optional fields are absent, empty repeated fields are absent (`{}` for an empty search);
// - a string set to "" is present (run_link is "" on versions registered over REST);
// - int64 timestamps are JSON numbers (MLflow's message_to_json turns them back into numbers);
// - dataset source / schema / profile are JSON-encoded strings.
import type {
  MlflowJsonField,
  MlflowKeyValue,
  MlflowSeedDataset,
  MlflowSeedExperiment,
  MlflowSeedLoggedModel,
  MlflowSeedRegistryWebhook,
  MlflowSeedRun,
  MlflowSeedTransitionRequest,
  MlflowSeedWebhook,
} from './types.js';
import type { ModelRecord, ModelVersionRecord } from './state.js';

type Json = Record<string, unknown>;

const kv = (list: MlflowKeyValue[]): MlflowKeyValue[] => list.map((t) => ({ key: t.key, value: t.value }));

export function modelVersionToWire(mv: ModelVersionRecord, aliases?: string[]): Json {
  const o: Json = {
    name: mv.name,
    version: String(mv.version),
    creation_timestamp: mv.creation_timestamp,
    last_updated_timestamp: mv.last_updated_timestamp,
  };
  if (mv.user_id !== undefined) o['user_id'] = mv.user_id;
  o['current_stage'] = mv.current_stage;
  if (mv.description !== undefined) o['description'] = mv.description;
  o['source'] = mv.source;
  if (mv.run_id !== undefined) o['run_id'] = mv.run_id;
  o['status'] = mv.status;
  if (mv.status_message) o['status_message'] = mv.status_message;
  if (mv.tags.length > 0) o['tags'] = kv(mv.tags);
  o['run_link'] = mv.run_link ?? '';
  if (aliases && aliases.length > 0) o['aliases'] = [...aliases];
  return o;
}

/** latest_versions exactly like SqlRegisteredModel.to_mlflow_entity: walk versions in ascending
 * order, keep the highest version per stage, in the order each stage was first seen. */
export function latestVersions(model: ModelRecord): ModelVersionRecord[] {
  const byStage = new Map<string, ModelVersionRecord>();
  for (const mv of model.versions) {
    const cur = byStage.get(mv.current_stage);
    if (cur === undefined || cur.version < mv.version) byStage.set(mv.current_stage, mv);
  }
  return [...byStage.values()];
}

export function registeredModelToWire(model: ModelRecord): Json {
  const o: Json = {
    name: model.name,
    creation_timestamp: model.creation_timestamp,
    last_updated_timestamp: model.last_updated_timestamp,
  };
  if (model.description !== undefined) o['description'] = model.description;
  const latest = latestVersions(model);
  // latest_versions never carry aliases (neither on search nor on get).
  if (latest.length > 0) o['latest_versions'] = latest.map((mv) => modelVersionToWire(mv));
  if (model.tags.length > 0) o['tags'] = kv(model.tags);
  const aliases = [...model.aliases.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  if (aliases.length > 0) o['aliases'] = aliases.map(([alias, version]) => ({ alias, version: String(version) }));
  return o;
}

/** Python json.dumps default separators (", " and ": "), as MLflow writes dataset fields. */
export function pythonJsonDumps(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}

// Encoded dataset fields, cached per object (generated seeds share schema/profile objects).
// Seed objects are treated as immutable once served.
const encoded = new WeakMap<object, string>();
function jsonField(f: MlflowJsonField): string {
  if (typeof f === 'string') return f;
  let s = encoded.get(f);
  if (s === undefined) {
    s = pythonJsonDumps(f);
    encoded.set(f, s);
  }
  return s;
}

export function datasetToWire(d: MlflowSeedDataset): Json {
  const o: Json = { name: d.name, digest: d.digest, source_type: d.source_type, source: jsonField(d.source) };
  if (d.schema !== undefined) o['schema'] = jsonField(d.schema);
  if (d.profile !== undefined) o['profile'] = jsonField(d.profile);
  return o;
}

/**
 * A run as runs/get (`view: 'get'`) or runs/search (`view: 'search'`) answers it. An MLflow 3 server
 * (`v3`) adds `outputs` to every run; its runs/search leaves the model inputs out (the SQL store
 * builds RunInputs from the dataset inputs only), runs/get has them.
 */
export function runToWire(run: MlflowSeedRun, o: { v3?: boolean; view?: 'get' | 'search' } = {}): Json {
  const i = run.info;
  const info: Json = {
    run_uuid: i.run_uuid,
    experiment_id: i.experiment_id,
    run_name: i.run_name,
    user_id: i.user_id,
    status: i.status,
    start_time: i.start_time,
  };
  if (i.end_time !== undefined && i.end_time !== null) info['end_time'] = i.end_time;
  info['artifact_uri'] = i.artifact_uri;
  info['lifecycle_stage'] = i.lifecycle_stage;
  info['run_id'] = i.run_id;
  const data: Json = {};
  if (run.data.metrics.length > 0) {
    data['metrics'] = run.data.metrics.map((m) => ({ key: m.key, value: m.value, timestamp: m.timestamp, step: m.step }));
  }
  if (run.data.params.length > 0) data['params'] = kv(run.data.params);
  if (run.data.tags.length > 0) data['tags'] = kv(run.data.tags);
  const inputs: Json = {};
  if (run.inputs.dataset_inputs.length > 0) {
    inputs['dataset_inputs'] = run.inputs.dataset_inputs.map((di) => {
      const o: Json = {};
      if (di.tags.length > 0) o['tags'] = kv(di.tags);
      o['dataset'] = datasetToWire(di.dataset);
      return o;
    });
  }
  if (!o.v3) return { info, data, inputs };
  if (o.view === 'get' && run.inputs.model_inputs?.length) inputs['model_inputs'] = run.inputs.model_inputs.map((m) => ({ model_id: m.model_id }));
  const outputs: Json = {};
  if (run.outputs?.model_outputs.length) outputs['model_outputs'] = run.outputs.model_outputs.map((m) => ({ model_id: m.model_id, step: m.step }));
  return { info, data, inputs, outputs };
}

export function loggedModelToWire(lm: MlflowSeedLoggedModel): Json {
  const info: Json = {
    model_id: lm.model_id,
    experiment_id: lm.experiment_id,
    name: lm.name,
    creation_timestamp_ms: lm.creation_timestamp_ms,
    last_updated_timestamp_ms: lm.last_updated_timestamp_ms,
    artifact_uri: lm.artifact_uri,
    status: lm.status,
  };
  if (lm.model_type !== undefined) info['model_type'] = lm.model_type;
  if (lm.source_run_id !== undefined) info['source_run_id'] = lm.source_run_id;
  if (lm.tags.length > 0) info['tags'] = kv(lm.tags);
  const data: Json = {};
  if (lm.params.length > 0) data['params'] = kv(lm.params);
  if (lm.metrics.length > 0) {
    data['metrics'] = lm.metrics.map((m) => {
      const x: Json = { key: m.key, value: m.value, timestamp: m.timestamp, step: m.step };
      if (m.dataset_name !== undefined) x['dataset_name'] = m.dataset_name;
      if (m.dataset_digest !== undefined) x['dataset_digest'] = m.dataset_digest;
      x['model_id'] = lm.model_id;
      if (m.run_id !== undefined) x['run_id'] = m.run_id;
      return x;
    });
  }
  return { info, data };
}

export function experimentToWire(e: MlflowSeedExperiment): Json {
  const o: Json = {
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    last_update_time: e.last_update_time,
    creation_time: e.creation_time,
  };
  if (e.tags && e.tags.length > 0) o['tags'] = kv(e.tags);
  return o;
}

export function webhookToWire(w: MlflowSeedWebhook): Json {
  const o: Json = { webhook_id: w.webhook_id, name: w.name };
  if (w.description !== undefined) o['description'] = w.description;
  o['url'] = w.url;
  if (w.events.length > 0) o['events'] = w.events.map((e) => ({ entity: e.entity, action: e.action }));
  o['status'] = w.status;
  o['creation_timestamp'] = w.creation_timestamp;
  o['last_updated_timestamp'] = w.last_updated_timestamp;
  return o;
}

export function registryWebhookToWire(w: MlflowSeedRegistryWebhook): Json {
  const o: Json = { id: w.id };
  if (w.events.length > 0) o['events'] = [...w.events];
  o['creation_timestamp'] = w.creation_timestamp;
  o['last_updated_timestamp'] = w.last_updated_timestamp;
  if (w.description !== undefined) o['description'] = w.description;
  o['status'] = w.status;
  if (w.http_url_spec) {
    const spec: Json = { url: w.http_url_spec.url };
    if (w.http_url_spec.enable_ssl_verification !== undefined) spec['enable_ssl_verification'] = w.http_url_spec.enable_ssl_verification;
    o['http_url_spec'] = spec;
  }
  if (w.model_name !== undefined) o['model_name'] = w.model_name;
  return o;
}

export function transitionRequestToWire(r: MlflowSeedTransitionRequest): Json {
  const o: Json = {};
  if (r.id !== undefined) o['id'] = r.id;
  o['activity_type'] = r.activity_type;
  o['from_stage'] = r.from_stage;
  o['to_stage'] = r.to_stage;
  o['user_id'] = r.user_id;
  if (r.comment !== undefined) o['comment'] = r.comment;
  o['creation_timestamp'] = r.creation_timestamp;
  return o;
}
