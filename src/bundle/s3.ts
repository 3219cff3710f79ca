// The S3 evidence store: a write-once copy of every bundle (Object Lock), the chain continued from
// the last bundle found in S3, and `verify`/`report` straight from an s3:// location.
//
// Key layout (docs/s3-store.md):  <prefix>/<stream folder>/<bundle-id>/<path inside the bundle>
//   stream folder = the config's evidence.stream, or "_default" when none is set ("_" cannot begin a
//   stream name, so the two never collide). manifest.json is uploaded last: a bundle folder without
//   it is an unfinished upload, never the chain's tip and never evidence.
//
// Every object is written with x-amz-checksum-sha256 (the SHA-256 the manifest already records, so S3
// rejects bytes corrupted on the way), `If-None-Match: *` (an existing key is never overwritten; a
// retry that finds its own object already there compares checksums and moves on) and, when
// configured, Object Lock retention (mode, now + retainDays by the real clock).
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, readdirSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  GetObjectAttributesCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  S3Client,
  type ObjectLockMode,
} from '@aws-sdk/client-s3';
import { awsRequestHandler, type CallCounter } from '../clients/aws.js';
import { mapPool } from '../core/pool.js';
import { UsageError, VerificationError, describeError } from '../core/errors.js';
import type { RemoteTip } from '../core/runner.js';
import type { Logger } from '../core/types.js';
import { sha256File } from './hash.js';
import { BUNDLE_ID, MANIFEST, SIGNATURE, isSafeRelativePath, type Manifest } from './manifest.js';
import { latestBundle, readManifest } from './store.js';
import { writeOnceSummary, type TrustedKey, type WriteOnceSummary } from './trust.js';
import { checkChain, checkManifestBytes, verifyPath, verifyResultOf, type Checked, type Problem, type VerifyResult } from './verify.js';
import { checkSignature } from './trust.js';

export const DEFAULT_STREAM_FOLDER = '_default';
const STREAM_FOLDER = /^(?:_default|[A-Za-z0-9][A-Za-z0-9._-]{0,62})$/;
/** files above this are streamed from disk instead of read into memory (no SDK retry for those) */
const BUFFER_LIMIT = 64 * 1024 * 1024;
const SINGLE_PUT_LIMIT = 5 * 1024 * 1024 * 1024;

export interface S3Location {
  bucket: string;
  /** without leading or trailing "/"; "" for the bucket's root */
  prefix: string;
}

export interface S3Settings {
  bucket: string;
  prefix: string;
  region?: string;
  objectLock?: { mode: 'COMPLIANCE' | 'GOVERNANCE'; retainDays: number };
}

export interface TransferStats {
  objects: number;
  bytes: number;
  /** HTTP attempts to S3, retries included */
  calls: number;
  ms: number;
}

export function isS3Location(s: string): boolean {
  return /^s3:\/\//i.test(s);
}

/** `s3://bucket/prefix` → {bucket, prefix}; null when it is not an s3:// URL; UsageError when malformed. */
export function parseS3Location(s: string): S3Location | null {
  if (!isS3Location(s)) return null;
  const rest = s.slice(5);
  const slash = rest.indexOf('/');
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = (slash < 0 ? '' : rest.slice(slash + 1)).replace(/^\/+|\/+$/g, '');
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UsageError(`${s}: expected s3://BUCKET/PREFIX with a valid bucket name`);
  return { bucket, prefix };
}

export function formatS3Location(loc: S3Location): string {
  return `s3://${loc.bucket}/${loc.prefix}`;
}

export function streamFolder(stream: string | null): string {
  return stream ?? DEFAULT_STREAM_FOLDER;
}

const join = (...parts: string[]) => parts.filter((p) => p !== '').join('/');

/** `<prefix>/<stream folder>/<id>/` */
export function bundleKeyPrefix(loc: S3Location, stream: string | null, id: string): string {
  return join(loc.prefix, streamFolder(stream), id) + '/';
}

// ---------------------------------------------------------------------------------------------
// client

/**
 * An S3 client from the SDK's standard chain (credentials, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 * With an endpoint override (moto, MinIO, LocalStack) it uses path-style addressing: the SDK already
 * does for an IP literal, but `http://localhost:PORT` would become `BUCKET.localhost`.
 * Connect and socket timeouts are the collectors' (awsRequestHandler, SOC2_AWS_SOCKET_TIMEOUT_MS): without
 * them an endpoint that accepts the connection and never answers would hang collect, verify and report.
 */
export function createS3Client(o: { region?: string; env?: NodeJS.ProcessEnv; counter?: CallCounter; maxAttempts?: number } = {}): { client: S3Client; counter: CallCounter } {
  const env = o.env ?? process.env;
  const counter = o.counter ?? { calls: 0, retries: 0 };
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const client = new S3Client({
    region: o.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    maxAttempts: o.maxAttempts ?? 5,
    retryMode: 'adaptive',
    requestHandler: awsRequestHandler(env),
    // a bucket in another region than AWS_REGION still works when the config does not name it
    followRegionRedirects: !o.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      counter.calls++;
      return next(args);
    },
    { step: 'deserialize', name: 'soc2CountAttempts', priority: 'high' },
  );
  // S3 sends Last-Modified in RFC 7231 form; moto 5.2.1's GetObjectAttributes sends ISO 8601, which
  // the SDK refuses ("Invalid RFC7231 date-time value"). The header is not used by soc2; an ISO value
  // is rewritten to RFC 7231 before the SDK parses it (never the case against S3).
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const out = await next(args);
      const h = out?.response?.headers as Record<string, string> | undefined;
      const v = h?.['last-modified'];
      if (v && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) h!['last-modified'] = new Date(v).toUTCString();
      return out;
    },
    { step: 'deserialize', name: 'soc2IsoLastModified', priority: 'low' },
  );
  // x-amz-object-attributes as the AWS CLI (botocore) sends it, "Checksum,ObjectSize": the SDK joins
  // the list with ", ", which S3 accepts but moto 5.2.1 splits on "," alone, losing " ObjectSize"
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const h = args?.request?.headers as Record<string, string> | undefined;
      if (h?.['x-amz-object-attributes']) h['x-amz-object-attributes'] = h['x-amz-object-attributes'].replace(/,\s+/g, ',');
      return next(args);
    },
    { step: 'build', name: 'soc2ObjectAttributesList', priority: 'low' },
  );
  return { client, counter };
}

const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
const errCode = (e: unknown) => describeError(e).code;
const isNotFound = (e: unknown) => ['NoSuchKey', 'NotFound'].includes(errCode(e)) || status(e) === 404;
const describe = (e: unknown) => {
  const d = describeError(e);
  return d.message && d.message !== d.code ? `${d.code}: ${d.message}` : d.code;
};

function bucketError(loc: S3Location, e: unknown): never {
  if (errCode(e) === 'NoSuchBucket') throw new UsageError(`${formatS3Location(loc)}: no such bucket`);
  throw e;
}

// ---------------------------------------------------------------------------------------------
// listing

