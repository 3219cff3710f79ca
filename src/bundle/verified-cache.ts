// The verified-bundle cache: "bundle X, with manifest SHA-256 M, checked against trusted keys K by
// verifier version V, had every file hash as its manifest says at time T; its files were then these
// inodes with these sizes, mtimes and ctimes". A later `soc2 report` that finds the same (M, K, V)
// and every listed file still the same inode with the same size, mtime and ctime skips re-hashing the
// bundle's files, and the walk for added files while every directory of the bundle keeps its inode,
// mtime and ctime (adding, removing or renaming an entry changes them) — only that: the manifest is
// read and hashed, the signature and the chain are checked every time. A write to a file changes its
// ctime (no user can set ctime back: utimes() sets it to now), a replaced file is another inode, so
// any change of a byte sends the bundle back to full hashing. Entries live in the reader's own cache directory (never in the
// evidence dir: whoever can write the evidence must not be able to vouch for it), one small file per
// entry, written atomically. A cache is a statement "verified at T": the report says which bundles
// were verified now and which from the cache, and when. docs/report.md "Verified-bundle cache".
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, type BigIntStats } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Bump when verify's checks of a bundle's files change: entries of another version are never used. */
export const VERIFIER_VERSION = 2; // 2: manifests' access-review metadata shape-checked
const ENTRY_FORMAT = 'soc2-verified/1';

/** What identifies a file's content without reading it: the same inode, unchanged since it was hashed. */
export interface FileStamp {
  dev: string;
  ino: string;
  size: string;
  mtimeNs: string;
  ctimeNs: string;
}

export function stampOf(st: BigIntStats): FileStamp {
  return { dev: String(st.dev), ino: String(st.ino), size: String(st.size), mtimeNs: String(st.mtimeNs), ctimeNs: String(st.ctimeNs) };
}

export const sameStamp = (a: FileStamp, b: FileStamp): boolean => a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;

export interface CacheEntry {
  format: typeof ENTRY_FORMAT;
  bundle: string;
  manifestSha256: string;
  trustedKeys: string[];
  verifierVersion: number;
  verifiedAt: string;
  /** every file the manifest lists, by path */
  files: Record<string, FileStamp>;
  /**
   * every directory of the bundle ("" = the bundle's own), stamped before it was listed: adding,
   * removing or renaming an entry changes a directory's mtime and ctime, so while they hold, the walk
   * that found no file beyond the manifest's would find the same
   */
  dirs?: Record<string, FileStamp>;
}

export interface VerifiedCache {
  dir: string;
  /** false: entries are written but never used (--no-cache re-checks everything and refreshes them) */
  read: boolean;
  lookup(bundle: string, manifestSha256: string): CacheEntry | null;
  record(bundle: string, manifestSha256: string, files: Record<string, FileStamp>, dirs: Record<string, FileStamp>, at: Date): void;
}

/** $SOC2_CACHE_DIR, else $XDG_CACHE_HOME/soc2, else ~/.cache/soc2 — the reader's, not the evidence's. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SOC2_CACHE_DIR) return path.resolve(env.SOC2_CACHE_DIR);
  const base = env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(os.homedir(), '.cache');
  return path.join(base, 'soc2');
}

export function openVerifiedCache(o: { trustedKeyIds: string[]; read: boolean; dir?: string; env?: NodeJS.ProcessEnv }): VerifiedCache {
  const dir = path.join(o.dir ?? defaultCacheDir(o.env), 'verified');
  const keys = [...o.trustedKeyIds].sort();
  const keyOf = (manifestSha256: string) => createHash('sha256').update(`${VERIFIER_VERSION}\n${manifestSha256}\n${keys.join(',')}`).digest('hex');
  const fileOf = (k: string) => path.join(dir, k.slice(0, 2), `${k}.json`);
  let writable = true;
  return {
    dir,
    read: o.read,
    lookup(bundle, manifestSha256) {
      if (!o.read) return null;
      let e: CacheEntry;
      try {
        e = JSON.parse(readFileSync(fileOf(keyOf(manifestSha256)), 'utf8')) as CacheEntry;
      } catch {
        return null; // no entry, or an unreadable one: the bundle is hashed
      }
      // the key is a hash: the entry must say again what it vouches for
      const ok =
        e?.format === ENTRY_FORMAT &&
        e.bundle === bundle &&
        e.manifestSha256 === manifestSha256 &&
        e.verifierVersion === VERIFIER_VERSION &&
        Array.isArray(e.trustedKeys) &&
        e.trustedKeys.join(',') === keys.join(',') &&
        typeof e.verifiedAt === 'string' &&
        !!e.files &&
        typeof e.files === 'object' &&
        (e.dirs === undefined || (!!e.dirs && typeof e.dirs === 'object'));
      return ok ? e : null;
    },
    record(bundle, manifestSha256, files, dirs, at) {
      if (!writable) return;
      const k = keyOf(manifestSha256);
      const file = fileOf(k);
      const entry: CacheEntry = { format: ENTRY_FORMAT, bundle, manifestSha256, trustedKeys: keys, verifierVersion: VERIFIER_VERSION, verifiedAt: at.toISOString(), files, dirs };
      try {
        mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
        const tmp = `${file}.${process.pid}.tmp`;
        writeFileSync(tmp, JSON.stringify(entry), { mode: 0o600 });
        renameSync(tmp, file);
      } catch {
        // a read-only home or a full disk costs the next run its speed, never this run its result
        writable = false;
      }
    },
  };
}
