// aws-secrets-manager against moto, an independent AWS implementation, seeded through the real SDK.
// Runs the real CLI over two regions and asserts the artifacts, the exceptions of every check, the
// call counts, and that no secret value (a canary) reaches the bundle, stdout or stderr.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutResourcePolicyCommand,
  RotateSecretCommand,
  SecretsManagerClient,
  type Tag,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { artifactReader } from '../../../src/bundle/store.js';
import type { Manifest } from '../../../src/bundle/manifest.js';
import collector from '../../../collectors/aws-secrets-manager/index.js';
import { awsEnv, runCli, tmpDir, writeConfig, type CliResult } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const ACCOUNT = '123456789012'; // moto's account
const CANARY = `CANARY-${randomBytes(12).toString('hex')}`;
const TAGS: Tag[] = [
  { Key: 'owner', Value: 'ml-platform' },
  { Key: 'data-classification', Value: 'confidential' },
];

/** @aws-sdk/client-kms is not a dependency: create the customer key with one awsJson call. */
async function createKmsKey(url: string, region: string): Promise<string> {
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/x-amz-json-1.1',
      'X-Amz-Target': 'TrentService.CreateKey',
      Authorization: `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/kms/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body: JSON.stringify({ Description: 'secrets key', KeyUsage: 'ENCRYPT_DECRYPT' }),
  });
  if (!r.ok) throw new Error(`CreateKey: ${r.status} ${await r.text()}`);
  const arn = ((await r.json()) as { KeyMetadata: { Arn: string } }).KeyMetadata.Arn;
  expect(arn).toContain(`:${region}:`);
  return arn;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

type Finding = { check: string; status: string; summary: string; scope: Record<string, string>; exceptions: { resource: string; reason: string }[] };

describe.skipIf(!moto.ok)('aws-secrets-manager against moto', () => {
  let m: Moto;
  let dir: string;
  let result: CliResult;
  let bundle: string;
  const arns: Record<string, string> = {};

  beforeAll(async () => {
    m = await startMoto();
    const client = (region: string) => new SecretsManagerClient({ region, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const use = client('us-east-1');
    const eu = client('eu-west-1');
    const create = async (c: SecretsManagerClient, Name: string, extra: { KmsKeyId?: string; Tags?: Tag[] } = {}) => {
      const r = await c.send(new CreateSecretCommand({ Name, SecretString: JSON.stringify({ password: CANARY }), ...extra }));
      arns[Name] = r.ARN!;
    };
    // us-east-1
    await create(use, 'prod/db-rotating', { Tags: TAGS });
    // moto rotates without a Lambda (AWS would need RotationLambdaARN); LastRotatedDate = now
    await use.send(new RotateSecretCommand({ SecretId: 'prod/db-rotating', RotationRules: { AutomaticallyAfterDays: 30 } }));
    await create(use, 'prod/kms-encrypted', { KmsKeyId: await createKmsKey(m.url, 'us-east-1'), Tags: TAGS });
    await create(use, 'prod/shared-cross-account', { Tags: TAGS });
    await use.send(
      new PutResourcePolicyCommand({
        SecretId: 'prod/shared-cross-account',
        ResourcePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
            { Sid: 'Own', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:role/trainer` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' },
          ],
        }),
      }),
    );
    await create(use, 'prod/retired'); // untagged, unrotated: excluded from those checks once deleted
    await use.send(new DeleteSecretCommand({ SecretId: 'prod/retired', RecoveryWindowInDays: 7 }));
    await create(use, 'prod/untagged');
    // eu-west-1
    await create(eu, 'eu/rotating-kms', { KmsKeyId: await createKmsKey(m.url, 'eu-west-1'), Tags: TAGS });
    await eu.send(new RotateSecretCommand({ SecretId: 'eu/rotating-kms', RotationRules: { AutomaticallyAfterDays: 30 } }));
    await create(eu, 'eu/owner-only', { Tags: [{ Key: 'Owner', Value: 'research' }] });
    use.destroy();
    eu.destroy();

    dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1, eu-west-1]\ncollectors: [aws-secrets-manager]\nevidence:\n  dir: evidence\n');
    // --verbose: progress lines on stderr too, which must not carry the canary either
    result = await runCli(['collect', '--config', cfg, '--json', '--verbose'], { env: awsEnv(m.url) });
    bundle = JSON.parse(result.stdout).bundle;
  });
  afterAll(async () => {
    await m?.stop();
  });

  const manifest = () => JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest;
  const findings = () => JSON.parse(readFileSync(path.join(bundle, 'findings.json'), 'utf8')) as Finding[];
  const finding = (id: string, region: string) => findings().find((f) => f.check === `aws-secrets-manager.${id}` && f.scope.region === region)!;
  const names = (id: string, region: string) => finding(id, region).exceptions.map((e) => e.resource.split(':secret:').pop()!.replace(/-[A-Za-z0-9]{6}$/, '')).sort();
  const records = (region: string) =>
    readFileSync(path.join(bundle, `artifacts/main/aws-secrets-manager/${region}/secrets.ndjson`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));

  it('writes a complete bundle and exits 0', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'complete' });
  });

  it('writes one artifact per region with every secret once, pending deletions included', () => {
    const us = records('us-east-1');
    const eu = records('eu-west-1');
    expect(us.map((r) => r.Name).sort()).toEqual(['prod/db-rotating', 'prod/kms-encrypted', 'prod/retired', 'prod/shared-cross-account', 'prod/untagged']);
    expect(eu.map((r) => r.Name).sort()).toEqual(['eu/owner-only', 'eu/rotating-kms']);
    for (const r of [...us, ...eu]) expect(r.ARN).toBe(arns[r.Name]);
    const by = Object.fromEntries(us.map((r) => [r.Name, r]));
    expect(by['prod/retired'].DeletedDate).toEqual(expect.any(String));
    expect(Date.parse(by['prod/retired'].DeletedDate) - Date.now()).toBeGreaterThan(6 * 86_400_000);
    expect(by['prod/db-rotating']).toMatchObject({ RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: 30 }, kms: 'aws-managed', KmsKeyId: null, resourcePolicy: null });
    expect(by['prod/db-rotating'].LastRotatedDate).toEqual(expect.any(String));
    expect(by['prod/kms-encrypted']).toMatchObject({ kms: 'customer-managed', KmsKeyId: expect.stringMatching(/^arn:aws:kms:us-east-1:/) });
    expect(by['prod/shared-cross-account'].resourcePolicy.Statement[0].Principal.AWS).toBe('arn:aws:iam::999988887777:root');
    expect(by['prod/untagged']).toMatchObject({ Tags: [], LastAccessedDate: null, RotationEnabled: false });
    expect(by['prod/untagged']).not.toHaveProperty('ReplicationStatus');

    const arts = manifest().artifacts.filter((a) => a.kind === 'aws.secretsmanager.secrets');
    expect(arts.map((a) => a.path).sort()).toEqual(['artifacts/main/aws-secrets-manager/eu-west-1/secrets.ndjson', 'artifacts/main/aws-secrets-manager/us-east-1/secrets.ndjson']);
    // the first bundle's rotation log is a baseline
    const rot = manifest().artifacts.filter((a) => a.kind === 'aws.secretsmanager.rotations');
    expect(rot.map((a) => a.path).sort()).toEqual(['artifacts/main/aws-secrets-manager/eu-west-1/rotations.json', 'artifacts/main/aws-secrets-manager/us-east-1/rotations.json']);
    const usArt = arts.find((a) => a.path.includes('us-east-1'))!;
    expect(usArt).toMatchObject({ kind: 'aws.secretsmanager.secrets', records: 5, criteria: ['CC6.1'] });
    expect(usArt.provenance).toMatchObject({ complete: true, scope: { source: 'main', account: ACCOUNT, region: 'us-east-1' } });
  });

  it('records the operations and makes exactly the calls documented', () => {
    const m_ = manifest();
    const ops = (region: string) => m_.artifacts.find((a) => a.path.includes(region) && a.kind === 'aws.secretsmanager.secrets')!.provenance.operations;
    expect(ops('us-east-1')).toEqual([
      { api: 'secretsmanager:ListSecrets', params: { IncludePlannedDeletion: true, MaxResults: 100 }, pages: 1 },
      { api: 'secretsmanager:GetResourcePolicy', params: { SecretId: '<each secret ARN>' }, pages: 5, calls: 5 },
      { api: 'secretsmanager:DescribeSecret', params: { SecretId: '<each replicated secret ARN>' }, pages: 0, calls: 0 },
    ]);
    expect(ops('eu-west-1')[1]).toMatchObject({ calls: 2 });
    const entries = m_.collectors.filter((c) => c.id === 'aws-secrets-manager');
    expect(entries).toHaveLength(2);
    // 1 ListSecrets page + 1 GetResourcePolicy per secret, no retries
    const calls = Object.fromEntries(entries.map((e) => [e.scope.region, e.apiCalls]));
    expect(calls).toEqual({ 'us-east-1': 1 + 5, 'eu-west-1': 1 + 2 });
    for (const e of entries) expect(e).toMatchObject({ status: 'ok', gaps: [], retries: 0 });
  });

  it('lists exactly the seeded exceptions per check and region', () => {
    expect(names('rotation-enabled', 'us-east-1')).toEqual(['prod/kms-encrypted', 'prod/shared-cross-account', 'prod/untagged']);
    expect(finding('rotation-enabled', 'us-east-1').summary).toContain('1 secret scheduled for deletion excluded');
    expect(names('rotation-enabled', 'eu-west-1')).toEqual(['eu/owner-only']);
    expect(finding('rotated-on-schedule', 'us-east-1')).toMatchObject({ status: 'pass', exceptions: [] });
    expect(finding('rotated-on-schedule', 'eu-west-1')).toMatchObject({ status: 'pass', exceptions: [] });
    expect(names('customer-managed-key', 'us-east-1')).toEqual(['prod/db-rotating', 'prod/retired', 'prod/shared-cross-account', 'prod/untagged']);
    expect(names('customer-managed-key', 'eu-west-1')).toEqual(['eu/owner-only']);
    expect(names('resource-policy-external', 'us-east-1')).toEqual(['prod/shared-cross-account']);
    const ext = finding('resource-policy-external', 'us-east-1').exceptions[0]!.reason;
    expect(ext).toContain('account 999988887777');
    expect(ext).toContain('secretsmanager:GetSecretValue');
    expect(ext).not.toContain(ACCOUNT); // the own-account statement is not an external grant
    expect(finding('resource-policy-external', 'eu-west-1')).toMatchObject({ status: 'pass' });
    // moto never sets LastAccessedDate; every secret is younger than 90 days, so none is unused yet
    expect(finding('unused', 'us-east-1')).toMatchObject({ status: 'pass', exceptions: [] });
    expect(names('scheduled-for-deletion', 'us-east-1')).toEqual(['prod/retired']);
    expect(finding('scheduled-for-deletion', 'us-east-1')).toMatchObject({ status: 'fail' });
    expect(finding('scheduled-for-deletion', 'us-east-1').exceptions[0]!.reason).toMatch(/^scheduled for deletion on \d{4}-\d\d-\d\dT/);
    expect(finding('scheduled-for-deletion', 'eu-west-1')).toMatchObject({ status: 'pass' });
    expect(names('required-tags', 'us-east-1')).toEqual(['prod/untagged']);
    expect(finding('required-tags', 'us-east-1').exceptions[0]!.reason).toBe('missing tags: owner, data-classification');
    expect(names('required-tags', 'eu-west-1')).toEqual(['eu/owner-only']);
    expect(finding('required-tags', 'eu-west-1').exceptions[0]!.reason).toBe('missing tag: data-classification');
    for (const f of findings()) expect(f.check.startsWith('aws-secrets-manager.')).toBe(true);
    expect(findings()).toHaveLength(14);
  });

  it('re-evaluated 200 days later, the same evidence shows overdue rotation and unused secrets', async () => {
    const later = new Date(Date.now() + 200 * 86_400_000);
    const reader = artifactReader(bundle, manifest().artifacts, 'artifacts/main/aws-secrets-manager/us-east-1');
    const settings = collector.meta.settings!.parse({});
    const run = async (id: string) => collector.checks.find((c) => c.id === `aws-secrets-manager.${id}`)!.run({ target: { kind: 'aws', source: 'main', account: ACCOUNT, region: 'us-east-1', pathSegments: ['us-east-1'] }, source: {}, settings, now: later, artifacts: reader });
    const late = await run('rotated-on-schedule');
    expect(late.exceptions!.map((e) => e.resource)).toEqual([arns['prod/db-rotating']]);
    expect(late.exceptions![0]!.reason).toMatch(/^last rotated \d{4}-\d\d-\d\d, 200 days ago \(rotation every 30 days \+ 7 days grace\)$/);
    const unused = await run('unused');
    expect(unused.exceptions!.map((e) => e.resource).sort()).toEqual([arns['prod/db-rotating'], arns['prod/kms-encrypted'], arns['prod/shared-cross-account'], arns['prod/untagged']].sort());
    expect(unused.exceptions!.every((e) => e.reason.startsWith('never accessed since created'))).toBe(true);
    const del = await run('scheduled-for-deletion');
    expect(del.exceptions![0]!.reason).toMatch(/^deletion was due .* and is still pending$/);
  });

  it('writes a bundle that verifies', async () => {
    const v = await runCli(['verify', path.dirname(bundle)]);
    expect(v.code, v.stdout).toBe(0);
  });

  it('never lets a secret value reach the bundles, stdout or stderr (canary)', () => {
    const evidence = path.join(dir, 'evidence');
    const files = filesUnder(evidence);
    expect(files.length).toBeGreaterThanOrEqual(4); // manifest, findings, 2 artifacts
    for (const f of files) expect(readFileSync(f).includes(CANARY), f).toBe(false);
    for (const out of [result.stdout, result.stderr]) expect(out.includes(CANARY)).toBe(false);
    expect(result.stderr).toContain('collecting aws-secrets-manager'); // the verbose run did log
  });
});
