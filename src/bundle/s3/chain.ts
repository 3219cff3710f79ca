// The chain's tip in S3: the newest finished bundle of a stream, whether it links to the one before
// it, and fetching it for a collect on a fresh machine.
import { createHash } from 'node:crypto';
import { writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapPool } from '../../core/pool.js';
import { VerificationError } from '../../core/errors.js';
import type { Logger } from '../../core/types.js';
import { MANIFEST, isSafeRelativePath, type Manifest } from '../manifest.js';
import { bucketError, isNotFound } from './client.js';
import { listBundleIds } from './listing.js';
import { formatS3Location, join, streamFolder, type S3Location } from './location.js';
import { getObjectBytes, getObjectToFile } from './objects.js';

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
export async function downloadTip(client: S3Client, bucket: string, tip: S3Tip, evidenceDir: string, log?: Logger): Promise<void> {
  const dir = path.join(evidenceDir, tip.id);
  await mkdir(dir, { recursive: true });
  await mapPool(tip.manifest.files ?? [], 16, async (f) => {
    if (!isSafeRelativePath(f.path)) throw new VerificationError(`s3://${bucket}/${tip.keyPrefix}${MANIFEST}: lists an unsafe path ${JSON.stringify(f.path)}`);
    const meta = await getObjectToFile(client, bucket, tip.keyPrefix + f.path, path.join(dir, ...f.path.split('/')));
    if (meta.sha256 !== f.sha256) log?.warn(`s3://${bucket}/${tip.keyPrefix}${f.path}: content does not match the manifest (run "soc2 verify")`);
  });
  await writeFile(path.join(dir, MANIFEST), tip.manifestBytes);
}

