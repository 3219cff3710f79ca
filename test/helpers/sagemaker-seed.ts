// A SageMaker account for the AWS sandbox, shared by the sagemaker-registry and sagemaker-endpoints
// suites: a registry large enough to page (120 groups, 250 packages), a few packages whose approval
// story is known, and endpoints with and without capture, keys, redundancy and monitors.
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startAwsSandbox, type AwsSandbox, type AwsSeed, type ModelPackageSeed, type SageMakerRegionSeed } from '../../src/sandbox/aws/index.js';
import { awsEnv, tmpDir, writeConfig } from './cli.js';
import { collectBundle, type CollectedBundle } from './collected.js';

export const SM_ACCOUNT = '111122223333';
export const SM_REGION = 'us-east-1';
export const GROUPS = 120;
export const PACKAGES = 250;
const role = (who: string) => `arn:aws:sts::${SM_ACCOUNT}:assumed-role/ml-engineer/${who}`;
export const pkgArn = (group: string, v: number) => `arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:model-package/${group.toLowerCase()}/${v}`;
export const endpointArn = (name: string) => `arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:endpoint/${name}`;
export const user = (who: string) => ({ iamArn: role(who), sourceIdentity: who });
const metrics = { ModelQuality: { Statistics: 's3://reports/quality.json' }, Bias: { Report: 's3://reports/bias.json' } };
const t = (h: number) => new Date(Date.parse('2026-06-01T00:00:00Z') + h * 3_600_000).toISOString();

/** 5 known packages in group "fraud", then pending filler spread over group-000 … group-119. */
function packages(): ModelPackageSeed[] {
  const known: ModelPackageSeed[] = [
    // approved by bob, created by alice, with metrics: passes everything; trained by job train-0000
    { group: 'fraud', version: 1, approval: 'Approved', created: t(0), createdBy: user('alice'), lastModified: t(1), lastModifiedBy: user('bob'), metrics, modelDataUrl: 's3://models/train-0000/output/model.tar.gz' },
    // created and approved by alice
    { group: 'fraud', version: 2, approval: 'Approved', created: t(2), createdBy: user('alice'), lastModified: t(3), lastModifiedBy: user('alice'), metrics, modelDataUrl: 's3://models/trained-elsewhere/model.tar.gz' },
    { group: 'fraud', version: 3, approval: 'Rejected', created: t(4), createdBy: user('alice'), lastModified: t(5), lastModifiedBy: user('bob') },
    // the newest: registered already Approved, no metrics
    { group: 'fraud', version: 4, approval: 'Approved', created: t(6), createdBy: user('alice') },
    // awaiting approval (approved between two collections by some tests)
    { group: 'churn', version: 1, approval: 'PendingManualApproval', created: t(7), createdBy: user('carol') },
  ];
  const filler = Array.from({ length: PACKAGES - known.length }, (_, i): ModelPackageSeed => ({ group: `group-${String(i % (GROUPS - 2)).padStart(3, '0')}`, version: Math.floor(i / (GROUPS - 2)) + 1, approval: 'PendingManualApproval', created: t(10 + i), createdBy: user('dave') }));
  return [...known, ...filler];
}

export const JOBS_IN_WINDOW = 150;
export const JOBS_BEFORE_WINDOW = 20;
export const HYPERPARAMETER_CANARY = 'CANARY-hp-7d1f0c9e';
const daysAgo = (d: number) => new Date(Date.now() - d * 86_400_000).toISOString();

/** Jobs of the last 20 days (the first isolated and keyed, the rest open), and some older than 30 days. */
function trainingJobs(): NonNullable<SageMakerRegionSeed['trainingJobs']> {
  const job = (i: number, age: number) => ({
    name: `train-${String(i).padStart(4, '0')}`,
    created: daysAgo(age),
    role: `arn:aws:iam::${SM_ACCOUNT}:role/train`,
    channels: [{ name: 'train', s3Uri: `s3://training-data/job-${i}/` }],
    outputPath: 's3://models/',
    instanceType: 'ml.m5.xlarge',
    instances: 1,
    hyperParameters: { api_key: HYPERPARAMETER_CANARY },
  });
  const recent = Array.from({ length: JOBS_IN_WINDOW }, (_, i) => job(i, 20 - (i * 19) / JOBS_IN_WINDOW));
  recent[0] = { ...recent[0]!, networkIsolation: true, outputKmsKeyId: 'k', volumeKmsKeyId: 'k' } as (typeof recent)[number];
  const old = Array.from({ length: JOBS_BEFORE_WINDOW }, (_, i) => job(JOBS_IN_WINDOW + i, 40 + i));
  return [...recent, ...old];
}

