// The calls of aws-audit-trail (see index.ts and README.md): DescribeTrails in every configured
// region, GetTrailStatus and GetEventSelectors once per distinct trail in its home region, then
// LookupEvents once per watched event name (EventName is the one lookup attribute of each call) in
// each region that records it, every page, at most lookupCallsPerSecond per region.
import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  LookupEventsCommand,
  type Event,
  type GetEventSelectorsCommandOutput,
  type Trail,
} from '@aws-sdk/client-cloudtrail';
import { makeClient } from '../../src/clients/aws.js';
import { describeError } from '../../src/core/errors.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import { redactString } from '../../src/core/redact.js';
import type { OperationRecord } from '../../src/core/types.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { iso, listAll, listingGap, op } from '../_shared/sagemaker.js';
import type { AwsContext } from '../define.js';
import type { AuditTrailSettings } from './index.js';
import { GLOBAL_EVENTS_REGION, HISTORY_DAYS, KIND, WATCHED_EVENTS, type EventRecord, type TrailRecord, type WatchedSource } from './kinds.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
/** LookupEvents' largest page */
export const LOOKUP_PAGE = 50;

type Clients = (region: string) => CloudTrailClient;

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as AuditTrailSettings;
  const made = new Map<string, CloudTrailClient>();
  const client: Clients = (region) => {
    let c = made.get(region);
    if (!c) made.set(region, (c = makeClient(CloudTrailClient, { ...ctx.aws, region })));
    return c;
  };
  try {
    await collectTrails(ctx, [...ctx.source.regions], client);
    await collectEvents(ctx, s, [...ctx.source.regions], client);
  } finally {
    for (const c of made.values()) c.destroy();
  }
}

// ── trails ──────────────────────────────────────────────────────────────────────────────────

/** Which management events the selectors log: basic selectors by ReadWriteType, advanced ones by their readOnly field. */
export function managementEventsOf(o: Pick<GetEventSelectorsCommandOutput, 'EventSelectors' | 'AdvancedEventSelectors'>): { read: boolean; write: boolean } | null {
  const basic = o.EventSelectors ?? [];
  const advanced = o.AdvancedEventSelectors ?? [];
  if (!basic.length && !advanced.length) return null;
  const out = { read: false, write: false };
  for (const b of basic) {
    if (b.IncludeManagementEvents === false) continue;
    const rw = b.ReadWriteType ?? 'All';
    if (rw !== 'WriteOnly') out.read = true;
    if (rw !== 'ReadOnly') out.write = true;
  }
  for (const a of advanced) {
    const fields = a.FieldSelectors ?? [];
    const category = fields.find((f) => f.Field === 'eventCategory');
    if (!category?.Equals?.includes('Management')) continue;
    const ro = fields.find((f) => f.Field === 'readOnly');
    const only = ro?.Equals?.[0];
    if (only !== 'false') out.read = true;
    if (only !== 'true') out.write = true;
  }
  return out;
}

function trailBase(t: Trail, region: string): TrailRecord {
  return {
    TrailARN: t.TrailARN ?? t.Name ?? '',
    Name: t.Name ?? '',
    HomeRegion: t.HomeRegion ?? null,
    seenIn: [region],
    IsMultiRegionTrail: !!t.IsMultiRegionTrail,
    IsOrganizationTrail: !!t.IsOrganizationTrail,
    IncludeGlobalServiceEvents: !!t.IncludeGlobalServiceEvents,
    LogFileValidationEnabled: !!t.LogFileValidationEnabled,
    KmsKeyId: t.KmsKeyId ?? null,
    S3BucketName: t.S3BucketName ?? null,
    CloudWatchLogsLogGroupArn: t.CloudWatchLogsLogGroupArn ?? null,
    status: { error: 'not read' },
    managementEvents: { error: 'not read' },
    selectors: null,
  };
}

