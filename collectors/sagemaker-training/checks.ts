// Pure functions from sagemaker-training's artifacts to findings; exceptions name ARNs (domain ids).
// A record whose describe failed cannot be judged: it makes the finding `error`, listed with the rest.
import type { Check, CheckInput, CheckResult, Exception } from '../../src/core/types.js';
import { hasLocalStorage } from '../_shared/sagemaker.js';
import { KIND } from './kinds.js';
import type { DomainRecord, NotebookRecord, TrainingJobRecord } from './record.js';

async function all<T>(i: CheckInput, kind: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of i.artifacts.iterate<T>(kind)) out.push(r);
  return out;
}

function verdict(n: number, ex: Exception[], unread: Exception[], pass: string, fail: (k: number) => string, empty: string): CheckResult {
  if (unread.length) return { status: 'error', summary: `${unread.length} items could not be described (see the collector's gaps); ${ex.length} exceptions among the rest`, exceptions: [...unread, ...ex] };
  if (n === 0) return { status: 'not_applicable', summary: empty, exceptions: [] };
  return ex.length ? { status: 'fail', summary: fail(ex.length), exceptions: ex } : { status: 'pass', summary: pass, exceptions: [] };
}

const jobArn = (j: TrainingJobRecord) => j.TrainingJobArn ?? j.TrainingJobName;
const unread = (resource: string, api: string, error: string): Exception => ({ resource, reason: `${api} failed (${error}): not evaluated` });

export const checks: Check[] = [
  {
    id: 'sagemaker-training.network-isolation',
    title: 'Training jobs run with network isolation or inside a VPC',
    severity: 'medium',
    reads: [KIND.trainingJobs],
    async run(i) {
      const jobs = await all<TrainingJobRecord>(i, KIND.trainingJobs);
      const ex: Exception[] = [];
      const bad: Exception[] = [];
      for (const j of jobs) {
        if (j.error) bad.push(unread(jobArn(j), 'DescribeTrainingJob', j.error));
        else if (!j.EnableNetworkIsolation && !j.VpcConfig) ex.push({ resource: jobArn(j), reason: `${j.TrainingJobName} ran without network isolation and outside any VPC: its containers could reach the internet` });
      }
      return verdict(jobs.length, ex, bad, `all ${jobs.length} training jobs of the window ran with network isolation or in a VPC`, (k) => `${k} of ${jobs.length} training jobs ran with open network access`, 'no training jobs in the look-back window');
    },
  },
  {
    id: 'sagemaker-training.encryption',
    title: 'Training jobs encrypt their output, volumes and inter-container traffic',
    severity: 'medium',
    reads: [KIND.trainingJobs],
    async run(i) {
      const jobs = await all<TrainingJobRecord>(i, KIND.trainingJobs);
      const ex: Exception[] = [];
      const bad: Exception[] = [];
      for (const j of jobs) {
        if (j.error) {
          bad.push(unread(jobArn(j), 'DescribeTrainingJob', j.error));
          continue;
        }
        const reasons: string[] = [];
        if (!j.OutputKmsKeyId) reasons.push(`model artifacts written to ${j.OutputS3Path ?? 'S3'} without a KMS key`);
        if (!j.VolumeKmsKeyId && !hasLocalStorage(j.InstanceType)) reasons.push(`the ML storage volumes of ${j.InstanceType ?? 'its instances'} have no customer KMS key`);
        if ((j.InstanceCount ?? 1) > 1 && !j.EnableInterContainerTrafficEncryption) reasons.push(`${j.InstanceCount} instances exchange traffic unencrypted (EnableInterContainerTrafficEncryption off)`);
        if (reasons.length) ex.push({ resource: jobArn(j), reason: `${j.TrainingJobName}: ${reasons.join('; ')}` });
      }
      return verdict(jobs.length, ex, bad, `all ${jobs.length} training jobs of the window encrypt output, volumes and inter-container traffic`, (k) => `${k} of ${jobs.length} training jobs lack encryption`, 'no training jobs in the look-back window');
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
      const ex: Exception[] = [];
      const bad: Exception[] = [];
      for (const nb of notebooks) {
        const at = nb.NotebookInstanceArn ?? nb.NotebookInstanceName;
        if (nb.error) {
          bad.push(unread(at, 'DescribeNotebookInstance', nb.error));
          continue;
        }
        const reasons: string[] = [];
        if (nb.DirectInternetAccess !== 'Disabled') reasons.push('direct internet access is enabled');
        if (nb.RootAccess !== 'Disabled') reasons.push('users have root access');
        if (!nb.KmsKeyId) reasons.push('its storage volume has no customer KMS key');
        if (reasons.length) ex.push({ resource: at, reason: `notebook ${nb.NotebookInstanceName}: ${reasons.join('; ')}` });
      }
      for (const d of domains) {
        const at = d.DomainArn ?? d.DomainId;
        if (d.error) {
          bad.push(unread(at, 'DescribeDomain', d.error));
          continue;
        }
        const reasons: string[] = [];
        if (d.AppNetworkAccessType !== 'VpcOnly') reasons.push(`apps reach the internet directly (AppNetworkAccessType ${d.AppNetworkAccessType ?? 'unknown'})`);
        if (!d.KmsKeyId) reasons.push('its EFS volume has no customer KMS key');
        if (reasons.length) ex.push({ resource: at, reason: `Studio domain ${d.DomainName ?? d.DomainId}: ${reasons.join('; ')}` });
      }
      const n = notebooks.length + domains.length;
      return verdict(n, ex, bad, `${notebooks.length} notebook instances and ${domains.length} Studio domains are closed to the internet, without root access and keyed`, (k) => `${k} of ${n} notebook instances and Studio domains are exposed`, 'no notebook instances or Studio domains in this region');
    },
  },
];
