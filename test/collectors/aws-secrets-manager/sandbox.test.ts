// aws-secrets-manager against the project's wire-level AWS sandbox: pagination over several
// ListSecrets pages, the exact calls made (recorded by the server), replication, retried throttling,
// a denied GetResourcePolicy and a ListSecrets denied mid-way, all through the real CLI.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Manifest } from '../../../src/bundle/manifest.js';
import { startAwsSandbox, type AwsSandbox, type AwsSeed, type SecretSeed } from '../../../src/sandbox/aws/index.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';

const ACCOUNT = '111122223333';
const CANARY = `CANARY-${randomBytes(12).toString('hex')}`;
const DAY = 86_400_000;
const ago = (d: number) => new Date(Date.now() - d * DAY).toISOString().replace(/\.\d{3}Z$/, 'Z');
const BULK = 250;

function bulkSecret(i: number): SecretSeed {
  return {
    name: `bulk/secret-${String(i).padStart(3, '0')}`,
    value: `${CANARY}-${i}`,
    kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/0000-${i}`,
    created: ago(300),
    rotation: { enabled: true, days: 30, lambdaArn: `arn:aws:lambda:us-east-1:${ACCOUNT}:function:rotate` },
    lastRotated: ago(2),
    lastAccessed: ago(1),
    tags: { owner: 'ml-platform', 'data-classification': 'internal' },
  };
}

const seed: AwsSeed = {
  accounts: [
    {
      id: ACCOUNT,
      callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/soc2-evidence-collector/ci`,
      iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] },
      secrets: {
        'us-east-1': [
          ...Array.from({ length: BULK }, (_, i) => bulkSecret(i)),
          {
            ...bulkSecret(BULK),
            name: 'shared/replicated',
            replication: [{ region: 'eu-west-1', kmsKeyId: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/eu` }],
            policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] },
          },
        ],
        'eu-west-1': [{ name: 'eu/plain', value: `${CANARY}-eu`, created: ago(10) }],
      },
    },
  ],
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

describe('aws-secrets-manager against the AWS sandbox', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed });
  });
  afterAll(async () => {
    await sb?.close();
  });
  beforeEach(() => sb.reset());

  async function collect(regions = 'us-east-1, eu-west-1', during?: () => void) {
    const dir = tmpDir();
    // the sandbox has no quota here; rate-limit.test.ts covers resourcePolicyCallsPerSecond
    const cfg = writeConfig(dir, `sources:\n  aws:\n    - name: main\n      regions: [${regions}]\ncollectors: [aws-secrets-manager]\nevidence:\n  dir: evidence\nsettings:\n  aws-secrets-manager:\n    resourcePolicyCallsPerSecond: 10000\n`);
    let timer: NodeJS.Timeout | undefined;
    if (during) timer = setInterval(during, 2);
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) });
    if (timer) clearInterval(timer);
    const out = JSON.parse(r.stdout) as { bundle: string; status: string };
    const manifest = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8')) as Manifest;
    const findings = JSON.parse(readFileSync(path.join(out.bundle, 'findings.json'), 'utf8')) as { check: string; status: string; scope: Record<string, string>; exceptions: { resource: string; reason: string }[] }[];
    const records = (region: string) =>
      readFileSync(path.join(out.bundle, `artifacts/main/aws-secrets-manager/${region}/secrets.ndjson`), 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l));
    return { ...r, dir, out, manifest, findings, records };
  }
  const sm = () => sb.requests.filter((q) => q.service === 'secretsmanager');

  it('pages through ListSecrets, makes one GetResourcePolicy per secret and never asks for a value', async () => {
    const r = await collect();
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.status).toBe('complete');

    const calls = sm();
    expect(new Set(calls.map((q) => q.action))).toEqual(new Set(['ListSecrets', 'GetResourcePolicy', 'DescribeSecret']));
    expect(calls.some((q) => /GetSecretValue/.test(q.action))).toBe(false);

    const list = (region: string) => calls.filter((q) => q.action === 'ListSecrets' && q.region === region);
    expect(list('us-east-1')).toHaveLength(3); // 251 secrets: 100 + 100 + 51
    expect(list('eu-west-1')).toHaveLength(1);
    for (const q of [...list('us-east-1'), ...list('eu-west-1')]) expect(q.params).toMatchObject({ IncludePlannedDeletion: true, MaxResults: 100 });
    expect(list('us-east-1').map((q) => typeof q.params.NextToken)).toEqual(['undefined', 'string', 'string']);

    for (const region of ['us-east-1', 'eu-west-1']) {
      const recs = r.records(region);
      const arns = recs.map((x) => x.ARN);
      expect(new Set(arns).size).toBe(arns.length);
      const policyCalls = calls.filter((q) => q.action === 'GetResourcePolicy' && q.region === region).map((q) => q.params.SecretId as string);
      expect(policyCalls.sort()).toEqual([...arns].sort()); // exactly one per secret
    }
    expect(r.records('us-east-1')).toHaveLength(BULK + 1);
    expect(r.records('eu-west-1').map((x) => x.Name).sort()).toEqual(['eu/plain', 'shared/replicated']);

    // DescribeSecret only for the replicated secret: its primary and its replica
    const describes = calls.filter((q) => q.action === 'DescribeSecret');
    expect(describes.map((q) => q.region).sort()).toEqual(['eu-west-1', 'us-east-1']);
    const primary = r.records('us-east-1').find((x) => x.Name === 'shared/replicated');
    expect(primary).toMatchObject({ PrimaryRegion: 'us-east-1', ReplicationStatus: [{ Region: 'eu-west-1', Status: 'InSync' }] });
    const replica = r.records('eu-west-1').find((x) => x.Name === 'shared/replicated');
    expect(replica.PrimaryRegion).toBe('us-east-1');
    expect(r.records('us-east-1').filter((x) => 'ReplicationStatus' in x)).toHaveLength(1);

    // call counts: manifest, provenance and the server's recording agree
    const entry = (region: string) => r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager' && c.scope.region === region)!;
    expect(entry('us-east-1').apiCalls).toBe(3 + 251 + 1);
    expect(entry('eu-west-1').apiCalls).toBe(1 + 2 + 1);
    const prov = r.manifest.artifacts.find((a) => a.path.endsWith('us-east-1/secrets.ndjson'))!.provenance;
    expect(prov.operations.map((o) => [o.api, o.pages, o.calls])).toEqual([
      ['secretsmanager:ListSecrets', 3, undefined],
      ['secretsmanager:GetResourcePolicy', 251, 251],
      ['secretsmanager:DescribeSecret', 1, 1],
    ]);

    // checks over the sandbox data: the cross-account policy, and the untagged, unrotated eu secret
    const f = (id: string, region: string) => r.findings.find((x) => x.check === `aws-secrets-manager.${id}` && x.scope.region === region)!;
    expect(f('resource-policy-external', 'us-east-1').exceptions.map((e) => e.resource)).toEqual([primary.ARN]);
    expect(f('rotated-on-schedule', 'us-east-1').status).toBe('pass');
    expect(f('unused', 'us-east-1').status).toBe('pass');
    expect(f('required-tags', 'eu-west-1').exceptions.map((e) => e.resource)).toEqual([r.records('eu-west-1').find((x) => x.Name === 'eu/plain').ARN]);

    // the canary values were served only by GetSecretValue, which was never called
    for (const file of filesUnder(path.join(r.dir, 'evidence'))) expect(readFileSync(file).includes(CANARY), file).toBe(false);
    expect(r.stdout.includes(CANARY) || r.stderr.includes(CANARY)).toBe(false);
  });

  it('retries throttling and still writes a complete bundle', async () => {
    // eu-west-1, throttling the last call of the collection (DescribeSecret of the replica): the
    // SDK's standard retry mode (src/clients/aws.ts) retries it after a jittered backoff.
    sb.faults.add({ service: 'secretsmanager', action: 'DescribeSecret', kind: 'throttle', times: 1 });
    const r = await collect('eu-west-1');
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.status).toBe('complete');
    const describes = sm().filter((q) => q.action === 'DescribeSecret');
    expect(describes.map((q) => [q.status, q.error ?? null])).toEqual([
      [400, 'ThrottlingException'],
      [200, null],
    ]);
    expect(r.records('eu-west-1').find((x) => x.Name === 'shared/replicated')).toHaveProperty('ReplicationStatus');
    const entry = r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager')!;
    expect(entry).toMatchObject({ status: 'ok', gaps: [], retries: 1, apiCalls: 1 + 2 + 1 + 1 });
    const prov = r.manifest.artifacts.find((a) => a.path.endsWith('eu-west-1/secrets.ndjson'))!.provenance;
    expect(prov.operations[2]).toMatchObject({ api: 'secretsmanager:DescribeSecret', calls: 1 }); // a retried call is one call
  });

  it('a denied GetResourcePolicy is a gap naming the secret; the bundle is partial and the CLI exits 3', async () => {
    sb.faults.add({ service: 'secretsmanager', action: 'GetResourcePolicy', kind: 'deny', times: 1 });
    const r = await collect(); // two regions: the one not denied is ok, so the bundle is partial
    expect(r.code).toBe(3);
    expect(r.out.status).toBe('partial');
    const denied = sm().find((q) => q.fault === 'deny')!;
    const region = denied.region;
    const entry = r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager' && c.scope.region === region)!;
    expect(r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager' && c.scope.region !== region)!.status).toBe('ok');
    expect(entry.status).toBe('error');
    expect(entry.gaps).toEqual([{ api: `secretsmanager:GetResourcePolicy ${denied.params.SecretId}`, code: 'AccessDeniedException', message: expect.stringContaining('not authorized') }]);
    const recs = r.records(region);
    expect(recs).toHaveLength(region === 'us-east-1' ? BULK + 1 : 2);
    expect(recs.find((x) => x.ARN === denied.params.SecretId).resourcePolicy).toEqual({ error: 'AccessDeniedException' });
    expect(recs.filter((x) => x.resourcePolicy?.error)).toHaveLength(1);
    const f = (id: string) => r.findings.find((x) => x.check === `aws-secrets-manager.${id}` && x.scope.region === region)!;
    expect(f('resource-policy-external').status).toBe('error');
    expect(f('resource-policy-external').exceptions.map((e) => e.resource)).toContain(denied.params.SecretId);
    expect(f('scheduled-for-deletion').status).toBe('pass'); // the rest of the evidence still counts
  });

  it('a permission denied for every secret yields 25 named gaps and one that counts the rest', async () => {
    sb.faults.add({ service: 'secretsmanager', action: 'GetResourcePolicy', kind: 'deny' });
    const r = await collect('us-east-1');
    expect(r.code).toBe(3);
    const gaps = r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager')!.gaps;
    expect(gaps).toHaveLength(26);
    expect(gaps.filter((g) => /^secretsmanager:GetResourcePolicy arn:aws:secretsmanager:/.test(g.api))).toHaveLength(25);
    expect(gaps[25]).toMatchObject({ api: 'secretsmanager:GetResourcePolicy', code: 'AccessDeniedException', message: expect.stringMatching(/^226 more secrets/) });
    expect(r.records('us-east-1').every((x) => x.resourcePolicy?.error === 'AccessDeniedException')).toBe(true);
  });

  it('a ListSecrets denied mid-way keeps the pages read, marks the artifact incomplete and every check error', async () => {
    let armed = false;
    const r = await collect('us-east-1', () => {
      if (!armed && sb.requests.some((q) => q.action === 'GetResourcePolicy')) {
        armed = true;
        sb.faults.add({ service: 'secretsmanager', action: 'ListSecrets', kind: 'deny' });
      }
    });
    expect(armed).toBe(true);
    expect(r.code).toBe(3);
    const art = r.manifest.artifacts.find((a) => a.path.endsWith('us-east-1/secrets.ndjson'))!;
    expect(art.provenance.complete).toBe(false);
    expect(art.provenance.notes).toMatchObject({ stoppedAfterPages: 1 });
    expect(art.records).toBe(100);
    expect(r.records('us-east-1')).toHaveLength(100);
    const entry = r.manifest.collectors.find((c) => c.id === 'aws-secrets-manager')!;
    expect(entry.gaps).toEqual([{ api: 'secretsmanager:ListSecrets', code: 'AccessDeniedException', message: expect.any(String) }]);
    expect(r.findings.every((f) => f.status === 'error')).toBe(true);
  });
});
