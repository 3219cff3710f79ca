// Method implementations: decoded request (camelCase, unset fields absent) → response message.
// Errors are thrown as VertexStatusError and become gRPC statuses in server.ts.
import { compileFilter, compileOrderBy, type FilterSubject } from './filter.js';
import type { ServiceName } from './protos.js';
import type { VertexState } from './state.js';
import type { VertexSeedModel, VertexSeedModelVersion } from './types.js';
import { invalidArgument, notFound, paginate, permissionDenied } from './wire.js';

export type Req = Record<string, unknown>;
export interface HandlerContext {
  state: VertexState;
  lineageNodeLimit: number;
}
export type Handler = (req: Req, ctx: HandlerContext) => Record<string, unknown>;

const SEG = '([^/@]+)';

function required(req: Req, field: string): string {
  const v = req[field];
  if (typeof v !== 'string' || !v) {
    const snake = field.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
    throw invalidArgument(`List of found errors:\t1.Field: ${snake}; Message: Required field is not set.\t`);
  }
  return v;
}

function str(req: Req, field: string): string | undefined {
  const v = req[field];
  return typeof v === 'string' && v ? v : undefined;
}

function int(req: Req, field: string): number | undefined {
  const v = req[field];
  if (v === undefined || v === null) return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
}

function checkProject(state: VertexState, project: string, location: string, permission: string): void {
  if (!state.isProject(project)) {
    throw permissionDenied(`Permission '${permission}' denied on resource '//aiplatform.googleapis.com/projects/${project}/locations/${location}' (or it may not exist).`);
  }
}

interface Parsed {
  project: string;
  location: string;
  id: string;
  suffix?: string;
}

function parseParent(state: VertexState, req: Req, permission: string): { project: string; location: string } {
  const parent = required(req, 'parent');
  const m = new RegExp(`^projects/${SEG}/locations/${SEG}$`).exec(parent);
  if (!m) throw invalidArgument(`Invalid parent "${parent}": expected projects/{project}/locations/{location}.`);
  checkProject(state, m[1]!, m[2]!, permission);
  return { project: m[1]!, location: m[2]! };
}

function parseResource(state: VertexState, value: string, field: string, collection: string, permission: string, allowSuffix = false): Parsed {
  const m = new RegExp(`^projects/${SEG}/locations/${SEG}/${collection}/${SEG}(?:@([^/]+))?$`).exec(value);
  if (!m || (m[4] !== undefined && !allowSuffix)) {
    throw invalidArgument(`Invalid ${field} "${value}": expected projects/{project}/locations/{location}/${collection}/{id}${allowSuffix ? '[@version_or_alias]' : ''}.`);
  }
  checkProject(state, m[1]!, m[2]!, permission);
  return { project: m[1]!, location: m[2]!, id: m[3]!, ...(m[4] !== undefined ? { suffix: m[4] } : {}) };
}

const subject = (fields: Record<string, string>, labels: Record<string, string> | undefined): FilterSubject => ({ fields, labels: labels ?? {} });

function queryKey(method: string, req: Req, ...fields: string[]): string {
  return [method, ...fields.map((f) => String(req[f] ?? ''))].join('\u0000');
}

function sortedBy<T>(items: T[], cmp: ((a: T, b: T) => number) | undefined): T[] {
  return cmp ? [...items].sort(cmp) : items;
}

// ---- ModelService ----------------------------------------------------------------------------

function getModelVersion(state: VertexState, name: string, permission: string): { model: VertexSeedModel & { location: string }; version: VertexSeedModelVersion } {
  const p = parseResource(state, name, 'name', 'models', permission, true);
  const model = state.findModel(p.location, p.id);
  if (!model) throw notFound(`Model ${state.modelName(p.location, p.id)} not found.`);
  const version = state.resolveVersion(model, p.suffix);
  if (!version) throw notFound(`Model ${state.modelName(p.location, p.id)}@${p.suffix} not found: no such version id or alias.`);
  return { model, version };
}

type ModelRow = { m: VertexSeedModel; v: VertexSeedModelVersion };
const MODEL_ORDER_KEYS = {
  displayname: (x: ModelRow) => x.m.displayName,
  createtime: (x: ModelRow) => Date.parse(x.m.createTime),
  updatetime: (x: ModelRow) => Date.parse(x.v.updateTime),
};

