// SageMaker training environments, per account × region: the training jobs created in a look-back
// window (ListTrainingJobs CreationTimeAfter, every page; DescribeTrainingJob each) with their input
// channels, output and volume KMS keys, VPC, network isolation, inter-container encryption, role and
// model artifacts; every notebook instance (internet access, root access, KMS, subnet) and every
// Studio domain (network access type, KMS). The calls live in collect.ts, loaded on first use.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { describeCallsPerSecond } from '../_shared/sagemaker.js';
import { checks } from './checks.js';
import { KIND, PACKAGES_KIND } from './kinds.js';

export { KIND } from './kinds.js';

export const settings = z.strictObject({
  /** training jobs created in the last N days are collected */
  lookbackDays: z.number().int().min(1).max(3650).default(30),
  describeCallsPerSecond,
});
export type TrainingSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'sagemaker-training',
    title: 'SageMaker training environments: training jobs of the look-back window (data channels, KMS, VPC, network isolation), notebook instances and Studio domains',
    source: 'aws',
    scope: 'regional',
    settings,
    // the model packages sagemaker-registry listed in this collection, for the lineage join
    reads: [PACKAGES_KIND],
    permissions: ['sagemaker:ListTrainingJobs', 'sagemaker:DescribeTrainingJob', 'sagemaker:ListNotebookInstances', 'sagemaker:DescribeNotebookInstance', 'sagemaker:ListDomains', 'sagemaker:DescribeDomain'],
    artifacts: [
      {
        kind: KIND.trainingJobs,
        file: 'training-jobs.ndjson',
        description:
          'One record per training job created in the look-back window: status, times, role, input data channels (S3 URIs), output path and KMS key, volume KMS key, instance type and count, VpcConfig, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, model artifacts.',
      },
      {
        kind: KIND.notebooks,
        file: 'notebook-instances.ndjson',
        description: 'One record per notebook instance: status, instance type, DirectInternetAccess, RootAccess, KMS key, subnet and security groups, role.',
      },
      {
        kind: KIND.lineage,
        file: 'training-lineage.json',
        description: 'Lineage of each model package sagemaker-registry found in this collection: its model data, the training job of the window that produced it (by S3ModelArtifacts) and that job’s input data channels, or why none is known.',
      },
      {
        kind: KIND.domains,
        file: 'studio-domains.ndjson',
        description: 'One record per SageMaker Studio domain: status, AppNetworkAccessType, KMS key, VPC and subnets, auth mode.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
