// Real AWS SDK v3 clients pointed at the sandbox. Retries keep the SDK's own classification
// (standard strategy, 3 attempts) with a short fixed backoff so the suite stays fast.
import { IAMClient } from '@aws-sdk/client-iam';
import { OrganizationsClient } from '@aws-sdk/client-organizations';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { STSClient } from '@aws-sdk/client-sts';
import { ConfiguredRetryStrategy } from '@smithy/core/retry';
import type { AwsAccountSeed } from '../../../src/sandbox/aws/index.js';

export interface Creds {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export const TEST_CREDS: Creds = { accessKeyId: 'test', secretAccessKey: 'test' };

function common(endpoint: string, region: string, credentials: Creds, maxAttempts: number) {
  return {
    endpoint,
    region,
    credentials,
    retryStrategy: new ConfiguredRetryStrategy(maxAttempts, 5),
  };
}

export function iam(endpoint: string, credentials: Creds = TEST_CREDS, maxAttempts = 3): IAMClient {
  return new IAMClient(common(endpoint, 'us-east-1', credentials, maxAttempts));
}
export function sts(endpoint: string, credentials: Creds = TEST_CREDS, maxAttempts = 3): STSClient {
  return new STSClient(common(endpoint, 'us-east-1', credentials, maxAttempts));
}
export function secrets(endpoint: string, region = 'us-east-1', credentials: Creds = TEST_CREDS, maxAttempts = 3): SecretsManagerClient {
  return new SecretsManagerClient(common(endpoint, region, credentials, maxAttempts));
}
export function sagemaker(endpoint: string, region = 'us-east-1', credentials: Creds = TEST_CREDS, maxAttempts = 3): SageMakerClient {
  return new SageMakerClient(common(endpoint, region, credentials, maxAttempts));
}
export function orgs(endpoint: string, credentials: Creds = TEST_CREDS, maxAttempts = 3): OrganizationsClient {
  return new OrganizationsClient(common(endpoint, 'us-east-1', credentials, maxAttempts));
}

/** The error a promise rejects with (fails when it resolves). */
export async function rejection(p: Promise<unknown>): Promise<Error & { $metadata?: { httpStatusCode?: number; attempts?: number }; Code?: string }> {
  try {
    await p;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection');
}

/** An account of the sandbox with nothing but what a test adds (SageMaker, S3 …). */
export function bareAccount(id: string): AwsAccountSeed {
  return { id, callerArn: `arn:aws:sts::${id}:assumed-role/auditor/ci`, iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] }, secrets: {} };
}
