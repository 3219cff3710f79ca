// Endpoint handlers of the MLflow sandbox: REST 2.0 read APIs with MLflow 2.12's defaults, limits,
// orderings, pagination and error messages (see fixtures/mlflow/recorded-2.12).
import {
  MlflowApiError,
  compareNumber,
  compareString,
  createPageToken,
  invalidParameter,
  missingParameter,
  parseFilter,
  parseOrderBy,
  parsePageToken,
  readMaxResults,
  type FilterClause,
  type OrderBy,
} from './filter.js';
import { canonicalStage, type MlflowState, type ModelRecord, type ModelVersionRecord } from './state.js';
import type { MlflowSandboxFeatures, MlflowSeedLoggedModel, MlflowSeedRun } from './types.js';
import {
  experimentToWire,
  latestVersions,
  loggedModelToWire,
  modelVersionToWire,
  registeredModelToWire,
  registryWebhookToWire,
  runToWire,
  transitionRequestToWire,
  webhookToWire,
} from './wire.js';

export interface HandlerRequest {
  method: string;
  query: URLSearchParams;
  /** Parsed JSON body of a POST ({} when empty). */
  body: Record<string, unknown>;
  /** features.databricks: Databricks' lower caps apply */
  databricks?: boolean;
  /** options.pageClamp for this route: at most this many items per page, whatever was asked */
  pageClamp?: number;
  /** features.loggedModels: an MLflow 3 server (runs carry outputs, LoggedModel APIs) */
  v3?: boolean;
  /** what the authenticated identity may not read (auth.denied) */
  denied?: { models: Set<string>; experiments: Set<string> };
  /** path parameters of a templated route (logged-models/{model_id}) */
  pathParams?: Record<string, string>;
}

/** MLflow's basic-auth app refuses a read with a plain-text 403 "Permission denied" (make_forbidden_response). */
export class PermissionDenied extends MlflowApiError {
  constructor() {
    super(403, 'PERMISSION_DENIED', 'Permission denied');
  }
}

const modelDenied = (req: HandlerRequest, name: string) => req.denied?.models.has(name) ?? false;
const experimentDenied = (req: HandlerRequest, id: string) => req.denied?.experiments.has(id) ?? false;
function readableModel(req: HandlerRequest, name: string): void {
  if (modelDenied(req, name)) throw new PermissionDenied();
}

/**
 * MLflow ≥ 2.21 keeps prompts (registered models tagged mlflow.prompt.is_prompt = true) out of the
 * registry searches unless the filter asks for them: `tags.mlflow.prompt.is_prompt = 'true'` or
 * `!= 'false'` (SqlAlchemyStore._is_querying_prompt).
 */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';
function queriesPrompts(clauses: FilterClause[]): boolean {
  for (const c of clauses) {
    if (!isTag(c.entity) || c.key !== PROMPT_TAG) continue;
    const v = String(c.value).toLowerCase();
    return (c.comparator === '=' && v === 'true') || (c.comparator === '!=' && v === 'false');
  }
  return false;
}
function isPromptModel(m: ModelRecord): boolean {
  return m.tags.some((t) => t.key === PROMPT_TAG && t.value.toLowerCase() === 'true');
}
/** The version listing's anti-join: any model one of whose versions carries the prompt tag. */
function isPromptVersionOf(m: ModelRecord): boolean {
  return m.versions.some((v) => v.tags.some((t) => t.key === PROMPT_TAG && t.value.toLowerCase() === 'true'));
}

/** max_results as the server checks it, then clamped silently when the sandbox is told to. */
function pageSize(req: HandlerRequest, raw: unknown, def: number, max: number): number {
  const n = readMaxResults(raw, def, max);
  return req.pageClamp !== undefined ? Math.min(n, req.pageClamp) : n;
}

export interface HandlerResult {
  status: number;
  json: Record<string, unknown>;
}

export type Handler = (state: MlflowState, req: HandlerRequest) => HandlerResult;

export interface Route {
  /** Read handlers by HTTP method. */
  read: Record<string, Handler>;
  /** Methods that exist on the real server but write: the sandbox refuses them (403). */
  write?: string[];
  /** Served only when this feature is on; otherwise the route answers the HTML 404 page. */
  feature?: keyof MlflowSandboxFeatures;
}

const ok = (json: Record<string, unknown>): HandlerResult => ({ status: 200, json });
const notFound = (message: string): MlflowApiError => new MlflowApiError(404, 'RESOURCE_DOES_NOT_EXIST', message);

