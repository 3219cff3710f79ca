// Uploading a bundle: every object with x-amz-checksum-sha256, If-None-Match: * and (when configured)
// Object Lock retention; the chain's link claimed write-once before manifest.json, which goes last.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { HeadObjectCommand, PutObjectCommand, type ObjectLockMode, type S3Client } from '@aws-sdk/client-s3';
import { mapPool } from '../../core/pool.js';
import { sha256File } from '../hash.js';
import { MANIFEST, SIGNATURE, isSafeRelativePath, type Manifest } from '../manifest.js';
import { readManifest } from '../store.js';
import { b64, errCode, status } from './client.js';
import { bundleKeyPrefix, join, streamFolder, type S3Location, type S3Settings } from './location.js';
import { getObjectBytes } from './objects.js';

/** files above this are streamed from disk instead of read into memory (no SDK retry for those) */
const BUFFER_LIMIT = 64 * 1024 * 1024;
const SINGLE_PUT_LIMIT = 5 * 1024 * 1024 * 1024;

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

