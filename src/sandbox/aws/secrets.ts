// Secrets Manager over awsJson1.1, written from the Secrets Manager API reference.
// Secrets live per account and region; a replicated secret is also listed in each replica region
// (with PrimaryRegion naming the primary), as AWS does.

import { createHash } from 'node:crypto';
import type { AwsAccountSeed, SecretReplicaSeed, SecretSeed } from './seed.js';
import type { HandlerContext } from './types.js';
import { AwsError, arnSuffix, decodeToken, documentText, encodeToken, epochSeconds } from './wire.js';

interface SecretView {
  seed: SecretSeed;
  region: string;
  primaryRegion: string;
  replica?: SecretReplicaSeed;
  arn: string;
}

function secretArn(acct: AwsAccountSeed, region: string, primaryRegion: string, s: SecretSeed): string {
  const suffix = s.arnSuffix ?? arnSuffix(`${acct.id}:${primaryRegion}:${s.name}`);
  return `arn:aws:secretsmanager:${region}:${acct.id}:secret:${s.name}-${suffix}`;
}

function versionId(view: SecretView): string {
  const h = createHash('sha256')
    .update(`${view.arn}:${view.seed.lastChanged ?? view.seed.created}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Secrets visible in one account and region: its own, then replicas of other regions' secrets. */
function regionView(acct: AwsAccountSeed, region: string): SecretView[] {
  const out: SecretView[] = [];
  for (const s of acct.secrets[region] ?? []) {
    out.push({ seed: s, region, primaryRegion: region, arn: secretArn(acct, region, region, s) });
  }
  for (const [primary, list] of Object.entries(acct.secrets)) {
    if (primary === region) continue;
    for (const s of list) {
      const replica = s.replication?.find((r) => r.region === region);
      if (replica) out.push({ seed: s, region, primaryRegion: primary, replica, arn: secretArn(acct, region, primary, s) });
    }
  }
  return out;
}

function findSecret(ctx: HandlerContext, id: unknown): SecretView {
  if (typeof id !== 'string' || id === '') {
    throw new AwsError('ValidationException', "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null");
  }
  const view = regionView(ctx.caller.account, ctx.region);
  const hit = view.find((v) => v.seed.name === id || v.arn === id || v.arn.slice(0, -7) === id);
  if (!hit) throw new AwsError('ResourceNotFoundException', "Secrets Manager can't find the specified secret.");
  return hit;
}

function addDays(d: string, days: number): Date {
  return new Date(new Date(d).getTime() + days * 86_400_000);
}

/** The fields ListSecrets and DescribeSecret share. Absent data = absent field, as AWS sends it. */
function entry(view: SecretView): Record<string, unknown> {
  const s = view.seed;
  const e: Record<string, unknown> = { ARN: view.arn, Name: s.name };
  if (s.description !== undefined) e['Description'] = s.description;
  const kms = view.replica ? view.replica.kmsKeyId : s.kmsKeyId;
  if (kms !== undefined) e['KmsKeyId'] = kms;
  const rot = s.rotation;
  if (rot) {
    e['RotationEnabled'] = rot.enabled;
    if (rot.lambdaArn) e['RotationLambdaARN'] = rot.lambdaArn;
    if (rot.days !== undefined || rot.scheduleExpression !== undefined) {
      const rules: Record<string, unknown> = {};
      if (rot.days !== undefined) rules['AutomaticallyAfterDays'] = rot.days;
      if (rot.scheduleExpression !== undefined) rules['ScheduleExpression'] = rot.scheduleExpression;
      e['RotationRules'] = rules;
    }
  }
  if (s.lastRotated) e['LastRotatedDate'] = epochSeconds(s.lastRotated);
  e['LastChangedDate'] = epochSeconds(s.lastChanged ?? s.lastRotated ?? s.created);
  if (s.lastAccessed) e['LastAccessedDate'] = epochSeconds(s.lastAccessed);
  if (s.deleted) e['DeletedDate'] = epochSeconds(s.deleted);
  if (rot?.enabled && rot.days !== undefined) {
    e['NextRotationDate'] = epochSeconds(addDays(s.lastRotated ?? s.created, rot.days));
  }
  const tags = Object.entries(s.tags ?? {});
  if (tags.length > 0) e['Tags'] = tags.map(([Key, Value]) => ({ Key, Value }));
  if (s.owningService) e['OwningService'] = s.owningService;
  e['CreatedDate'] = epochSeconds(s.created);
  if (view.replica || (s.replication && s.replication.length > 0)) e['PrimaryRegion'] = view.primaryRegion;
  return e;
}

interface SecretFilter {
  Key: string;
  Values: string[];
}

function readFilters(raw: unknown): SecretFilter[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new AwsError('ValidationException', 'Filters must be a list');
  const keys = ['description', 'name', 'tag-key', 'tag-value', 'primary-region', 'owning-service', 'all'];
  return raw.map((f: unknown) => {
    const filter = f as Partial<SecretFilter>;
    if (typeof filter.Key !== 'string' || !keys.includes(filter.Key)) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${String(filter.Key)}' at 'filters.1.member.key' failed to satisfy constraint: Member must satisfy enum value set: [${keys.join(', ')}]`);
    }
    return { Key: filter.Key, Values: Array.isArray(filter.Values) ? filter.Values.map(String) : [] };
  });
}

