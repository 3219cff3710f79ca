// Seed shape of the AWS sandbox. Written from the AWS API references (IAM, STS, Secrets Manager,
// Organizations); shares nothing with src/clients or the collectors. Dates are ISO-8601 strings;
// policy documents are plain JSON objects (the server serialises and URL-encodes them itself) or,
// when a test needs exact bytes (whitespace, key order), a string sent verbatim.

import type { BedrockSeed } from './bedrock.js';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** ISO-8601 date-time, e.g. `2024-05-06T07:08:09Z`. */
export type IsoDate = string;

/** A policy document: a JSON object serialised by the server, or exact JSON text. */
export type PolicyDocument = Record<string, unknown> | string;

export type Tags = Record<string, string>;

export interface InlinePolicySeed {
  name: string;
  document: PolicyDocument;
}

export interface AccessKeySeed {
  /** Access key id; derived from the user name when absent. */
  id?: string;
  /** Default `Active`. */
  status?: 'Active' | 'Inactive';
  created: IsoDate;
  /** null/absent = never used. */
  lastUsed?: { date: IsoDate; region?: string; service?: string } | null;
}

export interface IamUserSeed {
  name: string;
  path?: string;
  /** `AIDA…`; derived deterministically when absent. */
  id?: string;
  created: IsoDate;
  /** An assigned MFA device (a virtual one is listed by ListVirtualMFADevices unless `virtualMfaDevices` is given). */
  mfa: boolean;
  /** Console password; null = no login profile. */
  password: { lastChanged?: IsoDate; lastUsed?: IsoDate | null } | null;
  accessKeys: AccessKeySeed[];
  inlinePolicies?: InlinePolicySeed[];
  /** Managed policy ARNs (customer or `arn:aws:iam::aws:policy/...`). */
  attachedPolicies?: string[];
  /** Group names. */
  groups?: string[];
  tags?: Tags;
  /** Permissions boundary policy ARN. */
  boundary?: string;
}

export interface IamGroupSeed {
  name: string;
  path?: string;
  id?: string;
  created: IsoDate;
  inlinePolicies?: InlinePolicySeed[];
  attachedPolicies?: string[];
}

export interface InstanceProfileSeed {
  name: string;
  path?: string;
  id?: string;
  created?: IsoDate;
}

export interface IamRoleSeed {
  name: string;
  path?: string;
  id?: string;
  created: IsoDate;
  description?: string;
  maxSessionDuration?: number;
  /** The trust policy (AssumeRolePolicyDocument). */
  trustPolicy: PolicyDocument;
  inlinePolicies?: InlinePolicySeed[];
  attachedPolicies?: string[];
  /** null/absent = never used (RoleLastUsed is then an empty element, as AWS sends it). */
  lastUsed?: { date: IsoDate; region?: string } | null;
  boundary?: string;
  tags?: Tags;
  instanceProfiles?: InstanceProfileSeed[];
}

export interface PolicyVersionSeed {
  /** `v1`, `v2`, … */
  id: string;
  document: PolicyDocument;
  created?: IsoDate;
  /** Marks the default version; otherwise `defaultVersionId` of the policy, else the last version. */
  default?: boolean;
}

export interface ManagedPolicySeed {
  name: string;
  /** Default `arn:aws:iam::<account>:policy<path><name>`; AWS managed ones use `arn:aws:iam::aws:policy/...`. */
  arn?: string;
  path?: string;
  id?: string;
  description?: string;
  created: IsoDate;
  updated?: IsoDate;
  isAttachable?: boolean;
  defaultVersionId?: string;
  versions: PolicyVersionSeed[];
}

/** AWS's PasswordPolicy members, camel-cased. ExpirePasswords is derived from maxPasswordAge. */
export interface PasswordPolicySeed {
  minimumPasswordLength: number;
  requireSymbols: boolean;
  requireNumbers: boolean;
  requireUppercaseCharacters: boolean;
  requireLowercaseCharacters: boolean;
  allowUsersToChangePassword: boolean;
  maxPasswordAge?: number;
  passwordReusePrevention?: number;
  hardExpiry?: boolean;
}

