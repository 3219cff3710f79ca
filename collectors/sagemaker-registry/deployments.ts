// The join behind sagemaker-registry.deployed-approved: each production variant of each endpoint that
// sagemaker-endpoints wrote in this collection (same source, account and region), the model package its
// model's containers run, and that package's approval status in this bundle's snapshot. No API calls.
import type { EndpointRecord } from '../sagemaker-endpoints/record.js';
import type { AwsContext } from '../define.js';
import { ENDPOINTS_KIND, KIND } from './kinds.js';
import type { PackageRecord } from './record.js';

export type DeploymentVerdict = 'approved' | 'not-approved' | 'no-package' | 'unknown-package' | 'model-unknown' | 'not-serving';

/** endpoint statuses in which an endpoint serves nothing (as sagemaker-endpoints' checks treat them) */
const NOT_SERVING = new Set(['Failed', 'Deleting']);

export interface DeploymentRecord {
  EndpointName: string;
  EndpointArn: string | null;
  VariantName: string;
  ModelName: string | null;
  /** the packages the model's containers name, each with its status here (null: not in this registry) */
  packages: { ModelPackageName: string; ModelApprovalStatus: string | null }[];
  verdict: DeploymentVerdict;
  reason: string;
}

export interface Deployments {
  /** false: sagemaker-endpoints did not run for this account and region in this collection */
  endpointsCollected: boolean;
  endpointsArtifact: string | null;
  variants: DeploymentRecord[];
}

/** Model package ARNs are lower-case in SageMaker (the group name is folded); names match as written. */
const norm = (ref: string) => (ref.startsWith('arn:') ? ref.toLowerCase() : ref);

export function judgeVariant(e: EndpointRecord, v: EndpointRecord['variants'][number], byRef: Map<string, PackageRecord>): DeploymentRecord {
  const base = { EndpointName: e.EndpointName, EndpointArn: e.EndpointArn, VariantName: v.VariantName, ModelName: v.ModelName };
  if (e.EndpointStatus && NOT_SERVING.has(e.EndpointStatus)) return { ...base, packages: [], verdict: 'not-serving', reason: `the endpoint is ${e.EndpointStatus}: it serves nothing` };
  if (!v.model || 'error' in v.model) return { ...base, packages: [], verdict: 'model-unknown', reason: v.model ? `the model could not be read (${v.model.error})` : 'the variant names no model' };
  const refs = v.model.containers.map((c) => c.ModelPackageName).filter((x): x is string => !!x);
  if (!refs.length) return { ...base, packages: [], verdict: 'no-package', reason: `model ${v.model.ModelName} runs an image and model data directly, not a registered model package` };
  const packages = refs.map((ref) => ({ ModelPackageName: ref, ModelApprovalStatus: byRef.get(norm(ref))?.ModelApprovalStatus ?? null }));
  const unknown = packages.filter((p) => p.ModelApprovalStatus === null);
  if (unknown.length) return { ...base, packages, verdict: 'unknown-package', reason: `serves ${unknown.map((p) => p.ModelPackageName).join(', ')}, not in this account and region’s registry (or its approval status is unknown)` };
  const notApproved = packages.filter((p) => p.ModelApprovalStatus !== 'Approved');
  if (notApproved.length) return { ...base, packages, verdict: 'not-approved', reason: notApproved.map((p) => `serves ${p.ModelPackageName}, which is ${p.ModelApprovalStatus}`).join('; ') };
  return { ...base, packages, verdict: 'approved', reason: `serves ${packages.map((p) => p.ModelPackageName).join(', ')} (Approved)` };
}

export async function writeDeployments(ctx: AwsContext, packages: PackageRecord[], packagesComplete: boolean): Promise<void> {
  const [art] = ctx.run.find(ENDPOINTS_KIND, { source: ctx.target.source, account: ctx.aws.account, region: ctx.aws.region });
  const byRef = new Map<string, PackageRecord>();
  for (const p of packages) byRef.set(norm(p.ModelPackageArn), p);
  const variants: DeploymentRecord[] = [];
  if (art) for await (const e of art.iterate<EndpointRecord>()) for (const v of e.variants) variants.push(judgeVariant(e, v, byRef));
  const out: Deployments = { endpointsCollected: !!art, endpointsArtifact: art?.path ?? null, variants };
  await ctx.artifacts.json(KIND.deployments, out, {
    operations: [],
    complete: packagesComplete && (!art || art.complete),
    records: variants.length,
    notes: {
      derivedFrom: [`${KIND.packages} of this bundle`, art ? `${ENDPOINTS_KIND} of this bundle (${art.path})` : `${ENDPOINTS_KIND}: sagemaker-endpoints did not run for this account and region`],
      ...(art && !art.complete ? { incomplete: `${art.path} is incomplete: some endpoints may be missing` } : {}),
      ...(!packagesComplete ? { incomplete: 'the model package listing is incomplete: a served package may be missing' } : {}),
    },
  });
}
