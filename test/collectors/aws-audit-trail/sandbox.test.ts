// aws-audit-trail against the AWS sandbox, whose CloudTrail service implements LookupEvents from the
// API reference (moto's answers 500): every page of each watched event name, in the regions that
// record it, under the 2/s quota; the window since the previous bundle; actors from userIdentity with
// request parameters never copied; a denied lookup is a gap and an incomplete artifact, never "no events".
// The quota is asserted at its real 2/s through the CLI; the other cases run in this process with
// the client's limiter and the sandbox's quota both on a time scale (RATE_SCALE times faster).
import path from 'node:path';
import { beforeAll, afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import auditTrail from '../../../collectors/aws-audit-trail/index.js';
import { startAwsSandbox, type AwsSandbox, type AwsSeed, type CloudTrailEventSeed } from '../../../src/sandbox/aws/index.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { bundleText, collectBundle, collectBundleInProcess } from '../../helpers/collected.js';
import { removeTempDirs } from '../../reliability/fault-helpers.js';

const RATE_SCALE = 20;
// in this process only: every client-side limiter allows RATE_SCALE times its configured rate
vi.mock('../../../src/core/rate-limit.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../src/core/rate-limit.js')>();
  return { ...real, rateLimiter: (perSecond: number, signal?: AbortSignal) => real.rateLimiter(perSecond * RATE_SCALE, signal) };
});

const ACCOUNT = '111122223333';
const CANARY = 'CANARY-policy-3f9a1c';
const KEYS = 120;
const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
const alice = { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/alice`, principalId: 'AROAEXAMPLE:alice', accountId: ACCOUNT, sessionContext: { sessionIssuer: { type: 'Role', userName: 'admin', arn: `arn:aws:iam::${ACCOUNT}:role/admin` } } };
const bob = { type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob', principalId: 'AIDAEXAMPLE', accountId: ACCOUNT };

function events(): Record<string, CloudTrailEventSeed[]> {
  const keys = Array.from({ length: KEYS }, (_, i): CloudTrailEventSeed => ({
    name: 'CreateAccessKey',
    source: 'iam.amazonaws.com',
    time: ago(60 + i),
    userIdentity: bob,
    resources: [{ type: 'AWS::IAM::AccessKey', name: `AKIA${String(i).padStart(16, '0')}` }, { type: 'AWS::IAM::User', name: 'svc-train' }],
    responseElements: { accessKey: { accessKeyId: `AKIA${String(i).padStart(16, '0')}`, status: 'Active' } },
  }));
  return {
    'us-east-1': [
      ...keys,
      { id: 'evt-approve-1', name: 'UpdateModelPackage', source: 'sagemaker.amazonaws.com', time: ago(30), userIdentity: alice, resources: [{ type: 'AWS::SageMaker::ModelPackage', name: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/fraud/1` }], requestParameters: { modelApprovalStatus: 'Approved', approvalDescription: CANARY } },
      { id: 'evt-policy', name: 'PutRolePolicy', source: 'iam.amazonaws.com', time: ago(40), userIdentity: alice, resources: [{ type: 'AWS::IAM::Role', name: 'train' }], requestParameters: { policyDocument: `{"Statement":[{"Sid":"${CANARY}"}]}` } },
      // same name, another service: left out
      { id: 'evt-dms', name: 'CreateEndpoint', source: 'dms.amazonaws.com', time: ago(50), userIdentity: alice },
      // not a watched name
      { id: 'evt-read', name: 'DescribeEndpoint', source: 'sagemaker.amazonaws.com', time: ago(50), userIdentity: alice, readOnly: true },
      // before the first window (7 days)
      { id: 'evt-old', name: 'UpdateEndpoint', source: 'sagemaker.amazonaws.com', time: ago(8 * 24 * 60), userIdentity: alice },
    ],
    'eu-west-1': [
      { id: 'evt-rotate', name: 'RotateSecret', source: 'secretsmanager.amazonaws.com', time: ago(20), userIdentity: { type: 'AWSService', invokedBy: 'secretsmanager.amazonaws.com' } },
      // IAM events are recorded in us-east-1 only: one seeded here is never asked for
      { id: 'evt-misplaced', name: 'AddUserToGroup', source: 'iam.amazonaws.com', time: ago(20), userIdentity: bob },
    ],
  };
}

