// The benchmark's synthetic companies (large, quick, and the mid-sized one behind the 365-day
// report), and what their data costs at the least: the fewest API calls each collector's data can
// be read with, and a lower bound on the wall time from latency, concurrency and rate limits.
// Everything here is computed from the seeds themselves, never from what a collector did.
import { generateAwsCompany, generateCloudTrail, generateMonitoring, type AwsSeed } from '../sandbox/aws/index.js';
import { generateMlflowCompany, type MlflowSeed } from '../sandbox/mlflow/index.js';
import { generateVertexCompany, type VertexSeed } from '../sandbox/vertex/index.js';
import { arnSuffix } from '../sandbox/aws/wire.js';
import { GLOBAL_EVENTS_REGION, WATCHED_EVENTS, type WatchedSource } from '../../collectors/aws-audit-trail/kinds.js';

/** The benchmark's AWS credentials (any key works with the sandbox; this one is registered on the account). */
export const ACCESS_KEY_ID = 'AKIABENCHBENCH000001';
export const SECRET_ACCESS_KEY = 'bench-secret-access-key';

export const AWS_REGIONS = ['us-east-1', 'eu-west-1', 'us-west-2'];
export const PRODUCTION_ALIASES_MLFLOW = ['champion', 'production'];
export const PRODUCTION_ALIASES_VERTEX = ['production', 'champion'];

export interface CompanySpec {
  name: string;
  aws: { roles: number; users: number; groups: number; policies: number; secrets: number; regions: string[] };
  mlflow: { models: number; versionsPerModel: number; productionShare: number };
  vertex: { models: number; versionsPerModel: number; endpoints: number };
  /** SageMaker in the home region only (the other regions have none); absent: no SageMaker anywhere */
  sagemaker?: { groups: number; packagesPerGroup: number; endpoints: number; trainingJobs: number };
  /** with sagemaker, in the home region: Bedrock custom models, and the account's S3 buckets (with their KMS keys) aws-data-stores reads (bench config: trainingDataBuckets ['*']) */
  mlData?: { bedrockModels: number; buckets: number };
  /**
   * with sagemaker: CloudTrail (trails, a day of management events in every region: the watched
   * changes at `changesScale` of the large company's, among `otherEventsPerRegion` other events) and
   * monitoring (alarms on the endpoints, backup plans over the buckets, the ECR images the jobs and
   * endpoints run); absent: neither
   */
  ops?: { changesScale: number; otherEventsPerRegion: number };
  /** services with an SLO on the real Prometheus (src/bench/prometheus.ts); absent: no Prometheus source */
  prometheus?: { services: number; lookbackDays: number };
}

export const LARGE: CompanySpec = {
  name: 'large',
  aws: { roles: 5000, users: 2000, groups: 500, policies: 20000, secrets: 5000, regions: AWS_REGIONS },
  mlflow: { models: 500, versionsPerModel: 40, productionShare: 0.6 },
  vertex: { models: 300, versionsPerModel: 10, endpoints: 50 },
  // issue 17: 100 groups × 30 packages, 200 endpoints, 5,000 training jobs in the look-back window
  sagemaker: { groups: 100, packagesPerGroup: 30, endpoints: 200, trainingJobs: 5000 },
  mlData: { bedrockModels: 400, buckets: 200 },
  // a busy day: ~1,400 watched changes (~1,000 of them IAM's) among 10,000 other events per region
  ops: { changesScale: 1, otherEventsPerRegion: 10_000 },
  prometheus: { services: 100, lookbackDays: 30 },
};

/** 1/20 of the large company (the same 40 versions per MLflow model), for CI. */
export const QUICK: CompanySpec = {
  name: 'quick (1/20)',
  aws: { roles: 250, users: 100, groups: 25, policies: 1000, secrets: 250, regions: AWS_REGIONS },
  mlflow: { models: 25, versionsPerModel: 40, productionShare: 0.6 },
  vertex: { models: 15, versionsPerModel: 10, endpoints: 5 },
  sagemaker: { groups: 5, packagesPerGroup: 30, endpoints: 10, trainingJobs: 250 },
  mlData: { bedrockModels: 20, buckets: 10 },
  // a twentieth of the changes; the history around them is still a working account's
  ops: { changesScale: 0.05, otherEventsPerRegion: 10_000 },
  // a week: promtool writes one block per 2 hours of history, so backfilling 31 days takes minutes
  prometheus: { services: 5, lookbackDays: 7 },
};

/** The company whose daily bundles feed the report benchmark. */
export const MID: CompanySpec = {
  name: 'mid-sized',
  aws: { roles: 200, users: 100, groups: 20, policies: 400, secrets: 150, regions: AWS_REGIONS.slice(0, 2) },
  mlflow: { models: 40, versionsPerModel: 10, productionShare: 0.6 },
  vertex: { models: 24, versionsPerModel: 5, endpoints: 8 },
};

export const TINY: CompanySpec = {
  name: 'small',
  aws: { roles: 40, users: 20, groups: 5, policies: 60, secrets: 20, regions: AWS_REGIONS.slice(0, 2) },
  mlflow: { models: 8, versionsPerModel: 5, productionShare: 0.6 },
  vertex: { models: 6, versionsPerModel: 3, endpoints: 3 },
};

export interface Company {
  spec: CompanySpec;
  aws: AwsSeed;
  mlflow: MlflowSeed;
  vertex: VertexSeed;
}

export function generateCompany(spec: CompanySpec): Company {
  const regions = spec.aws.regions;
  const perRegion = Math.ceil(spec.aws.secrets / regions.length);
  const aws = generateAwsCompany({
    roles: spec.aws.roles,
    users: spec.aws.users,
    groups: spec.aws.groups,
    policies: spec.aws.policies,
    secretsPerRegion: perRegion,
    regions,
    seed: 7,
  });
  // exactly spec.aws.secrets: the last regions give back the rounding
  let extra = perRegion * regions.length - spec.aws.secrets;
  for (let i = regions.length - 1; i >= 0 && extra > 0; i--, extra--) aws.accounts[0]!.secrets[regions[i]!]!.pop();
  // Spare the sandbox work that is not the API's: it resolves an unknown access key by deriving the
  // key ids of every seeded user (thousands of hashes per request), and derives each secret's ARN
  // suffix with a hash every time it builds a region's list (per request). Registering the key and
  // storing the very suffix it would derive changes nothing on the wire.
  for (const a of aws.accounts) {
    a.accessKeyIds = [...(a.accessKeyIds ?? []), ACCESS_KEY_ID];
    for (const [region, list] of Object.entries(a.secrets)) for (const s of list) s.arnSuffix ??= arnSuffix(`${a.id}:${region}:${s.name}`);
  }
  if (spec.sagemaker) addSageMaker(aws, spec.sagemaker, regions[0]!, spec.mlData);
  if (spec.sagemaker && spec.ops) addOperations(aws, spec.ops, regions);
  const mlflow = generateMlflowCompany({ models: spec.mlflow.models, versionsPerModel: spec.mlflow.versionsPerModel, productionShare: spec.mlflow.productionShare, seed: 7 });
  addMlflowBuckets(aws, mlflow, regions[0]!);
  const vertex = generateVertexCompany({ models: spec.vertex.models, versionsPerModel: spec.vertex.versionsPerModel, endpoints: spec.vertex.endpoints, locations: 1, seed: 7 });
  return { spec, aws, mlflow, vertex };
}

