// The calls of aws-data-stores (see index.ts): ListBuckets once (which buckets the account owns), the
// account's S3 public access block, then per bucket that lineage or trainingDataBuckets names six Get
// calls (HeadBucket first for one the account does not own), and per KMS key three. No call writes.
import {
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  HeadBucketCommand,
  ListBucketsCommand,
  type ListBucketsCommandOutput,
} from '@aws-sdk/client-s3';
import { GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand } from '@aws-sdk/client-s3-control';
import { DescribeKeyCommand, GetKeyPolicyCommand, GetKeyRotationStatusCommand, KMSClient } from '@aws-sdk/client-kms';
import { makeClient } from '../../src/clients/aws.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import type { OperationRecord } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { IpTolerantS3Control, RegionFollowingS3 } from '../_shared/s3.js';
import { discover, MAX_REFS, type Discovery, type Found } from './discover.js';
import { KIND } from './kinds.js';
import type { AccountRecord, BucketRecord, KeyRecord, PublicAccessBlock, Read } from './record.js';

const MAX_POOL = 8;
type Gaps = ReturnType<typeof itemGaps>;
type Ops = Map<string, OperationRecord>;

const code = (e: unknown) => (e as { name?: string }).name ?? describeError(e).code;
const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

/** One call counted in its operation record; `absent` error names mean "none" (null), any other failure is a gap naming the item. */
async function get<T>(ops: Ops, gaps: Gaps, api: string, item: string, fn: () => Promise<T>, absent: string[] = []): Promise<T | null | { error: string }> {
  const o = ops.get(api) ?? { api, params: { item: '<each>' }, pages: 0, calls: 0 };
  ops.set(api, o);
  o.calls = (o.calls ?? 0) + 1;
  try {
    const r = await fn();
    o.pages++;
    return r;
  } catch (e) {
    if (absent.includes(code(e))) {
      o.pages++;
      return null;
    }
    return { error: gaps.add(api, item, e).code };
  }
}

const map = <T, R>(v: T | null | { error: string }, f: (t: T) => R): Read<R> => (v === null ? null : typeof v === 'object' && 'error' in (v as object) ? (v as { error: string }) : f(v as T));

const pab = (c: { BlockPublicAcls?: boolean | undefined; IgnorePublicAcls?: boolean | undefined; BlockPublicPolicy?: boolean | undefined; RestrictPublicBuckets?: boolean | undefined } | undefined): PublicAccessBlock => ({
  BlockPublicAcls: c?.BlockPublicAcls === true,
  IgnorePublicAcls: c?.IgnorePublicAcls === true,
  BlockPublicPolicy: c?.BlockPublicPolicy === true,
  RestrictPublicBuckets: c?.RestrictPublicBuckets === true,
});

function parsePolicy(text: string | undefined): { document: unknown } | { error: string } {
  try {
    const doc = JSON.parse(text ?? '');
    return doc && typeof doc === 'object' && 'Statement' in doc ? { document: doc } : { error: 'MalformedPolicy' };
  } catch {
    return { error: 'MalformedPolicy' };
  }
}

/** ListBuckets to its last page: the buckets this account owns, with their regions; null when it failed (a gap). */
async function ownedBuckets(ctx: AwsContext, s3: RegionFollowingS3, ops: Ops): Promise<Map<string, string | null> | null> {
  const o: OperationRecord = { api: 's3:ListBuckets', params: { MaxBuckets: 1000 }, pages: 0, calls: 0 };
  ops.set(o.api, o);
  const out = new Map<string, string | null>();
  try {
    await ctx.paginate.all<ListBucketsCommandOutput>(
      { api: o.api, params: o.params },
      async (ContinuationToken) => {
        o.calls = (o.calls ?? 0) + 1;
        const page = await s3.send(new ListBucketsCommand({ MaxBuckets: 1000, ContinuationToken }), { abortSignal: ctx.signal });
        o.pages++;
        return { page, next: page.ContinuationToken || undefined };
      },
      (page) => {
        for (const b of page.Buckets ?? []) if (b.Name) out.set(b.Name, b.BucketRegion ?? null);
      },
    );
    return out;
  } catch (e) {
    ctx.gap({ api: o.api, ...describeError(e) });
    return null;
  }
}

