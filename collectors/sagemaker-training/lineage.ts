// The training lineage of the registry: each model package sagemaker-registry wrote in this collection
// (same source, account and region), its model data URIs, the training job of this bundle whose
// S3ModelArtifacts is one of them, that job's input channels (the training datasets), and for each
// channel the processing jobs of this bundle that wrote it (an output at, under or above the channel's
// S3 prefix, created before the training job): where the training data was prepared. No API calls.
import type { AwsContext } from '../define.js';
import type { PackageRecord } from '../sagemaker-registry/record.js';
import { KIND, PACKAGES_KIND } from './kinds.js';
import type { ProcessingJobRecord, TrainingJobRecord } from './record.js';

/** A processing job output a training channel read. */
export interface PreparedBy {
  ProcessingJobName: string;
  ProcessingJobArn: string | null;
  CreationTime: string | null;
  ProcessingEndTime: string | null;
  OutputName: string;
  S3Uri: string;
}

export interface DatasetLineage {
  ChannelName: string;
  S3Uri: string | null;
  FileSystem: string | null;
  /** the processing jobs whose output the channel read, newest first; empty with `reason` */
  preparedBy: PreparedBy[];
  reason?: string;
}

export interface LineageRecord {
  ModelPackageArn: string;
  ModelApprovalStatus: string | null;
  modelData: string[];
  /** the job that produced the model data, or null with `reason` */
  TrainingJobName: string | null;
  TrainingJobArn: string | null;
  datasets: DatasetLineage[];
  reason?: string;
}

export interface Lineage {
  /** false: sagemaker-registry did not run for this account and region in this collection */
  registryCollected: boolean;
  packages: LineageRecord[];
}

/** What the join keeps of a processing job (its record may be large; only outputs and times are needed). */
export type ProcessingOutputs = Pick<ProcessingJobRecord, 'ProcessingJobName' | 'ProcessingJobArn' | 'CreationTime' | 'ProcessingEndTime' | 'outputs' | 'error'>;

/** `s3://b/a/` and `s3://b/a` are the same prefix; a match is on whole path segments (`a` never matches `ab`). */
const norm = (uri: string) => uri.replace(/\/+$/, '');
/** The prefix and every prefix above it, up to the bucket: s3://b/a/c → s3://b/a/c, s3://b/a, s3://b. */
function prefixesOf(uri: string): string[] {
  const out = [norm(uri)];
  for (let p = out[0]!; p.lastIndexOf('/') > 's3://'.length; ) out.push((p = p.slice(0, p.lastIndexOf('/'))));
  return out;
}

/**
 * The processing outputs of the window by S3 prefix: `at` holds each output under its own prefix,
 * `within` under every prefix above it too, so a channel finds outputs at or above it (`at` of its
 * prefixes) and below it (`within` of its own) with a few map lookups.
 */
export class ProcessingIndex {
  private readonly at = new Map<string, { job: ProcessingOutputs; output: { OutputName: string; S3Uri: string } }[]>();
  private readonly within = new Map<string, { job: ProcessingOutputs; output: { OutputName: string; S3Uri: string } }[]>();
  /** jobs whose outputs are unknown (DescribeProcessingJob failed): any of them could have written a channel */
  undescribed = 0;

  add(job: ProcessingOutputs): void {
    if (job.error) this.undescribed++;
    for (const o of job.outputs) {
      if (!o.S3Uri?.startsWith('s3://')) continue;
      const e = { job, output: { OutputName: o.OutputName, S3Uri: o.S3Uri } };
      const [own, ...above] = prefixesOf(o.S3Uri);
      push(this.at, own!, e);
      push(this.within, own!, e);
      for (const p of above) push(this.within, p, e);
    }
  }

  /** The jobs that wrote at, under or above `channel` and were created before `before` (when both times are known), newest first. */
  writersOf(channel: string, before: string | null): PreparedBy[] {
    const [own, ...above] = prefixesOf(channel);
    const found = [...(this.within.get(own!) ?? []), ...above.flatMap((p) => this.at.get(p) ?? [])];
    const seen = new Set<string>();
    const out: PreparedBy[] = [];
    for (const { job, output } of found) {
      if (before && job.CreationTime && job.CreationTime >= before) continue; // created after the training job: it cannot have prepared its data
      const k = `${job.ProcessingJobArn ?? job.ProcessingJobName}\n${output.OutputName}`;
      if (seen.has(k)) continue;
      seen.add(k);
      out.push({ ProcessingJobName: job.ProcessingJobName, ProcessingJobArn: job.ProcessingJobArn, CreationTime: job.CreationTime, ProcessingEndTime: job.ProcessingEndTime, ...output });
    }
    return out.sort((a, b) => (b.CreationTime ?? '').localeCompare(a.CreationTime ?? '') || a.ProcessingJobName.localeCompare(b.ProcessingJobName));
  }
}

