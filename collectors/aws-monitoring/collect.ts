// The calls of aws-monitoring (see index.ts and README.md): DescribeAlarms (metric alarms, every
// page); ListBackupPlans (every page), ListBackupSelections per plan (every page), GetBackupSelection
// per selection; DescribeImageScanFindings per distinct ECR image of this account (every page), in
// the image's region. No call writes anything.
import { GetBackupSelectionCommand, ListBackupPlansCommand, ListBackupSelectionsCommand, BackupClient } from '@aws-sdk/client-backup';
import { CloudWatchClient, DescribeAlarmsCommand, type MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { DescribeImageScanFindingsCommand, ECRClient } from '@aws-sdk/client-ecr';
import { makeClient } from '../../src/clients/aws.js';
import { mapPool } from '../../src/core/pool.js';
import { describeError, RepeatedTokenError } from '../../src/core/errors.js';
import type { OperationRecord } from '../../src/core/types.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { iso, listAll, listingGap, ListingError, op } from '../_shared/sagemaker.js';
import type { EndpointRecord } from '../sagemaker-endpoints/record.js';
import type { ProcessingJobRecord, TrainingJobRecord } from '../sagemaker-training/record.js';
import type { AwsContext } from '../define.js';
import type { MonitoringSettings } from './index.js';
import type { BucketRecord } from '../aws-data-stores/record.js';
import {
  BUCKETS_KIND,
  ENDPOINTS_KIND,
  KIND,
  PROCESSING_KIND,
  TRAINING_KIND,
  type AlarmRecord,
  type BackupCoverageArtifact,
  type BackupPlanRecord,
  type CoverageRecord,
  type EndpointAlarmsArtifact,
  type ImageFindingsRecord,
  type SelectionRecord,
} from './kinds.js';

const MAX_FINDINGS = 100;
/** calls in flight at most (scan findings, a page's backup selections), bounded by the config's concurrency */
const MAX_POOL = 8;
const poolOf = (ctx: AwsContext) => Math.min(MAX_POOL, Math.max(1, ctx.concurrency));

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as MonitoringSettings;
  const where = { source: ctx.target.source, account: ctx.aws.account, region: ctx.aws.region };
  const [endpointsArt] = ctx.run.find(ENDPOINTS_KIND, where);
  const [trainingArt] = ctx.run.find(TRAINING_KIND, where);
  const endpoints: EndpointRecord[] = [];
  if (endpointsArt) for await (const e of endpointsArt.iterate<EndpointRecord>()) endpoints.push(e);
  const jobs: TrainingJobRecord[] = [];
  if (trainingArt) for await (const j of trainingArt.iterate<TrainingJobRecord>()) jobs.push(j);
  // only the image of each processing job is needed here
  const [processingArt] = ctx.run.find(PROCESSING_KIND, where);
  const processing: ProcessingImage[] = [];
  if (processingArt) for await (const j of processingArt.iterate<ProcessingJobRecord>()) processing.push({ ProcessingJobName: j.ProcessingJobName, ImageUri: j.ImageUri });
  await alarms(ctx, endpoints, endpointsArt?.path ?? null, endpointsArt?.complete ?? false);
  await backups(ctx, s, jobs, trainingArt?.path ?? null);
  const sources = [endpointsArt, trainingArt, processingArt];
  const sourcesComplete = sources.every((a) => a?.complete ?? true);
  await images(ctx, { endpoints, jobs, processing }, sources.map((a) => a?.path).filter((x): x is string => !!x), sourcesComplete);
}

// ── CloudWatch alarms ───────────────────────────────────────────────────────────────────────

