// CloudTrail over awsJson1.1 (`X-Amz-Target: …CloudTrail_20131101.<Action>`), written from the
// CloudTrail API reference: DescribeTrails, GetTrailStatus, GetEventSelectors and LookupEvents
// (moto has the first three; its LookupEvents answers 500). Read actions only.
// Trails live per account with a home region; a multi-region trail is also seen, as a shadow trail,
// from every other region. The event history lives per account and region.
// LookupEvents as the reference says: at most one lookup attribute, MaxResults 1–50 (default 50),
// events newest first, StartTime ≤ EndTime, a NextToken bound to the query; its quota of 2 calls per
// second per account and region is enforced by the server's rate limits (server.ts).

import type { CloudTrailEventSeed, TrailSeed } from './seed.js';
import type { HandlerContext } from './types.js';
import { AwsError, awsId, decodeToken, encodeToken, epochSeconds } from './wire.js';

const trailArn = (ctx: HandlerContext, t: TrailSeed) => `arn:aws:cloudtrail:${t.homeRegion}:${ctx.caller.account.id}:trail/${t.name}`;

const trails = (ctx: HandlerContext) => ctx.caller.account.cloudtrail?.trails ?? [];

/** The trails a call in this region sees: its own, and the multi-region trails of other regions (shadow trails). */
function visible(ctx: HandlerContext, shadow: boolean): TrailSeed[] {
  return trails(ctx).filter((t) => t.homeRegion === ctx.region || (shadow && t.multiRegion));
}

/** A trail by name (its home region only) or by ARN (any region that sees it), as the reference says. */
function findTrail(ctx: HandlerContext, ref: unknown, field: string): TrailSeed {
  if (typeof ref !== 'string' || ref === '') throw new AwsError('InvalidTrailNameException', `Trail name or ARN can only contain uppercase letters, lowercase letters, numbers, periods (.), hyphens (-), and underscores (_). (${field} is required)`);
  const t = ref.startsWith('arn:') ? visible(ctx, true).find((x) => trailArn(ctx, x) === ref) : visible(ctx, false).find((x) => x.name === ref);
  if (!t) {
    const shown = ref.startsWith('arn:') ? ref : `arn:aws:cloudtrail:${ctx.region}:${ctx.caller.account.id}:trail/${ref}`;
    throw new AwsError('TrailNotFoundException', `Unknown trail: ${shown} for the user: ${ctx.caller.account.id}`);
  }
  return t;
}

function describeTrails(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const shadow = body['includeShadowTrails'] !== false;
  const names = Array.isArray(body['trailNameList']) ? (body['trailNameList'] as string[]) : [];
  const list = visible(ctx, shadow).filter((t) => !names.length || names.includes(t.name) || names.includes(trailArn(ctx, t)));
  return {
    trailList: list.map((t) => ({
      Name: t.name,
      S3BucketName: t.bucket,
      IncludeGlobalServiceEvents: true,
      IsMultiRegionTrail: !!t.multiRegion,
      HomeRegion: t.homeRegion,
      TrailARN: trailArn(ctx, t),
      LogFileValidationEnabled: !!t.logFileValidation,
      ...(t.kmsKeyId ? { KmsKeyId: t.kmsKeyId } : {}),
      HasCustomEventSelectors: !!(t.eventSelectors || t.advancedEventSelectors),
      HasInsightSelectors: false,
      IsOrganizationTrail: !!t.organization,
    })),
  };
}

function getTrailStatus(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const t = findTrail(ctx, body['Name'], 'Name');
  const logging = t.logging !== false;
  const at = epochSeconds(new Date(ctx.now.getTime() - 300_000));
  return logging
    ? { IsLogging: true, LatestDeliveryTime: at, StartLoggingTime: epochSeconds('2026-01-01T00:00:00Z'), LatestDigestDeliveryTime: t.logFileValidation ? at : undefined }
    : { IsLogging: false, StartLoggingTime: epochSeconds('2026-01-01T00:00:00Z'), StopLoggingTime: epochSeconds('2026-06-01T00:00:00Z') };
}

