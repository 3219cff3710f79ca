// Which buckets and KMS keys hold or protect training data and model artifacts: the S3 locations and
// keys the lineage artifacts of this run name (MLflow dataset sources, SageMaker training channels,
// processing inputs, outputs, model data and data capture, Bedrock training data, outputs and invocation logs), plus the
// configured trainingDataBuckets. No API calls: it reads what the other collectors wrote.
import type { RunArtifact } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import { bucketOf } from '../_shared/s3.js';
import { LINEAGE } from './kinds.js';

/** references kept per bucket or key in the artifact (the rest are counted) */
export const MAX_REFS = 20;

export interface Reference {
  /** the artifact kind and item that named it */
  from: string;
  /** the URI or key reference as written there */
  ref: string;
}

export interface Found {
  refs: Reference[];
  total: number;
  /** the region the naming resource is in (a key given without an ARN lives there) */
  region: string | null;
}

export interface Discovery {
  buckets: Map<string, Found>;
  keys: Map<string, Found>;
  /** the artifacts read, with their completeness */
  inputs: { kind: string; path: string; complete: boolean }[];
  /** trainingDataBuckets patterns (with * or ?) to match against the account's bucket list */
  patterns: string[];
}

function add(m: Map<string, Found>, key: string, r: Reference, region: string | null): void {
  const f = m.get(key) ?? { refs: [], total: 0, region };
  f.total++;
  if (f.refs.length < MAX_REFS) f.refs.push(r);
  m.set(key, f);
}

/** every string under `v` that is an S3 URI (MLflow dataset sources are free-form JSON) */
function s3Strings(v: unknown, out: string[] = []): string[] {
  if (typeof v === 'string') {
    if (bucketOf(v)) out.push(v);
  } else if (Array.isArray(v)) for (const x of v) s3Strings(x, out);
  else if (v && typeof v === 'object') for (const x of Object.values(v)) s3Strings(x, out);
  return out;
}

type Named = { uris: (string | null | undefined)[]; keys: (string | null | undefined)[]; item: string };
type Extract = (r: any) => Named[];

const one = (item: string, uris: (string | null | undefined)[], keys: (string | null | undefined)[] = []): Named[] => [{ item, uris, keys }];

/** per lineage kind: the S3 URIs and KMS keys one record names */
const EXTRACT: Record<string, Extract> = {
  [LINEAGE.mlflowRuns]: (r) => one(`${r.model} v${r.version}`, (r.run?.datasets ?? []).flatMap((d: any) => s3Strings(d.source))),
  [LINEAGE.trainingJobs]: (r) => one(r.TrainingJobName, [...(r.channels ?? []).map((c: any) => c.S3Uri), r.OutputS3Path, r.S3ModelArtifacts], [r.OutputKmsKeyId, r.VolumeKmsKeyId]),
  [LINEAGE.processingJobs]: (r) => one(r.ProcessingJobName, [...(r.inputs ?? []).map((i: any) => i.S3Uri), ...(r.outputs ?? []).map((o: any) => o.S3Uri)], [r.OutputKmsKeyId, r.VolumeKmsKeyId]),
  [LINEAGE.packages]: (r) => one(r.ModelPackageArn, (r.containers ?? []).map((c: any) => c.ModelDataUrl)),
  [LINEAGE.endpoints]: (r) =>
    one(
      r.EndpointName,
      [r.DataCaptureConfig?.DestinationS3Uri, ...(r.variants ?? []).flatMap((v: any) => (v.model && !('error' in v.model) ? v.model.containers.map((c: any) => c.ModelDataUrl) : []))],
      [r.DataCaptureConfig?.KmsKeyId, r.config && !('error' in r.config) ? r.config.KmsKeyId : null],
    ),
  [LINEAGE.notebooks]: (r) => one(r.NotebookInstanceName, [], [r.KmsKeyId]),
  [LINEAGE.domains]: (r) => one(r.DomainId, [], [r.KmsKeyId]),
  [LINEAGE.bedrockModels]: (r) => one(r.modelArn, [r.trainingDataS3Uri, ...(r.validationDataS3Uris ?? []), r.outputDataS3Uri], [r.modelKmsKeyArn]),
  [LINEAGE.bedrockJobs]: (r) => one(r.jobArn, [r.trainingDataS3Uri, ...(r.validationDataS3Uris ?? []), r.outputDataS3Uri], [r.outputModelKmsKeyArn]),
  [LINEAGE.bedrockLogging]: (r) => one('invocation logs', [r.s3?.bucketName ? `s3://${r.s3.bucketName}/` : null, r.cloudWatch?.largeDataDeliveryS3?.bucketName ? `s3://${r.cloudWatch.largeDataDeliveryS3.bucketName}/` : null]),
};

async function* records(a: RunArtifact): AsyncIterable<unknown> {
  if (a.path.endsWith('.ndjson')) yield* a.iterate();
  else yield await a.readJson();
}

/** Reads the lineage artifacts of this run (this source and account; MLflow's from every source). */
export async function discover(ctx: AwsContext): Promise<Discovery> {
  const d: Discovery = { buckets: new Map(), keys: new Map(), inputs: [], patterns: [] };
  for (const b of ctx.source.trainingDataBuckets) {
    if (/[*?]/.test(b)) d.patterns.push(b);
    else add(d.buckets, b, { from: 'sources.aws[].trainingDataBuckets', ref: b }, null);
  }
  for (const [kind, extract] of Object.entries(EXTRACT)) {
    const found = kind === LINEAGE.mlflowRuns ? ctx.run.find(kind) : ctx.run.find(kind, { source: ctx.target.source, account: ctx.aws.account });
    for (const a of found) {
      d.inputs.push({ kind, path: a.path, complete: a.complete });
      const region = a.scope.region ?? null;
      for await (const r of records(a)) {
        if (!r || typeof r !== 'object') continue;
        for (const n of extract(r)) {
          const from = `${kind} ${n.item ?? '?'}${region ? ` (${region})` : ''}`;
          for (const u of n.uris) {
            const b = bucketOf(u);
            if (b) add(d.buckets, b, { from, ref: u! }, region);
          }
          for (const k of n.keys) if (k) add(d.keys, k, { from, ref: k }, region);
        }
      }
    }
  }
  return d;
}
