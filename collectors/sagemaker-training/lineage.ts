// The training lineage of the registry: each model package sagemaker-registry wrote in this collection
// (same source, account and region), its model data URIs, the training job of this bundle whose
// S3ModelArtifacts is one of them, and that job's input channels (the training datasets). No API calls.
import type { AwsContext } from '../define.js';
import type { PackageRecord } from '../sagemaker-registry/record.js';
import { KIND, PACKAGES_KIND } from './kinds.js';
import type { TrainingJobRecord } from './record.js';

export interface LineageRecord {
  ModelPackageArn: string;
  ModelApprovalStatus: string | null;
  modelData: string[];
  /** the job that produced the model data, or null with `reason` */
  TrainingJobName: string | null;
  TrainingJobArn: string | null;
  datasets: { ChannelName: string; S3Uri: string | null; FileSystem: string | null }[];
  reason?: string;
}

export interface Lineage {
  /** false: sagemaker-registry did not run for this account and region in this collection */
  registryCollected: boolean;
  packages: LineageRecord[];
}

export function lineageOf(p: PackageRecord, byArtifact: Map<string, TrainingJobRecord>, window: string): LineageRecord {
  const modelData = p.containers.map((c) => c.ModelDataUrl).filter((x): x is string => !!x);
  const job = modelData.map((u) => byArtifact.get(u)).find((j) => j);
  const base = { ModelPackageArn: p.ModelPackageArn, ModelApprovalStatus: p.ModelApprovalStatus, modelData };
  if (job) return { ...base, TrainingJobName: job.TrainingJobName, TrainingJobArn: job.TrainingJobArn, datasets: job.channels };
  const reason = p.error ? `the package could not be described (${p.error})` : modelData.length ? `no training job of the window (${window}) produced ${modelData.join(', ')}: trained earlier, elsewhere, or outside SageMaker` : 'the package names no model data';
  return { ...base, TrainingJobName: null, TrainingJobArn: null, datasets: [], reason };
}

export async function writeLineage(ctx: AwsContext, jobs: TrainingJobRecord[], jobsComplete: boolean, window: string): Promise<void> {
  const [art] = ctx.run.find(PACKAGES_KIND, { source: ctx.target.source, account: ctx.aws.account, region: ctx.aws.region });
  const byArtifact = new Map<string, TrainingJobRecord>();
  for (const j of jobs) if (j.S3ModelArtifacts) byArtifact.set(j.S3ModelArtifacts, j);
  const packages: LineageRecord[] = [];
  if (art) for await (const p of art.iterate<PackageRecord>()) packages.push(lineageOf(p, byArtifact, window));
  await ctx.artifacts.json(KIND.lineage, { registryCollected: !!art, packages } satisfies Lineage, {
    operations: [],
    // a job missing from an incomplete listing would read as "trained elsewhere"
    complete: jobsComplete && (!art || art.complete),
    records: packages.length,
    notes: {
      derivedFrom: [`${KIND.trainingJobs} of this bundle`, art ? `${PACKAGES_KIND} of this bundle (${art.path})` : `${PACKAGES_KIND}: sagemaker-registry did not run for this account and region`],
      linked: packages.filter((p) => p.TrainingJobName).length,
    },
  });
}
