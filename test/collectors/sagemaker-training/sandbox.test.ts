// sagemaker-training against the AWS sandbox through the real CLI: the look-back window (older jobs
// are not listed), paging with the minimum calls, hyperparameters and processing environments never
// copied, processing jobs judged with the training jobs, pipelines' newest execution and its steps,
// and denied calls.
import { beforeEach, describe, expect, it } from 'vitest';
import collector from '../../../collectors/sagemaker-training/index.js';
import type { AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { bundleText } from '../../helpers/collected.js';
import { HYPERPARAMETER_CANARY, JOBS_IN_WINDOW, PACKAGES, PIPELINE_STEPS, PROCESSING_IN_WINDOW, SM_ACCOUNT, SM_REGION, collectSageMaker, pkgArn, prepArn, useSageMakerSandbox } from '../../helpers/sagemaker-seed.js';

const DIR = `sagemaker-training/${SM_REGION}`;

describe('sagemaker-training against the AWS sandbox', () => {
  const sandbox = useSageMakerSandbox();
  let sb: AwsSandbox;
  beforeEach(() => {
    sb = sandbox();
  });
  const collect = (collectors = ['sagemaker-training']) => collectSageMaker(sb, collectors);
  const count = (a: string) => sb.requests.filter((q) => q.action === a).length;

  it('lists the jobs of the window only, every page, one describe each, declared calls only', async () => {
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/training-jobs.ndjson`)).toHaveLength(JOBS_IN_WINDOW);
    expect(b.ndjson(`${DIR}/processing-jobs.ndjson`)).toHaveLength(PROCESSING_IN_WINDOW);
    expect([count('ListTrainingJobs'), count('DescribeTrainingJob'), count('ListNotebookInstances'), count('DescribeNotebookInstance'), count('ListDomains'), count('DescribeDomain')]).toEqual([2, JOBS_IN_WINDOW, 1, 2, 1, 1]);
    // two pipelines: one ListPipelineExecutions each, the newest run's steps in two pages, nothing for the one never run
    expect([count('ListProcessingJobs'), count('DescribeProcessingJob'), count('ListPipelines'), count('ListPipelineExecutions'), count('ListPipelineExecutionSteps')]).toEqual([1, PROCESSING_IN_WINDOW, 1, 2, 2]);
    const declared = new Set(collector.meta.permissions);
    for (const q of sb.requests.filter((q) => q.service === 'sagemaker')) expect(declared.has(`sagemaker:${q.action}`), q.action).toBe(true);
    // the SDK sent the window's start as a timestamp the server filtered on
    expect(typeof sb.requests.find((q) => q.action === 'ListTrainingJobs')!.params.CreationTimeAfter).toBe('number');
  });

  it('never writes a hyperparameter the server sends', async () => {
    const b = await collect();
    expect(bundleText(b.bundle)).not.toContain(HYPERPARAMETER_CANARY);
  });

  it('judges the jobs, notebooks and the VPC-only domain', async () => {
    const b = await collect();
    const f = (id: string) => b.findings.find((x) => x.check === `sagemaker-training.${id}`)!;
    // every training job but the first, and processing jobs prep-1 and prep-2, under their own ARNs
    const open = f('network-isolation').exceptions;
    expect(open).toHaveLength(JOBS_IN_WINDOW - 1 + PROCESSING_IN_WINDOW - 1);
    expect(open.filter((e: any) => e.resource.includes(':processing-job/')).map((e: any) => e.resource)).toEqual([prepArn('prep-1'), prepArn('prep-2')]);
    expect(f('network-isolation').summary).toBe(`${JOBS_IN_WINDOW - 1 + PROCESSING_IN_WINDOW - 1} of ${JOBS_IN_WINDOW} training and ${PROCESSING_IN_WINDOW} processing jobs ran with open network access`);
    expect(f('encryption').exceptions.find((e: any) => e.resource === prepArn('prep-2')).reason).toBe(
      'processing job prep-2: outputs written to s3://training-data/job-2/ without a KMS key; the ML storage volumes of ml.m5.xlarge have no customer KMS key; 2 instances exchange traffic unencrypted (EnableInterContainerTrafficEncryption off)',
    );
    expect(f('notebook-exposure').exceptions.map((e: any) => e.reason)).toEqual(['notebook research: direct internet access is enabled; users have root access; its storage volume has no customer KMS key']);
  });

  it('records a processing job’s inputs, outputs, KMS, network config and role', async () => {
    const b = await collect();
    const [first] = b.ndjson(`${DIR}/processing-jobs.ndjson`).filter((j) => j.ProcessingJobName === 'prep-0');
    expect(first).toMatchObject({
      ProcessingJobArn: prepArn('prep-0'),
      RoleArn: `arn:aws:iam::${SM_ACCOUNT}:role/processing`,
      inputs: [{ InputName: 'raw', S3Uri: 's3://training-data/raw/set-0/', DatasetDefinition: null }],
      outputs: [{ OutputName: 'train', S3Uri: 's3://training-data/job-0/' }],
      OutputKmsKeyId: 'k',
      VolumeKmsKeyId: 'k',
      EnableNetworkIsolation: true,
      VpcConfig: null,
    });
    expect(b.provenance(`${DIR}/processing-jobs.ndjson`)).toMatchObject({ complete: true, periodCovered: { from: expect.any(String) } });
  });

  it('records each pipeline’s newest execution with every step and the job it ran', async () => {
    const b = await collect();
    const [fraud, churn] = ['fraud-training', 'churn-nightly'].map((n) => b.ndjson(`${DIR}/pipelines.ndjson`).find((p) => p.PipelineName === n));
    expect(churn.latestExecution).toBeNull();
    expect(fraud.latestExecution.PipelineExecutionArn).toMatch(/execution\/new1$/);
    const steps = fraud.latestExecution.steps;
    expect(steps).toHaveLength(PIPELINE_STEPS);
    expect(steps.find((s: any) => s.StepName === 'Train').TrainingJobArn).toBe(`arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:training-job/train-0001`);
    expect(steps.find((s: any) => s.StepName === 'Prep').ProcessingJobArn).toBe(prepArn('prep-0'));
    expect(steps.find((s: any) => s.StepName === 'Register').ModelPackageArn).toBe(pkgArn('fraud', 2));
    const q = sb.requests.find((r) => r.action === 'ListPipelineExecutions')!.params;
    expect([q.SortOrder, q.MaxResults]).toEqual(['Descending', 1]);
    expect(b.provenance(`${DIR}/pipelines.ndjson`)).toMatchObject({ complete: true, operations: expect.arrayContaining([expect.objectContaining({ api: 'sagemaker:ListPipelineExecutionSteps', pages: 2 })]) });
    // the provenance counts each request once: one ListPipelineExecutions per pipeline, as the server saw
    const ops = b.provenance(`${DIR}/pipelines.ndjson`).operations as { api: string; calls: number }[];
    expect(ops.find((o) => o.api === 'sagemaker:ListPipelineExecutions')!.calls).toBe(sb.requests.filter((r) => r.action === 'ListPipelineExecutions').length);
    expect(ops.find((o) => o.api === 'sagemaker:ListPipelineExecutions')!.calls).toBe(2);
  });

  it('denied pipeline steps are a gap naming the call, and the pipeline is marked with its newest execution kept, steps unknown', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'ListPipelineExecutionSteps', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.ndjson(`${DIR}/pipelines.ndjson`).find((p) => p.PipelineName === 'fraud-training')).toMatchObject({ error: 'AccessDeniedException', latestExecution: { PipelineExecutionArn: expect.stringMatching(/execution\/new1$/), steps: null } });
    expect(b.manifest.collectors.flatMap((c: any) => c.gaps).map((g: any) => g.api)).toContain('sagemaker:ListPipelineExecutionSteps fraud-training');
  });

  it('a denied ListProcessingJobs makes the job checks error, not pass on training jobs alone', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'ListProcessingJobs', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.provenance(`${DIR}/processing-jobs.ndjson`).complete).toBe(false);
    expect(b.findings.find((x) => x.check === 'sagemaker-training.encryption').status).toBe('error');
  });

  it('a denied DescribeNotebookInstance marks the instances and makes notebook-exposure error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeNotebookInstance', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.ndjson(`${DIR}/notebook-instances.ndjson`).map((n) => n.error)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    expect(b.findings.find((x) => x.check === 'sagemaker-training.notebook-exposure').status).toBe('error');
    expect(b.findings.find((x) => x.check === 'sagemaker-training.network-isolation').status).toBe('fail');
  });

  it('links a registered package to the training job that produced it, that job’s datasets and the processing job that prepared them', async () => {
    const b = await collect(['sagemaker-registry', 'sagemaker-training']);
    expect(b.code, b.stderr).toBe(0);
    const l = b.json(`${DIR}/training-lineage.json`);
    expect(l.registryCollected).toBe(true);
    expect(l.packages).toHaveLength(PACKAGES);
    const prep0 = b.ndjson(`${DIR}/processing-jobs.ndjson`).find((j) => j.ProcessingJobName === 'prep-0');
    expect(l.packages.find((p: any) => p.ModelPackageArn === pkgArn('fraud', 1))).toEqual({
      ModelPackageArn: pkgArn('fraud', 1),
      ModelApprovalStatus: 'Approved',
      modelData: ['s3://models/train-0000/output/model.tar.gz'],
      TrainingJobName: 'train-0000',
      TrainingJobArn: `arn:aws:sagemaker:${SM_REGION}:111122223333:training-job/train-0000`,
      datasets: [
        {
          ChannelName: 'train',
          S3Uri: 's3://training-data/job-0/',
          FileSystem: null,
          preparedBy: [{ ProcessingJobName: 'prep-0', ProcessingJobArn: prepArn('prep-0'), CreationTime: prep0.CreationTime, ProcessingEndTime: prep0.ProcessingEndTime, OutputName: 'train', S3Uri: 's3://training-data/job-0/' }],
        },
      ],
    });
    expect(l.packages.find((p: any) => p.ModelPackageArn === pkgArn('fraud', 2)).reason).toContain('no training job of the window (30 days) produced');
    expect(b.provenance(`${DIR}/training-lineage.json`)).toMatchObject({ complete: true, notes: { linked: 1, datasetsPrepared: 1, undescribed: { trainingJobs: 0, processingJobs: 0 } } });
  });

  it('a processing job that could not be described leaves the lineage incomplete: its outputs may be the channel', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeProcessingJob', kind: 'deny' });
    const b = await collect(['sagemaker-registry', 'sagemaker-training']);
    expect(b.code).toBe(3);
    const l = b.json(`${DIR}/training-lineage.json`);
    const [d] = l.packages.find((p: any) => p.ModelPackageArn === pkgArn('fraud', 1)).datasets;
    expect(d.preparedBy).toEqual([]);
    expect(d.reason).toMatch(new RegExp(`; ${PROCESSING_IN_WINDOW} processing jobs of the window could not be described: their outputs, which may include this channel, are unknown$`));
    expect(b.provenance(`${DIR}/training-lineage.json`)).toMatchObject({ complete: false, notes: { undescribed: { trainingJobs: 0, processingJobs: PROCESSING_IN_WINDOW } } });
  });

  it('without sagemaker-registry in the collection, the lineage says so and holds nothing', async () => {
    const b = await collect();
    expect(b.json(`${DIR}/training-lineage.json`)).toEqual({ registryCollected: false, packages: [] });
  });
});
