// Loopback HTTP server speaking MLflow REST 2.0 (node:http only). A test oracle: it imports no
// project code, only node built-ins and its own folder.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { MlflowApiError } from './filter.js';
import { matchTemplate, PAGED_ROUTES, PermissionDenied, ROUTES, type HandlerRequest, type HandlerResult } from './handlers.js';
import { MlflowState } from './state.js';
import type {
  MlflowFaultKind,
  MlflowFaultSpec,
  MlflowRecordedRequest,
  MlflowSandboxAuth,
  MlflowSandboxFeatures,
  MlflowSeed,
} from './types.js';

export interface MlflowSandboxOptions {
  seed: MlflowSeed;
  /** Port on 127.0.0.1; 0 / absent picks a free one. */
  port?: number;
  /** Delay added before every response. */
  latencyMs?: number;
  /** When set, every API request needs a matching Authorization header (Basic or Bearer). */
  auth?: MlflowSandboxAuth;
  features?: MlflowSandboxFeatures;
  /** Clock for mutator timestamps and request recording. Default Date.now. */
  now?: () => number;
  /** Requests per rolling second (wall clock) before 429 REQUEST_LIMIT_EXCEEDED. */
  rateLimitPerSecond?: number;
  /**
   * Per endpoint (e.g. 'model-versions/search'): the most items one page holds, whatever max_results
   * asks. Servers may clamp silently (Databricks Unity Catalog does); clients must page on anyway.
   */
  pageClamp?: Record<string, number>;
  /**
   * A multi-tenant server (the ODH fork's --enable-workspaces): the seed of each workspace besides
   * `default` (which is `seed`). GET workspaces lists them; the X-MLFLOW-WORKSPACE header selects one.
   * Without it the server is single-tenant: GET workspaces is an HTML 404, the header is ignored.
   */
  workspaces?: Record<string, MlflowSeed>;
}

export interface MlflowFaults {
  add(spec: MlflowFaultSpec): void;
  clear(): void;
  /** Faults still armed, with the hits they have left. */
  pending(): Readonly<MlflowFaultSpec & { remaining: number }>[];
}

export interface MlflowSandbox {
  /** Tracking URI, e.g. http://127.0.0.1:43123 (no trailing slash). */
  url: string;
  port: number;
  state: MlflowState;
  /** Every request received, in arrival order (live array; `requests.length = 0` clears it). */
  requests: MlflowRecordedRequest[];
  faults: MlflowFaults;
  /** Feature switches; may be flipped while the server runs. */
  features: Required<MlflowSandboxFeatures>;
  /** the state of one workspace (`options.workspaces`); `state` is the default workspace's */
  workspace(name: string): MlflowState;
  close(): Promise<void>;
}

export const API_PREFIX = '/api/2.0/mlflow/';

/** Flask / Werkzeug's 404 page, byte for byte as the real server sends it. */
export const HTML_404 =
  '<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.</p>\n';
export const HTML_405 =
  '<!doctype html>\n<html lang=en>\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n';

const MLFLOW_VERSION = '2.12.2';
/** MLflow's basic-auth app's 401 body (mlflow/server/auth/__init__.py make_basic_auth_response) */
const BASIC_AUTH_401 = 'You are not authenticated. Please see https://www.mlflow.org/docs/latest/auth/index.html#authenticating-to-mlflow on how to authenticate.';
const MAX_BODY = 16 * 1024 * 1024;

interface ArmedFault extends MlflowFaultSpec {
  remaining: number;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
  headers?: Record<string, string>;
}

const jsonReply = (status: number, obj: unknown, headers?: Record<string, string>): Reply => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(obj),
  ...(headers ? { headers } : {}),
});
const errorReply = (status: number, code: string, message: string, headers?: Record<string, string>): Reply =>
  jsonReply(status, { error_code: code, message }, headers);