function seed(): AwsSeed {
  return {
    accounts: [
      {
        id: ACCOUNT,
        callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/soc2-evidence-collector/ci`,
        iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] },
        secrets: {},
        cloudtrail: {
          trails: [
            { name: 'org-trail', homeRegion: 'us-east-1', bucket: 'trail-logs', multiRegion: true, logFileValidation: true, kmsKeyId: `arn:aws:kms:us-east-1:${ACCOUNT}:key/trail` },
            { name: 'eu-only', homeRegion: 'eu-west-1', bucket: 'eu-logs', eventSelectors: [{ ReadWriteType: 'WriteOnly' }] },
          ],
          events: events(),
        },
      },
    ],
  };
}

const configText = (extra = '') => `sources:\n  aws:\n    - name: main\n      regions: [us-east-1, eu-west-1]\ncollectors: [aws-audit-trail]\nevidence:\n  dir: evidence\nsettings:\n  aws-audit-trail:\n    settleMinutes: 0\n${extra}`;

describe('aws-audit-trail against the AWS sandbox, at the real 2/s quota (CLI)', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: seed() });
  });
  afterAll(async () => {
    await sb?.close();
  });

  const lookups = () => sb.requests.filter((q) => q.action === 'LookupEvents');

  it('looks up each watched name in the regions that record it, every page, within the 2/s quota', async () => {
    const dir = tmpDir();
    const b = await collectBundle(writeConfig(dir, configText()), awsEnv(sb.url), 'main');
    expect(b.code, b.stderr).toBe(0);
    const ev = b.ndjson('aws-audit-trail/events.ndjson');
    // 120 keys + the approval + the inline policy + the rotation; not the DMS, read, old or misplaced ones
    expect(ev).toHaveLength(KEYS + 3);
    expect(ev.map((e) => e.eventId)).not.toEqual(expect.arrayContaining(['evt-dms', 'evt-read', 'evt-old', 'evt-misplaced']));
    // us-east-1: 25 names, CreateAccessKey takes 3 pages of 50; eu-west-1: the 5 SageMaker and Secrets Manager names
    const by = (r: string) => lookups().filter((q) => q.region === r);
    expect(by('us-east-1')).toHaveLength(25 + 2);
    expect(by('eu-west-1')).toHaveLength(5);
    expect(new Set(by('eu-west-1').map((q) => (q.params as any).LookupAttributes[0].AttributeValue))).toEqual(new Set(['UpdateModelPackage', 'CreateEndpoint', 'UpdateEndpoint', 'RotateSecret', 'PutResourcePolicy']));
    for (const q of lookups()) {
      expect((q.params as any).LookupAttributes).toHaveLength(1);
      expect((q.params as any).MaxResults).toBe(50);
    }
    // the quota held: no throttling answer (the sandbox enforces 2/s), and no region saw 3 calls within ~1 s (arrival jitter aside)
    expect(lookups().filter((q) => q.error)).toEqual([]);
    for (const r of ['us-east-1', 'eu-west-1']) {
      const at = by(r).map((q) => q.at);
      for (let i = 2; i < at.length; i++) expect(at[i]! - at[i - 2]!, `${r} call ${i}`).toBeGreaterThanOrEqual(900);
    }
    const p = b.provenance('aws-audit-trail/events.ndjson');
    expect(p.complete).toBe(true);
    expect(p.notes.window).toEqual(p.periodCovered);
    expect(Date.parse(p.notes.window.to) - Date.parse(p.notes.window.from)).toBe(7 * 86_400_000);
    expect(p.notes.byEventName).toMatchObject({ CreateAccessKey: KEYS, UpdateModelPackage: 1, PutRolePolicy: 1, RotateSecret: 1 });
    expect(p.notes.otherSources).toContain('1 events');
    const declared = new Set(auditTrail.meta.permissions);
    for (const q of sb.requests.filter((q) => q.service === 'cloudtrail')) expect(declared.has(`cloudtrail:${q.action}`), q.action).toBe(true);
  }, 60_000);
});

describe(`aws-audit-trail against the AWS sandbox (in process, quota and limiter ×${RATE_SCALE})`, () => {
  let sb: AwsSandbox;
  const saved = { ...process.env };
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: seed(), rateLimits: { 'cloudtrail:LookupEvents': 2 * RATE_SCALE } });
    Object.assign(process.env, awsEnv(sb.url));
  });
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    removeTempDirs();
    await sb?.close();
  });
  beforeEach(() => sb.reset());

  const collect = (dir = tmpDir(), extra = '') => collectBundleInProcess(configText(extra), process.env, 'main', path.join(dir, 'evidence'));
  const lookups = () => sb.requests.filter((q) => q.action === 'LookupEvents');
  const finding = (b: Awaited<ReturnType<typeof collect>>) => b.findings.find((f) => f.check === 'aws-audit-trail.enabled')!;

  it('writes each event as {eventId, eventTime, eventSource, eventName, awsRegion, account, actor, resources}, nothing of the request', async () => {
    const b = await collect();
    const ev = b.ndjson('aws-audit-trail/events.ndjson');
    const approve = ev.find((e) => e.eventId === 'evt-approve-1');
    expect(approve).toEqual({
      eventId: 'evt-approve-1',
      eventTime: expect.stringMatching(/Z$/),
      eventSource: 'sagemaker.amazonaws.com',
      eventName: 'UpdateModelPackage',
      awsRegion: 'us-east-1',
      account: ACCOUNT,
      actor: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/admin/alice`, userName: 'alice' },
      resources: [{ type: 'AWS::SageMaker::ModelPackage', name: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:model-package/fraud/1` }],
    });
    expect(ev.find((e) => e.eventId === 'evt-rotate')).toMatchObject({ awsRegion: 'eu-west-1', actor: { type: 'AWSService', arn: null, userName: null } });
    const key = ev.find((e) => e.eventName === 'CreateAccessKey');
    expect(key.actor).toEqual({ type: 'IAMUser', arn: `arn:aws:iam::${ACCOUNT}:user/bob`, userName: 'bob' });
    expect(key.resources).toEqual([{ type: 'AWS::IAM::AccessKey', name: '[REDACTED]' }, { type: 'AWS::IAM::User', name: 'svc-train' }]);
    const text = bundleText(b.bundle);
    expect(text).not.toContain(CANARY);
    expect(text).not.toMatch(/AKIA\d{16}/);
  }, 60_000);

  it('the next bundle looks up from the previous one’s start: new events only', async () => {
    const dir = tmpDir();
    const first = await collect(dir);
    expect(first.code, first.stderr).toBe(0);
    sb.state.accounts[0]!.cloudtrail!.events!['us-east-1']!.push({ id: 'evt-approve-2', name: 'UpdateModelPackage', source: 'sagemaker.amazonaws.com', time: new Date().toISOString(), userIdentity: bob });
    sb.requests.length = 0;
    const second = await collect(dir);
    expect(second.code, second.stderr).toBe(0);
    expect(second.ndjson('aws-audit-trail/events.ndjson').map((e) => e.eventId)).toEqual(['evt-approve-2']);
    const p = second.provenance('aws-audit-trail/events.ndjson');
    expect(p.notes.window.from).toBe(new Date(first.manifest.startedAt).toISOString());
    expect(p.notes.since).toContain(first.manifest.id);
    // 25 + 5 names, one page each
    expect(lookups()).toHaveLength(30);
    for (const q of lookups()) expect((q.params as any).StartTime).toBe(Date.parse(first.manifest.startedAt) / 1000);
  }, 90_000);

  it('a denied lookup is a gap naming region and event name, the artifact incomplete, the other lookups kept', async () => {
    sb.faults.add({ service: 'cloudtrail', action: 'LookupEvents', kind: 'deny', times: 1 });
    const b = await collect();
    expect(b.code).toBe(3);
    const gaps = b.manifest.collectors[0].gaps;
    expect(gaps).toEqual([{ api: expect.stringMatching(/^cloudtrail:LookupEvents (us-east-1|eu-west-1) EventName=(UpdateModelPackage)$/), code: 'AccessDeniedException', message: expect.stringContaining('not authorized') }]);
    expect(b.provenance('aws-audit-trail/events.ndjson')).toMatchObject({ complete: false, notes: { failedLookups: [expect.any(String)] } });
    expect(b.ndjson('aws-audit-trail/events.ndjson').length).toBeGreaterThanOrEqual(KEYS);
  }, 60_000);

  it('enabled: the multi-region trail passes; with its logging stopped every trail is an exception', async () => {
    const b = await collect();
    const trails = b.ndjson('aws-audit-trail/trails.ndjson');
    expect(trails.map((t) => [t.Name, t.seenIn])).toEqual([
      ['org-trail', ['us-east-1', 'eu-west-1']],
      ['eu-only', ['eu-west-1']],
    ]);
    expect(trails[0]).toMatchObject({ HomeRegion: 'us-east-1', status: { IsLogging: true }, managementEvents: { read: true, write: true } });
    expect(finding(b)).toMatchObject({ status: 'pass', summary: expect.stringContaining('org-trail logs') });
    // GetTrailStatus and GetEventSelectors once per trail, in its home region
    const status = sb.requests.filter((q) => q.action === 'GetTrailStatus');
    expect(status.map((q) => q.region).sort()).toEqual(['eu-west-1', 'us-east-1']);

    sb.reset();
    sb.state.accounts[0]!.cloudtrail!.trails![0]!.logging = false;
    const off = await collect();
    expect(finding(off).status).toBe('fail');
    expect(Object.fromEntries(finding(off).exceptions.map((e: any) => [e.resource.split('/').pop(), e.reason]))).toEqual({
      'org-trail': 'logging is off (stopped 2026-06-01T00:00:00.000Z)',
      'eu-only':
        'a single-region trail: it records eu-west-1 only; log file validation is off: altered or deleted log files cannot be detected; log files are not encrypted with a KMS key (S3-managed encryption only); its selectors log only write management events',
    });
  }, 90_000);
});
