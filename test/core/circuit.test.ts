// One circuit per source endpoint: a dead endpoint is retried by one call per run; every other call of
// the source's collectors records the same gap at once, saying it was not attempted.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Circuit, CircuitOpenError } from '../../src/core/circuit.js';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../src/sandbox/aws/index.js';
import { awsEnv, cleanEnv, tmpDir, writeConfig } from '../helpers/cli.js';
import { collectBundle } from '../helpers/collected.js';
import { freePort } from '../helpers/net.js';

const unreachable = { api: 'x:List', code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:9' };

describe('Circuit', () => {
  it('lets calls through once the endpoint has answered, and opens only on an unreachable final failure', async () => {
    const c = new Circuit('h');
    const a = Symbol('a');
    await c.beforeAttempt(a, 'A');
    c.settled(a, { api: 'A', code: 'AccessDenied', message: 'no' });
    // the endpoint answered (with a 403): others go in parallel, no probe, still closed
    await Promise.all([c.beforeAttempt(Symbol(), 'B'), c.beforeAttempt(Symbol(), 'C')]);
    expect(c.tripped).toBeNull();
    const d = Symbol('d');
    c.attemptFailed(d, 'ECONNREFUSED');
    c.settled(d, unreachable);
    expect(c.tripped).toEqual(unreachable);
    await expect(c.beforeAttempt(Symbol(), 'E')).rejects.toThrow(CircuitOpenError);
    await expect(c.beforeAttempt(Symbol(), 'E')).rejects.toMatchObject({ code: 'ECONNREFUSED', message: expect.stringMatching(/^not attempted: x:List found the source unreachable/) });
  });

  it('holds other calls while the first one probes, then releases them into the verdict', async () => {
    const c = new Circuit('h');
    const probe = Symbol('probe');
    await c.beforeAttempt(probe, 'P');
    let waited = false;
    const other = c.beforeAttempt(Symbol(), 'Q').then(() => (waited = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(waited).toBe(false);
    c.settled(probe, unreachable);
    await expect(other).rejects.toThrow(CircuitOpenError);

    const ok = new Circuit('h2');
    const p2 = Symbol();
    await ok.beforeAttempt(p2, 'P');
    const released = ok.beforeAttempt(Symbol(), 'Q');
    ok.settled(p2, null);
    await expect(released).resolves.toBeUndefined();
  });
});

describe('a dead endpoint through the real clients', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company') });
  });
  afterAll(async () => sb?.close());

  it('aws-iam: one call retries the dead IAM endpoint, the others record the same gap unattempted', async () => {
    const dead = await freePort();
    const dir = tmpDir();
    const cfg = writeConfig(dir, `evidence:\n  dir: ${dir}/evidence\nsources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam]\n`);
    const r = await collectBundle(cfg, awsEnv(sb.url, { AWS_ENDPOINT_URL_IAM: `http://127.0.0.1:${dead}` }), 'main');
    expect(r.code).toBe(3);
    const entry = r.manifest.collectors.find((c: any) => c.id === 'aws-iam');
    const tried = entry.gaps.filter((g: any) => !g.message.startsWith('not attempted'));
    expect(tried).toHaveLength(1);
    expect(tried[0]).toMatchObject({ code: 'ECONNREFUSED' });
    expect(entry.gaps.length).toBeGreaterThan(3);
    for (const g of entry.gaps) expect(g.code).toBe('ECONNREFUSED');
    // 5 attempts of the probe, plus at most a poll or two that started before it tripped (without the circuit: 30)
    expect(entry.apiCalls).toBeLessThanOrEqual(10);
  });

  it('Vertex: the three collectors of a location share one retry budget against a dead endpoint', async () => {
    const dead = await freePort();
    const dir = tmpDir();
    const cfg = writeConfig(
      dir,
      `evidence:\n  dir: ${dir}/evidence\nsources:\n  vertex:\n    - name: v\n      project: acme-ml-prod\n      locations: [us-central1]\n      apiEndpoint: 127.0.0.1:${dead}\n      insecure: true\n      requestTimeoutSeconds: 2\ncollectors: [vertex-registry, vertex-lineage, vertex-endpoints]\n`,
    );
    const r = await collectBundle(cfg, cleanEnv(), 'v');
    expect(r.code).toBe(3);
    const gaps = r.manifest.collectors.flatMap((c: any) => c.gaps);
    expect(gaps.filter((g: any) => !g.message.startsWith('not attempted'))).toHaveLength(1);
    expect(gaps.filter((g: any) => g.message.startsWith('not attempted')).length).toBeGreaterThanOrEqual(2);
  });
});
