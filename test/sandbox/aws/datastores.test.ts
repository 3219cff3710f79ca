// The main AWS sandbox serves Bedrock (restJson1), S3 and S3 Control (restXml, path style) and KMS
// (awsJson1.1) to the real SDK clients, from accounts[].bedrock / s3 / kms of the seed; bedrock and
// aws-data-stores run against it through the real CLI; unknown operations fail as AWS's do.
import { BedrockClient, GetModelInvocationLoggingConfigurationCommand, ListCustomModelsCommand } from '@aws-sdk/client-bedrock';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { GetBucketEncryptionCommand, GetBucketPolicyCommand, GetPublicAccessBlockCommand, HeadBucketCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountBlock } from '@aws-sdk/client-s3-control';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import dataStores from '../../../collectors/aws-data-stores/index.js';
import bedrock from '../../../collectors/bedrock/index.js';
import { IpTolerantS3Control } from '../../../collectors/_shared/s3.js';
import { startAwsSandbox, type AwsSandbox, type AwsSeed } from '../../../src/sandbox/aws/index.js';
import { collectBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { rejection, TEST_CREDS } from './helpers.js';

const ACCOUNT = '111122223333';
const OTHER = '444455556666';
const REGION = 'us-east-1';
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/k-train`;
const tlsOnly = (b: string) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });
const account = (id: string) => ({ id, callerArn: `arn:aws:sts::${id}:assumed-role/soc2/ci`, iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] }, secrets: {} });

function seed(): AwsSeed {
  return {
    accounts: [
      {
        ...account(ACCOUNT),
        accessKeyIds: ['testing', 'test'],
        bedrock: {
          [REGION]: {
            logging: { s3Config: { bucketName: 'llm-invocation-logs', keyPrefix: 'prod/' }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: true },
            models: [{ modelName: 'assistant', baseModelId: 'amazon.titan-text-express-v1', jobName: 'tune-assistant', kmsKeyArn: KEY, trainingS3Uri: 's3://llm-training/assistant/train.jsonl', outputS3Uri: 's3://llm-output/assistant/', createdAt: '2026-11-01T00:00:00Z' }],
          },
        },
        s3: {
          publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
          buckets: [
            { name: 'llm-training', encryption: { algorithm: 'aws:kms', kmsKeyId: KEY, bucketKey: true }, policy: tlsOnly('llm-training'), versioning: 'Enabled', logging: { targetBucket: 'llm-access-logs', targetPrefix: 'training/' } },
            // SSE-S3 by default, public access block off
            { name: 'llm-output', region: 'eu-west-1', publicAccessBlock: null },
            { name: 'llm-invocation-logs', encryption: { algorithm: 'aws:kms', kmsKeyId: KEY }, policy: tlsOnly('llm-invocation-logs'), objectLock: { mode: 'COMPLIANCE', days: 365 } },
            ...Array.from({ length: 5 }, (_, i) => ({ name: `unrelated-${i}` })),
          ],
        },
        kms: { [REGION]: [{ id: 'k-train', aliases: ['alias/ml-training'], rotation: true }] },
      },
      { ...account(OTHER), s3: { buckets: [{ name: 'partner-share' }] } },
    ],
  };
}

describe('the AWS sandbox serves Bedrock, S3, S3 Control and KMS', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: seed() });
  });
  afterAll(async () => {
    await sb?.close();
  });
  beforeEach(() => sb.reset());
  const cfg = () => ({ endpoint: sb.url, region: REGION, credentials: TEST_CREDS, retryStrategy: new ConfiguredRetryStrategy(1, 5) });

  it('answers the S3 reads in the shapes the SDK parses, paging ListBuckets to the end', async () => {
    const s3 = new S3Client(cfg());
    const names: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const p = await s3.send(new ListBucketsCommand({ MaxBuckets: 3, ContinuationToken: token }));
      pages++;
      names.push(...(p.Buckets ?? []).map((b) => `${b.Name}@${b.BucketRegion}`));
      token = p.ContinuationToken;
    } while (token);
    expect(pages).toBe(3);
    expect(names).toContain('llm-output@eu-west-1');
    expect(names).toHaveLength(8);
    expect((await s3.send(new GetBucketEncryptionCommand({ Bucket: 'llm-training' }))).ServerSideEncryptionConfiguration?.Rules).toEqual([{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: KEY }, BucketKeyEnabled: true }]);
    const west = new S3Client({ ...cfg(), region: 'eu-west-1' });
    expect((await west.send(new GetBucketEncryptionCommand({ Bucket: 'llm-output' }))).ServerSideEncryptionConfiguration?.Rules?.[0]?.ApplyServerSideEncryptionByDefault?.SSEAlgorithm).toBe('AES256');
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: 'llm-training' }))).Policy!)).toEqual(tlsOnly('llm-training'));
    expect((await rejection(west.send(new GetPublicAccessBlockCommand({ Bucket: 'llm-output' })))).name).toBe('NoSuchPublicAccessBlockConfiguration');
    expect((await rejection(west.send(new GetBucketPolicyCommand({ Bucket: 'llm-output' })))).name).toBe('NoSuchBucketPolicy');
    expect((await west.send(new HeadBucketCommand({ Bucket: 'llm-output' }))).BucketRegion).toBe('eu-west-1');
    expect((await rejection(s3.send(new HeadBucketCommand({ Bucket: 'partner-share' })))).$metadata?.httpStatusCode).toBe(403);
    expect((await rejection(s3.send(new HeadBucketCommand({ Bucket: 'nobody-has-this' })))).$metadata?.httpStatusCode).toBe(404);
    expect((await rejection(s3.send(new GetBucketEncryptionCommand({ Bucket: 'nobody-has-this' })))).name).toBe('NoSuchBucket');
    const control = new IpTolerantS3Control(cfg());
    expect((await control.send(new GetAccountBlock({ AccountId: ACCOUNT }))).PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(sb.requests.find((r) => r.action === 'GetAccountPublicAccessBlock')?.params['AccountId']).toBe(ACCOUNT);
  });

  it('sends a request signed for another region on as S3 does: 301 PermanentRedirect naming the bucket’s region (HEAD: header only)', async () => {
    const s3 = new S3Client(cfg());
    const get = await rejection(s3.send(new GetBucketEncryptionCommand({ Bucket: 'llm-output' })));
    expect([get.name, get.$metadata?.httpStatusCode, get.$response?.headers?.['x-amz-bucket-region']]).toEqual(['PermanentRedirect', 301, 'eu-west-1']);
    expect((get as { Endpoint?: string }).Endpoint).toBe('s3.eu-west-1.amazonaws.com');
    const head = await rejection(s3.send(new HeadBucketCommand({ Bucket: 'llm-output' })));
    expect([head.$metadata?.httpStatusCode, head.$response?.headers?.['x-amz-bucket-region']]).toEqual([301, 'eu-west-1']);
    // another account's bucket: denied, its region still named
    expect((await rejection(s3.send(new HeadBucketCommand({ Bucket: 'partner-share' })))).$response?.headers?.['x-amz-bucket-region']).toBe('us-east-1');
    // the SDK's followRegionRedirects re-sends it, signed for the bucket's region: two calls
    sb.reset();
    const following = new S3Client({ ...cfg(), followRegionRedirects: true });
    expect((await following.send(new HeadBucketCommand({ Bucket: 'llm-output' }))).BucketRegion).toBe('eu-west-1');
    expect(sb.requests.map((r) => `${r.action} ${r.region} ${r.error ?? 200}`)).toEqual(['HeadBucket us-east-1 PermanentRedirect', 'HeadBucket eu-west-1 200']);
  });

  it('answers KMS by key id, ARN and alias; another account’s key is denied', async () => {
    const kms = new KMSClient(cfg());
    for (const KeyId of ['k-train', KEY, 'alias/ml-training']) expect((await kms.send(new DescribeKeyCommand({ KeyId }))).KeyMetadata?.Arn).toBe(KEY);
    expect(await kms.send(new GetKeyRotationStatusCommand({ KeyId: KEY }))).toMatchObject({ KeyRotationEnabled: true, RotationPeriodInDays: 365 });
    expect((await rejection(kms.send(new DescribeKeyCommand({ KeyId: 'missing' })))).name).toBe('NotFoundException');
    expect((await rejection(kms.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:${REGION}:${OTHER}:key/x` })))).name).toBe('AccessDeniedException');
  });

  it('answers Bedrock per account and region; a denial is Bedrock’s AccessDeniedException', async () => {
    const br = new BedrockClient(cfg());
    expect((await br.send(new GetModelInvocationLoggingConfigurationCommand({}))).loggingConfig?.s3Config?.bucketName).toBe('llm-invocation-logs');
    expect((await br.send(new ListCustomModelsCommand({}))).modelSummaries?.map((m) => m.modelName)).toEqual(['assistant']);
    const west = new BedrockClient({ ...cfg(), region: 'eu-west-1' });
    expect((await west.send(new ListCustomModelsCommand({}))).modelSummaries).toEqual([]);
    sb.faults.add({ service: 'bedrock', kind: 'deny' });
    const e = await rejection(br.send(new ListCustomModelsCommand({})));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['AccessDeniedException', 403]);
  });

  it('fails unknown operations as AWS does: 4xx/5xx in the service’s error shape, never a 200', async () => {
    // S3 (ListObjects is not served): NotImplemented as S3's XML error
    const e = await rejection(new S3Client(cfg()).send(new ListObjectsV2Command({ Bucket: 'llm-training' })));
    expect([e.name, e.$metadata?.httpStatusCode]).toEqual(['NotImplemented', 501]);
    // an unknown REST path and an unknown JSON target
    const get = await fetch(`${sb.url}/no/such/operation`);
    expect([get.status, get.headers.get('x-amzn-errortype')]).toEqual([404, 'UnknownOperationException']);
    const post = await fetch(sb.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ScheduleKeyDeletion', 'content-type': 'application/x-amz-json-1.1' }, body: '{"KeyId":"k-train"}' });
    expect(post.status).toBe(400);
    expect(((await post.json()) as { __type: string }).__type).toBe('UnknownOperationException');
  });

  it('runs bedrock and aws-data-stores through the CLI: every bucket lineage names read, declared calls only', async () => {
    const config = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\ncollectors: [bedrock, aws-data-stores]\nevidence:\n  dir: evidence\nsettings:\n  bedrock:\n    getCallsPerSecond: 10000\n`);
    const b = await collectBundle(config, awsEnv(sb.url), 'main');
    expect(b.code, b.stderr).toBe(0);
    const buckets = b.ndjson('aws-data-stores/buckets.ndjson');
    expect(buckets.map((x) => `${x.Bucket}:${x.owner}`)).toEqual(['llm-invocation-logs:this-account', 'llm-output:this-account', 'llm-training:this-account']);
    expect(b.json('aws-data-stores/kms-keys.json').map((k: { KeyArn: string; rotation: unknown }) => [k.KeyArn, k.rotation])).toEqual([[KEY, { enabled: true, periodDays: 365 }]]);
    const failing = b.findings.filter((f) => f.status === 'fail').map((f) => f.check);
    // llm-output: SSE-S3 only, no public access block of its own, no TLS-only policy
    expect(failing.sort()).toEqual(['aws-data-stores.encryption-at-rest', 'aws-data-stores.encryption-in-transit']);
    // llm-output is read in its own region (ListBuckets named it): six calls, no redirect
    expect(sb.requests.filter((r) => r.params['Bucket'] === 'llm-output').map((r) => r.region)).toEqual(Array(6).fill('eu-west-1'));
    const perms = [...dataStores.meta.permissions, ...bedrock.meta.permissions];
    for (const r of sb.requests.filter((q) => ['s3', 's3control', 'kms', 'bedrock'].includes(q.service))) {
      // the only errors: settings that are absent, which the collector records as none
      expect([undefined, 'NoSuchPublicAccessBlockConfiguration', 'NoSuchBucketPolicy', 'ObjectLockConfigurationNotFoundError'], r.action).toContain(r.error);
      const action = r.service === 's3control' ? 's3:GetAccountPublicAccessBlock' : r.action === 'ListBuckets' ? 's3:ListAllMyBuckets' : r.action === 'HeadBucket' ? 's3:ListBucket' : r.action === 'GetBucketEncryption' ? 's3:GetEncryptionConfiguration' : r.action === 'GetPublicAccessBlock' ? 's3:GetBucketPublicAccessBlock' : r.action === 'GetObjectLockConfiguration' ? 's3:GetBucketObjectLockConfiguration' : `${r.service}:${r.action}`;
      expect(perms, action).toContain(action);
    }
    // without the account's list (ListBuckets denied) a bucket's region comes from HeadBucket, which follows S3's 301 once
    sb.reset();
    sb.faults.add({ service: 's3', action: 'ListBuckets', kind: 'deny' });
    const blind = await collectBundle(config, awsEnv(sb.url), 'main');
    expect(blind.ndjson('aws-data-stores/buckets.ndjson').find((x) => x.Bucket === 'llm-output')).toMatchObject({ region: 'eu-west-1', owner: 'unknown', encryption: { rules: [{ SSEAlgorithm: 'AES256' }] } });
    expect(sb.requests.filter((r) => r.params['Bucket'] === 'llm-output').map((r) => `${r.action} ${r.region}`)).toEqual(['HeadBucket us-east-1', 'HeadBucket eu-west-1', ...Array(6).fill('eu-west-1').map((r, i) => `${['GetBucketEncryption', 'GetPublicAccessBlock', 'GetBucketPolicy', 'GetBucketVersioning', 'GetObjectLockConfiguration', 'GetBucketLogging'][i]} ${r}`)]);
    sb.faults.clear();
  });
});
