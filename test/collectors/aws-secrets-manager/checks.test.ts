// The checks are pure functions of the records and input.now: cases moto cannot produce (accessed
// dates, schedule expressions, unusual principals, failed policy reads) are written as records here.
import { describe, expect, it } from 'vitest';
import collector from '../../../collectors/aws-secrets-manager/index.js';
import { externalGrants } from '../../../collectors/_shared/resource-policy.js';
import { kmsKind, toRecord, type SecretRecord } from '../../../collectors/aws-secrets-manager/record.js';
import type { ArtifactReader, CheckResult } from '../../../src/core/types.js';

const ACCOUNT = '111122223333';
const NOW = new Date('2026-06-30T12:00:00Z');
const TAGS = [
  { Key: 'owner', Value: 'ml' },
  { Key: 'data-classification', Value: 'internal' },
];
const days = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

let seq = 0;
function secret(over: Partial<SecretRecord> = {}): SecretRecord {
  const name = over.Name ?? `s${++seq}`;
  return {
    ARN: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:${name}-AbCdEf`,
    Name: name,
    kms: 'customer-managed',
    KmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/1234`,
    RotationEnabled: true,
    RotationRules: { AutomaticallyAfterDays: 30 },
    RotationLambdaARN: null,
    LastRotatedDate: days(1),
    LastChangedDate: days(1),
    LastAccessedDate: days(1),
    NextRotationDate: null,
    DeletedDate: null,
    Tags: TAGS,
    PrimaryRegion: null,
    OwningService: null,
    CreatedDate: days(400),
    resourcePolicy: null,
    ...over,
  };
}

function reader(records: SecretRecord[]): ArtifactReader {
  return {
    has: () => true,
    complete: () => true,
    readJson: async () => {
      throw new Error('not json');
    },
    readText: async () => '',
    iterate: <T>() => ({
      async *[Symbol.asyncIterator]() {
        for (const r of records) yield JSON.parse(JSON.stringify(r)) as T;
      },
    }),
  };
}

async function run(id: string, records: SecretRecord[], settings: Record<string, unknown> = {}): Promise<CheckResult> {
  const check = collector.checks.find((c) => c.id === `aws-secrets-manager.${id}`)!;
  return check.run({
    target: { kind: 'aws', source: 'main', account: ACCOUNT, region: 'us-east-1', pathSegments: ['us-east-1'] },
    source: {},
    settings: collector.meta.settings!.parse(settings),
    now: NOW,
    artifacts: reader(records),
  });
}
const flagged = (r: CheckResult) => (r.exceptions ?? []).map((e) => e.resource.split(':secret:')[1]!.replace(/-AbCdEf$/, ''));

