// Deterministic synthetic operations of a generated AWS account, for benchmarks: its CloudTrail
// (trails, and a busy day of management events in every region) and its monitoring (CloudWatch
// alarms on the SageMaker endpoints, AWS Backup plans over the S3 buckets, ECR images with scan
// findings for the images the training and processing jobs and endpoints run). Derived from the account's own
// SageMaker and S3 seeds, with a PRNG of its own: adding it changes nothing else of the account.

import { prng } from './generate.js';
import type { AwsAccountSeed, CloudTrailEventSeed, CloudTrailSeed, MonitoringRegionSeed } from './seed.js';

export interface GenerateOpsOptions {
  /** the account's regions; the first is home (SageMaker, the buckets, the organization trail) */
  regions: string[];
  /** reference "now": the events fall in the day before it */
  now: string;
  /** PRNG seed (default 1) */
  seed?: number;
  /** the watched changes of a day, as a share of the large company's (1: ~1,400 changes a day) */
  changesScale: number;
  /** other management events per region and day (writes of other services, reads of the watched ones): what an EventSource or ReadOnly lookup would page through */
  otherEventsPerRegion: number;
}

/** A busy day of a large ML company's changes to ML assets and access, per event name (IAM's recorded in us-east-1 only). */
const HOME_CHANGES: Record<string, Record<string, number>> = {
  'sagemaker.amazonaws.com': { UpdateModelPackage: 120, CreateEndpoint: 12, UpdateEndpoint: 45 },
  'secretsmanager.amazonaws.com': { RotateSecret: 60, PutResourcePolicy: 8 },
};
const IAM_CHANGES: Record<string, number> = {
  AttachRolePolicy: 150, DetachRolePolicy: 60, PutRolePolicy: 120, DeleteRolePolicy: 30,
  AttachUserPolicy: 20, DetachUserPolicy: 12, PutUserPolicy: 8, DeleteUserPolicy: 5,
  AttachGroupPolicy: 5, DetachGroupPolicy: 3, PutGroupPolicy: 2, DeleteGroupPolicy: 1,
  AddUserToGroup: 60, RemoveUserFromGroup: 25, CreateUser: 15, DeleteUser: 10,
  CreateRole: 90, DeleteRole: 70, CreateAccessKey: 45, UpdateAssumeRolePolicy: 35,
};
/** the other regions: a few endpoints and the secrets' rotations */
const REGIONAL_CHANGES: Record<string, Record<string, number>> = {
  'sagemaker.amazonaws.com': { UpdateModelPackage: 5, CreateEndpoint: 2, UpdateEndpoint: 6 },
  'secretsmanager.amazonaws.com': { RotateSecret: 55, PutResourcePolicy: 4 },
};
/** the same names from other services: a lookup by EventName returns them too */
const SAME_NAME_ELSEWHERE: { source: string; name: string; perDay: number }[] = [
  { source: 'dms.amazonaws.com', name: 'CreateEndpoint', perDay: 3 },
  { source: 'logs.amazonaws.com', name: 'PutResourcePolicy', perDay: 6 },
];
/** what fills the rest of the history: other services' writes and the watched services' reads */
const OTHER_WRITES = [
  ['logs.amazonaws.com', 'CreateLogStream'], ['autoscaling.amazonaws.com', 'SetDesiredCapacity'], ['ec2.amazonaws.com', 'CreateTags'],
  ['ec2.amazonaws.com', 'RunInstances'], ['s3.amazonaws.com', 'PutBucketTagging'], ['sagemaker.amazonaws.com', 'CreateTrainingJob'],
] as const;
const WATCHED_READS = [
  ['sagemaker.amazonaws.com', 'DescribeTrainingJob'], ['sagemaker.amazonaws.com', 'ListModelPackages'], ['secretsmanager.amazonaws.com', 'DescribeSecret'],
  ['secretsmanager.amazonaws.com', 'ListSecrets'], ['iam.amazonaws.com', 'GetRole'], ['iam.amazonaws.com', 'ListAttachedRolePolicies'],
] as const;

