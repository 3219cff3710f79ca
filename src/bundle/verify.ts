// `soc2 verify`: recomputes every size and hash, finds missing/extra/changed files, checks
// signatures (against the trusted keys, see trust.ts) and the chain. Never follows a symlink or a
// path that leaves the bundle, never blocks on a FIFO, reads manifests and signatures with bounded
// memory, and turns every unreadable entry into a problem naming it: a hostile tree never crashes it.
import { createHash } from 'node:crypto';
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readSync, type Dirent } from 'node:fs';
import path from 'node:path';
import { printable } from '../core/log.js';
import {
  BUNDLE_FORMAT,
  BUNDLE_ID,
  FINDINGS,
  isSafeRelativePath,
  manifestShapeProblem,
  MANIFEST,
  MAX_MANIFEST_BYTES,
  MAX_SIGNATURE_BYTES,
  PARTIAL_SUFFIX,
  QUARANTINE,
  SIGNATURE,
  type Manifest,
} from './manifest.js';
import { manifestReviewProblem } from './review-meta.js';
import { openRefusal, READ_NO_FOLLOW, readRegularFileBounded, refusalText } from './store.js';
import { checkChainSigning, checkSignature, trustSummary, type TrustedKey, type TrustSummary } from './trust.js';
import { sameStamp, stampOf, type CacheEntry, type FileStamp, type VerifiedCache } from './verified-cache.js';

export interface Problem {
  bundle: string;
  file?: string;
  message: string;
}

export interface VerifyResult {
  target: string;
  /** keyId: the key that signed the bundle (a trusted key in trusted mode), null when unsigned or not verified */
  bundles: { id: string; status?: string; stream: string | null; signed: boolean; keyId: string | null; ok: boolean; files?: FilesChecked }[];
  problems: Problem[];
  trust: TrustSummary;
  ok: boolean;
  /** the verified-bundle cache (verified-cache.ts): where it is, and how many bundles' files were hashed now or taken from it */
  cache?: { dir: string; read: boolean; hashedNow: number; fromCache: number };
  /** with `keepManifests`: each bundle's manifest as verified (parsed once) and its SHA-256, by bundle id */
  manifests?: Map<string, VerifiedManifest>;
}

export interface VerifiedManifest {
  manifest: Manifest;
  sha256: string;
}

/**
 * How a bundle's files were checked: hashed in this run (`now`), or found unchanged (same inode, size,
 * mtime and ctime) since a run of `verifiedAt` hashed them (`cache`). The manifest, the walk for added
 * files, the signature and the chain are checked in this run either way.
 */
export interface FilesChecked {
  by: 'now' | 'cache';
  verifiedAt: string;
}

export interface VerifyOptions {
  /** the keys the reader trusts; none = self-consistency only */
  trustedKeys?: TrustedKey[];
  /** the verified-bundle cache: consulted when cache.read, and every bundle that verifies is recorded in it */
  cache?: VerifiedCache | null;
  now?: () => Date;
  /** hand back the parsed manifests (the report reads each bundle's manifest once, here) */
  keepManifests?: boolean;
}

export interface Checked {
  id: string;
  manifest: Manifest | null;
  manifestSha256: string | null;
  signer: string | null;
  files: FilesChecked | null;
}

const errCode = (e: unknown) => (e as NodeJS.ErrnoException).code ?? (e as Error).message;

/** Lists the bundle's files; `dirs` gets each directory's stamp, taken before it is listed (an entry added later changes it). */
function walk(root: string, rel: string, out: string[], problems: Problem[], bundle: string, dirs: Record<string, FileStamp>): void {
  let entries: Dirent[];
  const st = lstatSync(path.join(root, rel), { bigint: true, throwIfNoEntry: false });
  if (st?.isDirectory()) dirs[rel] = stampOf(st);
  try {
    entries = readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch (e) {
    problems.push({ bundle, ...(rel ? { file: rel } : {}), message: `cannot list the directory (${errCode(e)})` });
    return;
  }
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) problems.push({ bundle, file: r, message: 'is a symbolic link; bundles hold only regular files' });
    else if (e.isDirectory()) walk(root, r, out, problems, bundle, dirs);
    else if (e.isFile()) out.push(r);
    else problems.push({ bundle, file: r, message: 'is not a regular file' });
  }
}

