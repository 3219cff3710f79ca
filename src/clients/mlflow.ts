// A small typed MLflow REST client on node:http / node:https (see shared reference mlflow-api.md).
//
// Why our own client: the npm `mlflow` package is abandoned (no model registry, removed endpoints,
// logs request bodies). This one is read-only, paginates every list to the end (a repeated page
// token is an error, never a silently short list), retries throttling / 5xx / broken connections
// with exponential backoff and jitter (honouring Retry-After), turns a truncated or malformed body
// into an error instead of an empty result, reports an unknown route (HTML 404) as
// MlflowEndpointNotSupported for feature detection, and never puts credentials in an error.
import { readFileSync } from 'node:fs';
import { CircuitOpenError, isUnreachable, type Circuit } from '../core/circuit.js';
import { UsageError } from '../core/errors.js';
import { maskUserinfo } from '../core/redact.js';
import { abortableSleep, backoffDelay, classifyNetworkError, isRetriableStatus, parseRetryAfter } from './http-retry.js';
import { nodeTransport, type RawResponse, type Transport } from './mlflow-transport.js';
import type {
  DatabricksRegistryWebhook,
  Experiment,
  LoggedModel,
  ModelVersion,
  OssWebhook,
  RegisteredModel,
  Run,
  TransitionRequest,
  Workspace,
} from './mlflow-types.js';

export type * from './mlflow-types.js';

// ───────────────────────────── options ─────────────────────────────

export type MlflowAuth = { kind: 'basic'; username: string; password: string } | { kind: 'bearer'; token: string };

export interface MlflowCallInfo {
  method: 'GET' | 'POST';
  /** the API path without query, e.g. /api/2.0/mlflow/model-versions/search */
  path: string;
  /** HTTP status; 0 when no response arrived (network error, timeout, abort) */
  status: number;
  /** 1-based attempt number of this call */
  attempt: number;
  durationMs: number;
}

export interface MlflowClientOptions {
  /** http(s)://host[:port][/prefix]; credentials in the URI's userinfo are used as Basic auth when `auth` is absent */
  trackingUri: string;
  auth?: MlflowAuth;
  /** PEM CA bundle that replaces the default trust store for https (MLFLOW_TRACKING_SERVER_CERT_PATH) */
  caCertPath?: string;
  /** skip TLS certificate verification (MLFLOW_TRACKING_INSECURE_TLS=true) */
  insecureTls?: boolean;
  /** a Databricks workspace (its registry caps some page sizes lower); default: guessed from trackingUri */
  databricks?: boolean;
  /** per-attempt timeout, headers and body included; default 30000 (MLFLOW_HTTP_REQUEST_TIMEOUT, seconds) */
  timeoutMs?: number;
  /** attempts per call, first included; default 4 */
  maxAttempts?: number;
  /** first backoff delay; doubles per retry (with jitter), capped at 20 s; default 500 */
  baseDelayMs?: number;
  /** cap on a server's Retry-After; default 60000 */
  maxRetryAfterMs?: number;
  /** observes every HTTP attempt (for call counting and provenance) */
  onCall?: (c: MlflowCallInfo) => void;
  /**
   * shared by every client of one source: once a call gives up because the server is unreachable
   * (connection refused, DNS failure, connect timeout), every later call of any client fails at once
   * with that error instead of retrying
   */
  circuit?: Circuit;
  /** a workspace of a multi-tenant server (`--enable-workspaces`): sent as X-MLFLOW-WORKSPACE */
  workspace?: string;
  /** aborts every call of this client */
  signal?: AbortSignal;
  /** injectable for tests; default an abortable setTimeout */
  sleep?: (ms: number) => Promise<void>;
}

// ───────────────────────────── errors ─────────────────────────────

export interface MlflowErrorInit {
  message: string;
  /** HTTP status; 0 when no response arrived */
  status: number;
  /** MLflow's error_code (RESOURCE_DOES_NOT_EXIST, …) or ours: NETWORK_ERROR, TIMEOUT, TLS_ERROR, MALFORMED_RESPONSE, UNEXPECTED_REDIRECT, ABORTED, ENDPOINT_NOT_SUPPORTED, REPEATED_PAGE_TOKEN */
  errorCode: string;
  /** the API path without query */
  endpoint: string;
  method: 'GET' | 'POST';
  /** the failure is of a transient kind (it was retried when attempts remained) */
  retriable: boolean;
  attempts?: number;
  /** the errno-style code of a network failure (ECONNREFUSED, ENOTFOUND, …) */
  networkCode?: string;
}

export class MlflowError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly endpoint: string;
  readonly method: 'GET' | 'POST';
  readonly retriable: boolean;
  /** attempts made before giving up */
  readonly attempts: number;
  readonly networkCode: string | undefined;
  constructor(i: MlflowErrorInit) {
    super(i.message);
    this.name = 'MlflowError';
    this.status = i.status;
    this.errorCode = i.errorCode;
    this.endpoint = i.endpoint;
    this.method = i.method;
    this.retriable = i.retriable;
    this.attempts = i.attempts ?? 1;
    this.networkCode = i.networkCode;
  }
}

/** The server has no such route (an HTML 404/405, ENDPOINT_NOT_FOUND, 501): record "not supported by this server". */
export class MlflowEndpointNotSupported extends MlflowError {
  constructor(i: Omit<MlflowErrorInit, 'errorCode' | 'retriable'>) {
    super({ ...i, errorCode: 'ENDPOINT_NOT_SUPPORTED', retriable: false });
    this.name = 'MlflowEndpointNotSupported';
  }
}

