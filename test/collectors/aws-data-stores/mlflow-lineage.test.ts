// aws-data-stores discovering buckets from MLflow lineage of the same run: the MLflow sandbox (the
// small company) for mlflow-lineage, moto for S3 and KMS. A dataset source s3:// URI of a model version's
// training run names a bucket; the bucket is read in the AWS account that owns it.
import { CreateBucketCommand, PutBucketEncryptionCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();

describe.skipIf(!moto.ok)('aws-data-stores with mlflow-lineage in the same run', () => {
  let m: Moto;
  let sb: MlflowSandbox;
  let b: CollectedBundle;
  beforeAll(async () => {
    m = await startMoto();
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
    const s3 = new S3Client({ region: 'us-east-1', endpoint: m.url, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    for (const Bucket of ['acme-data', 'acme-models']) await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: 'acme-data', ServerSideEncryptionConfiguration: { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] } }));
    s3.destroy();
    const cfg = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n  mlflow:\n    - name: registry\n      trackingUri: ${sb.url}\n      lineageScope: all\ncollectors: [mlflow-lineage, aws-data-stores]\nevidence:\n  dir: evidence\n`);
    b = await collectBundle(cfg, awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 120_000);
  afterAll(async () => {
    await sb?.close();
    await m?.stop();
  });

  it('names the buckets of the MLflow dataset sources, says where each was named, and reads them', () => {
    expect(b.code, b.stderr).toBe(0);
    const recs = b.ndjson('aws-data-stores/buckets.ndjson');
    expect(recs.map((r) => r.Bucket).sort()).toEqual(['acme-data']);
    for (const r of recs) {
      expect(r.owner).toBe('this-account');
      expect(r.discoveredFrom[0].from).toMatch(/^mlflow\.lineage\.training-runs \S+ v\d+$/);
      expect(r.discoveredFrom[0].ref).toMatch(new RegExp(`^s3://${r.Bucket}/`));
    }
    expect(b.provenance('aws-data-stores/buckets.ndjson').notes.derivedFrom).toEqual([expect.stringMatching(/^mlflow\.lineage\.training-runs artifacts\/registry\/mlflow-lineage\//)]);
    const f = b.findings.find((x) => x.check === 'aws-data-stores.encryption-at-rest');
    // acme-models holds model files, named by no dataset source: not a training-data bucket here
    expect(f.exceptions.map((e: any) => e.reason)).toEqual(['acme-data encrypts by default with S3-managed keys (AES256), not a KMS key the entity controls']);
  });
});
