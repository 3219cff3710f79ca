import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { getJson, postJson } from './helpers.js';

const A = '/api/2.0/mlflow';
const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

describe('auth', () => {
  let sb: MlflowSandbox;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), auth: { basic: { username: 'auditor', password: 's3cret' }, token: 'tok-123' } });
  });
  afterAll(() => sb.close());

  it('answers 401 without or with wrong credentials, as MLflow’s basic-auth app does: plain text with a Basic challenge', async () => {
    const none = await fetch(`${sb.url}${A}/registered-models/search`);
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await none.text()).toMatch(/^You are not authenticated\. Please see https:\/\/www\.mlflow\.org/);
    expect(none.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await fetch(`${sb.url}${A}/registered-models/search`, { headers: { Authorization: basic('auditor', 'nope') } });
    expect(wrong.status).toBe(401);
    const wrongTok = await fetch(`${sb.url}${A}/registered-models/search`, { headers: { Authorization: 'Bearer tok-999' } });
    expect(wrongTok.status).toBe(401);
  });

  it('accepts Basic and Bearer, and records only the scheme', async () => {
    sb.requests.length = 0;
    const b = await getJson(`${sb.url}${A}/registered-models/search`, { headers: { Authorization: basic('auditor', 's3cret') } });
    expect(b.status).toBe(200);
    const t = await postJson(`${sb.url}${A}/runs/search`, { experiment_ids: ['1'] }, { Authorization: 'Bearer tok-123' });
    expect(t.status).toBe(200);
    expect(sb.requests.map((r) => r.authScheme)).toEqual(['Basic', 'Bearer']);
    expect(JSON.stringify(sb.requests)).not.toContain('s3cret');
    expect(JSON.stringify(sb.requests)).not.toContain('tok-123');
    expect(JSON.stringify(sb.requests)).not.toContain(Buffer.from('auditor:s3cret').toString('base64'));
  });

  it('leaves /health open', async () => {
    const res = await fetch(`${sb.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('OK');
  });
});

describe('faults', () => {
  let sb: MlflowSandbox;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
  });
  afterAll(() => sb.close());
  afterEach(() => sb.faults.clear());
  const search = (): string => `${sb.url}${A}/registered-models/search`;

  it('status faults answer MLflow error bodies, once by default, then recover', async () => {
    sb.faults.add({ kind: 'status429', retryAfter: 2 });
    const r = await getJson(search());
    expect(r.status).toBe(429);
    expect(r.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    expect(r.headers.get('retry-after')).toBe('2');
    expect((await getJson(search())).status).toBe(200);

    const cases = [
      ['status500', 500, 'INTERNAL_ERROR'],
      ['status503', 503, 'TEMPORARILY_UNAVAILABLE'],
      ['status401', 401, 'UNAUTHENTICATED'],
      ['status403', 403, 'PERMISSION_DENIED'],
    ] as const;
    for (const [kind, status, code] of cases) {
      sb.faults.add({ kind });
      const x = await getJson(search());
      expect(x.status).toBe(status);
      expect(x.json.error_code).toBe(code);
    }
    expect(sb.faults.pending()).toEqual([]);
  });

  it('matches faults by path substring and counts times', async () => {
    sb.faults.add({ kind: 'status500', path: 'model-versions/search', times: 2 });
    expect((await getJson(search())).status).toBe(200);
    expect((await getJson(`${sb.url}${A}/model-versions/search`)).status).toBe(500);
    expect((await getJson(`${sb.url}${A}/model-versions/search`)).status).toBe(500);
    expect((await getJson(`${sb.url}${A}/model-versions/search`)).status).toBe(200);
    const last = sb.requests[sb.requests.length - 2]!;
    expect(last.fault).toBe('status500');
  });

  it('latency delays the answer', async () => {
    sb.faults.add({ kind: 'latency', ms: 150 });
    const t = Date.now();
    expect((await getJson(search())).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(140);
  });

  it('reset drops the connection without an answer', async () => {
    sb.faults.add({ kind: 'reset' });
    await expect(fetch(search())).rejects.toThrow();
    expect(sb.requests[sb.requests.length - 1]!.status).toBe(0);
    expect((await getJson(search())).status).toBe(200);
  });

  it('truncate sends part of the promised body, then closes', async () => {
    sb.faults.add({ kind: 'truncate' });
    await expect(fetch(search()).then((r) => r.text())).rejects.toThrow();
  });

  it('malformed answers a complete 200 whose body is not JSON', async () => {
    sb.faults.add({ kind: 'malformed' });
    const res = await fetch(search());
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
  });

  it('repeatToken returns the request page token again on page 2', async () => {
    sb.faults.add({ kind: 'repeatToken', path: 'registered-models/search' });
    const p1 = await getJson(`${search()}?max_results=1`);
    const t1 = p1.json.next_page_token as string;
    const p2 = await getJson(`${search()}?max_results=1&page_token=${encodeURIComponent(t1)}`);
    expect(p2.json.next_page_token).toBe(t1);
    const p3 = await getJson(`${search()}?max_results=1&page_token=${encodeURIComponent(t1)}`);
    expect(p3.json.next_page_token).not.toBe(t1);

    sb.faults.add({ kind: 'repeatToken', path: 'runs/search' });
    const body = { experiment_ids: ['3'], max_results: 2 };
    const r1 = await postJson(`${sb.url}${A}/runs/search`, body);
    const r2 = await postJson(`${sb.url}${A}/runs/search`, { ...body, page_token: r1.json.next_page_token });
    expect(r2.json.next_page_token).toBe(r1.json.next_page_token);
  });
});

describe('rate limit and latency options', () => {
  it('answers 429 with Retry-After above rateLimitPerSecond', async () => {
    const sb = await startMlflowSandbox({ seed: loadMlflowFixture(), rateLimitPerSecond: 3 });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await fetch(`${sb.url}${A}/registered-models/search`)).status);
      expect(statuses.slice(0, 3)).toEqual([200, 200, 200]);
      expect(statuses.slice(3)).toEqual([429, 429]);
      const r = await getJson(`${sb.url}${A}/registered-models/search`);
      expect(r.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
      expect(r.headers.get('retry-after')).toBe('1');
    } finally {
      await sb.close();
    }
  });

  it('adds latencyMs to every answer', async () => {
    const sb = await startMlflowSandbox({ seed: loadMlflowFixture(), latencyMs: 60 });
    try {
      const t = Date.now();
      await fetch(`${sb.url}/health`);
      expect(Date.now() - t).toBeGreaterThanOrEqual(55);
    } finally {
      await sb.close();
    }
  });
});
