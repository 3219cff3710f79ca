// aws-data-stores against moto (S3, S3 Control, KMS, STS, SageMaker, Bedrock), seeded through the real
// SDK: buckets named by a training job of the same run, by Bedrock's invocation logging and by
// trainingDataBuckets (a name, a pattern, one that does not exist), a bucket of another account, keys
// rotating and not, policies TLS-only and granting outside. Runs the real CLI; asserts records, calls, findings.
import { BedrockClient, PutModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { CreateKeyCommand, EnableKeyRotationCommand, KMSClient, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { CreateBucketCommand, PutBucketEncryptionCommand, PutBucketLoggingCommand, PutBucketPolicyCommand, PutBucketVersioningCommand, PutPublicAccessBlockCommand, S3Client } from '@aws-sdk/client-s3';
import { PutPublicAccessBlockCommand as PutAccountBlockCommand, S3ControlClient } from '@aws-sdk/client-s3-control';
import { CreateTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import collector from '../../../collectors/aws-data-stores/index.js';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';
import { freePort } from '../../helpers/net.js';

const moto = motoAvailable();
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const DIR = 'aws-data-stores';
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

const tlsOnly = (bucket: string, extra: object[] = []) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }, ...extra],
  });

const config = (buckets: string) => writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\n      trainingDataBuckets: [${buckets}]\ncollectors: [sagemaker-training, bedrock, aws-data-stores]\nevidence:\n  dir: evidence\n`);

describe.skipIf(!moto.ok)('aws-data-stores against moto', () => {
  let m: Moto;
  let b: CollectedBundle;
  const key: Record<string, string> = {};

  beforeAll(async () => {
    m = await startMoto();
    const c = { region: REGION, endpoint: m.url, credentials: creds };
    const s3 = new S3Client({ ...c, forcePathStyle: true });
    const kms = new KMSClient(c);
    for (const k of ['rotating', 'static']) key[k] = (await kms.send(new CreateKeyCommand({ Description: k }))).KeyMetadata!.Arn!;
    await kms.send(new EnableKeyRotationCommand({ KeyId: key.rotating }));
    await kms.send(
      new PutKeyPolicyCommand({
        KeyId: key.static,
        PolicyName: 'default',
        Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: 'kms:*', Resource: '*' }, { Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 'kms:Decrypt', Resource: '*' }] }),
      }),
    );
    for (const name of ['ml-training-data', 'ml-model-artifacts', 'raw-2026', 'unrelated', 'ml-invocation-logs', 'ml-access-logs']) await s3.send(new CreateBucketCommand({ Bucket: name }));
    // training data: KMS, blocked, TLS-only but shared with a partner account, versioned, logged
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'ml-training-data', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.rotating } }] } }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: 'ml-training-data', PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'ml-training-data', Policy: tlsOnly('ml-training-data', [{ Sid: 'Partner', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999999999999:root' }, Action: 's3:GetObject', Resource: 'arn:aws:s3:::ml-training-data/*' }]) }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: 'ml-training-data', VersioningConfiguration: { Status: 'Enabled' } }));
    await s3.send(new PutBucketPolicyCommand({ Bucket: 'ml-access-logs', Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { Service: 'logging.s3.amazonaws.com' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::ml-access-logs/*' }] }) }));
    await s3.send(new PutBucketLoggingCommand({ Bucket: 'ml-training-data', BucketLoggingStatus: { LoggingEnabled: { TargetBucket: 'ml-access-logs', TargetPrefix: 'training/' } } }));
    // model artifacts: S3-managed keys only, nothing else
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'ml-model-artifacts', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
    // a bucket of another account, named by the training job
    const sts = new STSClient(c);
    const other = (await sts.send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::222222222222:role/data', RoleSessionName: 't' }))).Credentials!;
    const s3other = new S3Client({ ...c, forcePathStyle: true, credentials: { accessKeyId: other.AccessKeyId!, secretAccessKey: other.SecretAccessKey!, sessionToken: other.SessionToken! } });
    await s3other.send(new CreateBucketCommand({ Bucket: 'partner-features' }));
    const sm = new SageMakerClient(c);
    await sm.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'fraud-train',
        RoleArn: `arn:aws:iam::${ACCOUNT}:role/sm`,
        AlgorithmSpecification: { TrainingImage: `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1`, TrainingInputMode: 'File' },
        InputDataConfig: [
          { ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://ml-training-data/fraud/' } } },
          { ChannelName: 'features', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://partner-features/fraud/' } } },
        ],
        OutputDataConfig: { S3OutputPath: 's3://ml-model-artifacts/fraud/', KmsKeyId: key.static },
        ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 50 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      }),
    );
    const br = new BedrockClient(c);
    await br.send(new PutModelInvocationLoggingConfigurationCommand({ loggingConfig: { s3Config: { bucketName: 'ml-invocation-logs' }, textDataDeliveryEnabled: true } }));
    for (const x of [s3, kms, sts, s3other, sm, br]) x.destroy();
    b = await collectBundle(config('raw-*, ghost-bucket-404'), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  const buckets = () => Object.fromEntries(b.ndjson(`${DIR}/buckets.ndjson`).map((x) => [x.Bucket, x]));
  const finding = (id: string) => b.findings.find((f) => f.check === `aws-data-stores.${id}`)!;
  const failing = (id: string) => Object.fromEntries(finding(id).exceptions.map((e: any) => [e.resource, e.reason]));

  it('finds the buckets lineage and trainingDataBuckets name, and only those', () => {
    expect(Object.keys(buckets()).sort()).toEqual(['ghost-bucket-404', 'ml-invocation-logs', 'ml-model-artifacts', 'ml-training-data', 'partner-features', 'raw-2026']);
    const t = buckets()['ml-training-data'];
    expect(t.owner).toBe('this-account');
    expect(t.discoveredFrom).toEqual([{ from: 'aws.sagemaker.training-jobs fraud-train (us-east-1)', ref: 's3://ml-training-data/fraud/' }]);
    expect(buckets()['raw-2026'].discoveredFrom).toEqual([{ from: 'sources.aws[].trainingDataBuckets', ref: 'raw-*' }]);
    expect(buckets()['ml-invocation-logs'].discoveredFrom[0].from).toBe('aws.bedrock.invocation-logging invocation logs (us-east-1)');
    expect(t).toMatchObject({
      encryption: { rules: [{ SSEAlgorithm: 'aws:kms', KMSMasterKeyID: key.rotating, BucketKeyEnabled: false }] },
      publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true },
      versioning: { Status: 'Enabled' },
      logging: { TargetBucket: 'ml-access-logs', TargetPrefix: 'training/' },
      objectLock: null,
    });
    expect(buckets()['ml-model-artifacts']).toMatchObject({ policy: null, publicAccessBlock: null, versioning: { Status: null } });
  });

  it('a bucket of another account is listed as such and not read; one that does not exist is a gap naming it', () => {
    expect(buckets()['partner-features']).toMatchObject({ owner: 'another-account', encryption: null, policy: null });
    expect(buckets()['ghost-bucket-404']).toMatchObject({ error: 'NoSuchBucket' });
    expect(b.code).toBe(3);
    expect(b.stderr).toContain('ghost-bucket-404');
    expect(finding('encryption-at-rest').exceptions).toContainEqual({ resource: 's3://ghost-bucket-404', reason: 'the bucket named in lineage does not exist: not evaluated' });
  });

  it('judges encryption at rest and in transit, public access and external access', () => {
    expect(finding('encryption-at-rest').status).toBe('error');
    expect(failing('encryption-at-rest')['s3://ml-model-artifacts']).toBe('ml-model-artifacts encrypts by default with S3-managed keys (AES256), not a KMS key the entity controls');
    expect(failing('encryption-at-rest')['s3://ml-training-data']).toBeUndefined();
    const transit = failing('encryption-in-transit');
    expect(transit['s3://ml-training-data']).toBeUndefined();
    expect(transit['s3://ml-model-artifacts']).toBe('ml-model-artifacts has no bucket policy, so nothing denies requests over plain HTTP (aws:SecureTransport false)');
    expect(failing('public-access')['s3://ml-model-artifacts']).toBe('ml-model-artifacts: public access is not blocked (BlockPublicAcls, IgnorePublicAcls, BlockPublicPolicy, RestrictPublicBuckets off for the bucket and the account)');
    expect(failing('public-access')['s3://ml-training-data']).toBeUndefined();
    const ext = finding('external-access').exceptions.filter((e: any) => !e.reason.endsWith('not evaluated'));
    expect(ext).toEqual([
      { resource: 's3://ml-training-data', reason: 'bucket ml-training-data: statement Partner: account 999999999999 (arn:aws:iam::999999999999:root) allowed s3:GetObject' },
      { resource: key.static, reason: `key ${key.static}: statement Partner: account 999999999999 (arn:aws:iam::999999999999:root) allowed kms:Decrypt` },
    ]);
    expect(finding('encryption-in-transit').summary).toContain('1 buckets named in lineage belong to another account');
  });

  it('reads each key the buckets and training job use once, and judges rotation', () => {
    const keys = b.json(`${DIR}/kms-keys.json`);
    expect(keys.map((k: any) => k.KeyArn).sort()).toEqual([key.rotating, key.static].sort());
    expect(keys.find((k: any) => k.KeyArn === key.rotating)).toMatchObject({ owner: 'this-account', KeyManager: 'CUSTOMER', KeyState: 'Enabled', rotation: { enabled: true } });
    expect(finding('key-rotation')).toMatchObject({ status: 'fail', exceptions: [{ resource: key.static, reason: `${key.static}: automatic rotation of this customer managed key is off` }] });
  });

  it('calls only declared actions, one of each per bucket or key', () => {
    const ops = b.manifest.artifacts.filter((a: any) => a.collector === 'aws-data-stores').flatMap((a: any) => a.provenance.operations);
    const calls = Object.fromEntries(ops.map((o: any) => [o.api, o.calls]));
    // 5 buckets of this account (the ghost and the partner's got a HeadBucket instead)
    expect(calls).toMatchObject({ 's3:ListBuckets': 1, 's3:GetAccountPublicAccessBlock': 1, 's3:HeadBucket': 2, 's3:GetBucketEncryption': 4, 's3:GetBucketPolicy': 4, 'kms:DescribeKey': 2, 'kms:GetKeyRotationStatus': 2, 'kms:GetKeyPolicy': 2 });
    const iam: Record<string, string> = { 's3:ListBuckets': 's3:ListAllMyBuckets', 's3:HeadBucket': 's3:ListBucket', 's3:GetBucketEncryption': 's3:GetEncryptionConfiguration', 's3:GetPublicAccessBlock': 's3:GetBucketPublicAccessBlock', 's3:GetObjectLockConfiguration': 's3:GetBucketObjectLockConfiguration' };
    for (const o of ops) expect(collector.meta.permissions).toContain(iam[o.api] ?? o.api);
  });

  it('the account-wide block covers a bucket without its own', async () => {
    const ctl = new S3ControlClient({ region: REGION, endpoint: m.url, credentials: creds });
    // an IP endpoint cannot take the account-id host label (see collectors/_shared/s3.ts)
    const resolve = ctl.config.endpointProvider;
    ctl.config.endpointProvider = (p, x) => (p.Endpoint ? { url: new URL(p.Endpoint) } : resolve(p, x));
    await ctl.send(new PutAccountBlockCommand({ AccountId: ACCOUNT, PublicAccessBlockConfiguration: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true } }));
    ctl.destroy();
    const r = await collectBundle(config('raw-*'), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
    expect(r.json(`${DIR}/account.json`).publicAccessBlock).toEqual({ BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    expect(r.findings.find((f) => f.check === 'aws-data-stores.public-access')).toMatchObject({ status: 'pass', exceptions: [] });
  }, 60_000);

  it('S3 and KMS refusing connections: gaps naming the calls, every finding error, never pass', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await collectBundle(config('ml-training-data'), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1', AWS_ENDPOINT_URL_S3: dead, AWS_ENDPOINT_URL_S3_CONTROL: dead, AWS_ENDPOINT_URL_KMS: dead }), 'main');
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('s3:ListBuckets');
    expect(r.json(`${DIR}/account.json`)).toMatchObject({ bucketsOwned: null, publicAccessBlock: { error: expect.any(String) } });
    const recs = Object.fromEntries(r.ndjson(`${DIR}/buckets.ndjson`).map((x) => [x.Bucket, x]));
    expect(recs['ml-training-data']).toMatchObject({ owner: 'unknown', error: expect.any(String) });
    for (const id of ['encryption-at-rest', 'encryption-in-transit', 'public-access', 'external-access', 'key-rotation']) expect(r.findings.find((f) => f.check === `aws-data-stores.${id}`).status, id).toBe('error');
  }, 60_000);
});
