// The demo company before its story starts: the small-company fixtures (which the tests use as they
// are, standing findings and all) with those findings remediated, so that on day 0 every check the
// story does not touch passes and each staged event stands out as a deviation (issue 15 §7). Each
// remedy is what a real team would have done; the fixtures themselves are not changed.
import type { AwsSeed } from '../sandbox/aws/index.js';
import type { MlflowSeed } from '../sandbox/mlflow/index.js';
import type { VertexSeed } from '../sandbox/vertex/index.js';

const ACCOUNT = '111122223333';
const DAY_MS = 86_400_000;
const KEY = (region: string, id: string) => `arn:aws:kms:${region}:${ACCOUNT}:key/${id}`;
const SM_KEY = KEY('us-east-1', '6f1c0de0-0000-4000-8000-00000000f00d');
const SECRETS_KEY = { 'us-east-1': KEY('us-east-1', '1f2e3d4c-5b6a-4789-8abc-def012345678'), 'eu-west-1': KEY('eu-west-1', '9a8b7c6d-5e4f-4321-8abc-0123456789ab') } as Record<string, string>;
const BEDROCK_KEY = KEY('us-east-1', '0b5e7a11-0000-4000-8000-00000000be0d');
const DATA_KEY_ID = '5d3a7a00-0000-4000-8000-0000000da7a0';
const DATA_KEY = KEY('us-east-1', DATA_KEY_ID);
const VERTEX_KEY = 'projects/acme-ml-prod/locations/us-central1/keyRings/ml-prod/cryptoKeys/models';
const SUPPORT_MODEL = '3312987406650671104';
const SUPPORT_ENDPOINT = '6627183049176580096';

/** Principals allowed to change ML assets (settings.aws-iam.mlApprovedPrincipals of the demo config). */
export const DEMO_ML_APPROVED_PRINCIPALS = [
  `arn:aws:iam::${ACCOUNT}:role/service-role/AmazonSageMaker-ExecutionRole-*`,
  `arn:aws:iam::${ACCOUNT}:role/inference-ec2`,
  `arn:aws:iam::${ACCOUNT}:user/alice`,
  `arn:aws:iam::${ACCOUNT}:user/bob`,
  `arn:aws:iam::${ACCOUNT}:user/dave`,
];