const html = (status: number, body: string, headers?: Record<string, string>): Reply => ({
  status,
  contentType: 'text/html; charset=utf-8',
  body,
  ...(headers ? { headers } : {}),
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function queryRecord(params: URLSearchParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of params) {
    const cur = out[k];
    if (cur === undefined) out[k] = v;
    else if (Array.isArray(cur)) cur.push(v);
    else out[k] = [cur, v];
  }
  return out;
}

function checkAuth(auth: MlflowSandboxAuth, header: string | undefined): boolean {
  if (!header) return false;
  const sp = header.indexOf(' ');
  if (sp < 0) return false;
  const scheme = header.slice(0, sp).toLowerCase();
  const cred = header.slice(sp + 1).trim();
  if (scheme === 'basic' && auth.basic) {
    const decoded = Buffer.from(cred, 'base64').toString('utf8');
    return decoded === `${auth.basic.username}:${auth.basic.password}`;
  }
  if (scheme === 'bearer' && auth.token !== undefined) return cred === auth.token;
  return false;
}

export async function startMlflowSandbox(opts: MlflowSandboxOptions): Promise<MlflowSandbox> {
  const now = opts.now ?? Date.now;
  const state = new MlflowState(opts.seed, now);
  const states = new Map<string, MlflowState>([['default', state]]);
  for (const [name, seed] of Object.entries(opts.workspaces ?? {})) if (name !== 'default') states.set(name, new MlflowState(seed, now));
  const requests: MlflowRecordedRequest[] = [];
  const features: Required<MlflowSandboxFeatures> = {
    ossWebhooks: opts.features?.ossWebhooks ?? false,
    databricks: opts.features?.databricks ?? false,
    loggedModels: opts.features?.loggedModels ?? false,
  };
  const denied = opts.auth?.denied ? { models: new Set(opts.auth.denied.models ?? []), experiments: new Set(opts.auth.denied.experiments ?? []) } : undefined;
  let armed: ArmedFault[] = [];
  const recent: number[] = []; // wall-clock arrival times for the rate limiter
  const sockets = new Set<Socket>();

  const takeFault = (target: string, pageToken: string | undefined): ArmedFault | undefined => {
    for (const f of armed) {
      if (f.remaining <= 0) continue;
      if (f.path !== undefined && !target.includes(f.path)) continue;
      // repeatToken only bites on a request that carries a page token (page 2 onwards)
      if (f.kind === 'repeatToken' && !pageToken) continue;
      f.remaining -= 1;
      armed = armed.filter((x) => x.remaining > 0);
      return f;
    }
    return undefined;
  };

  const route = (
    method: string,
    pathname: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
    badJson: boolean,
    workspace: string | undefined,
  ): { reply: Reply; paged: boolean } => {
    if (pathname === '/health') return { reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: 'OK' }, paged: false };
    if (pathname === '/version') return { reply: { status: 200, contentType: 'text/plain; charset=utf-8', body: MLFLOW_VERSION }, paged: false };
    if (!pathname.startsWith(API_PREFIX)) return { reply: html(404, HTML_404), paged: false };
    const raw = pathname.slice(API_PREFIX.length);
    if (raw === 'workspaces' && opts.workspaces) {
      if (method !== 'GET') return { reply: errorReply(403, 'PERMISSION_DENIED', `The soc2 MLflow sandbox is read-only: ${method} ${pathname} is a write API.`), paged: false };
      return { reply: jsonReply(200, { workspaces: [...states.keys()].map((name) => ({ name })) }), paged: false };
    }
    let target = state;
    if (opts.workspaces && workspace) {
      const w = states.get(workspace);
      if (!w) return { reply: errorReply(404, 'RESOURCE_DOES_NOT_EXIST', `Workspace '${workspace}' not found`), paged: false };
      target = w;
    }
    const template = matchTemplate(raw);
    const name = template?.route ?? raw;
    const r = ROUTES[name];
    if (!r || (r.feature !== undefined && !features[r.feature])) return { reply: html(404, HTML_404), paged: false };
    const handler = r.read[method];
    if (!handler) {
      if (r.write?.includes(method)) {
        return {
          reply: errorReply(403, 'PERMISSION_DENIED', `The soc2 MLflow sandbox is read-only: ${method} ${pathname} is a write API.`),
          paged: false,
        };
      }
      const allowed = [...Object.keys(r.read), ...(r.write ?? [])];
      if (allowed.includes('GET')) allowed.push('HEAD');
      allowed.push('OPTIONS');
      return { reply: html(405, HTML_405, { Allow: [...new Set(allowed)].sort().join(', ') }), paged: false };
    }
    if (badJson) {
      return { reply: errorReply(400, 'MALFORMED_REQUEST', 'Malformed request: the body is not valid JSON.'), paged: false };
    }
    const hreq: HandlerRequest = {
      method,
      query,
      body,
      databricks: features.databricks,
      pageClamp: opts.pageClamp?.[name],
      v3: features.loggedModels,
      ...(denied ? { denied } : {}),
      ...(template ? { pathParams: template.params } : {}),
    };
    let result: HandlerResult;
    try {
      result = handler(target, hreq);
    } catch (e) {
      // basic-auth's refusal is a plain-text page, not MLflow's JSON error
      if (e instanceof PermissionDenied) return { reply: html(403, 'Permission denied'), paged: false };
      if (e instanceof MlflowApiError) return { reply: errorReply(e.status, e.errorCode, e.message), paged: false };
      return { reply: errorReply(500, 'INTERNAL_ERROR', `sandbox handler failed: ${(e as Error).message}`), paged: false };
    }
    return { reply: jsonReply(result.status, result.json), paged: PAGED_ROUTES.has(name) };
  };

  const send = (res: ServerResponse, entry: MlflowRecordedRequest, reply: Reply): void => {
    entry.status = reply.status;
    res.writeHead(reply.status, {
      'Content-Type': reply.contentType,
      'Content-Length': Buffer.byteLength(reply.body),
      ...(reply.headers ?? {}),
    });
    res.end(reply.body);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const raw = await readBody(req);
    let body: unknown;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        body = raw;
      }
    }
    const authHeader = req.headers.authorization;
    const entry: MlflowRecordedRequest = {
      method,
      path: url.pathname,
      query: queryRecord(url.searchParams),
      body,
      authScheme: authHeader ? (authHeader.split(' ')[0] ?? null) : null,
      status: 0,
      at: now(),
    };
    requests.push(entry);

    if (opts.latencyMs) await sleep(opts.latencyMs);

    if (opts.rateLimitPerSecond !== undefined) {
      const t = Date.now();
      while (recent.length > 0 && recent[0]! <= t - 1000) recent.shift();
      if (recent.length >= opts.rateLimitPerSecond) {
        send(res, entry, errorReply(429, 'REQUEST_LIMIT_EXCEEDED', 'Too many requests. Please retry later.', { 'Retry-After': '1' }));
        return;
      }
      recent.push(t);
    }

    const jsonBody: Record<string, unknown> = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
    const pageToken = url.searchParams.get('page_token') ?? (typeof jsonBody['page_token'] === 'string' ? jsonBody['page_token'] : undefined);
    const fault = takeFault(url.pathname + url.search, pageToken || undefined);
    if (fault) entry.fault = fault.kind;
    const retry = fault?.retryAfter !== undefined ? { 'Retry-After': String(fault.retryAfter) } : undefined;
    switch (fault?.kind) {
      case 'status429':
        return send(res, entry, errorReply(429, 'REQUEST_LIMIT_EXCEEDED', 'Too many requests. Please retry later.', retry));
      case 'status500':
        return send(res, entry, errorReply(500, 'INTERNAL_ERROR', 'Internal server error (injected fault).'));
      case 'status503':
        return send(res, entry, errorReply(503, 'TEMPORARILY_UNAVAILABLE', 'The service is temporarily unavailable (injected fault).', retry));
      case 'status401':
        return send(res, entry, errorReply(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.'));
      case 'status403':
        return send(res, entry, errorReply(403, 'PERMISSION_DENIED', 'The caller does not have permission to perform this operation.'));
      case 'reset':
        entry.status = 0;
        req.socket.destroy();
        return;
      case 'latency':
        await sleep(fault.ms ?? 1000);
        break;
      default:
        break;
    }

    const open = url.pathname === '/health' || url.pathname === '/version';
    if (opts.auth && !open && !checkAuth(opts.auth, authHeader)) {
      // MLflow's basic-auth app answers a plain-text 401 with a challenge; a token server (Databricks) JSON
      if (opts.auth.basic) return send(res, entry, html(401, BASIC_AUTH_401, { 'WWW-Authenticate': 'Basic realm="mlflow"' }));
      return send(res, entry, errorReply(401, 'UNAUTHENTICATED', 'Credential was not sent or was of an unsupported type for this API.'));
    }

    const badJson = raw.length > 0 && method !== 'GET' && typeof body === 'string';
    const workspace = typeof req.headers['x-mlflow-workspace'] === 'string' ? req.headers['x-mlflow-workspace'].trim() || undefined : undefined;
    const { reply, paged } = route(method, url.pathname, url.searchParams, jsonBody, badJson, workspace);

    if (fault?.kind === 'repeatToken' && paged && reply.status === 200 && pageToken) {
      const obj = JSON.parse(reply.body) as Record<string, unknown>;
      obj['next_page_token'] = pageToken; // the same token again: a client must stop, not loop
      reply.body = JSON.stringify(obj);
    }
    if (fault?.kind === 'truncate') {
      // Promise the whole body, send half of it, then drop the connection.
      const buf = Buffer.from(reply.body);
      entry.status = reply.status;
      res.writeHead(reply.status, { 'Content-Type': reply.contentType, 'Content-Length': buf.length });
      res.write(buf.subarray(0, Math.max(1, Math.floor(buf.length / 2))), () => {
        setImmediate(() => req.socket.destroy());
      });
      return;
    }
    if (fault?.kind === 'malformed') {
      // A complete, well-framed 200 whose body is not valid JSON.
      const cut = reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 2)));
      return send(res, entry, { status: 200, contentType: 'application/json', body: `${cut}<!-- upstream proxy error -->` });
    }
    send(res, entry, reply);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) {
        res.writeHead(500, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ error_code: 'INTERNAL_ERROR', message: `sandbox failure: ${(e as Error).message}` }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    state,
    workspace(name: string): MlflowState {
      const w = states.get(name);
      if (!w) throw new Error(`no workspace ${name} in this sandbox`);
      return w;
    },
    requests,
    features,
    faults: {
      add(spec: MlflowFaultSpec): void {
        const kinds: MlflowFaultKind[] = ['status429', 'status500', 'status503', 'status401', 'status403', 'latency', 'reset', 'truncate', 'malformed', 'repeatToken'];
        if (!kinds.includes(spec.kind)) throw new Error(`unknown fault kind ${String(spec.kind)}`);
        armed.push({ ...spec, remaining: spec.times ?? 1 });
      },
      clear(): void {
        armed = [];
      },
      pending() {
        return armed.map((f) => ({ ...f }));
      },
    },
    close(): Promise<void> {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
        server.closeAllConnections();
      });
    },
  };
}
