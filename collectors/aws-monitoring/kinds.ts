// The artifact kinds of aws-monitoring and their records, apart from index.ts so checks can import
// them without loading the SDK.
export const KIND = {
  alarms: 'aws.cloudwatch.alarms',
  endpointAlarms: 'aws.monitoring.endpoint-alarms',
  backupPlans: 'aws.backup.plans',
  backupCoverage: 'aws.monitoring.backup-coverage',
  imageFindings: 'aws.ecr.image-scan-findings',
} as const;

/** what other collectors of the same run wrote, read here: the endpoints, the training and processing jobs and the buckets aws-data-stores read */
export const BUCKETS_KIND = 'aws.datastores.buckets';
export const ENDPOINTS_KIND = 'aws.sagemaker.endpoints';
export const TRAINING_KIND = 'aws.sagemaker.training-jobs';
export const PROCESSING_KIND = 'aws.sagemaker.processing-jobs';

export interface AlarmRecord {
  AlarmName: string;
  AlarmArn: string | null;
  Namespace: string | null;
  MetricName: string | null;
  /** the alarm's dimensions, and those of the metrics of a metric-math alarm */
  Dimensions: { Name: string; Value: string }[];
  ActionsEnabled: boolean;
  AlarmActions: string[];
  StateValue: string | null;
  /** the EndpointName dimension values: the SageMaker endpoints it watches */
  endpoints: string[];
}

export interface EndpointAlarms {
  EndpointName: string;
  EndpointArn: string | null;
  EndpointStatus: string | null;
  /** alarms on the endpoint's EndpointName dimension, with whether they would notify anyone */
  alarms: { AlarmName: string; MetricName: string | null; actions: boolean }[];
}

export interface EndpointAlarmsArtifact {
  endpointsCollected: boolean;
  endpointsArtifact: string | null;
  alarmsComplete: boolean;
  endpoints: EndpointAlarms[];
}

export interface SelectionRecord {
  SelectionId: string;
  SelectionName: string | null;
  IamRoleArn: string | null;
  Resources: string[];
  NotResources: string[];
  ListOfTags: { ConditionType: string | null; ConditionKey: string | null; ConditionValue: string | null }[];
  /** Conditions (StringEquals … on tags) that narrow Resources */
  conditions: number;
  error?: string;
}

export interface BackupPlanRecord {
  BackupPlanId: string;
  BackupPlanName: string | null;
  BackupPlanArn: string | null;
  VersionId: string | null;
  selections: SelectionRecord[] | { error: string };
}

export interface CoverageRecord {
  /** a data store's ARN (arn:aws:s3:::bucket …) */
  resource: string;
  /** where it comes from: settings.dataStores, or the training jobs that read it */
  from: string[];
  /** selections whose Resources name it (NotResources not excluding it, no narrowing conditions) */
  coveredBy: { plan: string; selection: string }[];
  /** selections that may cover it, but only under tag conditions this collector cannot verify */
  conditional: { plan: string; selection: string }[];
  /** a bucket this region cannot judge (it lives in a region the source does not collect) */
  unread?: string;
}

export interface BackupCoverageArtifact {
  plansComplete: boolean;
  /** plans or selections that could not be read: a data store not covered may be covered there */
  unreadPlans: string[];
  /** why the S3 buckets to cover are not all known here (aws-data-stores did not run, or its bucket list is incomplete); null: they are */
  bucketsUnknown: string | null;
  dataStores: CoverageRecord[];
}

export interface ImageFindingsRecord {
  image: string;
  registryId: string | null;
  repositoryName: string | null;
  imageTag: string | null;
  imageDigest: string | null;
  /** the training jobs and endpoints that run it */
  usedBy: string[];
  /** outside: not an ECR image of this account (another account's or a public registry); scanned: a scan result was read */
  state: 'scanned' | 'not-scanned' | 'image-not-found' | 'outside' | 'error';
  scanStatus: string | null;
  scanCompletedAt: string | null;
  severityCounts: Record<string, number>;
  /** CRITICAL and HIGH findings (name, severity, package), every page read; at most 100 listed */
  findings: { name: string | null; severity: string; package: string | null }[];
  error?: string;
}
