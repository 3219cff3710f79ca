// The sandbox's SageMaker processing jobs and pipelines, through the real SDK: the window filter
// applied before paging, a processing job's inputs, outputs, KMS and network config, the newest
// execution of a pipeline first, and its steps linked to the jobs they ran.
import {
  DescribeProcessingJobCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelinesCommand,
  ListProcessingJobsCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAwsSandbox, type AwsSandbox, type AwsSeed } from '../../../src/sandbox/aws/index.js';
import { bareAccount, rejection, sagemaker } from './helpers.js';

const ACCOUNT = '111122223333';
const R = 'us-east-1';
const day = (d: number) => new Date(Date.parse('2026-11-01T00:00:00Z') + d * 86_400_000).toISOString();
const seed: AwsSeed = {
  accounts: [
    {
      ...bareAccount(ACCOUNT),
      sagemaker: {
        [R]: {
          processingJobs: Array.from({ length: 25 }, (_, i) => ({
            name: `prep-${String(i).padStart(2, '0')}`,
            created: day(i),
            role: `arn:aws:iam::${ACCOUNT}:role/processing`,
            image: `${ACCOUNT}.dkr.ecr.${R}.amazonaws.com/prep:1`,
            inputs: [{ name: 'raw', s3Uri: `s3://raw-data/set-${i}/` }],
            outputs: [{ name: 'train', s3Uri: `s3://training-data/set-${i}/` }],
            ...(i % 2 ? { outputKmsKeyId: 'k', volumeKmsKeyId: 'k', networkIsolation: true, interContainerEncryption: true } : {}),
            instanceType: 'ml.m5.xlarge',
            instances: 1,
            environment: { DB_PASSWORD: 'never-copied' },
          })),
          pipelines: [
            {
              name: 'fraud-training',
              created: day(0),
              role: `arn:aws:iam::${ACCOUNT}:role/pipelines`,
              executions: [
                { id: 'old1', started: day(3), status: 'Failed', steps: [{ name: 'Prep', type: 'Processing', started: day(3), ref: 'prep-03', status: 'Failed' }] },
                {
                  id: 'new1',
                  started: day(20),
                  steps: [
                    { name: 'Prep', type: 'Processing', started: day(20), ref: 'prep-20' },
                    { name: 'Train', type: 'Training', started: day(20.5), ref: 'train-00020' },
                    { name: 'Register', type: 'RegisterModel', started: day(21), ref: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/7` },
                  ],
                },
              ],
            },
            { name: 'churn-nightly', created: day(5), role: `arn:aws:iam::${ACCOUNT}:role/pipelines` },
          ],
        },
      },
    },
  ],
};

describe('the AWS sandbox serves SageMaker processing jobs and pipelines', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed });
  });
  afterAll(async () => {
    await sb.close();
  });

  it('lists the processing jobs of a window before paging it, and describes one with its data, KMS and network', async () => {
    const c = sagemaker(sb.url);
    const names: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const p = await c.send(new ListProcessingJobsCommand({ CreationTimeAfter: new Date(day(9.5)), MaxResults: 10, NextToken }));
      names.push(...p.ProcessingJobSummaries!.map((j) => j.ProcessingJobName!));
      NextToken = p.NextToken;
      pages++;
    } while (NextToken);
    // jobs 10..24: two full pages of matches, none empty
    expect([pages, names.length, names[0]]).toEqual([2, 15, 'prep-10']);
    const bad = await rejection(c.send(new ListProcessingJobsCommand({ CreationTimeAfter: new Date(day(9.5)), NextToken: 'forged' })));
    expect(bad.name).toBe('ValidationException');
    const j = await c.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'prep-11' }));
    expect(j.ProcessingInputs![0]!.S3Input!.S3Uri).toBe('s3://raw-data/set-11/');
    expect(j.ProcessingOutputConfig).toMatchObject({ KmsKeyId: 'k', Outputs: [{ OutputName: 'train', S3Output: { S3Uri: 's3://training-data/set-11/' } }] });
    expect(j.NetworkConfig).toEqual({ EnableInterContainerTrafficEncryption: true, EnableNetworkIsolation: true });
    expect([j.RoleArn, j.ProcessingResources!.ClusterConfig!.VolumeKmsKeyId, j.AppSpecification!.ImageUri]).toEqual([`arn:aws:iam::${ACCOUNT}:role/processing`, 'k', `${ACCOUNT}.dkr.ecr.${R}.amazonaws.com/prep:1`]);
    expect((await c.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'prep-10' }))).NetworkConfig).toEqual({ EnableInterContainerTrafficEncryption: false, EnableNetworkIsolation: false });
    expect((await rejection(c.send(new DescribeProcessingJobCommand({ ProcessingJobName: 'nope' })))).name).toBe('ValidationException');
    c.destroy();
  });

  it('lists pipelines newest first, a pipeline’s newest execution first, and the steps with the jobs they ran', async () => {
    const c = sagemaker(sb.url);
    const p = await c.send(new ListPipelinesCommand({}));
    expect(p.PipelineSummaries!.map((x) => [x.PipelineName, x.LastExecutionTime?.toISOString() ?? null])).toEqual([
      ['churn-nightly', null],
      ['fraud-training', new Date(day(20)).toISOString()],
    ]);
    const e = await c.send(new ListPipelineExecutionsCommand({ PipelineName: 'fraud-training', SortBy: 'CreationTime', SortOrder: 'Descending', MaxResults: 1 }));
    expect(e.PipelineExecutionSummaries!.map((x) => [x.PipelineExecutionArn, x.PipelineExecutionStatus])).toEqual([[`arn:aws:sagemaker:${R}:${ACCOUNT}:pipeline/fraud-training/execution/new1`, 'Succeeded']]);
    expect(e.NextToken).toBeTruthy();
    expect((await c.send(new ListPipelineExecutionsCommand({ PipelineName: 'churn-nightly' }))).PipelineExecutionSummaries).toEqual([]);
    expect((await rejection(c.send(new ListPipelineExecutionsCommand({ PipelineName: 'nope' })))).name).toBe('ResourceNotFound');
    const s = await c.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: e.PipelineExecutionSummaries![0]!.PipelineExecutionArn }));
    expect(s.PipelineExecutionSteps!.map((x) => [x.StepName, x.Metadata])).toEqual([
      ['Register', { RegisterModel: { Arn: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/7` } }],
      ['Train', { TrainingJob: { Arn: `arn:aws:sagemaker:${R}:${ACCOUNT}:training-job/train-00020` } }],
      ['Prep', { ProcessingJob: { Arn: `arn:aws:sagemaker:${R}:${ACCOUNT}:processing-job/prep-20` } }],
    ]);
    expect((await rejection(c.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: `arn:aws:sagemaker:${R}:${ACCOUNT}:pipeline/x/execution/y` })))).name).toBe('ResourceNotFound');
    c.destroy();
  });
});