describe('aws-secrets-manager checks', () => {
  it('settings have the documented defaults and reject unknown keys', () => {
    expect(collector.meta.settings!.parse({})).toEqual({ rotationGraceDays: 7, unusedDays: 90, requiredTags: ['owner', 'data-classification'], requireCustomerManagedKey: true, resourcePolicyCallsPerSecond: 45 });
    expect(collector.meta.settings!.safeParse({ unusedDay: 3 }).success).toBe(false);
  });

  it('rotation-enabled excludes pending deletions and says so', async () => {
    const r = await run('rotation-enabled', [secret({ Name: 'on' }), secret({ Name: 'off', RotationEnabled: false }), secret({ Name: 'gone', RotationEnabled: false, DeletedDate: days(-5) })]);
    expect(r.status).toBe('fail');
    expect(flagged(r)).toEqual(['off']);
    expect(r.summary).toBe('1 of 2 secrets have no automatic rotation; 1 secret scheduled for deletion excluded');
    expect((await run('rotation-enabled', [])).status).toBe('not_applicable');
  });

  it('rotated-on-schedule: interval + grace from LastRotatedDate or CreatedDate; schedule expressions; NextRotationDate', async () => {
    const r = await run('rotated-on-schedule', [
      secret({ Name: 'fresh', LastRotatedDate: days(36) }), // 30 + 7 grace: not late yet
      secret({ Name: 'late', LastRotatedDate: days(38) }),
      secret({ Name: 'never-rotated-old', LastRotatedDate: null, CreatedDate: days(60) }),
      secret({ Name: 'never-rotated-new', LastRotatedDate: null, CreatedDate: days(10) }),
      secret({ Name: 'rate-late', RotationRules: { ScheduleExpression: 'rate(10 days)' }, LastRotatedDate: days(20) }),
      secret({ Name: 'cron-ok', RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, NextRotationDate: days(3) }),
      secret({ Name: 'cron-late', RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, NextRotationDate: days(9) }),
      secret({ Name: 'cron-unknown', RotationRules: { ScheduleExpression: 'cron(0 16 1,15 * ? *)' }, NextRotationDate: null }),
      secret({ Name: 'off', RotationEnabled: false, LastRotatedDate: days(900) }),
      secret({ Name: 'deleted', LastRotatedDate: days(900), DeletedDate: days(-3) }),
    ]);
    expect(flagged(r).sort()).toEqual(['cron-late', 'cron-unknown', 'late', 'never-rotated-old', 'rate-late']);
    const reason = (n: string) => r.exceptions!.find((e) => e.resource.includes(`:${n}-`))!.reason;
    expect(reason('late')).toBe(`last rotated ${days(38).slice(0, 10)}, 38 days ago (rotation every 30 days + 7 days grace)`);
    expect(reason('never-rotated-old')).toMatch(/^never rotated since created /);
    expect(reason('cron-late')).toContain('rotation was due');
    expect(r.summary).toContain('5 of 8 rotating secrets are overdue; 1 secret scheduled for deletion excluded');
    expect((await run('rotated-on-schedule', [secret({ LastRotatedDate: days(38) })], { rotationGraceDays: 10 })).status).toBe('pass');
  });

  it('customer-managed-key counts the AWS-managed key however it is named, and can be switched off', async () => {
    expect(kmsKind(undefined)).toBe('aws-managed');
    expect(kmsKind('alias/aws/secretsmanager')).toBe('aws-managed');
    expect(kmsKind(`arn:aws:kms:us-east-1:${ACCOUNT}:alias/aws/secretsmanager`)).toBe('aws-managed');
    expect(kmsKind(`arn:aws:kms:us-east-1:${ACCOUNT}:key/abc`)).toBe('customer-managed');
    const recs = [secret({ Name: 'cmk' }), secret({ Name: 'default', kms: 'aws-managed', KmsKeyId: null }), secret({ Name: 'gone', kms: 'aws-managed', KmsKeyId: null, DeletedDate: days(-2) })];
    expect(flagged(await run('customer-managed-key', recs))).toEqual(['default', 'gone']);
    const off = await run('customer-managed-key', recs, { requireCustomerManagedKey: false });
    expect(off).toMatchObject({ status: 'not_applicable', exceptions: [] });
    expect(off.summary).toContain('2 of 3 secrets use the AWS-managed key');
  });

  it('resource-policy-external finds *, other accounts, unresolved ids and NotPrincipal, never the own account or services', async () => {
    const pol = (...Statement: unknown[]) => ({ Version: '2012-10-17', Statement });
    const r = await run('resource-policy-external', [
      secret({ Name: 'own', resourcePolicy: pol({ Effect: 'Allow', Principal: { AWS: [`arn:aws:iam::${ACCOUNT}:role/a`, ACCOUNT] }, Action: 'secretsmanager:GetSecretValue' }) }),
      secret({ Name: 'service', resourcePolicy: pol({ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: '*' }) }),
      secret({ Name: 'deny-all', resourcePolicy: pol({ Effect: 'Deny', Principal: '*', Action: '*' }) }),
      secret({ Name: 'star', resourcePolicy: pol({ Sid: 'Open', Effect: 'Allow', Principal: '*', Action: ['secretsmanager:GetSecretValue'], Condition: { StringEquals: { 'aws:PrincipalOrgID': 'o-1' } } }) }),
      secret({ Name: 'aws-star', resourcePolicy: pol({ Effect: 'Allow', Principal: { AWS: '*' }, Action: '*' }) }),
      secret({ Name: 'bare-account', resourcePolicy: { Version: '2012-10-17', Statement: { Effect: 'Allow', Principal: { AWS: '444455556666' }, Action: 'secretsmanager:*' } } }),
      secret({ Name: 'assumed', resourcePolicy: pol({ Effect: 'Allow', Principal: { AWS: 'arn:aws:sts::777788889999:assumed-role/r/s' }, Action: 'secretsmanager:GetSecretValue' }) }),
      secret({ Name: 'unresolved', resourcePolicy: pol({ Effect: 'Allow', Principal: { AWS: 'AROAEXAMPLEID' }, Action: 'secretsmanager:GetSecretValue' }) }),
      secret({ Name: 'not-principal', resourcePolicy: pol({ Effect: 'Allow', NotPrincipal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'secretsmanager:GetSecretValue' }) }),
      secret({ Name: 'gone', DeletedDate: days(-1), resourcePolicy: pol({ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: '*' }) }),
    ]);
    expect(r.status).toBe('fail');
    expect(flagged(r).sort()).toEqual(['assumed', 'aws-star', 'bare-account', 'gone', 'not-principal', 'star', 'unresolved']);
    const reason = (n: string) => r.exceptions!.find((e) => e.resource.includes(`:${n}-`))!.reason;
    expect(reason('star')).toBe('statement Open: any principal (*) allowed secretsmanager:GetSecretValue, conditional on aws:PrincipalOrgID');
    expect(reason('bare-account')).toContain('account 444455556666');
    expect(reason('assumed')).toContain('account 777788889999');
    expect(reason('not-principal')).toContain('NotPrincipal');
    expect(r.summary).toContain('10 of 10 secrets have a resource policy');
    expect(externalGrants(null, ACCOUNT)).toEqual([]);
  });

  it('resource-policy-external is an error, listing the unread secrets, when a policy could not be read', async () => {
    const r = await run('resource-policy-external', [secret({ Name: 'ok' }), secret({ Name: 'denied', resourcePolicy: { error: 'AccessDeniedException' } })]);
    expect(r.status).toBe('error');
    expect(r.exceptions).toEqual([{ resource: expect.stringContaining(':denied-'), reason: 'resource policy could not be read (AccessDeniedException): not evaluated' }]);
  });

  it('unused: old access, never accessed and old, never accessed and young', async () => {
    const r = await run('unused', [
      secret({ Name: 'recent', LastAccessedDate: days(89) }),
      secret({ Name: 'stale', LastAccessedDate: days(91) }),
      secret({ Name: 'never-old', LastAccessedDate: null, CreatedDate: days(120) }),
      secret({ Name: 'never-young', LastAccessedDate: null, CreatedDate: days(30) }),
      secret({ Name: 'gone', LastAccessedDate: null, CreatedDate: days(500), DeletedDate: days(-1) }),
    ]);
    expect(flagged(r).sort()).toEqual(['never-old', 'stale']);
    const reason = (n: string) => r.exceptions!.find((e) => e.resource.includes(`:${n}-`))!.reason;
    expect(reason('stale')).toBe(`last accessed ${days(91).slice(0, 10)}, 91 days ago (limit 90)`);
    expect(reason('never-old')).toBe(`never accessed since created ${days(120).slice(0, 10)}, 120 days ago (limit 90)`);
    expect(r.summary).toContain('1 secret scheduled for deletion excluded');
    expect(flagged(await run('unused', [secret({ Name: 'x', LastAccessedDate: days(40) })], { unusedDays: 30 }))).toEqual(['x']);
  });

  it('scheduled-for-deletion lists pending deletions with their dates (severity low)', async () => {
    const check = collector.checks.find((c) => c.id === 'aws-secrets-manager.scheduled-for-deletion')!;
    expect(check.severity).toBe('low');
    const r = await run('scheduled-for-deletion', [secret({ Name: 'live' }), secret({ Name: 'soon', DeletedDate: '2026-07-05T00:00:00.000Z' }), secret({ Name: 'overdue', DeletedDate: '2026-06-01T00:00:00.000Z' })]);
    expect(r.status).toBe('fail');
    expect(r.exceptions).toEqual([
      { resource: expect.stringContaining(':soon-'), reason: 'scheduled for deletion on 2026-07-05T00:00:00.000Z (recoverable until then)' },
      { resource: expect.stringContaining(':overdue-'), reason: 'deletion was due 2026-06-01T00:00:00.000Z and is still pending' },
    ]);
    expect((await run('scheduled-for-deletion', [secret()])).status).toBe('pass');
  });

  it('required-tags: case-insensitive keys, empty values missing, configurable', async () => {
    const r = await run('required-tags', [
      secret({ Name: 'ok' }),
      secret({ Name: 'case', Tags: [{ Key: 'Owner', Value: 'a' }, { Key: 'Data-Classification', Value: 'b' }] }),
      secret({ Name: 'empty', Tags: [{ Key: 'owner', Value: ' ' }, { Key: 'data-classification', Value: 'b' }] }),
      secret({ Name: 'none', Tags: [] }),
      secret({ Name: 'gone', Tags: [], DeletedDate: days(-1) }),
    ]);
    expect(flagged(r)).toEqual(['empty', 'none']);
    expect(r.exceptions![0]!.reason).toBe('missing tag: owner');
    expect(r.exceptions![1]!.reason).toBe('missing tags: owner, data-classification');
    expect((await run('required-tags', [secret({ Tags: [] })], { requiredTags: [] })).status).toBe('not_applicable');
    expect(flagged(await run('required-tags', [secret({ Name: 'x' })], { requiredTags: ['cost-center'] }))).toEqual(['x']);
  });

  it('records copy only allow-listed metadata, never a value field a server might send', () => {
    const entry = {
      ARN: 'arn:x',
      Name: 'n',
      SecretString: 'VALUE',
      SecretBinary: new Uint8Array([1]),
      SecretVersionsToStages: { v1: ['AWSCURRENT'] },
      Description: 'free text',
      RotationLambdaARN: '',
      LastAccessedDate: new Date('2026-01-01T00:00:00Z'),
    } as never;
    const r = toRecord(entry, null);
    expect(JSON.stringify(r)).not.toContain('VALUE');
    expect(Object.keys(r)).not.toContain('SecretVersionsToStages');
    expect(r).toMatchObject({ ARN: 'arn:x', kms: 'aws-managed', RotationLambdaARN: null, LastAccessedDate: '2026-01-01T00:00:00.000Z', resourcePolicy: null });
  });
});
