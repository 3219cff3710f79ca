// Bundle format 1: the manifest shape and the path rules shared by the writer and the verifier.
import type { BuildInfo } from '../core/build-info.js';
import type { FindingStatus, Gap, Provenance } from '../core/types.js';
import type { ManualMeta } from './manual.js';

export const BUNDLE_FORMAT = 'soc2-evidence-bundle/1';
export const MANIFEST = 'manifest.json';
export const SIGNATURE = 'manifest.sig';
export const FINDINGS = 'findings.json';
/** the redacted config in force (src/config/expected.ts) */
export const CONFIG_FILE = 'config.json';
export const PARTIAL_SUFFIX = '.partial';
/** where collect moves a leftover `<id>.partial` that holds a manifest (never deleted: it may be a real bundle) */
export const QUARANTINE = 'quarantine';
/** the largest manifest.json a reader accepts (a year of daily bundles stays far below it) */
export const MAX_MANIFEST_BYTES = 64 * 1024 * 1024;
/** the largest manifest.sig a reader accepts (the writer's is 89 bytes) */
export const MAX_SIGNATURE_BYTES = 4 * 1024;
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
  /** manual evidence (kind manual.<control>): who added it, when, and the period it covers (src/bundle/manual.ts) */
  manual?: ManualMeta;
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

/**
 * One account of an AWS organization source: when its collection started and ended (its first task's
 * start, its last task's end), its API calls (HTTP attempts) and retries, the throttling answers it got,
 * and the narrowest its adaptive concurrency window got (src/core/adaptive.ts). Absent in older bundles.
 */
export interface AccountEntry {
  source: string;
  account: string;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  apiCalls: number;
  retries: number;
  throttled: number;
  lowestConcurrency: number;
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
  /** build: the git commit the tool was built from (src/core/build-info.ts); absent in older bundles */
  tool: { name: string; version: string; build?: BuildInfo };
  organization: string | null;
  startedAt: string;
  finishedAt: string;
  status: BundleStatus;
  /** sha256 of the config file's bytes; path: its redacted copy in the bundle (absent in older bundles) */
  config: { sha256: string; scope: string[]; path?: string };
  identity: Identity;
  collectors: CollectorEntry[];
  /** an AWS organization source's accounts (src/core/runner.ts); absent without one, and in older bundles */
  accounts?: AccountEntry[];
  artifacts: ArtifactEntry[];
  findings: { path: string; summary: Record<FindingStatus, number> };
  /** every file of the bundle except manifest.json and manifest.sig */
  files: FileEntry[];
  previous: { id: string; manifestSha256: string } | null;
  signing: { algorithm: 'ed25519'; keyId: string; publicKey: string } | null;
  /** "manual-evidence": a bundle `soc2 evidence add --now` wrote, holding only manual evidence (no collection) */
  purpose?: 'manual-evidence';
}

/** A manifest path must stay inside the bundle: relative, forward slashes, no `.`/`..` segments. */
export function isSafeRelativePath(p: unknown): p is string {
  if (typeof p !== 'string' || p.length === 0 || p.length > 1024) return false;
  if (p.startsWith('/') || p.includes('\\') || p.includes('\0') || /^[A-Za-z]:/.test(p)) return false;
  return p.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const optional = (v: unknown, ok: (x: unknown) => boolean) => v === undefined || v === null || ok(v);

/**
 * Why a parsed manifest.json does not have the shape readers rely on (a field of the wrong type, an
 * entry that is not an object), or null. Checked by verify, and by the report before it reads a
 * bundle, so a hand-edited manifest is reported instead of crashing a reader.
 */
export function manifestShapeProblem(m: unknown): string | null {
  if (!isObject(m)) return 'not a JSON object';
  if (typeof m.id !== 'string') return 'id is not a string';
  if (typeof m.startedAt !== 'string') return 'startedAt is not a string';
  if (!optional(m.status, (v) => typeof v === 'string')) return 'status is not a string';
  if (!optional(m.stream, (v) => typeof v === 'string')) return 'stream is not a string';
  if (!optional(m.organization, (v) => typeof v === 'string')) return 'organization is not a string';
  if (!optional(m.tool, isObject)) return 'tool is not an object';
  if (!optional(m.config, (v) => isObject(v) && optional(v.scope, Array.isArray) && optional(v.path, (p) => typeof p === 'string'))) return 'config is not {sha256, scope[], path?}';
  if (!optional(m.findings, (v) => isObject(v) && optional(v.path, (x) => typeof x === 'string'))) return 'findings is not {path, summary}';
  if (!optional(m.previous, (v) => isObject(v) && typeof v.id === 'string' && typeof v.manifestSha256 === 'string')) return 'previous is not {id, manifestSha256}';
  if (!optional(m.signing, (v) => isObject(v) && typeof v.keyId === 'string' && typeof v.publicKey === 'string')) return 'signing is not {algorithm, keyId, publicKey}';
  if (!Array.isArray(m.files)) return 'files is not a list';
  for (const [i, f] of m.files.entries()) {
    if (!isObject(f) || typeof f.path !== 'string' || typeof f.sha256 !== 'string' || !isCount(f.bytes)) return `files[${i}] is not {path, sha256, bytes}`;
  }
  if (!Array.isArray(m.artifacts)) return 'artifacts is not a list';
  for (const [i, a] of m.artifacts.entries()) {
    if (!isObject(a) || typeof a.path !== 'string' || typeof a.sha256 !== 'string' || !isCount(a.bytes)) return `artifacts[${i}] is not {path, sha256, bytes, …}`;
    if (typeof a.kind !== 'string' || typeof a.source !== 'string' || typeof a.collector !== 'string') return `artifacts[${i}]: kind, source and collector must be strings`;
    if (!optional(a.records, isCount) || !optional(a.criteria, Array.isArray)) return `artifacts[${i}]: records must be a count and criteria a list`;
    if (!optional(a.provenance, (p) => isObject(p) && optional(p.scope, isObject) && optional(p.operations, Array.isArray))) return `artifacts[${i}].provenance is not {system, scope, operations[], …}`;
  }
  if (!optional(m.accounts, Array.isArray)) return 'accounts is not a list';
  for (const [i, a] of ((m.accounts as unknown[] | null | undefined) ?? []).entries()) {
    if (!isObject(a) || typeof a.source !== 'string' || typeof a.account !== 'string' || !isCount(a.apiCalls) || !isCount(a.throttled)) return `accounts[${i}] is not {source, account, startedAt, finishedAt, apiCalls, throttled, …}`;
  }
  if (!optional(m.collectors, Array.isArray)) return 'collectors is not a list';
  for (const [i, c] of ((m.collectors as unknown[] | null | undefined) ?? []).entries()) {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.status !== 'string') return `collectors[${i}] is not {id, source, status, …}`;
    if (!optional(c.scope, isObject) || !optional(c.gaps, (g) => Array.isArray(g) && g.every(isObject)) || !optional(c.error, isObject)) return `collectors[${i}]: scope, gaps[] or error has the wrong type`;
  }
  return null;
}