async function collectTrails(ctx: AwsContext, regions: string[], client: Clients): Promise<void> {
  const opts = { abortSignal: ctx.signal };
  const listOp = op('cloudtrail:DescribeTrails', { includeShadowTrails: true, regions: regions.join(',') });
  const statusOp = op('cloudtrail:GetTrailStatus', { Name: '<each trail ARN, in its home region>' });
  const selectorsOp = op('cloudtrail:GetEventSelectors', { TrailName: '<each trail ARN, in its home region>' });
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'trails', where: KIND.trails });
  const byArn = new Map<string, TrailRecord>();
  let listed = true;
  for (const region of regions) {
    listOp.calls = (listOp.calls ?? 0) + 1;
    try {
      // DescribeTrails is not paged: one answer lists every trail the region sees
      const out = await client(region).send(new DescribeTrailsCommand({ includeShadowTrails: true }), opts);
      listOp.pages++;
      for (const t of out.trailList ?? []) {
        const r = trailBase(t, region);
        const seen = byArn.get(r.TrailARN);
        if (seen) seen.seenIn.push(region);
        else byArn.set(r.TrailARN, r);
      }
    } catch (e) {
      ctx.gap({ api: `cloudtrail:DescribeTrails ${region}`, ...describeError(e) });
      listed = false;
    }
  }
  const out = await ctx.artifacts.ndjson(KIND.trails);
  for (const r of byArn.values()) {
    // a shadow trail answers by ARN anywhere, but its home region is where it is defined
    const c = client(r.HomeRegion ?? r.seenIn[0]!);
    statusOp.calls = (statusOp.calls ?? 0) + 1;
    try {
      const st = await c.send(new GetTrailStatusCommand({ Name: r.TrailARN }), opts);
      statusOp.pages++;
      r.status = { IsLogging: st.IsLogging ?? null, LatestDeliveryTime: iso(st.LatestDeliveryTime), LatestDeliveryError: st.LatestDeliveryError ?? null, StartLoggingTime: iso(st.StartLoggingTime), StopLoggingTime: iso(st.StopLoggingTime) };
    } catch (e) {
      r.status = { error: gaps.add(statusOp.api, r.TrailARN, e).code };
    }
    selectorsOp.calls = (selectorsOp.calls ?? 0) + 1;
    try {
      const sel = await c.send(new GetEventSelectorsCommand({ TrailName: r.TrailARN }), opts);
      selectorsOp.pages++;
      r.managementEvents = managementEventsOf(sel);
      r.selectors = { EventSelectors: sel.EventSelectors ?? [], AdvancedEventSelectors: sel.AdvancedEventSelectors ?? [] };
    } catch (e) {
      r.managementEvents = { error: gaps.add(selectorsOp.api, r.TrailARN, e).code };
    }
    await out.write(r);
  }
  gaps.flush();
  await out.finish({ operations: [{ ...listOp }, { ...statusOp }, { ...selectorsOp }], complete: listed, notes: { trails: byArn.size, regionsAsked: regions } });
}

// ── events ──────────────────────────────────────────────────────────────────────────────────

export interface Window {
  from: Date;
  to: Date;
  /** the part of the wanted window older than the event history keeps */
  blind: { from: string; to: string } | null;
  since: { bundle: string | null; skipped: string[] };
}

/**
 * From the previous bundle whose event lookup was complete (its start, less the settle time, which is
 * at or before the end of its window: windows overlap slightly and never leave a hole), or lookbackDays
 * back on the first run; to the collection time less the settle time.
 */
export function windowOf(ctx: AwsContext, s: AuditTrailSettings): Window {
  const now = ctx.now().getTime();
  const to = now - s.settleMinutes * MINUTE;
  const { reader, skipped } = ctx.baseline(KIND.events);
  const prev = reader?.collectedAt ? Date.parse(reader.collectedAt) - s.settleMinutes * MINUTE : null;
  let from = prev ?? to - s.lookbackDays * DAY;
  const oldest = now - HISTORY_DAYS * DAY;
  let blind: Window['blind'] = null;
  if (from < oldest) {
    blind = { from: new Date(from).toISOString(), to: new Date(oldest).toISOString() };
    from = oldest;
  }
  return { from: new Date(Math.min(from, to)), to: new Date(to), blind, since: { bundle: reader?.bundleId ?? null, skipped } };
}