function push<T>(m: Map<string, T[]>, k: string, v: T): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** One training channel and the processing jobs that prepared it, or why none is named. */
export function datasetLineage(ch: TrainingJobRecord['channels'][number], job: TrainingJobRecord, prep: ProcessingIndex, window: string): DatasetLineage {
  const base = { ChannelName: ch.ChannelName, S3Uri: ch.S3Uri, FileSystem: ch.FileSystem };
  if (!ch.S3Uri?.startsWith('s3://')) return { ...base, preparedBy: [], reason: `the channel reads ${ch.FileSystem ? `a file system (${ch.FileSystem})` : 'no S3 prefix'}: no processing output to match` };
  const preparedBy = prep.writersOf(ch.S3Uri, job.CreationTime);
  if (preparedBy.length) return { ...base, preparedBy };
  const unknown = prep.undescribed ? `; ${prep.undescribed} processing job${prep.undescribed === 1 ? '' : 's'} of the window could not be described: ${prep.undescribed === 1 ? 'its outputs' : 'their outputs'}, which may include this channel, are unknown` : '';
  return { ...base, preparedBy: [], reason: `no processing job of the window (${window}) created before ${job.TrainingJobName} wrote at, under or above ${ch.S3Uri}: prepared earlier, elsewhere, or outside SageMaker Processing${unknown}` };
}

export function lineageOf(p: PackageRecord, byArtifact: Map<string, TrainingJobRecord>, prep: ProcessingIndex, window: string): LineageRecord {
  const modelData = p.containers.map((c) => c.ModelDataUrl).filter((x): x is string => !!x);
  const job = modelData.map((u) => byArtifact.get(u)).find((j) => j);
  const base = { ModelPackageArn: p.ModelPackageArn, ModelApprovalStatus: p.ModelApprovalStatus, modelData };
  if (job) return { ...base, TrainingJobName: job.TrainingJobName, TrainingJobArn: job.TrainingJobArn, datasets: job.channels.map((ch) => datasetLineage(ch, job, prep, window)) };
  const reason = p.error ? `the package could not be described (${p.error})` : modelData.length ? `no training job of the window (${window}) produced ${modelData.join(', ')}: trained earlier, elsewhere, or outside SageMaker` : 'the package names no model data';
  return { ...base, TrainingJobName: null, TrainingJobArn: null, datasets: [], reason };
}

export async function writeLineage(ctx: AwsContext, training: { jobs: TrainingJobRecord[]; complete: boolean }, processing: { jobs: ProcessingOutputs[]; complete: boolean }, window: string): Promise<void> {
  const [art] = ctx.run.find(PACKAGES_KIND, { source: ctx.target.source, account: ctx.aws.account, region: ctx.aws.region });
  const byArtifact = new Map<string, TrainingJobRecord>();
  for (const j of training.jobs) if (j.S3ModelArtifacts) byArtifact.set(j.S3ModelArtifacts, j);
  const prep = new ProcessingIndex();
  for (const j of processing.jobs) prep.add(j);
  const undescribedTraining = training.jobs.filter((j) => j.error).length;
  const packages: LineageRecord[] = [];
  if (art) for await (const p of art.iterate<PackageRecord>()) packages.push(lineageOf(p, byArtifact, prep, window));
  await ctx.artifacts.json(KIND.lineage, { registryCollected: !!art, packages } satisfies Lineage, {
    operations: [],
    // a job missing from an incomplete listing, or whose describe failed, would read as "trained (or prepared) elsewhere"
    complete: training.complete && processing.complete && undescribedTraining === 0 && prep.undescribed === 0 && (!art || art.complete),
    records: packages.length,
    notes: {
      derivedFrom: [`${KIND.trainingJobs} of this bundle`, `${KIND.processingJobs} of this bundle`, art ? `${PACKAGES_KIND} of this bundle (${art.path})` : `${PACKAGES_KIND}: sagemaker-registry did not run for this account and region`],
      linked: packages.filter((p) => p.TrainingJobName).length,
      datasetsPrepared: packages.reduce((n, p) => n + p.datasets.filter((d) => d.preparedBy.length).length, 0),
      undescribed: { trainingJobs: undescribedTraining, processingJobs: prep.undescribed },
    },
  });
}
