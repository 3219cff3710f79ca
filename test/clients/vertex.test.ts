// The Vertex client factory: endpoint and option handling, the retry policy, and proof that the
// insecure loopback mode never looks for credentials — exercised with the real v1 clients over gRPC
// against the Vertex sandbox.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVertexClients, LazyAdcClient, parseApiEndpoint, vertexRetryConfig, VERTEX_READ_METHODS, type VertexClients } from '../../src/clients/vertex.js';
import { generateVertexCompany, loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../src/sandbox/vertex/index.js';

const FAST_RETRY = { initialDelayMs: 5, maxDelayMs: 20, timeoutMs: 5_000 };
const tcpHandles = () => process.getActiveResourcesInfo().filter((r) => r.startsWith('TCP')).length;

async function codeOf(p: Promise<unknown>): Promise<{ code?: number; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code?: number; message?: string };
    return { code: err.code, message: String(err.message) };
  }
  throw new Error('expected the call to fail');
}

describe('createVertexClients: options', () => {
  it('parses HOST:PORT, bare hosts (443) and [v6]:PORT', () => {
    expect(parseApiEndpoint('127.0.0.1:50051')).toEqual({ host: '127.0.0.1', port: 50051 });
    expect(parseApiEndpoint('us-central1-aiplatform.googleapis.com')).toEqual({ host: 'us-central1-aiplatform.googleapis.com', port: 443 });
    expect(parseApiEndpoint('[::1]:8443')).toEqual({ host: '::1', port: 8443 });
    expect(() => parseApiEndpoint('http://x:1')).toThrow(/HOST:PORT/);
    expect(() => parseApiEndpoint('x:70000')).toThrow(/HOST:PORT/);
  });

  it('insecure requires apiEndpoint', () => {
    expect(() => createVertexClients({ project: 'p-123456', location: 'us-central1', insecure: true })).toThrow(/apiEndpoint/);
  });

  it('retries only transient codes on read methods', () => {
    const cfg = vertexRetryConfig('ModelService', { initialDelayMs: 1 }).interfaces!['google.cloud.aiplatform.v1.ModelService']!;
    expect(cfg.retry_codes).toEqual({ soc2_read: ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED'] });
    expect(cfg.methods!['ListModels']).toEqual({ retry_codes_name: 'soc2_read', retry_params_name: 'soc2_read', timeout_millis: 60_000 });
    expect(cfg.retry_params!['soc2_read']!.initial_retry_delay_millis).toBe(1);
    expect(Object.keys(cfg.methods!)).toEqual([...VERTEX_READ_METHODS.ModelService]);
    expect(Object.keys(cfg.methods!).some((m) => /^(Update|Delete|Upload|Merge)/.test(m))).toBe(false);
  });
});

describe('createVertexClients against the Vertex sandbox (insecure loopback)', () => {
  let sb: VertexSandbox;
  let c: VertexClients;
  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: generateVertexCompany({ models: 25, versionsPerModel: 2, endpoints: 4 }) });
    c = createVertexClients({ project: 'synthetic-ml-prod', location: 'us-central1', apiEndpoint: sb.endpoint, insecure: true, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await c?.close();
    await sb?.close();
  });
  beforeEach(() => {
    sb.requests.length = 0;
    sb.faults.clear();
  });

  it('exposes parent and endpoint', () => {
    expect(c.parent).toBe('projects/synthetic-ml-prod/locations/us-central1');
    expect(c.apiEndpoint).toBe(sb.endpoint);
  });

  it('listModels with autoPaginate collects every page (pageSize 10 → 3 calls)', async () => {
    const [models] = await c.model.listModels({ parent: c.parent, pageSize: 10 });
    expect(models).toHaveLength(25);
    expect(new Set(models.map((m) => m.name)).size).toBe(25);
    expect(sb.requests.map((r) => r.method)).toEqual(['ListModels', 'ListModels', 'ListModels']);
  });

  it('UNAVAILABLE once: the client retries and succeeds (2 calls recorded)', async () => {
    sb.faults.add({ method: 'ListEndpoints', kind: 'unavailable' });
    const [eps] = await c.endpoint.listEndpoints({ parent: c.parent });
    expect(eps).toHaveLength(4);
    expect(sb.requests.map((r) => r.code)).toEqual([14, 0]);
  });

  it('a retry covers one page: UNAVAILABLE on page 2 of an async iteration', async () => {
    const names: string[] = [];
    for await (const m of c.model.listModelsAsync({ parent: c.parent, pageSize: 10 })) {
      if (names.length === 0) sb.faults.add({ method: 'ListModels', kind: 'unavailable' });
      names.push(m.name!);
    }
    expect(names).toHaveLength(25);
    expect(sb.requests.map((r) => r.code)).toEqual([0, 14, 0, 0]);
    expect(sb.requests[1]!.request.pageToken).toBe(sb.requests[2]!.request.pageToken);
  });

  it('PERMISSION_DENIED surfaces with code 7 after exactly one call', async () => {
    sb.faults.add({ method: 'ListModels', kind: 'permissionDenied', times: Infinity });
    const e = await codeOf(c.model.listModels({ parent: c.parent }));
    expect(e.code).toBe(7);
    expect(sb.requests).toHaveLength(1);
  });

  it('NOT_FOUND and FAILED_PRECONDITION are not retried either', async () => {
    expect((await codeOf(c.model.getModel({ name: `${c.parent}/models/404` }))).code).toBe(5);
    sb.faults.add({ kind: 'failedPrecondition', times: Infinity });
    expect((await codeOf(c.dataset.getDataset({ name: `${c.parent}/datasets/1` }))).code).toBe(9);
    expect(sb.requests).toHaveLength(2);
  });

  it('UNAVAILABLE that never clears ends as DEADLINE_EXCEEDED (code 4) after the total timeout', async () => {
    const quick = createVertexClients({ project: 'synthetic-ml-prod', location: 'us-central1', apiEndpoint: sb.endpoint, insecure: true, retry: { initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 150 } });
    try {
      sb.faults.add({ method: 'ListModels', kind: 'unavailable', times: Infinity });
      const e = await codeOf(quick.model.listModels({ parent: c.parent }));
      expect(e.code).toBe(4);
      expect(e.message).toMatch(/UNAVAILABLE|unavailable/);
      expect(sb.requests.length).toBeGreaterThan(1);
    } finally {
      await quick.close();
    }
  });

  it('per-call options {autoPaginate:false, timeout} are honoured', async () => {
    const [page, next] = await c.model.listModels({ parent: c.parent, pageSize: 5 }, { autoPaginate: false, timeout: 2_000 });
    expect(page).toHaveLength(5);
    expect(next?.pageToken).toBeTruthy();
  });
});