function getEventSelectors(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const t = findTrail(ctx, body['TrailName'], 'TrailName');
  if (t.advancedEventSelectors) return { TrailARN: trailArn(ctx, t), AdvancedEventSelectors: t.advancedEventSelectors };
  const selectors = t.eventSelectors ?? [{ ReadWriteType: 'All', IncludeManagementEvents: true, DataResources: [] }];
  return { TrailARN: trailArn(ctx, t), EventSelectors: selectors.map((s) => ({ ReadWriteType: s.ReadWriteType ?? 'All', IncludeManagementEvents: s.IncludeManagementEvents ?? true, DataResources: s.DataResources ?? [], ExcludeManagementEventSources: [] })) };
}

// ── LookupEvents ─────────────────────────────────────────────────────────────────────────────

const ATTRIBUTE_KEYS = ['EventId', 'EventName', 'ReadOnly', 'Username', 'ResourceType', 'ResourceName', 'EventSource', 'AccessKeyId'] as const;
type AttributeKey = (typeof ATTRIBUTE_KEYS)[number];

const eventId = (e: CloudTrailEventSeed, account: string, region: string, i: number) => e.id ?? awsId('', `${account}|${region}|${i}|${e.name}|${e.time}`, 8).toLowerCase() + '-0000-4000-8000-' + awsId('', `${e.time}|${i}`, 12).toLowerCase();

function usernameOf(e: CloudTrailEventSeed): string | undefined {
  if (e.username) return e.username;
  const u = e.userIdentity;
  if (typeof u['userName'] === 'string') return u['userName'];
  const arn = typeof u['arn'] === 'string' ? u['arn'] : '';
  const session = /:assumed-role\/[^/]+\/(.+)$/.exec(arn);
  return session?.[1] ?? (u['type'] === 'Root' ? 'root' : undefined);
}

function attributeOf(e: CloudTrailEventSeed, id: string, key: AttributeKey): string[] {
  switch (key) {
    case 'EventId':
      return [id];
    case 'EventName':
      return [e.name];
    case 'EventSource':
      return [e.source];
    case 'ReadOnly':
      return [String(!!e.readOnly)];
    case 'Username':
      return [usernameOf(e) ?? ''];
    case 'AccessKeyId':
      return e.accessKeyId ? [e.accessKeyId] : [];
    case 'ResourceType':
      return (e.resources ?? []).map((r) => r.type);
    case 'ResourceName':
      return (e.resources ?? []).map((r) => r.name);
  }
}

function lookupAttribute(body: Record<string, unknown>): { key: AttributeKey; value: string } | null {
  const raw = body['LookupAttributes'];
  if (raw === undefined || raw === null) return null;
  if (!Array.isArray(raw)) throw new AwsError('SerializationException', 'LookupAttributes must be a list');
  if (raw.length > 1) throw new AwsError('InvalidLookupAttributesException', 'You cannot specify more than one lookup attribute.');
  if (raw.length === 0) return null;
  const a = raw[0] as { AttributeKey?: unknown; AttributeValue?: unknown };
  if (typeof a.AttributeKey !== 'string' || !(ATTRIBUTE_KEYS as readonly string[]).includes(a.AttributeKey)) {
    throw new AwsError('ValidationException', `1 validation error detected: Value '${String(a.AttributeKey)}' at 'lookupAttributes.1.member.attributeKey' failed to satisfy constraint: Member must satisfy enum value set: [${ATTRIBUTE_KEYS.join(', ')}]`);
  }
  if (typeof a.AttributeValue !== 'string' || a.AttributeValue.length < 1 || a.AttributeValue.length > 2000) {
    throw new AwsError('InvalidLookupAttributesException', 'The attribute value must be between 1 and 2000 characters.');
  }
  return { key: a.AttributeKey as AttributeKey, value: a.AttributeValue };
}

function time(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new AwsError('SerializationException', `${key} must be a timestamp`);
  return v * 1000;
}

