// Reading an evidence dir: which bundles exist, the last finished one (the chain's tip), and
// artifact readers that re-check each file's SHA-256 while reading it.
import { createHash } from 'node:crypto';
import { closeSync, constants, createReadStream, existsSync, lstatSync, openSync, readdirSync, readFileSync, type ReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ArtifactReader } from '../core/types.js';
import { BUNDLE_ID, isSafeRelativePath, MANIFEST, PARTIAL_SUFFIX, type ArtifactEntry, type Manifest } from './manifest.js';

export function listBundleDirs(evidenceDir: string): { complete: string[]; partial: string[] } {
  if (!existsSync(evidenceDir)) return { complete: [], partial: [] };
  const complete: string[] = [];
  const partial: string[] = [];
  for (const e of readdirSync(evidenceDir, { withFileTypes: true })) {
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
export function readBundleFileSync(bundleDir: string, rel: string): Buffer {
  const fd = openSync(regularFileInside(bundleDir, rel), READ_NO_FOLLOW);
  try {
    return readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A stream over a regular file of the bundle (see regularFileInside), opened without following symlinks. */
export function bundleFileStream(bundleDir: string, rel: string): ReadStream {
  const abs = regularFileInside(bundleDir, rel);
  return createReadStream(abs, { fd: openSync(abs, READ_NO_FOLLOW) });
}

export function readManifest(bundleDir: string): { manifest: Manifest; bytes: Buffer } {
  const bytes = readBundleFileSync(bundleDir, MANIFEST);
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

function checkInside(bundleDir: string, rel: string): string {
  const abs = path.resolve(bundleDir, ...rel.split('/'));
  if (!abs.startsWith(path.resolve(bundleDir) + path.sep)) throw new Error(`artifact path ${rel} leaves the bundle`);
  return rel;
}

/** Artifacts of one collector × target: entries whose path lies directly under `prefix`. */
export function artifactReader(bundleDir: string, entries: ArtifactEntry[] | (() => ArtifactEntry[]), prefix: string, meta: { collectedAt?: string; bundleId?: string } = {}): ArtifactReader {
  // entries may grow while a collector writes: look them up on every call
  const find = (kind: string) =>
    (typeof entries === 'function' ? entries() : entries).find((a) => a.kind === kind && a.path.startsWith(prefix + '/') && !a.path.slice(prefix.length + 1).includes('/'));
  const get = (kind: string): ArtifactEntry => {
    const a = find(kind);
    if (!a) throw new MissingArtifactError(kind);
    return a;
  };
  const readVerified = (a: ArtifactEntry): string => {
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