/** Bundle ids directly under `base` (ListObjectsV2 with Delimiter, paginated to the end). */
async function listBundleIds(client: S3Client, bucket: string, base: string, pageSize?: number): Promise<string[]> {
  const ids: string[] = [];
  const seen = new Set<string>();
  let token: string | undefined;
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: base, Delimiter: '/', ContinuationToken: token, ...(pageSize ? { MaxKeys: pageSize } : {}) }));
    for (const p of page.CommonPrefixes ?? []) {
      const id = (p.Prefix ?? '').slice(base.length).replace(/\/$/, '');
      if (BUNDLE_ID.test(id)) ids.push(id);
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token) {
      if (seen.has(token)) throw Object.assign(new Error('ListObjectsV2: continuation token repeated; refusing to loop'), { name: 'RepeatedPaginationToken' });
      seen.add(token);
    }
  } while (token);
  return ids.sort();
}

interface ListedKey {
  key: string;
  /** versions and delete markers the key has; 1 for a key written once (or an unversioned bucket) */
  versions: number;
  /** the newest version is a delete marker: a reader gets 404 */
  deleted: boolean;
}

/**
 * Every key under `prefix`. Uses ListObjectVersions so overwrites and deletes show (a write-once
 * store holds exactly one version per key); falls back to ListObjectsV2 when versions cannot be listed.
 */
async function listKeys(client: S3Client, bucket: string, prefix: string, log?: Logger): Promise<{ keys: ListedKey[]; versionsListed: boolean }> {
  const byKey = new Map<string, ListedKey>();
  try {
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    const seen = new Set<string>();
    for (;;) {
      const page = await client.send(new ListObjectVersionsCommand({ Bucket: bucket, Prefix: prefix || undefined, KeyMarker: keyMarker, VersionIdMarker: versionMarker }));
      const add = (key: string | undefined, latest: boolean | undefined, marker: boolean) => {
        if (!key) return;
        const k = byKey.get(key) ?? { key, versions: 0, deleted: false };
        k.versions++;
        if (latest) k.deleted = marker;
        byKey.set(key, k);
      };
      for (const v of page.Versions ?? []) add(v.Key, v.IsLatest, false);
      for (const d of page.DeleteMarkers ?? []) add(d.Key, d.IsLatest, true);
      if (!page.IsTruncated) break;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
      const t = `${keyMarker}\0${versionMarker}`;
      if (seen.has(t)) throw Object.assign(new Error('ListObjectVersions: markers repeated; refusing to loop'), { name: 'RepeatedPaginationToken' });
      seen.add(t);
    }
    return { keys: [...byKey.values()], versionsListed: true };
  } catch (e) {
    if (!['AccessDenied', 'NotImplemented', 'MethodNotAllowed'].includes(errCode(e))) throw e;
    log?.warn(`cannot list object versions (${describe(e)}); overwritten objects are found only through their checksums`);
  }
  byKey.clear();
  let token: string | undefined;
  const seen = new Set<string>();
  do {
    const page = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }));
    for (const o of page.Contents ?? []) if (o.Key) byKey.set(o.Key, { key: o.Key, versions: 1, deleted: false });
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
    if (token) {
      if (seen.has(token)) throw Object.assign(new Error('ListObjectsV2: continuation token repeated; refusing to loop'), { name: 'RepeatedPaginationToken' });
      seen.add(token);
    }
  } while (token);
  return { keys: [...byKey.values()], versionsListed: false };
}

// ---------------------------------------------------------------------------------------------
// reading objects

interface ObjectMeta {
  sha256: string;
  bytes: number;
  /** x-amz-checksum-sha256 as stored (base64), null when the object has none */
  storedSha256: string | null;
  lockMode: string | null;
  lockUntil: Date | null;
  versionId: string | null;
}

class ChecksumMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatch';
  }
}

/** Streams one object to `file`, hashing as it writes; the SDK also checks the bytes against the stored checksum. */
async function getObjectToFile(client: S3Client, bucket: string, key: string, file: string): Promise<ObjectMeta> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  await mkdir(path.dirname(file), { recursive: true });
  const h = createHash('sha256');
  let bytes = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      h.update(chunk);
      bytes += chunk.length;
      cb(null, chunk);
    },
  });
  try {
    await pipeline(out.Body as Readable, tap, createWriteStream(file, { flags: 'wx' }));
  } catch (e) {
    if (/checksum mismatch/i.test((e as Error)?.message ?? '')) throw new ChecksumMismatch('bytes do not match the SHA-256 checksum S3 stored for this object (corrupted in storage or in transit)');
    throw e;
  }
  const sha256 = h.digest('hex');
  const stored = out.ChecksumSHA256 ?? null;
  if (stored && !stored.includes('-') && stored !== b64(sha256)) throw new ChecksumMismatch('bytes do not match the SHA-256 checksum S3 stored for this object');
  return {
    sha256,
    bytes,
    storedSha256: stored,
    lockMode: out.ObjectLockMode ?? null,
    lockUntil: out.ObjectLockRetainUntilDate ?? null,
    versionId: out.VersionId ?? null,
  };
}

async function getObjectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  let buf: Buffer;
  try {
    buf = Buffer.from(await out.Body!.transformToByteArray());
  } catch (e) {
    if (/checksum mismatch/i.test((e as Error)?.message ?? '')) throw new ChecksumMismatch(`s3://${bucket}/${key}: bytes do not match the SHA-256 checksum S3 stored for this object`);
    throw e;
  }
  const stored = out.ChecksumSHA256;
  if (stored && !stored.includes('-') && stored !== createHash('sha256').update(buf).digest('base64')) throw new ChecksumMismatch(`s3://${bucket}/${key}: bytes do not match the SHA-256 checksum S3 stored for this object`);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// the chain's tip

export interface S3Tip {
  id: string;
  manifest: Manifest;
  /** manifest.json's exact bytes, as read (and checked against S3's checksum) */
  manifestBytes: Buffer;
  manifestSha256: string;
  /** `<prefix>/<stream folder>/<id>/` */
  keyPrefix: string;
}

/** The newest bundle of `stream` in S3 whose manifest.json is there (a folder without one is an unfinished upload). */
export async function findS3Tip(client: S3Client, loc: S3Location, stream: string | null, o: { pageSize?: number; log?: Logger } = {}): Promise<S3Tip | null> {
  return (await readS3Chain(client, loc, stream, o)).tip;
}

export interface S3Chain {
  /** every bundle folder of the stream, finished or not, oldest first */
  ids: string[];
  tip: S3Tip | null;
  /** set when the tip does not link to the finished bundle before it: the chain in S3 forks or breaks */
  fork: string | null;
}

/**
 * The stream's folders, its tip, and whether the tip links to the finished bundle before it (one
 * HeadObject more): a fork already in S3 (two bundles after one previous) shows there, and collect
 * refuses to add to it.
 */