// ── hashing ──
// One file after another, with synchronous reads into one HASH_CHUNK buffer: memory stays bounded
// whatever a file's size, and for the small files of a bundle (tens of KB) four async round trips
// through libuv's threadpool per file cost more than the reads (a year's first report: 11.2 → 9.8 s
// over 25,185 files, docs/performance.md).
const HASH_CHUNK = 256 * 1024;

type Hashed = { sha256: string; bytes: number; stamp: FileStamp } | { refused: 'symlink' | 'not-regular' | 'missing' } | { refused: 'unreadable'; detail: string };

/**
 * SHA-256 and size of a file the walk found to be regular, read through `buf`. Opened without
 * following a symlink (READ_NO_FOLLOW) and without blocking on a FIFO (O_NONBLOCK), and hashed only if
 * the opened file is regular: the file could have been swapped since the walk. Synchronous: a bundle
 * file is typically tens of KB, and four round trips through libuv's threadpool per file (open,
 * fstat, read, close) cost more than the reads themselves — a year of evidence is ~25,000 files.
 */
function hashRegularFile(abs: string, buf: Buffer): Hashed {
  let fd: number;
  try {
    fd = openSync(abs, READ_NO_FOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return openRefusal(e);
  }
  try {
    // stamped before reading: a write during or after the read changes the ctime, so the cache never
    // vouches for bytes other than those hashed
    const st = fstatSync(fd, { bigint: true });
    if (!st.isFile()) return { refused: 'not-regular' };
    const h = createHash('sha256');
    let bytes = 0;
    for (;;) {
      const bytesRead = readSync(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
      // a short read of a regular file is its end: no extra call to read nothing
      if (bytesRead < buf.length) break;
    }
    return { sha256: h.digest('hex'), bytes, stamp: stampOf(st) };
  } catch (e) {
    return { refused: 'unreadable', detail: errCode(e) };
  } finally {
    closeSync(fd);
  }
}

/**
 * The checks of a manifest's own bytes: JSON, format, id, files[] and artifacts[] agreeing, safe paths.
 * Null when it cannot be read as a manifest at all (the problem is pushed through `p`). Shared by the
 * local verify and the S3 verify by checksums (s3.ts).
 */
export function checkManifestBytes(bytes: Buffer, name: string, p: (message: string, file?: string) => void): { manifest: Manifest; listed: Map<string, { sha256: string; bytes: number }> } | null {
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString('utf8'));
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('not an object');
  } catch (e) {
    p(`manifest is not valid JSON (${(e as Error).message.split('\n')[0]})`, MANIFEST);
    return null;
  }
  if (m.format !== BUNDLE_FORMAT) p(`unknown format ${JSON.stringify(m.format)}; expected ${BUNDLE_FORMAT}`, MANIFEST);
  if (m.id !== name) p(`manifest id ${JSON.stringify(m.id)} does not match the directory name`, MANIFEST);
  if (!Array.isArray(m.files) || !Array.isArray(m.artifacts)) {
    p('manifest lacks files[] or artifacts[]', MANIFEST);
    return null;
  }
  const shape = manifestShapeProblem(m) ?? manifestReviewProblem(m.artifacts);
  if (shape) p(`manifest is malformed: ${shape}`, MANIFEST);

  const listed = new Map<string, { sha256: string; bytes: number }>();
  for (const f of m.files) {
    if (!f || !isSafeRelativePath(f.path)) {
      p(`manifest lists an unsafe path ${JSON.stringify(f?.path)}; paths must be relative and stay inside the bundle`, MANIFEST);
      continue;
    }
    if (f.path === MANIFEST || f.path === SIGNATURE) {
      p(`manifest lists ${f.path} among its files`, MANIFEST);
      continue;
    }
    if (listed.has(f.path)) p('listed twice in the manifest', f.path);
    listed.set(f.path, { sha256: String(f.sha256), bytes: Number(f.bytes) });
  }
  for (const a of m.artifacts) {
    const f = a && listed.get(a.path);
    if (!f) p(`artifact ${JSON.stringify(a?.path)} is not among the manifest's files`, MANIFEST);
    else if (f.sha256 !== a.sha256 || f.bytes !== a.bytes) p('artifact entry and file entry disagree on size or SHA-256', a.path);
  }
  if (!listed.has(FINDINGS)) p('findings.json is not listed in the manifest', MANIFEST);
  return { manifest: m, listed };
}