/** The patterns of trainingDataBuckets (with * or ?) matched against the buckets the account owns. */
function expandPatterns(d: Discovery, owned: Map<string, string | null> | null): void {
  for (const p of d.patterns) {
    const re = new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    for (const b of owned?.keys() ?? []) if (re.test(b)) d.buckets.set(b, d.buckets.get(b) ?? { refs: [{ from: 'sources.aws[].trainingDataBuckets', ref: p }], total: 1, region: null });
  }
}

/** S3 clients by region: a bucket is read in its own region (one call per read); where its region is unknown, the client follows S3's 301 to it (two). */
type S3In = (region: string | null) => RegionFollowingS3;

async function readBucket(ctx: AwsContext, s3In: S3In, ops: Ops, gaps: Gaps, Bucket: string, f: Found, owned: Map<string, string | null> | null): Promise<BucketRecord> {
  const opts = { abortSignal: ctx.signal };
  const base = { Bucket, region: owned?.get(Bucket) ?? null, discoveredFrom: f.refs, references: f.total };
  const none = { encryption: null, publicAccessBlock: null, policy: null, versioning: null, objectLock: null, logging: null };
  const owner: BucketRecord['owner'] = owned === null ? 'unknown' : owned.has(Bucket) ? 'this-account' : 'another-account';
  if (owner !== 'this-account') {
    // not in this account's list: does it exist at all, and may we read it?
    const o = ops.get('s3:HeadBucket') ?? { api: 's3:HeadBucket', params: { Bucket: '<each bucket not owned>' }, pages: 0, calls: 0 };
    ops.set(o.api, o);
    o.calls = (o.calls ?? 0) + 1;
    try {
      const head = await s3In(null).send(new HeadBucketCommand({ Bucket }), opts);
      o.pages++;
      base.region = head.BucketRegion ?? null;
    } catch (e) {
      const st = status(e);
      if (st === 403 && owner === 'another-account') return { ...base, owner, ...none };
      const c = st === 404 ? 'NoSuchBucket' : st === 403 ? 'AccessDenied' : code(e);
      gaps.add('s3:HeadBucket', `${Bucket} (named in ${f.refs[0]?.from ?? 'lineage'})`, Object.assign(new Error(st === 404 ? 'the bucket does not exist' : describeError(e).message), { name: c }));
      // nobody's bucket, or one we may not even see: judged as unreadable, never left out
      return { ...base, owner: 'unknown', ...none, error: c };
    }
    if (owner === 'another-account') return { ...base, owner, ...none };
  }
  const s3 = s3In(base.region);
  const [enc, block, pol, ver, lock, log] = await Promise.all([
    get(ops, gaps, 's3:GetBucketEncryption', Bucket, () => s3.send(new GetBucketEncryptionCommand({ Bucket }), opts), ['ServerSideEncryptionConfigurationNotFoundError']),
    get(ops, gaps, 's3:GetPublicAccessBlock', Bucket, () => s3.send(new GetPublicAccessBlockCommand({ Bucket }), opts), ['NoSuchPublicAccessBlockConfiguration']),
    get(ops, gaps, 's3:GetBucketPolicy', Bucket, () => s3.send(new GetBucketPolicyCommand({ Bucket }), opts), ['NoSuchBucketPolicy']),
    get(ops, gaps, 's3:GetBucketVersioning', Bucket, () => s3.send(new GetBucketVersioningCommand({ Bucket }), opts)),
    get(ops, gaps, 's3:GetObjectLockConfiguration', Bucket, () => s3.send(new GetObjectLockConfigurationCommand({ Bucket }), opts), ['ObjectLockConfigurationNotFoundError']),
    get(ops, gaps, 's3:GetBucketLogging', Bucket, () => s3.send(new GetBucketLoggingCommand({ Bucket }), opts)),
  ]);
  return {
    ...base,
    owner,
    encryption: map(enc, (r) => ({ rules: (r.ServerSideEncryptionConfiguration?.Rules ?? []).map((x) => ({ SSEAlgorithm: x.ApplyServerSideEncryptionByDefault?.SSEAlgorithm ?? null, KMSMasterKeyID: x.ApplyServerSideEncryptionByDefault?.KMSMasterKeyID || null, BucketKeyEnabled: x.BucketKeyEnabled === true })) })),
    publicAccessBlock: map(block, (r) => pab(r.PublicAccessBlockConfiguration)),
    policy: pol !== null && !('error' in pol) ? parsePolicy(pol.Policy) : map(pol, () => ({ document: null })),
    versioning: map(ver, (r) => ({ Status: r.Status ?? null, MFADelete: r.MFADelete ?? null })),
    objectLock: map(lock, (r) => {
      const d = r.ObjectLockConfiguration?.Rule?.DefaultRetention;
      return { enabled: r.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled', rule: d ? { Mode: d.Mode ?? null, Days: d.Days ?? null, Years: d.Years ?? null } : null };
    }),
    logging: map(log, (r) => (r.LoggingEnabled ? { TargetBucket: r.LoggingEnabled.TargetBucket ?? null, TargetPrefix: r.LoggingEnabled.TargetPrefix ?? null } : null)),
  };
}

/** A key reference's region and account: from its ARN, else the naming resource's region and this account. */
function keyHome(ref: string, f: Found, ctx: AwsContext): { region: string; account: string } {
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):/.exec(ref);
  return m ? { region: m[1]!, account: m[2]! } : { region: f.region ?? ctx.aws.region, account: ctx.aws.account };
}