export interface RootSeed {
  mfa: boolean;
  /** Root access keys (CIS 1.4 wants none). */
  accessKeys: AccessKeySeed[];
  created?: IsoDate;
  passwordLastUsed?: IsoDate | null;
}

export interface SamlProviderSeed {
  name: string;
  created: IsoDate;
  validUntil?: IsoDate;
}

export interface OidcProviderSeed {
  /** Issuer host and path without scheme, e.g. `token.actions.githubusercontent.com`. */
  url: string;
}

export interface VirtualMfaSeed {
  serial: string;
  /** Assigned user name; `<root>` for the root user; absent = unassigned. */
  user?: string;
  enabled?: IsoDate;
}

export interface IamSeed {
  users: IamUserSeed[];
  groups: IamGroupSeed[];
  roles: IamRoleSeed[];
  managedPolicies: ManagedPolicySeed[];
  passwordPolicy: PasswordPolicySeed | null;
  /** Overrides merged over the SummaryMap computed from the data. */
  accountSummary?: Record<string, number>;
  root: RootSeed;
  samlProviders: SamlProviderSeed[];
  oidcProviders: OidcProviderSeed[];
  /** When absent: one virtual device per user with `mfa: true` (and the root's when `root.mfa`). */
  virtualMfaDevices?: VirtualMfaSeed[];
}

export interface SecretReplicaSeed {
  region: string;
  kmsKeyId?: string;
  /** Default `InSync`. */
  status?: 'InSync' | 'Failed' | 'InProgress';
  statusMessage?: string;
}

export interface SecretSeed {
  name: string;
  /** The secret value: served only by GetSecretValue/BatchGetSecretValue, which the project must never call. */
  value: string;
  description?: string;
  /** Absent = the AWS managed key `aws/secretsmanager` (the field is then absent on the wire). */
  kmsKeyId?: string;
  created: IsoDate;
  lastChanged?: IsoDate;
  rotation?: { enabled: boolean; days?: number; scheduleExpression?: string; lambdaArn?: string } | null;
  lastRotated?: IsoDate | null;
  /** AWS truncates this to the day; absent = never read. */
  lastAccessed?: IsoDate | null;
  /** Scheduled for deletion at this date (listed only with IncludePlannedDeletion). */
  deleted?: IsoDate | null;
  tags?: Tags;
  /** Resource policy. */
  policy?: PolicyDocument | null;
  /** Replica regions: the replica is listed in that region too, with PrimaryRegion = this region. */
  replication?: SecretReplicaSeed[];
  owningService?: string;
  /** Six characters AWS appends to the ARN; derived when absent. */
  arnSuffix?: string;
}

export interface AwsAccountSeed {
  /** 12 digits. */
  id: string;
  alias?: string;
  /** What GetCallerIdentity answers for requests with unknown access keys served by this account. */
  callerArn: string;
  callerUserId?: string;
  /** Extra access key ids attributed to this account (besides its users' keys and AssumeRole sessions). */
  accessKeyIds?: string[];
  iam: IamSeed;
  /** Region → secrets. */
  secrets: Record<string, SecretSeed[]>;
  /** Region → SageMaker resources (absent: none in any region). */
  sagemaker?: Record<string, SageMakerRegionSeed>;
  /** CloudTrail trails and the event history LookupEvents answers from (absent: no trail, no events). */
  cloudtrail?: CloudTrailSeed;
  /** Region → CloudWatch alarms, AWS Backup plans and ECR images with their scans. */
  monitoring?: Record<string, MonitoringRegionSeed>;
  /** Region → Bedrock's invocation logging, custom models and customization jobs (absent: none). */
  bedrock?: Record<string, BedrockRegionSeed>;
  /** The account's S3 buckets (each with its region) and its account-wide public access block. */
  s3?: S3Seed;
  /** Region → KMS keys. */
  kms?: Record<string, KmsKeySeed[]>;
}