interface BundleContext {
  trusted: TrustedKey[];
  /** the read buffer every file is hashed through */
  buf: Buffer;
  cache: VerifiedCache | null;
  now: () => Date;
}

/** Checks one bundle; its problems are pushed to `problems` in the manifest's order. */
function verifyBundle(dir: string, name: string, problems: Problem[], ctx: BundleContext): Checked {
  const { trusted, buf } = ctx;
  const before = problems.length;
  const p = (message: string, file?: string) => problems.push({ bundle: name, ...(file ? { file } : {}), message });
  const result: Checked = { id: name, manifest: null, manifestSha256: null, signer: null, files: null };
  let st;
  try {
    st = lstatSync(dir);
  } catch (e) {
    p(`cannot be read (${errCode(e)})`);
    return result;
  }
  if (st.isSymbolicLink()) {
    p('bundle directory is a symbolic link');
    return result;
  }
  const read = readRegularFileBounded(path.join(dir, MANIFEST), MAX_MANIFEST_BYTES);
  if ('refused' in read) {
    p(read.refused === 'missing' ? 'manifest is missing' : refusalText(read, '64 MiB'), MANIFEST);
    return result;
  }
  const bytes = read.bytes;
  result.manifestSha256 = createHash('sha256').update(bytes).digest('hex');
  const checkedManifest = checkManifestBytes(bytes, name, p);
  if (!checkedManifest) return result;
  const { manifest: m, listed } = checkedManifest;
  result.manifest = m;

  const rels = [...listed.keys()];
  const signed = m.signing != null;
  const entry = ctx.cache?.read ? ctx.cache.lookup(name, result.manifestSha256) : null;
  const dirs: Record<string, FileStamp> = {};
  let present: string[];
  if (entry?.dirs && dirsUnchanged(dir, entry.dirs)) {
    // no directory of the bundle gained, lost or renamed an entry since a walk found exactly these files
    Object.assign(dirs, entry.dirs);
    present = [MANIFEST, ...(signed ? [SIGNATURE] : []), ...rels];
  } else {
    present = [];
    walk(dir, '', present, problems, name, dirs);
  }
  const presentSet = new Set(present);
  const cached = entry && unchangedSinceVerified(entry, dir, rels, presentSet);
  const hashed: (Hashed | null)[] = cached
    ? rels.map((rel) => ({ ...listed.get(rel)!, stamp: cached.files[rel]! }))
    : rels.map((rel) => (presentSet.has(rel) ? hashRegularFile(path.join(dir, ...rel.split('/')), buf) : null));
  rels.forEach((rel, i) => {
    const exp = listed.get(rel)!;
    const got = hashed[i];
    if (!got || ('refused' in got && got.refused === 'missing')) p('file listed in the manifest is missing', rel);
    else if ('refused' in got) p(got.refused === 'symlink' ? 'is a symbolic link; bundles hold only regular files' : got.refused === 'unreadable' ? `cannot be read (${got.detail})` : 'is not a regular file', rel);
    else if (got.bytes !== exp.bytes) p(`size changed: ${got.bytes} bytes, manifest says ${exp.bytes}`, rel);
    else if (got.sha256 !== exp.sha256) p('content changed: SHA-256 does not match the manifest', rel);
  });
  for (const rel of present) {
    if (rel === MANIFEST || listed.has(rel)) continue;
    if (rel === SIGNATURE && signed) continue;
    p('file is not listed in the manifest (added after the bundle was written)', rel);
  }

  let sig: Buffer | null = null;
  let sigProblem: string | null = null;
  if (signed && presentSet.has(SIGNATURE)) {
    const r = readRegularFileBounded(path.join(dir, SIGNATURE), MAX_SIGNATURE_BYTES);
    if ('refused' in r) sigProblem = refusalText(r, `${MAX_SIGNATURE_BYTES} bytes`);
    else sig = r.bytes;
  }
  const checkedSig = checkSignature(bytes, m, sig, sigProblem, trusted);
  for (const q of checkedSig.problems) p(q.message, q.file);
  result.signer = checkedSig.signer;
  if (cached) result.files = { by: 'cache', verifiedAt: cached.verifiedAt };
  else {
    const at = ctx.now();
    result.files = { by: 'now', verifiedAt: at.toISOString() };
    // only a bundle with no problem at all is vouched for
    if (ctx.cache && problems.length === before) ctx.cache.record(name, result.manifestSha256!, Object.fromEntries(rels.map((rel, i) => [rel, (hashed[i] as { stamp: FileStamp }).stamp])), dirs, at);
  }
  return result;
}