/** Keys that can rotate automatically: symmetric encryption keys with key material from KMS. */
const rotatable = (spec: string | null, origin: string | null) => (spec === 'SYMMETRIC_DEFAULT' && origin === 'AWS_KMS' ? null : `KeySpec ${spec ?? '?'}, Origin ${origin ?? '?'}: AWS KMS rotates only symmetric keys with KMS-generated material`);

async function readKeys(ctx: AwsContext, d: Discovery, ops: Ops, gaps: Gaps): Promise<KeyRecord[]> {
  const clients = new Map<string, KMSClient>();
  const kms = (region: string) => clients.get(region) ?? clients.set(region, makeClient(KMSClient, { ...ctx.aws, region })).get(region)!;
  const byArn = new Map<string, KeyRecord>();
  const opts = { abortSignal: ctx.signal };
  try {
    await mapPool([...d.keys], Math.min(MAX_POOL, Math.max(1, ctx.concurrency)), async ([ref, f]) => {
      const home = keyHome(ref, f, ctx);
      const base = { discoveredFrom: f.refs, references: f.total, region: home.region, account: home.account, KeyManager: null, KeyState: null, KeySpec: null, Origin: null };
      if (home.account !== ctx.aws.account) {
        byArn.set(ref, { ...base, KeyArn: ref, owner: 'another-account', rotation: null, policy: null });
        return;
      }
      const c = kms(home.region);
      const desc = await get(ops, gaps, 'kms:DescribeKey', ref, () => c.send(new DescribeKeyCommand({ KeyId: ref }), opts));
      if (desc === null || 'error' in desc) {
        byArn.set(ref, { ...base, KeyArn: ref, owner: 'this-account', rotation: null, policy: null, error: desc?.error ?? 'NotFound' });
        return;
      }
      const md = desc.KeyMetadata;
      const arn = md?.Arn ?? ref;
      const seen = byArn.get(arn);
      if (seen) {
        // an alias and the ARN of one key: one record, both references
        seen.discoveredFrom = [...seen.discoveredFrom, ...f.refs].slice(0, MAX_REFS);
        seen.references += f.total;
        return;
      }
      const r: KeyRecord = { ...base, KeyArn: arn, owner: 'this-account', KeyManager: md?.KeyManager ?? null, KeyState: md?.KeyState ?? null, KeySpec: md?.KeySpec ?? null, Origin: md?.Origin ?? null, rotation: null, policy: null };
      byArn.set(arn, r);
      const unsupported = rotatable(r.KeySpec, r.Origin);
      const [rot, pol] = await Promise.all([
        unsupported ? Promise.resolve({ unsupported }) : get(ops, gaps, 'kms:GetKeyRotationStatus', arn, () => c.send(new GetKeyRotationStatusCommand({ KeyId: arn }), opts)),
        get(ops, gaps, 'kms:GetKeyPolicy', arn, () => c.send(new GetKeyPolicyCommand({ KeyId: arn, PolicyName: 'default' }), opts)),
      ]);
      r.rotation = rot && 'unsupported' in rot ? rot : map(rot, (x) => ({ enabled: x.KeyRotationEnabled === true, periodDays: x.RotationPeriodInDays ?? null }));
      r.policy = pol !== null && !('error' in pol) ? parsePolicy(pol.Policy) : map(pol, () => ({ document: null }));
    });
  } finally {
    for (const c of clients.values()) c.destroy();
  }
  return [...byArn.values()];
}