const isoDaysBefore = (start: Date, days: number) => new Date(start.getTime() - days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** IAM: no standing admins (break-glass lives outside the account), keys rotated, the retired user and vendor role gone. */
function healthyIam(aws: AwsSeed, start: Date): void {
  const iam = aws.accounts.find((a) => a.id === ACCOUNT)!.iam;
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  const audit = 'arn:aws:iam::aws:policy/SecurityAudit';
  iam.users = iam.users.filter((u) => u.name !== 'legacy-etl');
  for (const u of iam.users) {
    if (u.attachedPolicies) u.attachedPolicies = u.attachedPolicies.map((p) => (p === admin ? audit : p));
    // every active key rotated within the last 90 days
    for (const k of u.accessKeys ?? []) if (k.status !== 'Inactive') k.created = isoDaysBefore(start, 20);
    delete u.inlinePolicies;
  }
  for (const g of iam.groups) if (g.attachedPolicies) g.attachedPolicies = g.attachedPolicies.map((p) => (p === admin ? audit : p));
  iam.roles = iam.roles.filter((r) => r.name !== 'vendor-audit-access');
}

/** Secrets Manager: customer keys, owner tags, rotation on schedule, no external policy, nothing unused or pending deletion. */
function healthySecrets(aws: AwsSeed, start: Date): void {
  const a = aws.accounts.find((x) => x.id === ACCOUNT)!;
  for (const [region, list] of Object.entries(a.secrets)) {
    a.secrets[region] = list.filter((s) => !s.deleted);
    for (const s of a.secrets[region]!) {
      s.kmsKeyId ??= SECRETS_KEY[region];
      s.tags = { owner: 'platform@acme.ai', 'data-classification': 'confidential', ...(s.tags ?? {}) };
      s.lastAccessed = isoDaysBefore(start, 1);
      delete s.policy;
      if (!s.rotation?.enabled) s.rotation = { enabled: true, days: 90, lambdaArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:rotate-api-keys` };
      // the rds secret's weekly rotation is the story's (it stops); the others are simply current
      if (!s.name.startsWith('rds!')) s.lastRotated = isoDaysBefore(start, 10);
    }
  }
}

/** SageMaker: the churn endpoint as well run as the fraud one, the churn training job isolated, the scratch notebook locked down. */
function healthySageMaker(aws: AwsSeed): void {
  const sm = aws.accounts.find((x) => x.id === ACCOUNT)!.sagemaker?.['us-east-1'];
  if (!sm) return;
  const cfg = sm.endpointConfigs?.find((c) => c.name === 'churn-model-prod-cfg');
  if (cfg) {
    cfg.kmsKeyId = SM_KEY;
    if (cfg.dataCapture) Object.assign(cfg.dataCapture, { samplingPercentage: 100, kmsKeyId: SM_KEY });
    for (const v of cfg.variants) {
      v.instances = 2;
      // ml.m5 has no instance storage, so the config's KMS key covers its volumes
      v.instanceType = 'ml.m5.large';
    }
  }
  sm.monitoringSchedules = [...(sm.monitoringSchedules ?? []), { name: 'churn-model-prod-data-quality', endpoint: 'churn-model-prod', type: 'DataQuality', jobDefinition: 'churn-model-data-quality', created: '2026-03-03T10:00:00Z' }];
  const v1 = sm.modelPackages?.find((p) => p.group === 'churn-model' && p.version === 1);
  if (v1) {
    v1.lastModifiedBy = { iamArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ml-engineer/carol`, sourceIdentity: 'carol@acme.ai' };
    v1.metrics = { ModelQuality: { Statistics: 's3://acme-ml-reports/churn/1/statistics.json' }, Bias: { Report: 's3://acme-ml-reports/churn/1/bias.json' } };
  }
  for (const j of sm.trainingJobs ?? []) {
    j.outputKmsKeyId ??= SM_KEY;
    j.volumeKmsKeyId ??= SM_KEY;
    j.vpc ??= { subnets: ['subnet-0a1'], securityGroupIds: ['sg-0train'] };
    j.networkIsolation = true;
    j.interContainerEncryption = true;
  }
  for (const n of sm.notebookInstances ?? []) Object.assign(n, { directInternetAccess: 'Disabled', rootAccess: 'Disabled', kmsKeyId: n.kmsKeyId ?? SM_KEY, subnetId: n.subnetId ?? 'subnet-0a1', securityGroups: n.securityGroups ?? ['sg-0nb'] });
}

/** Monitoring: an alarm that pages on-call on each endpoint's 5XX errors, every S3 bucket in a daily backup plan, the training image scanned clean. */
function healthyMonitoring(aws: AwsSeed, start: Date): void {
  const a = aws.accounts.find((x) => x.id === ACCOUNT)!;
  const sm = a.sagemaker?.['us-east-1'];
  const onCall = `arn:aws:sns:us-east-1:${ACCOUNT}:ml-on-call`;
  a.monitoring = {
    ...(a.monitoring ?? {}),
    'us-east-1': {
      alarms: (sm?.endpoints ?? []).map((e) => ({ name: `${e.name}-5xx`, metric: 'Invocation5XXErrors', namespace: 'AWS/SageMaker', dimensions: { EndpointName: e.name, VariantName: 'AllTraffic' }, actions: [onCall], actionsEnabled: true, state: 'OK' as const })),
      backupPlans: [{ id: 'acme-daily-backup', name: 'acme-daily', created: isoDaysBefore(start, 200), selections: [{ id: 'ml-data', name: 'ml-data-buckets', role: `arn:aws:iam::${ACCOUNT}:role/service-role/AWSBackupDefaultServiceRole`, resources: ['arn:aws:s3:::*'] }] }],
      images: [{ repository: 'train', tag: 'latest', digest: 'sha256:5e1f0c0ffee0000000000000000000000000000000000000000000000000abc', scan: { status: 'COMPLETE', completedAt: isoDaysBefore(start, 1), findings: [{ name: 'CVE-2024-0001', severity: 'LOW', package: 'zlib' }] } }],
    },
  };
}

/** MLflow: the production versions approved by a second person and classified, the failed registration retried. */
function healthyMlflow(ml: MlflowSeed): void {
  const version = (name: string, v: string) => ml.modelVersions.find((x) => x.name === name && x.version === v);
  const tag = (tags: { key: string; value: string }[], key: string, value: string) => [...tags.filter((t) => t.key !== key), { key, value }];
  const ranker = version('ranker', '4');
  if (ranker) ranker.tags = tag(tag(ranker.tags ?? [], 'approved_by', 'carol@acme.ai'), 'data_classification', 'internal');
  const churn = version('churn-model', '3');
  if (churn) churn.tags = tag(churn.tags ?? [], 'approved_by', 'carol@acme.ai');
  const failed = version('fraud-detector', '5');
  if (failed) {
    failed.status = 'READY';
    delete failed.status_message;
  }
}

/** Vertex AI: the support classifier encrypted with a customer key, logged, approved and traced to its dataset. */
function healthyVertex(vx: VertexSeed): void {
  const model = vx.models.find((m) => m.id === SUPPORT_MODEL);
  if (model) {
    model.kmsKeyName = VERTEX_KEY;
    const v4 = model.versions.find((v) => v.versionId === '4');
    if (v4) v4.labels = { ...v4.labels, 'approved-by': 'li-wei' };
  }
  const ep = vx.endpoints.find((e) => e.id === SUPPORT_ENDPOINT);
  if (ep) {
    ep.kmsKeyName = 'projects/acme-ml-prod/locations/us-central1/keyRings/ml-prod/cryptoKeys/endpoints';
    ep.logging = { enabled: true, samplingRate: 1, bigqueryOutputUri: 'bq://acme-ml-prod.prediction_logs.support' };
  }
  const md = vx.metadata;
  if (md) {
    md.artifacts.push({ id: 'support-tickets-2026-09', location: 'us-central1', displayName: 'support-tickets-2026-09', schemaTitle: 'system.Dataset', uri: 'gs://acme-ml-data/support/tickets/2026-09/', metadata: { format: 'jsonl', data_classification: 'confidential' }, createTime: '2026-09-13T02:00:00Z', updateTime: '2026-09-13T02:00:00Z' });
    md.executions.push({ id: 'support-train-2026-09-14', location: 'us-central1', displayName: 'train-support-classifier', schemaTitle: 'system.ContainerExecution', state: 'COMPLETE', metadata: { image: 'us-docker.pkg.dev/acme-ml-prod/pipelines/train-distilbert:1.2.0' }, createTime: '2026-09-14T12:00:00Z', updateTime: '2026-09-14T16:55:00Z' });
    md.events.push(
      { artifactId: 'support-tickets-2026-09', executionId: 'support-train-2026-09-14', type: 'INPUT', eventTime: '2026-09-14T12:00:00Z' },
      { artifactId: 'support-classifier-v4-model', executionId: 'support-train-2026-09-14', type: 'OUTPUT', eventTime: '2026-09-14T16:55:00Z' },
    );
  }
}

/** Bedrock: invocation logging in both regions of text, image and embedding data to CloudWatch and S3; the support assistant fine-tuned (us-east-1) under a customer key. */
function healthyBedrock(aws: AwsSeed): void {
  const a = aws.accounts.find((x) => x.id === ACCOUNT)!;
  const logging = (region: string) => ({ cloudWatchConfig: { logGroupName: '/aws/bedrock/invocations', roleArn: `arn:aws:iam::${ACCOUNT}:role/bedrock-logging` }, s3Config: { bucketName: 'acme-ml-invocation-logs', keyPrefix: `bedrock/${region}/` }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: true });
  a.bedrock = {
    ...(a.bedrock ?? {}),
    // no custom model in eu-west-1, but its foundation-model calls are logged too
    'eu-west-1': { logging: logging('eu-west-1'), models: [] },
    'us-east-1': {
      logging: logging('us-east-1'),
      models: [{ modelName: 'support-assistant-v2', baseModelId: 'amazon.titan-text-express-v1', jobName: 'tune-support-assistant-v2', kmsKeyArn: BEDROCK_KEY, trainingS3Uri: 's3://acme-ml-training-data/bedrock/support/train.jsonl', validationS3Uris: ['s3://acme-ml-training-data/bedrock/support/validation.jsonl'], outputS3Uri: 's3://acme-ml-models/bedrock/support-assistant-v2/', createdAt: '2026-10-20T09:00:00Z' }],
    },
  };
}

const TLS_ONLY = (b: string) => ({ Version: '2012-10-17', Statement: [{ Sid: 'DenyInsecureTransport', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${b}`, `arn:aws:s3:::${b}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] });

/**
 * S3 and KMS: every bucket and key the seeds' lineage names (s3:// URIs, KMS key ARNs of this account)
 * exists in this account, buckets SSE-KMS under the data key, TLS-only, versioned, logged and blocked
 * from public access (the account too), keys rotating yearly. Found by scanning the seeds, so lineage
 * added to a fixture stays covered.
 */
function healthyDataStores(aws: AwsSeed, seeds: unknown[]): void {
  const a = aws.accounts.find((x) => x.id === ACCOUNT)!;
  const text = JSON.stringify(seeds);
  const buckets = new Set([...text.matchAll(/s3[an]?:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])/g)].map((m) => m[1]!));
  for (const b of ['acme-ml-training-data', 'acme-ml-invocation-logs', 'acme-ml-access-logs']) buckets.add(b);
  const keys = new Set([...text.matchAll(new RegExp(`arn:aws:kms:([a-z0-9-]+):${ACCOUNT}:key/([A-Za-z0-9-]+)`, 'g'))].map((m) => `${m[1]}|${m[2]}`));
  keys.add(`us-east-1|${DATA_KEY_ID}`);
  a.kms = {};
  for (const k of keys) {
    const [region, id] = k.split('|') as [string, string];
    (a.kms[region] ??= []).push({ id, rotation: true, created: '2025-06-01T00:00:00Z' });
  }
  const blocked = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };
  a.s3 = {
    publicAccessBlock: { ...blocked },
    buckets: [...buckets].sort().map((name) => ({ name, region: 'us-east-1', created: '2025-06-01T00:00:00Z', encryption: { algorithm: 'aws:kms' as const, kmsKeyId: DATA_KEY, bucketKey: true }, publicAccessBlock: { ...blocked }, policy: TLS_ONLY(name), versioning: 'Enabled' as const, ...(name === 'acme-ml-access-logs' ? {} : { logging: { targetBucket: 'acme-ml-access-logs', targetPrefix: `${name}/` } }) })),
  };
}

/** Applies every remedy to freshly loaded seeds (they are mutated), `start` being the period's first day. */
export function healthyBaseline(seeds: { aws: AwsSeed; mlflow: MlflowSeed; vertex: VertexSeed }, start: Date): void {
  healthyIam(seeds.aws, start);
  healthySecrets(seeds.aws, start);
  healthySageMaker(seeds.aws);
  healthyMonitoring(seeds.aws, start);
  healthyMlflow(seeds.mlflow);
  healthyVertex(seeds.vertex);
  healthyBedrock(seeds.aws);
  // last: it creates what the other seeds' lineage names
  healthyDataStores(seeds.aws, [seeds.aws, seeds.mlflow]);
}
