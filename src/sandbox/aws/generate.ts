// Deterministic synthetic AWS companies for benchmarks: the same options always give the same seed.
// Documents are kept small so that a seed of tens of thousands of principals stays light.

import type {
  AccessKeySeed,
  BedrockRegionSeed,
  KmsKeySeed,
  S3BucketSeed,
  AwsAccountSeed,
  AwsSeed,
  IamGroupSeed,
  IamRoleSeed,
  IamUserSeed,
  ManagedPolicySeed,
  SageMakerRegionSeed,
  SecretSeed,
} from './seed.js';

export interface GenerateAwsCompanyOptions {
  roles: number;
  users: number;
  groups: number;
  /** Customer managed policies (a few AWS managed ones are added on top). */
  policies: number;
  secretsPerRegion: number;
  regions: string[];
  /** Accounts, each with the counts above (default 1). With more than one: an organization and an audit role per member. */
  accounts?: number;
  /** The accounts' ids (default 210000000000, 210000001111, …); when given, they set the number of accounts. */
  accountIds?: string[];
  /** PRNG seed (default 1). */
  seed?: number;
  /** Reference "now" of the generated dates (default 2026-01-01). */
  now?: string;
  /** SageMaker resources per region (default none): the registry, endpoints and training jobs of the last 30 days. */
  sagemaker?: { groups: number; packagesPerGroup: number; endpoints: number; trainingJobs: number };
  /** Bedrock custom models per region (default with sagemaker: 4 per package group, at least 1; else none). */
  bedrock?: { models: number };
  /** S3 buckets of the account, the ones lineage names among them (default with sagemaker: 30; else none), and their KMS keys. */
  dataStores?: { buckets: number };
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ACTIONS = [
  's3:GetObject', 's3:PutObject', 's3:ListBucket', 'sagemaker:CreateTrainingJob', 'sagemaker:DescribeModel',
  'ecr:GetAuthorizationToken', 'logs:PutLogEvents', 'dynamodb:GetItem', 'kms:Decrypt', 'secretsmanager:DescribeSecret',
];
const AWS_MANAGED = [
  { name: 'AdministratorAccess', action: '*' },
  { name: 'ReadOnlyAccess', action: '*:Describe*' },
  { name: 'AmazonSageMakerFullAccess', action: 'sagemaker:*' },
  { name: 'AmazonS3ReadOnlyAccess', action: 's3:Get*' },
];
const SERVICES = ['ec2.amazonaws.com', 'lambda.amazonaws.com', 'sagemaker.amazonaws.com', 'ecs-tasks.amazonaws.com'];

export function generateAwsCompany(o: GenerateAwsCompanyOptions): AwsSeed {
  const rnd = prng(o.seed ?? 1);
  const nowMs = Date.parse(o.now ?? '2026-01-01T00:00:00Z');
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)]!;
  const chance = (p: number) => rnd() < p;
  const daysAgo = (max: number, min = 0): string =>
    new Date(nowMs - Math.floor((min + rnd() * (max - min)) * 86_400_000)).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const nAccounts = o.accountIds?.length || Math.max(1, o.accounts ?? 1);
  const accountIds = o.accountIds?.length ? o.accountIds : Array.from({ length: nAccounts }, (_, i) => String(210000000000 + i * 1111));

  const accounts: AwsAccountSeed[] = accountIds.map((id, ai) => {
    const policyArn = (i: number) => `arn:aws:iam::${id}:policy/gen/policy-${i}`;
    const managedPolicies: ManagedPolicySeed[] = AWS_MANAGED.map((m) => ({
      name: m.name,
      arn: `arn:aws:iam::aws:policy/${m.name}`,
      created: '2015-02-06T18:39:46Z',
      versions: [{ id: 'v1', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: m.action, Resource: '*' }] } }],
    }));
    for (let i = 0; i < o.policies; i++) {
      const created = daysAgo(900, 30);
      const versions = [
        {
          id: 'v1',
          created,
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: pick(ACTIONS), Resource: `arn:aws:s3:::ml-data-${i % 97}/*` }] },
        },
      ];
      if (chance(0.1)) {
        versions.push({
          id: 'v2',
          created: daysAgo(29),
          document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: pick(ACTIONS), Resource: '*' }] },
        });
      }
      managedPolicies.push({ name: `policy-${i}`, path: '/gen/', created, versions });
    }
    const somePolicy = (): string =>
      o.policies > 0 && !chance(0.05) ? policyArn(Math.floor(rnd() * o.policies)) : `arn:aws:iam::aws:policy/${pick(AWS_MANAGED).name}`;

    const groups: IamGroupSeed[] = [];
    for (let i = 0; i < o.groups; i++) {
      const g: IamGroupSeed = { name: `group-${i}`, created: daysAgo(1200, 100), attachedPolicies: [somePolicy()] };
      if (chance(0.2)) {
        g.inlinePolicies = [{ name: 'inline', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: pick(ACTIONS), Resource: '*' }] } }];
      }
      groups.push(g);
    }

    const users: IamUserSeed[] = [];
    for (let i = 0; i < o.users; i++) {
      const created = daysAgo(1500, 10);
      const keys: AccessKeySeed[] = [];
      const nKeys = chance(0.5) ? (chance(0.15) ? 2 : 1) : 0;
      for (let k = 0; k < nKeys; k++) {
        keys.push({
          status: chance(0.9) ? 'Active' : 'Inactive',
          created: chance(0.1) ? daysAgo(1400, 200) : daysAgo(89),
          lastUsed: chance(0.8) ? { date: daysAgo(30), region: pick(o.regions.length ? o.regions : ['us-east-1']), service: pick(['s3', 'sts', 'sagemaker']) } : null,
        });
      }
      const u: IamUserSeed = {
        name: `user-${i}`,
        created,
        mfa: chance(0.9),
        password: chance(0.7) ? { lastChanged: daysAgo(200), lastUsed: chance(0.85) ? daysAgo(60) : null } : null,
        accessKeys: keys,
        groups: o.groups > 0 ? [`group-${i % o.groups}`, ...(chance(0.3) ? [`group-${(i * 7 + 3) % o.groups}`] : [])] : [],
        tags: { team: pick(['ml', 'data', 'platform', 'research']) },
      };
      if (chance(0.2)) u.attachedPolicies = [somePolicy()];
      if (chance(0.1)) {
        u.inlinePolicies = [{ name: 'user-inline', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: pick(ACTIONS), Resource: '*' }] } }];
      }
      users.push(u);
    }

    const roles: IamRoleSeed[] = [];
    for (let i = 0; i < o.roles; i++) {
      const service = chance(0.8) ? pick(SERVICES) : undefined;
      const principal = service ? { Service: service } : { AWS: `arn:aws:iam::${chance(0.5) ? '999988887777' : id}:root` };
      const r: IamRoleSeed = {
        name: `role-${i}`,
        path: service === 'sagemaker.amazonaws.com' ? '/service-role/' : '/',
        created: daysAgo(1500, 5),
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] },
        attachedPolicies: [somePolicy()],
        lastUsed: chance(0.7) ? { date: daysAgo(120), region: pick(o.regions.length ? o.regions : ['us-east-1']) } : null,
      };
      if (chance(0.3)) {
        r.inlinePolicies = [{ name: 'role-inline', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: pick(ACTIONS), Resource: '*' }] } }];
      }
      if (service === 'ec2.amazonaws.com') r.instanceProfiles = [{ name: `role-${i}` }];
      roles.push(r);
    }
    if (nAccounts > 1) {
      roles.push({
        name: 'soc2-audit',
        created: daysAgo(400, 300),
        trustPolicy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${accountIds[0]}:root` }, Action: 'sts:AssumeRole' }] },
        attachedPolicies: ['arn:aws:iam::aws:policy/ReadOnlyAccess'],
      });
    }

    const secrets: Record<string, SecretSeed[]> = {};
    for (const region of o.regions) {
      const list: SecretSeed[] = [];
      for (let i = 0; i < o.secretsPerRegion; i++) {
        const created = daysAgo(1000, 10);
        const rotating = chance(0.6);
        const s: SecretSeed = {
          name: `ml/${region}/secret-${i}`,
          value: `value-${i}`,
          created,
          rotation: rotating ? { enabled: true, days: pick([30, 60, 90]), lambdaArn: `arn:aws:lambda:${region}:${id}:function:rotate` } : null,
          lastRotated: rotating ? daysAgo(90) : null,
          lastAccessed: chance(0.8) ? daysAgo(30).slice(0, 10) + 'T00:00:00Z' : null,
          tags: { env: pick(['prod', 'staging', 'dev']) },
        };
        if (chance(0.5)) s.kmsKeyId = `arn:aws:kms:${region}:${id}:key/${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`;
        if (chance(0.1)) {
          s.policy = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${id}:root` }, Action: 'secretsmanager:GetSecretValue', Resource: '*' }] };
        }
        if (chance(0.02)) s.deleted = daysAgo(5);
        list.push(s);
      }
      secrets[region] = list;
    }

    const sagemaker = o.sagemaker ? Object.fromEntries(o.regions.map((region, ri) => [region, sageMakerRegion(id, region, o.sagemaker!, prng((o.seed ?? 1) * 7919 + ai * 31 + ri), nowMs)])) : undefined;

    const nModels = o.bedrock?.models ?? (o.sagemaker ? Math.max(1, o.sagemaker.groups * 4) : 0);
    const bedrock = nModels > 0 ? Object.fromEntries(o.regions.map((region) => [region, bedrockRegion(id, region, nModels)])) : undefined;
    const nBuckets = o.dataStores?.buckets ?? (o.sagemaker ? 30 : 0);
    const stores = nBuckets > 0 ? dataStores(id, o.regions, nBuckets, prng((o.seed ?? 1) * 104729 + ai)) : undefined;

    return {
      id,
      alias: `gen-${ai}`,
      callerArn: `arn:aws:iam::${id}:user/soc2-collector`,
      iam: {
        users,
        groups,
        roles,
        managedPolicies,
        passwordPolicy: {
          minimumPasswordLength: 14,
          requireSymbols: true,
          requireNumbers: true,
          requireUppercaseCharacters: true,
          requireLowercaseCharacters: true,
          allowUsersToChangePassword: true,
          maxPasswordAge: 90,
          passwordReusePrevention: 24,
        },
        root: { mfa: true, accessKeys: [], created: '2019-01-01T00:00:00Z' },
        samlProviders: [{ name: 'Okta', created: '2021-01-01T00:00:00Z', validUntil: '2121-01-01T00:00:00Z' }],
        oidcProviders: [{ url: 'token.actions.githubusercontent.com' }],
      },
      secrets,
      ...(sagemaker ? { sagemaker } : {}),
      ...(bedrock ? { bedrock } : {}),
      ...(stores ?? {}),
    };
  });

  const seed: AwsSeed = { accounts };
  if (nAccounts > 1) {
    seed.organization = {
      managementAccountId: accountIds[0]!,
      accounts: accountIds.map((id, i) => ({ id, name: `gen-${i}`, email: `aws+gen-${i}@example.com`, joined: '2020-01-01T00:00:00Z' })),
    };
    seed.assumableRoles = accountIds.map((id) => `arn:aws:iam::${id}:role/soc2-audit`);
  }
  return seed;
}

