// Listing the store: bundle ids of a stream, every key with its versions and delete markers, and the
// listing grouped into bundles (with the problems the listing alone shows).
import { ListObjectsV2Command, ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../core/types.js';
import { BUNDLE_ID, MANIFEST, isSafeRelativePath } from '../manifest.js';
import { describe, errCode } from './client.js';
import { STREAM_FOLDER } from './location.js';

// ---------------------------------------------------------------------------------------------
// listing

/** Bundle ids directly under `base` (ListObjectsV2 with Delimiter, paginated to the end). */
export async function listBundleIds(client: S3Client, bucket: string, base: string, pageSize?: number): Promise<string[]> {
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

export interface ListedKey {
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
export async function listKeys(client: S3Client, bucket: string, prefix: string, log?: Logger): Promise<{ keys: ListedKey[]; versionsListed: boolean }> {
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


/** bundle folders without manifest.json (an upload that stopped before its last object) */
export type Unfinished = { bundle: string; stream: string; message: string }[];

export type ListedBundle = { stream: string; files: Map<string, ListedKey> };

/**
 * The listing grouped as <stream folder>/<bundle id>/<path>: every bundle, the objects of the finished
 * ones to read (`jobs`), and the problems the listing alone shows (deleted, overwritten, unsafe keys,
 * an id under two streams). A bundle folder without manifest.json goes to `unfinished`.
 */
export function finishedBundles(keys: ListedKey[], base: string, p: (bundle: string, file: string | undefined, message: string) => void, unfinished: Unfinished): { bundles: Map<string, ListedBundle>; jobs: { id: string; rel: string; key: string }[] } {
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