/** The server handed out a page token it had handed out before: it is looping; the list would be endless or short. */
export class MlflowPaginationError extends MlflowError {
  readonly token: string;
  /** the page (1-based) whose response repeated the token */
  readonly page: number;
  constructor(p: { endpoint: string; method: 'GET' | 'POST'; token: string; page: number }) {
    super({
      message: `MLflow ${p.method} ${p.endpoint}: page ${p.page} returned a next_page_token seen before (${p.token.slice(0, 24)}${p.token.length > 24 ? '…' : ''}); refusing to loop`,
      status: 200,
      errorCode: 'REPEATED_PAGE_TOKEN',
      endpoint: p.endpoint,
      method: p.method,
      retriable: false,
    });
    this.name = 'MlflowPaginationError';
    this.token = p.token;
    this.page = p.page;
  }
}

// ───────────────────────────── results ─────────────────────────────

export interface MlflowPage<T> {
  items: T[];
  /** 1-based page number */
  page: number;
  /** the token that fetches the next page; absent on the last page */
  nextPageToken?: string;
}

/** A list read to its end: `complete` is always true (anything less throws). */
export interface MlflowList<T> {
  items: T[];
  pages: number;
  complete: true;
}

export interface MlflowClientStats {
  /** HTTP attempts made, retries included */
  calls: number;
  /** attempts after the first of a call */
  retries: number;
  /** attempts per API path */
  byPath: Record<string, number>;
}

export interface SearchRegisteredModelsParams {
  filter?: string;
  /** page size; server default 100, max 1000 */
  maxResults?: number;
  orderBy?: string[];
}

export interface SearchModelVersionsParams {
  /** only name, version_number, run_id, source_path, tags.x with = != LIKE ILIKE IN; stage is rejected */
  filter?: string;
  /** page size; server default 10000 */
  maxResults?: number;
  orderBy?: string[];
}

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface SearchRunsParams {
  /** experiments to search; omitted → every experiment (active and deleted), enumerated first */
  experimentIds?: string[];
  /** e.g. runIdInFilter(ids); '' for no filter */
  filter: string;
  /** page size; server default 1000, max 50000 */
  maxResults?: number;
  orderBy?: string[];
  /** default ALL: evidence includes runs deleted after the fact */
  runViewType?: ViewType;
}

export interface SearchExperimentsParams {
  filter?: string;
  /** page size; default 1000 (the server has no default: a missing max_results is a 400) */
  maxResults?: number;
  orderBy?: string[];
  /** default ALL */
  viewType?: ViewType;
}

export interface SearchLoggedModelsParams {
  /** required by the server; batches of 100 per call, pages numbered across batches */
  experimentIds: string[];
  /** e.g. runIdInFilter(ids, 'model_id') */
  filter?: string;
  /** page size; server default 100, no maximum */
  maxResults?: number;
}

export interface ListDatabricksRegistryWebhooksParams {
  modelName?: string;
  events?: string[];
}

export interface MlflowClient {
  /** the tracking server, without credentials (for provenance) */
  readonly server: string;
  /** the Basic-auth user name, when Basic auth is used */
  readonly user: string | undefined;
  /** the workspace this client is bound to (X-MLFLOW-WORKSPACE), if any */
  readonly workspace: string | undefined;
  /** a Databricks workspace: model-versions/search pages hold at most 10,000 there */
  readonly databricks: boolean;
  readonly stats: MlflowClientStats;

  iterateRegisteredModels(p?: SearchRegisteredModelsParams): AsyncGenerator<MlflowPage<RegisteredModel>, void, undefined>;
  searchRegisteredModels(p?: SearchRegisteredModelsParams): Promise<MlflowList<RegisteredModel>>;
  iterateModelVersions(p?: SearchModelVersionsParams): AsyncGenerator<MlflowPage<ModelVersion>, void, undefined>;
  searchModelVersions(p?: SearchModelVersionsParams): Promise<MlflowList<ModelVersion>>;
  iterateRuns(p: SearchRunsParams): AsyncGenerator<MlflowPage<Run>, void, undefined>;
  searchRuns(p: SearchRunsParams): Promise<MlflowList<Run>>;
  iterateExperiments(p?: SearchExperimentsParams): AsyncGenerator<MlflowPage<Experiment>, void, undefined>;
  searchExperiments(p?: SearchExperimentsParams): Promise<MlflowList<Experiment>>;
  iterateLoggedModels(p: SearchLoggedModelsParams): AsyncGenerator<MlflowPage<LoggedModel>, void, undefined>;
  /** MLflow ≥3: LoggedModels of the experiments (deleted ones are never returned) */
  searchLoggedModels(p: SearchLoggedModelsParams): Promise<MlflowList<LoggedModel>>;
  /** MLflow ≥3; a deleted LoggedModel answers 404 RESOURCE_DOES_NOT_EXIST */
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  /** multi-tenant servers (the ODH fork's --enable-workspaces); others throw MlflowEndpointNotSupported */
  listWorkspaces(): Promise<MlflowList<Workspace>>;
  iterateOssWebhooks(p?: { maxResults?: number }): AsyncGenerator<MlflowPage<OssWebhook>, void, undefined>;
  /** MLflow ≥3.3; older servers throw MlflowEndpointNotSupported */
  listOssWebhooks(p?: { maxResults?: number }): Promise<MlflowList<OssWebhook>>;
  iterateDatabricksRegistryWebhooks(p?: ListDatabricksRegistryWebhooksParams): AsyncGenerator<MlflowPage<DatabricksRegistryWebhook>, void, undefined>;
  /** Databricks only; open-source servers throw MlflowEndpointNotSupported */
  listDatabricksRegistryWebhooks(p?: ListDatabricksRegistryWebhooksParams): Promise<MlflowList<DatabricksRegistryWebhook>>;
  /** Databricks only (open requests); one page */
  listTransitionRequests(name: string, version: string | number): Promise<MlflowList<TransitionRequest>>;

