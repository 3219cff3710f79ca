// Pure functions from sagemaker-training's artifacts to findings; exceptions name ARNs (domain ids).
// A record whose describe failed cannot be judged: it makes the finding `error`, listed with the rest.
import type { Check, CheckInput } from '../../src/core/types.js';
import { judgeEach, merge, verdict, type Judgement } from '../_shared/sagemaker-checks.js';
import { hasLocalStorage } from '../_shared/sagemaker.js';
import { KIND } from './kinds.js';
import type { DomainRecord, NotebookRecord, ProcessingJobRecord, TrainingJobRecord } from './record.js';

async function all<T>(i: CheckInput, kind: string): Promise<T[]> {
  const load = async () => {
    const out: T[] = [];
    for await (const r of i.artifacts.iterate<T>(kind)) out.push(r);
    return out;
  };
  return i.memo ? i.memo(kind, load) : load();
}

/** What the network and encryption checks judge of a training or a processing job. */
interface Job {
  name: string;
  arn: string;
  /** the describe call, for an unread record */
  api: string;
  error?: string;
  output: string;
  OutputKmsKeyId: string | null;
  VolumeKmsKeyId: string | null;
  InstanceType: string | null;
  InstanceCount: number | null;
  VpcConfig: unknown;
  EnableNetworkIsolation: boolean;
  EnableInterContainerTrafficEncryption: boolean;
}

const fromTraining = (j: TrainingJobRecord): Job => ({ ...j, name: j.TrainingJobName, arn: j.TrainingJobArn ?? j.TrainingJobName, api: 'DescribeTrainingJob', output: `model artifacts written to ${j.OutputS3Path ?? 'S3'}` });
const fromProcessing = (j: ProcessingJobRecord): Job => ({
  ...j,
  name: `processing job ${j.ProcessingJobName}`,
  arn: j.ProcessingJobArn ?? `processing-job/${j.ProcessingJobName}`,
  api: 'DescribeProcessingJob',
  output: `outputs written to ${j.outputs.map((o) => o.S3Uri).filter(Boolean).join(', ') || 'S3'}`,
});
const EMPTY = 'no training or processing jobs in the look-back window';

/** Judges each training and processing job of the window; one whose describe failed is unread. */
async function judgeJobs(i: CheckInput, judge: (j: Job) => Judgement) {
  const jobs = (await all<TrainingJobRecord>(i, KIND.trainingJobs)).map(fromTraining);
  const processing = (await all<ProcessingJobRecord>(i, KIND.processingJobs)).map(fromProcessing);
  return { n: `${jobs.length} training and ${processing.length} processing jobs`, judged: judgeEach([...jobs, ...processing], (j) => j.arn, (j) => (j.error ? { unread: `${j.api} failed (${j.error})` } : judge(j))) };
}

function jobEncryption(j: Job): Judgement {
  const reasons: string[] = [];
  if (!j.OutputKmsKeyId) reasons.push(`${j.output} without a KMS key`);
  if (!j.VolumeKmsKeyId && !hasLocalStorage(j.InstanceType)) reasons.push(`the ML storage volumes of ${j.InstanceType ?? 'its instances'} have no customer KMS key`);
  if ((j.InstanceCount ?? 1) > 1 && !j.EnableInterContainerTrafficEncryption) reasons.push(`${j.InstanceCount} instances exchange traffic unencrypted (EnableInterContainerTrafficEncryption off)`);
  return reasons.length ? `${j.name}: ${reasons.join('; ')}` : null;
}

function notebookExposure(nb: NotebookRecord): Judgement {
  if (nb.error) return { unread: `DescribeNotebookInstance failed (${nb.error})` };
  const reasons: string[] = [];
  if (nb.DirectInternetAccess !== 'Disabled') reasons.push('direct internet access is enabled');
  if (nb.RootAccess !== 'Disabled') reasons.push('users have root access');
  if (!nb.KmsKeyId) reasons.push('its storage volume has no customer KMS key');
  return reasons.length ? `notebook ${nb.NotebookInstanceName}: ${reasons.join('; ')}` : null;
}

function domainExposure(d: DomainRecord): Judgement {
  if (d.error) return { unread: `DescribeDomain failed (${d.error})` };
  const reasons: string[] = [];
  if (d.AppNetworkAccessType !== 'VpcOnly') reasons.push(`apps reach the internet directly (AppNetworkAccessType ${d.AppNetworkAccessType ?? 'unknown'})`);
  if (!d.KmsKeyId) reasons.push('its EFS volume has no customer KMS key');
  return reasons.length ? `Studio domain ${d.DomainName ?? d.DomainId}: ${reasons.join('; ')}` : null;
}

export const checks: Check[] = [
  {
    id: 'sagemaker-training.network-isolation',
    title: 'Training and processing jobs run with network isolation or inside a VPC',
    severity: 'medium',
    reads: [KIND.trainingJobs, KIND.processingJobs],
    async run(i) {
      const { n, judged } = await judgeJobs(i, (j) => (j.EnableNetworkIsolation || j.VpcConfig ? null : `${j.name} ran without network isolation and outside any VPC: its containers could reach the internet`));
      return verdict(judged, { pass: `all ${n} of the window ran with network isolation or in a VPC`, fail: (k) => `${k} of ${n} ran with open network access`, empty: EMPTY, noun: 'jobs' });
    },
  },
  {
    id: 'sagemaker-training.encryption',
    title: 'Training and processing jobs encrypt their output, volumes and inter-container traffic',
    severity: 'medium',
    reads: [KIND.trainingJobs, KIND.processingJobs],
    async run(i) {
      const { n, judged } = await judgeJobs(i, jobEncryption);
      return verdict(judged, { pass: `all ${n} of the window encrypt output, volumes and inter-container traffic`, fail: (k) => `${k} of ${n} lack encryption`, empty: EMPTY, noun: 'jobs' });
    },
  },
  {
    id: 'sagemaker-training.notebook-exposure',
    title: 'Notebook instances and Studio domains have no direct internet access, no root access and a KMS key',
    severity: 'high',
    reads: [KIND.notebooks, KIND.domains],
    async run(i) {
      const notebooks = await all<NotebookRecord>(i, KIND.notebooks);
      const domains = await all<DomainRecord>(i, KIND.domains);
      const j = merge(judgeEach(notebooks, (nb) => nb.NotebookInstanceArn ?? nb.NotebookInstanceName, notebookExposure), judgeEach(domains, (d) => d.DomainArn ?? d.DomainId, domainExposure));
      return verdict(j, {
        pass: `${notebooks.length} notebook instances and ${domains.length} Studio domains are closed to the internet, without root access and keyed`,
        fail: (k) => `${k} of ${j.population} notebook instances and Studio domains are exposed`,
        empty: 'no notebook instances or Studio domains in this region',
        noun: 'notebook instances or domains',
      });
    },
  },
];