export async function readS3Chain(client: S3Client, loc: S3Location, stream: string | null, o: { pageSize?: number; log?: Logger } = {}): Promise<S3Chain> {
  const base = join(loc.prefix, streamFolder(stream)) + '/';
  const ids = await listBundleIds(client, loc.bucket, base, o.pageSize).catch((e) => bucketError(loc, e));
  let i = ids.length - 1;
  let tip: S3Tip | null = null;
  for (; i >= 0 && !tip; i--) tip = await readTip(client, loc, stream, base, ids[i]!, o.log);
  if (!tip) return { ids, tip: null, fork: null };
  for (; i >= 0; i--) {
    const id = ids[i]!;
    try {
      await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: `${base}${id}/${MANIFEST}` }));
    } catch (e) {
      if (isNotFound(e)) continue;
      throw e;
    }
    const linked = tip.manifest.previous?.id ?? null;
    const fork =
      linked === id
        ? null
        : linked !== null && linked < id
          ? `the chain in ${formatS3Location(loc)} forks: its tip ${tip.id} follows ${linked}, which ${id} also follows or comes after`
          : `the chain in ${formatS3Location(loc)} is broken: its tip ${tip.id} links to ${linked ?? 'nothing'}, but ${id} comes before it`;
    return { ids, tip, fork: fork && `${fork} (run "soc2 verify ${formatS3Location(loc)}")` };
  }
  return { ids, tip, fork: null };
}

/** The bundle `id` as a tip: its manifest.json read and checked; null when the folder has none (unfinished). */
async function readTip(client: S3Client, loc: S3Location, stream: string | null, base: string, id: string, log?: Logger): Promise<S3Tip | null> {
  const keyPrefix = `${base}${id}/`;
  let bytes: Buffer;
  try {
    bytes = await getObjectBytes(client, loc.bucket, keyPrefix + MANIFEST);
  } catch (e) {
    if (isNotFound(e)) {
      log?.warn(`s3://${loc.bucket}/${keyPrefix}: unfinished upload (no ${MANIFEST}); not the chain's tip`);
      return null;
    }
    throw e;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(bytes.toString('utf8')) as Manifest;
  } catch {
    throw new VerificationError(`s3://${loc.bucket}/${keyPrefix}${MANIFEST}: not valid JSON; the chain's tip in S3 is damaged (run "soc2 verify ${formatS3Location(loc)}")`);
  }
  if (manifest.id !== id || (manifest.stream ?? null) !== stream)
    throw new VerificationError(`s3://${loc.bucket}/${keyPrefix}${MANIFEST}: manifest says bundle ${JSON.stringify(manifest.id)} of stream ${JSON.stringify(manifest.stream ?? null)}, not ${id} of ${JSON.stringify(stream)}`);
  return { id, manifest, manifestBytes: bytes, manifestSha256: createHash('sha256').update(bytes).digest('hex'), keyPrefix };
}

/** Downloads the files a tip's manifest lists (checked against it) into `<evidenceDir>/<id>/`, for ctx.previous. */
async function downloadTip(client: S3Client, bucket: string, tip: S3Tip, evidenceDir: string, log?: Logger): Promise<void> {
  const dir = path.join(evidenceDir, tip.id);
  await mkdir(dir, { recursive: true });
  await mapPool(tip.manifest.files ?? [], 16, async (f) => {
    if (!isSafeRelativePath(f.path)) throw new VerificationError(`s3://${bucket}/${tip.keyPrefix}${MANIFEST}: lists an unsafe path ${JSON.stringify(f.path)}`);
    const meta = await getObjectToFile(client, bucket, tip.keyPrefix + f.path, path.join(dir, ...f.path.split('/')));
    if (meta.sha256 !== f.sha256) log?.warn(`s3://${bucket}/${tip.keyPrefix}${f.path}: content does not match the manifest (run "soc2 verify")`);
  });
  await writeFile(path.join(dir, MANIFEST), tip.manifestBytes);
}

// ---------------------------------------------------------------------------------------------
// link claims: one write-once object per link of the chain

/** `<prefix>/<stream folder>/_links/`: not a bundle id, so listings of bundles never see it */
const LINKS_FOLDER = '_links';
/** the claim of a chain's first bundle (previous: null) */
const FIRST_LINK = '_first';

/** `<prefix>/<stream folder>/_links/<previous id>.json`: which bundle follows that previous. */
export function linkClaimKey(loc: S3Location, stream: string | null, previousId: string | null): string {
  return join(loc.prefix, streamFolder(stream), LINKS_FOLDER, `${previousId ?? FIRST_LINK}.json`);
}

/** Another bundle already follows this bundle's previous in S3: uploading this one would fork the chain. */
export class LinkTaken extends Error {
  constructor(
    readonly bundle: string,
    readonly previous: string | null,
    readonly winner: string,
    readonly s3Key: string,
  ) {
    super(`bundle ${bundle} follows ${previous ?? '(the chain\'s start)'}, but ${winner} already follows it in S3 (another collect got there first)`);
    this.name = 'LinkTaken';
  }
}

/**
 * Claims the link `previous → this bundle` with `If-None-Match: *`, before the bundle's manifest.json
 * (which makes it a finished bundle) is written. S3 lets exactly one of two concurrent writers create
 * the key. A claim already naming this bundle is a retry of our own and fine; one naming another
 * bundle throws LinkTaken. A claim whose bundle never got its manifest (a collect killed between the
 * two PUTs) holds the link until its machine uploads it again or someone deletes the claim object.
 */
async function claimLink(client: S3Client, loc: S3Location, manifest: Manifest, manifestSha256: string, lock: { mode: string; until: Date } | null): Promise<void> {
  const previous = manifest.previous?.id ?? null;
  const Key = linkClaimKey(loc, manifest.stream ?? null, previous);
  const body = Buffer.from(JSON.stringify({ previous, next: manifest.id, manifestSha256 }) + '\n');
  try {
    await client.send(
      new PutObjectCommand({
        Bucket: loc.bucket,
        Key,
        Body: body,
        ContentType: 'application/json',
        ChecksumAlgorithm: 'SHA256',
        ChecksumSHA256: createHash('sha256').update(body).digest('base64'),
        IfNoneMatch: '*',
        ...(lock ? { ObjectLockMode: lock.mode as ObjectLockMode, ObjectLockRetainUntilDate: lock.until } : {}),
      }),
    );
    return;
  } catch (e) {
    if (errCode(e) !== 'PreconditionFailed' && status(e) !== 412) throw Object.assign(e as Error, { s3Key: Key });
  }
  let next: unknown;
  try {
    next = (JSON.parse((await getObjectBytes(client, loc.bucket, Key)).toString('utf8')) as { next?: unknown }).next;
  } catch (e) {
    throw Object.assign(e as Error, { s3Key: Key });
  }
  if (next !== manifest.id) throw new LinkTaken(manifest.id, previous, typeof next === 'string' ? next : 'an unreadable claim', Key);
}

// ---------------------------------------------------------------------------------------------
// upload

const contentType = (rel: string) =>
  rel.endsWith('.ndjson') ? 'application/x-ndjson' : rel.endsWith('.json') ? 'application/json' : rel.endsWith('.csv') ? 'text/csv' : 'text/plain; charset=utf-8';

/**
 * Uploads one finished local bundle: every file the manifest lists (after checking it against the
 * manifest), then manifest.sig, then manifest.json. Idempotent: an object already there with the same
 * SHA-256 counts as uploaded; one with other content is an error (S3 keeps the first).
 */