/**
 * Trails: one multi-region organization trail at home (logging, validated, KMS) and a single-region
 * trail in every region (one of them stopped); events: a day of changes before `now` (the last half
 * hour left out, as CloudTrail's delivery delay would) among the other events of the day.
 */
export function generateCloudTrail(account: string, o: GenerateOpsOptions): CloudTrailSeed {
  const rnd = prng((o.seed ?? 1) * 7919 + 17);
  const nowMs = Date.parse(o.now);
  const home = o.regions[0]!;
  // a run of the day: from 23 h before `now` to 30 min before it, inside any window of a day that ends 15 min before a collection within the next hour
  const when = () => new Date(nowMs - 30 * 60_000 - Math.floor(rnd() * 22.5 * 3_600_000)).toISOString();
  const actors = Array.from({ length: 40 }, (_, i) =>
    i % 4 === 0
      ? { type: 'IAMUser', principalId: `AIDA${String(i).padStart(17, '0')}`, arn: `arn:aws:iam::${account}:user/engineer-${i}`, accountId: account, userName: `engineer-${i}` }
      : { type: 'AssumedRole', principalId: `AROA${String(i).padStart(17, '0')}:session-${i}`, arn: `arn:aws:sts::${account}:assumed-role/${i % 4 === 1 ? 'ml-engineer' : i % 4 === 2 ? 'platform-admin' : 'ci-deploy'}/session-${i}`, accountId: account },
  );
  const actor = () => actors[Math.floor(rnd() * actors.length)]!;
  const events: Record<string, CloudTrailEventSeed[]> = {};
  const add = (region: string, source: string, name: string, n: number, readOnly = false) => {
    const list = (events[region] ??= []);
    for (let i = 0; i < n; i++) list.push({ name, source, time: when(), userIdentity: actor(), readOnly, resources: [{ type: `AWS::${source.split('.')[0]}::Resource`, name: `${name.toLowerCase()}-${i}` }] });
  };
  const scaled = (n: number) => Math.round(n * o.changesScale);
  for (const region of o.regions) {
    for (const [source, names] of Object.entries(region === home ? HOME_CHANGES : REGIONAL_CHANGES)) for (const [name, n] of Object.entries(names)) add(region, source, name, scaled(n));
    for (const x of SAME_NAME_ELSEWHERE) add(region, x.source, x.name, scaled(x.perDay));
    const other = [...OTHER_WRITES, ...WATCHED_READS];
    // IAM is global: its events are recorded in us-east-1, configured or not
    for (const [i, [source, name]] of other.entries()) add(source === 'iam.amazonaws.com' ? 'us-east-1' : region, source, name, Math.round(o.otherEventsPerRegion / other.length), i >= OTHER_WRITES.length);
  }
  for (const [name, n] of Object.entries(IAM_CHANGES)) add('us-east-1', 'iam.amazonaws.com', name, scaled(n));
  return {
    trails: [
      { name: 'organization-trail', homeRegion: home, bucket: 'cloudtrail-logs', multiRegion: true, organization: true, logFileValidation: true, kmsKeyId: `arn:aws:kms:${home}:${account}:key/cloudtrail` },
      ...o.regions.map((r, i) => ({ name: `${r}-data-events`, homeRegion: r, bucket: 'cloudtrail-logs', logFileValidation: i !== 1, ...(i === 2 ? { logging: false } : {}), eventSelectors: [{ ReadWriteType: 'WriteOnly' as const, IncludeManagementEvents: true, DataResources: [{ Type: 'AWS::S3::Object', Values: ['arn:aws:s3:::training-data/'] }] }] })),
    ],
    events,
  };
}

/**
 * Per region: two alarms per SageMaker endpoint (Invocation5XXErrors, ModelLatency; a few without
 * actions, some endpoints without any) among other alarms; AWS Backup plans whose selections name the
 * buckets in groups of ten (some left out, one selection by tag only) beside plans of other
 * resources; and the ECR images the training and processing jobs and endpoints run, scanned with
 * findings (a few never scanned, one deleted).
 */