/**
 * One region's SageMaker: groups of versioned packages (most Approved by a second person with
 * metrics, some pending, some registered already Approved), endpoints serving the newest package of a
 * group (some without capture, keys, redundancy or monitor) and training jobs of the last 30 days. Its
 * own PRNG, so adding it changes nothing else of a generated company.
 */
function sageMakerRegion(account: string, region: string, o: NonNullable<GenerateAwsCompanyOptions['sagemaker']>, rnd: () => number, nowMs: number): SageMakerRegionSeed {
  const chance = (p: number) => rnd() < p;
  const at = (daysBack: number) => new Date(nowMs - daysBack * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  const who = (name: string) => ({ iamArn: `arn:aws:sts::${account}:assumed-role/ml-engineer/${name}`, sourceIdentity: name });
  const groupName = (g: number) => `model-${String(g).padStart(4, '0')}`;
  const out: Required<Pick<SageMakerRegionSeed, 'modelPackageGroups' | 'modelPackages' | 'models' | 'endpointConfigs' | 'endpoints' | 'monitoringSchedules' | 'trainingJobs' | 'processingJobs' | 'pipelines'>> = {
    modelPackageGroups: [],
    modelPackages: [],
    models: [],
    endpointConfigs: [],
    endpoints: [],
    monitoringSchedules: [],
    trainingJobs: [],
    processingJobs: [],
    pipelines: [],
  };
  for (let g = 0; g < o.groups; g++) {
    out.modelPackageGroups.push({ name: groupName(g), created: at(800 - g), createdBy: who('platform'), ...(chance(0.2) ? { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] } } : {}) });
    for (let v = 1; v <= o.packagesPerGroup; v++) {
      const created = at(700 - g - v * 5);
      const r = rnd();
      const metrics = chance(0.85) ? { ModelQuality: { Statistics: `s3://ml-reports/${groupName(g)}/${v}/quality.json` }, Bias: { Report: `s3://ml-reports/${groupName(g)}/${v}/bias.json` } } : undefined;
      out.modelPackages.push({
        group: groupName(g),
        version: v,
        created,
        createdBy: who('trainer'),
        ...(r < 0.1
          ? { approval: 'Approved' as const }
          : r < 0.8
            ? { approval: 'Approved' as const, lastModified: created, lastModifiedBy: who(chance(0.9) ? 'approver' : 'trainer') }
            : r < 0.9
              ? { approval: 'Rejected' as const, lastModified: created, lastModifiedBy: who('approver') }
              : { approval: 'PendingManualApproval' as const }),
        ...(metrics ? { metrics } : {}),
        modelDataUrl: `s3://ml-models/${groupName(g)}/${v}/model.tar.gz`,
      });
    }
  }
  for (let e = 0; e < o.endpoints; e++) {
    const group = groupName(e % Math.max(1, o.groups));
    const name = `endpoint-${String(e).padStart(4, '0')}`;
    const version = Math.max(1, o.packagesPerGroup);
    out.models.push({ name: `${name}-model`, created: at(30), role: `arn:aws:iam::${account}:role/inference`, networkIsolation: chance(0.5), containers: [o.groups > 0 ? { image: `${account}.dkr.ecr.${region}.amazonaws.com/${group}:${version}`, modelPackage: `arn:aws:sagemaker:${region}:${account}:model-package/${group}/${version}` } : { image: 'img', modelDataUrl: 's3://x/model.tar.gz' }] });
    out.endpointConfigs.push({
      name: `${name}-config`,
      created: at(30),
      ...(chance(0.7) ? { kmsKeyId: `arn:aws:kms:${region}:${account}:key/endpoints` } : {}),
      ...(chance(0.7) ? { dataCapture: { samplingPercentage: chance(0.8) ? 100 : 20, destination: `s3://inference-logs/${name}/` } } : {}),
      variants: [{ name: 'AllTraffic', model: `${name}-model`, instanceType: 'ml.m5.xlarge', instances: chance(0.7) ? 2 : 1 }],
    });
    out.endpoints.push({ name, config: `${name}-config`, created: at(29) });
    if (chance(0.6)) out.monitoringSchedules.push({ name: `${name}-data-quality`, endpoint: name, type: 'DataQuality', jobDefinition: `${name}-dq`, created: at(28) });
  }
  for (let t = 0; t < o.trainingJobs; t++) {
    const isolated = chance(0.6);
    out.trainingJobs.push({
      name: `train-${String(t).padStart(5, '0')}`,
      created: at(29 * rnd()),
      role: `arn:aws:iam::${account}:role/training`,
      // 20 repositories of 3 tags each in this account's ECR; every 10th job an AWS algorithm image
      image: t % 10 === 9 ? `683313688378.dkr.ecr.${region}.amazonaws.com/sagemaker-xgboost:1.7-1` : `${account}.dkr.ecr.${region}.amazonaws.com/train-${String(t % 20).padStart(2, '0')}:v${1 + (Math.floor(t / 20) % 3)}`,
      channels: [{ name: 'train', s3Uri: `s3://training-data/set-${t % 50}/` }],
      outputPath: 's3://ml-models/',
      ...(chance(0.7) ? { outputKmsKeyId: 'k', volumeKmsKeyId: 'k' } : {}),
      instanceType: 'ml.m5.xlarge',
      instances: chance(0.2) ? 2 : 1,
      ...(isolated ? { networkIsolation: true } : {}),
    });
  }
  addPipelines(out, account, region, o.trainingJobs, at);
  return out;
}