export async function uploadBundle(
  client: S3Client,
  loc: S3Location,
  bundleDir: string,
  o: { objectLock?: S3Settings['objectLock']; concurrency?: number; clock?: () => number } = {},
): Promise<{ id: string; keyPrefix: string; objects: number; bytes: number }> {
  const id = path.basename(bundleDir);
  const { manifest, bytes: manifestBytes } = readManifest(bundleDir);
  if (manifest.id !== id) throw new Error(`${bundleDir}: manifest id ${manifest.id} does not match the directory name`);
  const keyPrefix = bundleKeyPrefix(loc, manifest.stream ?? null, id);
  const retainUntil = o.objectLock ? new Date((o.clock ?? Date.now)() + o.objectLock.retainDays * 86_400_000) : null;
  let objects = 0;
  let total = 0;

  const put = async (rel: string, sha256: string, size: number, body: () => Buffer | Readable) => {
    if (size > SINGLE_PUT_LIMIT) throw new Error(`${rel}: ${size} bytes is above S3's 5 GiB single-upload limit`);
    const Key = keyPrefix + rel;
    try {
      await client.send(
        new PutObjectCommand({
          Bucket: loc.bucket,
          Key,
          Body: body(),
          ContentLength: size,
          ContentType: contentType(rel),
          ChecksumAlgorithm: 'SHA256',
          ChecksumSHA256: b64(sha256),
          IfNoneMatch: '*',
          ...(retainUntil ? { ObjectLockMode: o.objectLock!.mode as ObjectLockMode, ObjectLockRetainUntilDate: retainUntil } : {}),
        }),
      );
    } catch (e) {
      if (errCode(e) !== 'PreconditionFailed' && status(e) !== 412) throw Object.assign(e as Error, { s3Key: Key });
      // already there (a retried request, or an earlier interrupted upload): fine when it is the same bytes
      const h = await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key, ChecksumMode: 'ENABLED' }));
      if (h.ChecksumSHA256 !== b64(sha256)) throw Object.assign(new Error(`s3://${loc.bucket}/${Key} already exists with other content; S3 keeps the first copy`), { name: 'ObjectExists' });
    }
    objects++;
    total += size;
  };
  const putFile = async (rel: string, expect: { sha256: string; bytes: number }) => {
    const abs = path.join(bundleDir, ...rel.split('/'));
    if (expect.bytes <= BUFFER_LIMIT) {
      const buf = await readFile(abs);
      if (buf.length !== expect.bytes || createHash('sha256').update(buf).digest('hex') !== expect.sha256)
        throw Object.assign(new Error(`${id}/${rel}: local file no longer matches its manifest entry; not uploading it (run "soc2 verify")`), { name: 'LocalBundleChanged' });
      await put(rel, expect.sha256, buf.length, () => buf);
    } else {
      const got = await sha256File(abs);
      if (got.bytes !== expect.bytes || got.sha256 !== expect.sha256)
        throw Object.assign(new Error(`${id}/${rel}: local file no longer matches its manifest entry; not uploading it (run "soc2 verify")`), { name: 'LocalBundleChanged' });
      // S3 rejects the body if it changes between this hash and the upload: the checksum header is the manifest's
      await put(rel, expect.sha256, expect.bytes, () => createReadStream(abs));
    }
  };

  for (const f of manifest.files) if (!isSafeRelativePath(f.path)) throw new Error(`${id}: manifest lists an unsafe path ${JSON.stringify(f.path)}`);
  await mapPool(manifest.files, o.concurrency ?? 8, (f) => putFile(f.path, f));
  const sigPath = path.join(bundleDir, SIGNATURE);
  if (existsSync(sigPath)) {
    const sig = await readFile(sigPath);
    await put(SIGNATURE, createHash('sha256').update(sig).digest('hex'), sig.length, () => sig);
  }
  // the link, claimed write-once: at most one bundle can follow a given previous, so the chain cannot fork
  await claimLink(client, loc, manifest, createHash('sha256').update(manifestBytes).digest('hex'), retainUntil && { mode: o.objectLock!.mode, until: retainUntil });
  // last: a reader treats a bundle folder without manifest.json as unfinished
  await put(MANIFEST, createHash('sha256').update(manifestBytes).digest('hex'), manifestBytes.length, () => manifestBytes);
  return { id, keyPrefix, objects, bytes: total };
}

// ---------------------------------------------------------------------------------------------
// collect: continue the chain from S3, upload afterwards

export interface S3UploadReport {
  ok: boolean;
  location: string;
  /** bundles uploaded by this run, oldest first (earlier ones whose upload had failed come first) */
  bundles: string[];
  objects: number;
  bytes: number;
  /** every S3 call this collect made: the tip lookup, fetching the previous bundle when S3 was ahead, the upload */
  calls: number;
  /** time spent uploading */
  ms: number;
  /** time spent finding (and, when S3 was ahead, fetching) the chain's tip before collecting */
  lookupMs: number;
  error?: string;
}

export interface S3Store {
  location: string;
  /**
   * For RunOptions.remotePrevious: what the new bundle links to. The local tip when the local chain
   * leads back to S3's tip (its bundles after that tip are pending upload), else S3's tip (fetched
   * under `evidenceDir` so collectors see their previous artifacts); null when S3 has no bundle of
   * the stream or cannot be read (then the local tip).
   */
  remotePrevious(stream: string | null, local: { id: string; manifestSha256: string } | null, evidenceDir: string): Promise<RemoteTip | null>;
  /** uploads, oldest first, the local bundles of the stream that follow S3's tip by the chain; never throws */
  uploadPending(evidenceDir: string, stream: string | null): Promise<S3UploadReport>;
  close(): Promise<void>;
}

/** temp copies of S3's tip live in the evidence dir (same disk, same permissions), never in /tmp */
const PREVIOUS_TEMP = '.soc2-s3-previous-';

/** Copies left by a collect that was killed: the caller holds the evidence-dir lock, so none is in use. */
function removeLeftoverTemps(evidenceDir: string, log?: Logger): void {
  let names: string[];
  try {
    names = readdirSync(evidenceDir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(PREVIOUS_TEMP)) continue;
    log?.info(`removing ${n}, left in ${evidenceDir} by an interrupted collect`);
    rmSync(path.join(evidenceDir, n), { recursive: true, force: true });
  }
}

interface LocalLink {
  id: string;
  previous: { id: string; manifestSha256: string } | null;
  manifestSha256: string;
}

function readLocalLink(evidenceDir: string, id: string, stream: string | null): LocalLink | null {
  try {
    const { manifest, bytes } = readManifest(path.join(evidenceDir, id));
    if (manifest.id !== id || (manifest.stream ?? null) !== stream) return null;
    const prev = manifest.previous && typeof manifest.previous === 'object' ? manifest.previous : null;
    return { id, previous: prev, manifestSha256: createHash('sha256').update(bytes).digest('hex') };
  } catch {
    // missing or unreadable: verify reports it; it is not part of a chain we can upload
    return null;
  }
}

/**
 * Walks the local chain back from the local tip, by each manifest's `previous`. `reached`: it arrives
 * at S3's tip (or at the start of the chain when S3 has none); `after` are then the local bundles
 * following that tip, oldest first: the ones to upload. Otherwise `after` lists the local bundles
 * walked, which S3's chain does not hold.
 */