export function alarmRecord(a: MetricAlarm): AlarmRecord {
  const dims = [...(a.Dimensions ?? []), ...(a.Metrics ?? []).flatMap((m) => m.MetricStat?.Metric?.Dimensions ?? [])].map((d) => ({ Name: d.Name ?? '', Value: d.Value ?? '' }));
  return {
    AlarmName: a.AlarmName ?? '',
    AlarmArn: a.AlarmArn ?? null,
    Namespace: a.Namespace ?? a.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric?.Namespace ?? null,
    MetricName: a.MetricName ?? a.Metrics?.find((m) => m.MetricStat)?.MetricStat?.Metric?.MetricName ?? null,
    Dimensions: dims,
    ActionsEnabled: a.ActionsEnabled !== false,
    AlarmActions: a.AlarmActions ?? [],
    StateValue: a.StateValue ?? null,
    endpoints: [...new Set(dims.filter((d) => d.Name === 'EndpointName').map((d) => d.Value))],
  };
}

async function alarms(ctx: AwsContext, endpoints: EndpointRecord[], endpointsPath: string | null, endpointsComplete: boolean): Promise<void> {
  const cw = makeClient(CloudWatchClient, ctx.aws);
  const o = op('cloudwatch:DescribeAlarms', { AlarmTypes: ['MetricAlarm'], MaxRecords: 100 });
  const out = await ctx.artifacts.ndjson(KIND.alarms);
  const byEndpoint = new Map<string, AlarmRecord[]>();
  let ok = true;
  let n = 0;
  try {
    await listAll(ctx, o, (NextToken) => cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['MetricAlarm'], MaxRecords: 100, NextToken }), { abortSignal: ctx.signal }), async (page) => {
      for (const a of page.MetricAlarms ?? []) {
        const r = alarmRecord(a);
        n++;
        for (const e of r.endpoints) byEndpoint.set(e, [...(byEndpoint.get(e) ?? []), r]);
        await out.write(r);
      }
    });
  } catch (e) {
    listingGap(ctx, o.api, e);
    ok = false;
  } finally {
    cw.destroy();
  }
  await out.finish({ operations: [{ ...o }], complete: ok, notes: { alarms: n, endpointsWatched: byEndpoint.size } });
  const joined: EndpointAlarmsArtifact = {
    endpointsCollected: endpointsPath !== null,
    endpointsArtifact: endpointsPath,
    alarmsComplete: ok,
    endpoints: endpoints.map((e) => ({
      EndpointName: e.EndpointName,
      EndpointArn: e.EndpointArn,
      EndpointStatus: e.EndpointStatus,
      alarms: (byEndpoint.get(e.EndpointName) ?? []).map((a) => ({ AlarmName: a.AlarmName, MetricName: a.MetricName, actions: a.ActionsEnabled && a.AlarmActions.length > 0 })),
    })),
  };
  await ctx.artifacts.json(KIND.endpointAlarms, joined, {
    operations: [],
    complete: ok && (endpointsPath === null || endpointsComplete),
    records: joined.endpoints.length,
    notes: { derivedFrom: [`${KIND.alarms} of this bundle`, endpointsPath ?? `${ENDPOINTS_KIND}: sagemaker-endpoints did not run for this account and region`] },
  });
}

// ── AWS Backup ──────────────────────────────────────────────────────────────────────────────

