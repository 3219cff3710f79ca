// aws-iam against the wire-level sandbox: pagination like AWS (short pages), throttling, denied
// calls as gaps, and only read actions on the wire.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { collectors } from '../../../collectors/registry.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';
import { collectInProcess, removeTempDirs } from '../../reliability/fault-helpers.js';

const READ_ONLY = /^(Get|List|Describe|Generate)/;

describe('aws-iam against the sandbox', () => {
  let sb: AwsSandbox;
  let cfg: string;
  beforeAll(async () => {
    // AWS may return fewer items than MaxItems; the sandbox caps pages at 4 to force many pages
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company'), maxPageItems: 4, credentialReportPolls: 1 });
    cfg = writeConfig(tmpDir(), 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam]\n');
  });
  afterAll(async () => sb?.close());
  beforeEach(() => {
    sb.requests.length = 0;
    sb.faults.clear();
  });
  const collect = () => runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) });

  it('pages GetAccountAuthorizationDetails to the end and records every principal once', async () => {
    const r = await collect();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const calls = sb.requests.filter((q) => q.action === 'GetAccountAuthorizationDetails');
    expect(calls.length).toBeGreaterThanOrEqual(3);
    const seed = loadAwsFixture('small-company').accounts[0]!.iam;
    const entities = seed.users.length + seed.groups.length + seed.roles.length + seed.managedPolicies.length;
    expect(calls.length).toBe(Math.ceil(entities / 4));
    const lines = readFileSync(path.join(out.bundle, 'artifacts/main/aws-iam/authorization-details.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.filter((l) => l.type === 'user').map((l) => l.UserName).sort()).toEqual(seed.users.map((u) => u.name).sort());
    expect(new Set(lines.map((l) => l.Arn)).size).toBe(lines.length);
    const manifest = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8'));
    const a = manifest.artifacts.find((x: { kind: string }) => x.kind === 'aws.iam.authorization-details');
    expect(a.provenance).toMatchObject({ complete: true, operations: [{ api: 'iam:GetAccountAuthorizationDetails', pages: calls.length }] });
    expect(a.records).toBe(entities);
    // generated once (STARTED), then GetCredentialReport polled until the report was there (the
    // sandbox answers one poll "in progress"): no GenerateCredentialReport that only says COMPLETE
    const report = sb.requests.filter((q) => /CredentialReport$/.test(q.action)).map((q) => `${q.action} ${q.status}${q.error ? ` ${q.error}` : ''}`);
    expect(report).toEqual(['GenerateCredentialReport 200', 'GetCredentialReport 404 ReportInProgress', 'GetCredentialReport 200']);
    const cr = manifest.artifacts.find((x: { kind: string }) => x.kind === 'aws.iam.credential-report');
    expect(cr.provenance.operations).toEqual([
      { api: 'iam:GenerateCredentialReport', params: {}, pages: 1, calls: 1 },
      { api: 'iam:GetCredentialReport', params: {}, pages: 1, calls: 2 },
    ]);
  });

  it('makes only read calls, every one declared in the permissions soc2 prints', async () => {
    const r = await collect();
    expect(r.code, r.stderr).toBe(0);
    expect(sb.requests.length).toBeGreaterThan(5);
    const declared = new Set(collectors.filter((c) => c.meta.source === 'aws').flatMap((c) => c.meta.permissions));
    const actions = [...new Set(sb.requests.map((q) => `${q.service}:${q.action}`))];
    for (const a of actions) {
      expect(a.split(':')[1]).toMatch(READ_ONLY);
      if (a !== 'sts:GetCallerIdentity') expect(declared.has(a), `${a} is not declared`).toBe(true);
    }
  });

  it('retries throttling and still collects everything', async () => {
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'throttle', times: 2 });
    const r = await collect();
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const calls = sb.requests.filter((q) => q.action === 'GetAccountAuthorizationDetails');
    expect(calls.filter((q) => q.error === 'Throttling')).toHaveLength(2);
    expect(out.collectors[0].apiCalls).toBe(sb.requests.filter((q) => q.service === 'iam').length);
  });

  it('records a denied call as a gap, keeps the rest, marks the bundle partial and exits 3', async () => {
    sb.faults.add({ action: 'GenerateCredentialReport', kind: 'deny' });
    const r = await collect();
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('partial');
    expect(out.collectors[0].gaps).toEqual([{ api: 'iam:GenerateCredentialReport', code: 'AccessDenied', message: expect.any(String) }]);
    const findings = JSON.parse(readFileSync(path.join(out.bundle, 'findings.json'), 'utf8'));
    // checks that need the missing report say error, never pass; the others still run
    expect(findings.find((f: { check: string }) => f.check === 'aws-iam.console-users-mfa').status).toBe('error');
    expect(findings.find((f: { check: string }) => f.check === 'aws-iam.admin-principals').status).not.toBe('error');
    const v = await runCli(['verify', out.bundle]);
    expect(v.code).toBe(0);
  });

  it('marks authorization details incomplete when paging fails midway, never a shorter list that looks whole', async () => {
    // the first two pages arrive, then every call fails
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'error500', after: 2 });
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url, { AWS_MAX_ATTEMPTS: '2' }) });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    const manifest = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8'));
    const a = manifest.artifacts.find((x: { kind: string }) => x.kind === 'aws.iam.authorization-details');
    expect(a.provenance.complete).toBe(false);
    expect(a.records).toBe(8);
    expect(out.collectors[0].gaps[0]).toMatchObject({ api: 'iam:GetAccountAuthorizationDetails' });
    const findings = JSON.parse(readFileSync(path.join(out.bundle, 'findings.json'), 'utf8'));
    expect(findings.find((f: { check: string }) => f.check === 'aws-iam.admin-principals').status).toBe('error');
  });

  it('flags the fixture\'s seeded problems', async () => {
    const r = await collect();
    const out = JSON.parse(r.stdout);
    const findings = JSON.parse(readFileSync(path.join(out.bundle, 'findings.json'), 'utf8')) as { check: string; status: string; exceptions: { resource: string }[] }[];
    const f = (id: string) => findings.find((x) => x.check === id)!;
    expect(f('aws-iam.external-trust').exceptions.map((e) => e.resource)).toContain('arn:aws:iam::111122223333:role/vendor-audit-access');
    expect(f('aws-iam.console-users-mfa').status).toBe('fail');
    expect(f('aws-iam.admin-principals').status).toBe('fail');
  });
});