export function localChainAfter(evidenceDir: string, stream: string | null, tip: { id: string; manifestSha256: string } | null): { reached: boolean; after: string[] } {
  const start = latestBundle(evidenceDir, stream);
  const walked: string[] = [];
  const seen = new Set<string>();
  let cur = start && readLocalLink(evidenceDir, start.id, stream);
  while (cur && !seen.has(cur.id)) {
    if (tip && cur.id === tip.id) return { reached: cur.manifestSha256 === tip.manifestSha256, after: walked.reverse() };
    seen.add(cur.id);
    walked.push(cur.id);
    const prev = cur.previous;
    if (!prev) return { reached: tip === null, after: walked.reverse() };
    if (tip && prev.id === tip.id) return { reached: prev.manifestSha256 === tip.manifestSha256, after: walked.reverse() };
    const next = readLocalLink(evidenceDir, prev.id, stream);
    // the chain leaves the local dir: fine when S3 is empty (upload what there is), else not S3's chain
    if (!next) return { reached: tip === null, after: walked.reverse() };
    cur = next;
  }
  return { reached: tip === null && walked.length === 0, after: walked.reverse() };
}

export function openS3Store(settings: S3Settings, o: { env?: NodeJS.ProcessEnv; log?: Logger; pageSize?: number } = {}): S3Store {
  const loc: S3Location = { bucket: settings.bucket, prefix: settings.prefix ?? '' };
  const location = formatS3Location(loc);
  const { client, counter } = createS3Client({ region: settings.region, env: o.env });
  const temps: string[] = [];
  const state: { resolved: boolean; tip: { id: string; manifestSha256: string } | null; ids: Set<string>; error: string | null; lookupMs: number } = {
    resolved: false,
    tip: null,
    ids: new Set(),
    error: null,
    lookupMs: 0,
  };

  const resolve = async (stream: string | null): Promise<S3Tip | null> => {
    const t0 = Date.now();
    try {
      const chain = await readS3Chain(client, loc, stream, { pageSize: o.pageSize, log: o.log });
      state.tip = chain.tip && { id: chain.tip.id, manifestSha256: chain.tip.manifestSha256 };
      state.ids = new Set(chain.ids);
      if (chain.fork) {
        // adding to a forked chain would hide which branch is the evidence: collect locally, upload nothing
        state.error = chain.fork;
        o.log?.warn(`${state.error}; collecting anyway, linking to the local evidence only`);
        return null;
      }
      return chain.tip;
    } catch (e) {
      state.error = `cannot read the chain's tip from ${location} (${describe(e)})`;
      o.log?.warn(`${state.error}; collecting anyway, linking to the local evidence only`);
      return null;
    } finally {
      state.resolved = true;
      state.lookupMs += Date.now() - t0;
    }
  };

  return {
    location,
    async remotePrevious(stream, local, evidenceDir) {
      removeLeftoverTemps(evidenceDir, o.log);
      const tip = await resolve(stream);
      if (!tip) return null;
      const walk = localChainAfter(evidenceDir, stream, tip);
      if (walk.reached) {
        if (local?.id === tip.id && local.manifestSha256 !== tip.manifestSha256) o.log?.warn(`bundle ${tip.id}: the local manifest.json differs from the copy in ${location} (run "soc2 verify")`);
        return local ? { id: local.id, manifestSha256: local.manifestSha256, location: evidenceDir } : null;
      }
      const stray = await notInS3(walk.after, stream);
      if (stray.length)
        o.log?.warn(`local bundle(s) ${stray.join(', ')} are not in the chain in ${location} (another collect continued it first); they stay in ${evidenceDir} and are never uploaded`);
      if (local?.id === tip.id) return { id: tip.id, manifestSha256: tip.manifestSha256, location };
      // S3 is ahead (a fresh CI machine): fetch that bundle so collectors see their previous artifacts
      o.log?.info(`continuing the chain from ${location}: ${tip.id}`);
      const dir = await mkdtemp(path.join(evidenceDir, PREVIOUS_TEMP));
      temps.push(dir);
      const t0 = Date.now();
      try {
        await downloadTip(client, loc.bucket, tip, dir, o.log);
        return { id: tip.id, manifestSha256: tip.manifestSha256, location, evidenceDir: dir };
      } catch (e) {
        o.log?.warn(`could not fetch ${tip.id}'s artifacts from ${location} (${describe(e)}); collectors will not compare with it`);
        return { id: tip.id, manifestSha256: tip.manifestSha256, location };
      } finally {
        state.lookupMs += Date.now() - t0;
      }
    },
    async uploadPending(evidenceDir, stream) {
      if (!state.resolved) await resolve(stream);
      const started = Date.now();
      const report: S3UploadReport = { ok: true, location, bundles: [], objects: 0, bytes: 0, calls: 0, ms: 0, lookupMs: 0 };
      const done = (error?: string): S3UploadReport => ({ ...report, ok: !error, ...(error ? { error } : {}), calls: counter.calls, ms: Date.now() - started, lookupMs: state.lookupMs });
      if (state.error) return done(`${state.error}; the bundle was not uploaded (the next collect uploads it)`);
      const walk = localChainAfter(evidenceDir, stream, state.tip);
      if (!walk.reached) {
        const newest = walk.after.at(-1) ?? '(none)';
        return done(`local bundle ${newest} does not follow the chain's tip ${state.tip?.id ?? '(none)'} in ${location}; not uploaded (the chain in S3 cannot fork); it stays in ${evidenceDir}`);
      }
      for (const id of walk.after) {
        try {
          const r = await uploadBundle(client, loc, path.join(evidenceDir, id), { objectLock: settings.objectLock });
          report.bundles.push(id);
          report.objects += r.objects;
          report.bytes += r.bytes;
        } catch (e) {
          if (e instanceof LinkTaken) return done(await lostLink(e, evidenceDir));
          const key = (e as { s3Key?: string }).s3Key;
          return done(`upload of bundle ${id} to ${location} failed${key ? ` at ${key}` : ''}: ${describe(e)}; the local bundle is intact and the next collect uploads it`);
        }
      }
      return done();
    },
    async close() {
      for (const d of temps) await rm(d, { recursive: true, force: true });
      client.destroy();
    },
  };

  /**
   * Of local bundles walked back from the local tip (oldest first), those S3 holds no finished copy of:
   * newest first until the first one S3 has (older ones were uploaded before it), so few calls.
   */
  async function notInS3(walked: string[], stream: string | null): Promise<string[]> {
    const stray: string[] = [];
    for (const id of [...walked].reverse()) {
      if (state.ids.has(id)) {
        try {
          await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: bundleKeyPrefix(loc, stream, id) + MANIFEST }));
          break;
        } catch (e) {
          if (!isNotFound(e)) break;
        }
      }
      stray.push(id);
    }
    return stray.reverse();
  }

  /** The message for a collect that lost the race for a link: its bundle stays local, the chain in S3 stays linear. */
  async function lostLink(e: LinkTaken, evidenceDir: string): Promise<string> {
    const base = `${e.message}; bundle ${e.bundle} is kept in ${evidenceDir} only, not uploaded, so the chain in ${location} does not fork`;
    // the claim sits at <prefix>/<stream folder>/_links/<previous>.json, the winner at <prefix>/<stream folder>/<winner>/
    const winnerKey = `${e.s3Key.split('/').slice(0, -2).join('/')}/${e.winner}/${MANIFEST}`;
    try {
      await client.send(new HeadObjectCommand({ Bucket: loc.bucket, Key: winnerKey }));
      return `${base}; the next collect links to ${e.winner}`;
    } catch (err) {
      if (!isNotFound(err)) return base;
      return `${base}; ${e.winner} claimed the link but its upload never finished (no ${MANIFEST}): the chain in S3 cannot continue until the machine holding ${e.winner} runs collect again, or s3://${loc.bucket}/${e.s3Key} is deleted`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// verify and report from S3

export interface MaterializeOptions {
  env?: NodeJS.ProcessEnv;
  region?: string;
  log?: Logger;
  /** report objects without Object Lock retention (true), or without retention in this mode */
  requireObjectLock?: boolean | 'COMPLIANCE' | 'GOVERNANCE';
  /** throw a VerificationError (exit 4) on any problem found in S3 (default true); false: return them */
  strict?: boolean;
  concurrency?: number;
}

export interface Materialized {
  /** an evidence dir: one folder per bundle id, every stream side by side (each manifest names its stream) */
  dir: string;
  cleanup(): Promise<void>;
  source: 's3' | 'local';
  /** problems found in S3 itself (checksums, retention, overwrites, deletes), named by bundle and file */
  problems: Problem[];
  /**
   * bundle folders without manifest.json (an upload that stopped before its last object): not evidence,
   * so not downloaded. Not a problem by itself: if a finished bundle links to one, verify's chain check
   * reports the missing link.
   */
  unfinished: { bundle: string; stream: string; message: string }[];
  stats: TransferStats | null;
  /** Object Lock mode and retention seen on each object read from S3; null for a local dir */
  writeOnce: WriteOnceSummary | null;
}

/**
 * A local directory for `location`. A local path is returned as is. For `s3://bucket/prefix` every
 * object of every finished bundle (all streams) is downloaded into a temp dir laid out flat as
 * `<dir>/<bundle-id>/<path>`, each object's bytes checked against the SHA-256 checksum S3 stored for
 * it, and that checksum against the manifest's. Call cleanup() when done.
 */
export async function materializeEvidence(location: string, o: MaterializeOptions = {}): Promise<Materialized> {
  const loc = parseS3Location(location);
  if (!loc) return { dir: path.resolve(location), cleanup: async () => undefined, source: 'local', problems: [], unfinished: [], stats: null, writeOnce: null };
  const started = Date.now();
  const { client, counter } = createS3Client({ region: o.region, env: o.env });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'soc2-s3-evidence-'));
  const cleanup = async () => {
    await rm(dir, { recursive: true, force: true });
  };
  const problems: Problem[] = [];
  const unfinished: Materialized['unfinished'] = [];
  const p = (bundle: string, file: string | undefined, message: string) => problems.push({ bundle, ...(file ? { file } : {}), message: `S3: ${message}` });
  let objects = 0;
  let bytes = 0;
  try {
    const base = loc.prefix ? loc.prefix + '/' : '';
    const { keys } = await listKeys(client, loc.bucket, base, o.log).catch((e) => bucketError(loc, e));

    const { bundles, jobs } = finishedBundles(keys, base, p, unfinished);

    const meta = new Map<string, ObjectMeta>();
    await mapPool(jobs, o.concurrency ?? 16, async (j) => {
      try {
        const m = await getObjectToFile(client, loc.bucket, j.key, path.join(dir, j.id, ...j.rel.split('/')));
        meta.set(`${j.id}/${j.rel}`, m);
        objects++;
        bytes += m.bytes;
      } catch (e) {
        if (e instanceof ChecksumMismatch) p(j.id, j.rel, e.message);
        else p(j.id, j.rel, `cannot download ${j.key} (${describe(e)})`);
      }
    });

    const now = Date.now();
    for (const [id, b] of bundles) {
      if (unfinished.some((u) => u.bundle === id)) continue;
      let manifest: Manifest | null = null;
      try {
        manifest = JSON.parse(await readFile(path.join(dir, id, MANIFEST), 'utf8')) as Manifest;
      } catch {
        // verifyPath names an unreadable manifest
      }
      if (manifest && typeof manifest === 'object' && (manifest.stream ?? null) !== (b.stream === DEFAULT_STREAM_FOLDER ? null : b.stream))
        p(id, MANIFEST, `stored under stream folder ${b.stream} but the manifest says stream ${JSON.stringify(manifest.stream ?? null)}`);
      const listed = new Map<string, string>();
      if (manifest && Array.isArray(manifest.files)) for (const f of manifest.files) if (f && typeof f.path === 'string') listed.set(f.path, String(f.sha256));
      for (const rel of [...b.files.keys()].sort()) {
        const m = meta.get(`${id}/${rel}`);
        if (!m) continue;
        if (!m.storedSha256) p(id, rel, 'object has no SHA-256 checksum (x-amz-checksum-sha256); soc2 uploads every object with one');
        else {
          const want = listed.get(rel);
          if (want && /^[0-9a-f]{64}$/.test(want) && m.storedSha256 !== b64(want)) p(id, rel, "the SHA-256 checksum stored in S3 differs from the manifest's");
        }
        if (o.requireObjectLock) {
          if (!m.lockMode || !m.lockUntil) p(id, rel, 'object has no Object Lock retention (write-once storage is required)');
          else if (typeof o.requireObjectLock === 'string' && m.lockMode !== o.requireObjectLock) p(id, rel, `Object Lock mode is ${m.lockMode}, not ${o.requireObjectLock}`);
          else if (m.lockUntil.getTime() < now) o.log?.info(`${id}/${rel}: Object Lock retention ended ${m.lockUntil.toISOString()}`);
        }
      }
    }
    const stats = { objects, bytes, calls: counter.calls, ms: Date.now() - started };
    if (o.strict !== false && problems.length) {
      await cleanup();
      const list = problems.slice(0, 5).map((x) => `${x.bundle}${x.file ? `/${x.file}` : ''}: ${x.message}`).join('; ');
      throw new VerificationError(`${location}: ${problems.length} problem(s) in S3: ${list}${problems.length > 5 ? '; …' : ''}`);
    }
    for (const u of unfinished) o.log?.warn(`${u.bundle}: ${u.message}`);
    const writeOnce = writeOnceSummary([...meta].map(([k, m]) => ({ bundle: k.slice(0, k.indexOf('/')), file: k.slice(k.indexOf('/') + 1), mode: m.lockMode, until: m.lockUntil })));
    return { dir, cleanup, source: 's3', problems, unfinished, stats, writeOnce };
  } catch (e) {
    await cleanup();
    if (typeof (e as { exitCode?: unknown })?.exitCode === 'number') throw e;
    throw new UsageError(`${location}: cannot read the evidence (${describe(e)})`);
  } finally {
    client.destroy();
  }
}