/** `*` in a selection's resource ARN matches any run of characters, as AWS Backup's wildcards do. */
export function arnMatches(pattern: string, arn: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((x) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re.test(arn);
}

/** The buckets aws-data-stores read in this run, with their regions; null when it did not run for this account. */
export interface BucketsInput {
  path: string;
  complete: boolean;
  buckets: Pick<BucketRecord, 'Bucket' | 'region' | 'discoveredFrom'>[];
}

/**
 * The data stores to cover in this region: settings.dataStores (judged where their ARN says; an S3
 * ARN where aws-data-stores found the bucket), and the S3 buckets aws-data-stores read in this run
 * (the source's trainingDataBuckets and every bucket lineage names), each in its own region; a bucket
 * in a region the source does not collect is listed in the first region as not judged. Without that
 * artifact the buckets' regions are unknown: the candidates (trainingDataBuckets, training job
 * channels) are listed in the first region and `unknown` says why they cannot be judged.
 */
export function dataStoresOf(s: MonitoringSettings, sourceBuckets: string[], jobs: TrainingJobRecord[], region: string, regions: string[], input: BucketsInput | null): { stores: Map<string, { from: Set<string>; unread?: string }>; unknown: string | null } {
  const homeRegion = regions[0] ?? region;
  const stores = new Map<string, { from: Set<string>; unread?: string }>();
  const add = (arn: string, from: string, unread?: string) => {
    const e = stores.get(arn) ?? { from: new Set<string>() };
    e.from.add(from);
    if (unread) e.unread = unread;
    stores.set(arn, e);
  };
  const bucketRegion = new Map((input?.buckets ?? []).map((b) => [b.Bucket, b.region ?? homeRegion]));
  // where a bucket is judged: its region when collected here, else the first region (as not judged)
  const judgedIn = (b: string) => {
    const r = bucketRegion.get(b) ?? homeRegion;
    return regions.includes(r) ? { region: r } : { region: homeRegion, unread: `the bucket is in ${r}, a region this source does not collect: its backup plans are not read` };
  };
  for (const a of s.dataStores) {
    const m = /^arn:aws[a-z-]*:s3:::([^/]+)$/.exec(a);
    const at = m ? judgedIn(m[1]!) : { region: a.split(':')[3] || homeRegion };
    if (at.region === region) add(a, 'settings.dataStores', 'unread' in at ? at.unread : undefined);
  }
  if (input) {
    for (const b of input.buckets) {
      const fromSource = b.discoveredFrom.some((d) => d.from === 'sources.aws[].trainingDataBuckets');
      if (!s.trainingJobBuckets && !fromSource) continue;
      const at = judgedIn(b.Bucket);
      if (at.region !== region) continue;
      for (const d of b.discoveredFrom.length ? b.discoveredFrom : [{ from: 'aws-data-stores' }]) add(`arn:aws:s3:::${b.Bucket}`, d.from, 'unread' in at ? at.unread : undefined);
    }
    return { stores, unknown: input.complete ? null : `the bucket list of aws-data-stores (${input.path}) is incomplete: a bucket to back up may be missing` };
  }
  // no bucket list of this run: the candidates, in the first region, which cannot be judged
  if (region !== homeRegion) return { stores, unknown: null };
  const reason = 'aws-data-stores did not run in this collection: the bucket’s region and the full list of buckets lineage names are unknown';
  let candidates = 0;
  for (const b of sourceBuckets.filter((x) => !/[*?]/.test(x))) {
    add(`arn:aws:s3:::${b}`, 'trainingDataBuckets of the source', reason);
    candidates++;
  }
  if (s.trainingJobBuckets) {
    for (const j of jobs) {
      for (const c of j.channels) {
        const m = /^s3:\/\/([^/]+)/.exec(c.S3Uri ?? '');
        if (m) {
          add(`arn:aws:s3:::${m[1]}`, `training job ${j.TrainingJobName}`, reason);
          candidates++;
        }
      }
    }
  }
  return { stores, unknown: candidates ? reason : null };
}

function coverageOf(resource: string, from: Set<string>, plans: BackupPlanRecord[], unread?: string): CoverageRecord {
  const r: CoverageRecord = { resource, from: [...from].slice(0, 20).concat(from.size > 20 ? [`… ${from.size - 20} more`] : []), coveredBy: [], conditional: [], ...(unread ? { unread } : {}) };
  for (const p of plans) {
    if (!Array.isArray(p.selections)) continue;
    for (const sel of p.selections) {
      if (sel.error) continue;
      const id = { plan: p.BackupPlanName ?? p.BackupPlanId, selection: sel.SelectionName ?? sel.SelectionId };
      if (sel.NotResources.some((x) => arnMatches(x, resource))) continue;
      const named = sel.Resources.some((x) => arnMatches(x, resource));
      if (named && sel.conditions === 0) r.coveredBy.push(id);
      else if (named || sel.ListOfTags.length) r.conditional.push(id);
    }
  }
  return r;
}

/** The bucket list aws-data-stores wrote in this run for this account (a global artifact), or null. */
async function bucketsInput(ctx: AwsContext): Promise<BucketsInput | null> {
  const [a] = ctx.run.find(BUCKETS_KIND, { source: ctx.target.source, account: ctx.aws.account });
  if (!a) return null;
  const buckets: BucketsInput['buckets'] = [];
  for await (const b of a.iterate<BucketRecord>()) buckets.push({ Bucket: b.Bucket, region: b.region, discoveredFrom: b.discoveredFrom });
  return { path: a.path, complete: a.complete, buckets };
}

async function backups(ctx: AwsContext, s: MonitoringSettings, jobs: TrainingJobRecord[], trainingPath: string | null): Promise<void> {
  const bk = makeClient(BackupClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const plansOp = op('backup:ListBackupPlans', { MaxResults: 100 });
  const selOp = op('backup:ListBackupSelections', { BackupPlanId: '<each plan>', MaxResults: 100 });
  const getOp = op('backup:GetBackupSelection', { BackupPlanId: '<each plan>', SelectionId: '<each selection>' });
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'plans or selections', where: KIND.backupPlans });
  const pool = poolOf(ctx);
  const out = await ctx.artifacts.ndjson(KIND.backupPlans);
  const plans: BackupPlanRecord[] = [];
  let ok = true;
  try {
    await listAll(ctx, plansOp, (NextToken) => bk.send(new ListBackupPlansCommand({ MaxResults: 100, NextToken }), opts), async (page) => {
      for (const p of page.BackupPlansList ?? []) {
        const rec: BackupPlanRecord = { BackupPlanId: p.BackupPlanId ?? '', BackupPlanName: p.BackupPlanName ?? null, BackupPlanArn: p.BackupPlanArn ?? null, VersionId: p.VersionId ?? null, selections: [] };
        const sels: SelectionRecord[] = [];
        try {
          await listAll(ctx, selOp, (NextToken) => bk.send(new ListBackupSelectionsCommand({ BackupPlanId: rec.BackupPlanId, MaxResults: 100, NextToken }), opts), async (sp) => {
            // the page's selections read through the pool, kept in the listing's order
            const read = await mapPool(sp.BackupSelectionsList ?? [], pool, async (x): Promise<SelectionRecord> => {
              const base: SelectionRecord = { SelectionId: x.SelectionId ?? '', SelectionName: x.SelectionName ?? null, IamRoleArn: x.IamRoleArn ?? null, Resources: [], NotResources: [], ListOfTags: [], conditions: 0 };
              getOp.calls = (getOp.calls ?? 0) + 1;
              try {
                const g = (await bk.send(new GetBackupSelectionCommand({ BackupPlanId: rec.BackupPlanId, SelectionId: base.SelectionId }), opts)).BackupSelection;
                getOp.pages++;
                const c = g?.Conditions;
                return {
                  ...base,
                  SelectionName: g?.SelectionName ?? base.SelectionName,
                  IamRoleArn: g?.IamRoleArn ?? base.IamRoleArn,
                  Resources: g?.Resources ?? [],
                  NotResources: g?.NotResources ?? [],
                  ListOfTags: (g?.ListOfTags ?? []).map((t) => ({ ConditionType: t.ConditionType ?? null, ConditionKey: t.ConditionKey ?? null, ConditionValue: t.ConditionValue ?? null })),
                  conditions: (c?.StringEquals?.length ?? 0) + (c?.StringNotEquals?.length ?? 0) + (c?.StringLike?.length ?? 0) + (c?.StringNotLike?.length ?? 0),
                };
              } catch (e) {
                return { ...base, error: gaps.add(getOp.api, `${rec.BackupPlanId}/${base.SelectionId}`, e).code };
              }
            });
            sels.push(...read);
          });
          rec.selections = sels;
        } catch (e) {
          if (!(e instanceof ListingError) && !(e instanceof RepeatedTokenError)) throw e;
          rec.selections = { error: gaps.add(selOp.api, rec.BackupPlanId, e instanceof ListingError ? e.cause : e).code };
        }
        plans.push(rec);
        await out.write(rec);
      }
    });
  } catch (e) {
    listingGap(ctx, plansOp.api, e);
    ok = false;
  } finally {
    bk.destroy();
  }
  gaps.flush();
  await out.finish({ operations: [{ ...plansOp }, { ...selOp }, { ...getOp }], complete: ok, notes: { plans: plans.length, selections: plans.reduce((n, p) => n + (Array.isArray(p.selections) ? p.selections.length : 0), 0) } });
  const input = await bucketsInput(ctx);
  const { stores, unknown } = dataStoresOf(s, ctx.source.trainingDataBuckets ?? [], jobs, ctx.aws.region, ctx.source.regions.length ? ctx.source.regions : [ctx.aws.region], input);
  // what cannot be judged is said once, as a gap of this collector: never "not backed up"
  if (unknown) ctx.gap({ api: BUCKETS_KIND, code: input ? 'InputIncomplete' : 'InputMissing', message: unknown });
  const cov: BackupCoverageArtifact = {
    plansComplete: ok,
    unreadPlans: plans.filter((p) => !Array.isArray(p.selections) || p.selections.some((x) => x.error)).map((p) => p.BackupPlanArn ?? p.BackupPlanId),
    bucketsUnknown: unknown,
    dataStores: [...stores].sort(([a], [b]) => a.localeCompare(b)).map(([arn, e]) => coverageOf(arn, e.from, plans, e.unread)),
  };
  await ctx.artifacts.json(KIND.backupCoverage, cov, {
    operations: [],
    complete: ok && !unknown,
    records: cov.dataStores.length,
    notes: { derivedFrom: [`${KIND.backupPlans} of this bundle`, input ? `${BUCKETS_KIND} ${input.path}${input.complete ? '' : ' (incomplete)'}` : `${BUCKETS_KIND}: aws-data-stores did not run for this account`, `trainingDataBuckets of the source (${(ctx.source.trainingDataBuckets ?? []).length})`, s.trainingJobBuckets ? (trainingPath ?? `${TRAINING_KIND}: sagemaker-training did not run for this account and region`) : 'trainingJobBuckets: false', `settings.dataStores (${s.dataStores.length})`] },
  });
}

