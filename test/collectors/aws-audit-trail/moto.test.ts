// aws-audit-trail against moto, seeded through the real SDK: a multi-region trail with validation,
// KMS and all management events, logging; a single-region trail in eu-west-1 that never started
// logging and logs only writes. moto's LookupEvents answers 500 (reference/aws-wire.md): the suite
// asserts the lookups are gaps and the events artifact incomplete, never an empty "no changes".
import { CloudTrailClient, CreateTrailCommand, PutEventSelectorsCommand, StartLoggingCommand } from '@aws-sdk/client-cloudtrail';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777';

describe.skipIf(!moto.ok)('aws-audit-trail against moto', () => {
  let m: Moto;
  let b: CollectedBundle;
  const arn: Record<string, string> = {};

  beforeAll(async () => {
    m = await startMoto();
    const credentials = { accessKeyId: 'testing', secretAccessKey: 'testing' };
    const s3 = new S3Client({ region: 'us-east-1', endpoint: m.url, forcePathStyle: true, credentials });
    await s3.send(new CreateBucketCommand({ Bucket: 'trail-logs' }));
    s3.destroy();
    const us = new CloudTrailClient({ region: 'us-east-1', endpoint: m.url, credentials });
    const eu = new CloudTrailClient({ region: 'eu-west-1', endpoint: m.url, credentials });
    arn.main = (await us.send(new CreateTrailCommand({ Name: 'main', S3BucketName: 'trail-logs', IsMultiRegionTrail: true, EnableLogFileValidation: true, KmsKeyId: KEY }))).TrailARN!;
    await us.send(new PutEventSelectorsCommand({ TrailName: 'main', EventSelectors: [{ ReadWriteType: 'All', IncludeManagementEvents: true }] }));
    await us.send(new StartLoggingCommand({ Name: 'main' }));
    arn.eu = (await eu.send(new CreateTrailCommand({ Name: 'eu-writes', S3BucketName: 'trail-logs' }))).TrailARN!;
    await eu.send(new PutEventSelectorsCommand({ TrailName: 'eu-writes', EventSelectors: [{ ReadWriteType: 'WriteOnly', IncludeManagementEvents: true }] }));
    us.destroy();
    eu.destroy();
    const config = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [us-east-1, eu-west-1]\ncollectors: [aws-audit-trail]\nevidence:\n  dir: evidence\n`);
    b = await collectBundle(config, awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  const trails = () => Object.fromEntries(b.ndjson('aws-audit-trail/trails.ndjson').map((t) => [t.Name, t]));

  it('lists each trail once with the regions that see it, status and selectors from its home region', () => {
    const t = trails();
    expect(Object.keys(t).sort()).toEqual(['eu-writes', 'main']);
    expect(t.main).toMatchObject({ TrailARN: arn.main, HomeRegion: 'us-east-1', seenIn: ['us-east-1', 'eu-west-1'], IsMultiRegionTrail: true, LogFileValidationEnabled: true, KmsKeyId: KEY, S3BucketName: 'trail-logs', status: { IsLogging: true }, managementEvents: { read: true, write: true } });
    expect(t['eu-writes']).toMatchObject({ TrailARN: arn.eu, HomeRegion: 'eu-west-1', seenIn: ['eu-west-1'], IsMultiRegionTrail: false, LogFileValidationEnabled: false, KmsKeyId: null, status: { IsLogging: false }, managementEvents: { read: false, write: true } });
    expect(b.provenance('aws-audit-trail/trails.ndjson')).toMatchObject({ complete: true, notes: { trails: 2 } });
  });

  it('enabled passes on the multi-region trail', () => {
    const f = b.findings.find((x) => x.check === 'aws-audit-trail.enabled');
    expect(f).toMatchObject({ status: 'pass', summary: expect.stringMatching(/^main logs .*1 other trail fall short/) });
  });

  it("moto's failing LookupEvents is a gap per lookup and an incomplete events artifact, not an empty population", () => {
    expect(b.code).toBe(3);
    const gaps = b.manifest.collectors[0].gaps.map((g: any) => g.api);
    // 25 names in us-east-1, 5 in eu-west-1
    expect(gaps.filter((g: string) => g.startsWith('cloudtrail:LookupEvents us-east-1 '))).toHaveLength(25);
    expect(gaps.filter((g: string) => g.startsWith('cloudtrail:LookupEvents eu-west-1 '))).toHaveLength(5);
    expect(b.provenance('aws-audit-trail/events.ndjson')).toMatchObject({ complete: false });
    expect(b.manifest.status).toBe('partial');
  });
});