describe('no credential lookup in insecure mode', () => {
  const saved: Record<string, string | undefined> = {};
  const KEYS = ['GOOGLE_APPLICATION_CREDENTIALS', 'GCE_METADATA_HOST', 'GCE_METADATA_IP', 'HOME', 'CLOUDSDK_CONFIG', 'METADATA_SERVER_DETECTION'];
  let metadataHits = 0;
  let metadata: http.Server;
  let sb: VertexSandbox;
  let home: string;

  beforeAll(async () => {
    for (const k of KEYS) saved[k] = process.env[k];
    // A stand-in metadata server: any probe of "the GCE metadata server" lands here and is counted.
    metadata = http.createServer((_req, res) => {
      metadataHits++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    home = mkdtempSync(path.join(tmpdir(), 'soc2-vertex-home-'));
    process.env.GCE_METADATA_HOST = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
    delete process.env.GCE_METADATA_IP;
    delete process.env.METADATA_SERVER_DETECTION;
    process.env.HOME = home;
    process.env.CLOUDSDK_CONFIG = path.join(home, 'gcloud');
    process.env.GOOGLE_APPLICATION_CREDENTIALS = path.join(home, 'missing-service-account.json');
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company') });
  });
  afterAll(async () => {
    for (const k of KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await sb?.close();
    await new Promise<void>((r) => metadata.close(() => r()));
    rmSync(home, { recursive: true, force: true });
  });

  it('calls succeed with GOOGLE_APPLICATION_CREDENTIALS naming a missing file, and nothing probes the metadata server', async () => {
    const c = createVertexClients({ project: 'acme-ml-prod', location: 'us-central1', apiEndpoint: sb.endpoint, insecure: true, retry: FAST_RETRY });
    try {
      const [models] = await c.model.listModels({ parent: c.parent });
      expect(models).toHaveLength(3);
      const [eps] = await c.endpoint.listEndpoints({ parent: c.parent });
      expect(eps).toHaveLength(3);
      await c.metadata.queryArtifactLineageSubgraph({ artifact: `${c.parent}/metadataStores/default/artifacts/fraud-detector-v3-model` });
      expect(sb.requests.every((r) => !r.authorization)).toBe(true);
    } finally {
      await c.close();
    }
    expect(metadataHits).toBe(0);
  });

  it('real mode uses Application Default Credentials, lazily: a missing key file fails the call, not the process', async () => {
    // ADC itself: the explicit GOOGLE_APPLICATION_CREDENTIALS is read and never falls back to the metadata server
    const adc = new LazyAdcClient();
    await expect(adc.getRequestHeaders()).rejects.toThrow(/missing-service-account\.json/);
    // Clients built in real mode do not resolve credentials at construction (google-gax would, and
    // leave an unhandled rejection and a call that never settles). A dead endpoint: the call fails
    // within its budget.
    const c = createVertexClients({ project: 'acme-ml-prod', location: 'us-central1', apiEndpoint: '127.0.0.1:1', retry: { initialDelayMs: 5, maxDelayMs: 10, timeoutMs: 300 } });
    try {
      const e = await codeOf(c.model.listModels({ parent: c.parent }));
      expect([4, 14]).toContain(e.code);
    } finally {
      await c.close();
    }
    expect(metadataHits).toBe(0);
  });

  it('control: without any ADC the library does probe the metadata server (so the zeros above mean something)', async () => {
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
    await expect(new LazyAdcClient().getRequestHeaders()).rejects.toThrow(/default credentials/i);
    expect(metadataHits).toBeGreaterThan(0);
  });
});

describe('handles', () => {
  it('closing the clients and the sandbox leaves no TCP handle behind', async () => {
    const before = tcpHandles();
    const sb = await startVertexSandbox({ seed: loadVertexFixture('small-company') });
    const c = createVertexClients({ project: 'acme-ml-prod', location: 'us-central1', apiEndpoint: sb.endpoint, insecure: true });
    await c.model.listModels({ parent: c.parent });
    await c.endpoint.listEndpoints({ parent: c.parent });
    await c.close();
    await c.close(); // idempotent
    await sb.close();
    await new Promise((r) => setTimeout(r, 50));
    expect(tcpHandles()).toBeLessThanOrEqual(before);
  });
});
