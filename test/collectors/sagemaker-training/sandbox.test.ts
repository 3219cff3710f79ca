// sagemaker-training against the AWS sandbox through the real CLI: the look-back window (older jobs
// are not listed), paging with the minimum calls, hyperparameters never copied, and a denied describe.
import { beforeEach, describe, expect, it } from 'vitest';
import collector from '../../../collectors/sagemaker-training/index.js';
import type { AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { bundleText } from '../../helpers/collected.js';
import { HYPERPARAMETER_CANARY, JOBS_IN_WINDOW, PACKAGES, SM_REGION, collectSageMaker, pkgArn, useSageMakerSandbox } from '../../helpers/sagemaker-seed.js';

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
    expect([count('ListTrainingJobs'), count('DescribeTrainingJob'), count('ListNotebookInstances'), count('DescribeNotebookInstance'), count('ListDomains'), count('DescribeDomain')]).toEqual([2, JOBS_IN_WINDOW, 1, 2, 1, 1]);
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
    expect(f('network-isolation').exceptions).toHaveLength(JOBS_IN_WINDOW - 1);
    expect(f('notebook-exposure').exceptions.map((e: any) => e.reason)).toEqual(['notebook research: direct internet access is enabled; users have root access; its storage volume has no customer KMS key']);
  });

  it('a denied DescribeNotebookInstance marks the instances and makes notebook-exposure error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeNotebookInstance', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.ndjson(`${DIR}/notebook-instances.ndjson`).map((n) => n.error)).toEqual(['AccessDeniedException', 'AccessDeniedException']);
    expect(b.findings.find((x) => x.check === 'sagemaker-training.notebook-exposure').status).toBe('error');
    expect(b.findings.find((x) => x.check === 'sagemaker-training.network-isolation').status).toBe('fail');
  });

  it('links a registered package to the training job that produced it and that job’s datasets', async () => {
    const b = await collect(['sagemaker-registry', 'sagemaker-training']);
    expect(b.code, b.stderr).toBe(0);
    const l = b.json(`${DIR}/training-lineage.json`);
    expect(l.registryCollected).toBe(true);
    expect(l.packages).toHaveLength(PACKAGES);
    expect(l.packages.find((p: any) => p.ModelPackageArn === pkgArn('fraud', 1))).toEqual({
      ModelPackageArn: pkgArn('fraud', 1),
      ModelApprovalStatus: 'Approved',
      modelData: ['s3://models/train-0000/output/model.tar.gz'],
      TrainingJobName: 'train-0000',
      TrainingJobArn: `arn:aws:sagemaker:${SM_REGION}:111122223333:training-job/train-0000`,
      datasets: [{ ChannelName: 'train', S3Uri: 's3://training-data/job-0/', FileSystem: null }],
    });
    expect(l.packages.find((p: any) => p.ModelPackageArn === pkgArn('fraud', 2)).reason).toContain('no training job of the window (30 days) produced');
    expect(b.provenance(`${DIR}/training-lineage.json`)).toMatchObject({ complete: true, notes: { linked: 1 } });
  });

  it('without sagemaker-registry in the collection, the lineage says so and holds nothing', async () => {
    const b = await collect();
    expect(b.json(`${DIR}/training-lineage.json`)).toEqual({ registryCollected: false, packages: [] });
  });
});
