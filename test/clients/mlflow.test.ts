// The MLflow REST client against a tiny loopback server defined here, answering with bodies a
// real MLflow 2.12 server returned (fixtures/mlflow/recorded-2.12). The server is the
// oracle: it is written from the wire facts, not from the client.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  chunk,
  createMlflowClient,
  isDatabricksUri,
  MlflowEndpointNotSupported,
  MlflowError,
  MlflowPaginationError,
  mlflowClientOptionsFromEnv,
  runIdInFilter,
  type MlflowCallInfo,
  type MlflowClientOptions,
} from '../../src/clients/mlflow.js';
import { backoffDelay, parseRetryAfter } from '../../src/clients/http-retry.js';
import { Circuit } from '../../src/core/circuit.js';
import { UsageError } from '../../src/core/errors.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const responses = path.resolve(repoRoot, 'fixtures', 'mlflow', 'recorded-2.12');
const canned = (name: string) => readFileSync(path.join(responses, name), 'utf8');

const TOKEN = 'dapi-s3cr3t-t0ken-value-0123456789';
const PASSWORD = 'hunter2-very-secret';

interface Recorded {
  method: string;
  url: URL;
  headers: http.IncomingHttpHeaders;
  body: string;
}
type Handler = (req: Recorded, res: http.ServerResponse) => void;

let handler: Handler = (_q, res) => res.writeHead(500).end();
let requests: Recorded[] = [];
let server: http.Server;
let base = '';

function onRequest(req: http.IncomingMessage, res: http.ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const rec: Recorded = { method: req.method ?? '', url: new URL(req.url ?? '/', 'http://x'), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
    requests.push(rec);
    handler(rec, res);
  });
}

