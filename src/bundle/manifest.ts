// Bundle format 1: the manifest shape and the path rules shared by the writer and the verifier.
import type { FindingStatus, Gap, Provenance } from '../core/types.js';

export const BUNDLE_FORMAT = 'soc2-evidence-bundle/1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
export const FINDINGS = 'findings.json';
export const PARTIAL_SUFFIX = '.partial';
/** bundle id: UTC start time to the millisecond + 4 hex, so ids sort by time even for runs a second apart */
export const BUNDLE_ID = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}(\.\d{3})?Z-[0-9a-f]{4}$/;

export type BundleStatus = 'complete' | 'partial' | 'failed';

export interface FileEntry {
  path: string;
  sha256: string;
  bytes: number;
}

export interface ArtifactEntry extends FileEntry {
  kind: string;
  source: string;
  collector: string;
  records: number;
  criteria: string[];
  provenance: Provenance;
}

export interface CollectorEntry {
  id: string;
  source: string;
  scope: Record<string, string>;
  status: 'ok' | 'error' | 'skipped';
  error?: Gap;
  gaps: Gap[];
  durationMs: number;
  apiCalls: number;
  retries: number;
}

export interface Identity {
  aws: { source: string; account: string; arn: string; userId?: string }[];
  gcp: { source: string; project: string; principal?: string }[];
  mlflow: { source: string; server: string; user?: string }[];
  ci: { provider: string; runId?: string; url?: string } | null;
}

export interface Manifest {
  format: typeof BUNDLE_FORMAT;
  id: string;
  stream: string | null;
  tool: { name: string; version: string };
  organization: string | null;
  startedAt: string;
  finishedAt: string;
  status: BundleStatus;
  config: { sha256: string; scope: string[] };
  identity: Identity;
  collectors: CollectorEntry[];
  artifacts: ArtifactEntry[];
  findings: { path: string; summary: Record<FindingStatus, number> };
  /** every file of the bundle except manifest.json and manifest.sig */
  files: FileEntry[];
  previous: { id: string; manifestSha256: string } | null;
  signing: { algorithm: 'ed25519'; keyId: string; publicKey: string } | null;
}

/** A manifest path must stay inside the bundle: relative, forward slashes, no `.`/`..` segments. */
export function isSafeRelativePath(p: unknown): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) return false;
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}