/** The regions to look up and, in each, the services whose events it records. */
export function lookupPlan(regions: string[]): { region: string; sources: WatchedSource[] }[] {
  const regional: WatchedSource[] = ['sagemaker.amazonaws.com', 'secretsmanager.amazonaws.com'];
  const plan = regions.map((region) => ({ region, sources: [...regional, ...(region === GLOBAL_EVENTS_REGION ? (['iam.amazonaws.com'] as const) : [])] }));
  if (!regions.includes(GLOBAL_EVENTS_REGION)) plan.push({ region: GLOBAL_EVENTS_REGION, sources: ['iam.amazonaws.com'] });
  return plan;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const clean = (v: string | null): string | null => (v === null ? null : redactString(v));

/**
 * One event as written: who (CloudTrailEvent's userIdentity) and what it touched. requestParameters and
 * responseElements, which may hold policy text or key material, are never read into the record.
 */
export function eventRecord(e: Event, region: string, account: string): { record: EventRecord; parsed: boolean } {
  let ui: Record<string, unknown> = {};
  let parsed = false;
  let awsRegion = region;
  try {
    const doc = JSON.parse(e.CloudTrailEvent ?? '') as Record<string, unknown>;
    if (doc && typeof doc === 'object') {
      parsed = true;
      if (doc['userIdentity'] && typeof doc['userIdentity'] === 'object') ui = doc['userIdentity'] as Record<string, unknown>;
      awsRegion = str(doc['awsRegion']) ?? region;
    }
  } catch {
    // an unparseable CloudTrailEvent leaves the actor to the summary's Username
  }
  return {
    parsed,
    record: {
      eventId: e.EventId ?? '',
      eventTime: iso(e.EventTime) ?? '',
      eventSource: e.EventSource ?? '',
      eventName: e.EventName ?? '',
      awsRegion,
      account,
      actor: { type: str(ui['type']), arn: clean(str(ui['arn'])), userName: clean(str(ui['userName']) ?? str(e.Username)) },
      resources: (e.Resources ?? []).map((r) => ({ type: r.ResourceType ?? null, name: clean(r.ResourceName ?? null) })),
    },
  };
}

async function collectEvents(ctx: AwsContext, s: AuditTrailSettings, regions: string[], client: Clients): Promise<void> {
  const w = windowOf(ctx, s);
  const plan = lookupPlan(regions);
  const out = await ctx.artifacts.ndjson(KIND.events);
  const seen = new Set<string>();
  const counts: Record<string, number> = {};
  const stats = { events: 0, otherSources: 0, unparsed: 0, duplicates: 0 };
  const failed: string[] = [];
  const ops: OperationRecord[] = [];
  const opts = { abortSignal: ctx.signal };
  const empty = w.from.getTime() >= w.to.getTime();
  // regions in parallel (each has its own quota), the event names of one region one after the other
  await Promise.all(
    plan.map(async ({ region, sources }) => {
      const o = op('cloudtrail:LookupEvents', { region, LookupAttributes: 'EventName=<each watched event name>', StartTime: w.from.toISOString(), EndTime: w.to.toISOString(), MaxResults: LOOKUP_PAGE });
      ops.push(o);
      if (empty) return;
      const slot = rateLimiter(s.lookupCallsPerSecond, ctx.signal);
      const c = client(region);
      for (const source of sources) {
        for (const name of WATCHED_EVENTS[source]) {
          const query = { LookupAttributes: [{ AttributeKey: 'EventName' as const, AttributeValue: name }], StartTime: w.from, EndTime: w.to, MaxResults: LOOKUP_PAGE };
          try {
            await listAll(
              ctx,
              o,
              async (NextToken) => {
                await slot();
                return c.send(new LookupEventsCommand({ ...query, NextToken }), opts);
              },
              async (page) => {
                for (const e of page.Events ?? []) {
                  // an event name is not unique to a service (DMS has CreateEndpoint, many have PutResourcePolicy)
                  if (e.EventSource !== source) {
                    stats.otherSources++;
                    continue;
                  }
                  if (!e.EventId || seen.has(e.EventId)) {
                    stats.duplicates++;
                    continue;
                  }
                  seen.add(e.EventId);
                  const { record, parsed } = eventRecord(e, region, ctx.aws.account);
                  if (!parsed) stats.unparsed++;
                  stats.events++;
                  counts[name] = (counts[name] ?? 0) + 1;
                  await out.write(record);
                }
              },
            );
          } catch (e) {
            listingGap(ctx, `cloudtrail:LookupEvents ${region} EventName=${name}`, e);
            failed.push(`${region} ${name}`);
          }
        }
      }
    }),
  );
  const window = { from: w.from.toISOString(), to: w.to.toISOString() };
  await out.finish({
    operations: ops.sort((a, b) => String(a.params['region']).localeCompare(String(b.params['region']))),
    complete: failed.length === 0,
    periodCovered: window,
    notes: {
      window,
      events: stats.events,
      byEventName: counts,
      plan: plan.map((p) => `${p.region}: ${p.sources.flatMap((x) => WATCHED_EVENTS[x]).join(', ')}`),
      callPlan: `one LookupEvents query per watched event name and region (EventName is the only attribute that selects exactly the watched events; EventSource or ReadOnly=false would page through every read or write of the service too), every page of ${LOOKUP_PAGE}; IAM's events only in ${GLOBAL_EVENTS_REGION}, where CloudTrail records a global service's events`,
      since: w.since.bundle ? `the previous bundle with a complete lookup, ${w.since.bundle} (its start less ${s.settleMinutes} min: overlapping events are the same eventId)` : `first lookup: ${s.lookbackDays} days back`,
      ...(w.since.skipped.length ? { skippedBundles: w.since.skipped } : {}),
      settle: `the window ends ${s.settleMinutes} min before the collection: later events may not be in the history yet and are looked up by the next bundle`,
      ...(w.blind ? { blindWindow: w.blind, blindReason: `the CloudTrail event history keeps ${HISTORY_DAYS} days: events before ${w.blind.to} can only come from the trail's S3 log files` } : {}),
      ...(stats.otherSources ? { otherSources: `${stats.otherSources} events of the same names from other services left out` } : {}),
      ...(stats.unparsed ? { unparsed: `${stats.unparsed} events whose CloudTrailEvent was not JSON: actor from the summary's Username` } : {}),
      ...(failed.length ? { failedLookups: failed } : {}),
      ...(empty ? { emptyWindow: 'the window is empty (the previous bundle ended less than the settle time ago): nothing looked up' } : {}),
    },
  });
}
