// AWS Secrets Manager: the metadata of every secret of an account × region, with its resource policy.
// Metadata only: this collector never calls GetSecretValue or BatchGetSecretValue, and copies an
// allow-list of fields (record.ts), so nothing of a secret's value reaches a bundle, log or error.
// The calls live in collect.ts, loaded on first use: the AWS SDK takes a noticeable part of a
// second to load, which runs that configure no AWS source should not pay.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';

export const settings = z.strictObject({
  /** days allowed past AutomaticallyAfterDays (or past NextRotationDate) before a rotation is late */
  rotationGraceDays: z.number().int().min(0).default(7),
  /** a secret not read for longer than this is unused */
  unusedDays: z.number().int().min(1).default(90),
  /** tag keys every secret must carry (matched case-insensitively, non-empty value) */
  requiredTags: z.array(z.string().min(1)).default(['owner', 'data-classification']),
  /** whether secrets must be encrypted with a customer-managed KMS key */
  requireCustomerManagedKey: z.boolean().default(true),
  /**
   * GetResourcePolicy calls started per second, per account and region. AWS allows 50 (shared with
   * Put/Delete/ValidateResourcePolicy, not adjustable); 45 leaves room for other callers, and a call
   * over the quota is throttled, retried and backed off, which is slower than waiting.
   */
  resourcePolicyCallsPerSecond: z.number().positive().max(10_000).default(45),
});
export type SecretsSettings = z.infer<typeof settings>;

export const ROTATIONS_KIND = 'aws.secretsmanager.rotations';
export const KIND = 'aws.secretsmanager.secrets';
export const LIST_PARAMS = { IncludePlannedDeletion: true, MaxResults: 100 } as const;

export default defineCollector<AwsContext>({
  meta: {
    id: 'aws-secrets-manager',
    title: 'AWS Secrets Manager: secret inventory, rotation, encryption keys and resource policies (metadata only)',
    source: 'aws',
    scope: 'regional',
    settings,
    permissions: ['secretsmanager:ListSecrets', 'secretsmanager:GetResourcePolicy', 'secretsmanager:DescribeSecret'],
    populations: [
      {
        population: 'secret-rotations',
        kind: ROTATIONS_KIND,
        chain: 'log',
        key: ['arn', 'rotatedAt'],
        fields: {
          arn: { from: 'arn', type: 'string' },
          name: { from: 'name', type: 'string?' },
          account: { from: 'account', type: 'string?' },
          region: { from: 'region', type: 'string?' },
          rotatedAt: { from: 'rotatedAt', type: 'string' },
          previousRotatedAt: { from: 'previousRotatedAt', type: 'string?' },
        },
      },
    ],
    artifacts: [
      {
        kind: KIND,
        file: 'secrets.ndjson',
        description:
          'One record per secret (including those scheduled for deletion): key, rotation, access and deletion dates, tags, replication and the parsed resource policy. Never a secret value.',
      },
      {
        kind: ROTATIONS_KIND,
        file: 'rotations.json',
        description: 'Rotations since the previous bundle (LastRotatedDate moved), for the rotation population; the first bundle is a baseline',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
