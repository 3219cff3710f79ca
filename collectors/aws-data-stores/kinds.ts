// The artifact kinds of aws-data-stores and the lineage kinds it reads, apart from index.ts so checks
// can import them without a cycle.
export const KIND = {
  buckets: 'aws.datastores.buckets',
  account: 'aws.datastores.account',
  keys: 'aws.datastores.kms-keys',
} as const;

/** lineage artifacts of the same run that name S3 locations or KMS keys (see discover.ts) */
export const LINEAGE = {
  mlflowRuns: 'mlflow.lineage.training-runs',
  trainingJobs: 'aws.sagemaker.training-jobs',
  processingJobs: 'aws.sagemaker.processing-jobs',
  packages: 'aws.sagemaker.model-packages',
  endpoints: 'aws.sagemaker.endpoints',
  notebooks: 'aws.sagemaker.notebook-instances',
  domains: 'aws.sagemaker.studio-domains',
  bedrockModels: 'aws.bedrock.custom-models',
  bedrockJobs: 'aws.bedrock.customization-jobs',
  bedrockLogging: 'aws.bedrock.invocation-logging',
} as const;