function matches(view: SecretView, filters: SecretFilter[]): boolean {
  const s = view.seed;
  for (const f of filters) {
    const candidates: string[] = [];
    const tags = Object.entries(s.tags ?? {});
    if (f.Key === 'name' || f.Key === 'all') candidates.push(s.name);
    if (f.Key === 'description' || f.Key === 'all') candidates.push(s.description ?? '');
    if (f.Key === 'tag-key' || f.Key === 'all') candidates.push(...tags.map(([k]) => k));
    if (f.Key === 'tag-value' || f.Key === 'all') candidates.push(...tags.map(([, v]) => v));
    if (f.Key === 'primary-region' || f.Key === 'all') candidates.push(view.primaryRegion);
    if (f.Key === 'owning-service' || f.Key === 'all') candidates.push(s.owningService ?? '');
    const ok = f.Values.some((value) => {
      const negate = value.startsWith('!');
      const v = negate ? value.slice(1) : value;
      const hit = candidates.some((c) => c.startsWith(v));
      return negate ? !hit : hit;
    });
    if (!ok) return false;
  }
  return true;
}

function pageSize(raw: unknown, ctx: HandlerContext, max = 100): number {
  let n = max;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'number' || !Number.isInteger(raw)) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${String(raw)}' at 'maxResults' failed to satisfy constraint: Member must be an integer`);
    }
    if (raw < 1 || raw > max) {
      throw new AwsError('ValidationException', `1 validation error detected: Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must have value ${raw < 1 ? 'greater than or equal to 1' : `less than or equal to ${max}`}`);
    }
    n = raw;
  }
  const cap = ctx.runtime.opts.maxPageItems;
  return cap !== undefined && cap > 0 ? Math.min(n, cap) : n;
}

function sortViews(views: SecretView[], sortBy: unknown, sortOrder: unknown): SecretView[] {
  if (sortBy === undefined && sortOrder === undefined) return views;
  const by = typeof sortBy === 'string' ? sortBy : 'created-date';
  const key = (v: SecretView): string | number => {
    const s = v.seed;
    switch (by) {
      case 'name':
        return s.name;
      case 'last-accessed-date':
        return s.lastAccessed ? Date.parse(s.lastAccessed) : 0;
      case 'last-changed-date':
        return Date.parse(s.lastChanged ?? s.lastRotated ?? s.created);
      default:
        return Date.parse(s.created);
    }
  };
  const dir = sortOrder === 'asc' ? 1 : -1;
  return [...views].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -dir : ka > kb ? dir : 0;
  });
}