export function generateMonitoring(a: AwsAccountSeed, o: GenerateOpsOptions): Record<string, MonitoringRegionSeed> {
  const rnd = prng((o.seed ?? 1) * 6151 + 29);
  const chance = (p: number) => rnd() < p;
  const out: Record<string, MonitoringRegionSeed> = {};
  const topic = (r: string) => `arn:aws:sns:${r}:${a.id}:ml-oncall`;
  for (const region of o.regions) {
    const sm = a.sagemaker?.[region];
    const alarms: NonNullable<MonitoringRegionSeed['alarms']> = [];
    for (const e of sm?.endpoints ?? []) {
      if (chance(0.1)) continue;
      const actions = chance(0.95) ? [topic(region)] : [];
      for (const metric of ['Invocation5XXErrors', 'ModelLatency']) alarms.push({ name: `${e.name}-${metric}`, metric, dimensions: { EndpointName: e.name, VariantName: 'AllTraffic' }, actions });
    }
    const others = region === o.regions[0] ? 150 : 60;
    for (let i = 0; i < others; i++) alarms.push({ name: `ec2-cpu-${String(i).padStart(4, '0')}`, metric: 'CPUUtilization', namespace: 'AWS/EC2', dimensions: { InstanceId: `i-${(0x1000000 + i).toString(16)}` }, actions: [topic(region)] });
    const buckets = (a.s3?.buckets ?? []).filter((b) => (b.region ?? 'us-east-1') === region).map((b) => b.name);
    const s3Plan = { id: `plan-s3-${region}`, name: 's3-daily', selections: [] as NonNullable<NonNullable<MonitoringRegionSeed['backupPlans']>[number]['selections']> };
    for (let i = 0; i < buckets.length; i += 10) {
      const named = buckets.slice(i, i + 10).filter(() => chance(0.95));
      if (named.length) s3Plan.selections.push({ id: `sel-${region}-${i / 10}`, name: `buckets-${i / 10}`, resources: named.map((b) => `arn:aws:s3:::${b}`) });
    }
    s3Plan.selections.push({ id: `sel-${region}-tagged`, name: 'tagged-backup', tags: [{ key: 'backup', value: 'daily' }] });
    const backupPlans = [s3Plan, { id: `plan-rds-${region}`, name: 'rds-weekly', selections: [{ id: `sel-${region}-rds`, name: 'databases', resources: [`arn:aws:rds:${region}:${a.id}:db:*`] }] }, { id: `plan-ebs-${region}`, name: 'ebs-nightly', selections: [{ id: `sel-${region}-ebs`, name: 'volumes', resources: [`arn:aws:ec2:${region}:${a.id}:volume/*`], notResources: [`arn:aws:ec2:${region}:${a.id}:volume/vol-scratch*`] }] }];
    const prefix = `${a.id}.dkr.ecr.${region}.amazonaws.com/`;
    const images = new Set<string>();
    for (const j of sm?.trainingJobs ?? []) if (j.image?.startsWith(prefix)) images.add(j.image.slice(prefix.length));
    for (const j of sm?.processingJobs ?? []) if (j.image?.startsWith(prefix)) images.add(j.image.slice(prefix.length));
    for (const m of sm?.models ?? []) for (const c of m.containers) if (c.image?.startsWith(prefix)) images.add(c.image.slice(prefix.length));
    const ecr: NonNullable<MonitoringRegionSeed['images']> = [];
    let n = 0;
    for (const ref of [...images].sort()) {
      const [repository, tag] = ref.split(':') as [string, string | undefined];
      if (n++ % 50 === 49) continue; // deleted since: ImageNotFoundException
      const scanned = !chance(0.05);
      const severities = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'] as const;
      const findings = scanned ? Array.from({ length: Math.floor(rnd() * 40) }, (_, i) => ({ name: `CVE-2026-${String(1000 + Math.floor(rnd() * 9000))}`, severity: severities[Math.min(4, Math.floor(rnd() * rnd() * 6))]!, package: `pkg-${i % 7}` })) : [];
      ecr.push({ repository, ...(tag ? { tag } : {}), ...(scanned ? { scan: { completedAt: o.now, findings } } : {}) });
    }
    out[region] = { alarms, backupPlans, images: ecr };
  }
  return out;
}