function cmp(a: string | number | undefined, b: string | number | undefined): number {
  // NULLs last, like MLflow's SQL ordering helpers
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return 1;
  if (b === undefined) return -1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Read a parameter from the query string (GET) or JSON body (POST). */
function param(req: HandlerRequest, name: string): string | undefined {
  if (req.method === 'GET') {
    const v = req.query.get(name);
    return v === null ? undefined : v;
  }
  const v = req.body[name];
  if (v === undefined || v === null) return undefined;
  return typeof v === 'string' ? v : String(v);
}

function rawParam(req: HandlerRequest, name: string): unknown {
  if (req.method === 'GET') return req.query.get(name) ?? undefined;
  return req.body[name];
}

function listParam(req: HandlerRequest, name: string): string[] {
  if (req.method === 'GET') return req.query.getAll(name);
  const v = req.body[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw invalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied. Hint: Value was of type '${typeof v === 'string' ? 'str' : typeof v}'. See the API docs for more information about request parameters.`);
  return v.map((x) => String(x));
}

function required(req: HandlerRequest, name: string): string {
  const v = param(req, name);
  if (v === undefined || v === '') throw missingParameter(name);
  return v;
}

function versionNumber(v: string): number {
  if (!/^\s*[+-]?\d+\s*$/.test(v)) throw invalidParameter(`Model version must be an integer, got '${v}'`);
  return Number(v);
}

/** Registry-style paging: MLflow queries max_results + 1 rows, so no token after the last page. */
function pageOf<T>(items: T[], offset: number, max: number): { page: T[]; next: string | undefined } {
  const page = items.slice(offset, offset + max);
  return { page, next: offset + max < items.length ? createPageToken(offset + max) : undefined };
}

function withList(key: string, items: unknown[], next: string | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (items.length > 0) out[key] = items; // empty repeated fields are omitted: an empty search is {}
  if (next !== undefined) out['next_page_token'] = next;
  return out;
}

function tagValue(tags: { key: string; value: string }[], key: string): string | undefined {
  for (const t of tags) if (t.key === key) return t.value;
  return undefined;
}

// ---------------------------------------------------------------- registered models

const isAttr = (e: string | undefined): boolean => e === undefined || e === 'attribute' || e === 'attributes' || e === 'attr';
const isTag = (e: string | undefined): boolean => e === 'tag' || e === 'tags';
const STRING_COMPARATORS = ['=', '!=', 'LIKE', 'ILIKE'];

function registeredModelMatcher(clauses: FilterClause[]): (m: ModelRecord) => boolean {
  const tests: ((m: ModelRecord) => boolean)[] = [];
  for (const c of clauses) {
    if (isAttr(c.entity)) {
      if (c.key !== 'name') throw invalidParameter(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name'}'`);
      if (!STRING_COMPARATORS.includes(c.comparator)) throw invalidParameter(`Invalid comparator for attribute: ${c.comparator}`);
      tests.push((m) => compareString(m.name, c));
    } else if (isTag(c.entity)) {
      if (!STRING_COMPARATORS.includes(c.comparator)) throw invalidParameter(`Invalid comparator for tag: ${c.comparator}`);
      tests.push((m) => {
        const v = tagValue(m.tags, c.key);
        return v !== undefined && compareString(v, c);
      });
    } else {
      throw invalidParameter(`Invalid entity type '${c.entity}'. Valid values are ['tag', 'attribute']`);
    }
  }
  return (m) => tests.every((t) => t(m));
}