export const PROCESSING_IN_WINDOW = 3;
export const PIPELINE_STEPS = 120;
export const prepArn = (name: string) => `arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:processing-job/${name}`;

/** Processing jobs: the first of the window isolated and keyed, two open, one older than 30 days (its environment carries the canary); prep-i writes the channel of train-i. */
function processingJobs(): NonNullable<SageMakerRegionSeed['processingJobs']> {
  const job = (i: number, age: number) => ({
    name: `prep-${i}`,
    created: daysAgo(age),
    role: `arn:aws:iam::${SM_ACCOUNT}:role/processing`,
    image: `${SM_ACCOUNT}.dkr.ecr.${SM_REGION}.amazonaws.com/prep:1`,
    inputs: [{ name: 'raw', s3Uri: `s3://training-data/raw/set-${i}/` }],
    outputs: [{ name: 'train', s3Uri: `s3://training-data/job-${i}/` }],
    instanceType: 'ml.m5.xlarge',
    instances: i === 2 ? 2 : 1,
    environment: { DB_PASSWORD: HYPERPARAMETER_CANARY },
  });
  const recent = Array.from({ length: PROCESSING_IN_WINDOW }, (_, i) => job(i, 10 - i));
  // prep-0 prepared train-0000's channel (its output, half a day before that job): the lineage join names it
  recent[0] = { ...job(0, 20.5), networkIsolation: true, outputKmsKeyId: 'k', volumeKmsKeyId: 'k' };
  return [...recent, job(PROCESSING_IN_WINDOW, 45)];
}

/** A pipeline run twice (the newest run has PIPELINE_STEPS steps: more than a page) and one never run. */
function pipelines(): NonNullable<SageMakerRegionSeed['pipelines']> {
  const steps = [
    { name: 'Prep', type: 'Processing' as const, started: daysAgo(5), ref: 'prep-0' },
    { name: 'Train', type: 'Training' as const, started: daysAgo(4.9), ref: 'train-0001' },
    ...Array.from({ length: PIPELINE_STEPS - 3 }, (_, i) => ({ name: `Check-${i}`, type: 'Condition' as const, started: daysAgo(4.8 - i / 1000), ref: 'true' })),
    { name: 'Register', type: 'RegisterModel' as const, started: daysAgo(4), ref: pkgArn('fraud', 2) },
  ];
  return [
    {
      name: 'fraud-training',
      created: t(0),
      role: `arn:aws:iam::${SM_ACCOUNT}:role/pipelines`,
      executions: [
        { id: 'old1', started: daysAgo(12), status: 'Failed', steps: [{ name: 'Prep', type: 'Processing', started: daysAgo(12), ref: 'prep-1', status: 'Failed' }] },
        { id: 'new1', started: daysAgo(5), steps },
      ],
    },
    { name: 'churn-nightly', created: t(1), role: `arn:aws:iam::${SM_ACCOUNT}:role/pipelines` },
  ];
}

