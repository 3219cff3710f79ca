// The artifact kinds and names of sagemaker-registry, apart from index.ts so checks and records can
// import them without a cycle.
export const KIND = {
  groups: 'aws.sagemaker.model-package-groups',
  packages: 'aws.sagemaker.model-packages',
  promotions: 'aws.sagemaker.promotions',
  deployments: 'aws.sagemaker.deployments',
} as const;

/** what sagemaker-endpoints writes, read through ctx.run (see meta.reads) */
export const ENDPOINTS_KIND = 'aws.sagemaker.endpoints';

/** ModelMetrics sections of a model package (DescribeModelPackage) */
export const METRIC_SECTIONS = ['ModelQuality', 'ModelDataQuality', 'Bias', 'Explainability'] as const;
export type MetricSection = (typeof METRIC_SECTIONS)[number];