function searchRegisteredModels(state: MlflowState, req: HandlerRequest): HandlerResult {
  const max = pageSize(req, rawParam(req, 'max_results'), 100, 1000);
  const clauses = parseFilter(param(req, 'filter'));
  const match = registeredModelMatcher(clauses);
  const orders: OrderBy[] = listParam(req, 'order_by').map(parseOrderBy);
  const seen = new Set<string>();
  const sorters: ((a: ModelRecord, b: ModelRecord) => number)[] = [];
  for (const o of orders) {
    let field: 'name' | 'last_updated_timestamp';
    if (o.key === 'name' && o.entity === undefined) field = 'name';
    else if ((o.key === 'timestamp' || o.key === 'last_updated_timestamp') && o.entity === undefined) field = 'last_updated_timestamp';
    else throw invalidParameter(`Invalid order by key '${o.key}' specified.Valid keys are '['name', 'last_updated_timestamp']'`);
    if (seen.has(field)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${JSON.stringify(orders.map((x) => x.key))}`);
    seen.add(field);
    const dir = o.ascending ? 1 : -1;
    sorters.push((a, b) => dir * cmp(a[field], b[field]));
  }
  if (!seen.has('name')) sorters.push((a, b) => cmp(a.name, b.name));
  const offset = parsePageToken(param(req, 'page_token'));

  const exact = clauses.find((c) => isAttr(c.entity) && c.key === 'name' && c.comparator === '=');
  const candidates = exact ? [state.getModel(String(exact.value))].filter((m): m is ModelRecord => !!m) : state.sortedModelNames().map((n) => state.getModel(n)!);
  const prompts = queriesPrompts(clauses);
  // basic-auth's after-request filter drops the models the identity may not read, then refills the page
  const all = candidates.filter((m) => match(m) && (prompts || !isPromptModel(m)) && !modelDenied(req, m.name));
  all.sort((a, b) => {
    for (const s of sorters) {
      const r = s(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
  const { page, next } = pageOf(all, offset, max);
  return ok(withList('registered_models', page.map(registeredModelToWire), next));
}

function getRegisteredModel(state: MlflowState, req: HandlerRequest): HandlerResult {
  const name = required(req, 'name');
  readableModel(req, name);
  const m = state.getModel(name);
  if (!m) throw notFound(`Registered Model with name=${name} not found`);
  return ok({ registered_model: registeredModelToWire(m) });
}

function getModelVersionByAlias(state: MlflowState, req: HandlerRequest): HandlerResult {
  const name = required(req, 'name');
  readableModel(req, name);
  const alias = required(req, 'alias');
  // MLflow looks the alias up directly: a missing alias (or model) is a 400, not a 404.
  const v = state.getModel(name)?.aliases.get(alias);
  const mv = v === undefined ? undefined : state.getVersion(name, v);
  if (!mv) throw invalidParameter(`Registered model alias ${alias} not found.`);
  return ok({ model_version: modelVersionToWire(mv, state.aliasesOf(mv)) });
}

function getLatestVersions(state: MlflowState, req: HandlerRequest): HandlerResult {
  const name = required(req, 'name');
  readableModel(req, name);
  const m = state.getModel(name);
  if (!m) throw notFound(`Registered Model with name=${name} not found`);
  const stages = listParam(req, 'stages');
  let wanted: Set<string> | undefined;
  try {
    wanted = stages.length > 0 ? new Set(stages.map(canonicalStage)) : undefined;
  } catch (e) {
    throw invalidParameter((e as Error).message);
  }
  // MLflow 2.12 returns these without aliases (captured registered-models-get-latest-versions.json).
  const mvs = latestVersions(m).filter((mv) => !wanted || wanted.has(mv.current_stage));
  return ok(withList('model_versions', mvs.map((mv) => modelVersionToWire(mv)), undefined));
}

// ---------------------------------------------------------------- model versions

const MV_ATTRIBUTE_KEYS_MESSAGE = "'{'name', 'version_number', 'run_id', 'source_path'}'";

function modelVersionMatcher(clauses: FilterClause[]): (mv: ModelVersionRecord) => boolean {
  const tests: ((mv: ModelVersionRecord) => boolean)[] = [];
  for (const c of clauses) {
    if (isAttr(c.entity)) {
      switch (c.key) {
        case 'name':
        case 'source_path':
        case 'run_id': {
          const ok = c.key === 'run_id' ? [...STRING_COMPARATORS, 'IN'] : STRING_COMPARATORS;
          if (!ok.includes(c.comparator)) throw invalidParameter(`Invalid comparator for attribute: ${c.comparator}`);
          if (c.key === 'name') tests.push((mv) => compareString(mv.name, c));
          else if (c.key === 'source_path') tests.push((mv) => compareString(mv.source, c));
          else tests.push((mv) => compareString(mv.run_id, c));
          break;
        }
        case 'version_number': {
          if (!['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN'].includes(c.comparator)) {
            throw invalidParameter(`Invalid comparator for attribute version_number: ${c.comparator}`);
          }
          if (Array.isArray(c.value)) {
            const set = new Set(c.value.map(Number));
            const neg = c.comparator === 'NOT IN';
            tests.push((mv) => set.has(mv.version) !== neg);
          } else {
            if (!/^\s*\d+\s*$/.test(String(c.value))) {
              throw invalidParameter(`Expected an integer value for 'version_number', found '${String(c.value)}'`);
            }
            tests.push((mv) => compareNumber(mv.version, c));
          }
          break;
        }
        default:
          // e.g. stage / current_stage: the captured 2.12 error (error-bad-filter.json)
          throw invalidParameter(`Invalid attribute key '${c.key}' specified. Valid keys are ${MV_ATTRIBUTE_KEYS_MESSAGE}`);
      }
    } else if (isTag(c.entity)) {
      if (!STRING_COMPARATORS.includes(c.comparator)) throw invalidParameter(`Invalid comparator for tag: ${c.comparator}`);
      tests.push((mv) => {
        const v = tagValue(mv.tags, c.key);
        return v !== undefined && compareString(v, c);
      });
    } else {
      throw invalidParameter(`Invalid entity type '${c.entity}'. Valid values are ['tag', 'attribute']`);
    }
  }
  return (mv) => tests.every((t) => t(mv));
}

type MvField = 'name' | 'version' | 'creation_timestamp' | 'last_updated_timestamp';

function searchModelVersions(state: MlflowState, req: HandlerRequest): HandlerResult {
  // open-source MLflow accepts up to 200,000 per page; Databricks' registry 10,000
  const max = pageSize(req, rawParam(req, 'max_results'), 10000, req.databricks ? 10000 : 200000);
  const clauses = parseFilter(param(req, 'filter'));
  const match = modelVersionMatcher(clauses);
  const given = listParam(req, 'order_by');
  const orders = (given.length > 0 ? given : ['last_updated_timestamp DESC', 'name ASC', 'version_number DESC']).map(parseOrderBy);
  const seen = new Set<MvField>();
  const sorters: ((a: ModelVersionRecord, b: ModelVersionRecord) => number)[] = [];
  for (const o of orders) {
    const map: Record<string, MvField> = {
      name: 'name',
      version_number: 'version',
      creation_timestamp: 'creation_timestamp',
      last_updated_timestamp: 'last_updated_timestamp',
    };
    const field = o.entity === undefined ? map[o.key] : undefined;
    if (!field) {
      throw invalidParameter(`Invalid order by key '${o.key}' specified. Valid keys are {'name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'}`);
    }
    if (seen.has(field)) throw invalidParameter(`\`order_by\` contains duplicate fields: ${JSON.stringify(given)}`);
    seen.add(field);
    const dir = o.ascending ? 1 : -1;
    sorters.push((a, b) => dir * cmp(a[field], b[field]));
  }
  if (!seen.has('name')) sorters.push((a, b) => cmp(a.name, b.name));
  if (!seen.has('version')) sorters.push((a, b) => b.version - a.version);
  const offset = parsePageToken(param(req, 'page_token'));

  // Narrow the scan with an index when the filter pins the run or the model; the full filter
  // still decides.
  // basic-auth does not filter this listing: versions of models the identity may not read are listed
  const all: ModelVersionRecord[] = [];
  const prompts = queriesPrompts(clauses);
  const shown = (mv: ModelVersionRecord) => match(mv) && (prompts || !isPromptVersionOf(state.getModel(mv.name)!));
  const byRun = clauses.find((c) => isAttr(c.entity) && c.key === 'run_id' && (c.comparator === '=' || c.comparator === 'IN'));
  const exact = clauses.find((c) => isAttr(c.entity) && c.key === 'name' && c.comparator === '=');
  if (byRun) {
    const ids = new Set(Array.isArray(byRun.value) ? byRun.value : [String(byRun.value)]);
    for (const id of ids) for (const mv of state.versionsForRun(id)) if (shown(mv)) all.push(mv);
  } else {
    const models = exact ? [state.getModel(String(exact.value))].filter((m): m is ModelRecord => !!m) : [...state.models.values()];
    for (const m of models) for (const mv of m.versions) if (shown(mv)) all.push(mv);
  }
  all.sort((a, b) => {
    for (const s of sorters) {
      const r = s(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });
  const { page, next } = pageOf(all, offset, max);
  // Search results never carry aliases (MLflow 2.12): take them from the registered model.
  return ok(withList('model_versions', page.map((mv) => modelVersionToWire(mv)), next));
}

function requireVersion(state: MlflowState, req: HandlerRequest): ModelVersionRecord {
  const name = required(req, 'name');
  readableModel(req, name);
  const version = required(req, 'version');
  const n = versionNumber(version);
  const mv = state.getVersion(name, n);
  if (!mv) throw notFound(`Model Version (name=${name}, version=${version}) not found`);
  return mv;
}

function getModelVersion(state: MlflowState, req: HandlerRequest): HandlerResult {
  const mv = requireVersion(state, req);
  return ok({ model_version: modelVersionToWire(mv, state.aliasesOf(mv)) });
}

function getModelVersionDownloadUri(state: MlflowState, req: HandlerRequest): HandlerResult {
  return ok({ artifact_uri: requireVersion(state, req).source });
}

// ---------------------------------------------------------------- runs and experiments

function getRun(state: MlflowState, req: HandlerRequest): HandlerResult {
  const id = param(req, 'run_id') || param(req, 'run_uuid');
  if (!id) throw missingParameter('run_id');
  const run = state.runs.get(id);
  // runs/get also answers deleted runs (lifecycle_stage "deleted"), as MLflow does.
  if (!run) throw notFound(`Run with id=${id} not found`);
  if (experimentDenied(req, run.info.experiment_id)) throw new PermissionDenied();
  return ok({ run: runToWire(run, { v3: req.v3, view: 'get' }) });
}

const RUN_STRING_ATTRS: Record<string, (r: MlflowSeedRun) => string | undefined> = {
  run_id: (r) => r.info.run_id,
  run_name: (r) => r.info.run_name,
  status: (r) => r.info.status,
  user_id: (r) => r.info.user_id,
  artifact_uri: (r) => r.info.artifact_uri,
  lifecycle_stage: (r) => r.info.lifecycle_stage,
};
const RUN_NUMERIC_ATTRS: Record<string, (r: MlflowSeedRun) => number | undefined> = {
  start_time: (r) => r.info.start_time,
  end_time: (r) => r.info.end_time ?? undefined,
  created: (r) => r.info.start_time,
  Created: (r) => r.info.start_time,
};

function runEntity(entity: string | undefined, key: string): 'attribute' | 'metric' | 'param' | 'tag' | 'dataset' {
  switch (entity) {
    case 'attribute':
    case 'attributes':
    case 'attr':
    case 'run':
      return 'attribute';
    case 'metric':
    case 'metrics':
      return 'metric';
    case 'param':
    case 'params':
    case 'parameter':
    case 'parameters':
      return 'param';
    case 'tag':
    case 'tags':
      return 'tag';
    case 'dataset':
    case 'datasets':
      return 'dataset';
    default:
      throw invalidParameter(
        entity === undefined
          ? `Invalid identifier '${key}'. Columns should be specified as 'attribute.<key>', 'metric.<key>', 'tag.<key>', 'dataset.<key>', or 'param.'.`
          : `Invalid entity type '${entity}'. Valid values are ['metric', 'parameter', 'tag', 'attribute', 'dataset']`,
      );
  }
}

function runMatcher(clauses: FilterClause[]): (r: MlflowSeedRun) => boolean {
  const tests: ((r: MlflowSeedRun) => boolean)[] = [];
  for (const c of clauses) {
    const kind = runEntity(c.entity, c.key);
    if (kind === 'attribute') {
      const s = RUN_STRING_ATTRS[c.key];
      const n = RUN_NUMERIC_ATTRS[c.key];
      if (s) {
        const allowed = c.key === 'run_id' ? [...STRING_COMPARATORS, 'IN', 'NOT IN'] : STRING_COMPARATORS;
        if (!allowed.includes(c.comparator)) throw invalidParameter(`Invalid comparator '${c.comparator}' not one of '${JSON.stringify(allowed)}'`);
        tests.push((r) => compareString(s(r), c));
      } else if (n) {
        tests.push((r) => compareNumber(n(r), c));
      } else {
        throw invalidParameter(`Invalid attribute key '${c.key}' specified. Valid keys are '['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'lifecycle_stage', 'start_time', 'end_time']'`);
      }
    } else if (kind === 'metric') {
      tests.push((r) => {
        const m = r.data.metrics.find((x) => x.key === c.key);
        return m !== undefined && compareNumber(m.value, c);
      });
    } else if (kind === 'param' || kind === 'tag') {
      if (!STRING_COMPARATORS.includes(c.comparator)) throw invalidParameter(`Invalid comparator '${c.comparator}' not one of '['=', '!=', 'LIKE', 'ILIKE']'`);
      tests.push((r) => {
        const v = tagValue(kind === 'param' ? r.data.params : r.data.tags, c.key);
        return v !== undefined && compareString(v, c);
      });
    } else {
      if (!['name', 'digest', 'context'].includes(c.key)) throw invalidParameter(`Invalid dataset key '${c.key}'. Valid keys are 'name', 'digest', 'context'`);
      tests.push((r) =>
        r.inputs.dataset_inputs.some((di) => {
          const v = c.key === 'context' ? tagValue(di.tags, 'mlflow.data.context') : c.key === 'name' ? di.dataset.name : di.dataset.digest;
          return v !== undefined && compareString(v, c);
        }),
      );
    }
  }
  return (r) => tests.every((t) => t(r));
}

function runSortValue(r: MlflowSeedRun, o: OrderBy): string | number | undefined {
  const kind = o.entity === undefined ? 'attribute' : runEntity(o.entity, o.key);
  if (kind === 'attribute') {
    const s = RUN_STRING_ATTRS[o.key];
    if (s) return s(r);
    const n = RUN_NUMERIC_ATTRS[o.key];
    if (n) return n(r);
    throw invalidParameter(`Invalid order_by attribute key '${o.key}'`);
  }
  if (kind === 'metric') return r.data.metrics.find((m) => m.key === o.key)?.value;
  if (kind === 'param') return tagValue(r.data.params, o.key);
  if (kind === 'tag') return tagValue(r.data.tags, o.key);
  throw invalidParameter(`Invalid order_by entity type '${o.entity}'`);
}

// Sorted result of the last runs/search query per state, so paging through a large experiment does
// not filter and sort every run again on each page. Keyed by the query and the state's revision.
const runsCache = new WeakMap<MlflowState, { key: string; runs: MlflowSeedRun[] }>();

function filterAndSortRuns(
  state: MlflowState,
  experimentIds: Set<string>,
  view: string,
  clauses: FilterClause[],
  orders: OrderBy[],
): MlflowSeedRun[] {
  const match = runMatcher(clauses);
  const pin = clauses.find((c) => runEntity(c.entity, c.key) === 'attribute' && c.key === 'run_id' && (c.comparator === '=' || c.comparator === 'IN'));
  const pool = pin
    ? [...new Set(Array.isArray(pin.value) ? pin.value : [String(pin.value)])].map((id) => state.runs.get(id)).filter((r): r is MlflowSeedRun => r !== undefined)
    : state.allRuns();
  const all = pool.filter(
    (r) =>
      experimentIds.has(r.info.experiment_id) &&
      (view === 'ALL' || (view === 'ACTIVE_ONLY' ? r.info.lifecycle_stage === 'active' : r.info.lifecycle_stage === 'deleted')) &&
      match(r),
  );
  const startTimeOrdered = orders.some((o) => (o.entity === undefined || runEntity(o.entity, o.key) === 'attribute') && o.key === 'start_time');
  all.sort((a, b) => {
    for (const o of orders) {
      const va = runSortValue(a, o);
      const vb = runSortValue(b, o);
      // NULLs (a run without that metric/param/tag) sort last whatever the direction
      const r = va === undefined || vb === undefined ? cmp(va, vb) : (o.ascending ? 1 : -1) * cmp(va, vb);
      if (r !== 0) return r;
    }
    if (!startTimeOrdered) {
      const r = b.info.start_time - a.info.start_time;
      if (r !== 0) return r;
    }
    return cmp(a.info.run_id, b.info.run_id);
  });
  return all;
}

function searchRuns(state: MlflowState, req: HandlerRequest): HandlerResult {
  // MLflow 3 with basic-auth drops the experiments the identity may not read, without saying so
  const experimentIds = new Set(listParam(req, 'experiment_ids').filter((id) => !experimentDenied(req, id)));
  const max = pageSize(req, req.body['max_results'], 1000, 50000);
  const view = (param(req, 'run_view_type') ?? 'ACTIVE_ONLY').toUpperCase();
  if (!['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'].includes(view)) {
    throw invalidParameter(`Invalid value ${view} for parameter 'run_view_type' supplied.`);
  }
  const filter = param(req, 'filter') ?? '';
  const clauses = parseFilter(filter);
  runMatcher(clauses); // validate even when no run would be compared
  const orderBy = listParam(req, 'order_by');
  const orders = orderBy.map(parseOrderBy);
  for (const o of orders) runSortValue(EMPTY_RUN, o); // validate order_by keys up front
  const offset = parsePageToken(param(req, 'page_token'));

  const key = JSON.stringify([state.revision, state.runs.size, [...experimentIds], view, filter, orderBy]);
  const cached = runsCache.get(state);
  const all = cached && cached.key === key ? cached.runs : filterAndSortRuns(state, experimentIds, view, clauses, orders);
  runsCache.set(state, { key, runs: all });

  const page = all.slice(offset, offset + max);
  // Tracking-store quirk (sqlalchemy_store._search_runs): a token is returned whenever the page is
  // full, so when the total is a multiple of max_results the last call answers an empty page: {}.
  const next = page.length === max ? createPageToken(offset + max) : undefined;
  return ok(withList('runs', page.map((r) => runToWire(r, { v3: req.v3, view: 'search' })), next));
}

const EMPTY_RUN: MlflowSeedRun = {
  info: { run_id: '', run_uuid: '', experiment_id: '', run_name: '', user_id: '', status: 'FINISHED', start_time: 0, artifact_uri: '', lifecycle_stage: 'active' },
  data: { metrics: [], params: [], tags: [] },
  inputs: { dataset_inputs: [] },
};

function getExperiment(state: MlflowState, req: HandlerRequest): HandlerResult {
  const id = required(req, 'experiment_id');
  const e = state.experiments.get(id);
  if (!e) throw notFound(`No Experiment with id=${id} exists`);
  return ok({ experiment: experimentToWire(e) });
}

function getExperimentByName(state: MlflowState, req: HandlerRequest): HandlerResult {
  const name = required(req, 'experiment_name');
  const e = [...state.experiments.values()].find((x) => x.name === name);
  if (!e) throw notFound(`Could not find experiment with name ${name}`);
  return ok({ experiment: experimentToWire(e) });
}

function searchExperiments(state: MlflowState, req: HandlerRequest): HandlerResult {
  // the handler has no default page size: a missing max_results reaches the store as 0 (MLflow 2.22, 3.6)
  const raw = rawParam(req, 'max_results');
  if (raw === undefined || raw === null || raw === '') throw invalidParameter("Invalid value 0 for parameter 'max_results' supplied. It must be a positive integer");
  const max = pageSize(req, raw, 1000, 50000);
  const view = (param(req, 'view_type') ?? 'ACTIVE_ONLY').toUpperCase();
  const clauses = parseFilter(param(req, 'filter'));
  for (const c of clauses) {
    if (!(isAttr(c.entity) && c.key === 'name') && !isTag(c.entity)) {
      throw invalidParameter(`Invalid attribute key '${c.key}' specified. Valid keys are '{'name', 'creation_time', 'last_update_time'}'`);
    }
  }
  const offset = parsePageToken(param(req, 'page_token'));
  const all = [...state.experiments.values()]
    .filter((e) => !experimentDenied(req, e.experiment_id))
    .filter((e) => view === 'ALL' || (view === 'ACTIVE_ONLY' ? e.lifecycle_stage === 'active' : e.lifecycle_stage === 'deleted'))
    .filter((e) =>
      clauses.every((c) => {
        if (isTag(c.entity)) {
          const v = tagValue(e.tags ?? [], c.key);
          return v !== undefined && compareString(v, c);
        }
        return compareString(e.name, c);
      }),
    )
    .sort((a, b) => b.creation_time - a.creation_time || cmp(a.experiment_id, b.experiment_id));
  const { page, next } = pageOf(all, offset, max);
  return ok(withList('experiments', page.map(experimentToWire), next));
}

// ---------------------------------------------------------------- optional features

function listWebhooks(state: MlflowState, req: HandlerRequest): HandlerResult {
  const max = pageSize(req, rawParam(req, 'max_results'), 100, 1000);
  const offset = parsePageToken(param(req, 'page_token'));
  const { page, next } = pageOf(state.webhooks, offset, max);
  return ok(withList('webhooks', page.map(webhookToWire), next));
}

function listRegistryWebhooks(state: MlflowState, req: HandlerRequest): HandlerResult {
  const model = param(req, 'model_name');
  const events = listParam(req, 'events');
  const offset = parsePageToken(param(req, 'page_token'));
  const all = state.registryWebhooks.filter(
    (w) => (model === undefined || w.model_name === model) && (events.length === 0 || w.events.some((e) => events.includes(e))),
  );
  const { page, next } = pageOf(all, offset, 100);
  return ok(withList('webhooks', page.map(registryWebhookToWire), next));
}

function listTransitionRequests(state: MlflowState, req: HandlerRequest): HandlerResult {
  const mv = requireVersion(state, req);
  const reqs = state.transitionRequests.filter((r) => r.name === mv.name && Number(r.version) === mv.version);
  return ok(withList('requests', reqs.map(transitionRequestToWire), undefined));
}

// ---------------------------------------------------------------- LoggedModels (MLflow 3)

const LOGGED_MODEL_ATTRS: Record<string, (lm: MlflowSeedLoggedModel) => string | undefined> = {
  model_id: (lm) => lm.model_id,
  name: (lm) => lm.name,
  model_type: (lm) => lm.model_type,
  status: (lm) => lm.status,
  source_run_id: (lm) => lm.source_run_id,
};

function searchLoggedModels(state: MlflowState, req: HandlerRequest): HandlerResult {
  const ids = req.body['experiment_ids'];
  if (!Array.isArray(ids) || ids.length === 0) throw missingParameter('experiment_ids');
  const experiments = new Set(ids.map(String).filter((id) => !experimentDenied(req, id)));
  const max = pageSize(req, req.body['max_results'] ?? 100, 100, Number.MAX_SAFE_INTEGER);
  const clauses = parseFilter(param(req, 'filter'));
  const tests = clauses.map((c) => {
    const get = isAttr(c.entity) ? LOGGED_MODEL_ATTRS[c.key] : undefined;
    if (isTag(c.entity)) return (lm: MlflowSeedLoggedModel) => compareString(tagValue(lm.tags, c.key), c);
    // MLflow 3.6 answers an unknown attribute with a 500 (AttributeError); a client must not send one
    if (!get) throw new MlflowApiError(500, 'INTERNAL_ERROR', `type object 'SqlLoggedModel' has no attribute '${c.key}'`);
    return (lm: MlflowSeedLoggedModel) => compareString(get(lm), c);
  });
  const offset = parsePageToken(param(req, 'page_token'));
  const all = [...state.loggedModels.values()]
    .filter((lm) => lm.lifecycle_stage !== 'deleted' && experiments.has(lm.experiment_id) && tests.every((t) => t(lm)))
    .sort((a, b) => b.creation_timestamp_ms - a.creation_timestamp_ms || cmp(a.model_id, b.model_id));
  const { page, next } = pageOf(all, offset, max);
  return ok(withList('models', page.map(loggedModelToWire), next));
}

function getLoggedModel(state: MlflowState, req: HandlerRequest): HandlerResult {
  const id = req.pathParams?.['model_id'] ?? '';
  const lm = state.loggedModels.get(id);
  if (!lm || lm.lifecycle_stage === 'deleted') throw notFound(`Logged model with ID '${id}' not found.`);
  if (experimentDenied(req, lm.experiment_id)) throw new PermissionDenied();
  return ok({ model: loggedModelToWire(lm) });
}

// ---------------------------------------------------------------- route table

const W = ['POST'];
export const ROUTES: Record<string, Route> = {
  'registered-models/search': { read: { GET: searchRegisteredModels } },
  'registered-models/get': { read: { GET: getRegisteredModel } },
  'registered-models/alias': { read: { GET: getModelVersionByAlias }, write: ['POST', 'DELETE'] },
  'registered-models/get-latest-versions': { read: { GET: getLatestVersions, POST: getLatestVersions } },
  'registered-models/create': { read: {}, write: W },
  'registered-models/rename': { read: {}, write: W },
  'registered-models/update': { read: {}, write: ['PATCH'] },
  'registered-models/delete': { read: {}, write: ['DELETE'] },
  'registered-models/set-tag': { read: {}, write: W },
  'registered-models/delete-tag': { read: {}, write: ['DELETE'] },
  'model-versions/search': { read: { GET: searchModelVersions } },
  'model-versions/get': { read: { GET: getModelVersion } },
  'model-versions/get-download-uri': { read: { GET: getModelVersionDownloadUri } },
  'model-versions/create': { read: {}, write: W },
  'model-versions/update': { read: {}, write: ['PATCH'] },
  'model-versions/delete': { read: {}, write: ['DELETE'] },
  'model-versions/transition-stage': { read: {}, write: W },
  'model-versions/set-tag': { read: {}, write: W },
  'model-versions/delete-tag': { read: {}, write: ['DELETE'] },
  'runs/get': { read: { GET: getRun } },
  'runs/search': { read: { POST: searchRuns } },
  'runs/create': { read: {}, write: W },
  'runs/update': { read: {}, write: W },
  'runs/delete': { read: {}, write: W },
  'runs/restore': { read: {}, write: W },
  'runs/log-metric': { read: {}, write: W },
  'runs/log-parameter': { read: {}, write: W },
  'runs/log-batch': { read: {}, write: W },
  'runs/log-model': { read: {}, write: W },
  'runs/log-inputs': { read: {}, write: W },
  'runs/set-tag': { read: {}, write: W },
  'runs/delete-tag': { read: {}, write: W },
  'experiments/get': { read: { GET: getExperiment } },
  'experiments/get-by-name': { read: { GET: getExperimentByName } },
  'experiments/search': { read: { GET: searchExperiments, POST: searchExperiments } },
  'experiments/create': { read: {}, write: W },
  'experiments/update': { read: {}, write: W },
  'experiments/delete': { read: {}, write: W },
  'experiments/restore': { read: {}, write: W },
  'experiments/set-experiment-tag': { read: {}, write: W },
  webhooks: { read: { GET: listWebhooks }, write: W, feature: 'ossWebhooks' },
  'logged-models/search': { read: { POST: searchLoggedModels }, feature: 'loggedModels' },
  'logged-models/{model_id}': { read: { GET: getLoggedModel }, write: ['DELETE', 'PATCH'], feature: 'loggedModels' },
  'registry-webhooks/list': { read: { GET: listRegistryWebhooks }, feature: 'databricks' },
  'transition-requests/list': { read: { GET: listTransitionRequests }, feature: 'databricks' },
};

/** Endpoints whose responses carry next_page_token (targets of the repeatToken fault). */
export const PAGED_ROUTES = new Set([
  'registered-models/search',
  'model-versions/search',
  'runs/search',
  'experiments/search',
  'webhooks',
  'registry-webhooks/list',
  'logged-models/search',
]);

/** A templated route (logged-models/{model_id}) for a path below the API prefix, with its parameters. */
export function matchTemplate(name: string): { route: string; params: Record<string, string> } | undefined {
  const m = /^logged-models\/([^/]+)$/.exec(name);
  if (m && m[1] !== 'search') return { route: 'logged-models/{model_id}', params: { model_id: decodeURIComponent(m[1]!) } };
  return undefined;
}