/**
 * The cache entry when every listed file the walk found is still the inode that was hashed, with the
 * same size, mtime and ctime (lstat: never through a symlink); null otherwise.
 */
function unchangedSinceVerified(e: CacheEntry, dir: string, rels: string[], present: Set<string>): CacheEntry | null {
  if (Object.keys(e.files).length !== rels.length) return null;
  for (const rel of rels) {
    const was = e.files[rel];
    if (!was || !present.has(rel)) return null;
    const st = lstatSync(path.join(dir, ...rel.split('/')), { bigint: true, throwIfNoEntry: false });
    if (!st?.isFile() || !sameStamp(was, stampOf(st))) return null;
  }
  return e;
}

/** Every directory recorded is still the same directory inode, with the same mtime and ctime. */
function dirsUnchanged(dir: string, dirs: Record<string, FileStamp>): boolean {
  if (!('' in dirs)) return false;
  for (const [rel, was] of Object.entries(dirs)) {
    const st = lstatSync(rel ? path.join(dir, ...rel.split('/')) : dir, { bigint: true, throwIfNoEntry: false });
    if (!st?.isDirectory() || !sameStamp(was, stampOf(st))) return false;
  }
  return true;
}

export function checkChain(items: Checked[], problems: Problem[]): void {
  // bundles present but unreadable (their own problem says why): a link to one cannot be checked, but it is not missing
  const unread = new Set(items.filter((c) => !c.manifest).map((c) => c.id));
  const byStream = new Map<string, Checked[]>();
  for (const c of items) {
    if (!c.manifest) continue;
    const s = c.manifest.stream ?? '';
    byStream.set(s, [...(byStream.get(s) ?? []), c]);
  }
  for (const list of byStream.values()) {
    list.sort((a, b) => a.id.localeCompare(b.id));
    const seenPrev = new Map<string, string>();
    list.forEach((c, i) => {
      const prev = c.manifest!.previous;
      if (prev && typeof prev === 'object') {
        const other = seenPrev.get(prev.id);
        if (other) problems.push({ bundle: c.id, file: MANIFEST, message: `chain forks: ${other} also follows ${prev.id}` });
        seenPrev.set(prev.id, c.id);
      }
      if (prev && unread.has(prev.id)) {
        problems.push({ bundle: c.id, file: MANIFEST, message: `chain link not checked: previous bundle ${prev.id} could not be read` });
        return;
      }
      if (i === 0) {
        if (prev) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: previous bundle ${prev.id} is missing from the evidence dir` });
        return;
      }
      const before = list[i - 1]!;
      if (!prev) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: no previous link, but ${before.id} comes before it` });
      else if (prev.id !== before.id) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: links to ${prev.id} but the bundle before it is ${before.id}` });
      else if (prev.manifestSha256 !== before.manifestSha256) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: ${before.id}/manifest.json changed since this bundle linked to it` });
    });
    problems.push(...checkChainSigning(list.map((c) => ({ id: c.id, manifest: c.manifest!, signer: c.signer }))));
  }
}

/** What a directory given to verify holds: bundle dirs (an evidence dir), one bundle, or nothing. */
interface Layout {
  kind: 'evidence' | 'bundle' | 'empty';
  complete: string[];
  problems: Problem[];
}

const ROOT_BUNDLE_FILES = new Set([MANIFEST, SIGNATURE, FINDINGS]);

/**
 * A directory holding bundle directories is an evidence dir, and never read as a bundle: a
 * manifest.json beside them (planted to make the whole dir look like one intact bundle) is a problem.
 */
