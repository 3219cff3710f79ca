// The AWS sandbox: a loopback server speaking IAM, STS (awsQuery), Secrets Manager and
// Organizations and SageMaker (awsJson1.1) for the real AWS SDK v3, with request recording and fault injection.
export { startAwsSandbox } from './server.js';
export type {
  AwsSandbox,
  AwsSandboxOptions,
  AwsService,
  Fault,
  FaultKind,
  RecordedRequest,
} from './types.js';
export type {
  AccessKeySeed,
  AssumableRoleSeed,
  AwsAccountSeed,
  AwsSeed,
  IamGroupSeed,
  IamRoleSeed,
  IamSeed,
  IamUserSeed,
  InlinePolicySeed,
  InstanceProfileSeed,
  IsoDate,
  ManagedPolicySeed,
  OidcProviderSeed,
  OrganizationAccountSeed,
  OrganizationSeed,
  PasswordPolicySeed,
  PolicyDocument,
  PolicyVersionSeed,
  RootSeed,
  SamlProviderSeed,
  SecretReplicaSeed,
  SecretSeed,
  SageMakerRegionSeed,
  SageMakerUserSeed,
  ModelPackageGroupSeed,
  ModelPackageSeed,
  SageMakerModelSeed,
  EndpointConfigSeed,
  EndpointSeed,
  MonitoringScheduleSeed,
  TrainingJobSeed,
  ProcessingJobSeed,
  PipelineSeed,
  PipelineStepSeed,
  NotebookInstanceSeed,
  StudioDomainSeed,
  Tags,
  VirtualMfaSeed,
} from './seed.js';
export { awsFixturePath, checkAwsSeed, loadAwsFixture, loadAwsSeed } from './seed.js';
export { generateAwsCompany, type GenerateAwsCompanyOptions } from './generate.js';
export { accountSize, scaledOrganization, type AccountSize, type ScaledOrganization, type ScaledOrganizationOptions } from './organization-scale.js';
export type { MemberAccounts } from './types.js';
export { generateCloudTrail, generateMonitoring, type GenerateOpsOptions } from './generate-ops.js';