// The collector's polling waits (node:timers/promises) run on a virtual clock: each wait moves
// Date.now() forward by exactly what was asked and ends at once, so the polls that fit before the
// deadline no longer depend on how fast a loaded machine answers.
const clock = vi.hoisted(() => ({ on: false, waits: [] as number[] }));
vi.mock('node:timers/promises', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:timers/promises')>();
  return {
    ...real,
    setTimeout: (ms: number, value?: unknown, o?: { signal?: AbortSignal }) => {
      if (!clock.on) return real.setTimeout(ms, value, o);
      clock.waits.push(ms);
      vi.setSystemTime(Date.now() + ms);
      return real.setTimeout(0, value, o);
    },
  };
});

describe('aws-iam: a credential report that never becomes ready', () => {
  let sb: AwsSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company'), credentialReportPolls: 1_000_000 });
    // in process, the SDK takes its endpoint and credentials from the environment
    Object.assign(process.env, awsEnv(sb.url));
  });
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    removeTempDirs();
    await sb?.close();
  });

  it('polls with backoff until credentialReportWaitSeconds, then records a gap (the rest is collected)', async () => {
    const config = 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam]\nsettings:\n  aws-iam:\n    credentialReportWaitSeconds: 1\n';
    vi.useFakeTimers({ toFake: ['Date'] });
    clock.on = true;
    clock.waits.length = 0;
    let r: Awaited<ReturnType<typeof collectInProcess>>;
    try {
      r = await collectInProcess(config, process.env);
    } finally {
      clock.on = false;
      vi.useRealTimers();
    }
    expect(r.exitCode).toBe(3);
    const entry = r.manifest.collectors.find((c) => c.id === 'aws-iam')!;
    // Generate, then a poll after each wait of 100, 200 and 400 ms (700 ms in all): the next wait,
    // 800 ms, would end past the 1 s deadline, so the collector gives up there — never a tight loop
    expect(clock.waits).toEqual([100, 200, 400]);
    expect(entry.gaps).toEqual([{ api: 'iam:GetCredentialReport', code: 'ReportNotReady', message: 'no report after 4 calls in 1s (last state INPROGRESS)' }]);
    expect(sb.requests.filter((q) => q.action === 'GetCredentialReport').map((q) => q.error)).toEqual(['ReportInProgress', 'ReportInProgress', 'ReportInProgress']);
    expect(sb.requests.filter((q) => q.action === 'GenerateCredentialReport')).toHaveLength(1);
    expect(r.manifest.artifacts.some((a) => a.kind === 'aws.iam.authorization-details')).toBe(true);
    expect(r.manifest.artifacts.some((a) => a.kind === 'aws.iam.credential-report')).toBe(false);
  });
});