  getRegisteredModel(name: string): Promise<RegisteredModel>;
  getModelVersion(name: string, version: string | number): Promise<ModelVersion>;
  /** a missing alias answers 400 INVALID_PARAMETER_VALUE (not 404) */
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  getRun(runId: string): Promise<Run>;
  getExperiment(experimentId: string): Promise<Experiment>;

  /** releases pooled connections (https with custom TLS) */
  close(): void;
}

// ───────────────────────────── helpers ─────────────────────────────

/**
 * `attributes.run_id IN ('a','b')` for runs/search (`run_id IN (...)` is the model-versions form:
 * pass `field: 'run_id'`). MLflow parses the list as a Python literal, so a quote or backslash is
 * escaped with a backslash. An empty list is refused: `IN ()` is a 400, and "no ids" must not look
 * like "no runs".
 */
export function runIdInFilter(ids: readonly string[], field: string = 'attributes.run_id'): string {
  if (ids.length === 0) throw new Error('runIdInFilter: no run ids');
  const quoted = ids.map((id) => `'${id.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
  return `${field} IN (${quoted.join(',')})`;
}

/** Splits a list into batches (default 100: a filter of 100 run ids stays well under URL limits). */
export function chunk<T>(items: readonly T[], size: number = 100): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`chunk: size must be a positive integer, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `databricks`, `databricks://profile`, or an https URL on a Databricks workspace domain. */
export function isDatabricksUri(uri: string): boolean {
  if (uri === 'databricks' || uri.startsWith('databricks://')) return true;
  try {
    const host = new URL(uri).hostname;
    return /(^|\.)(cloud\.databricks\.com|azuredatabricks\.net|gcp\.databricks\.com)$/.test(host);
  } catch {
    return false;
  }
}

function parseBoolEnv(name: string, v: string | undefined): boolean {
  if (v === undefined || v.trim() === '') return false;
  const s = v.trim().toLowerCase();
  if (s === 'true' || s === '1') return true;
  if (s === 'false' || s === '0') return false;
  throw new UsageError(`${name}: expected true or false, got ${JSON.stringify(v)}`);
}

/** MLflow's own variable: seconds, a positive number. */
function parseTimeoutEnv(name: string, v: string | undefined): number | undefined {
  if (v === undefined || v.trim() === '') return undefined;
  const n = Number(v.trim());
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name}: expected a number of seconds greater than 0, got ${JSON.stringify(v)}`);
  return n * 1000;
}

/**
 * Resolves client options the way MLflow's own client does: tracking URI from the override (the
 * config) or MLFLOW_TRACKING_URI (`databricks` → DATABRICKS_HOST); Basic auth from
 * MLFLOW_TRACKING_USERNAME + MLFLOW_TRACKING_PASSWORD (wins), else Bearer from
 * MLFLOW_TRACKING_TOKEN, else DATABRICKS_TOKEN on Databricks; MLFLOW_TRACKING_SERVER_CERT_PATH;
 * MLFLOW_TRACKING_INSECURE_TLS=true; MLFLOW_HTTP_REQUEST_TIMEOUT (seconds per attempt). Throws UsageError (exit 2) naming the variable at fault.
 */
export function mlflowClientOptionsFromEnv(env: NodeJS.ProcessEnv, overrides: { trackingUri?: string } = {}): MlflowClientOptions {
  const raw = (overrides.trackingUri ?? env.MLFLOW_TRACKING_URI ?? '').trim();
  const from = overrides.trackingUri !== undefined ? 'trackingUri' : 'MLFLOW_TRACKING_URI';
  if (raw === '') throw new UsageError('no MLflow tracking server: set sources.mlflow[].trackingUri in the config or MLFLOW_TRACKING_URI');
  const databricks = isDatabricksUri(raw);
  let trackingUri = raw;
  if (raw === 'databricks' || raw.startsWith('databricks://')) {
    const host = (env.DATABRICKS_HOST ?? '').trim();
    if (host === '') {
      throw new UsageError(`${from}=${raw.split('://')[0]}… needs DATABRICKS_HOST (reading ~/.databrickscfg profiles is not supported)`);
    }
    trackingUri = /^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`;
  }
  if (!/^https?:\/\//i.test(trackingUri)) {
    throw new UsageError(`${from}: ${JSON.stringify(maskUserinfo(trackingUri))} is not an http(s) tracking server (file stores and other schemes cannot be collected over REST)`);
  }
  let auth: MlflowAuth | undefined;
  const user = env.MLFLOW_TRACKING_USERNAME;
  const pass = env.MLFLOW_TRACKING_PASSWORD;
  if (user && pass) auth = { kind: 'basic', username: user, password: pass };
  else if (env.MLFLOW_TRACKING_TOKEN) auth = { kind: 'bearer', token: env.MLFLOW_TRACKING_TOKEN };
  else if (databricks && env.DATABRICKS_TOKEN) auth = { kind: 'bearer', token: env.DATABRICKS_TOKEN };
  const caCertPath = env.MLFLOW_TRACKING_SERVER_CERT_PATH?.trim() || undefined;
  const timeoutMs = parseTimeoutEnv('MLFLOW_HTTP_REQUEST_TIMEOUT', env.MLFLOW_HTTP_REQUEST_TIMEOUT);
  const insecureTls = parseBoolEnv('MLFLOW_TRACKING_INSECURE_TLS', env.MLFLOW_TRACKING_INSECURE_TLS);
  if (caCertPath && insecureTls) {
    throw new UsageError('MLFLOW_TRACKING_SERVER_CERT_PATH and MLFLOW_TRACKING_INSECURE_TLS=true are mutually exclusive');
  }
  return {
    trackingUri,
    databricks,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(auth ? { auth } : {}),
    ...(caCertPath ? { caCertPath } : {}),
    ...(insecureTls ? { insecureTls } : {}),
  };
}

