// The S3 buckets that hold training data and model artifacts, per AWS account: discovered from the
// lineage artifacts of the same run (MLflow dataset sources, SageMaker training channels, outputs,
// model data and data capture, Bedrock training data, outputs and invocation logs) plus the source's
// trainingDataBuckets; per bucket its default encryption, public access block (and the account's),
// policy (TLS-only, external principals), versioning, Object Lock and access logging; and the KMS
// keys those buckets and the ML resources use: rotation and key policy. The calls live in collect.ts.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';
import { KIND, LINEAGE } from './kinds.js';

export { KIND, LINEAGE } from './kinds.js';

export const settings = z.strictObject({
  /** encryption-at-rest requires SSE-KMS (false: SSE-S3 suffices) */
  requireKms: z.boolean().default(true),
  /** accounts a bucket or key policy may grant to without an exception (external-access) */
  trustedAccounts: z.array(z.string().regex(/^\d{12}$/, 'expected a 12-digit account id')).default([]),
});
export type DataStoresSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'aws-data-stores',
    title: 'Where training data and model artifacts live: the S3 buckets lineage names (encryption, public access, TLS-only policy, external principals, versioning, Object Lock, logging) and the KMS keys of buckets and ML resources (rotation, key policy)',
    source: 'aws',
    scope: 'global',
    settings,
    reads: Object.values(LINEAGE),
    permissions: [
      's3:ListAllMyBuckets',
      's3:GetAccountPublicAccessBlock',
      's3:ListBucket',
      's3:GetEncryptionConfiguration',
      's3:GetBucketPublicAccessBlock',
      's3:GetBucketPolicy',
      's3:GetBucketVersioning',
      's3:GetBucketObjectLockConfiguration',
      's3:GetBucketLogging',
      'kms:DescribeKey',
      'kms:GetKeyRotationStatus',
      'kms:GetKeyPolicy',
    ],
    artifacts: [
      {
        kind: KIND.account,
        file: 'account.json',
        description: 'The account-wide S3 public access block (s3control GetPublicAccessBlock; null: none) and how many buckets the account owns (ListBuckets; null: the listing failed).',
      },
      {
        kind: KIND.buckets,
        file: 'buckets.ndjson',
        description:
          'One record per bucket named in this run’s lineage or in trainingDataBuckets: owner (this account, another account, unknown), region, where it was named, default encryption rules, public access block, bucket policy, versioning, Object Lock, server access logging; each setting null for "none" or {error}; error when the bucket itself could not be read.',
      },
      {
        kind: KIND.keys,
        file: 'kms-keys.json',
        description: 'Each KMS key a bucket or an ML resource (training job, endpoint, notebook, Studio domain, Bedrock custom model or job) names: ARN, owner, what named it, key manager, state, spec, origin, rotation status and key policy; keys of another account are listed, not read.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