function cloudTrailEvent(e: CloudTrailEventSeed, id: string, ctx: HandlerContext): string {
  return JSON.stringify({
    eventVersion: '1.09',
    userIdentity: e.userIdentity,
    eventTime: new Date(e.time).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    eventSource: e.source,
    eventName: e.name,
    awsRegion: ctx.region,
    sourceIPAddress: '203.0.113.10',
    userAgent: 'aws-cli/2.15.0',
    requestParameters: e.requestParameters ?? null,
    responseElements: e.responseElements ?? null,
    requestID: awsId('', `req|${id}`, 20),
    eventID: id,
    readOnly: !!e.readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: ctx.caller.account.id,
    eventCategory: 'Management',
  });
}

interface HistoryEntry {
  e: CloudTrailEventSeed;
  id: string;
  t: number;
}

/**
 * A region's history newest first with each event's id, derived once per seed list (a busy account
 * holds tens of thousands of events: hashing every id on every call would make the sandbox, not the
 * API, the cost). A list changed in place (a test appending events) is derived again.
 */
const histories = new WeakMap<CloudTrailEventSeed[], { length: number; entries: HistoryEntry[] }>();
function historyOf(list: CloudTrailEventSeed[], account: string, region: string): HistoryEntry[] {
  const known = histories.get(list);
  if (known && known.length === list.length) return known.entries;
  const entries = list.map((e, i) => ({ e, id: eventId(e, account, region, i), t: Date.parse(e.time) })).sort((a, b) => b.t - a.t || (a.id < b.id ? -1 : 1));
  histories.set(list, { length: list.length, entries });
  return entries;
}

function lookupEvents(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const attr = lookupAttribute(body);
  const max = body['MaxResults'] ?? 50;
  if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > 50) throw new AwsError('InvalidMaxResultsException', 'Maximum number of results must be between 1 and 50.');
  const start = time(body, 'StartTime');
  const end = time(body, 'EndTime');
  if (start !== undefined && end !== undefined && start > end) throw new AwsError('InvalidTimeRangeException', 'Start time must be before end time.');
  if (body['EventCategory'] !== undefined && body['EventCategory'] !== 'insight') throw new AwsError('InvalidEventCategoryException', 'The event category is not valid.');
  const account = ctx.caller.account.id;
  // the history keeps 90 days; Insights events are not seeded. Seeded events dated after the server's
  // clock are served (the demo plays its period on a clock of its own)
  const oldest = ctx.now.getTime() - 90 * 86_400_000;
  const all = body['EventCategory'] === 'insight' ? [] : historyOf(ctx.caller.account.cloudtrail?.events?.[ctx.region] ?? [], account, ctx.region);
  const matched = all.filter(({ e, id, t }) => t >= oldest && (start === undefined || t >= start) && (end === undefined || t <= end) && (!attr || attributeOf(e, id, attr.key).includes(attr.value)));
  const scope = `LookupEvents:${account}:${ctx.region}:${JSON.stringify([attr, start ?? null, end ?? null, body['EventCategory'] ?? null])}`;
  let from = 0;
  const token = body['NextToken'];
  if (typeof token === 'string' && token !== '') {
    const off = decodeToken(token, scope);
    if (off === undefined) throw new AwsError('InvalidNextTokenException', 'Invalid NextToken: the token does not belong to this request or has expired.');
    from = off;
  }
  const slice = matched.slice(from, from + max);
  return {
    Events: slice.map(({ e, id, t }) => ({
      EventId: id,
      EventName: e.name,
      ReadOnly: String(!!e.readOnly),
      ...(e.accessKeyId ? { AccessKeyId: e.accessKeyId } : {}),
      EventTime: t / 1000,
      EventSource: e.source,
      ...(usernameOf(e) ? { Username: usernameOf(e) } : {}),
      Resources: (e.resources ?? []).map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
      CloudTrailEvent: cloudTrailEvent(e, id, ctx),
    })),
    ...(from + slice.length < matched.length ? { NextToken: encodeToken(from + slice.length, scope) } : {}),
  };
}

export function handleCloudTrail(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  switch (action) {
    case 'DescribeTrails':
      return describeTrails(body, ctx);
    case 'GetTrailStatus':
      return getTrailStatus(body, ctx);
    case 'GetEventSelectors':
      return getEventSelectors(body, ctx);
    case 'LookupEvents':
      return lookupEvents(body, ctx);
    default:
      throw new AwsError('UnknownOperationException', `The action ${action} is not valid for this web service.`);
  }
}