// ───────────────────────────── implementation ─────────────────────────────

const API = '/api/2.0/mlflow';
const MAX_BACKOFF_MS = 20_000;
/** marks the error of a call refused by an open circuit (its code is the original failure's) */
const CIRCUIT_OPEN = 'CIRCUIT_OPEN';
/** experiments/search page size when none is given (the Python client's default) */
const EXPERIMENTS_PAGE = 1000;
/** GET webhooks: the server's maximum page size (1..1000) */
const WEBHOOKS_PAGE = 1000;

type Method = 'GET' | 'POST';
type QueryValue = string | number | boolean | readonly string[] | undefined;
type Json = Record<string, unknown>;

class Malformed extends Error {}

function encodeQuery(params: Record<string, QueryValue>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined) continue;
    const values = Array.isArray(v) ? v : [String(v)];
    for (const one of values) parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(one)}`);
  }
  return parts.join('&');
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A repeated field: protobuf JSON omits it when empty; anything but an array of objects is malformed. */
function listField<T>(body: Json, field: string, key: (item: Json) => unknown): T[] {
  const v = body[field];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new Malformed(`"${field}" is not a list`);
  for (const item of v) {
    if (!isObj(item)) throw new Malformed(`"${field}" holds a non-object`);
    const k = key(item);
    if (typeof k !== 'string' || k === '') throw new Malformed(`"${field}" holds an item without its identifier`);
  }
  return v as T[];
}

function nextToken(body: Json): string | undefined {
  const t = body.next_page_token;
  if (t === undefined || t === null || t === '') return undefined;
  if (typeof t !== 'string') throw new Malformed('"next_page_token" is not a string');
  return t;
}

function wrapped<T>(body: Json, field: string, key: (item: Json) => unknown): T {
  const v = body[field];
  if (!isObj(v)) throw new Malformed(`"${field}" is missing`);
  const k = key(v);
  if (typeof k !== 'string' || k === '') throw new Malformed(`"${field}" has no identifier`);
  return v as T;
}

const byName = (o: Json) => o.name;
const byModelVersion = (o: Json) => (typeof o.name === 'string' && typeof o.version === 'string' ? o.version : undefined);
const byRunId = (o: Json) => (isObj(o.info) ? (o.info.run_id ?? o.info.run_uuid) : undefined);
const byExperimentId = (o: Json) => o.experiment_id;
const byLoggedModelId = (o: Json) => (isObj(o.info) ? o.info.model_id : undefined);
const anyObject = () => 'ok';

function statusCode(status: number): string {
  if (status === 400) return 'INVALID_PARAMETER_VALUE';
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  if (status === 404) return 'RESOURCE_DOES_NOT_EXIST';
  if (status === 429) return 'REQUEST_LIMIT_EXCEEDED';
  if (status === 503) return 'TEMPORARILY_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_ERROR';
  return `HTTP_${status}`;
}

/** One attempt's signal: the per-attempt timeout combined with the caller's signal. */
function attemptSignal(timeoutMs: number, caller: AbortSignal | undefined): { signal: AbortSignal; timedOut: () => boolean; dispose: () => void } {
  const ctrl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctrl.abort(Object.assign(new Error(`timed out after ${timeoutMs} ms`), { name: 'TimeoutError' }));
  }, timeoutMs);
  const onAbort = () => ctrl.abort(caller!.reason);
  if (caller) {
    if (caller.aborted) ctrl.abort(caller.reason);
    else caller.addEventListener('abort', onAbort, { once: true });
  }
  return {
    signal: ctrl.signal,
    timedOut: () => timedOut,
    dispose: () => {
      clearTimeout(timer);
      caller?.removeEventListener('abort', onAbort);
    },
  };
}

function deepestMessage(e: unknown): string {
  let msg = e instanceof Error ? e.message : String(e);
  let cur: unknown = e;
  for (let i = 0; i < 4; i++) {
    const c = cur instanceof Error ? cur.cause : undefined;
    if (!(c instanceof Error)) break;
    if (c.message) msg = c.message;
    cur = c;
  }
  return msg;
}

class RestClient implements MlflowClient {
  readonly server: string;
  readonly user: string | undefined;
  readonly databricks: boolean;
  readonly stats: MlflowClientStats = { calls: 0, retries: 0, byPath: {} };

  private readonly origin: string;
  private readonly basePath: string;
  private readonly headers: Record<string, string>;
  private readonly secrets: string[];
  private readonly transport: Transport;
  private readonly timeoutMs: number;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly onCall: ((c: MlflowCallInfo) => void) | undefined;
  private readonly circuit: Circuit | undefined;
  readonly workspace: string | undefined;
  private readonly signal: AbortSignal | undefined;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(o: MlflowClientOptions) {
    let url: URL;
    try {
      url = new URL(o.trackingUri);
    } catch {
      throw new UsageError(`MLflow tracking URI is not a URL: ${JSON.stringify(maskUserinfo(o.trackingUri))}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new UsageError(`MLflow tracking URI must be http(s), got ${url.protocol}`);
    }
    let auth = o.auth;
    if (!auth && url.username) {
      auth = { kind: 'basic', username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    }
    url.username = '';
    url.password = '';
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.server = `${this.origin}${this.basePath}`;
    this.databricks = o.databricks ?? isDatabricksUri(this.origin);

    this.headers = { accept: 'application/json', 'user-agent': 'soc2-evidence-collector (mlflow-rest)' };
    this.workspace = o.workspace;
    if (o.workspace !== undefined) this.headers['x-mlflow-workspace'] = o.workspace;
    this.secrets = [];
    if (auth?.kind === 'basic') {
      const b64 = Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64');
      this.headers.authorization = `Basic ${b64}`;
      this.secrets.push(b64, auth.password);
      this.user = auth.username;
    } else if (auth?.kind === 'bearer') {
      this.headers.authorization = `Bearer ${auth.token}`;
      this.secrets.push(auth.token);
      this.user = undefined;
    } else {
      this.user = undefined;
    }

    if (url.protocol === 'https:' && (o.caCertPath || o.insecureTls)) {
      let ca: Buffer | undefined;
      if (o.caCertPath) {
        try {
          ca = readFileSync(o.caCertPath);
        } catch (e) {
          throw new UsageError(`MLflow CA bundle ${o.caCertPath} (MLFLOW_TRACKING_SERVER_CERT_PATH) cannot be read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
        }
      }
      this.transport = nodeTransport({ ...(ca ? { ca } : {}), insecure: o.insecureTls === true });
    } else {
      this.transport = nodeTransport();
    }

    const num = (v: number | undefined, dflt: number, min: number) => (v === undefined || !Number.isFinite(v) ? dflt : Math.max(min, v));
    this.timeoutMs = num(o.timeoutMs, 30_000, 1);
    this.maxAttempts = Math.floor(num(o.maxAttempts, 4, 1));
    this.baseDelayMs = num(o.baseDelayMs, 500, 0);
    this.maxRetryAfterMs = num(o.maxRetryAfterMs, 60_000, 0);
    this.onCall = o.onCall;
    this.circuit = o.circuit;
    this.signal = o.signal;
    this.sleep = o.sleep ?? ((ms) => abortableSleep(ms, this.signal));
  }

  close(): void {
    this.transport.close();
  }

  private redact(s: string): string {
    let out = s;
    for (const secret of this.secrets) if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join('[REDACTED]');
    return out;
  }

  private error(i: MlflowErrorInit): MlflowError {
    return new MlflowError({ ...i, message: this.redact(i.message) });
  }

  /**
   * One API call with retries. `parse` turns the JSON body of a 2xx into the result and throws
   * Malformed when the body is not what the endpoint answers.
   */
  private async call<T>(method: Method, endpoint: string, params: Record<string, QueryValue> | Json, parse: (body: Json) => T): Promise<T> {
    const path = `${API}/${endpoint}`;
    let target = `${this.origin}${this.basePath}${path}`;
    let body: string | undefined;
    const headers = { ...this.headers };
    if (method === 'GET') {
      const q = encodeQuery(params as Record<string, QueryValue>);
      if (q) target += `?${q}`;
    } else {
      body = JSON.stringify(params);
      headers['content-type'] = 'application/json';
    }
    const url = new URL(target);
    const label = `MLflow ${method} ${path}`;
    const callId = Symbol(label);
    // the source's circuit hears how every call ends: an unreachable server opens it for all clients
    try {
      const value = await this.attempts({ method, path, url, headers, body, label, callId }, parse);
      this.circuit?.settled(callId, null);
      return value;
    } catch (e) {
      if (e instanceof MlflowError) this.circuit?.settled(callId, { api: label, code: e.errorCode, message: e.message }, e.networkCode === CIRCUIT_OPEN || isUnreachable(e.networkCode));
      else this.circuit?.settled(callId, null);
      throw e;
    }
  }

  private async attempts<T>(
    r: { method: Method; path: string; url: URL; headers: Record<string, string>; body: string | undefined; label: string; callId: symbol },
    parse: (body: Json) => T,
  ): Promise<T> {
    const { method, path, url, headers, body, label, callId } = r;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.circuit?.beforeAttempt(callId, label);
      } catch (e) {
        if (!(e instanceof CircuitOpenError)) throw e;
        // the server was unreachable earlier in this collection: the same gap, no new attempt
        throw this.error({ message: `${label}: ${e.message}`, status: 0, errorCode: e.code, endpoint: path, method, retriable: false, attempts: attempt - 1, networkCode: CIRCUIT_OPEN });
      }
      if (this.signal?.aborted) {
        throw this.error({ message: `${label}: aborted`, status: 0, errorCode: 'ABORTED', endpoint: path, method, retriable: false, attempts: attempt - 1 });
      }
      this.stats.calls++;
      this.stats.byPath[path] = (this.stats.byPath[path] ?? 0) + 1;
      if (attempt > 1) this.stats.retries++;

      const started = performance.now();
      const sig = attemptSignal(this.timeoutMs, this.signal);
      let res: RawResponse | undefined;
      let failure: MlflowError | undefined;
      let retryAfterMs: number | undefined;
      try {
        res = await this.transport.send({ method, url, headers, ...(body !== undefined ? { body } : {}), signal: sig.signal });
      } catch (e) {
        if (this.signal?.aborted) {
          failure = this.error({ message: `${label}: aborted`, status: 0, errorCode: 'ABORTED', endpoint: path, method, retriable: false, attempts: attempt });
        } else if (sig.timedOut()) {
          failure = this.error({ message: `${label}: no complete response within ${this.timeoutMs} ms`, status: 0, errorCode: 'TIMEOUT', endpoint: path, method, retriable: true, attempts: attempt });
        } else {
          const { kind, code } = classifyNetworkError(e);
          if (kind === 'tls') {
            failure = this.error({
              message: `${label}: TLS verification failed (${code}); set MLFLOW_TRACKING_SERVER_CERT_PATH to the server's CA bundle`,
              status: 0,
              errorCode: 'TLS_ERROR',
              endpoint: path,
              method,
              retriable: false,
              attempts: attempt,
            });
          } else {
            failure = this.error({
              message: `${label}: network error${code ? ` ${code}` : ''}: ${deepestMessage(e)}`,
              status: 0,
              errorCode: 'NETWORK_ERROR',
              endpoint: path,
              method,
              retriable: kind === 'transient',
              attempts: attempt,
              ...(code ? { networkCode: code } : {}),
            });
          }
        }
      } finally {
        sig.dispose();
      }
      const durationMs = Math.round(performance.now() - started);
      if (this.onCall) {
        try {
          this.onCall({ method, path, status: res?.status ?? 0, attempt, durationMs });
        } catch {
          // an observer must not break collection
        }
      }

      if (res) {
        const outcome = this.interpret(res, method, path, label, attempt, parse);
        if (outcome.ok) return outcome.value;
        failure = outcome.error;
        if (failure.retriable && (res.status === 429 || res.status >= 500)) retryAfterMs = parseRetryAfter(res.header('retry-after'), this.maxRetryAfterMs);
      }

      const err = failure!;
      this.circuit?.attemptFailed(callId, err.networkCode);
      if (!err.retriable || attempt >= this.maxAttempts) {
        const final =
          err.retriable && this.maxAttempts > 1
            ? this.error({
                message: `${err.message} (gave up after ${attempt} attempts)`,
                status: err.status,
                errorCode: err.errorCode,
                endpoint: err.endpoint,
                method: err.method,
                retriable: true,
                attempts: attempt,
                ...(err.networkCode ? { networkCode: err.networkCode } : {}),
              })
            : err;
        throw final;
      }
      const delay = retryAfterMs ?? backoffDelay(attempt, this.baseDelayMs, MAX_BACKOFF_MS);
      try {
        await this.sleep(delay);
      } catch {
        // the caller's signal aborted the wait
      }
      if (this.signal?.aborted) {
        throw this.error({ message: `${label}: aborted`, status: 0, errorCode: 'ABORTED', endpoint: path, method, retriable: false, attempts: attempt });
      }
    }
  }

  private interpret<T>(res: RawResponse, method: Method, path: string, label: string, attempt: number, parse: (body: Json) => T): { ok: true; value: T } | { ok: false; error: MlflowError } {
    const status = res.status;
    const base = { endpoint: path, method, attempts: attempt, status };
    let json: unknown;
    let isJson = false;
    try {
      json = JSON.parse(res.body);
      isJson = true;
    } catch {
      isJson = false;
    }

    if (status >= 200 && status < 300) {
      if (!isJson) {
        return { ok: false, error: this.error({ ...base, message: `${label}: HTTP ${status} with a body that is not complete JSON (${res.body.length} bytes)`, errorCode: 'MALFORMED_RESPONSE', retriable: true }) };
      }
      if (!isObj(json)) {
        return { ok: false, error: this.error({ ...base, message: `${label}: HTTP ${status} with a JSON body that is not an object`, errorCode: 'MALFORMED_RESPONSE', retriable: true }) };
      }
      try {
        return { ok: true, value: parse(json) };
      } catch (e) {
        if (!(e instanceof Malformed)) throw e;
        return { ok: false, error: this.error({ ...base, message: `${label}: unexpected response: ${e.message}`, errorCode: 'MALFORMED_RESPONSE', retriable: true }) };
      }
    }

    if (status >= 300 && status < 400) {
      const loc = res.header('location');
      let where = '';
      if (loc) {
        try {
          const u = new URL(loc, `${this.origin}${path}`);
          where = ` to ${u.origin}${u.pathname}`;
        } catch {
          where = '';
        }
      }
      return {
        ok: false,
        error: this.error({ ...base, message: `${label}: HTTP ${status} redirect${where}; set the tracking URI to the server's final address`, errorCode: 'UNEXPECTED_REDIRECT', retriable: false }),
      };
    }

    const mlflowCode = isJson && isObj(json) && typeof json.error_code === 'string' ? json.error_code : undefined;
    const serverMessage = isJson && isObj(json) && typeof json.message === 'string' ? json.message : undefined;

    // the ODH fork without --enable-workspaces answers its workspace routes with a plain-text 503
    const workspacesOff = status === 503 && !isJson && res.body.includes('without multi-tenancy support');
    if ((mlflowCode === undefined && (status === 404 || status === 405)) || mlflowCode === 'ENDPOINT_NOT_FOUND' || status === 501 || workspacesOff) {
      return { ok: false, error: new MlflowEndpointNotSupported({ ...base, message: this.redact(`${label}: not supported by this server (HTTP ${status}${mlflowCode ? ` ${mlflowCode}` : ''})`) }) };
    }

    const errorCode = mlflowCode ?? statusCode(status);
    const detail = serverMessage !== undefined ? serverMessage.split('\n')[0]!.slice(0, 500) : `non-JSON ${res.header('content-type') ?? 'body'}`;
    return {
      ok: false,
      error: this.error({ ...base, message: `${label}: HTTP ${status} ${errorCode}: ${detail}`, errorCode, retriable: isRetriableStatus(status) }),
    };
  }

  /** Runs a paginated endpoint to its end, one page at a time; a repeated token throws. */
  private async *paginate<T>(method: Method, endpoint: string, fetchPage: (token: string | undefined) => Promise<{ items: T[]; next: string | undefined }>, firstPage = 1): AsyncGenerator<MlflowPage<T>, number, undefined> {
    const seen = new Set<string>();
    let token: string | undefined;
    let page = firstPage - 1;
    for (;;) {
      const { items, next } = await fetchPage(token);
      page++;
      if (next !== undefined && seen.has(next)) {
        throw new MlflowPaginationError({ endpoint: `${API}/${endpoint}`, method, token: next, page });
      }
      yield next !== undefined ? { items, page, nextPageToken: next } : { items, page };
      if (next === undefined) return page;
      seen.add(next);
      token = next;
    }
  }

  private async collect<T>(pages: AsyncIterable<MlflowPage<T>>): Promise<MlflowList<T>> {
    const items: T[] = [];
    let n = 0;
    for await (const p of pages) {
      n++;
      for (const it of p.items) items.push(it);
    }
    return { items, pages: n, complete: true };
  }

  // ── registered models ──

  async *iterateRegisteredModels(p: SearchRegisteredModelsParams = {}): AsyncGenerator<MlflowPage<RegisteredModel>, void, undefined> {
    yield* this.paginate('GET', 'registered-models/search', (token) =>
      this.call('GET', 'registered-models/search', { filter: p.filter, max_results: p.maxResults, order_by: p.orderBy, page_token: token }, (b) => ({
        items: listField<RegisteredModel>(b, 'registered_models', byName),
        next: nextToken(b),
      })),
    );
  }

  searchRegisteredModels(p: SearchRegisteredModelsParams = {}): Promise<MlflowList<RegisteredModel>> {
    return this.collect(this.iterateRegisteredModels(p));
  }

  getRegisteredModel(name: string): Promise<RegisteredModel> {
    return this.call('GET', 'registered-models/get', { name }, (b) => wrapped<RegisteredModel>(b, 'registered_model', byName));
  }

  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    return this.call('GET', 'registered-models/alias', { name, alias }, (b) => wrapped<ModelVersion>(b, 'model_version', byModelVersion));
  }

  // ── model versions ──

  async *iterateModelVersions(p: SearchModelVersionsParams = {}): AsyncGenerator<MlflowPage<ModelVersion>, void, undefined> {
    yield* this.paginate('GET', 'model-versions/search', (token) =>
      this.call('GET', 'model-versions/search', { filter: p.filter, max_results: p.maxResults, order_by: p.orderBy, page_token: token }, (b) => ({
        items: listField<ModelVersion>(b, 'model_versions', byModelVersion),
        next: nextToken(b),
      })),
    );
  }

  searchModelVersions(p: SearchModelVersionsParams = {}): Promise<MlflowList<ModelVersion>> {
    return this.collect(this.iterateModelVersions(p));
  }

  getModelVersion(name: string, version: string | number): Promise<ModelVersion> {
    return this.call('GET', 'model-versions/get', { name, version: String(version) }, (b) => wrapped<ModelVersion>(b, 'model_version', byModelVersion));
  }

  // ── experiments and runs ──

  async *iterateExperiments(p: SearchExperimentsParams = {}): AsyncGenerator<MlflowPage<Experiment>, void, undefined> {
    yield* this.paginate('GET', 'experiments/search', (token) =>
      this.call(
        'GET',
        'experiments/search',
        // MLflow's handler has no default page size: without max_results it answers 400 ("Invalid value 0")
        { filter: p.filter, max_results: p.maxResults ?? EXPERIMENTS_PAGE, order_by: p.orderBy, view_type: p.viewType ?? 'ALL', page_token: token },
        (b) => ({ items: listField<Experiment>(b, 'experiments', byExperimentId), next: nextToken(b) }),
      ),
    );
  }

  searchExperiments(p: SearchExperimentsParams = {}): Promise<MlflowList<Experiment>> {
    return this.collect(this.iterateExperiments(p));
  }

  getExperiment(experimentId: string): Promise<Experiment> {
    return this.call('GET', 'experiments/get', { experiment_id: experimentId }, (b) => wrapped<Experiment>(b, 'experiment', byExperimentId));
  }

  /**
   * runs/search is POST only and needs experiment ids: without them the server answers an empty
   * list, which would read as "no runs". So when none are given, every experiment (active and
   * deleted) is enumerated first. Ids go in batches of 100; pages are numbered across batches.
   */
  async *iterateRuns(p: SearchRunsParams): AsyncGenerator<MlflowPage<Run>, void, undefined> {
    let ids = p.experimentIds;
    if (ids === undefined) {
      ids = [];
      for await (const page of this.iterateExperiments({ viewType: 'ALL' })) for (const e of page.items) ids.push(e.experiment_id);
    }
    if (ids.length === 0) {
      // a server with no experiments has no runs: one (virtual) empty page keeps the shape honest
      yield { items: [], page: 1 };
      return;
    }
    yield* this.paginateBatches(
      ids,
      'runs/search',
      (batch, token) => ({
        experiment_ids: batch,
        filter: p.filter,
        run_view_type: p.runViewType ?? 'ALL',
        ...(p.maxResults !== undefined ? { max_results: p.maxResults } : {}),
        ...(p.orderBy ? { order_by: p.orderBy } : {}),
        ...(token !== undefined ? { page_token: token } : {}),
      }),
      (b) => listField<Run>(b, 'runs', byRunId),
    );
  }

  /** A POST search over experiment ids, 100 ids per request (each batch paged to its end), pages numbered across batches. */
  private async *paginateBatches<T>(ids: readonly string[], endpoint: string, request: (batch: string[], token: string | undefined) => Json, items: (b: Json) => T[]): AsyncGenerator<MlflowPage<T>, void, undefined> {
    let pageNo = 1;
    for (const batch of chunk(ids, 100)) {
      const pages = this.paginate('POST', endpoint, (token) => this.call('POST', endpoint, request(batch, token), (b) => ({ items: items(b), next: nextToken(b) })), pageNo);
      for (;;) {
        const r = await pages.next();
        if (r.done) {
          pageNo = r.value + 1;
          break;
        }
        yield r.value;
      }
    }
  }

  searchRuns(p: SearchRunsParams): Promise<MlflowList<Run>> {
    return this.collect(this.iterateRuns(p));
  }

  getRun(runId: string): Promise<Run> {
    return this.call('GET', 'runs/get', { run_id: runId }, (b) => wrapped<Run>(b, 'run', (r) => byRunId(r)));
  }

  // ── LoggedModels and workspaces (MLflow 3) ──

  async *iterateLoggedModels(p: SearchLoggedModelsParams): AsyncGenerator<MlflowPage<LoggedModel>, void, undefined> {
    if (p.experimentIds.length === 0) {
      yield { items: [], page: 1 };
      return;
    }
    yield* this.paginateBatches(
      p.experimentIds,
      'logged-models/search',
      (batch, token) => ({
        experiment_ids: batch,
        ...(p.filter ? { filter: p.filter } : {}),
        ...(p.maxResults !== undefined ? { max_results: p.maxResults } : {}),
        ...(token !== undefined ? { page_token: token } : {}),
      }),
      (b) => listField<LoggedModel>(b, 'models', byLoggedModelId),
    );
  }

  searchLoggedModels(p: SearchLoggedModelsParams): Promise<MlflowList<LoggedModel>> {
    return this.collect(this.iterateLoggedModels(p));
  }

  getLoggedModel(modelId: string): Promise<LoggedModel> {
    return this.call('GET', `logged-models/${encodeURIComponent(modelId)}`, {}, (b) => wrapped<LoggedModel>(b, 'model', byLoggedModelId));
  }

  async listWorkspaces(): Promise<MlflowList<Workspace>> {
    const items = await this.call('GET', 'workspaces', {}, (b) => listField<Workspace>(b, 'workspaces', byName));
    return { items, pages: 1, complete: true };
  }

  // ── webhooks and transition requests (optional features) ──

  async *iterateOssWebhooks(p: { maxResults?: number } = {}): AsyncGenerator<MlflowPage<OssWebhook>, void, undefined> {
    yield* this.paginate('GET', 'webhooks', (token) =>
      this.call('GET', 'webhooks', { max_results: p.maxResults ?? WEBHOOKS_PAGE, page_token: token }, (b) => ({
        items: listField<OssWebhook>(b, 'webhooks', (w) => w.webhook_id ?? w.id),
        next: nextToken(b),
      })),
    );
  }

  listOssWebhooks(p: { maxResults?: number } = {}): Promise<MlflowList<OssWebhook>> {
    return this.collect(this.iterateOssWebhooks(p));
  }

  async *iterateDatabricksRegistryWebhooks(p: ListDatabricksRegistryWebhooksParams = {}): AsyncGenerator<MlflowPage<DatabricksRegistryWebhook>, void, undefined> {
    yield* this.paginate('GET', 'registry-webhooks/list', (token) =>
      this.call('GET', 'registry-webhooks/list', { model_name: p.modelName, events: p.events, page_token: token }, (b) => ({
        items: listField<DatabricksRegistryWebhook>(b, 'webhooks', (w) => w.id),
        next: nextToken(b),
      })),
    );
  }

  listDatabricksRegistryWebhooks(p: ListDatabricksRegistryWebhooksParams = {}): Promise<MlflowList<DatabricksRegistryWebhook>> {
    return this.collect(this.iterateDatabricksRegistryWebhooks(p));
  }

  async listTransitionRequests(name: string, version: string | number): Promise<MlflowList<TransitionRequest>> {
    const items = await this.call('GET', 'transition-requests/list', { name, version: String(version) }, (b) => listField<TransitionRequest>(b, 'requests', anyObject));
    return { items, pages: 1, complete: true };
  }
}

export function createMlflowClient(opts: MlflowClientOptions): MlflowClient {
  return new RestClient(opts);
}
