// A small client for the Prometheus HTTP API (Prometheus, Thanos, Mimir, Amazon Managed Prometheus):
// GET requests on Node's fetch with a timeout per attempt, retries on throttling and transient
// failures (src/clients/http-retry.ts), and every failure as an error naming the call. The API's
// envelope is {status, data, errorType, error, warnings}; a 2xx without status "success" is an error.
// Credentials come from environment variables named in the config and never appear in messages.
import { createHash, createHmac } from 'node:crypto';
import { abortableSleep, backoffDelay, classifyNetworkError, isRetriableStatus, parseRetryAfter } from './http-retry.js';
import { redactString } from '../core/redact.js';

const ATTEMPTS = 4;

/** A failed API call: `code` is Prometheus's errorType, HTTP_<status>, or a network code. */
export class PrometheusApiError extends Error {
  constructor(
    readonly api: string,
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'PrometheusApiError';
  }
}

export interface ApiAnswer<T> {
  data: T;
  /** the API's warnings: errors that did not stop the request (e.g. a Thanos store that did not answer) */
  warnings: string[];
}

/** Adds authentication to one request; SigV4 signs the exact URL, so it sees it. */
export type Authorizer = (req: { method: 'GET'; url: URL }) => Promise<Record<string, string>>;

export interface PrometheusClientOptions {
  baseUrl: string;
  authorize?: Authorizer;
  timeoutMs: number;
  /** called once per HTTP attempt */
  onCall?: (c: { api: string; attempt: number }) => void;
  /** base of the exponential backoff between attempts */
  backoffBaseMs?: number;
}

export interface PrometheusClient {
  /** the base URL as shown in evidence (no credentials: the config refuses them in URLs) */
  readonly server: string;
  get<T>(api: string, path: string, params?: Record<string, string>): Promise<ApiAnswer<T>>;
}

interface Envelope {
  status?: unknown;
  data?: unknown;
  errorType?: unknown;
  error?: unknown;
  warnings?: unknown;
}

const short = (s: string) => redactString(s.replace(/\s+/g, ' ').trim()).slice(0, 300);

function statusCode(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'PERMISSION_DENIED';
  return `HTTP_${status}`;
}

/** Reads the API envelope of one answer; throws PrometheusApiError for anything but success. */
function readEnvelope<T>(call: string, status: number, text: string, isPlainApi: boolean): ApiAnswer<T> {
  const api = call.split(' ')[0]!;
  let body: Envelope | unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what = status >= 200 && status < 300 ? 'an answer that is not JSON' : `HTTP ${status}`;
    throw new PrometheusApiError(api, status >= 200 && status < 300 ? 'BAD_RESPONSE' : statusCode(status), `${call} answered ${what}: ${short(text) || '(empty body)'}`, status);
  }
  // Alertmanager's v2 API answers bare JSON (arrays, objects), not the Prometheus envelope
  if (!isPlainApi) {
    if (status >= 200 && status < 300) return { data: body as T, warnings: [] };
    throw new PrometheusApiError(api, statusCode(status), `${call} answered HTTP ${status}: ${short(text)}`, status);
  }
  const env = (body && typeof body === 'object' ? body : {}) as Envelope;
  if (env.status === 'success' && status >= 200 && status < 300) {
    const warnings = Array.isArray(env.warnings) ? env.warnings.map((w) => short(String(w))) : [];
    return { data: env.data as T, warnings };
  }
  if (env.status === 'error') {
    const code = typeof env.errorType === 'string' && env.errorType ? env.errorType : statusCode(status);
    throw new PrometheusApiError(api, code, `${call} answered HTTP ${status} ${code}: ${short(String(env.error ?? ''))}`, status);
  }
  throw new PrometheusApiError(api, status >= 200 && status < 300 ? 'BAD_RESPONSE' : statusCode(status), `${call} answered HTTP ${status} without the API's status field: ${short(text)}`, status);
}