// ── ECR image scan findings ─────────────────────────────────────────────────────────────────

const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?\/([^:@]+)(?::([^@]+))?(?:@(sha256:[0-9a-f]{64}))?$/;

export function parseImage(image: string): { registryId: string; region: string; repositoryName: string; imageTag: string | null; imageDigest: string | null } | null {
  const m = ECR_IMAGE.exec(image);
  if (!m) return null;
  return { registryId: m[1]!, region: m[2]!, repositoryName: m[3]!, imageTag: m[4] ?? (m[5] ? null : 'latest'), imageDigest: m[5] ?? null };
}

type ProcessingImage = Pick<ProcessingJobRecord, 'ProcessingJobName' | 'ImageUri'>;

/** What runs images: the endpoints' models, the training jobs and the processing jobs of this collection. */
interface ImageUsers {
  endpoints: EndpointRecord[];
  jobs: TrainingJobRecord[];
  processing: ProcessingImage[];
}

function imagesOf({ endpoints, jobs, processing }: ImageUsers): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  const add = (image: string | null | undefined, who: string) => image && out.set(image, (out.get(image) ?? new Set()).add(who));
  for (const j of jobs) add(j.TrainingImage, `training job ${j.TrainingJobName}`);
  for (const j of processing) add(j.ImageUri, `processing job ${j.ProcessingJobName}`);
  for (const e of endpoints) for (const v of e.variants) if (v.model && !('error' in v.model)) for (const c of v.model.containers) add(c.Image, `endpoint ${e.EndpointName}/${v.VariantName}`);
  return out;
}