/**
 * The SageMaker account, in the home region only: generated with today as its "now" (the training
 * jobs are of the last 29 days, and the collector's look-back window ends at the real clock), with
 * nothing else of the company changed (its own generator run, its own PRNG).
 */
function addSageMaker(aws: AwsSeed, sm: NonNullable<CompanySpec['sagemaker']>, home: string, ml: CompanySpec['mlData']): void {
  const gen = generateAwsCompany({ roles: 0, users: 0, groups: 0, policies: 0, secretsPerRegion: 0, regions: [home], seed: 7, now: new Date().toISOString(), sagemaker: sm, bedrock: { models: ml?.bedrockModels ?? 0 }, dataStores: { buckets: ml?.buckets ?? 0 } });
  const g = gen.accounts[0]!;
  const a = aws.accounts[0]!;
  a.sagemaker = { [home]: g.sagemaker![home]! };
  if (g.bedrock) a.bedrock = g.bedrock;
  if (g.s3) a.s3 = g.s3;
  if (g.kms) a.kms = g.kms;
}

/** The S3 bucket names in a seed's `s3://` URIs (MLflow dataset sources, model version sources), sorted. */
export function s3BucketsNamed(seed: unknown): string[] {
  const names = new Set<string>();
  for (const m of JSON.stringify(seed).matchAll(/s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?=[/"])/g)) names.add(m[1]!);
  return [...names].sort();
}

/**
 * The buckets the company's MLflow names that its AWS account lacks, in the home region: without
 * them aws-data-stores records NoSuchBucket (correctly) and every bundle is partial. Encrypted with
 * a rotating key of their own, TLS-only, versioned: a healthy data store. Vertex's URIs are gs://
 * (Google's), SageMaker's and Bedrock's buckets come with their own generator (addSageMaker).
 */
function addMlflowBuckets(aws: AwsSeed, mlflow: MlflowSeed, home: string): void {
  const a = aws.accounts[0]!;
  const owned = new Set((a.s3?.buckets ?? []).map((b) => b.name));
  const missing = s3BucketsNamed(mlflow).filter((n) => !owned.has(n));
  if (!missing.length) return;
  a.s3 ??= { publicAccessBlock: { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }, buckets: [] };
  a.kms ??= {};
  const keys = (a.kms[home] ??= []);
  for (const name of missing) {
    keys.push({ id: `lineage-${name}`, rotation: true });
    a.s3.buckets.push({
      name,
      region: home,
      created: '2025-01-01T00:00:00Z',
      encryption: { algorithm: 'aws:kms', kmsKeyId: `arn:aws:kms:${home}:${a.id}:key/lineage-${name}`, bucketKey: true },
      policy: { Version: '2012-10-17', Statement: [{ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [`arn:aws:s3:::${name}`, `arn:aws:s3:::${name}/*`], Condition: { Bool: { 'aws:SecureTransport': 'false' } } }] },
      versioning: 'Enabled',
    });
  }
}

/** The account's trails, a day of its CloudTrail history, and its monitoring: derived from its SageMaker and buckets, dated by the real clock (the audit trail's window ends at it). */
function addOperations(aws: AwsSeed, ops: NonNullable<CompanySpec['ops']>, regions: string[]): void {
  const a = aws.accounts[0]!;
  const o = { regions, now: new Date().toISOString(), seed: 7, ...ops };
  a.cloudtrail = generateCloudTrail(a.id, o);
  a.monitoring = generateMonitoring(a, o);
}

/** Sizes that matter for the call counts, for results.json. */
export function describeCompany(c: Company): Record<string, unknown> {
  const a = c.aws.accounts[0]!;
  return {
    name: c.spec.name,
    aws: {
      users: a.iam.users.length,
      groups: a.iam.groups.length,
      roles: a.iam.roles.length,
      managedPolicies: a.iam.managedPolicies.length,
      secretsPerRegion: Object.fromEntries(Object.entries(a.secrets).map(([r, s]) => [r, s.length])),
      sagemaker: Object.fromEntries(
        Object.entries(a.sagemaker ?? {}).map(([r, x]) => [r, { modelPackageGroups: x.modelPackageGroups?.length ?? 0, modelPackages: x.modelPackages?.length ?? 0, endpoints: x.endpoints?.length ?? 0, monitoringSchedules: x.monitoringSchedules?.length ?? 0, trainingJobs: x.trainingJobs?.length ?? 0, processingJobs: x.processingJobs?.length ?? 0, pipelines: x.pipelines?.length ?? 0 }]),
      ),
      ...(a.cloudtrail ? { cloudtrail: { trails: a.cloudtrail.trails?.length ?? 0, eventsPerRegion: Object.fromEntries(Object.entries(a.cloudtrail.events ?? {}).map(([r, e]) => [r, e.length])) } } : {}),
      ...(a.monitoring
        ? { monitoring: Object.fromEntries(Object.entries(a.monitoring).map(([r, m]) => [r, { alarms: m.alarms?.length ?? 0, backupPlans: m.backupPlans?.length ?? 0, backupSelections: (m.backupPlans ?? []).reduce((n, p) => n + (p.selections?.length ?? 0), 0), ecrImages: m.images?.length ?? 0 }])) }
        : {}),
    },
    mlflow: { registeredModels: c.mlflow.registeredModels.length, modelVersions: c.mlflow.modelVersions.length, runs: c.mlflow.runs.length, experiments: c.mlflow.experiments.length },
    ...(c.spec.prometheus ? { prometheus: { services: c.spec.prometheus.services, lookbackDays: c.spec.prometheus.lookbackDays, historyDays: c.spec.prometheus.lookbackDays + 1, sampleSeconds: 900 } } : {}),
    vertex: {
      models: c.vertex.models.length,
      versions: c.vertex.models.reduce((n, m) => n + m.versions.length, 0),
      endpoints: c.vertex.endpoints.length,
      locations: c.vertex.locations,
    },
  };
}

// ───────────────────────────── rate limits (what the sandboxes enforce) ─────────────────────────────

/**
 * Requests per second, per account (IAM: global; Secrets Manager: per region, through the regional
 * front) — beyond them the sandbox answers the service's own throttling error (`Throttling` for
 * IAM/STS, `ThrottlingException` for Secrets Manager). Secrets Manager's are AWS's published quotas;
 * IAM publishes none, so these are conservative values of the order seen in practice.
 */
export const AWS_RATE_LIMITS: Record<string, number> = {
  'iam:GetAccountAuthorizationDetails': 5,
  'iam:GenerateCredentialReport': 2,
  'iam:GetCredentialReport': 5,
  'iam:GetAccountPasswordPolicy': 20,
  'iam:GetAccountSummary': 20,
  'iam:ListVirtualMFADevices': 20,
  'iam:ListSAMLProviders': 20,
  'iam:ListOpenIDConnectProviders': 20,
  'sts:GetCallerIdentity': 100,
  // published: "Combined rate of DeleteResourcePolicy, GetResourcePolicy, PutResourcePolicy and ValidateResourcePolicy: 50 per second" (per region, not adjustable)
  'secretsmanager:GetResourcePolicy': 50,
  // published: ListSecrets 100 per second; DescribeSecret 10,000 per second (with GetSecretValue)
  'secretsmanager:ListSecrets': 100,
  'secretsmanager:DescribeSecret': 10000,
  // SageMaker, per account and region (awsJson ThrottlingException). AWS's General Reference page
  // "Amazon SageMaker AI endpoints and quotas" (docs.aws.amazon.com/general/latest/gr/sagemaker.html)
  // and the SageMaker quota pages say the control-plane API throttling limits are per account and
  // region and not adjustable, but print no per-API figure; the one figure found stated is Service
  // Quotas' "Rate of ListTrainingJobs requests": 2 per second, not adjustable (quoted in
  // aws-solutions/deepracer-on-aws#87, 2026). The others are conservative values of the order seen
  // in practice: 10/s for listings, 20/s for each Describe/Get (the collectors' default pace,
  // describeCallsPerSecond, is 20 per second for all their describes together).
  // published: LookupEvents 2 per second per account and region, not adjustable (the sandbox enforces it by default too)
  'cloudtrail:LookupEvents': 2,
  'sagemaker:ListTrainingJobs': 2,
  'sagemaker:ListModelPackageGroups': 10,
  'sagemaker:ListModelPackages': 10,
  'sagemaker:ListEndpoints': 10,
  'sagemaker:ListMonitoringSchedules': 10,
  'sagemaker:ListNotebookInstances': 10,
  'sagemaker:ListDomains': 10,
  'sagemaker:GetModelPackageGroupPolicy': 20,
  'sagemaker:DescribeModelPackage': 20,
  'sagemaker:DescribeEndpoint': 20,
  'sagemaker:DescribeEndpointConfig': 20,
  'sagemaker:DescribeModel': 20,
  'sagemaker:DescribeTrainingJob': 20,
  'sagemaker:DescribeNotebookInstance': 20,
  'sagemaker:DescribeDomain': 20,
  'sagemaker:ListProcessingJobs': 10,
  'sagemaker:ListPipelines': 10,
  'sagemaker:ListPipelineExecutions': 10,
  'sagemaker:ListPipelineExecutionSteps': 10,
  'sagemaker:DescribeProcessingJob': 20,
};

/** The SageMaker collectors' default `describeCallsPerSecond` (collectors/_shared/sagemaker.ts): one pace for all of a collector's describes in a region. */
export const SAGEMAKER_DESCRIBE_PACE = 20;
/** sagemaker-training's default `lookbackDays`. */
export const SAGEMAKER_LOOKBACK_DAYS = 30;

/** The MLflow sandbox's one limiter: requests per rolling second for the whole server (429 REQUEST_LIMIT_EXCEEDED). */
export const MLFLOW_RATE_LIMIT = 20;

/** Token bucket burst of the AWS sandbox: as many tokens as the rate. */
const burstOf = (rate: number) => Math.max(1, rate);

// ───────────────────────────── minimum calls and lower bounds ─────────────────────────────

export interface CostTerm {
  what: string;
  ms: number;
}

export interface CollectorCost {
  id: string;
  /** the fewest calls the API allows for this data, by API */
  minimum: Record<string, number>;
  minimumTotal: number;
  /** how the minimum was derived */
  minimumNote: string;
  /** lower bound on wall time (ms): the largest of the terms */
  lowerBoundMs: number;
  terms: CostTerm[];
}

const ceil = (a: number, b: number) => Math.ceil(a / b);
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

function finish(id: string, minimum: Record<string, number>, minimumNote: string, terms: CostTerm[]): CollectorCost {
  const lowerBoundMs = Math.max(0, ...terms.map((t) => t.ms));
  return { id, minimum, minimumTotal: sum(Object.values(minimum)), minimumNote, lowerBoundMs: Math.round(lowerBoundMs), terms: terms.map((t) => ({ ...t, ms: Math.round(t.ms) })) };
}

/** Time for n calls of one API through a token bucket of `rate`/s (full at the start), the last one answered after `latency`. */
function rateTerm(n: number, rate: number | undefined, latency: number): number {
  if (!rate || n <= 0) return 0;
  return (Math.max(0, n - burstOf(rate)) / rate) * 1000 + latency;
}

export interface CostParams {
  latencyMs: number;
  /** the config's `concurrency`: collector runs at once, and each collector's own pool */
  concurrency: number;
}

export function iamCost(seed: AwsSeed, p: CostParams): CollectorCost {
  const iam = seed.accounts[0]!.iam;
  const entities = iam.users.length + iam.groups.length + iam.roles.length + iam.managedPolicies.length;
  const mfa = iam.virtualMfaDevices?.length ?? iam.users.filter((u) => u.mfa).length + (iam.root.mfa ? 1 : 0);
  const gaad = ceil(entities, 1000);
  const mfaPages = Math.max(1, ceil(mfa, 1000));
  const minimum = {
    'iam:GetAccountAuthorizationDetails': gaad,
    'iam:GenerateCredentialReport': 1,
    'iam:GetCredentialReport': 1,
    'iam:GetAccountPasswordPolicy': 1,
    'iam:GetAccountSummary': 1,
    'iam:ListVirtualMFADevices': mfaPages,
    'iam:ListSAMLProviders': 1,
    'iam:ListOpenIDConnectProviders': 1,
  };
  const L = p.latencyMs;
  return finish(
    'aws-iam',
    minimum,
    `⌈${entities} entities / 1000⌉ authorization-details pages + ⌈${mfa} MFA devices / 1000⌉ + 6 single calls (one GenerateCredentialReport: a report that is ready at once)`,
    [
      { what: `${gaad} GetAccountAuthorizationDetails pages in sequence × ${L} ms`, ms: gaad * L },
      { what: `${gaad} GetAccountAuthorizationDetails at ${AWS_RATE_LIMITS['iam:GetAccountAuthorizationDetails']}/s (burst ${burstOf(AWS_RATE_LIMITS['iam:GetAccountAuthorizationDetails']!)})`, ms: rateTerm(gaad, AWS_RATE_LIMITS['iam:GetAccountAuthorizationDetails'], L) },
      { what: `credential report: generate, poll, get in sequence × ${L} ms`, ms: 3 * L },
    ],
  );
}

export function secretsCost(seed: AwsSeed, regions: string[], p: CostParams): CollectorCost {
  const a = seed.accounts[0]!;
  const L = p.latencyMs;
  const pool = Math.min(16, Math.max(1, p.concurrency));
  const minimum: Record<string, number> = { 'secretsmanager:ListSecrets': 0, 'secretsmanager:GetResourcePolicy': 0, 'secretsmanager:DescribeSecret': 0 };
  const terms: CostTerm[] = [];
  const perRegion: string[] = [];
  for (const r of regions) {
    const own = a.secrets[r] ?? [];
    const replicas = Object.values(a.secrets).flat().filter((s) => s.replication?.some((x) => x.region === r));
    const n = own.length + replicas.length;
    const replicated = own.filter((s) => s.replication?.length).length + replicas.length;
    const pages = Math.max(1, ceil(n, 100));
    minimum['secretsmanager:ListSecrets']! += pages;
    minimum['secretsmanager:GetResourcePolicy']! += n;
    minimum['secretsmanager:DescribeSecret']! += replicated;
    perRegion.push(`${r}: ⌈${n}/100⌉ + ${n}${replicated ? ` + ${replicated}` : ''}`);
    terms.push(
      { what: `${r}: ${pages} ListSecrets pages in sequence × ${L} ms`, ms: pages * L },
      { what: `${r}: ${n} GetResourcePolicy through a pool of ${pool} × ${L} ms`, ms: (1 + ceil(n + replicated, pool)) * L },
      { what: `${r}: ${n} GetResourcePolicy at ${AWS_RATE_LIMITS['secretsmanager:GetResourcePolicy']}/s per region (burst ${burstOf(AWS_RATE_LIMITS['secretsmanager:GetResourcePolicy']!)})`, ms: rateTerm(n, AWS_RATE_LIMITS['secretsmanager:GetResourcePolicy'], L) },
    );
  }
  return finish('aws-secrets-manager', minimum, `per region ⌈secrets/100⌉ ListSecrets pages + one GetResourcePolicy per secret + one DescribeSecret per replicated secret (${perRegion.join('; ')}); regions run in parallel`, terms);
}

function mlflowProductionOrStaging(seed: MlflowSeed): Set<string> {
  const aliases = new Map<string, Set<string>>();
  for (const m of seed.registeredModels) for (const a of m.aliases) if (PRODUCTION_ALIASES_MLFLOW.includes(a.alias)) (aliases.get(m.name) ?? aliases.set(m.name, new Set()).get(m.name)!).add(a.version);
  const runIds = new Set<string>();
  for (const v of seed.modelVersions) {
    const inScope = v.current_stage === 'Production' || v.current_stage === 'Staging' || aliases.get(v.name)?.has(v.version);
    if (inScope && v.run_id) runIds.add(v.run_id);
  }
  return runIds;
}

function mlflowRateTerm(calls: number, L: number): CostTerm {
  return { what: `${calls} calls at ${MLFLOW_RATE_LIMIT}/s (rolling second)`, ms: calls > MLFLOW_RATE_LIMIT ? ((calls - MLFLOW_RATE_LIMIT) / MLFLOW_RATE_LIMIT) * 1000 + L : 0 };
}

/** MLflow's own caps on max_results: registered-models 1,000, model-versions 200,000, experiments 50,000. */
export function mlflowRegistryCost(seed: MlflowSeed, p: CostParams): CollectorCost {
  const rm = Math.max(1, ceil(seed.registeredModels.length, 1000));
  const mv = Math.max(1, ceil(seed.modelVersions.length, 200_000));
  // + one page each of the prompt listings (prompts are hidden from the default searches) and the
  // source's one question whether the server is multi-tenant (GET workspaces)
  const minimum = { workspaces: 1, 'registered-models/search': rm + 1, 'model-versions/search': mv + 1, webhooks: 1, 'registry-webhooks/list': 1, 'transition-requests/list': 1 };
  const L = p.latencyMs;
  return finish(
    'mlflow-registry',
    minimum,
    `⌈${seed.registeredModels.length}/1000⌉ registered-models pages + ⌈${seed.modelVersions.length}/200,000⌉ model-versions pages (MLflow's max_results caps) + 2 prompt listings + 1 workspace probe + 3 single calls that answer "not supported" on open-source MLflow`,
    [
      { what: `longest chain: ${Math.max(rm, mv + 1)} calls in sequence × ${L} ms`, ms: Math.max(rm, mv + 1) * L },
      mlflowRateTerm(sum(Object.values(minimum)), L),
    ],
  );
}

export function mlflowLineageCost(seed: MlflowSeed, p: CostParams): CollectorCost {
  const rm = Math.max(1, ceil(seed.registeredModels.length, 1000));
  const mv = Math.max(1, ceil(seed.modelVersions.length, 200_000));
  const ex = Math.max(1, ceil(seed.experiments.length, 50_000));
  const runs = mlflowProductionOrStaging(seed).size;
  const batches = ceil(runs, 100) * Math.max(1, ceil(seed.experiments.length, 100));
  // measured alone (--only): it lists the registry itself; run with mlflow-registry it reads that one's artifacts instead
  const minimum = { workspaces: 1, 'registered-models/search': rm, 'model-versions/search': mv, 'experiments/search': ex, 'runs/search': batches };
  const L = p.latencyMs;
  return finish(
    'mlflow-lineage',
    minimum,
    `alone: the workspace probe and the registry listings (max_results caps as for the registry), + ⌈${runs} in-scope runs / 100 run ids per filter⌉ × ⌈${seed.experiments.length} experiments / 100⌉ runs/search calls`,
    [
      { what: `listings (${Math.max(rm, mv, ex)} in sequence) then ${batches} runs/search through a pool of ${p.concurrency}, × ${L} ms`, ms: (Math.max(rm, mv, ex) + ceil(batches, p.concurrency)) * L },
      mlflowRateTerm(sum(Object.values(minimum)), L),
    ],
  );
}

function vertexVersions(seed: VertexSeed) {
  return seed.models.flatMap((m) => m.versions.map((v) => ({ m, v })));
}

/** Vertex pages hold at most 1,000 items (the sandbox's cap, as Vertex AI's list methods). */
export function vertexRegistryCost(seed: VertexSeed, p: CostParams): CollectorCost {
  const L = p.latencyMs;
  const perLocation = seed.locations.map((loc) => seed.models.filter((m) => m.location === loc));
  const lm = sum(perLocation.map((ms) => Math.max(1, ceil(ms.length, 1000))));
  const lmv = sum(seed.models.map((m) => Math.max(1, ceil(m.versions.length, 1000))));
  const minimum = { 'ModelService.ListModels': lm, 'ModelService.ListModelVersions': lmv };
  const busiest = Math.max(0, ...perLocation.map((ms) => sum(ms.map((m) => Math.max(1, ceil(m.versions.length, 1000))))));
  return finish('vertex-registry', minimum, `⌈models/1000⌉ ListModels pages per location + one ListModelVersions per model (≤ 1,000 versions)`, [
    { what: `first ListModels page, then ${busiest} ListModelVersions through a pool of ${p.concurrency}, × ${L} ms (locations in parallel)`, ms: (1 + ceil(busiest, p.concurrency)) * L },
  ]);
}

export function vertexLineageCost(seed: VertexSeed, p: CostParams): CollectorCost {
  const L = p.latencyMs;
  const prod = vertexVersions(seed).filter(({ v }) => v.aliases.some((a) => PRODUCTION_ALIASES_VERTEX.includes(a)));
  const q = prod.filter(({ v }) => v.metadataArtifactId).length;
  const pipelines = new Set(prod.map(({ v }) => v.trainingPipelineId).filter((x): x is string => !!x));
  const datasets = new Set(seed.trainingPipelines.filter((t) => pipelines.has(t.id) && t.datasetId).map((t) => t.datasetId));
  const lm = sum(seed.locations.map((loc) => Math.max(1, ceil(seed.models.filter((m) => m.location === loc).length, 1000))));
  const lmv = sum(seed.models.map((m) => Math.max(1, ceil(m.versions.length, 1000))));
  const minimum = {
    'ModelService.ListModels': lm,
    'ModelService.ListModelVersions': lmv,
    'MetadataService.QueryArtifactLineageSubgraph': q,
    'PipelineService.GetTrainingPipeline': pipelines.size,
    'DatasetService.GetDataset': datasets.size,
  };
  const fanout = lmv + q + pipelines.size + datasets.size;
  return finish(
    'vertex-lineage',
    minimum,
    `registry listing as vertex-registry, + one lineage query per production version with a metadata artifact (${q}), one GetTrainingPipeline per distinct pipeline (${pipelines.size}) and one GetDataset per distinct dataset (${datasets.size}) of the ${prod.length} production versions`,
    [
      { what: `chain ListModels → ListModelVersions → GetTrainingPipeline → GetDataset × ${L} ms`, ms: 4 * L },
      { what: `${fanout} dependent calls through a pool of ${p.concurrency} after the first page, × ${L} ms`, ms: (1 + ceil(fanout, p.concurrency)) * L },
    ],
  );
}

export function vertexEndpointsCost(seed: VertexSeed, p: CostParams): CollectorCost {
  const L = p.latencyMs;
  const le = sum(seed.locations.map((loc) => Math.max(1, ceil(seed.endpoints.filter((e) => e.location === loc).length, 1000))));
  const deployed = new Set(seed.endpoints.flatMap((e) => e.deployedModels.map((d) => `${e.location}/${d.modelId}`)));
  const versionsOf = new Map(seed.models.map((m) => [`${m.location}/${m.id}`, m.versions.length]));
  const lmv = sum([...deployed].map((k) => Math.max(1, ceil(versionsOf.get(k) ?? 1, 1000))));
  const minimum = { 'EndpointService.ListEndpoints': le, 'ModelService.ListModelVersions': lmv };
  return finish('vertex-endpoints', minimum, `⌈endpoints/1000⌉ ListEndpoints pages per location + one ListModelVersions per distinct deployed model (${deployed.size})`, [
    { what: `ListEndpoints, then ${lmv} ListModelVersions through a pool of ${p.concurrency}, × ${L} ms`, ms: (1 + ceil(lmv, p.concurrency)) * L },
  ]);
}

// ───────────────────────────── SageMaker (per account × region, regions in parallel) ─────────────────────────────

/** Pages of a SageMaker listing at MaxResults 100: an empty listing still takes one call. */
const smPages = (n: number) => Math.max(1, ceil(n, 100));

/**
 * The terms every SageMaker collector shares: per region, its listings in sequence, its describes
 * at the API's rate limits, and at the collector's own pace (one limiter for all its describes).
 */
function sageMakerTerms(region: string, lists: Record<string, number>, describes: Record<string, number>, L: number): CostTerm[] {
  const listCalls = sum(Object.values(lists));
  const describeCalls = sum(Object.values(describes));
  const terms: CostTerm[] = [{ what: `${region}: ${listCalls} listing pages in sequence × ${L} ms`, ms: listCalls * L }];
  if (describeCalls > 0) terms.push({ what: `${region}: ${describeCalls} Describe/Get at the collector's default describeCallsPerSecond ${SAGEMAKER_DESCRIBE_PACE}/s (evenly spaced)`, ms: ((describeCalls - 1) / SAGEMAKER_DESCRIBE_PACE) * 1000 + L });
  for (const [api, n] of Object.entries({ ...lists, ...describes })) {
    const rate = AWS_RATE_LIMITS[api];
    if (rate && n > burstOf(rate)) terms.push({ what: `${region}: ${n} ${api.slice('sagemaker:'.length)} at ${rate}/s (burst ${burstOf(rate)})`, ms: rateTerm(n, rate, L) });
  }
  return terms;
}

function addTo(total: Record<string, number>, part: Record<string, number>): void {
  for (const [k, v] of Object.entries(part)) total[k] = (total[k] ?? 0) + v;
}

const smRegion = (seed: AwsSeed, region: string) => seed.accounts[0]!.sagemaker?.[region] ?? {};

/** ListModelPackageGroups, one policy per group, one listing of every versioned package, one DescribeModelPackage per package. */
export function sagemakerRegistryCost(seed: AwsSeed, regions: string[], p: CostParams): CollectorCost {
  const minimum: Record<string, number> = {};
  const terms: CostTerm[] = [];
  const per: string[] = [];
  for (const r of regions) {
    const sm = smRegion(seed, r);
    const g = sm.modelPackageGroups?.length ?? 0;
    const pk = sm.modelPackages?.length ?? 0;
    const lists = { 'sagemaker:ListModelPackageGroups': smPages(g), 'sagemaker:ListModelPackages': smPages(pk) };
    const describes = { 'sagemaker:GetModelPackageGroupPolicy': g, 'sagemaker:DescribeModelPackage': pk };
    addTo(minimum, { ...lists, ...describes });
    terms.push(...sageMakerTerms(r, lists, describes, p.latencyMs));
    per.push(`${r}: ⌈${g}/100⌉ + ${g} + ⌈${pk}/100⌉ + ${pk}`);
  }
  return finish(
    'sagemaker-registry',
    minimum,
    `per region ⌈groups/100⌉ ListModelPackageGroups pages + one GetModelPackageGroupPolicy per group + ⌈packages/100⌉ pages of one ListModelPackages over every group and status + one DescribeModelPackage per package (the summaries carry neither the policy nor CreatedBy, LastModifiedBy, metrics) (${per.join('; ')}); regions run in parallel`,
    terms,
  );
}

/** ListMonitoringSchedules, ListEndpoints, one DescribeEndpoint per endpoint, one DescribeEndpointConfig per distinct config, one DescribeModel per distinct model. */
export function sagemakerEndpointsCost(seed: AwsSeed, regions: string[], p: CostParams): CollectorCost {
  const minimum: Record<string, number> = {};
  const terms: CostTerm[] = [];
  const per: string[] = [];
  for (const r of regions) {
    const sm = smRegion(seed, r);
    const endpoints = sm.endpoints ?? [];
    const configNames = new Set(endpoints.map((e) => e.config));
    const configs = (sm.endpointConfigs ?? []).filter((c) => configNames.has(c.name));
    const models = new Set(configs.flatMap((c) => c.variants.map((v) => v.model)));
    const lists = { 'sagemaker:ListMonitoringSchedules': smPages(sm.monitoringSchedules?.length ?? 0), 'sagemaker:ListEndpoints': smPages(endpoints.length) };
    const describes = { 'sagemaker:DescribeEndpoint': endpoints.length, 'sagemaker:DescribeEndpointConfig': configs.length, 'sagemaker:DescribeModel': models.size };
    addTo(minimum, { ...lists, ...describes });
    terms.push(...sageMakerTerms(r, lists, describes, p.latencyMs));
    per.push(`${r}: ${lists['sagemaker:ListMonitoringSchedules']} + ${lists['sagemaker:ListEndpoints']} + ${endpoints.length} + ${configs.length} + ${models.size}`);
  }
  return finish(
    'sagemaker-endpoints',
    minimum,
    `per region ⌈schedules/100⌉ ListMonitoringSchedules + ⌈endpoints/100⌉ ListEndpoints pages + one DescribeEndpoint per endpoint + one DescribeEndpointConfig per distinct config + one DescribeModel per distinct model (capture, variants, KMS and the served package are in none of the summaries) (${per.join('; ')}); regions run in parallel`,
    terms,
  );
}

/**
 * Training and processing jobs of the look-back window, notebook instances and Studio domains: each
 * listing to its end with one describe per item; every pipeline with one ListPipelineExecutions (its
 * newest run) and that run's steps to the last page (both at the describe pace).
 */
export function sagemakerTrainingCost(seed: AwsSeed, regions: string[], p: CostParams, nowMs = Date.now()): CollectorCost {
  const minimum: Record<string, number> = {};
  const terms: CostTerm[] = [];
  const per: string[] = [];
  const after = nowMs - SAGEMAKER_LOOKBACK_DAYS * 86_400_000;
  for (const r of regions) {
    const sm = smRegion(seed, r);
    const jobs = (sm.trainingJobs ?? []).filter((j) => Date.parse(j.created) > after).length;
    const proc = (sm.processingJobs ?? []).filter((j) => Date.parse(j.created) > after).length;
    const pl = sm.pipelines ?? [];
    const newest = pl.map((x) => [...(x.executions ?? [])].sort((a, b) => Date.parse(b.started) - Date.parse(a.started))[0]);
    const steps = sum(newest.map((e) => (e ? smPages(e.steps.length) : 0)));
    const nb = sm.notebookInstances?.length ?? 0;
    const dom = sm.domains?.length ?? 0;
    const lists = { 'sagemaker:ListTrainingJobs': smPages(jobs), 'sagemaker:ListProcessingJobs': smPages(proc), 'sagemaker:ListPipelines': smPages(pl.length), 'sagemaker:ListNotebookInstances': smPages(nb), 'sagemaker:ListDomains': smPages(dom) };
    const describes = { 'sagemaker:DescribeTrainingJob': jobs, 'sagemaker:DescribeProcessingJob': proc, 'sagemaker:ListPipelineExecutions': pl.length, 'sagemaker:ListPipelineExecutionSteps': steps, 'sagemaker:DescribeNotebookInstance': nb, 'sagemaker:DescribeDomain': dom };
    addTo(minimum, { ...lists, ...describes });
    terms.push(...sageMakerTerms(r, lists, describes, p.latencyMs));
    per.push(`${r}: ⌈${jobs}/100⌉ + ${jobs} + ⌈${proc}/100⌉ + ${proc} + ⌈${pl.length}/100⌉ + ${pl.length} + ${steps} + ⌈${nb}/100⌉ + ${nb} + ⌈${dom}/100⌉ + ${dom}`);
  }
  return finish(
    'sagemaker-training',
    minimum,
    `per region ⌈jobs in the ${SAGEMAKER_LOOKBACK_DAYS}-day window/100⌉ ListTrainingJobs pages + one DescribeTrainingJob per job, the same for processing jobs, notebook instances and Studio domains (channels, inputs, KMS, VPC, isolation are in no summary), ⌈pipelines/100⌉ ListPipelines + one ListPipelineExecutions (MaxResults 1) per pipeline + ⌈steps/100⌉ ListPipelineExecutionSteps for each newest run (${per.join('; ')}); regions run in parallel`,
    terms,
  );
}

/** bedrock's default getCallsPerSecond (collectors/bedrock/index.ts): one pace for its Gets in a region. */
export const BEDROCK_GET_PACE = 10;
/** aws-data-stores' pool (collectors/aws-data-stores/collect.ts MAX_POOL), bounded by the config's concurrency. */
const DATA_STORES_POOL = 8;

/** Per region: the logging configuration, both listings at 100 per page, one Get per custom model and per customization job. */
export function bedrockCost(seed: AwsSeed, regions: string[], p: CostParams): CollectorCost {
  const minimum: Record<string, number> = {};
  const terms: CostTerm[] = [];
  const per: string[] = [];
  for (const r of regions) {
    const br = seed.accounts[0]!.bedrock?.[r];
    const models = br?.models.length ?? 0;
    const jobs = models + (br?.runningJobs?.length ?? 0);
    const lists = { 'bedrock:GetModelInvocationLoggingConfiguration': 1, 'bedrock:ListCustomModels': smPages(models), 'bedrock:ListModelCustomizationJobs': smPages(jobs) };
    const gets = { 'bedrock:GetCustomModel': models, 'bedrock:GetModelCustomizationJob': jobs };
    addTo(minimum, { ...lists, ...gets });
    const listCalls = sum(Object.values(lists));
    terms.push({ what: `${r}: ${listCalls} calls in sequence × ${p.latencyMs} ms`, ms: listCalls * p.latencyMs });
    if (models + jobs > 0) terms.push({ what: `${r}: ${models + jobs} Gets at the collector's default getCallsPerSecond ${BEDROCK_GET_PACE}/s`, ms: ((models + jobs - 1) / BEDROCK_GET_PACE) * 1000 + p.latencyMs });
    per.push(`${r}: 1 + ⌈${models}/100⌉ + ${models} + ⌈${jobs}/100⌉ + ${jobs}`);
  }
  return finish('bedrock', minimum, `per region 1 GetModelInvocationLoggingConfiguration + ⌈models/100⌉ ListCustomModels + one GetCustomModel per model + ⌈jobs/100⌉ ListModelCustomizationJobs + one GetModelCustomizationJob per job (the summaries carry neither the KMS key nor the data locations) (${per.join('; ')}); regions run in parallel`, terms);
}

/** ListBuckets (1,000 per page), the account's public access block, six Gets per bucket, and per distinct customer key DescribeKey, GetKeyRotationStatus, GetKeyPolicy. */
export function dataStoresCost(seed: AwsSeed, p: CostParams): CollectorCost {
  const a = seed.accounts[0]!;
  const buckets = a.s3?.buckets ?? [];
  const keys = new Set(buckets.flatMap((b) => (b.encryption?.kmsKeyId ? [b.encryption.kmsKeyId] : [])));
  const B = buckets.length;
  const K = keys.size;
  const minimum: Record<string, number> = {
    's3:ListBuckets': Math.max(1, ceil(B, 1000)),
    's3control:GetAccountPublicAccessBlock': 1,
    ...Object.fromEntries(['GetBucketEncryption', 'GetPublicAccessBlock', 'GetBucketPolicy', 'GetBucketVersioning', 'GetObjectLockConfiguration', 'GetBucketLogging'].map((x) => [`s3:${x}`, B])),
    'kms:DescribeKey': K,
    'kms:GetKeyRotationStatus': K,
    'kms:GetKeyPolicy': K,
  };
  const pool = Math.max(1, Math.min(DATA_STORES_POOL, p.concurrency));
  // per bucket its six Gets go out together; per key DescribeKey, then the two others together
  const terms: CostTerm[] = [
    { what: `ListBuckets and the account block, then ⌈${B} buckets / pool ${pool}⌉ rounds of six parallel Gets, then ⌈${K} keys / ${pool}⌉ rounds of DescribeKey + two parallel Gets, × ${p.latencyMs} ms`, ms: (minimum['s3:ListBuckets']! + 1 + ceil(B, pool) + 2 * ceil(K, pool)) * p.latencyMs },
  ];
  return finish('aws-data-stores', minimum, `⌈${B} buckets/1000⌉ ListBuckets + 1 s3control GetPublicAccessBlock + 6 Gets per bucket (encryption, public access block, policy, versioning, Object Lock, logging: no listing tells any) + 3 per distinct customer key of the buckets (${K}); the bench names every bucket through trainingDataBuckets ['*']`, terms);
}

// ───────────────────────────── CloudTrail and monitoring (per account; per account × region) ─────────────────────────────

/** The bench config's aws-audit-trail window: a daily bundle's day (lookbackDays 1), ending settleMinutes before the collection. */
export const AUDIT_LOOKBACK_DAYS = 1;
export const AUDIT_SETTLE_MINUTES = 15;
/** LookupEvents' largest page. */
const LOOKUP_PAGE = 50;
const lookupPages = (n: number) => Math.max(1, ceil(n, LOOKUP_PAGE));

/**
 * The fewest LookupEvents calls that return every watched event of one region's window. A call takes
 * one lookup attribute, so the choices are: one query per event name (events of that name from other
 * services come along), one per event source (every read of the service too), or one ReadOnly=false
 * query (every write of every service); per source the cheaper of the first two, for the region the
 * cheaper of that sum and the third.
 */
function lookupMinimum(events: { name: string; source: string; readOnly?: boolean }[], sources: WatchedSource[]): { calls: number; how: string } {
  const byName = new Map<string, number>();
  const bySource = new Map<string, number>();
  let writes = 0;
  for (const e of events) {
    byName.set(e.name, (byName.get(e.name) ?? 0) + 1);
    bySource.set(e.source, (bySource.get(e.source) ?? 0) + 1);
    if (!e.readOnly) writes++;
  }
  let perSourceBest = 0;
  const parts: string[] = [];
  for (const s of sources) {
    const names = sum(WATCHED_EVENTS[s].map((n) => lookupPages(byName.get(n) ?? 0)));
    const source = lookupPages(bySource.get(s) ?? 0);
    perSourceBest += Math.min(names, source);
    parts.push(`${s.split('.')[0]} ${names <= source ? `${names} by EventName (${source} by EventSource)` : `${source} by EventSource (${names} by EventName)`}`);
  }
  const readOnly = lookupPages(writes);
  return perSourceBest <= readOnly ? { calls: perSourceBest, how: `${parts.join(', ')}; ReadOnly=false ${readOnly}` } : { calls: readOnly, how: `ReadOnly=false ${readOnly} (${parts.join(', ')})` };
}

/** aws-audit-trail's pace: LookupEvents starts evenly spaced at lookupCallsPerSecond (default 2, CloudTrail's quota per account and region). */
export const LOOKUP_PACE = 2;

/**
 * DescribeTrails in every configured region, GetTrailStatus and GetEventSelectors per distinct trail
 * they see, and per region the fewest LookupEvents calls that return the window's watched events.
 */
export function auditTrailCost(seed: AwsSeed, regions: string[], p: CostParams, nowMs = Date.now()): CollectorCost {
  const a = seed.accounts[0]!;
  const trails = (a.cloudtrail?.trails ?? []).filter((t) => regions.includes(t.homeRegion) || t.multiRegion).length;
  const to = nowMs - AUDIT_SETTLE_MINUTES * 60_000;
  const from = to - AUDIT_LOOKBACK_DAYS * 86_400_000;
  // the watched events (what the evidence is) by the service that records them; IAM's only where CloudTrail records a global service's
  const regional: WatchedSource[] = ['sagemaker.amazonaws.com', 'secretsmanager.amazonaws.com'];
  const plan = regions.map((r) => ({ region: r, sources: [...regional, ...(r === GLOBAL_EVENTS_REGION ? (['iam.amazonaws.com'] as const) : [])] }));
  if (!regions.includes(GLOBAL_EVENTS_REGION)) plan.push({ region: GLOBAL_EVENTS_REGION, sources: ['iam.amazonaws.com'] });
  const L = p.latencyMs;
  const terms: CostTerm[] = [{ what: `DescribeTrails, then GetTrailStatus and GetEventSelectors, × ${L} ms`, ms: 3 * L }];
  const per: string[] = [];
  let lookups = 0;
  for (const { region, sources } of plan) {
    const inWindow = (a.cloudtrail?.events?.[region] ?? []).filter((e) => {
      const t = Date.parse(e.time);
      return t >= from && t <= to;
    });
    const m = lookupMinimum(inWindow, sources);
    lookups += m.calls;
    per.push(`${region}: ${m.calls} (${inWindow.length} events in the window; ${m.how})`);
    terms.push({ what: `${region}: ${m.calls} LookupEvents at ${LOOKUP_PACE}/s (the collector's pace: evenly spaced)`, ms: ((m.calls - 1) / LOOKUP_PACE) * 1000 + L });
    terms.push({ what: `${region}: ${m.calls} LookupEvents at ${AWS_RATE_LIMITS['cloudtrail:LookupEvents']}/s (burst ${burstOf(AWS_RATE_LIMITS['cloudtrail:LookupEvents']!)})`, ms: rateTerm(m.calls, AWS_RATE_LIMITS['cloudtrail:LookupEvents'], L) });
  }
  const minimum = { 'cloudtrail:DescribeTrails': regions.length, 'cloudtrail:GetTrailStatus': trails, 'cloudtrail:GetEventSelectors': trails, 'cloudtrail:LookupEvents': lookups };
  return finish(
    'aws-audit-trail',
    minimum,
    `one DescribeTrails per configured region (not paged) + GetTrailStatus and GetEventSelectors per distinct trail (${trails}) + per region the fewest LookupEvents pages of ${LOOKUP_PAGE} that return the watched events of the ${AUDIT_LOOKBACK_DAYS}-day window (${per.join('; ')}); regions in parallel`,
    terms,
  );
}

/** The distinct images of this account's ECR that the training and processing jobs of the window and the endpoints' models of a region run. */
function ownImages(seed: AwsSeed, region: string, nowMs: number): Set<string> {
  const a = seed.accounts[0]!;
  const sm = smRegion(seed, region);
  const after = nowMs - SAGEMAKER_LOOKBACK_DAYS * 86_400_000;
  const configs = new Map((sm.endpointConfigs ?? []).map((c) => [c.name, c]));
  const served = new Set((sm.endpoints ?? []).flatMap((e) => configs.get(e.config)?.variants.map((v) => v.model) ?? []));
  const inWindow = (j: { created: string }) => Date.parse(j.created) > after;
  const images = [...(sm.trainingJobs ?? []).filter(inWindow).map((j) => j.image), ...(sm.processingJobs ?? []).filter(inWindow).map((j) => j.image), ...(sm.models ?? []).filter((m) => served.has(m.name)).flatMap((m) => m.containers.map((c) => c.image))];
  return new Set(images.filter((x): x is string => !!x && x.startsWith(`${a.id}.dkr.ecr.`)));
}

/** Per region: the alarms at 100 a page, the backup plans, selections and each selection's body, one scan-findings call (per 1,000 findings) per distinct own image. */
export function monitoringCost(seed: AwsSeed, regions: string[], p: CostParams, nowMs = Date.now()): CollectorCost {
  const a = seed.accounts[0]!;
  const L = p.latencyMs;
  const pool = Math.max(1, p.concurrency);
  const minimum: Record<string, number> = {};
  const terms: CostTerm[] = [];
  const per: string[] = [];
  for (const r of regions) {
    const m = a.monitoring?.[r] ?? {};
    const plans = m.backupPlans ?? [];
    const selections = sum(plans.map((x) => x.selections?.length ?? 0));
    const byRef = new Map((m.images ?? []).map((i) => [`${i.repository}:${i.tag ?? 'latest'}`, i]));
    const images = [...ownImages(seed, r, nowMs)];
    const scanPages = sum(images.map((uri) => Math.max(1, ceil(byRef.get(uri.slice(uri.indexOf('/') + 1))?.scan?.findings?.length ?? 0, 1000))));
    const part = {
      'cloudwatch:DescribeAlarms': Math.max(1, ceil(m.alarms?.length ?? 0, 100)),
      'backup:ListBackupPlans': Math.max(1, ceil(plans.length, 1000)),
      'backup:ListBackupSelections': sum(plans.map((x) => Math.max(1, ceil(x.selections?.length ?? 0, 1000)))),
      'backup:GetBackupSelection': selections,
      'ecr:DescribeImageScanFindings': scanPages,
    };
    addTo(minimum, part);
    const calls = sum(Object.values(part));
    terms.push({ what: `${r}: ${part['cloudwatch:DescribeAlarms']} DescribeAlarms pages in sequence × ${L} ms`, ms: part['cloudwatch:DescribeAlarms'] * L });
    terms.push({ what: `${r}: ListBackupPlans, then ${plans.length} ListBackupSelections, then ${selections} GetBackupSelection, through a pool of ${pool}, × ${L} ms`, ms: (1 + ceil(plans.length, pool) + ceil(selections, pool)) * L });
    terms.push({ what: `${r}: all ${calls} calls through a pool of ${pool}, × ${L} ms`, ms: ceil(calls, pool) * L });
    per.push(`${r}: ${m.alarms?.length ?? 0} alarms, ${plans.length} plans with ${selections} selections, ${images.length} images`);
  }
  return finish(
    'aws-monitoring',
    minimum,
    `per region ⌈alarms/100⌉ DescribeAlarms + ⌈plans/1000⌉ ListBackupPlans + one ListBackupSelections per plan (≤ 1,000 selections) + one GetBackupSelection per selection (the listing has no resources) + one DescribeImageScanFindings per distinct image of this account's ECR that a training or processing job of the ${SAGEMAKER_LOOKBACK_DAYS}-day window or an endpoint's model runs (per 1,000 findings) (${per.join('; ')}); regions in parallel`,
    terms,
  );
}

// ───────────────────────────── Prometheus (the real server) ─────────────────────────────

/** Prometheus refuses a range query whose series would hold more points (web/api/v1/api.go). */
const PROMETHEUS_MAX_POINTS = 11_000;

/**
 * One query_range per service (its own query, step 1 day over the look-back window), the firing alerts
 * over the window at the 60 s incident step in as few requests as the 11,000-points limit allows,
 * and the rule groups once. No Alertmanager in the bench.
 */
export function prometheusCost(services: number, p: CostParams, o: { lookbackDays?: number; incidentStepSeconds?: number } = {}): CollectorCost {
  const days = o.lookbackDays ?? 30;
  const step = o.incidentStepSeconds ?? 60;
  const alertRequests = ceil((days * 86_400) / step + 1, PROMETHEUS_MAX_POINTS);
  const minimum = { 'prometheus:QueryRange': services + alertRequests, 'prometheus:Rules': 1 };
  const calls = sum(Object.values(minimum));
  return finish(
    'prometheus-availability',
    minimum,
    `one query_range per service (${services}) + ⌈(${days} days / ${step} s + 1) / 11,000 points⌉ = ${alertRequests} for ALERTS{alertstate="firing"} + 1 rules`,
    [{ what: `${calls} calls in sequence × ${p.latencyMs} ms`, ms: calls * p.latencyMs }],
  );
}

export function costs(c: Company, p: CostParams): Record<string, CollectorCost> {
  const list = [
    iamCost(c.aws, p),
    secretsCost(c.aws, c.spec.aws.regions, p),
    mlflowRegistryCost(c.mlflow, p),
    mlflowLineageCost(c.mlflow, p),
    vertexRegistryCost(c.vertex, p),
    vertexLineageCost(c.vertex, p),
    vertexEndpointsCost(c.vertex, p),
    sagemakerRegistryCost(c.aws, c.spec.aws.regions, p),
    sagemakerEndpointsCost(c.aws, c.spec.aws.regions, p),
    sagemakerTrainingCost(c.aws, c.spec.aws.regions, p),
    ...(c.spec.mlData ? [bedrockCost(c.aws, c.spec.aws.regions, p), dataStoresCost(c.aws, p)] : []),
    ...(c.spec.ops ? [auditTrailCost(c.aws, c.spec.aws.regions, p), monitoringCost(c.aws, c.spec.aws.regions, p)] : []),
    ...(c.spec.prometheus ? [prometheusCost(c.spec.prometheus.services, p, { lookbackDays: c.spec.prometheus.lookbackDays })] : []),
  ];
  return Object.fromEntries(list.map((x) => [x.id, x]));
}
