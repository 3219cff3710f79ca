// aws-monitoring (with sagemaker-endpoints and sagemaker-training, whose artifacts it joins) against
// moto, seeded through the real SDK: an endpoint with an alarm that notifies, one whose alarm has no
// action, one without any; a training job reading s3://training-data; two ECR images, one scanned
// (moto's scan reports a HIGH finding) and one never scanned, and an AWS-owned image left out. moto
// 5.2 has ListBackupPlans but no ListBackupSelections: the suite asserts that is a gap naming the
// plan and that backups says error, never "not backed up".
import { BackupClient, CreateBackupPlanCommand } from '@aws-sdk/client-backup';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { CloudWatchClient, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateRepositoryCommand, ECRClient, PutImageCommand, StartImageScanCommand } from '@aws-sdk/client-ecr';
import { CreateEndpointCommand, CreateEndpointConfigCommand, CreateModelCommand, CreateTrainingJobCommand, SageMakerClient } from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import monitoring from '../../../collectors/aws-monitoring/index.js';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const REGION = 'us-east-1';
const ACCOUNT = '123456789012';
const ROLE = `arn:aws:iam::${ACCOUNT}:role/sagemaker-exec`;
const image = (repo: string) => `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${repo}:v1`;
const AWS_IMAGE = `683313688378.dkr.ecr.${REGION}.amazonaws.com/sagemaker-xgboost:1.7-1`;
const DIR = `aws-monitoring/${REGION}`;