async function accountBlock(ctx: AwsContext, ops: Ops): Promise<Read<PublicAccessBlock>> {
  const c = makeClient(IpTolerantS3Control, ctx.aws);
  const o: OperationRecord = { api: 's3:GetAccountPublicAccessBlock', params: { AccountId: ctx.aws.account }, pages: 0, calls: 1 };
  ops.set(o.api, o);
  try {
    const r = await c.send(new GetAccountPublicAccessBlockCommand({ AccountId: ctx.aws.account }), { abortSignal: ctx.signal });
    o.pages = 1;
    return pab(r.PublicAccessBlockConfiguration);
  } catch (e) {
    if (code(e) === 'NoSuchPublicAccessBlockConfiguration') {
      o.pages = 1;
      return null;
    }
    const d = describeError(e);
    ctx.gap({ api: o.api, ...d });
    return { error: d.code };
  } finally {
    c.destroy();
  }
}

export async function collect(ctx: AwsContext): Promise<void> {
  const d = await discover(ctx);
  const s3 = makeClient(RegionFollowingS3, ctx.aws);
  const regional = new Map<string, RegionFollowingS3>([[ctx.aws.region, s3]]);
  const s3In: S3In = (region) => {
    const r = region ?? ctx.aws.region;
    let c = regional.get(r);
    if (!c) regional.set(r, (c = makeClient(RegionFollowingS3, { ...ctx.aws, region: r })));
    return c;
  };
  const ops: Ops = new Map();
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'buckets or keys', where: `${KIND.buckets} / ${KIND.keys}` });
  const inputsComplete = d.inputs.every((i) => i.complete);
  const derived = { derivedFrom: d.inputs.map((i) => `${i.kind} ${i.path}${i.complete ? '' : ' (incomplete)'}`), trainingDataBuckets: ctx.source.trainingDataBuckets };
  try {
    const owned = await ownedBuckets(ctx, s3, ops);
    expandPatterns(d, owned);
    const account: AccountRecord = { account: ctx.aws.account, publicAccessBlock: await accountBlock(ctx, ops), bucketsOwned: owned?.size ?? null };
    await ctx.artifacts.json(KIND.account, account, { operations: [ops.get('s3:ListBuckets')!, ops.get('s3:GetAccountPublicAccessBlock')!].map((o) => ({ ...o })), complete: owned !== null && !('error' in (account.publicAccessBlock ?? {})), records: 1 });
    const out = await ctx.artifacts.ndjson(KIND.buckets);
    const buckets = await mapPool([...d.buckets].sort(([a], [b]) => a.localeCompare(b)), Math.min(MAX_POOL, Math.max(1, ctx.concurrency)), ([b, f]) => readBucket(ctx, s3In, ops, gaps, b, f, owned));
    for (const b of buckets) {
      await out.write(b);
      for (const r of b.encryption && 'rules' in b.encryption ? b.encryption.rules : []) if (r.KMSMasterKeyID) d.keys.set(r.KMSMasterKeyID, d.keys.get(r.KMSMasterKeyID) ?? { refs: [{ from: `default encryption of bucket ${b.Bucket}`, ref: r.KMSMasterKeyID }], total: 1, region: b.region });
    }
    const bucketOps = [...ops.values()].filter((o) => o.api.startsWith('s3:') && o.api !== 's3:ListBuckets' && o.api !== 's3:GetAccountPublicAccessBlock');
    await out.finish({ operations: bucketOps.map((o) => ({ ...o })), complete: inputsComplete && (owned !== null || !d.patterns.length), notes: { ...derived, buckets: buckets.length, ...(inputsComplete ? {} : { incomplete: 'a lineage artifact of this run is incomplete: a bucket it would name may be missing' }) } });
    const keys = await readKeys(ctx, d, ops, gaps);
    await ctx.artifacts.json(KIND.keys, keys, { operations: [...ops.values()].filter((o) => o.api.startsWith('kms:')).map((o) => ({ ...o })), complete: inputsComplete, records: keys.length, notes: derived });
    gaps.flush();
  } finally {
    for (const c of regional.values()) c.destroy();
  }
}