/**
 * Without the PRNG (so the rest stays as it was): one processing job per 10 training jobs, preparing
 * its data set (every other one keyed and isolated), and one pipeline per 50 training jobs, run twice
 * (the newest run: prep, train, register), every fifth never run.
 */
function addPipelines(out: Required<Pick<SageMakerRegionSeed, 'processingJobs' | 'pipelines' | 'trainingJobs'>>, account: string, region: string, trainingJobs: number, at: (daysBack: number) => string): void {
  for (let i = 0; i < Math.floor(trainingJobs / 10); i++) {
    const sealed = i % 2 === 0;
    out.processingJobs.push({
      name: `prep-${String(i).padStart(5, '0')}`,
      created: at(1 + (i % 28)),
      role: `arn:aws:iam::${account}:role/processing`,
      image: `${account}.dkr.ecr.${region}.amazonaws.com/prep:v1`,
      inputs: [{ name: 'raw', s3Uri: `s3://training-data/raw/set-${i % 50}/` }],
      outputs: [{ name: 'train', s3Uri: `s3://training-data/set-${i % 50}/` }],
      ...(sealed ? { outputKmsKeyId: 'k', volumeKmsKeyId: 'k', networkIsolation: true } : {}),
      instanceType: 'ml.m5.xlarge',
      instances: 1,
    });
  }
  for (let p = 0; p < Math.floor(trainingJobs / 50); p++) {
    const name = `pipeline-${String(p).padStart(4, '0')}`;
    const job = (k: string, n: number) => `${k}-${String(n).padStart(5, '0')}`;
    const run = (id: string, daysBack: number) => ({
      id,
      started: at(daysBack),
      steps: [
        { name: 'Prep', type: 'Processing' as const, started: at(daysBack), ref: job('prep', p % Math.max(1, out.processingJobs.length)) },
        { name: 'Train', type: 'Training' as const, started: at(daysBack - 0.01), ref: job('train', p) },
        { name: 'Register', type: 'RegisterModel' as const, started: at(daysBack - 0.02), ref: `arn:aws:sagemaker:${region}:${account}:model-package/model-${String(p).padStart(4, '0')}/1` },
      ],
    });
    out.pipelines.push({ name, created: at(60), role: `arn:aws:iam::${account}:role/pipelines`, ...(p % 5 === 4 ? {} : { executions: [run(`${p}a`, 20), run(`${p}b`, 2)] }) });
  }
}