function json(res: http.ServerResponse, status: number, body: string | object, headers: Record<string, string> = {}) {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

const endpoint = (r: Recorded) => r.url.pathname.replace('/api/2.0/mlflow/', '');

/** a client with instant, recorded sleeps */
function client(extra: Partial<MlflowClientOptions> = {}) {
  const sleeps: number[] = [];
  const calls: MlflowCallInfo[] = [];
  const c = createMlflowClient({
    trackingUri: base,
    baseDelayMs: 100,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    onCall: (x) => calls.push(x),
    ...extra,
  });
  return { c, sleeps, calls };
}

async function caught(p: Promise<unknown>): Promise<MlflowError> {
  try {
    await p;
  } catch (e) {
    return e as MlflowError;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  server = http.createServer(onRequest);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

// Pooled keep-alive connections are left open between tests: closing them under the client would
// make the next request fail on a stale socket (and be retried), muddling the call counts.
afterEach(() => {
  requests = [];
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

describe('pagination', () => {
  it('reads model-versions/search page1 → page2 and stops when next_page_token is absent', async () => {
    handler = (q, res) => {
      expect(endpoint(q)).toBe('model-versions/search');
      json(res, 200, q.url.searchParams.get('page_token') === 'eyJvZmZzZXQiOiAyfQ==' ? canned('model-versions-search-page2.json') : canned('model-versions-search-page1.json'));
    };
    const { c } = client();
    const out = await c.searchModelVersions({ filter: "name='fraud-detector'", maxResults: 2, orderBy: ['version_number ASC', 'creation_timestamp DESC'] });
    expect(out.complete).toBe(true);
    expect(out.pages).toBe(2);
    expect(out.items.map((v) => v.version)).toEqual(['1', '2', '3']);
    expect(out.items[1]!.tags).toContainEqual({ key: 'approved_by', value: 'alice@example.com' });
    expect(requests).toHaveLength(2);
    const first = requests[0]!.url.searchParams;
    expect(requests[0]!.method).toBe('GET');
    expect(first.get('filter')).toBe("name='fraud-detector'");
    expect(first.get('max_results')).toBe('2');
    expect(first.getAll('order_by')).toEqual(['version_number ASC', 'creation_timestamp DESC']);
    expect(first.has('page_token')).toBe(false);
    // the opaque token travels back byte for byte (its = signs percent-encoded)
    expect(requests[1]!.url.search).toContain('page_token=eyJvZmZzZXQiOiAyfQ%3D%3D');
    expect(c.stats).toEqual({ calls: 2, retries: 0, byPath: { '/api/2.0/mlflow/model-versions/search': 2 } });
  });

  it('iterates page by page, without holding the population', async () => {
    handler = (q, res) => json(res, 200, q.url.searchParams.get('page_token') ? canned('model-versions-search-page2.json') : canned('model-versions-search-page1.json'));
    const { c } = client();
    const seen: Array<{ page: number; n: number; next?: string }> = [];
    for await (const p of c.iterateModelVersions({ filter: "name='fraud-detector'" })) {
      seen.push({ page: p.page, n: p.items.length, ...(p.nextPageToken ? { next: p.nextPageToken } : {}) });
    }
    expect(seen).toEqual([
      { page: 1, n: 2, next: 'eyJvZmZzZXQiOiAyfQ==' },
      { page: 2, n: 1 },
    ]);
  });

  it('a repeated page token is an error, not an endless or short list', async () => {
    handler = (_q, res) => json(res, 200, canned('model-versions-search-page1.json'));
    const { c } = client();
    const e = await caught(c.searchModelVersions({}));
    expect(e).toBeInstanceOf(MlflowPaginationError);
    expect(e.errorCode).toBe('REPEATED_PAGE_TOKEN');
    expect((e as MlflowPaginationError).page).toBe(2);
    expect(requests).toHaveLength(2);
  });

  it('a token that reappears later (A → B → A) is caught too', async () => {
    let n = 0;
    handler = (_q, res) => json(res, 200, { registered_models: [{ name: `m${n}` }], next_page_token: ['A', 'B', 'A'][n++] });
    const { c } = client();
    const e = await caught(c.searchRegisteredModels());
    expect(e).toBeInstanceOf(MlflowPaginationError);
    expect(requests).toHaveLength(3);
  });

  it('an empty next_page_token ends the list; an empty page body {} is an empty page', async () => {
    let n = 0;
    handler = (_q, res) => json(res, 200, n++ === 0 ? { registered_models: [{ name: 'a' }], next_page_token: 't1' } : { next_page_token: '' });
    const { c } = client();
    const out = await c.searchRegisteredModels();
    expect(out).toEqual({ items: [{ name: 'a' }], pages: 2, complete: true });
  });

  it('searchRegisteredModels reads the real response (aliases from the registered model)', async () => {
    handler = (_q, res) => json(res, 200, canned('registered-models-search.json'));
    const { c } = client();
    const out = await c.searchRegisteredModels({ filter: "name LIKE 'fraud%'" });
    expect(out.pages).toBe(1);
    expect(out.items[0]!.aliases).toEqual([
      { alias: 'challenger', version: '3' },
      { alias: 'champion', version: '2' },
    ]);
    expect(out.items[0]!.latest_versions).toHaveLength(3);
  });

  it('runs/search is a POST with a JSON body and paginates', async () => {
    handler = (q, res) => {
      const body = JSON.parse(q.body) as { page_token?: string };
      json(res, 200, body.page_token ? canned('runs-search-page2.json') : canned('runs-search.json'));
    };
    const { c } = client();
    const filter = runIdInFilter(['24abedc40ae44fca9794904a3c69f366', 'f4bf0c68d5f3441bba928989985d503b']);
    const out = await c.searchRuns({ experimentIds: ['1'], filter, maxResults: 2, orderBy: ['attributes.start_time ASC'] });
    expect(out.pages).toBe(2);
    expect(out.items.map((r) => r.info.run_id)).toEqual(['24abedc40ae44fca9794904a3c69f366', '48624c8f95c84810acf5959587647215', 'f4bf0c68d5f3441bba928989985d503b']);
    const ds = out.items[2]!.inputs!.dataset_inputs!;
    expect(JSON.parse(ds[2]!.dataset.source!)).toEqual({ uri: 'gs://acme/holdout.csv' });
    expect(requests.map((r) => r.method)).toEqual(['POST', 'POST']);
    expect(requests[0]!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(requests[0]!.body)).toEqual({
      experiment_ids: ['1'],
      filter,
      run_view_type: 'ALL',
      max_results: 2,
      order_by: ['attributes.start_time ASC'],
    });
    expect(JSON.parse(requests[1]!.body).page_token).toBe('eyJvZmZzZXQiOiAyfQ==');
  });

  it('runs/search without experiment ids enumerates every experiment first (no silent empty list)', async () => {
    handler = (q, res) => {
      if (endpoint(q) === 'experiments/search') {
        expect(q.url.searchParams.get('view_type')).toBe('ALL');
        // the genuine server has no default page size: without max_results it answers 400
        expect(q.url.searchParams.get('max_results')).toBe('1000');
        return json(res, 200, canned('experiments-search.json'));
      }
      expect(JSON.parse(q.body).experiment_ids).toEqual(['1', '0']);
      json(res, 200, canned('runs-search-page2.json'));
    };
    const { c } = client();
    const out = await c.searchRuns({ filter: '' });
    expect(out.items).toHaveLength(1);
    expect(requests.map(endpoint)).toEqual(['experiments/search', 'runs/search']);
  });
});

describe('retries', () => {
  it('429 with Retry-After (seconds) waits what the server asked, then succeeds', async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ === 0) return json(res, 429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }, { 'retry-after': '7' });
      json(res, 200, canned('registered-models-get.json'));
    };
    const { c, sleeps, calls } = client();
    const m = await c.getRegisteredModel('fraud-detector');
    expect(m.name).toBe('fraud-detector');
    expect(sleeps).toEqual([7000]);
    expect(c.stats.calls).toBe(2);
    expect(c.stats.retries).toBe(1);
    expect(calls.map((x) => [x.status, x.attempt, x.path])).toEqual([
      [429, 1, '/api/2.0/mlflow/registered-models/get'],
      [200, 2, '/api/2.0/mlflow/registered-models/get'],
    ]);
  });

  it('Retry-After as an HTTP date is honoured and capped', async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ === 0) return json(res, 503, 'unavailable', { 'retry-after': new Date(Date.now() + 3_600_000).toUTCString() });
      json(res, 200, canned('registered-models-get.json'));
    };
    const { c, sleeps } = client({ maxRetryAfterMs: 5000 });
    await c.getRegisteredModel('fraud-detector');
    expect(sleeps).toEqual([5000]);
  });

  it('500 is retried with exponential backoff and jitter, then succeeds', async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ < 2) return json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'boom' });
      json(res, 200, canned('model-versions-get.json'));
    };
    const { c, sleeps } = client({ baseDelayMs: 100 });
    const v = await c.getModelVersion('fraud-detector', 2);
    expect(v.aliases).toEqual(['champion']);
    expect(requests[0]!.url.searchParams.get('version')).toBe('2');
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(50);
    expect(sleeps[0]).toBeLessThanOrEqual(100);
    expect(sleeps[1]).toBeGreaterThanOrEqual(100);
    expect(sleeps[1]).toBeLessThanOrEqual(200);
    expect(c.stats.retries).toBe(2);
  });

  it('5xx on every attempt throws a retriable MlflowError after maxAttempts', async () => {
    handler = (_q, res) => json(res, 502, '<html>bad gateway</html>', { 'content-type': 'text/html' });
    const { c, sleeps } = client({ maxAttempts: 3 });
    const e = await caught(c.getRun('48624c8f95c84810acf5959587647215'));
    expect(e).toBeInstanceOf(MlflowError);
    expect(e.status).toBe(502);
    expect(e.retriable).toBe(true);
    expect(e.attempts).toBe(3);
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('401 is an UNAUTHENTICATED MlflowError and is not retried', async () => {
    handler = (_q, res) => json(res, 401, { error_code: 'UNAUTHENTICATED', message: 'Credential was not provided' });
    const { c, sleeps } = client();
    const e = await caught(c.searchRegisteredModels());
    expect(e).toBeInstanceOf(MlflowError);
    expect(e).not.toBeInstanceOf(MlflowEndpointNotSupported);
    expect(e.errorCode).toBe('UNAUTHENTICATED');
    expect(e.status).toBe(401);
    expect(e.retriable).toBe(false);
    expect(e.endpoint).toBe('/api/2.0/mlflow/registered-models/search');
    expect(requests).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('a non-JSON 403 from a proxy still gets a code', async () => {
    handler = (_q, res) => json(res, 403, 'Forbidden', { 'content-type': 'text/plain' });
    const { c } = client();
    const e = await caught(c.getExperiment('1'));
    expect(e.errorCode).toBe('PERMISSION_DENIED');
    expect(e.retriable).toBe(false);
  });

  it('4xx errors from MLflow keep its error_code: a missing alias is 400, a missing model 404', async () => {
    handler = (q, res) =>
      endpoint(q) === 'registered-models/alias' ? json(res, 400, canned('error-alias-not-found.json')) : json(res, 404, canned('error-registered-model-not-found.json'));
    const { c } = client();
    const a = await caught(c.getModelVersionByAlias('fraud-detector', 'nope'));
    expect(a.errorCode).toBe('INVALID_PARAMETER_VALUE');
    expect(a.status).toBe(400);
    expect(a.message).toContain('Registered model alias nope not found.');
    const m = await caught(c.getRegisteredModel('does-not-exist'));
    expect(m).not.toBeInstanceOf(MlflowEndpointNotSupported);
    expect(m.errorCode).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(requests).toHaveLength(2);
  });

  it('an HTML 404 (unknown route) is MlflowEndpointNotSupported, not retried', async () => {
    handler = (_q, res) => {
      const html = canned('error-unknown-endpoint.json');
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    };
    const { c } = client();
    const e = await caught(c.listOssWebhooks());
    expect(e).toBeInstanceOf(MlflowEndpointNotSupported);
    expect(e).toBeInstanceOf(MlflowError);
    expect(e.errorCode).toBe('ENDPOINT_NOT_SUPPORTED');
    expect(e.endpoint).toBe('/api/2.0/mlflow/webhooks');
    expect(requests).toHaveLength(1);
    const d = await caught(c.listDatabricksRegistryWebhooks());
    expect(d).toBeInstanceOf(MlflowEndpointNotSupported);
    const t = await caught(c.listTransitionRequests('fraud-detector', 2));
    expect(t).toBeInstanceOf(MlflowEndpointNotSupported);
  });

  it('a truncated JSON body is an error after retries, never an empty result', async () => {
    const full = canned('model-versions-search-page1.json');
    handler = (_q, res) => json(res, 200, full.slice(0, Math.floor(full.length / 2)));
    const { c, sleeps } = client({ maxAttempts: 3 });
    const e = await caught(c.searchModelVersions({ filter: "name='fraud-detector'" }));
    expect(e).toBeInstanceOf(MlflowError);
    expect(e.errorCode).toBe('MALFORMED_RESPONSE');
    expect(e.retriable).toBe(true);
    expect(requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('a body cut off mid-stream (connection reset) is retried as a network error', async () => {
    const full = canned('registered-models-get.json');
    let n = 0;
    handler = (_q, res) => {
      if (n++ === 0) {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(full.length) });
        res.write(full.slice(0, 40));
        setTimeout(() => res.socket?.destroy(), 10);
        return;
      }
      json(res, 200, full);
    };
    const { c } = client();
    const m = await c.getRegisteredModel('fraud-detector');
    expect(m.latest_versions).toHaveLength(3);
    expect(c.stats.retries).toBe(1);
  });

  it('valid JSON of the wrong shape is malformed too', async () => {
    handler = (_q, res) => json(res, 200, { registered_models: 'nope' });
    const { c } = client({ maxAttempts: 1 });
    const e = await caught(c.searchRegisteredModels());
    expect(e.errorCode).toBe('MALFORMED_RESPONSE');
    handler = (_q, res) => json(res, 200, {});
    const g = await caught(c.getModelVersion('m', '1'));
    expect(g.errorCode).toBe('MALFORMED_RESPONSE');
    handler = (_q, res) => json(res, 200, 'null');
    expect((await caught(c.getRun('r'))).errorCode).toBe('MALFORMED_RESPONSE');
  });

  it('a redirect is not followed (credentials stay with the configured server)', async () => {
    handler = (_q, res) => res.writeHead(302, { location: 'https://login.example.com/sso?next=/x' }).end();
    const { c } = client({ auth: { kind: 'bearer', token: TOKEN } });
    const e = await caught(c.getExperiment('1'));
    expect(e.errorCode).toBe('UNEXPECTED_REDIRECT');
    expect(e.message).toContain('https://login.example.com/sso');
    expect(requests).toHaveLength(1);
  });

  it('connection refused is retried, then thrown as NETWORK_ERROR', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const { c, sleeps } = client({ trackingUri: `http://127.0.0.1:${port}`, maxAttempts: 2 });
    const e = await caught(c.getExperiment('1'));
    expect(e.errorCode).toBe('NETWORK_ERROR');
    expect(e.status).toBe(0);
    expect(e.message).toContain('ECONNREFUSED');
    expect(sleeps).toHaveLength(1);
  });

  it('one circuit per source: after a call gives up on an unreachable server, every client fails at once, no attempt', async () => {
    const dead = http.createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((r) => dead.close(() => r()));
    const circuit = new Circuit('mlflow');
    const a = client({ trackingUri: `http://127.0.0.1:${port}`, circuit });
    const b = client({ trackingUri: `http://127.0.0.1:${port}`, circuit });
    const first = await caught(a.c.searchRegisteredModels());
    expect(a.calls).toHaveLength(4);
    expect(first.message).toMatch(/ECONNREFUSED.*gave up after 4 attempts/);
    const [again, other] = await Promise.all([caught(a.c.searchModelVersions()), caught(b.c.searchExperiments())]);
    expect([a.calls.length, b.calls.length]).toEqual([4, 0]);
    for (const e of [again, other]) {
      expect(e.errorCode).toBe('NETWORK_ERROR');
      expect(e.message).toContain('not attempted');
      expect(e.message).toContain('ECONNREFUSED');
    }
  });

  it('a failure that is not "unreachable" leaves the circuit closed', async () => {
    handler = (_q, res) => json(res, 500, { error_code: 'INTERNAL_ERROR', message: 'boom' });
    const circuit = new Circuit('mlflow');
    const { c } = client({ circuit, maxAttempts: 2 });
    await caught(c.getExperiment('1'));
    expect(circuit.tripped).toBeNull();
    handler = (_q, res) => json(res, 200, canned('experiments-get.json'));
    expect((await c.getExperiment('1')).experiment_id).toBe('1');
  });
});

describe('timeouts and aborts', () => {
  it('a server that does not answer in time is a TIMEOUT, retried', async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ === 0) return; // hang
      json(res, 200, canned('experiments-get.json'));
    };
    const { c } = client({ timeoutMs: 150 });
    const t0 = Date.now();
    const e = await c.getExperiment('1');
    expect(e.name).toBe('soc2-evidence-demo');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(c.stats.retries).toBe(1);
  });

  it('gives up with TIMEOUT when every attempt hangs', async () => {
    handler = () => undefined;
    const { c } = client({ timeoutMs: 100, maxAttempts: 2 });
    const e = await caught(c.getExperiment('1'));
    expect(e.errorCode).toBe('TIMEOUT');
    expect(e.retriable).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('a body that stalls after the headers is a TIMEOUT too, retried', async () => {
    let n = 0;
    handler = (_q, res) => {
      if (n++ > 0) return json(res, 200, canned('experiments-get.json'));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write('{"experiment": {'); // and nothing more
    };
    const { c } = client({ timeoutMs: 150 });
    const e = await c.getExperiment('1');
    expect(e.name).toBe('soc2-evidence-demo');
    expect(c.stats.retries).toBe(1);
  });

  it("the caller's signal aborts at once and is not retried", async () => {
    handler = () => undefined;
    const ac = new AbortController();
    const { c } = client({ signal: ac.signal, timeoutMs: 10_000 });
    setTimeout(() => ac.abort(), 50);
    const e = await caught(c.getExperiment('1'));
    expect(e.errorCode).toBe('ABORTED');
    expect(requests).toHaveLength(1);
  });
});

describe('transport', () => {
  // fetch's first request loads and compiles undici: tens of ms before the first MLflow call
  it('sends plain http through node:http, never the global fetch', async () => {
    handler = (_q, res) => json(res, 200, canned('experiments-get.json'));
    const real = globalThis.fetch;
    globalThis.fetch = () => Promise.reject(new Error('global fetch used'));
    try {
      const { c } = client();
      expect((await c.getExperiment('1')).name).toBe('soc2-evidence-demo');
      expect(requests).toHaveLength(1);
    } finally {
      globalThis.fetch = real;
    }
  });
});

describe('auth and secrets', () => {
  it('MLFLOW_TRACKING_USERNAME/PASSWORD (Basic) win over MLFLOW_TRACKING_TOKEN', async () => {
    handler = (_q, res) => json(res, 200, canned('experiments-get.json'));
    const opts = mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: base, MLFLOW_TRACKING_USERNAME: 'alice', MLFLOW_TRACKING_PASSWORD: PASSWORD, MLFLOW_TRACKING_TOKEN: TOKEN }, {});
    expect(opts.auth).toEqual({ kind: 'basic', username: 'alice', password: PASSWORD });
    const c = createMlflowClient(opts);
    await c.getExperiment('1');
    expect(requests[0]!.headers.authorization).toBe(`Basic ${Buffer.from(`alice:${PASSWORD}`).toString('base64')}`);
    expect(c.user).toBe('alice');
  });

  it('MLFLOW_TRACKING_TOKEN alone is a Bearer token', async () => {
    handler = (_q, res) => json(res, 200, canned('experiments-get.json'));
    const opts = mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'http://ignored.example', MLFLOW_TRACKING_TOKEN: TOKEN }, { trackingUri: base });
    expect(opts.trackingUri).toBe(base);
    const c = createMlflowClient(opts);
    await c.getExperiment('1');
    expect(requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(c.user).toBeUndefined();
  });

  it('no credentials → no Authorization header; userinfo in the URI becomes Basic and leaves the server name', async () => {
    handler = (_q, res) => json(res, 200, canned('experiments-get.json'));
    const plain = createMlflowClient({ trackingUri: base });
    await plain.getExperiment('1');
    expect(requests[0]!.headers.authorization).toBeUndefined();
    const withUser = createMlflowClient({ trackingUri: base.replace('http://', 'http://bob:pa%40ss@') + '/' });
    await withUser.getExperiment('1');
    expect(requests[1]!.headers.authorization).toBe(`Basic ${Buffer.from('bob:pa@ss').toString('base64')}`);
    expect(withUser.server).toBe(base);
  });

  it('Databricks: URI databricks → DATABRICKS_HOST, DATABRICKS_TOKEN as Bearer', () => {
    const o = mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'databricks', DATABRICKS_HOST: 'adb-123.4.azuredatabricks.net', DATABRICKS_TOKEN: TOKEN }, {});
    expect(o).toEqual({ trackingUri: 'https://adb-123.4.azuredatabricks.net', databricks: true, auth: { kind: 'bearer', token: TOKEN } });
    expect(createMlflowClient(o).databricks).toBe(true);
    // DATABRICKS_TOKEN is not sent to a server that is not Databricks
    const oss = mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://mlflow.example.com', DATABRICKS_TOKEN: TOKEN }, {});
    expect(oss.auth).toBeUndefined();
    expect(createMlflowClient(oss).databricks).toBe(false);
    expect(isDatabricksUri('https://dbc-1.cloud.databricks.com')).toBe(true);
    expect(() => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'databricks' }, {})).toThrow(/DATABRICKS_HOST/);
  });

  it('TLS variables and configuration errors', () => {
    const o = mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example', MLFLOW_TRACKING_SERVER_CERT_PATH: '/etc/ca.pem' }, {});
    expect(o).toEqual({ trackingUri: 'https://m.example', databricks: false, caCertPath: '/etc/ca.pem' });
    expect(mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example', MLFLOW_TRACKING_INSECURE_TLS: 'true' }, {}).insecureTls).toBe(true);
    expect(mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example', MLFLOW_TRACKING_INSECURE_TLS: 'false' }, {}).insecureTls).toBeUndefined();
    expect(() => mlflowClientOptionsFromEnv({}, {})).toThrow(UsageError);
    // MLflow's own timeout variable, in seconds
    expect(mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example', MLFLOW_HTTP_REQUEST_TIMEOUT: '2.5' }, {}).timeoutMs).toBe(2500);
    expect(() => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example', MLFLOW_HTTP_REQUEST_TIMEOUT: 'soon' }, {})).toThrow(/MLFLOW_HTTP_REQUEST_TIMEOUT: expected a number of seconds/);
    expect(() => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'file:./mlruns' }, {})).toThrow(UsageError);
    expect(() => mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m', MLFLOW_TRACKING_INSECURE_TLS: 'yes please' }, {})).toThrow(/MLFLOW_TRACKING_INSECURE_TLS/);
    expect(() =>
      mlflowClientOptionsFromEnv({ MLFLOW_TRACKING_URI: 'https://m', MLFLOW_TRACKING_SERVER_CERT_PATH: '/ca.pem', MLFLOW_TRACKING_INSECURE_TLS: 'true' }, {}),
    ).toThrow(/mutually exclusive/);
    expect(() => createMlflowClient({ trackingUri: 'https://m.example', caCertPath: '/nonexistent/ca.pem' })).toThrow(UsageError);
  });

  it('neither the token nor the password ever appears in an error, even when the server echoes it', async () => {
    handler = (q, res) => json(res, 401, { error_code: 'UNAUTHENTICATED', message: `bad credentials: ${q.headers.authorization} (token ${TOKEN}, password ${PASSWORD})` });
    const leaks = (e: MlflowError) => [e.message, String(e), e.stack ?? '', JSON.stringify(e), JSON.stringify(Object.entries(e))].join('\n');
    const bearer = createMlflowClient({ trackingUri: base, auth: { kind: 'bearer', token: TOKEN } });
    const e1 = await caught(bearer.getRun('x'));
    expect(e1.errorCode).toBe('UNAUTHENTICATED');
    expect(leaks(e1)).not.toContain(TOKEN);
    const basic = createMlflowClient({ trackingUri: base, auth: { kind: 'basic', username: 'alice', password: PASSWORD } });
    const e2 = await caught(basic.getRun('x'));
    expect(leaks(e2)).not.toContain(PASSWORD);
    expect(leaks(e2)).not.toContain(Buffer.from(`alice:${PASSWORD}`).toString('base64'));
    // network failures too
    handler = (_q, res) => res.socket?.destroy();
    const e3 = await caught(createMlflowClient({ trackingUri: base, auth: { kind: 'bearer', token: TOKEN }, maxAttempts: 1 }).getRun('x'));
    expect(e3.errorCode).toBe('NETWORK_ERROR');
    expect(leaks(e3)).not.toContain(TOKEN);
  });
});

describe('single objects and optional features', () => {
  it('get endpoints send the right parameters and unwrap the typed object', async () => {
    handler = (q, res) => {
      const files: Record<string, string> = {
        'registered-models/get': 'registered-models-get.json',
        'registered-models/alias': 'registered-models-alias-get.json',
        'model-versions/get': 'model-versions-get.json',
        'runs/get': 'runs-get.json',
        'experiments/get': 'experiments-get.json',
      };
      json(res, 200, canned(files[endpoint(q)]!));
    };
    const { c } = client();
    expect((await c.getRegisteredModel('fraud-detector')).aliases).toHaveLength(2);
    expect((await c.getModelVersionByAlias('fraud-detector', 'champion')).version).toBe('2');
    expect((await c.getModelVersion('fraud-detector', '2')).current_stage).toBe('Production');
    expect((await c.getRun('48624c8f95c84810acf5959587647215')).info.run_id).toBe('48624c8f95c84810acf5959587647215');
    expect((await c.getExperiment('1')).tags).toEqual([{ key: 'team', value: 'risk-ml' }]);
    expect(requests.map((r) => `${endpoint(r)}?${r.url.searchParams}`)).toEqual([
      'registered-models/get?name=fraud-detector',
      'registered-models/alias?name=fraud-detector&alias=champion',
      'model-versions/get?name=fraud-detector&version=2',
      'runs/get?run_id=48624c8f95c84810acf5959587647215',
      'experiments/get?experiment_id=1',
    ]);
  });

  it('Databricks registry webhooks and transition requests', async () => {
    handler = (q, res) => {
      if (endpoint(q) === 'registry-webhooks/list') {
        expect(q.url.searchParams.getAll('events')).toEqual(['MODEL_VERSION_TRANSITIONED_STAGE', 'TRANSITION_REQUEST_CREATED']);
        return json(res, 200, q.url.searchParams.get('page_token') ? { webhooks: [{ id: 'w2', status: 'ACTIVE' }] } : { webhooks: [{ id: 'w1', status: 'TEST_MODE' }], next_page_token: 'p2' });
      }
      expect(Object.fromEntries(q.url.searchParams)).toEqual({ name: 'fraud-detector', version: '2' });
      json(res, 200, { requests: [{ id: 'r1', activity_type: 'REQUESTED_TRANSITION', to_stage: 'Production', user_id: 'bob@example.com' }] });
    };
    const { c } = client();
    const w = await c.listDatabricksRegistryWebhooks({ events: ['MODEL_VERSION_TRANSITIONED_STAGE', 'TRANSITION_REQUEST_CREATED'] });
    expect(w).toEqual({ items: [{ id: 'w1', status: 'TEST_MODE' }, { id: 'w2', status: 'ACTIVE' }], pages: 2, complete: true });
    const t = await c.listTransitionRequests('fraud-detector', 2);
    expect(t.items[0]!.to_stage).toBe('Production');
    expect(t.complete).toBe(true);
  });

  it('OSS webhooks (MLflow ≥3.3) list', async () => {
    handler = (q, res) => {
      expect(endpoint(q)).toBe('webhooks');
      json(res, 200, { webhooks: [{ webhook_id: 'wh1', events: [{ entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }], status: 'ACTIVE' }] });
    };
    const { c } = client();
    const out = await c.listOssWebhooks();
    expect(out.items[0]!.events).toEqual([{ entity: 'MODEL_VERSION_ALIAS', action: 'CREATED' }]);
    expect(requests[0]!.url.searchParams.get('max_results')).toBe('1000');
  });

  it('LoggedModels (MLflow 3): search is a POST over experiment ids; get puts the id in the path', async () => {
    const model = { info: { model_id: 'm-0123abcd', experiment_id: '1', name: 'agent', status: 'LOGGED_MODEL_READY' }, data: { params: [{ key: 'k', value: 'v' }] } };
    handler = (q, res) => (q.method === 'POST' ? json(res, 200, { models: [model] }) : json(res, 200, { model }));
    const { c } = client();
    const found = await c.searchLoggedModels({ experimentIds: ['1', '2'], filter: runIdInFilter(['m-0123abcd'], 'model_id') });
    expect(found.items.map((m) => m.info.model_id)).toEqual(['m-0123abcd']);
    expect(JSON.parse(requests[0]!.body)).toEqual({ experiment_ids: ['1', '2'], filter: "model_id IN ('m-0123abcd')" });
    expect((await c.getLoggedModel('m-0123abcd')).info.name).toBe('agent');
    expect(requests[1]!.url.pathname).toBe('/api/2.0/mlflow/logged-models/m-0123abcd');
  });

  it('workspaces: a list on a multi-tenant server; the fork’s plain-text 503 means single-tenant, not a failure', async () => {
    handler = (_q, res) => json(res, 200, { workspaces: [{ name: 'default' }, { name: 'team-a' }] });
    expect((await client().c.listWorkspaces()).items.map((w) => w.name)).toEqual(['default', 'team-a']);
    handler = (_q, res) => res.writeHead(503, { 'content-type': 'text/html; charset=utf-8' }).end('Endpoint: /api/2.0/mlflow/workspaces disabled because the server is running without multi-tenancy support.');
    const { c, calls } = client();
    expect(await caught(c.listWorkspaces())).toBeInstanceOf(MlflowEndpointNotSupported);
    expect(calls).toHaveLength(1);
    handler = (q, res) => json(res, 200, { registered_models: [{ name: q.headers['x-mlflow-workspace'] as string }] });
    expect((await client({ workspace: 'team-a' }).c.searchRegisteredModels()).items.map((m) => m.name)).toEqual(['team-a']);
  });
});

describe('TLS (node:https path)', () => {
  let dir = '';
  let tls: https.Server | undefined;
  let tlsBase = '';
  const haveOpenssl = (() => {
    try {
      execFileSync('openssl', ['version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();

  beforeAll(async () => {
    if (!haveOpenssl) return;
    dir = mkdtempSync(path.join(tmpdir(), 'mlflow-tls-'));
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    tls = https.createServer({ key: readFileSync(path.join(dir, 'key.pem')), cert: readFileSync(path.join(dir, 'cert.pem')) }, onRequest);
    await new Promise<void>((r) => tls!.listen(0, '127.0.0.1', r));
    tlsBase = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    if (tls) {
      tls.closeAllConnections();
      await new Promise<void>((r) => tls!.close(() => r()));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!haveOpenssl)('a self-signed server fails verification (TLS_ERROR, not retried), works with the CA bundle or insecureTls', async () => {
    handler = (q, res) => json(res, 200, q.url.searchParams.get('page_token') ? canned('model-versions-search-page2.json') : canned('model-versions-search-page1.json'));
    const strict = client({ trackingUri: tlsBase });
    const e = await caught(strict.c.getExperiment('1'));
    expect(e.errorCode).toBe('TLS_ERROR');
    expect(e.retriable).toBe(false);
    expect(strict.sleeps).toEqual([]);

    const withCa = createMlflowClient({ trackingUri: tlsBase, caCertPath: path.join(dir, 'cert.pem'), auth: { kind: 'bearer', token: TOKEN } });
    const out = await withCa.searchModelVersions({ orderBy: ['version_number ASC'] });
    expect(out.items).toHaveLength(3);
    expect(requests.at(-1)!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    withCa.close();

    const insecure = createMlflowClient({ trackingUri: tlsBase, insecureTls: true, maxAttempts: 2, sleep: async () => undefined });
    expect((await insecure.searchModelVersions()).pages).toBe(2);
    // the https transport also treats a truncated body as an error
    const full = canned('registered-models-get.json');
    handler = (_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(full.length) });
      res.write(full.slice(0, 40));
      setTimeout(() => res.socket?.destroy(), 10);
    };
    const cut = await caught(insecure.getRegisteredModel('fraud-detector'));
    expect(cut.errorCode).toBe('NETWORK_ERROR');
    expect(cut.attempts).toBe(2);
    // and times out
    handler = () => undefined;
    const slow = createMlflowClient({ trackingUri: tlsBase, insecureTls: true, maxAttempts: 1, timeoutMs: 100 });
    expect((await caught(slow.getRun('x'))).errorCode).toBe('TIMEOUT');
    insecure.close();
    slow.close();
  });
});

describe('helpers', () => {
  it('runIdInFilter quotes and escapes; refuses an empty list', () => {
    expect(runIdInFilter(['a1', 'b2'])).toBe("attributes.run_id IN ('a1','b2')");
    expect(runIdInFilter(['a1'], 'run_id')).toBe("run_id IN ('a1')");
    expect(runIdInFilter(["it's", 'back\\slash'])).toBe("attributes.run_id IN ('it\\'s','back\\\\slash')");
    expect(() => runIdInFilter([])).toThrow();
  });

  it('chunk splits into batches of 100 by default', () => {
    const ids = Array.from({ length: 250 }, (_, i) => `r${i}`);
    expect(chunk(ids).map((b) => b.length)).toEqual([100, 100, 50]);
    expect(chunk([], 10)).toEqual([]);
    expect(() => chunk(ids, 0)).toThrow();
  });

  it('Retry-After parsing and backoff bounds', () => {
    expect(parseRetryAfter('3', 60_000)).toBe(3000);
    expect(parseRetryAfter('999', 60_000)).toBe(60_000);
    expect(parseRetryAfter(new Date(1_000_000 + 10_000).toUTCString(), 60_000, 1_000_000)).toBe(10_000);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', 60_000)).toBe(0);
    expect(parseRetryAfter('soon', 60_000)).toBeUndefined();
    expect(parseRetryAfter(null, 60_000)).toBeUndefined();
    expect(backoffDelay(1, 500, 20_000, () => 0)).toBe(250);
    expect(backoffDelay(3, 500, 20_000, () => 1)).toBe(2000);
    expect(backoffDelay(20, 500, 20_000, () => 1)).toBe(20_000);
  });
});