type ListedBundle = { stream: string; files: Map<string, ListedKey> };

/**
 * The listing grouped as <stream folder>/<bundle id>/<path>: every bundle, the objects of the finished
 * ones to read (`jobs`), and the problems the listing alone shows (deleted, overwritten, unsafe keys,
 * an id under two streams). A bundle folder without manifest.json goes to `unfinished`.
 */
function finishedBundles(keys: ListedKey[], base: string, p: (bundle: string, file: string | undefined, message: string) => void, unfinished: Materialized['unfinished']): { bundles: Map<string, ListedBundle>; jobs: { id: string; rel: string; key: string }[] } {
  // <stream folder>/<bundle id>/<path>
  const bundles = new Map<string, { stream: string; files: Map<string, ListedKey> }>();
  for (const k of keys.sort((a, b) => a.key.localeCompare(b.key))) {
    const parts = k.key.slice(base.length).split('/');
    if (parts.length < 3 || !STREAM_FOLDER.test(parts[0]!) || !BUNDLE_ID.test(parts[1]!)) continue;
    const [folder, id] = parts as [string, string];
    const rel = parts.slice(2).join('/');
    let b = bundles.get(id);
    if (!b) bundles.set(id, (b = { stream: folder, files: new Map() }));
    else if (b.stream !== folder) {
      p(id, undefined, `bundle id appears under streams ${b.stream} and ${folder}; only ${b.stream}'s copy is read`);
      continue;
    }
    if (!isSafeRelativePath(rel)) {
      p(id, rel, `object key ${JSON.stringify(k.key)} is not a safe path inside the bundle`);
      continue;
    }
    b.files.set(rel, k);
  }

  const jobs: { id: string; rel: string; key: string }[] = [];
  for (const [id, b] of bundles) {
    const m = b.files.get(MANIFEST);
    if (m?.deleted) {
      // a plain DeleteObject is allowed even under Object Lock: it only stacks a delete marker, which hides the bundle
      p(id, MANIFEST, `deleted after upload: a delete marker hides the bundle from readers (${m.versions - 1} earlier version(s) remain; remove the marker to restore it)`);
      continue;
    }
    if (!m) {
      unfinished.push({ bundle: id, stream: b.stream, message: `unfinished upload in S3: ${b.stream}/${id}/ has no ${MANIFEST}; not evidence, skipped (the next collect on a machine holding the bundle completes it)` });
      continue;
    }
    for (const [rel, k] of b.files) {
      if (k.deleted) p(id, rel, `deleted after upload (a delete marker hides it; ${k.versions - 1} earlier version(s) remain)`);
      else {
        if (k.versions > 1) p(id, rel, `overwritten after upload: the key has ${k.versions} versions, and a reader gets the newest`);
        jobs.push({ id, rel, key: k.key });
      }
    }
  }
  return { bundles, jobs };
}

