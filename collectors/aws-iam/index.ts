// AWS IAM: principals, policies, credentials and account settings of an account. The calls live in
// collect.ts, loaded on first use: the AWS SDK takes a noticeable part of a second to load, which runs
// that configure no AWS source should not pay.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';
import { DEFAULT_BUCKET_ACTIONS, DEFAULT_ML_ACTIONS } from './ml-actions.js';
import { ACCESS_CHANGES_KIND, accessChangesPopulation } from './access-changes.js';

export const settings = z.strictObject({
  accessKeyMaxAgeDays: z.number().int().min(1).default(90),
  unusedCredentialDays: z.number().int().min(1).default(90),
  passwordPolicy: z
    .strictObject({
      minimumLength: z.number().int().min(6).max(128).default(14),
      requireSymbols: z.boolean().default(true),
      requireNumbers: z.boolean().default(true),
      requireUppercase: z.boolean().default(true),
      requireLowercase: z.boolean().default(true),
      reusePrevention: z.number().int().min(0).max(24).default(0),
      maxAgeDays: z.number().int().min(0).default(0),
    })
    .default({ minimumLength: 14, requireSymbols: true, requireNumbers: true, requireUppercase: true, requireLowercase: true, reusePrevention: 0, maxAgeDays: 0 }),
  credentialReportWaitSeconds: z.number().min(0).max(600).default(60),
  /** sensitive ML actions for "who can change ML assets" (validated against AWS's action list) */
  mlActions: z.array(z.string().regex(/^[a-z0-9-]+:[A-Za-z0-9]+$/, 'expected service:Action without wildcards')).default(DEFAULT_ML_ACTIONS),
  /** object actions on sources.aws[].trainingDataBuckets */
  mlBucketActions: z.array(z.string().regex(/^s3:[A-Za-z]+$/, 'expected an s3 action such as s3:PutObject')).default(DEFAULT_BUCKET_ACTIONS),
  /**
   * read each training bucket's policy (s3:GetBucketPolicy) into ml-privileges: grants to principals of
   * this account or others, and Denies. Off by default until the project's AWS sandbox (demo, bench)
   * serves S3 bucket policies; on, a bucket whose policy cannot be read is a gap and ml-privileges says error.
   */
  readTrainingBucketPolicies: z.boolean().default(false),
  /** principals approved to hold ML privileges (ARNs; * and ? wildcards); others are exceptions */
  mlApprovedPrincipals: z.array(z.string().min(1)).default([]),
});
export type IamSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'aws-iam',
    title: 'AWS IAM: principals, policies, credentials and account settings',
    source: 'aws',
    scope: 'global',
    // model package group policies, from sagemaker-registry's runs of the same account (no call of ours)
    reads: ['aws.sagemaker.model-package-groups'],
    settings,
    populations: [accessChangesPopulation],
    permissions: [
      'iam:GetAccountAuthorizationDetails',
      'iam:GenerateCredentialReport',
      'iam:GetCredentialReport',
      'iam:GetAccountPasswordPolicy',
      'iam:GetAccountSummary',
      'iam:ListVirtualMFADevices',
      'iam:ListSAMLProviders',
      'iam:ListOpenIDConnectProviders',
      's3:GetBucketPolicy',
      // with `organization`: the SCPs of each account's OU path, with the organization's credentials
      'organizations:DescribeOrganization',
      'organizations:ListParents',
      'organizations:ListPoliciesForTarget',
      'organizations:DescribePolicy',
    ],
    artifacts: [
      { kind: 'aws.iam.authorization-details', file: 'authorization-details.ndjson', description: 'Every user, group, role and managed policy with decoded policy documents (one record per line)' },
      { kind: 'aws.iam.credential-report-csv', file: 'credential-report.csv', description: 'The IAM credential report exactly as AWS produced it' },
      { kind: 'aws.iam.credential-report', file: 'credential-report.json', description: 'The credential report parsed into typed rows' },
      { kind: 'aws.iam.password-policy', file: 'password-policy.json', description: 'The account password policy, or the fact that none is set' },
      { kind: 'aws.iam.account-summary', file: 'account-summary.json', description: 'GetAccountSummary: root MFA, root access keys, entity counts' },
      { kind: 'aws.iam.virtual-mfa-devices', file: 'virtual-mfa-devices.json', description: 'Virtual MFA devices and the users they are assigned to' },
      { kind: 'aws.iam.identity-providers', file: 'identity-providers.json', description: 'SAML and OIDC identity providers (federated sign-in)' },
      { kind: 'aws.iam.service-control-policies', file: 'service-control-policies.json', description: 'With an organization configured: the account\'s OU path (root, OUs, account) and the service control policies attached at each level, with their content, or why SCPs do not apply (management account, SCPs not enabled)' },
      { kind: 'aws.iam.ml-privileges', file: 'ml-privileges.json', description: 'Principals whose identity policies, boundaries, SCPs and training-bucket policies allow sensitive ML actions or writes to training-data buckets, and other accounts granted access by model package group policies; per row and per principal and asset, the decision and its deciding statements (derived from the authorization details; the SCPs; the policies of the training buckets, s3:GetBucketPolicy; the group policies sagemaker-registry read)' },
      {
        kind: ACCESS_CHANGES_KIND,
        file: 'access-changes.json',
        description:
          'Changes to principals and their grants since the previous bundle (policies attached or detached, group membership, inline policies, trust policies, principals created or deleted), each with the principal\'s privilege classes (admin: Allow * on *; ml: can change ML assets) before and after, what it grants or removes, and the window it happened in; derived from this bundle\'s and the previous bundle\'s authorization details and ML privileges. The first bundle is a baseline. Feeds the privileged-access population.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
