// CloudTrail, per account: the trails every configured region sees (DescribeTrails with shadow
// trails, deduplicated by ARN), each trail's status and event selectors asked in its home region;
// and the actors: the management events that change ML assets and access (WATCHED_EVENTS) looked up
// in the CloudTrail event history for the window since the previous bundle, every page, under
// LookupEvents' quota of 2 calls per second per account and region.
// The calls live in collect.ts, loaded on first use (the SDK takes a while to load).
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';
import { HISTORY_DAYS, KIND } from './kinds.js';

export { KIND, WATCHED_EVENTS, GLOBAL_EVENTS_REGION, type EventRecord, type TrailRecord } from './kinds.js';

export const settings = z.strictObject({
  /** the first bundle's window: this many days back (later bundles start where the previous one ended) */
  lookbackDays: z.number().int().min(1).max(HISTORY_DAYS).default(7),
  /** the window ends this many minutes before the collection: CloudTrail delivers an event to its history within about 5–15 minutes */
  settleMinutes: z.number().int().min(0).max(120).default(15),
  /** LookupEvents calls started per second in each region (CloudTrail's quota: 2 per account and region) */
  lookupCallsPerSecond: z.number().positive().max(2).default(2),
});
export type AuditTrailSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'aws-audit-trail',
    title: 'CloudTrail: trails with logging, multi-region, log file validation, KMS and management events; who changed ML assets and access (LookupEvents) since the previous bundle',
    source: 'aws',
    scope: 'global',
    settings,
    permissions: ['cloudtrail:DescribeTrails', 'cloudtrail:GetTrailStatus', 'cloudtrail:GetEventSelectors', 'cloudtrail:LookupEvents'],
    artifacts: [
      {
        kind: KIND.trails,
        file: 'trails.ndjson',
        description:
          'One record per trail any configured region sees (shadow trails included, one record per ARN): home region, multi-region, organization trail, log file validation, KMS key, S3 bucket, CloudWatch Logs group, status (IsLogging, latest delivery and its error, start/stop times) and the management events its selectors log (read, write).',
      },
      {
        kind: KIND.events,
        file: 'events.ndjson',
        description:
          'One record per CloudTrail management event that changed ML assets or access in the window (SageMaker UpdateModelPackage/CreateEndpoint/UpdateEndpoint, IAM policy attachments and detachments, inline policies put or deleted, group membership, users and roles created or deleted, access keys and trust policies, Secrets Manager rotations and resource policies): event id and time, source, name, region, account, the actor (identity type, ARN, user name) and the resources named. Request parameters are never copied. The provenance notes give the window and say whether every lookup ran to its last page.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