function layoutOf(abs: string): Layout {
  const root = path.basename(abs);
  const problems: Problem[] = [];
  let entries: Dirent[];
  try {
    entries = readdirSync(abs, { withFileTypes: true });
  } catch (e) {
    return { kind: 'empty', complete: [], problems: [{ bundle: root, message: `cannot list the directory (${errCode(e)})` }] };
  }
  const complete: string[] = [];
  let bundleLike = 0;
  const rootFiles: string[] = [];
  for (const e of entries) {
    const partial = e.name.endsWith(PARTIAL_SUFFIX) && BUNDLE_ID.test(e.name.slice(0, -PARTIAL_SUFFIX.length));
    if (ROOT_BUNDLE_FILES.has(e.name)) rootFiles.push(e.name);
    if (e.name === QUARANTINE && e.isDirectory()) {
      bundleLike++;
      for (const q of quarantined(abs)) problems.push({ bundle: `${QUARANTINE}/${q}`, message: 'moved aside by collect: it was left as .partial but holds a manifest; a person must decide — move it back as <id>/ if it belongs to the chain, or remove it' });
      continue;
    }
    if (!partial && !BUNDLE_ID.test(e.name)) continue;
    bundleLike++;
    if (e.isSymbolicLink()) problems.push({ bundle: e.name, message: 'bundle directory is a symbolic link' });
    else if (!e.isDirectory()) problems.push({ bundle: e.name, message: 'is named like a bundle but is not a directory' });
    else if (partial) problems.push({ bundle: e.name, message: 'unfinished bundle (.partial) left by an interrupted collect; the next collect removes it (or, when it holds a manifest, moves it to quarantine/)' });
    else complete.push(e.name);
  }
  if (!bundleLike) return { kind: rootFiles.includes(MANIFEST) ? 'bundle' : 'empty', complete: [], problems };
  for (const f of rootFiles.sort()) problems.push({ bundle: root, file: f, message: `${f} beside bundle directories: an evidence dir is never read as one bundle, and soc2 never writes this file here` });
  return { kind: 'evidence', complete: complete.sort(), problems };
}

function quarantined(abs: string): string[] {
  try {
    return readdirSync(path.join(abs, QUARANTINE)).sort();
  } catch (e) {
    return [`(cannot list: ${errCode(e)})`];
  }
}

export async function verifyPath(target: string, opts: VerifyOptions = {}): Promise<VerifyResult> {
  const problems: Problem[] = [];
  const trusted = opts.trustedKeys ?? [];
  const abs = path.resolve(target);
  const checked: Checked[] = [];
  const ctx: BundleContext = { trusted, buf: Buffer.allocUnsafe(HASH_CHUNK), cache: opts.cache ?? null, now: opts.now ?? (() => new Date()) };
  const layout = layoutOf(abs);
  problems.push(...layout.problems);
  if (layout.kind === 'bundle') {
    checked.push(verifyBundle(abs, path.basename(abs), problems, ctx));
  } else if (layout.kind === 'evidence') {
    for (const id of layout.complete) checked.push(verifyBundle(path.join(abs, id), id, problems, ctx));
    checkChain(checked, problems);
  }
  const result = verifyResultOf(target, checked, problems, trusted, ctx.cache ? { dir: ctx.cache.dir, read: ctx.cache.read } : null);
  if (opts.keepManifests) result.manifests = new Map(checked.filter((c) => c.manifest && c.manifestSha256).map((c) => [c.id, { manifest: c.manifest!, sha256: c.manifestSha256! }]));
  return result;
}

/** The result of checked bundles and their problems: per bundle ok or not, the trust summary, the cache counts. */
export function verifyResultOf(target: string, checked: Checked[], problems: Problem[], trusted: TrustedKey[], cache: { dir: string; read: boolean } | null): VerifyResult {
  const bad = new Set(problems.map((p) => p.bundle));
  const bundles = checked.map((c) => ({ id: c.id, status: c.manifest?.status, stream: c.manifest?.stream ?? null, signed: !!c.manifest?.signing, keyId: c.signer, ok: !bad.has(c.id), ...(c.files ? { files: c.files } : {}) }));
  const fromCache = checked.filter((c) => c.files?.by === 'cache').length;
  return {
    target,
    bundles,
    // file names on disk and values from manifests are untrusted: one printable line each
    problems: problems.map((q) => ({ ...q, bundle: printable(q.bundle), ...(q.file !== undefined ? { file: printable(q.file) } : {}), message: printable(q.message) })),
    trust: trustSummary(bundles, trusted),
    ok: problems.length === 0,
    ...(cache ? { cache: { ...cache, hashedNow: checked.filter((c) => c.files?.by === 'now').length, fromCache } } : {}),
  };
}