describe.skipIf(!moto.ok)('aws-monitoring against moto', () => {
  let m: Moto;
  let b: CollectedBundle;
  const arn: Record<string, string> = {};

  beforeAll(async () => {
    m = await startMoto();
    const o = { region: REGION, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } };
    const ecr = new ECRClient(o);
    const manifest = JSON.stringify({ schemaVersion: 2, mediaType: 'application/vnd.docker.distribution.manifest.v2+json', config: { digest: 'sha256:' + 'a'.repeat(64), size: 1, mediaType: 'application/vnd.docker.container.image.v1+json' }, layers: [] });
    for (const repo of ['serve', 'train']) {
      await ecr.send(new CreateRepositoryCommand({ repositoryName: repo }));
      await ecr.send(new PutImageCommand({ repositoryName: repo, imageTag: 'v1', imageManifest: manifest.replace('a'.repeat(64), (repo === 'serve' ? 'b' : 'c').repeat(64)) }));
    }
    await ecr.send(new StartImageScanCommand({ repositoryName: 'serve', imageId: { imageTag: 'v1' } }));
    ecr.destroy();
    const sm = new SageMakerClient(o);
    await sm.send(new CreateModelCommand({ ModelName: 'm-serve', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: image('serve'), ModelDataUrl: 's3://models/serve.tar.gz' } }));
    await sm.send(new CreateModelCommand({ ModelName: 'm-algo', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: AWS_IMAGE, ModelDataUrl: 's3://models/algo.tar.gz' } }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'cfg-serve', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm-serve', InstanceType: 'ml.m5.large', InitialInstanceCount: 2 }] }));
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'cfg-algo', ProductionVariants: [{ VariantName: 'AllTraffic', ModelName: 'm-algo', InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }] }));
    for (const [name, cfg] of [['alarmed', 'cfg-serve'], ['silent', 'cfg-serve'], ['bare', 'cfg-algo']] as const) arn[name] = (await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: cfg }))).EndpointArn!;
    await sm.send(
      new CreateTrainingJobCommand({
        TrainingJobName: 'fraud-train',
        RoleArn: ROLE,
        AlgorithmSpecification: { TrainingImage: image('train'), TrainingInputMode: 'File' },
        InputDataConfig: [{ ChannelName: 'train', DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: 's3://training-data/fraud/' } } }],
        OutputDataConfig: { S3OutputPath: 's3://models/' },
        ResourceConfig: { InstanceType: 'ml.m5.xlarge', InstanceCount: 1, VolumeSizeInGB: 10 },
        StoppingCondition: { MaxRuntimeInSeconds: 3600 },
      }),
    );
    sm.destroy();
    const cw = new CloudWatchClient(o);
    const alarm = (AlarmName: string, endpoint: string, MetricName: string, actions: string[]) =>
      cw.send(new PutMetricAlarmCommand({ AlarmName, Namespace: 'AWS/SageMaker', MetricName, Dimensions: [{ Name: 'EndpointName', Value: endpoint }, { Name: 'VariantName', Value: 'AllTraffic' }], Statistic: 'Sum', Period: 60, EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', AlarmActions: actions }));
    await alarm('alarmed-5xx', 'alarmed', 'Invocation5XXErrors', [`arn:aws:sns:${REGION}:${ACCOUNT}:oncall`]);
    await alarm('silent-latency', 'silent', 'ModelLatency', []);
    cw.destroy();
    const bk = new BackupClient(o);
    await bk.send(new CreateBackupPlanCommand({ BackupPlan: { BackupPlanName: 'daily', Rules: [{ RuleName: 'daily', TargetBackupVaultName: 'Default', ScheduleExpression: 'cron(0 5 ? * * *)' }] } }));
    bk.destroy();
    // the buckets lineage names, which aws-data-stores reads (with their regions) for the backup coverage
    const s3 = new S3Client({ ...o, forcePathStyle: true });
    for (const Bucket of ['training-data', 'models']) await s3.send(new CreateBucketCommand({ Bucket }));
    s3.destroy();
    const config = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\ncollectors: [aws-monitoring, sagemaker-endpoints, sagemaker-training, aws-data-stores]\nevidence:\n  dir: evidence\n`);
    b = await collectBundle(config, awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 180_000);
  afterAll(async () => {
    await m?.stop();
  });

  const finding = (id: string) => b.findings.find((f) => f.check === id)!;
  const reasons = (id: string) => Object.fromEntries(finding(id).exceptions.map((e: any) => [e.resource, e.reason]));

  it('alarms: the endpoint whose alarm notifies passes; no action and no alarm fail', () => {
    const alarms = b.ndjson(`${DIR}/alarms.ndjson`);
    expect(alarms.map((a) => [a.AlarmName, a.endpoints, a.AlarmActions.length]).sort()).toEqual([
      ['alarmed-5xx', ['alarmed'], 1],
      ['silent-latency', ['silent'], 0],
    ]);
    expect(finding('aws-monitoring.endpoint-alarms').status).toBe('fail');
    expect(reasons('aws-monitoring.endpoint-alarms')).toEqual({
      [arn.silent!]: 'alarms silent-latency (ModelLatency) have no enabled alarm action: nobody is notified',
      [arn.bare!]: 'no CloudWatch alarm on its EndpointName dimension (e.g. Invocation5XXErrors, ModelLatency)',
    });
  });

  it('images: the scanned one reports its HIGH finding, the unscanned one fails, the AWS-owned one is left out', () => {
    const imgs = Object.fromEntries(b.ndjson(`${DIR}/image-findings.ndjson`).map((r) => [r.image, r]));
    expect(imgs[image('serve')]).toMatchObject({ state: 'scanned', scanStatus: 'COMPLETE', repositoryName: 'serve', imageTag: 'v1', usedBy: ['endpoint alarmed/AllTraffic', 'endpoint silent/AllTraffic'], findings: [expect.objectContaining({ severity: 'HIGH' })] });
    expect(imgs[image('train')]).toMatchObject({ state: 'not-scanned', usedBy: ['training job fraud-train'] });
    expect(imgs[AWS_IMAGE]).toMatchObject({ state: 'outside', registryId: '683313688378' });
    const f = finding('aws-monitoring.image-vulnerabilities');
    expect(f.status).toBe('fail');
    expect(f.summary).toContain('1 images from other registries');
    expect(reasons('aws-monitoring.image-vulnerabilities')[image('train')]).toBe('never scanned (ScanNotFoundException); run by training job fraud-train');
    expect(reasons('aws-monitoring.image-vulnerabilities')[image('serve')]).toMatch(/^\d+ HIGH findings \(CVE-9999-9999/);
  });

  it("backups: moto's missing ListBackupSelections is a gap naming the plan; the training bucket is then unknown, not unprotected", () => {
    const plans = b.ndjson(`${DIR}/backup-plans.ndjson`);
    expect(plans).toEqual([expect.objectContaining({ BackupPlanName: 'daily', selections: { error: expect.any(String) } })]);
    const gaps = b.manifest.collectors.find((c: any) => c.id === 'aws-monitoring').gaps;
    expect(gaps).toEqual([expect.objectContaining({ api: `backup:ListBackupSelections ${plans[0].BackupPlanId}` })]);
    const cov = b.json(`${DIR}/backup-coverage.json`);
    expect(cov.bucketsUnknown).toBeNull();
    expect(cov.dataStores.map((d: any) => d.resource)).toEqual(['arn:aws:s3:::models', 'arn:aws:s3:::training-data']);
    expect(cov.dataStores[1]).toEqual({ resource: 'arn:aws:s3:::training-data', from: [expect.stringMatching(/^aws\.sagemaker\.training-jobs fraud-train/)], coveredBy: [], conditional: [] });
    expect(finding('aws-monitoring.backups').status).toBe('error');
    expect(b.code).toBe(3);
  });

  it('calls only declared read actions', () => {
    const apis = b.manifest.artifacts.filter((a: any) => a.collector === 'aws-monitoring').flatMap((a: any) => a.provenance.operations.map((o: any) => o.api));
    for (const api of apis) expect(monitoring.meta.permissions).toContain(api);
  });
});
