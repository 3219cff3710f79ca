// `soc2 report --evidence s3://…`: the evidence for the report with no more bytes downloaded than it
// reads. manifest.json and manifest.sig of every finished bundle are downloaded (their bytes are
// checked and signed); of the other objects, those the report reads (report-files.ts) are downloaded
// into a temp dir and hashed as they are written — one download per distinct content, the bundles that
// repeat it byte for byte get a hard link after their own object's stored checksum matched — and every
// other object is checked by the size and SHA-256 S3 stored for it (GetObjectAttributes), as
// `verify s3://…` does. The result is the verification of the whole store (for the report's integrity
// section) and a directory the local report reads like an evidence dir.
import { createHash } from 'node:crypto';
import { linkSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mapPool } from '../../core/pool.js';
import { MANIFEST, SIGNATURE, type Manifest } from '../manifest.js';
import type { TrustedKey, WriteOnceSummary } from '../trust.js';
import { writeOnceSummary } from '../trust.js';
import type { Problem, VerifyResult } from '../verify.js';
import { bucketError, countRequests, createS3Client, describe, readFailure } from './client.js';
import { finishedBundles, listKeys, type ListedBundle, type Unfinished } from './listing.js';
import { parseS3Location } from './location.js';
import type { MaterializeOptions } from './materialize.js';
import { ChecksumMismatch, getObjectToFile, getObjectWithLock, objectAttrs } from './objects.js';
import { filesTheReportReads, firstReviewDay, type ReportReads } from './report-files.js';
import { checkListedBundles, type RemoteFile } from './verify.js';

/** How the objects in S3 were read for the report: the figures its stderr and --json give. */
export interface ReportS3Stats {
  location: string;
  /** objects downloaded and hashed (manifests and signatures included) */
  downloaded: number;
  bytesDownloaded: number;
  /** objects whose bytes are another downloaded object's (same SHA-256 in the manifest), checked by their stored checksum and linked */
  linked: number;
  /** objects checked by the size and SHA-256 S3 stored for them, not downloaded */
  byChecksum: number;
  /** HTTP attempts to S3, retries included, and requests by operation */
  calls: number;
  requests: Record<string, number>;
  ms: number;
}

export interface ReportEvidence {
  dir: string;
  cleanup(): Promise<void>;
  /** the whole store verified: manifests, signatures, chain, every object by download or stored checksum */
  verification: VerifyResult;
  /** Object Lock seen per object; only with readRetention or requireObjectLock, else null */
  writeOnce: WriteOnceSummary | null;
  unfinished: Unfinished;
  stats: ReportS3Stats;
}

type Job = { id: string; rel: string; key: string };

/** The evidence of `location` for the report: see the header. Problems are returned in `verification`, never thrown. */
export async function readReportEvidence(location: string, o: MaterializeOptions & { trustedKeys: TrustedKey[]; reads: ReportReads; readRetention?: boolean }): Promise<ReportEvidence> {
  const loc = parseS3Location(location)!;
  const started = Date.now();
  const { client, counter } = createS3Client({ region: o.region, env: o.env });
  const requests = countRequests(client);
  // retention per object (HeadObject instead of GetObjectAttributes: the same one request), required or only reported
  const withRetention = !!o.requireObjectLock || !!o.readRetention;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'soc2-s3-report-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const problems: Problem[] = [];
  const unfinished: Unfinished = [];
  const p = (bundle: string, file: string | undefined, message: string) => problems.push({ bundle, ...(file ? { file } : {}), message: `S3: ${message}` });
  const stats: ReportS3Stats = { location, downloaded: 0, bytesDownloaded: 0, linked: 0, byChecksum: 0, calls: 0, requests, ms: 0 };
  try {
    const base = loc.prefix ? loc.prefix + '/' : '';
    const { keys } = await listKeys(client, loc.bucket, base, o.log).catch((e) => bucketError(loc, e));
    const { bundles, jobs } = finishedBundles(keys, base, p, unfinished);
    const attrs = new Map<string, RemoteFile>();
    const fetch: Fetch = { client, bucket: loc.bucket, dir, attrs, withRetention, stats, concurrency: o.concurrency };
    const small = await readSmallFiles(jobs, fetch);
    const manifests = parsedManifests(bundles, small);
    const wanted = wantedFiles(manifests, o.reads);
    const rest = jobs.filter((j) => j.rel !== MANIFEST && j.rel !== SIGNATURE);
    await downloadByContent(rest.filter((j) => wanted.get(j.id)?.has(j.rel)), manifests, fetch);
    await mapPool(rest.filter((j) => !wanted.get(j.id)?.has(j.rel)), o.concurrency ?? 16, async (j) => {
      attrs.set(`${j.id}/${j.rel}`, await objectAttrs(client, loc.bucket, j.key, withRetention).catch((e) => ({ error: `cannot read ${j.key} (${describe(e)})` })));
      stats.byChecksum++;
    });
    const { result, seen } = checkListedBundles(location, bundles, small, attrs, { requireObjectLock: o.requireObjectLock, log: o.log, trustedKeys: o.trustedKeys }, problems);
    // the report takes the manifests parsed here (as a local report takes verify's): its manual evidence index reads them
    result.manifests = new Map([...manifests].map(([id, manifest]) => [id, { manifest, sha256: createHash('sha256').update(small.get(`${id}/${MANIFEST}`) as Buffer).digest('hex') }]));
    return { dir, cleanup, verification: result, writeOnce: withRetention ? writeOnceSummary(seen) : null, unfinished, stats: { ...stats, calls: counter.calls, ms: Date.now() - started } };
  } catch (e) {
    await cleanup();
    readFailure(location, e);
  } finally {
    client.destroy();
  }
}