function listSecrets(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const includeDeleted = body['IncludePlannedDeletion'] === true;
  const filters = readFilters(body['Filters']);
  const size = pageSize(body['MaxResults'], ctx);
  const scope = `ls:${ctx.caller.account.id}:${ctx.region}:${includeDeleted}:${JSON.stringify(filters)}:${String(body['SortBy'])}:${String(body['SortOrder'])}`;
  let from = 0;
  const token = body['NextToken'];
  if (typeof token === 'string' && token !== '') {
    const off = decodeToken(token, scope);
    if (off === undefined) throw new AwsError('InvalidNextTokenException', 'The NextToken value is invalid.');
    from = off;
  }
  const all = sortViews(
    regionView(ctx.caller.account, ctx.region).filter((v) => (includeDeleted || !v.seed.deleted) && matches(v, filters)),
    body['SortBy'],
    body['SortOrder'],
  );
  const slice = all.slice(from, from + size);
  const out: Record<string, unknown> = {
    SecretList: slice.map((v) => ({ ...entry(v), SecretVersionsToStages: { [versionId(v)]: ['AWSCURRENT'] } })),
  };
  if (from + slice.length < all.length) out['NextToken'] = encodeToken(from + slice.length, scope);
  return out;
}

function describeSecret(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const v = findSecret(ctx, body['SecretId']);
  const out: Record<string, unknown> = { ...entry(v), VersionIdsToStages: { [versionId(v)]: ['AWSCURRENT'] } };
  if (!v.replica && v.seed.replication && v.seed.replication.length > 0) {
    out['ReplicationStatus'] = v.seed.replication.map((r) => {
      const status: Record<string, unknown> = { Region: r.region };
      if (r.kmsKeyId !== undefined) status['KmsKeyId'] = r.kmsKeyId;
      status['Status'] = r.status ?? 'InSync';
      status['StatusMessage'] = r.statusMessage ?? (r.status === 'Failed' ? 'Replication failed' : 'Replication succeeded');
      if (v.seed.lastAccessed) status['LastAccessedDate'] = epochSeconds(v.seed.lastAccessed);
      return status;
    });
  }
  return out;
}

function getResourcePolicy(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const v = findSecret(ctx, body['SecretId']);
  const out: Record<string, unknown> = { ARN: v.arn, Name: v.seed.name };
  if (v.seed.policy) out['ResourcePolicy'] = documentText(v.seed.policy);
  return out;
}

function secretValue(v: SecretView): Record<string, unknown> {
  return {
    ARN: v.arn,
    Name: v.seed.name,
    VersionId: versionId(v),
    SecretString: v.seed.value,
    VersionStages: ['AWSCURRENT'],
    CreatedDate: epochSeconds(v.seed.lastChanged ?? v.seed.lastRotated ?? v.seed.created),
  };
}

function getSecretValue(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const v = findSecret(ctx, body['SecretId']);
  if (v.seed.deleted) {
    throw new AwsError('InvalidRequestException', "You can't perform this operation on the secret because it was marked for deletion.");
  }
  return secretValue(v);
}

function batchGetSecretValue(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const ids = body['SecretIdList'];
  const values: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  if (Array.isArray(ids)) {
    for (const id of ids) {
      try {
        values.push(secretValue(findSecret(ctx, id)));
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        errors.push({ SecretId: String(id), ErrorCode: err.code, Message: err.message });
      }
    }
  } else {
    const filters = readFilters(body['Filters']);
    for (const v of regionView(ctx.caller.account, ctx.region)) {
      if (!v.seed.deleted && matches(v, filters)) values.push(secretValue(v));
    }
  }
  return { SecretValues: values, Errors: errors };
}

export function handleSecrets(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  switch (action) {
    case 'ListSecrets':
      return listSecrets(body, ctx);
    case 'DescribeSecret':
      return describeSecret(body, ctx);
    case 'GetResourcePolicy':
      return getResourcePolicy(body, ctx);
    case 'GetSecretValue':
      return getSecretValue(body, ctx);
    case 'BatchGetSecretValue':
      return batchGetSecretValue(body, ctx);
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
  }
}