function region(): SageMakerRegionSeed {
  const groups = ['fraud', 'churn', ...Array.from({ length: GROUPS - 2 }, (_, i) => `group-${String(i).padStart(3, '0')}`)];
  return {
    trainingJobs: trainingJobs(),
    processingJobs: processingJobs(),
    pipelines: pipelines(),
    notebookInstances: [
      { name: 'research', created: t(0), instanceType: 'ml.t3.medium', role: `arn:aws:iam::${SM_ACCOUNT}:role/nb` },
      { name: 'locked', created: t(1), instanceType: 'ml.t3.medium', role: `arn:aws:iam::${SM_ACCOUNT}:role/nb`, directInternetAccess: 'Disabled', rootAccess: 'Disabled', kmsKeyId: 'k', subnetId: 'subnet-a' },
    ],
    domains: [{ id: 'd-abc123', name: 'studio', created: t(0), vpcId: 'vpc-1', subnetIds: ['subnet-a'], authMode: 'SSO', appNetworkAccessType: 'VpcOnly', kmsKeyId: 'k' }],
    modelPackageGroups: groups.map((name, i) => ({ name, created: t(-100 + i), createdBy: user('alice'), ...(name === 'fraud' ? { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] } } : {}) })),
    modelPackages: packages(),
    models: [
      { name: 'fraud-v1', created: t(20), role: `arn:aws:iam::${SM_ACCOUNT}:role/exec`, networkIsolation: true, vpc: { subnets: ['subnet-a', 'subnet-b'], securityGroupIds: ['sg-1'] }, containers: [{ modelPackage: pkgArn('fraud', 1) }] },
      { name: 'churn-v1', created: t(21), role: `arn:aws:iam::${SM_ACCOUNT}:role/exec`, containers: [{ modelPackage: pkgArn('churn', 1) }] },
      { name: 'adhoc', created: t(22), role: `arn:aws:iam::${SM_ACCOUNT}:role/exec`, containers: [{ image: `${SM_ACCOUNT}.dkr.ecr.${SM_REGION}.amazonaws.com/adhoc:1`, modelDataUrl: 's3://scratch/adhoc.tar.gz' }] },
    ],
    endpointConfigs: [
      { name: 'fraud-cfg', created: t(30), kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/fraud', dataCapture: { samplingPercentage: 100, destination: 's3://capture/fraud/', kmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/capture' }, variants: [{ name: 'AllTraffic', model: 'fraud-v1', instanceType: 'ml.m5.xlarge', instances: 2 }] },
      { name: 'churn-cfg', created: t(31), dataCapture: { samplingPercentage: 10, destination: 's3://capture/churn/' }, variants: [{ name: 'AllTraffic', model: 'churn-v1', instanceType: 'ml.c5.large', instances: 1 }] },
      { name: 'adhoc-cfg', created: t(32), variants: [{ name: 'serverless', model: 'adhoc', serverless: { memoryMb: 2048, maxConcurrency: 5 } }] },
    ],
    endpoints: [
      { name: 'fraud', config: 'fraud-cfg', created: t(40), currentInstances: { AllTraffic: 2 } },
      { name: 'churn', config: 'churn-cfg', created: t(41) },
      { name: 'adhoc', config: 'adhoc-cfg', created: t(42) },
      { name: 'old', config: 'churn-cfg', created: t(43), status: 'Failed' },
    ],
    monitoringSchedules: [
      { name: 'fraud-data-quality', endpoint: 'fraud', type: 'DataQuality', jobDefinition: 'fraud-dq', created: t(50) },
      { name: 'churn-bias', endpoint: 'churn', type: 'ModelBias', jobDefinition: 'churn-bias', created: t(51) },
      { name: 'churn-quality', endpoint: 'churn', type: 'ModelQuality', jobDefinition: 'churn-mq', status: 'Stopped', created: t(52) },
    ],
  };
}

export function sagemakerSeed(): AwsSeed {
  return {
    accounts: [
      {
        id: SM_ACCOUNT,
        callerArn: `arn:aws:sts::${SM_ACCOUNT}:assumed-role/soc2-evidence-collector/ci`,
        iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] },
        secrets: {},
        sagemaker: { [SM_REGION]: region() },
      },
    ],
  };
}

/** A sandbox with sagemakerSeed() for a suite: started once, reset before each test, closed after. */
export function useSageMakerSandbox(opts: { maxPageItems?: number } = {}): () => AwsSandbox {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: sagemakerSeed(), ...opts });
  });
  afterAll(async () => {
    await sb?.close();
  });
  beforeEach(() => sb.reset());
  return () => sb;
}

/**
 * Collects `collectors` from the sandbox through the CLI (no rate limit of our own: the sandbox has
 * none); `extra` is YAML added under `settings.sagemaker-endpoints`.
 */
export function collectSageMaker(sb: AwsSandbox, collectors: string[], o: { dir?: string; endpoints?: string } = {}): Promise<CollectedBundle> {
  const fast = (id: string, extra = '') => `  ${id}:\n    describeCallsPerSecond: 10000\n${extra}`;
  const cfg = writeConfig(
    o.dir ?? tmpDir(),
    `sources:\n  aws:\n    - name: main\n      regions: [${SM_REGION}]\ncollectors: [${collectors.join(', ')}]\nevidence:\n  dir: evidence\nsettings:\n${fast('sagemaker-registry')}${fast('sagemaker-endpoints', o.endpoints)}${fast('sagemaker-training')}`,
  );
  return collectBundle(cfg, awsEnv(sb.url), 'main');
}
