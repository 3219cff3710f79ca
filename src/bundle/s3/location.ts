// s3:// locations and the key layout of the S3 evidence store (docs/s3-store.md):
//   <prefix>/<stream folder>/<bundle-id>/<path inside the bundle>
// stream folder = the config's evidence.stream, or "_default" when none is set ("_" cannot begin a
// stream name, so the two never collide).
import { UsageError } from '../../core/errors.js';

export const DEFAULT_STREAM_FOLDER = '_default';
export const STREAM_FOLDER = /^(?:_default|[A-Za-z0-9][A-Za-z0-9._-]{0,62})$/;
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

export const join = (...parts: string[]) => parts.filter((p) => p !== '').join('/');

/** `<prefix>/<stream folder>/<id>/` */
export function bundleKeyPrefix(loc: S3Location, stream: string | null, id: string): string {
  return join(loc.prefix, streamFolder(stream), id) + '/';
}