/** One region's Bedrock: invocation logging to S3, custom models fine-tuned from the training-data bucket, most under a customer key. */
function bedrockRegion(account: string, region: string, n: number): BedrockRegionSeed {
  return {
    logging: { s3Config: { bucketName: 'inference-logs', keyPrefix: `bedrock/${region}/` }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: true },
    models: Array.from({ length: n }, (_, i) => ({
      modelName: `llm-${String(i).padStart(4, '0')}`,
      baseModelId: 'amazon.titan-text-express-v1',
      jobName: `tune-llm-${String(i).padStart(4, '0')}`,
      ...(i % 10 === 3 ? {} : { kmsKeyArn: `arn:aws:kms:${region}:${account}:key/bedrock` }),
      trainingS3Uri: `s3://training-data/llm/${i}/train.jsonl`,
      outputS3Uri: `s3://ml-models/llm/${i}/`,
      createdAt: new Date(Date.UTC(2025, 11, 1) + i * 60_000).toISOString(),
    })),
    runningJobs: [{ modelName: 'llm-next', baseModelId: 'amazon.titan-text-express-v1', jobName: 'tune-llm-next', trainingS3Uri: 's3://training-data/llm/next/', outputS3Uri: 's3://ml-models/llm/next/' }],
  };
}

/**
 * The account's buckets: the ones the generated lineage names (training-data, ml-models, ml-reports,
 * inference-logs), then data-NNNN up to `n`, most SSE-KMS under a per-bucket key, TLS-only, versioned;
 * and the KMS keys they and the generated ML resources name (most rotating). Its own PRNG.
 */