const listModels: Handler = (req, { state }) => {
  const { location } = parseParent(state, req, 'aiplatform.models.list');
  const keep = compileFilter(str(req, 'filter'), ['model', 'displayname']);
  const rows = state.models
    .filter((m) => m.location === location)
    .map((m) => ({ m, v: state.defaultVersion(m) }))
    .filter(({ m, v }) => keep(subject({ model: m.id, displayname: m.displayName }, v.labels)));
  const ordered = sortedBy(rows, compileOrderBy<ModelRow>(str(req, 'orderBy'), MODEL_ORDER_KEYS));
  const { page, nextPageToken } = paginate(ordered, queryKey('ListModels', req, 'parent', 'filter', 'orderBy'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { models: page.map(({ m, v }) => state.renderModel(m as VertexSeedModel & { location: string }, v)), nextPageToken };
};

const listModelVersions: Handler = (req, { state }) => {
  const name = required(req, 'name');
  const p = parseResource(state, name, 'name', 'models', 'aiplatform.models.list');
  const model = state.findModel(p.location, p.id);
  if (!model) throw notFound(`Model ${state.modelName(p.location, p.id)} not found.`);
  const keep = compileFilter(str(req, 'filter'), []);
  const rows = model.versions.filter((v) => keep(subject({}, v.labels))).map((v) => ({ m: model, v }));
  const order = compileOrderBy<ModelRow>(str(req, 'orderBy'), {
    createtime: (x) => Date.parse(x.v.createTime),
    updatetime: (x) => Date.parse(x.v.updateTime),
  });
  const ordered = sortedBy(rows, order);
  const { page, nextPageToken } = paginate(ordered, queryKey('ListModelVersions', req, 'name', 'filter', 'orderBy'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { models: page.map(({ v }) => state.renderModel(model, v)), nextPageToken };
};

const getModel: Handler = (req, { state }) => {
  const { model, version } = getModelVersion(state, required(req, 'name'), 'aiplatform.models.get');
  return state.renderModel(model, version);
};

// ---- EndpointService -------------------------------------------------------------------------

const listEndpoints: Handler = (req, { state }) => {
  const { location } = parseParent(state, req, 'aiplatform.endpoints.list');
  const keep = compileFilter(str(req, 'filter'), ['endpoint', 'displayname']);
  const rows = state.endpoints.filter((e) => e.location === location && keep(subject({ endpoint: e.id, displayname: e.displayName }, e.labels)));
  const order = compileOrderBy<(typeof rows)[number]>(str(req, 'orderBy'), {
    displayname: (e) => e.displayName,
    createtime: (e) => Date.parse(e.createTime),
    updatetime: (e) => Date.parse(e.updateTime),
  });
  const { page, nextPageToken } = paginate(sortedBy(rows, order), queryKey('ListEndpoints', req, 'parent', 'filter', 'orderBy'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { endpoints: page.map((e) => state.renderEndpoint(e)), nextPageToken };
};

const getEndpoint: Handler = (req, { state }) => {
  const p = parseResource(state, required(req, 'name'), 'name', 'endpoints', 'aiplatform.endpoints.get');
  const e = state.findEndpoint(p.location, p.id);
  if (!e) throw notFound(`Endpoint ${state.endpointName(p.location, p.id)} not found.`);
  return state.renderEndpoint(e);
};

// ---- MetadataService -------------------------------------------------------------------------

const ARTIFACT_RE = new RegExp(`^projects/${SEG}/locations/${SEG}/metadataStores/${SEG}/(artifacts|executions)/${SEG}$`);

function parseMetadataName(state: VertexState, value: string, field: string, collection: 'artifacts' | 'executions', permission: string): { location: string; id: string } {
  const m = ARTIFACT_RE.exec(value);
  if (!m || m[4] !== collection) throw invalidArgument(`Invalid ${field} "${value}": expected projects/{project}/locations/{location}/metadataStores/{store}/${collection}/{id}.`);
  checkProject(state, m[1]!, m[2]!, permission);
  if (m[3] !== 'default') throw notFound(`MetadataStore ${state.locationName(m[2]!)}/metadataStores/${m[3]} not found.`);
  return { location: m[2]!, id: m[5]! };
}

const artifactFilterFields = ['name', 'displayname', 'uri', 'state', 'schematitle'];
const artifactSubject = (state: VertexState, a: VertexState['artifacts'][number]) =>
  subject(
    { name: state.artifactName(a.location, a.id), displayname: a.displayName ?? '', uri: a.uri ?? '', state: a.state ?? 'LIVE', schematitle: a.schemaTitle },
    a.labels,
  );

const queryArtifactLineageSubgraph: Handler = (req, { state, lineageNodeLimit }) => {
  const { location, id } = parseMetadataName(state, required(req, 'artifact'), 'artifact', 'artifacts', 'aiplatform.artifacts.queryArtifactLineageSubgraph');
  const keep = compileFilter(str(req, 'filter'), artifactFilterFields);
  const g = state.lineage(location, id, int(req, 'maxHops') ?? 0, lineageNodeLimit, (a) => keep(artifactSubject(state, a)));
  return {
    artifacts: g.artifacts.map((a) => state.renderArtifact(a)),
    executions: g.executions.map((x) => state.renderExecution(x)),
    events: g.events.map((e) => state.renderEvent(e)),
  };
};

const getArtifact: Handler = (req, { state }) => {
  const { location, id } = parseMetadataName(state, required(req, 'name'), 'name', 'artifacts', 'aiplatform.artifacts.get');
  const a = state.findArtifact(location, id);
  if (!a) throw notFound(`Artifact ${state.artifactName(location, id)} not found.`);
  return state.renderArtifact(a);
};

const listArtifacts: Handler = (req, { state }) => {
  const parent = required(req, 'parent');
  const m = new RegExp(`^projects/${SEG}/locations/${SEG}/metadataStores/${SEG}$`).exec(parent);
  if (!m) throw invalidArgument(`Invalid parent "${parent}": expected projects/{project}/locations/{location}/metadataStores/{store}.`);
  checkProject(state, m[1]!, m[2]!, 'aiplatform.artifacts.list');
  if (m[3] !== 'default') throw notFound(`MetadataStore ${parent} not found.`);
  const keep = compileFilter(str(req, 'filter'), artifactFilterFields);
  const rows = state.artifacts.filter((a) => a.location === m[2] && keep(artifactSubject(state, a)));
  const { page, nextPageToken } = paginate(rows, queryKey('ListArtifacts', req, 'parent', 'filter', 'orderBy'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { artifacts: page.map((a) => state.renderArtifact(a)), nextPageToken };
};

const getExecution: Handler = (req, { state }) => {
  const { location, id } = parseMetadataName(state, required(req, 'name'), 'name', 'executions', 'aiplatform.executions.get');
  const x = state.executions.find((e) => e.location === location && e.id === id);
  if (!x) throw notFound(`Execution ${state.executionName(location, id)} not found.`);
  return state.renderExecution(x);
};

// ---- DatasetService --------------------------------------------------------------------------

const getDataset: Handler = (req, { state }) => {
  const p = parseResource(state, required(req, 'name'), 'name', 'datasets', 'aiplatform.datasets.get');
  const d = state.findDataset(p.location, p.id);
  if (!d) throw notFound(`Dataset ${state.datasetName(p.location, p.id)} not found.`);
  return state.renderDataset(d);
};

const listDatasets: Handler = (req, { state }) => {
  const { location } = parseParent(state, req, 'aiplatform.datasets.list');
  const keep = compileFilter(str(req, 'filter'), ['displayname', 'metadataschemauri']);
  const rows = state.datasets.filter((d) => d.location === location && keep(subject({ displayname: d.displayName, metadataschemauri: d.metadataSchemaUri }, d.labels)));
  const { page, nextPageToken } = paginate(rows, queryKey('ListDatasets', req, 'parent', 'filter', 'orderBy'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { datasets: page.map((d) => state.renderDataset(d)), nextPageToken };
};

// ---- PipelineService -------------------------------------------------------------------------

const getTrainingPipeline: Handler = (req, { state }) => {
  const p = parseResource(state, required(req, 'name'), 'name', 'trainingPipelines', 'aiplatform.trainingPipelines.get');
  const t = state.findTrainingPipeline(p.location, p.id);
  if (!t) throw notFound(`TrainingPipeline ${state.trainingPipelineName(p.location, p.id)} not found.`);
  return state.renderTrainingPipeline(t);
};

const listTrainingPipelines: Handler = (req, { state }) => {
  const { location } = parseParent(state, req, 'aiplatform.trainingPipelines.list');
  const keep = compileFilter(str(req, 'filter'), ['displayname', 'state']);
  const rows = state.trainingPipelines.filter((t) => t.location === location && keep(subject({ displayname: t.displayName, state: t.state ?? 'PIPELINE_STATE_SUCCEEDED' }, t.labels)));
  const { page, nextPageToken } = paginate(rows, queryKey('ListTrainingPipelines', req, 'parent', 'filter'), int(req, 'pageSize'), str(req, 'pageToken'));
  return { trainingPipelines: page.map((t) => state.renderTrainingPipeline(t)), nextPageToken };
};

/** Implemented methods; every other method of the five services answers UNIMPLEMENTED. */
export const HANDLERS: Record<ServiceName, Record<string, Handler>> = {
  ModelService: { ListModels: listModels, ListModelVersions: listModelVersions, GetModel: getModel },
  EndpointService: { ListEndpoints: listEndpoints, GetEndpoint: getEndpoint },
  MetadataService: { QueryArtifactLineageSubgraph: queryArtifactLineageSubgraph, GetArtifact: getArtifact, ListArtifacts: listArtifacts, GetExecution: getExecution },
  DatasetService: { GetDataset: getDataset, ListDatasets: listDatasets },
  PipelineService: { GetTrainingPipeline: getTrainingPipeline, ListTrainingPipelines: listTrainingPipelines },
};