interface Fetch {
  client: ReturnType<typeof createS3Client>['client'];
  bucket: string;
  dir: string;
  attrs: Map<string, RemoteFile>;
  withRetention: boolean;
  stats: ReportS3Stats;
  concurrency?: number;
}

/** manifest.json and manifest.sig of every finished bundle, whole (S3's stored checksum checked), also written to the temp dir. */
async function readSmallFiles(jobs: Job[], f: Fetch): Promise<Map<string, Buffer | { error: string }>> {
  const small = new Map<string, Buffer | { error: string }>();
  await mapPool(
    jobs.filter((j) => j.rel === MANIFEST || j.rel === SIGNATURE),
    f.concurrency ?? 16,
    async (j) => {
      const at = `${j.id}/${j.rel}`;
      try {
        // the GET carries the retention headers: no HeadObject for these
        const { bytes: b, stored, lock } = await getObjectWithLock(f.client, f.bucket, j.key);
        if (f.withRetention) f.attrs.set(at, { downloaded: true, sha256: createHash('sha256').update(b).digest('hex'), bytes: b.length, stored, lock });
        f.stats.downloaded++;
        f.stats.bytesDownloaded += b.length;
        small.set(at, b);
        await mkdir(path.join(f.dir, j.id), { recursive: true });
        await writeFile(path.join(f.dir, j.id, j.rel), b);
      } catch (e) {
        small.set(at, { error: e instanceof ChecksumMismatch ? e.message : `cannot read ${j.key} (${describe(e)})` });
      }
    },
  );
  return small;
}

/** The manifests read whole, parsed (an unreadable one is left out: checkRemoteBundle names it). */
function parsedManifests(bundles: Map<string, ListedBundle>, small: Map<string, Buffer | { error: string }>): Map<string, Manifest> {
  const manifests = new Map<string, Manifest>();
  for (const id of bundles.keys()) {
    const b = small.get(`${id}/${MANIFEST}`);
    if (!Buffer.isBuffer(b)) continue;
    try {
      const m = JSON.parse(b.toString('utf8')) as Manifest;
      if (m && typeof m === 'object' && Array.isArray(m.files)) manifests.set(id, m);
    } catch {
      // not JSON: no file of it is downloaded
    }
  }
  return manifests;
}

/** Per bundle, the files the report reads. */
function wantedFiles(manifests: Map<string, Manifest>, reads: ReportReads): Map<string, Set<string>> {
  const reviewFrom = firstReviewDay(manifests.values());
  return new Map([...manifests].map(([id, m]) => [id, filesTheReportReads(id, m, reads, reviewFrom)]));
}

/**
 * Downloads the wanted objects, one per distinct content: objects the manifests give the same SHA-256
 * are grouped; the first is downloaded and hashed, each other one is checked by its stored checksum
 * and gets a hard link to the downloaded file once that file's hash is the manifest's.
 */
async function downloadByContent(jobs: Job[], manifests: Map<string, Manifest>, f: Fetch): Promise<void> {
  const shaOf = new Map<string, Map<string, string>>();
  const groups = new Map<string, Job[]>();
  for (const j of jobs) {
    let m = shaOf.get(j.id);
    if (!m) shaOf.set(j.id, (m = new Map((manifests.get(j.id)?.files ?? []).filter((x) => x && typeof x.path === 'string').map((x) => [x.path, String(x.sha256)]))));
    const sha = m.get(j.rel) ?? `unlisted:${j.id}/${j.rel}`;
    (groups.get(sha) ?? groups.set(sha, []).get(sha)!).push(j);
  }
  await mapPool([...groups], f.concurrency ?? 16, async ([sha, group]) => {
    const [first, ...others] = group as [Job, ...Job[]];
    const firstFile = path.join(f.dir, first.id, ...first.rel.split('/'));
    let ok = false;
    try {
      const m = await getObjectToFile(f.client, f.bucket, first.key, firstFile);
      f.stats.downloaded++;
      f.stats.bytesDownloaded += m.bytes;
      f.attrs.set(`${first.id}/${first.rel}`, { downloaded: true, sha256: m.sha256, bytes: m.bytes, stored: m.storedSha256, lock: f.withRetention ? { mode: m.lockMode, until: m.lockUntil } : null });
      ok = m.sha256 === sha;
    } catch (e) {
      f.attrs.set(`${first.id}/${first.rel}`, { error: e instanceof ChecksumMismatch ? e.message : `cannot download ${first.key} (${describe(e)})` });
    }
    for (const j of others) {
      const at = `${j.id}/${j.rel}`;
      try {
        f.attrs.set(at, await objectAttrs(f.client, f.bucket, j.key, f.withRetention));
        f.stats.linked++;
      } catch (e) {
        f.attrs.set(at, { error: `cannot read ${j.key} (${describe(e)})` });
        continue;
      }
      // the bytes are the first object's only when those hashed to the manifest's SHA-256; else this
      // bundle's file stays absent, and a read of it fails the report (its own check names why)
      if (!ok) continue;
      const file = path.join(f.dir, j.id, ...j.rel.split('/'));
      await mkdir(path.dirname(file), { recursive: true });
      linkSync(firstFile, file);
    }
  });
}

/** One line for stderr: how the objects were read. */
export function reportS3Line(s: ReportS3Stats): string {
  const req = Object.entries(s.requests)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, n]) => `${n} ${op}`)
    .join(', ');
  return `${s.location}: ${s.downloaded} object(s) downloaded and hashed (${s.bytesDownloaded} bytes: manifests, signatures and the files the report reads), ${s.linked} more with the same content checked by their stored SHA-256 and not downloaded again, ${s.byChecksum} checked by the SHA-256 checksum and size S3 stored for them; ${s.calls} request(s)${req ? `: ${req}` : ''}`;
}
