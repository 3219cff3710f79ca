// An s3:// evidence store downloaded whole into a temp dir (verify --download, report --download).
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mapPool } from '../../core/pool.js';
import { VerificationError } from '../../core/errors.js';
import type { Logger } from '../../core/types.js';
import { MANIFEST, type Manifest } from '../manifest.js';
import { writeOnceSummary, type WriteOnceSummary } from '../trust.js';
import type { Problem } from '../verify.js';
import { b64, bucketError, createS3Client, describe, readFailure } from './client.js';
import { finishedBundles, listKeys, type Unfinished } from './listing.js';
import { DEFAULT_STREAM_FOLDER, parseS3Location, type TransferStats } from './location.js';
import { ChecksumMismatch, getObjectToFile, type ObjectMeta } from './objects.js';

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
  unfinished: Unfinished;
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
  const unfinished: Unfinished = [];
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
    readFailure(location, e);
  } finally {
    client.destroy();
  }
}

