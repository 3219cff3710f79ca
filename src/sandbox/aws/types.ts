// Public and internal types of the AWS sandbox server.

import type { AwsAccountSeed, AwsSeed } from './seed.js';

export type AwsService = 'iam' | 'sts' | 'secretsmanager' | 'organizations' | 'sagemaker' | 'cloudtrail' | 'cloudwatch' | 'ecr' | 'backup' | 'bedrock' | 's3' | 's3control' | 'kms';

export type FaultKind =
  | 'throttle'
  | 'error500'
  | 'error503'
  | 'deny'
  | 'latency'
  | 'reset'
  | 'truncate'
  | 'malformed'
  | 'rewrite'
  | 'expiredToken';

export interface Fault {
  /** Action name (`ListSecrets`); undefined = any action. */
  action?: string;
  /** Service (`iam`, `sts`, `secretsmanager`, `organizations`, `sagemaker`); undefined = any. */
  service?: string;
  kind: FaultKind;
  /** Applies to the first N matching calls; default Infinity. */
  times?: number;
  /** Lets the first N matching calls through before the fault starts (a failure midway through paging). */
  after?: number;
  /** Delay for `latency` (default 1000 ms). */
  ms?: number;
  /** For `rewrite`: turns a successful answer's body into another well-formed one (a server answering oddly). */
  body?: (body: string) => string;
}

export interface RecordedRequest {
  service: AwsService | 'unknown';
  action: string;
  /** Form fields (awsQuery, flattened: `Filter.member.1`) or the parsed JSON body (awsJson1.1). */
  params: Record<string, unknown>;
  /** Account the request was attributed to. */
  account: string;
  /** Region of the SigV4 credential scope (`us-east-1` when unsigned). */
  region: string;
  accessKeyId?: string;
  /** HTTP status sent; 0 when the socket was reset before answering. */
  status: number;
  /** Error code sent, if any. */
  error?: string;
  /** Injected fault that shaped this answer, if any. */
  fault?: FaultKind;
  /** Arrival time, epoch milliseconds. */
  at: number;
}

export interface AwsSandboxOptions {
  seed: AwsSeed;
  /** 0/undefined = an ephemeral port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Added to every answer. */
  latencyMs?: number;
  /** Action (or `service:Action`, or `*`) → requests per second, per account (and region, but for IAM, STS, Organizations); beyond it the service's throttling error. CloudTrail's LookupEvents quota, 2 per second per account and region, applies unless `cloudtrail:LookupEvents` is given. */
  rateLimits?: Record<string, number>;
  /** Polls answered "in progress" (GenerateCredentialReport INPROGRESS, GetCredentialReport ReportInProgress) between STARTED and the report (default 0). */
  credentialReportPolls?: number;
  /** Caps every IAM/Organizations/Secrets Manager page below what the caller asked (AWS may return fewer). */
  maxPageItems?: number;
  /**
   * Accounts served beside the seed's own, made on demand by id (an organization of hundreds of
   * accounts: see organization-scale.ts). Read-only: they are not part of `state` and `reset()`.
   */
  members?: MemberAccounts;
}

/** An organization's member accounts, each generated when first asked for (and again after eviction). */
export interface MemberAccounts {
  get(id: string): AwsAccountSeed | undefined;
}

export interface AwsSandbox {
  url: string;
  port: number;
  /** Every request received, in arrival order. */
  requests: RecordedRequest[];
  faults: { add(f: Fault): void; clear(): void };
  /** The live, mutable seed: change it between two collections. */
  readonly state: AwsSeed;
  /** Restores the original seed, forgets requests, faults, sessions, credential reports and rate buckets. */
  reset(): void;
  close(): Promise<void>;
}

/** Temporary credentials handed out by AssumeRole. */
export interface StsSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  accountId: string;
  roleArn: string;
  roleName: string;
  roleId: string;
  sessionName: string;
  expiration: Date;
}

export interface Caller {
  account: AwsAccountSeed;
  arn: string;
  userId: string;
  accessKeyId: string | undefined;
}

export interface CredentialReportState {
  /** GenerateCredentialReport calls after the one that answered STARTED. */
  pollsAfterStart: number;
  started: Date;
}

export interface Runtime {
  opts: AwsSandboxOptions;
  sessions: Map<string, StsSession>;
  credentialReports: Map<string, CredentialReportState>;
}

export interface HandlerContext {
  state: AwsSeed;
  runtime: Runtime;
  caller: Caller;
  region: string;
  requestId: string;
  now: Date;
}