export type BedrockRegionSeed = Pick<BedrockSeed, 'logging' | 'models' | 'runningJobs'>;

export interface PublicAccessBlockSeed {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

export interface S3Seed {
  /** s3control GetPublicAccessBlock; absent/null: none (NoSuchPublicAccessBlockConfiguration). */
  publicAccessBlock?: PublicAccessBlockSeed | null;
  buckets: S3BucketSeed[];
}

export interface S3BucketSeed {
  name: string;
  /** Default us-east-1. */
  region?: string;
  created?: IsoDate;
  /** Absent: SSE-S3 (every bucket's default since 2023); null: none (ServerSideEncryptionConfigurationNotFoundError). */
  encryption?: { algorithm: 'AES256' | 'aws:kms' | 'aws:kms:dsse'; kmsKeyId?: string; bucketKey?: boolean } | null;
  /** Absent: all four blocked (the default since 2023); null: none. */
  publicAccessBlock?: PublicAccessBlockSeed | null;
  policy?: PolicyDocument | null;
  versioning?: 'Enabled' | 'Suspended';
  mfaDelete?: 'Enabled' | 'Disabled';
  /** Absent: Object Lock off; `{}`: on without a default retention. */
  objectLock?: { mode?: 'GOVERNANCE' | 'COMPLIANCE'; days?: number; years?: number };
  logging?: { targetBucket: string; targetPrefix?: string };
}

export interface KmsKeySeed {
  /** The key id (a UUID in AWS). */
  id: string;
  /** `alias/name` */
  aliases?: string[];
  /** Default CUSTOMER. */
  manager?: 'CUSTOMER' | 'AWS';
  /** Default SYMMETRIC_DEFAULT. */
  spec?: string;
  /** Default AWS_KMS. */
  origin?: 'AWS_KMS' | 'EXTERNAL' | 'AWS_CLOUDHSM' | 'EXTERNAL_KEY_STORE';
  state?: 'Enabled' | 'Disabled' | 'PendingDeletion';
  /** Automatic rotation (customer keys; AWS managed keys always rotate). */
  rotation?: boolean;
  rotationPeriodDays?: number;
  /** Absent: the default key policy (the account root may do everything). */
  policy?: PolicyDocument;
  created?: IsoDate;
}

export interface MonitoringRegionSeed {
  alarms?: { name: string; metric: string; namespace?: string; dimensions?: Record<string, string>; actions?: string[]; actionsEnabled?: boolean; state?: 'OK' | 'ALARM' | 'INSUFFICIENT_DATA' }[];
  backupPlans?: { id: string; name: string; created?: IsoDate; selections?: { id: string; name: string; role?: string; resources?: string[]; notResources?: string[]; tags?: { key: string; value: string }[]; conditions?: { key: string; value: string }[] }[] }[];
  /** ECR images; absent `scan`: never scanned (ScanNotFoundException). */
  images?: { repository: string; tag?: string; digest?: string; scan?: { status?: string; completedAt?: IsoDate; findings?: { name: string; severity: 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW' | 'INFORMATIONAL' | 'UNDEFINED'; package?: string }[] } }[];
}

export interface CloudTrailSeed {
  trails?: TrailSeed[];
  /** Region → management events recorded there (IAM's, a global service's, are recorded in us-east-1). */
  events?: Record<string, CloudTrailEventSeed[]>;
}

export interface TrailSeed {
  name: string;
  homeRegion: string;
  bucket: string;
  multiRegion?: boolean;
  organization?: boolean;
  /** Default true. */
  logging?: boolean;
  logFileValidation?: boolean;
  kmsKeyId?: string;
  /** Absent: the default selector (all management events, read and write), as CloudTrail gives a new trail. */
  eventSelectors?: { ReadWriteType?: 'ReadOnly' | 'WriteOnly' | 'All'; IncludeManagementEvents?: boolean; DataResources?: { Type: string; Values: string[] }[] }[];
  advancedEventSelectors?: { Name?: string; FieldSelectors: { Field: string; Equals?: string[]; NotEquals?: string[] }[] }[];
}

/** One event of the CloudTrail event history; the fields of CloudTrailEvent's JSON AWS sends. */
export interface CloudTrailEventSeed {
  /** Derived when absent. */
  id?: string;
  name: string;
  /** e.g. `sagemaker.amazonaws.com` */
  source: string;
  time: IsoDate;
  /** CloudTrailEvent's userIdentity, as AWS writes it (type, arn, userName, principalId, sessionContext …). */
  userIdentity: Record<string, unknown>;
  /** The summary's Username (the IAM user, or the role session name); derived from userIdentity when absent. */
  username?: string;
  resources?: { type: string; name: string }[];
  readOnly?: boolean;
  accessKeyId?: string;
  /** Sent inside CloudTrailEvent as AWS does; collectors must not copy them. */
  requestParameters?: Record<string, unknown>;
  responseElements?: Record<string, unknown>;
}

/** Who created or last modified a SageMaker resource (UserInfo on the wire). */
export interface SageMakerUserSeed {
  /** IAM identity ARN (IamIdentity.Arn), e.g. an assumed-role session */
  iamArn?: string;
  /** IamIdentity.SourceIdentity, set by the IdP on the role session */
  sourceIdentity?: string;
  /** Studio user profile name (with domainId) */
  userProfile?: string;
  domainId?: string;
}

export interface ModelPackageGroupSeed {
  name: string;
  description?: string;
  created: IsoDate;
  createdBy?: SageMakerUserSeed;
  /** Absent: GetModelPackageGroupPolicy answers that no resource policy exists. */
  policy?: PolicyDocument;
  /** Default Completed. */
  status?: 'Pending' | 'InProgress' | 'Completed' | 'Failed' | 'Deleting' | 'DeleteFailed';
}

export interface ModelPackageSeed {
  group: string;
  version: number;
  approval: 'Approved' | 'Rejected' | 'PendingManualApproval';
  approvalDescription?: string;
  description?: string;
  created: IsoDate;
  createdBy?: SageMakerUserSeed;
  /** Absent: never updated since created (LastModifiedTime/LastModifiedBy absent on the wire). */
  lastModified?: IsoDate;
  lastModifiedBy?: SageMakerUserSeed;
  /** ModelMetrics section → report name → S3 URI, e.g. {ModelQuality: {Statistics: 's3://…'}} */
  metrics?: Record<string, Record<string, string>>;
  customerMetadata?: Record<string, string>;
  image?: string;
  modelDataUrl?: string;
}

export interface SageMakerModelSeed {
  name: string;
  created: IsoDate;
  role: string;
  networkIsolation?: boolean;
  vpc?: { subnets: string[]; securityGroupIds: string[] };
  containers: { image?: string; modelDataUrl?: string; modelPackage?: string }[];
}

export interface EndpointConfigSeed {
  name: string;
  created: IsoDate;
  kmsKeyId?: string;
  dataCapture?: { enabled?: boolean; samplingPercentage: number; destination: string; kmsKeyId?: string; modes?: ('Input' | 'Output')[] };
  variants: { name: string; model: string; instanceType?: string; instances?: number; serverless?: { memoryMb: number; maxConcurrency: number } }[];
}

export interface EndpointSeed {
  name: string;
  config: string;
  created: IsoDate;
  lastModified?: IsoDate;
  /** Default InService. */
  status?: 'OutOfService' | 'Creating' | 'Updating' | 'SystemUpdating' | 'RollingBack' | 'InService' | 'Deleting' | 'Failed' | 'UpdateRollbackFailed';
  /** variant → instances running now (default: the config's initial count) */
  currentInstances?: Record<string, number>;
}

export interface MonitoringScheduleSeed {
  name: string;
  endpoint?: string;
  type: 'DataQuality' | 'ModelQuality' | 'ModelBias' | 'ModelExplainability';
  jobDefinition: string;
  /** Default Scheduled. */
  status?: 'Pending' | 'Failed' | 'Scheduled' | 'Stopped';
  created: IsoDate;
  lastModified?: IsoDate;
}

/** What a training and a processing job share: when, who, where it ran and how it was sealed off. */
interface JobSeed {
  name: string;
  created: IsoDate;
  /** Default Completed. */
  status?: 'InProgress' | 'Completed' | 'Failed' | 'Stopping' | 'Stopped';
  role: string;
  outputKmsKeyId?: string;
  volumeKmsKeyId?: string;
  instanceType: string;
  instances: number;
  vpc?: { subnets: string[]; securityGroupIds: string[] };
  networkIsolation?: boolean;
  interContainerEncryption?: boolean;
}

export interface TrainingJobSeed extends JobSeed {
  /** AlgorithmSpecification.TrainingImage; default `<account>.dkr.ecr.<region>.amazonaws.com/train:latest` */
  image?: string;
  channels: { name: string; s3Uri: string }[];
  outputPath: string;
  /** the job's hyperparameters, sent by DescribeTrainingJob (collectors must never copy them) */
  hyperParameters?: Record<string, string>;
}

export interface ProcessingJobSeed extends JobSeed {
  /** AppSpecification.ImageUri */
  image: string;
  inputs: { name: string; s3Uri: string }[];
  outputs: { name: string; s3Uri: string }[];
  /** the container's environment, sent by DescribeProcessingJob (collectors must never copy it) */
  environment?: Record<string, string>;
  /** the training job it ran for, when any (TrainingJobArn) */
  trainingJob?: string;
}

/** One step of a pipeline execution and the job or resource it ran (Metadata on the wire). */
export interface PipelineStepSeed {
  name: string;
  type: 'Training' | 'Processing' | 'RegisterModel' | 'Model' | 'Condition';
  /** Default Succeeded. */
  status?: 'Starting' | 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded';
  started: IsoDate;
  ended?: IsoDate;
  /** the training or processing job's name, the model's name, or the registered model package's ARN */
  ref?: string;
}

export interface PipelineSeed {
  name: string;
  created: IsoDate;
  role: string;
  lastModified?: IsoDate;
  /** newest or oldest first, as seeded: the sandbox sorts them */
  executions?: { id: string; started: IsoDate; status?: 'Executing' | 'Stopping' | 'Stopped' | 'Failed' | 'Succeeded'; steps: PipelineStepSeed[] }[];
}

export interface NotebookInstanceSeed {
  name: string;
  created: IsoDate;
  instanceType: string;
  role: string;
  /** Default Enabled, as AWS's. */
  directInternetAccess?: 'Enabled' | 'Disabled';
  /** Default Enabled, as AWS's. */
  rootAccess?: 'Enabled' | 'Disabled';
  kmsKeyId?: string;
  subnetId?: string;
  securityGroups?: string[];
  /** Default InService. */
  status?: 'Pending' | 'InService' | 'Stopping' | 'Stopped' | 'Failed' | 'Deleting' | 'Updating';
}

export interface StudioDomainSeed {
  id: string;
  name: string;
  created: IsoDate;
  /** Default PublicInternetOnly, as AWS's. */
  appNetworkAccessType?: 'PublicInternetOnly' | 'VpcOnly';
  kmsKeyId?: string;
  vpcId: string;
  subnetIds: string[];
  authMode: 'SSO' | 'IAM';
  /** Default InService. */
  status?: 'Deleting' | 'Failed' | 'InService' | 'Pending' | 'Updating' | 'Update_Failed' | 'Delete_Failed';
}

export interface SageMakerRegionSeed {
  trainingJobs?: TrainingJobSeed[];
  processingJobs?: ProcessingJobSeed[];
  pipelines?: PipelineSeed[];
  notebookInstances?: NotebookInstanceSeed[];
  domains?: StudioDomainSeed[];
  modelPackageGroups?: ModelPackageGroupSeed[];
  modelPackages?: ModelPackageSeed[];
  models?: SageMakerModelSeed[];
  endpointConfigs?: EndpointConfigSeed[];
  endpoints?: EndpointSeed[];
  monitoringSchedules?: MonitoringScheduleSeed[];
}

export interface OrganizationAccountSeed {
  id: string;
  name: string;
  email: string;
  /** Default ACTIVE. */
  status?: 'ACTIVE' | 'SUSPENDED' | 'PENDING_CLOSURE';
  /** Default INVITED for the management account, CREATED otherwise. */
  joinedMethod?: 'INVITED' | 'CREATED';
  joined: IsoDate;
}

export interface OrganizationSeed {
  /** `o-…`; default derived. */
  id?: string;
  /** Only this account may call ListAccounts (others get AccessDeniedException). Default: accounts[0]. */
  managementAccountId?: string;
  accounts: OrganizationAccountSeed[];
}

export interface AssumableRoleSeed {
  arn: string;
  /** When set, AssumeRole must pass this ExternalId. */
  externalId?: string;
}

export interface AwsSeed {
  accounts: AwsAccountSeed[];
  /** Serves requests with unknown access keys. Default: accounts[0].id. */
  defaultAccountId?: string;
  organization?: OrganizationSeed;
  /** Role ARNs STS lets callers assume; absent = any role of a seeded account. */
  assumableRoles?: Array<string | AssumableRoleSeed>;
}

/** Reads a seed from a JSON file and checks its outline. */
export function loadAwsSeed(path: string): AwsSeed {
  const raw: unknown = JSON.parse(readFileSync(path, 'utf8'));
  return checkAwsSeed(raw, path);
}

/** Loads `fixtures/aws/<name>.json` of this repository (found by walking up from this module). */
export function loadAwsFixture(name: string): AwsSeed {
  return loadAwsSeed(awsFixturePath(name));
}

export function awsFixturePath(name: string): string {
  const file = name.endsWith('.json') ? name : `${name}.json`;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'fixtures', 'aws', file);
    if (existsSync(candidate)) return candidate;
    const up = resolve(dir, '..');
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`AWS sandbox fixture not found: fixtures/aws/${file}`);
}

export function checkAwsSeed(raw: unknown, where = 'seed'): AwsSeed {
  const fail = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  if (typeof raw !== 'object' || raw === null) fail('not an object');
  const seed = raw as Partial<AwsSeed>;
  if (!Array.isArray(seed.accounts) || seed.accounts.length === 0) fail('accounts[] is required');
  for (const [i, a] of (seed.accounts ?? []).entries()) {
    if (typeof a.id !== 'string' || !/^\d{12}$/.test(a.id)) fail(`accounts[${i}].id must be 12 digits`);
    if (typeof a.callerArn !== 'string') fail(`accounts[${i}].callerArn is required`);
    if (typeof a.iam !== 'object' || a.iam === null) fail(`accounts[${i}].iam is required`);
    for (const k of ['users', 'groups', 'roles', 'managedPolicies', 'samlProviders', 'oidcProviders'] as const) {
      if (!Array.isArray(a.iam[k])) fail(`accounts[${i}].iam.${k} must be an array`);
    }
    if (typeof a.iam.root !== 'object' || a.iam.root === null) fail(`accounts[${i}].iam.root is required`);
    if (typeof a.secrets !== 'object' || a.secrets === null) fail(`accounts[${i}].secrets is required`);
  }
  return seed as AwsSeed;
}
