// The artifact kinds of sagemaker-training, apart from index.ts so checks can import them without a cycle.
export const KIND = {
  trainingJobs: 'aws.sagemaker.training-jobs',
  processingJobs: 'aws.sagemaker.processing-jobs',
  pipelines: 'aws.sagemaker.pipelines',
  notebooks: 'aws.sagemaker.notebook-instances',
  domains: 'aws.sagemaker.studio-domains',
  lineage: 'aws.sagemaker.training-lineage',
} as const;

/** what sagemaker-registry writes, read through ctx.run (see meta.reads) */
export const PACKAGES_KIND = 'aws.sagemaker.model-packages';