export type S3VerifyResult = VerifyResult & {
  s3: (TransferStats & { method: 'checksums' | 'download'; requests: Record<string, number> }) | null;
  notes: Problem[];
  /** null when retention was not read per object (verify by checksums without --require-object-lock) */
  writeOnce: WriteOnceSummary | null;
};

/**
 * `soc2 verify s3://bucket/prefix`: by default by S3's stored checksums (verifyS3ByChecksums: no
 * artifact is downloaded); with `download`, every object is downloaded and hashed (verifyS3Download).
 */
export async function verifyS3(location: string, o: MaterializeOptions & { trustedKeys?: TrustedKey[]; download?: boolean } = {}): Promise<S3VerifyResult> {
  return o.download ? verifyS3Download(location, o) : verifyS3ByChecksums(location, o);
}

/** Counts the requests a client sends, by operation (GetObject, GetObjectAttributes, …): the bench and tests read them. */
function countRequests(client: S3Client): Record<string, number> {
  const by: Record<string, number> = {};
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const op = String(context?.commandName ?? 'unknown').replace(/Command$/, '');
      by[op] = (by[op] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'soc2CountByOperation', priority: 'high' },
  );
  return by;
}

/** What S3 says of an object without sending its body: size, stored SHA-256 and, when asked, its retention. */
interface ObjectAttrs {
  bytes: number | null;
  /** base64, as stored; null when the object has none */
  sha256: string | null;
  /** a multipart upload's checksum of checksums ("…-N"): not the SHA-256 of the object */
  composite: boolean;
  lock: { mode: string | null; until: Date | null } | null;
}

/**
 * GetObjectAttributes (Checksum, ObjectSize) — or, when retention must be seen per object, HeadObject
 * with ChecksumMode ENABLED, which carries the checksum, the size and the Object Lock headers in one
 * request (GetObjectAttributes does not return retention).
 */
async function objectAttrs(client: S3Client, bucket: string, key: string, withRetention: boolean): Promise<ObjectAttrs> {
  if (withRetention) {
    const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    const sha = h.ChecksumSHA256 ?? null;
    return { bytes: h.ContentLength ?? null, sha256: sha, composite: h.ChecksumType === 'COMPOSITE' || !!sha?.includes('-'), lock: { mode: h.ObjectLockMode ?? null, until: h.ObjectLockRetainUntilDate ?? null } };
  }
  const a = await client.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: key, ObjectAttributes: ['Checksum', 'ObjectSize'] }));
  const sha = a.Checksum?.ChecksumSHA256 ?? null;
  return { bytes: a.ObjectSize ?? null, sha256: sha, composite: a.Checksum?.ChecksumType === 'COMPOSITE' || !!sha?.includes('-'), lock: null };
}

/**
 * Verify by checksums: the listing's checks (versions, delete markers), then per finished bundle its
 * manifest.json and manifest.sig downloaded (the signature needs their bytes), and for every other
 * object only its attributes: the size and the SHA-256 S3 stored for it — S3 validates an uploaded
 * x-amz-checksum-sha256 against the body and rejects a mismatch, so the stored checksum is the SHA-256
 * of the stored bytes — compared with the manifest's. The manifest, signature and chain checks are the
 * local verify's (verify.ts). No artifact body is downloaded.
 */
