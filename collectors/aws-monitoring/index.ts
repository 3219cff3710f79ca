// Monitoring of the AWS ML platform, per account × region: CloudWatch alarms (DescribeAlarms, every
// page) joined with the SageMaker endpoints sagemaker-endpoints found in this collection; AWS Backup
// plans and their selections, and which data stores (settings.dataStores and the S3 buckets
// aws-data-stores read in this collection, each judged in its region) they cover; ECR image scan findings (critical/high) for the
// images the training jobs and endpoints of this collection run.
// The calls live in collect.ts, loaded on first use.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';
import { BUCKETS_KIND, ENDPOINTS_KIND, KIND, PROCESSING_KIND, TRAINING_KIND } from './kinds.js';

export { KIND, BUCKETS_KIND, ENDPOINTS_KIND, PROCESSING_KIND, TRAINING_KIND } from './kinds.js';

export const settings = z.strictObject({
  /** ARNs of data stores AWS Backup must cover besides the training data buckets found in this collection (arn:aws:s3:::bucket, DynamoDB tables, EFS …) */
  dataStores: z.array(z.string().regex(/^arn:aws[a-z-]*:[a-z0-9-]+:/, 'expected a resource ARN')).default([]),
  /** whether the S3 buckets the training jobs of this collection read count as data stores to back up (the source's trainingDataBuckets always do) */
  trainingJobBuckets: z.boolean().default(true),
  /** scan finding severities that fail image-vulnerabilities */
  severities: z.array(z.enum(['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL', 'UNDEFINED'])).min(1).default(['CRITICAL', 'HIGH']),
});
export type MonitoringSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'aws-monitoring',
    title: 'CloudWatch alarms on the inference endpoints, AWS Backup plans covering the data stores, ECR scan findings of the images training and processing jobs and endpoints run',
    source: 'aws',
    scope: 'regional',
    settings,
    reads: [ENDPOINTS_KIND, TRAINING_KIND, PROCESSING_KIND, BUCKETS_KIND],
    permissions: ['cloudwatch:DescribeAlarms', 'backup:ListBackupPlans', 'backup:ListBackupSelections', 'backup:GetBackupSelection', 'ecr:DescribeImageScanFindings'],
    artifacts: [
      { kind: KIND.alarms, file: 'alarms.ndjson', description: 'One record per CloudWatch metric alarm of the region: name, ARN, namespace, metric, dimensions (also of metric-math alarms), whether actions are enabled, the alarm actions, state, and the SageMaker endpoints it watches (EndpointName dimension).' },
      { kind: KIND.endpointAlarms, file: 'endpoint-alarms.json', description: 'Each endpoint sagemaker-endpoints found in this collection with the alarms on its EndpointName dimension and whether each notifies anyone (actions enabled and configured).' },
      { kind: KIND.backupPlans, file: 'backup-plans.ndjson', description: 'One record per AWS Backup plan: id, name, ARN, version, and its selections (IAM role, Resources, NotResources, tags and conditions).' },
      { kind: KIND.backupCoverage, file: 'backup-coverage.json', description: 'Each data store of the region (settings.dataStores, and the S3 buckets aws-data-stores read in this collection, each in its own region) with the backup selections that cover it, or cover it only under tag conditions; bucketsUnknown says why the bucket list is not known (aws-data-stores did not run, or is incomplete).' },
      { kind: KIND.imageFindings, file: 'image-findings.ndjson', description: 'One record per distinct container image the training jobs, processing jobs and endpoints of this collection run: ECR repository and tag or digest, who runs it, scan status and time, finding counts by severity, and the critical and high findings.' },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
