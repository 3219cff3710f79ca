// SageMaker Model Registry, per account × region: every model package group with its resource
// policy, every versioned model package of every status (one listing across groups, to its last
// page) described one by one for its approval status, creator, last modifier, model metrics and
// customer metadata; the promotion log between bundles (collectors/_shared/promotions.ts, the one
// implementation shared with mlflow-registry and vertex-registry); and the join of the endpoints
// that sagemaker-endpoints found in the same collection with the packages they serve.
// The calls live in collect.ts, loaded on first use (the SDK takes a while to load).
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { promotionsPopulation } from '../_shared/promotions.js';
import { describeCallsPerSecond } from '../_shared/sagemaker.js';
import { checks } from './checks.js';
import { ENDPOINTS_KIND, KIND, METRIC_SECTIONS } from './kinds.js';

export { KIND, ENDPOINTS_KIND, METRIC_SECTIONS, type MetricSection } from './kinds.js';

export const settings = z.strictObject({
  /** ModelMetrics sections an Approved package must carry (validation-evidence) */
  requiredMetrics: z.array(z.enum(METRIC_SECTIONS)).default(['ModelQuality', 'Bias']),
  describeCallsPerSecond,
});
export type RegistrySettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'sagemaker-registry',
    title: 'SageMaker Model Registry: model package groups and policies, every package with approval status, creator, approver and model metrics, the promotion log and what the endpoints serve',
    source: 'aws',
    scope: 'regional',
    settings,
    // the endpoints sagemaker-endpoints listed in this collection, for deployed-approved
    reads: [ENDPOINTS_KIND],
    permissions: ['sagemaker:ListModelPackageGroups', 'sagemaker:ListModelPackages', 'sagemaker:DescribeModelPackage', 'sagemaker:GetModelPackageGroupPolicy'],
    // who changed a package's approval status is not in the registry; CloudTrail (aws-audit-trail) records it
    populations: [promotionsPopulation(KIND.promotions, { kind: 'aws.cloudtrail.events', eventNames: ['UpdateModelPackage', 'CreateModelPackage'], resource: 'model-package/{model}/{version}' })],
    artifacts: [
      {
        kind: KIND.groups,
        file: 'model-package-groups.ndjson',
        description: 'One record per model package group: name, ARN, description, status, creation time, creator and the parsed resource policy (null: none; {error}: the call failed).',
      },
      {
        kind: KIND.packages,
        file: 'model-packages.ndjson',
        description:
          'One record per versioned model package, every approval status: group, version, ModelApprovalStatus, ApprovalDescription, CreatedBy, LastModifiedBy, creation and modification times, ModelMetrics report URIs, CustomerMetadataProperties (credentials redacted), container images and model data. The snapshot the next bundle diffs against.',
      },
      {
        kind: KIND.promotions,
        file: 'promotions.json',
        description: 'Promotion log: packages registered, approval status changes (PendingManualApproval → Approved/Rejected) with the actor from LastModifiedBy, and deleted packages between the previous bundle and this one. The first bundle is a baseline.',
      },
      {
        kind: KIND.deployments,
        file: 'deployments.json',
        description: 'Each production variant of each endpoint sagemaker-endpoints found in this collection, with the model package it serves and that package’s approval status (or why none is known).',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