function dataStores(account: string, regions: string[], n: number, rnd: () => number): Pick<AwsAccountSeed, 's3' | 'kms'> {
  const chance = (p: number) => rnd() < p;
  const home = regions[0] ?? 'us-east-1';
  const named = ['training-data', 'ml-models', 'ml-reports', 'inference-logs'];
  const names = [...named, ...Array.from({ length: Math.max(0, n - named.length) }, (_, i) => `data-${String(i).padStart(4, '0')}`)].slice(0, Math.max(n, 0));
  const kms: Record<string, KmsKeySeed[]> = Object.fromEntries(regions.map((r) => [r, [{ id: 'bedrock', rotation: true }, { id: 'endpoints', rotation: chance(0.8) }, { id: 'k', rotation: true }]]));
  const buckets: S3BucketSeed[] = names.map((name, i) => {
    const keyed = chance(0.85);
    if (keyed) kms[home]!.push({ id: `bucket-${i}`, rotation: chance(0.9) });
    return {
      name,
      region: home,
      created: '2025-01-01T00:00:00Z',
      ...(keyed ? { encryption: { algorithm: 'aws:kms' as const, kmsKeyId: `arn:aws:kms:${home}:${account}:key/bucket-${i}`, bucketKey: true } } : {}),
      ...(chance(0.05) ? { publicAccessBlock: null } : {}),
      ...(chance(0.9) ? { policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] } } : {}),
      ...(chance(0.8) ? { versioning: 'Enabled' as const } : {}),
      ...(chance(0.5) ? { logging: { targetBucket: 'access-logs', targetPrefix: `${name}/` } } : {}),
    };
  });
  return { s3: { publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }, buckets }, kms };
}
