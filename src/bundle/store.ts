// Reading an evidence dir: which bundles exist, the last finished one (the chain's tip), and
// artifact readers that re-check each file's SHA-256 while reading it.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, type ReadStream } from 'node:fs';
import path from 'node:path';
import { VerificationError } from '../core/errors.js';
import type { ArtifactReader } from '../core/types.js';
import { BUNDLE_ID, isSafeRelativePath, MANIFEST, MAX_MANIFEST_BYTES, PARTIAL_SUFFIX, QUARANTINE, type ArtifactEntry, type Manifest } from './manifest.js';

/** The entries of an evidence dir; an unreadable one is a verification failure naming it, never an internal error. */
function readEvidenceEntries(evidenceDir: string) {
  try {
    return readdirSync(evidenceDir, { withFileTypes: true });
  } catch (e) {
    throw new VerificationError(`${evidenceDir}: cannot list the evidence directory (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

export function listBundleDirs(evidenceDir: string): { complete: string[]; partial: string[] } {
  if (!existsSync(evidenceDir)) return { complete: [], partial: [] };
  const complete: string[] = [];
  const partial: string[] = [];
  for (const e of readEvidenceEntries(evidenceDir)) {
    if (!e.isDirectory()) continue;
    if (e.name.endsWith(PARTIAL_SUFFIX) && BUNDLE_ID.test(e.name.slice(0, -PARTIAL_SUFFIX.length))) partial.push(e.name);
    else if (BUNDLE_ID.test(e.name)) complete.push(e.name);
  }
  return { complete: complete.sort(), partial: partial.sort() };
}

/** open() flags for files of a bundle: read-only, and never through a symlink in the last path component. */
export const READ_NO_FOLLOW = constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0);

/**
 * The absolute path of `rel` (a manifest path) inside a bundle, once every folder between the bundle and
 * the file is a real folder and the file a regular file: a symlink (which may point anywhere, /etc/passwd
 * or /dev/zero) or a FIFO (which blocks whoever opens it) is refused, never opened.
 */
export function regularFileInside(bundleDir: string, rel: string): string {
  if (!isSafeRelativePath(rel)) throw new Error(`${String(rel)}: unsafe path; paths must be relative and stay inside the bundle`);
  const segs = rel.split('/');
  let abs = path.resolve(bundleDir);
  for (let i = 0; i < segs.length; i++) {
    abs = path.join(abs, segs[i]!);
    const st = lstatSync(abs, { throwIfNoEntry: false });
    if (!st) throw new Error(`${rel}: missing`);
    if (st.isSymbolicLink()) throw new Error(`${rel}: ${i < segs.length - 1 ? 'lies under a symbolic link' : 'is a symbolic link'}; bundles hold only regular files`);
    if (i < segs.length - 1 ? !st.isDirectory() : !st.isFile()) throw new Error(`${rel}: not a regular file`);
  }
  return abs;
}

/** A whole regular file of the bundle (see regularFileInside), opened without following symlinks. */
export function readBundleFileSync(bundleDir: string, rel: string, maxBytes?: number): Buffer {
  const abs = regularFileInside(bundleDir, rel);
  if (maxBytes !== undefined) {
    const r = readRegularFileBounded(abs, maxBytes);
    if ('refused' in r) throw new Error(`${rel}: ${refusalText(r)}`);
    return r.bytes;
  }
  const fd = openSync(abs, READ_NO_FOLLOW);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

export type BoundedRead = { bytes: Buffer } | { refused: 'missing' | 'symlink' | 'not-regular' | 'too-large' | 'unreadable'; detail?: string };

/** Why opening a bundle file (without following symlinks) failed: gone, a symlink, or unreadable (EACCES, …). */
export function openRefusal(e: unknown): { refused: 'missing' | 'symlink' } | { refused: 'unreadable'; detail: string } {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return { refused: 'missing' };
  if (code === 'ELOOP') return { refused: 'symlink' };
  return { refused: 'unreadable', detail: code ?? (e as Error).message };
}

/**
 * A small file read whole, with bounded memory: opened without following a symlink and without
 * blocking on a FIFO, read only when the opened file is regular and at most `maxBytes` long (the
 * file is read to maxBytes + 1 so one that grows while read is still refused). Never throws.
 */
export function readRegularFileBounded(abs: string, maxBytes: number): BoundedRead {
  let fd: number;
  try {
    fd = openSync(abs, READ_NO_FOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    return openRefusal(e);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { refused: 'not-regular' };
    if (st.size > maxBytes) return { refused: 'too-large', detail: `${st.size} bytes` };
    const buf = Buffer.allocUnsafe(Math.min(st.size, maxBytes) + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > maxBytes) return { refused: 'too-large', detail: `more than ${maxBytes} bytes` };
      if (n === buf.length) break;
    }
    return { bytes: buf.subarray(0, n) };
  } catch (e) {
    return { refused: 'unreadable', detail: (e as NodeJS.ErrnoException).code ?? (e as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** One line saying why a bounded read refused a file (`limit` names the limit, for too-large). */
export function refusalText(r: Exclude<BoundedRead, { bytes: Buffer }>, limit?: string): string {
  switch (r.refused) {
    case 'missing':
      return 'is missing';
    case 'symlink':
      return 'is a symbolic link; bundles hold only regular files';
    case 'not-regular':
      return 'is not a regular file';
    case 'too-large':
      return `is too large (${r.detail}; the limit is ${limit ?? 'exceeded'})`;
    case 'unreadable':
      return `cannot be read (${r.detail})`;
  }
}

/** A stream over a regular file of the bundle (see regularFileInside), opened without following symlinks. */
export function bundleFileStream(bundleDir: string, rel: string): ReadStream {
  const abs = regularFileInside(bundleDir, rel);
  return createReadStream(abs, { fd: openSync(abs, READ_NO_FOLLOW) });
}

export function readManifest(bundleDir: string): { manifest: Manifest; bytes: Buffer } {
  const bytes = readBundleFileSync(bundleDir, MANIFEST, MAX_MANIFEST_BYTES);
  return { manifest: JSON.parse(bytes.toString('utf8')) as Manifest, bytes };
}

/** The newest finished bundle of a stream (null stream = bundles written without a stream name). */
export function latestBundle(evidenceDir: string, stream: string | null): { id: string; dir: string; manifest: Manifest; manifestSha256: string } | null {
  const { complete } = listBundleDirs(evidenceDir);
  for (let i = complete.length - 1; i >= 0; i--) {
    const dir = path.join(evidenceDir, complete[i]!);
    try {
      const { manifest, bytes } = readManifest(dir);
      if ((manifest.stream ?? null) !== stream) continue;
      return { id: complete[i]!, dir, manifest, manifestSha256: createHash('sha256').update(bytes).digest('hex') };
    } catch {
      // an unreadable manifest is reported by verify; it cannot be the chain's tip
      continue;
    }
  }
  return null;
}

/**
 * Leftover `<id>.partial` dirs, swept by collect while it holds the lock. A dir without a manifest is
 * an interrupted write and is removed. One with a manifest may be a finished bundle renamed by hand
 * or by an attacker: it is moved to `quarantine/` inside the evidence dir and never deleted.
 */
export function sweepPartials(evidenceDir: string): { removed: string[]; quarantined: string[] } {
  const removed: string[] = [];
  const quarantined: string[] = [];
  for (const name of listBundleDirs(evidenceDir).partial) {
    const dir = path.join(evidenceDir, name);
    if (!lstatSync(path.join(dir, MANIFEST), { throwIfNoEntry: false })) {
      rmSync(dir, { recursive: true, force: true });
      removed.push(name);
      continue;
    }
    const qdir = path.join(evidenceDir, QUARANTINE);
    mkdirSync(qdir, { recursive: true });
    let target = path.join(qdir, name);
    for (let i = 2; existsSync(target); i++) target = path.join(qdir, `${name}-${i}`);
    renameSync(dir, target);
    quarantined.push(path.basename(target));
  }
  return { removed, quarantined };
}

/** What `quarantine/` of an evidence dir holds (names only; empty when there is none). */
export function listQuarantine(evidenceDir: string): string[] {
  const q = path.join(evidenceDir, QUARANTINE);
  const st = lstatSync(q, { throwIfNoEntry: false });
  if (!st?.isDirectory()) return [];
  try {
    return readdirSync(q).sort();
  } catch {
    return ['(unreadable)'];
  }
}

function checkInside(bundleDir: string, rel: string): string {
  const abs = path.resolve(bundleDir, ...rel.split('/'));
  if (!abs.startsWith(path.resolve(bundleDir) + path.sep)) throw new Error(`artifact path ${rel} leaves the bundle`);
  return rel;
}

/** Artifacts of one collector × target: entries whose path lies directly under `prefix`. */
/** what a reader needs of an artifact's entry (the writer's references during a run have just this) */
type ReadableEntry = Pick<ArtifactEntry, 'kind' | 'path' | 'sha256'> & { provenance: Pick<ArtifactEntry['provenance'], 'complete'> };

export function artifactReader(bundleDir: string, entries: readonly ReadableEntry[] | (() => readonly ReadableEntry[]), prefix: string, meta: { collectedAt?: string; bundleId?: string } = {}): ArtifactReader {
  // entries may grow while a collector writes: look them up on every call
  const find = (kind: string) =>
    (typeof entries === 'function' ? entries() : entries).find((a) => a.kind === kind && a.path.startsWith(prefix + '/') && !a.path.slice(prefix.length + 1).includes('/'));
  const get = (kind: string): ReadableEntry => {
    const a = find(kind);
    if (!a) throw new MissingArtifactError(kind);
    return a;
  };
  const readVerified = (a: ReadableEntry): string => {
    const buf = readBundleFileSync(bundleDir, checkInside(bundleDir, a.path));
    const h = createHash('sha256').update(buf).digest('hex');
    if (h !== a.sha256) throw new Error(`${a.path}: content does not match its recorded SHA-256`);
    return buf.toString('utf8');
  };
  return {
    ...meta,
    has: (kind) => !!find(kind),
    complete: (kind) => find(kind)?.provenance.complete === true,
    readJson: async <T>(kind: string) => JSON.parse(readVerified(get(kind))) as T,
    readText: async (kind) => readVerified(get(kind)),
    iterate: <T>(kind: string): AsyncIterable<T> => ({
      async *[Symbol.asyncIterator]() {
        const a = get(kind);
        const h = createHash('sha256');
        const stream = bundleFileStream(bundleDir, checkInside(bundleDir, a.path));
        stream.on('data', (c) => h.update(c as Buffer));
        // loaded here, not at start-up: node:readline brings four more built-in modules that a
        // collect does not need before its first call
        const { createInterface } = await import('node:readline');
        const rl = createInterface({ input: stream, crlfDelay: Infinity });
        for await (const line of rl) if (line) yield JSON.parse(line) as T;
        if (h.digest('hex') !== a.sha256) throw new Error(`${a.path}: content does not match its recorded SHA-256`);
      },
    }),
  };
}

export class MissingArtifactError extends Error {
  constructor(readonly kind: string) {
    super(`artifact ${kind} was not collected`);
    this.name = 'MissingArtifactError';
  }
}
