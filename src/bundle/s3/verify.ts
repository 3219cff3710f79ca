// `soc2 verify s3://…`: by S3's stored checksums (no artifact body downloaded), or with --download.
import { createHash } from 'node:crypto';
import { mapPool } from '../../core/pool.js';
import { MANIFEST, SIGNATURE } from '../manifest.js';
import { checkSignature, writeOnceSummary, type TrustedKey, type WriteOnceSummary } from '../trust.js';
import { checkChain, checkManifestBytes, verifyPath, verifyResultOf, type Checked, type Problem, type VerifyResult } from '../verify.js';
import { b64, bucketError, countRequests, createS3Client, describe, readFailure } from './client.js';
import { finishedBundles, listKeys, type ListedBundle, type Unfinished } from './listing.js';
import { DEFAULT_STREAM_FOLDER, parseS3Location, type TransferStats } from './location.js';
import { materializeEvidence, type MaterializeOptions } from './materialize.js';
import { ChecksumMismatch, getObjectBytes, objectAttrs, type ObjectAttrs } from './objects.js';


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
  const unfinished: Unfinished = [];
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

    const { result: r, seen } = checkListedBundles(location, bundles, small, attrs, { ...o, trustedKeys: trusted }, problems);
    return {
      ...r,
      writeOnce: withRetention ? writeOnceSummary(seen) : null,
      s3: { method: 'checksums', objects: jobs.length, bytes: bytesRead, calls: counter.calls, ms: Date.now() - started, requests },
      notes: unfinished.map((u) => ({ bundle: u.bundle, message: u.message })),
    };
  } catch (e) {
    readFailure(location, e);
  } finally {
    client.destroy();
  }
}

/**
 * The checks of every finished bundle once its small files are read and its other objects' attributes
 * (or downloaded bytes) are known: each bundle (checkRemoteBundle), its stream folder, Object Lock
 * retention when required, then the chain. `problems` holds the listing's already. Shared by verify
 * by checksums and the report (report-evidence.ts).
 */
export function checkListedBundles(
  location: string,
  bundles: Map<string, ListedBundle>,
  small: Map<string, Buffer | { error: string }>,
  attrs: Map<string, RemoteFile>,
  o: Pick<MaterializeOptions, 'requireObjectLock' | 'log'> & { trustedKeys: TrustedKey[] },
  problems: Problem[],
): { result: VerifyResult; seen: { bundle: string; file: string; mode: string | null; until: Date | null }[] } {
  const p = (bundle: string, file: string | undefined, message: string) => problems.push({ bundle, ...(file ? { file } : {}), message: `S3: ${message}` });
  const checked: Checked[] = [];
  const now = Date.now();
  for (const [id, b] of bundles) {
    if (!b.files.has(MANIFEST) || b.files.get(MANIFEST)!.deleted) continue;
    const own: Problem[] = [];
    const q = (message: string, file?: string) => own.push({ bundle: id, ...(file ? { file } : {}), message });
    checked.push(checkRemoteBundle(id, b, small, attrs, q, o.trustedKeys));
    const m = checked.at(-1)!.manifest;
    if (m && (m.stream ?? null) !== (b.stream === DEFAULT_STREAM_FOLDER ? null : b.stream)) p(id, MANIFEST, `stored under stream folder ${b.stream} but the manifest says stream ${JSON.stringify(m.stream ?? null)}`);
    if (o.requireObjectLock)
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
  const seen = [...attrs].flatMap(([k, a]) => ('error' in a || !a.lock ? [] : [{ bundle: k.slice(0, k.indexOf('/')), file: k.slice(k.indexOf('/') + 1), mode: a.lock.mode, until: a.lock.until }]));
  return { result: verifyResultOf(location, checked, problems, o.trustedKeys, null), seen };
}

/**
 * What is known of one object besides manifest.json and manifest.sig: its attributes (size, stored
 * SHA-256), its bytes downloaded and hashed (the report's files), or why neither could be had.
 */
export type RemoteFile = ObjectAttrs | (DownloadedFile & { lock: ObjectAttrs['lock'] }) | { error: string };

/** An object downloaded and hashed as it was written to disk. */
export interface DownloadedFile {
  downloaded: true;
  sha256: string;
  bytes: number;
  /** x-amz-checksum-sha256 as S3 stored it (base64); null when the object has none */
  stored: string | null;
}

/** One finished bundle in S3 checked from its manifest's bytes and its objects' attributes (see verifyS3ByChecksums). */
export function checkRemoteBundle(id: string, b: ListedBundle, small: Map<string, Buffer | { error: string }>, attrs: Map<string, RemoteFile>, p: (message: string, file?: string) => void, trusted: TrustedKey[]): Checked {
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
    else if ('downloaded' in a) checkDownloaded(a, exp, (message) => p(message, rel));
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

/** A downloaded object: its bytes hashed against the manifest; an object S3 holds without a stored SHA-256 was not uploaded by soc2. */
function checkDownloaded(a: DownloadedFile, exp: { sha256: string; bytes: number }, p: (message: string) => void): void {
  if (a.bytes !== exp.bytes) p(`size changed: ${a.bytes} bytes downloaded, manifest says ${exp.bytes}`);
  else if (a.sha256 !== exp.sha256) p('content changed: the SHA-256 of the downloaded bytes does not match the manifest');
  else if (!a.stored) p('S3: object has no SHA-256 checksum (x-amz-checksum-sha256); soc2 uploads every object with one');
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