async function verifyS3ByChecksums(location: string, o: MaterializeOptions & { trustedKeys?: TrustedKey[] }): Promise<S3VerifyResult> {
  const loc = parseS3Location(location)!;
  const started = Date.now();
  const trusted = o.trustedKeys ?? [];
  const { client, counter } = createS3Client({ region: o.region, env: o.env });
  const requests = countRequests(client);
  const withRetention = !!o.requireObjectLock;
  const problems: Problem[] = [];
  const unfinished: Materialized['unfinished'] = [];
  const p = (bundle: string, file: string | undefined, message: string) => problems.push({ bundle, ...(file ? { file } : {}), message: `S3: ${message}` });
  try {
    const base = loc.prefix ? loc.prefix + '/' : '';
    const { keys } = await listKeys(client, loc.bucket, base, o.log).catch((e) => bucketError(loc, e));
    const { bundles, jobs } = finishedBundles(keys, base, p, unfinished);
    let bytesRead = 0;
    // the small files the checks need, whole: manifest.json and manifest.sig of every finished bundle
    const small = new Map<string, Buffer | { error: string }>();
    const attrs = new Map<string, ObjectAttrs | { error: string }>();
    await mapPool(jobs, o.concurrency ?? 16, async (j) => {
      const at = `${j.id}/${j.rel}`;
      const whole = j.rel === MANIFEST || j.rel === SIGNATURE;
      try {
        // the manifest and its signature are downloaded (their bytes are checked, and the download checks
        // S3's checksum): their attributes are asked for only when retention must be seen
        if (!whole || withRetention) attrs.set(at, await objectAttrs(client, loc.bucket, j.key, withRetention));
        if (whole) {
          const b = await getObjectBytes(client, loc.bucket, j.key);
          bytesRead += b.length;
          small.set(at, b);
        }
      } catch (e) {
        (whole ? small : attrs).set(at, { error: e instanceof ChecksumMismatch ? e.message : `cannot read ${j.key} (${describe(e)})` });
      }
    });

    const checked: Checked[] = [];
    const now = Date.now();
    for (const [id, b] of bundles) {
      if (!b.files.has(MANIFEST) || b.files.get(MANIFEST)!.deleted) continue;
      const own: Problem[] = [];
      const q = (message: string, file?: string) => own.push({ bundle: id, ...(file ? { file } : {}), message });
      checked.push(checkRemoteBundle(id, b, small, attrs, q, trusted));
      const m = checked.at(-1)!.manifest;
      if (m && (m.stream ?? null) !== (b.stream === DEFAULT_STREAM_FOLDER ? null : b.stream)) p(id, MANIFEST, `stored under stream folder ${b.stream} but the manifest says stream ${JSON.stringify(m.stream ?? null)}`);
      if (withRetention)
        for (const rel of [...b.files.keys()].sort()) {
          const a = attrs.get(`${id}/${rel}`);
          if (!a || 'error' in a || !a.lock) continue;
          if (!a.lock.mode || !a.lock.until) p(id, rel, 'object has no Object Lock retention (write-once storage is required)');
          else if (typeof o.requireObjectLock === 'string' && a.lock.mode !== o.requireObjectLock) p(id, rel, `Object Lock mode is ${a.lock.mode}, not ${o.requireObjectLock}`);
          else if (a.lock.until.getTime() < now) o.log?.info(`${id}/${rel}: Object Lock retention ended ${a.lock.until.toISOString()}`);
        }
      problems.push(...own);
    }
    checkChain(checked, problems);
    const r = verifyResultOf(location, checked, problems, trusted, null);
    const seen = [...attrs].flatMap(([k, a]) => ('error' in a || !a.lock ? [] : [{ bundle: k.slice(0, k.indexOf('/')), file: k.slice(k.indexOf('/') + 1), mode: a.lock.mode, until: a.lock.until }]));
    return {
      ...r,
      writeOnce: withRetention ? writeOnceSummary(seen) : null,
      s3: { method: 'checksums', objects: jobs.length, bytes: bytesRead, calls: counter.calls, ms: Date.now() - started, requests },
      notes: unfinished.map((u) => ({ bundle: u.bundle, message: u.message })),
    };
  } catch (e) {
    if (typeof (e as { exitCode?: unknown })?.exitCode === 'number') throw e;
    throw new UsageError(`${location}: cannot read the evidence (${describe(e)})`);
  } finally {
    client.destroy();
  }
}

/** One finished bundle in S3 checked from its manifest's bytes and its objects' attributes (see verifyS3ByChecksums). */
function checkRemoteBundle(id: string, b: ListedBundle, small: Map<string, Buffer | { error: string }>, attrs: Map<string, ObjectAttrs | { error: string }>, p: (message: string, file?: string) => void, trusted: TrustedKey[]): Checked {
  const result: Checked = { id, manifest: null, manifestSha256: null, signer: null, files: null };
  const mBytes = small.get(`${id}/${MANIFEST}`) ?? attrs.get(`${id}/${MANIFEST}`);
  if (!Buffer.isBuffer(mBytes)) {
    p(`S3: ${mBytes && 'error' in mBytes ? mBytes.error : 'cannot be read'}`, MANIFEST);
    return result;
  }
  result.manifestSha256 = createHash('sha256').update(mBytes).digest('hex');
  const cm = checkManifestBytes(mBytes, id, p);
  if (!cm) return result;
  result.manifest = cm.manifest;
  for (const [rel, exp] of cm.listed) {
    const k = b.files.get(rel);
    const a = attrs.get(`${id}/${rel}`);
    if (!k || k.deleted) {
      if (!k) p('file listed in the manifest is missing', rel);
      continue; // a delete marker is already named by the listing
    }
    if (!a) continue;
    if ('error' in a) p(`S3: ${a.error}`, rel);
    else if (a.bytes !== null && a.bytes !== exp.bytes) p(`size changed: ${a.bytes} bytes, manifest says ${exp.bytes}`, rel);
    else if (!a.sha256) p('S3: object has no SHA-256 checksum (x-amz-checksum-sha256), so it cannot be checked without its bytes (soc2 uploads every object with one; run verify --download)', rel);
    else if (a.composite) p('S3: object has a composite (multipart) checksum, not the SHA-256 of the whole object; check it with verify --download', rel);
    else if (a.sha256 !== b64(exp.sha256)) p("content changed: the SHA-256 checksum S3 stored for the object does not match the manifest's", rel);
    else if (a.bytes === null) p('S3: the object size was not returned; check it with verify --download', rel);
  }
  const signed = cm.manifest.signing != null;
  for (const rel of [...b.files.keys()].sort()) {
    if (rel === MANIFEST || cm.listed.has(rel) || (rel === SIGNATURE && signed)) continue;
    if (!b.files.get(rel)!.deleted) p('file is not listed in the manifest (added after the bundle was written)', rel);
  }
  const sigAt = small.get(`${id}/${SIGNATURE}`);
  const sig = Buffer.isBuffer(sigAt) ? sigAt : null;
  const sigProblem = !signed || !b.files.has(SIGNATURE) || sig ? null : `S3: ${sigAt && 'error' in sigAt ? sigAt.error : 'cannot be read'}`;
  const cs = checkSignature(mBytes, cm.manifest, sig, sigProblem, trusted);
  for (const x of cs.problems) p(x.message, x.file);
  result.signer = cs.signer;
  return result;
}

/** `soc2 verify s3://bucket/prefix --download`: the S3-level checks, then the normal verify of the downloaded copy. */
async function verifyS3Download(location: string, o: MaterializeOptions & { trustedKeys?: TrustedKey[] }): Promise<S3VerifyResult> {
  const m = await materializeEvidence(location, { ...o, strict: false });
  try {
    const r = await verifyPath(m.dir, { trustedKeys: o.trustedKeys ?? [] });
    const bad = new Set(m.problems.map((x) => x.bundle));
    const problems = [...m.problems, ...r.problems];
    return {
      target: location,
      bundles: r.bundles.map((b) => ({ ...b, ok: b.ok && !bad.has(b.id) })),
      problems,
      trust: r.trust,
      ok: problems.length === 0,
      writeOnce: m.writeOnce,
      s3: m.stats ? { ...m.stats, method: 'download', requests: {} } : null,
      notes: m.unfinished.map((u) => ({ bundle: u.bundle, message: u.message })),
    };
  } finally {
    await m.cleanup();
  }
}
