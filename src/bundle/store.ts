// Reading an evidence dir: which bundles exist, the last finished one (the chain's tip), and
// artifact readers that re-check each file's SHA-256 while reading it.
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { ArtifactReader } from '../core/types.js';
import { BUNDLE_ID, MANIFEST, PARTIAL_SUFFIX, type ArtifactEntry, type Manifest } from './manifest.js';

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

export function readManifest(bundleDir: string): { manifest: Manifest; bytes: Buffer } {
  const bytes = readFileSync(path.join(bundleDir, MANIFEST));
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

function resolveInside(bundleDir: string, rel: string): string {
  const abs = path.resolve(bundleDir, ...rel.split('/'));
  if (!abs.startsWith(path.resolve(bundleDir) + path.sep)) throw new Error(`artifact path ${rel} leaves the bundle`);
  return abs;
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
    const buf = readFileSync(resolveInside(bundleDir, a.path));
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
        const stream = createReadStream(resolveInside(bundleDir, a.path));
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
