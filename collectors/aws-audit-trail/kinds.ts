// The artifact kinds of aws-audit-trail and the events it looks up, apart from index.ts so checks
// (and other collectors or the report) can import them without loading the SDK.
export const KIND = {
  trails: 'aws.cloudtrail.trails',
  events: 'aws.cloudtrail.events',
} as const;

/**
 * The management events that change ML assets and access, by the service that records them. IAM is
 * global: CloudTrail records its events in us-east-1 only.
 */
export const WATCHED_EVENTS = {
  'sagemaker.amazonaws.com': ['UpdateModelPackage', 'CreateEndpoint', 'UpdateEndpoint'],
  // grants and removals of access: aws-iam's access-changes rows take their actor from these
  'iam.amazonaws.com': [
    'AttachUserPolicy',
    'AttachGroupPolicy',
    'AttachRolePolicy',
    'DetachUserPolicy',
    'DetachGroupPolicy',
    'DetachRolePolicy',
    'PutUserPolicy',
    'PutGroupPolicy',
    'PutRolePolicy',
    'DeleteUserPolicy',
    'DeleteGroupPolicy',
    'DeleteRolePolicy',
    'AddUserToGroup',
    'RemoveUserFromGroup',
    'CreateUser',
    'DeleteUser',
    'CreateRole',
    'DeleteRole',
    'CreateAccessKey',
    'UpdateAssumeRolePolicy',
  ],
  'secretsmanager.amazonaws.com': ['RotateSecret', 'PutResourcePolicy'],
} as const;

export type WatchedSource = keyof typeof WATCHED_EVENTS;

/** The region where CloudTrail records the events of global services (IAM). */
export const GLOBAL_EVENTS_REGION = 'us-east-1';

/** How far back the CloudTrail event history goes. */
export const HISTORY_DAYS = 90;

/** One record of aws.cloudtrail.events (report-core builds population actors from exactly this shape). */
export interface EventRecord {
  eventId: string;
  eventTime: string;
  eventSource: string;
  eventName: string;
  awsRegion: string;
  account: string;
  actor: { type: string | null; arn: string | null; userName: string | null };
  resources: { type: string | null; name: string | null }[];
}

export interface TrailRecord {
  TrailARN: string;
  Name: string;
  HomeRegion: string | null;
  /** the configured regions whose DescribeTrails listed it */
  seenIn: string[];
  IsMultiRegionTrail: boolean;
  IsOrganizationTrail: boolean;
  IncludeGlobalServiceEvents: boolean;
  LogFileValidationEnabled: boolean;
  KmsKeyId: string | null;
  S3BucketName: string | null;
  CloudWatchLogsLogGroupArn: string | null;
  status: { IsLogging: boolean | null; LatestDeliveryTime: string | null; LatestDeliveryError: string | null; StartLoggingTime: string | null; StopLoggingTime: string | null } | { error: string };
  /** management events the selectors log; null: GetEventSelectors returned no selector */
  managementEvents: { read: boolean; write: boolean } | null | { error: string };
  selectors: { EventSelectors: unknown[]; AdvancedEventSelectors: unknown[] } | null;
}
