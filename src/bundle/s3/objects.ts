// Reading one object: whole (checked against S3's stored checksum), streamed to a file (hashed as it
// is written), or only its attributes (size, stored SHA-256, and when asked its retention).
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { GetObjectAttributesCommand, GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { b64 } from './client.js';

// ---------------------------------------------------------------------------------------------
// reading objects

export interface ObjectMeta {
  sha256: string;
  bytes: number;
  /** x-amz-checksum-sha256 as stored (base64), null when the object has none */
  storedSha256: string | null;
  lockMode: string | null;
  lockUntil: Date | null;
  versionId: string | null;
}

export class ChecksumMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ChecksumMismatch';
  }
}

/** Streams one object to `file`, hashing as it writes; the SDK also checks the bytes against the stored checksum. */
export async function getObjectToFile(client: S3Client, bucket: string, key: string, file: string): Promise<ObjectMeta> {
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

export async function getObjectBytes(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  return (await getObjectWithLock(client, bucket, key)).bytes;
}

/** One object whole (its stored checksum checked) and the Object Lock headers its GET carries. */
export async function getObjectWithLock(client: S3Client, bucket: string, key: string): Promise<{ bytes: Buffer; stored: string | null; lock: { mode: string | null; until: Date | null } }> {
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
  return { bytes: buf, stored: stored ?? null, lock: { mode: out.ObjectLockMode ?? null, until: out.ObjectLockRetainUntilDate ?? null } };
}

/** What S3 says of an object without sending its body: size, stored SHA-256 and, when asked, its retention. */
export interface ObjectAttrs {
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
export async function objectAttrs(client: S3Client, bucket: string, key: string, withRetention: boolean): Promise<ObjectAttrs> {
  if (withRetention) {
    const h = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
    const sha = h.ChecksumSHA256 ?? null;
    return { bytes: h.ContentLength ?? null, sha256: sha, composite: h.ChecksumType === 'COMPOSITE' || !!sha?.includes('-'), lock: { mode: h.ObjectLockMode ?? null, until: h.ObjectLockRetainUntilDate ?? null } };
  }
  const a = await client.send(new GetObjectAttributesCommand({ Bucket: bucket, Key: key, ObjectAttributes: ['Checksum', 'ObjectSize'] }));
  const sha = a.Checksum?.ChecksumSHA256 ?? null;
  return { bytes: a.ObjectSize ?? null, sha256: sha, composite: a.Checksum?.ChecksumType === 'COMPOSITE' || !!sha?.includes('-'), lock: null };
}
