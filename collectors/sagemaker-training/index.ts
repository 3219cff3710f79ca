// SageMaker training environments, per account × region: the training jobs created in a look-back
// window (ListTrainingJobs CreationTimeAfter, every page; DescribeTrainingJob each) with their input
// channels, output and volume KMS keys, VPC, network isolation, inter-container encryption, role and
// model artifacts; the processing jobs of the same window (DescribeProcessingJob each: inputs, outputs,
// KMS, NetworkConfig, role); every pipeline with its newest execution and that execution's steps (the
// training and processing jobs it ran); every notebook instance (internet access, root access, KMS, subnet) and every
// Studio domain (network access type, KMS). The calls live in collect.ts, loaded on first use.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { describeCallsPerSecond } from '../_shared/sagemaker.js';
import { checks } from './checks.js';
import { KIND, PACKAGES_KIND } from './kinds.js';

export { KIND } from './kinds.js';

export const settings = z.strictObject({
  /** training and processing jobs created in the last N days are collected */
  lookbackDays: z.number().int().min(1).max(3650).default(30),
  describeCallsPerSecond,
});
export type TrainingSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'sagemaker-training',
    title: 'SageMaker training environments: training and processing jobs of the look-back window (data channels and inputs, KMS, VPC, network isolation), pipelines and their latest execution, notebook instances and Studio domains',
    source: 'aws',
    scope: 'regional',
    settings,
    // the model packages sagemaker-registry listed in this collection, for the lineage join
    reads: [PACKAGES_KIND],
    permissions: [
      'sagemaker:ListTrainingJobs',
      'sagemaker:DescribeTrainingJob',
      'sagemaker:ListProcessingJobs',
      'sagemaker:DescribeProcessingJob',
      'sagemaker:ListPipelines',
      'sagemaker:ListPipelineExecutions',
      'sagemaker:ListPipelineExecutionSteps',
      'sagemaker:ListNotebookInstances',
      'sagemaker:DescribeNotebookInstance',
      'sagemaker:ListDomains',
      'sagemaker:DescribeDomain',
    ],
    artifacts: [
      {
        kind: KIND.trainingJobs,
        file: 'training-jobs.ndjson',
        description:
          'One record per training job created in the look-back window: status, times, role, input data channels (S3 URIs), output path and KMS key, volume KMS key, instance type and count, VpcConfig, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, model artifacts.',
      },
      {
        kind: KIND.processingJobs,
        file: 'processing-jobs.ndjson',
        description:
          'One record per processing job created in the look-back window: status, times, role, inputs (S3 URIs, or the kind and database of an Athena/Redshift dataset definition), outputs (S3 URIs), output and volume KMS keys, instance type and count, VpcConfig, EnableNetworkIsolation, EnableInterContainerTrafficEncryption, image, the training job it ran for. The environment is never copied.',
      },
      {
        kind: KIND.pipelines,
        file: 'pipelines.ndjson',
        description:
          'One record per pipeline: role, creation and last execution time, and its newest execution (status, start) with every step: status, times and the training job, processing job, model or model package it ran; null when never run.',
      },
      {
        kind: KIND.notebooks,
        file: 'notebook-instances.ndjson',
        description: 'One record per notebook instance: status, instance type, DirectInternetAccess, RootAccess, KMS key, subnet and security groups, role.',
      },
      {
        kind: KIND.lineage,
        file: 'training-lineage.json',
        description: 'Lineage of each model package sagemaker-registry found in this collection: its model data, the training job of the window that produced it (by S3ModelArtifacts), that job’s input data channels and, per channel, the processing jobs of the window that wrote it (an output at, under or above its S3 prefix, created before the training job), or why none is known.',
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
