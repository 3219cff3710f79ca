// What every aggregator of the report is handed for one bundle: its id, day and manifest, how to name
// its files (FileRef) and how to read a small file of it, re-hashed against the manifest as it is read.
import path from 'node:path';
import type { Manifest } from '../bundle/manifest.js';
import type { Problem } from '../bundle/verify.js';
import type { FileRef } from './model.js';
import { readChecked } from './read.js';

export interface BundleVisit {
  id: string;
  /** UTC day of startedAt: the day the bundle counts for */
  date: string;
  dir: string;
  manifest: Manifest;
  ref(p: string, sha256: string): FileRef;
  /** false once `soc2 verify` (or a read) found a problem in this bundle */
  verified(): boolean;
  addProblem(p: Problem): void;
  /** parses a small JSON file of the bundle; a hash mismatch is a problem, the bytes are still used (--allow-unverified) */
  readJson(rel: string, sha256: string): Promise<unknown>;
}

export function bundleVisit(o: { evidenceName: string; dir: string; id: string; date: string; manifest: Manifest; badBundles: Set<string>; addProblem: (p: Problem) => void }): BundleVisit {
  return {
    id: o.id,
    date: o.date,
    dir: o.dir,
    manifest: o.manifest,
    ref: (p, sha256) => fileRef(o.evidenceName, o.id, p, sha256),
    verified: () => !o.badBundles.has(o.id),
    addProblem: o.addProblem,
    async readJson(rel, sha256) {
      const { text, ok } = await readChecked(o.dir, rel, sha256, { lenient: true });
      if (!ok) o.addProblem({ bundle: o.id, file: rel, message: 'content changed: SHA-256 does not match the manifest (found while reading it for the report)' });
      return JSON.parse(text);
    },
  };
}

export const fileRef = (evidenceName: string, bundle: string, p: string, sha256: string): FileRef => ({ bundle, path: p, href: `${evidenceName}/${bundle}/${p}`, sha256 });

/** `account=1 region=us-east-1`: a scope without the source name, for people. */
export function scopeLabel(scope: Record<string, string> | undefined): string {
  return Object.entries(scope ?? {})
    .filter(([k]) => k !== 'source')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

export function withoutSource(scope: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(scope ?? {})) if (k !== 'source') out[k] = String(v);
  return out;
}

export const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** The folder of an artifact inside its bundle: what tells two series of one collector apart. */
export const artifactDir = (p: string): string => path.posix.dirname(p);