/** RFC 3986 encoding: a space is %20 and a "+" (a PromQL operator) %2B, never "+", so a SigV4 signature matches what the server decodes. */
const rfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function joinUrl(base: string, path: string, params: Record<string, string>): URL {
  const u = new URL(base.replace(/\/+$/, '') + path);
  const q = Object.entries(params).map(([k, v]) => `${rfc3986(k)}=${rfc3986(v)}`);
  if (q.length) u.search = q.join('&');
  return u;
}

export function createPrometheusClient(o: PrometheusClientOptions): PrometheusClient {
  const server = o.baseUrl.replace(/\/+$/, '');
  const base = o.backoffBaseMs ?? 500;
  return {
    server,
    async get<T>(api: string, path: string, params: Record<string, string> = {}): Promise<ApiAnswer<T>> {
      const url = joinUrl(server, path, params);
      const prometheusApi = path.startsWith('/api/v1/');
      let last: unknown;
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        o.onCall?.({ api, attempt });
        let res: Response;
        let text: string;
        try {
          const headers = { accept: 'application/json', ...(o.authorize ? await o.authorize({ method: 'GET', url }) : {}) };
          res = await fetch(url, { headers, signal: AbortSignal.timeout(o.timeoutMs) });
          text = await res.text();
        } catch (e) {
          const timedOut = (e as { name?: string }).name === 'TimeoutError';
          const net = classifyNetworkError(e);
          last = new PrometheusApiError(api, timedOut ? 'TIMEOUT' : (net.code ?? 'NETWORK_ERROR'), timedOut ? `${api} (GET ${path}): no answer from ${server} within ${o.timeoutMs} ms` : `${api} (GET ${path}): ${server} could not be reached (${net.code ?? (e as Error).message})`);
          if (!timedOut && net.kind !== 'transient') throw last;
          if (attempt < ATTEMPTS) await abortableSleep(backoffDelay(attempt, base, 8000));
          continue;
        }
        if (isRetriableStatus(res.status) && attempt < ATTEMPTS) {
          last = undefined;
          await abortableSleep(parseRetryAfter(res.headers.get('retry-after'), 30_000) ?? backoffDelay(attempt, base, 8000));
          continue;
        }
        return readEnvelope<T>(`${api} (GET ${path})`, res.status, text, prometheusApi);
      }
      throw last ?? new PrometheusApiError(api, 'RETRIES_EXHAUSTED', `${api}: ${ATTEMPTS} attempts failed`);
    },
  };
}

/** Authorization: Bearer from an environment variable. */
export function bearerAuthorizer(token: string): Authorizer {
  return async () => ({ authorization: `Bearer ${token}` });
}

export function basicAuthorizer(user: string, password: string): Authorizer {
  const v = Buffer.from(`${user}:${password}`).toString('base64');
  return async () => ({ authorization: `Basic ${v}` });
}

const toBytes = (d: string | ArrayBuffer | ArrayBufferView): string | Uint8Array =>
  typeof d === 'string' ? d : d instanceof ArrayBuffer ? new Uint8Array(d) : new Uint8Array(d.buffer, d.byteOffset, d.byteLength);

/** SHA-256 for @smithy/signature-v4 on node:crypto (HMAC when given a secret). */
class NodeSha256 {
  private h;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret === undefined ? createHash('sha256') : createHmac('sha256', toBytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView): void {
    this.h.update(toBytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.h.digest());
  }
}

/** SigV4 (Amazon Managed Prometheus, service "aps") with the AWS SDK's default credential chain. */
export async function sigv4Authorizer(o: { region: string; service: string; profile?: string }): Promise<Authorizer> {
  const { SignatureV4, fromNodeProviderChain } = await import('./sigv4-deps.js');
  const signer = new SignatureV4({ credentials: fromNodeProviderChain(o.profile ? { profile: o.profile } : {}), region: o.region, service: o.service, sha256: NodeSha256 });
  return async ({ method, url }) => {
    const query: Record<string, string> = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const signed = await signer.sign({ method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined, path: url.pathname, query, headers: { host: url.host } });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers)) if (k.toLowerCase() !== 'host') out[k] = String(v);
    return out;
  };
}