const NOT_SCANNED = new Set(['ScanNotFoundException']);
const NOT_FOUND = new Set(['ImageNotFoundException', 'RepositoryNotFoundException']);

async function images(ctx: AwsContext, users: ImageUsers, from: string[], sourcesComplete: boolean): Promise<void> {
  const clients = new Map<string, ECRClient>();
  const client = (region: string) => {
    let c = clients.get(region);
    if (!c) clients.set(region, (c = makeClient(ECRClient, { ...ctx.aws, region })));
    return c;
  };
  const o: OperationRecord = op('ecr:DescribeImageScanFindings', { imageId: '<each distinct image of this account>', maxResults: 1000 });
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'images', where: KIND.imageFindings });
  const out = await ctx.artifacts.ndjson(KIND.imageFindings);
  const counts = { images: 0, scanned: 0, outside: 0, errors: 0 };
  // each image's findings through the pool; the records written in the images' order
  const one = async ([image, users]: [string, Set<string>]): Promise<ImageFindingsRecord> => {
    counts.images++;
    const p = parseImage(image);
    const base: ImageFindingsRecord = { image, registryId: p?.registryId ?? null, repositoryName: p?.repositoryName ?? null, imageTag: p?.imageTag ?? null, imageDigest: p?.imageDigest ?? null, usedBy: [...users].sort(), state: 'outside', scanStatus: null, scanCompletedAt: null, severityCounts: {}, findings: [] };
    if (!p || p.registryId !== ctx.aws.account) {
      counts.outside++;
      return base;
    }
    const imageId = p.imageDigest ? { imageDigest: p.imageDigest } : { imageTag: p.imageTag! };
    const rec: ImageFindingsRecord = { ...base, state: 'scanned' };
    try {
      await ctx.paginate.all(
        { api: o.api, params: o.params },
        async (token) => {
          o.calls = (o.calls ?? 0) + 1;
          const page = await client(p.region).send(new DescribeImageScanFindingsCommand({ registryId: p.registryId, repositoryName: p.repositoryName, imageId, maxResults: 1000, nextToken: token }), { abortSignal: ctx.signal });
          o.pages++;
          return { page, next: page.nextToken || undefined };
        },
        (page) => {
          rec.scanStatus ??= page.imageScanStatus?.status ?? null;
          const f = page.imageScanFindings;
          rec.scanCompletedAt ??= iso(f?.imageScanCompletedAt);
          if (f?.findingSeverityCounts && !Object.keys(rec.severityCounts).length) rec.severityCounts = { ...f.findingSeverityCounts } as Record<string, number>;
          const keep = (x: ImageFindingsRecord['findings'][number]) => {
            if ((x.severity === 'CRITICAL' || x.severity === 'HIGH') && rec.findings.length < MAX_FINDINGS) rec.findings.push(x);
          };
          for (const x of f?.findings ?? []) keep({ name: x.name ?? null, severity: x.severity ?? 'UNDEFINED', package: x.attributes?.find((a) => a.key === 'package_name')?.value ?? null });
          for (const x of f?.enhancedFindings ?? []) keep({ name: x.packageVulnerabilityDetails?.vulnerabilityId ?? x.title ?? null, severity: x.severity ?? 'UNDEFINED', package: x.packageVulnerabilityDetails?.vulnerablePackages?.[0]?.name ?? null });
        },
      );
      counts.scanned++;
    } catch (e) {
      const d = describeError(e);
      if (NOT_SCANNED.has(d.code)) rec.state = 'not-scanned';
      else if (NOT_FOUND.has(d.code)) rec.state = 'image-not-found';
      else {
        counts.errors++;
        rec.state = 'error';
        rec.error = gaps.add(o.api, image, e).code;
      }
    }
    return rec;
  };
  try {
    for (const rec of await mapPool([...imagesOf(users)].sort(([a], [b]) => a.localeCompare(b)), poolOf(ctx), one)) await out.write(rec);
  } finally {
    for (const c of clients.values()) c.destroy();
  }
  gaps.flush();
  // every image was asked (a failed one is marked and a gap); the list is as complete as the artifacts it came from
  await out.finish({ operations: [{ ...o }], complete: sourcesComplete, notes: { ...counts, derivedFrom: from.length ? from : ['no sagemaker-endpoints or sagemaker-training artifact for this account and region in this collection'], findingsListed: `CRITICAL and HIGH findings, at most ${MAX_FINDINGS} per image; severityCounts has them all` } });
}
