// sagemaker-endpoints (with sagemaker-registry, which joins its records) against moto, seeded
// through the real SDK: packages, models built from a package or from an image directly, endpoint
// configs with and without data capture and KMS, one and two instances. moto 5.2.1 lacks
// ListMonitoringSchedules (and GetModelPackageGroupPolicy): the suite asserts they are gaps, that
// the schedules are unknown (null), never none, and that drift-monitoring says error.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateModelCommand,
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
  type ProductionVariant,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const REGION = 'us-east-1';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1111aaaa-2222-3333-4444-555566667777';
const IMAGE = '123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1';
const ROLE = 'arn:aws:iam::123456789012:role/sagemaker-exec';

describe.skipIf(!moto.ok)('sagemaker-endpoints against moto', () => {
  let m: Moto;
  let b: CollectedBundle;
  const arn: Record<string, string> = {};

  beforeAll(async () => {
    m = await startMoto();
    const sm = new SageMakerClient({ region: REGION, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    const spec = { Containers: [{ Image: IMAGE }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] };
    await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: 'fraud' }));
    arn.approved = (await sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'fraud', ModelApprovalStatus: 'Approved', InferenceSpecification: spec }))).ModelPackageArn!;
    arn.pending = (await sm.send(new CreateModelPackageCommand({ ModelPackageGroupName: 'fraud', ModelApprovalStatus: 'PendingManualApproval', InferenceSpecification: spec }))).ModelPackageArn!;
    await sm.send(new CreateModelCommand({ ModelName: 'fraud-approved', ExecutionRoleArn: ROLE, PrimaryContainer: { ModelPackageName: arn.approved }, VpcConfig: { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] } }));
    await sm.send(new CreateModelCommand({ ModelName: 'fraud-pending', ExecutionRoleArn: ROLE, PrimaryContainer: { ModelPackageName: arn.pending } }));
    await sm.send(new CreateModelCommand({ ModelName: 'raw', ExecutionRoleArn: ROLE, PrimaryContainer: { Image: IMAGE, ModelDataUrl: 's3://models/raw/model.tar.gz' } }));
    const variant = (ModelName: string, InstanceType: string, InitialInstanceCount: number): ProductionVariant => ({ VariantName: 'AllTraffic', ModelName, InstanceType: InstanceType as ProductionVariant['InstanceType'], InitialInstanceCount });
    const capture = (InitialSamplingPercentage: number, KmsKeyId?: string) => ({ EnableCapture: true, InitialSamplingPercentage, DestinationS3Uri: 's3://capture/', KmsKeyId, CaptureOptions: [{ CaptureMode: 'Input' as const }, { CaptureMode: 'Output' as const }] });
    // good: KMS, full capture with KMS, two instances, Approved package
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'good-cfg', KmsKeyId: KEY, DataCaptureConfig: capture(100, KEY), ProductionVariants: [variant('fraud-approved', 'ml.m5.large', 2)] }));
    // bare: no KMS, no capture, one instance, a model that is not a registered package
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'bare-cfg', ProductionVariants: [variant('raw', 'ml.m5.large', 1)] }));
    // sampled: 20 % capture without KMS on an instance type with local NVMe storage, a pending package
    await sm.send(new CreateEndpointConfigCommand({ EndpointConfigName: 'sampled-cfg', DataCaptureConfig: capture(20), ProductionVariants: [variant('fraud-pending', 'ml.g4dn.xlarge', 2)] }));
    for (const [name, cfg] of [['good', 'good-cfg'], ['bare', 'bare-cfg'], ['sampled', 'sampled-cfg'], ['good-2', 'good-cfg']] as const) arn[name] = (await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: cfg }))).EndpointArn!;
    sm.destroy();
    const config = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\ncollectors: [sagemaker-registry, sagemaker-endpoints]\nevidence:\n  dir: evidence\n`);
    b = await collectBundle(config, awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 120_000);
  afterAll(async () => {
    await m?.stop();
  });

  const endpoints = () => b.ndjson(`sagemaker-endpoints/${REGION}/endpoints.ndjson`);
  const finding = (id: string) => b.findings.find((f) => f.check === id)!;
  const failing = (id: string) => finding(id).exceptions.map((e: any) => e.resource).sort();

  it('records each endpoint with its config, capture, variants and the model each serves', () => {
    const by = Object.fromEntries(endpoints().map((e) => [e.EndpointName, e]));
    expect(Object.keys(by).sort()).toEqual(['bare', 'good', 'good-2', 'sampled']);
    expect(by.good).toMatchObject({
      EndpointArn: arn.good,
      EndpointConfigName: 'good-cfg',
      config: { KmsKeyId: KEY },
      DataCaptureConfig: { EnableCapture: true, SamplingPercentage: 100, DestinationS3Uri: 's3://capture/', KmsKeyId: KEY, CaptureModes: ['Input', 'Output'] },
      variants: [{ VariantName: 'AllTraffic', ModelName: 'fraud-approved', InstanceType: 'ml.m5.large', InitialInstanceCount: 2, model: { ExecutionRoleArn: ROLE, EnableNetworkIsolation: false, VpcConfig: { Subnets: ['subnet-1'], SecurityGroupIds: ['sg-1'] }, containers: [{ ModelPackageName: arn.approved }] } }],
    });
    expect(by.bare).toMatchObject({ config: { KmsKeyId: null }, variants: [{ model: { containers: [{ Image: IMAGE, ModelDataUrl: 's3://models/raw/model.tar.gz', ModelPackageName: null }] } }] });
    // moto passes the config's DataCaptureConfig through; without one there is none
    expect(by.bare.DataCaptureConfig).toBeNull();
  });

  it('describes each distinct config and model once', () => {
    const ops = b.provenance(`sagemaker-endpoints/${REGION}/endpoints.ndjson`).operations;
    expect(ops.map((o: any) => [o.api, o.calls])).toEqual([
      ['sagemaker:ListEndpoints', 1],
      ['sagemaker:DescribeEndpoint', 4],
      ['sagemaker:DescribeEndpointConfig', 3],
      ['sagemaker:DescribeModel', 3],
      ['sagemaker:ListMonitoringSchedules', 1],
    ]);
  });

  it('records moto’s missing ListMonitoringSchedules as a gap and the schedules as unknown', () => {
    expect(b.code).toBe(3);
    const entry = b.manifest.collectors.find((c: any) => c.id === 'sagemaker-endpoints');
    expect(entry.gaps).toEqual([{ api: 'sagemaker:ListMonitoringSchedules', code: expect.any(String), message: expect.any(String) }]);
    for (const e of endpoints()) expect(e.monitoringSchedules).toBeNull();
    expect(b.provenance(`sagemaker-endpoints/${REGION}/monitoring-schedules.ndjson`).complete).toBe(false);
    expect(finding('sagemaker-endpoints.drift-monitoring').status).toBe('error');
  });

  it('judges inference logging, redundancy and encryption per endpoint', () => {
    expect(failing('sagemaker-endpoints.inference-logging')).toEqual([arn.bare, arn.sampled].sort());
    const logging = finding('sagemaker-endpoints.inference-logging').exceptions;
    expect(logging.find((e: any) => e.resource === arn.sampled).reason).toBe('data capture samples 20% of requests (required 100%) to s3://capture/');
    expect(failing('sagemaker-endpoints.redundancy')).toEqual([arn.bare]);
    expect(finding('sagemaker-endpoints.redundancy').exceptions[0].reason).toBe('variant AllTraffic runs 1 ml.m5.large instance (at least 2 for redundancy across Availability Zones)');
    // sampled runs on instance storage (g4dn), so only its unencrypted capture counts
    const enc = finding('sagemaker-endpoints.encryption').exceptions;
    expect(enc.map((e: any) => e.resource).sort()).toEqual([arn.bare, arn.sampled].sort());
    expect(enc.find((e: any) => e.resource === arn.sampled).reason).toBe("captured inference data goes to s3://capture/ without a KMS key (only the bucket's default encryption)");
    expect(enc.find((e: any) => e.resource === arn.bare).reason).toContain('the endpoint config sets no KmsKeyId');
  });

  it('joins the endpoints with the registry: only the Approved package passes deployed-approved', () => {
    const d = b.json(`sagemaker-registry/${REGION}/deployments.json`);
    expect(d.endpointsCollected).toBe(true);
    expect(Object.fromEntries(d.variants.map((v: any) => [v.EndpointName, v.verdict]))).toEqual({ good: 'approved', 'good-2': 'approved', bare: 'no-package', sampled: 'not-approved' });
    const f = finding('sagemaker-registry.deployed-approved');
    expect(f.status).toBe('fail');
    expect(f.exceptions.map((e: any) => e.resource).sort()).toEqual([`${arn.bare}/AllTraffic`, `${arn.sampled}/AllTraffic`].sort());
    expect(f.exceptions.find((e: any) => e.resource.startsWith(arn.sampled!)).reason).toBe(`serves ${arn.pending}, which is PendingManualApproval`);
  });
});
