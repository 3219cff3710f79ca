// Manual evidence: files a person adds for a control's manual test (a signed access review, a pentest
// report), with the period they cover. `soc2 evidence add` copies them into pending/ of the evidence dir
// (the next collect takes them into its bundle) or into a bundle of their own; in a bundle they are
// artifacts of kind `manual.<control>` whose bytes are the original file's, unmodified.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, constants, copyFileSync, fstatSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UsageError } from '../core/errors.js';
import type { Control, ManualTest } from '../mapping/controls.js';
import { isDate } from '../report/dates.js';
import type { ArtifactEntry, Manifest } from './manifest.js';
import type { ReviewMeta } from './review-meta.js';
import { listBundleDirs, readManifest } from './store.js';

/** the folder of an evidence dir holding manual evidence not yet in a bundle */
export const PENDING = 'pending';
export const MANUAL_SOURCE = 'manual';
export const manualKind = (control: string) => `manual.${control}`;

/** What a bundle records about one manual evidence file (artifact.manual). */
export interface ManualMeta {
  control: string;
  test: string;
  title: string;
  note: string | null;
  addedBy: string;
  addedAt: string;
  covers: { from: string; to: string };
  mediaType: string;
  /** the file's name when it was added (its bytes are the artifact's) */
  fileName: string;
  /** a submitted access-review worksheet (soc2 review submit): what it reviewed and what it decided (src/bundle/review-meta.ts) */
  review?: ReviewMeta;
}

/** One manual evidence file waiting in pending/: its metadata and its copy's hash and size. */
export interface PendingEntry {
  id: string;
  dir: string;
  meta: ManualMeta;
  sha256: string;
  bytes: number;
  /** the control's criteria when it was added (the bundle records them on the artifact) */
  criteria: string[];
}

/** `2026-07-01..2026-09-30` or a single date (a point-in-time document); a one-line usage error otherwise. */
export function parseCovers(v: string | undefined): { from: string; to: string } {
  if (v === undefined || !v.trim()) throw new UsageError('--covers: required: the period the evidence covers, FROM..TO or one date (YYYY-MM-DD)');
  const parts = v.trim().split('..');
  if (parts.length > 2) throw new UsageError(`--covers: expected FROM..TO or one date (YYYY-MM-DD), got "${v}"`);
  const [from, to = from] = parts as [string, string?];
  for (const d of [from, to]) if (!isDate(d!)) throw new UsageError(`--covers: "${d}" is not a date; expected FROM..TO or one date as YYYY-MM-DD, got "${v}"`);
  if (from > to!) throw new UsageError(`--covers: the period is reversed (${from} is after ${to}); expected FROM..TO with FROM first`);
  return { from: from!, to: to! };
}

/**
 * The control and manual test `--control` names: a control id of the register, or a manual test id
 * (access-review). A control with several manual tests needs `--test`.
 */
export function resolveManualTest(controls: Control[], id: string | undefined, test?: string): { control: Control; test: ManualTest } {
  if (!id) throw new UsageError('--control: required: the control (or manual test) the evidence is for');
  const byTest = controls.filter((c) => c.tests.manual.some((t) => t.id === id));
  const control = controls.find((c) => c.id === id) ?? (byTest.length === 1 ? byTest[0] : undefined);
  if (!control) {
    const manual = controls.filter((c) => c.tests.manual.length).map((c) => c.id);
    throw new UsageError(`--control: unknown control "${id}"; controls with manual tests: ${manual.join(', ')}`);
  }
  if (!control.tests.manual.length) throw new UsageError(`--control: control ${control.id} has no manual test (it is tested by checks only: ${control.tests.checks.join(', ')}); manual evidence goes to a control whose register entry lists tests.manual`);
  const wanted = test ?? (control.id === id ? undefined : id);
  if (wanted) {
    const t = control.tests.manual.find((x) => x.id === wanted);
    if (!t) throw new UsageError(`--test: control ${control.id} has no manual test "${wanted}"; expected one of ${control.tests.manual.map((x) => x.id).join(', ')}`);
    return { control, test: t };
  }
  if (control.tests.manual.length > 1) throw new UsageError(`--test: control ${control.id} has ${control.tests.manual.length} manual tests; name one: ${control.tests.manual.map((x) => x.id).join(', ')}`);
  return { control, test: control.tests.manual[0]! };
}

const MEDIA: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  txt: 'text/plain',
  md: 'text/markdown',
  csv: 'text/csv',
  tsv: 'text/tab-separated-values',
  html: 'text/html',
  htm: 'text/html',
  json: 'application/json',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  xml: 'application/xml',
  zip: 'application/zip',
  eml: 'message/rfc822',
  msg: 'application/vnd.ms-outlook',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  pptx: 'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  odt: 'application/vnd.oasis.opendocument.text',
  ods: 'application/vnd.oasis.opendocument.spreadsheet',
};

/** The media type from the file's extension (the bytes are never sniffed or changed). */
export function mediaTypeOf(file: string): string {
  const ext = path.extname(file).slice(1).toLowerCase();
  return MEDIA[ext] ?? 'application/octet-stream';
}

/** A file name safe as one path segment of a bundle (letters, digits, ".", "_", "-"). */
export function safeName(name: string): string {
  const s = name.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  return s || 'file';
}

/**
 * Checks a file given to `evidence add`: it exists, is a regular file (not a directory, FIFO, device or
 * symlink target outside it) and can be read. Returns its sha256 and size, read through one descriptor.
 */
export function hashInputFile(file: string): { sha256: string; bytes: number } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code ?? (e as Error).message})`);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${file}: not a regular file (${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isSocket() ? 'a socket' : 'a device or special file'}); manual evidence must be a regular file`);
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let bytes = 0;
    for (let n; (n = readSync(fd, buf, 0, buf.length, null)) > 0; ) {
      h.update(buf.subarray(0, n));
      bytes += n;
    }
    return { sha256: h.digest('hex'), bytes };
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`${file}: cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  } finally {
    closeSync(fd);
  }
}

const sameEvidence = (a: { sha256: string; control: string; covers: { from: string; to: string } }, b: typeof a) => a.sha256 === b.sha256 && a.control === b.control && a.covers.from === b.covers.from && a.covers.to === b.covers.to;

/** Manual evidence already recorded: every bundle's manual artifacts, and what waits in pending/. */
export function recordedManualEvidence(evidenceDir: string): { where: string; sha256: string; control: string; covers: { from: string; to: string }; fileName: string }[] {
  const out: ReturnType<typeof recordedManualEvidence> = [];
  for (const id of listBundleDirs(evidenceDir).complete) {
    let manifest: Manifest;
    try {
      manifest = readManifest(path.join(evidenceDir, id)).manifest;
    } catch {
      continue; // verify reports an unreadable manifest
    }
    for (const a of manifest.artifacts ?? []) if (a.manual) out.push({ where: `bundle ${id}`, sha256: a.sha256, control: a.manual.control, covers: a.manual.covers, fileName: a.manual.fileName });
  }
  for (const p of listPending(evidenceDir).entries) out.push({ where: `${PENDING}/${p.id}`, sha256: p.sha256, control: p.meta.control, covers: p.meta.covers, fileName: p.meta.fileName });
  return out;
}

/** Refuses a file already recorded for the same control and period (in the chain, pending, or twice in one call). */
export function assertNotDuplicate(recorded: ReturnType<typeof recordedManualEvidence>, file: string, e: { sha256: string; control: string; covers: { from: string; to: string } }): void {
  const dup = recorded.find((r) => sameEvidence(r, e));
  if (dup) throw new UsageError(`${file}: already recorded for control ${e.control} and ${e.covers.from}..${e.covers.to} (same SHA-256 as ${dup.fileName} in ${dup.where}); nothing was added`);
}

const ENTRY = 'entry.json';
const CONTENT = 'content';

/** Copies a file into pending/<id>/ with its metadata; the copy is what the next bundle takes. */
export function stagePending(evidenceDir: string, file: string, meta: ManualMeta, expect: { sha256: string; bytes: number }, criteria: string[], now: Date): PendingEntry {
  const root = path.join(evidenceDir, PENDING);
  mkdirSync(root, { recursive: true });
  const id = `${now.toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`;
  const tmp = path.join(root, `.${id}.tmp`);
  mkdirSync(tmp);
  try {
    copyFileSync(file, path.join(tmp, CONTENT), constants.COPYFILE_EXCL);
    const got = hashOf(path.join(tmp, CONTENT));
    if (got.sha256 !== expect.sha256) throw new UsageError(`${file}: changed while it was being added (SHA-256 differs); nothing was added`);
    writeFileSync(path.join(tmp, ENTRY), JSON.stringify({ meta, sha256: got.sha256, bytes: got.bytes, criteria }, null, 2) + '\n');
    renameSync(tmp, path.join(root, id));
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  return { id, dir: path.join(root, id), meta, sha256: expect.sha256, bytes: expect.bytes, criteria };
}

function hashOf(file: string): { sha256: string; bytes: number } {
  const buf = readFileSync(file);
  return { sha256: createHash('sha256').update(buf).digest('hex'), bytes: buf.length };
}

/** What waits in pending/: readable entries (oldest first), and the names of broken ones with why. */
export function listPending(evidenceDir: string): { entries: PendingEntry[]; broken: { id: string; why: string }[] } {
  const root = path.join(evidenceDir, PENDING);
  const entries: PendingEntry[] = [];
  const broken: { id: string; why: string }[] = [];
  if (!lstatSync(root, { throwIfNoEntry: false })?.isDirectory()) return { entries, broken };
  for (const id of readdirSync(root).filter((n) => !n.startsWith('.')).sort()) {
    const dir = path.join(root, id);
    try {
      const e = JSON.parse(readFileSync(path.join(dir, ENTRY), 'utf8')) as { meta: ManualMeta; sha256: string; bytes: number; criteria?: string[] };
      if (!e?.meta?.control || typeof e.sha256 !== 'string') throw new Error(`${ENTRY} is not a pending entry`);
      entries.push({ id, dir, meta: e.meta, sha256: e.sha256, bytes: e.bytes, criteria: Array.isArray(e.criteria) ? e.criteria.map(String) : [] });
    } catch (err) {
      broken.push({ id, why: (err as Error).message.split('\n')[0]! });
    }
  }
  return { entries, broken };
}

/** The bundle path of a manual evidence file: artifacts/manual/<control>/<test>/<from>_<to>/<sha12>-<name>. */
export function manualArtifactPath(meta: ManualMeta, sha256: string): string {
  return ['artifacts', MANUAL_SOURCE, meta.control, meta.test, `${meta.covers.from}_${meta.covers.to}`, `${sha256.slice(0, 12)}-${safeName(meta.fileName)}`].join('/');
}

/** The manifest entry of a manual evidence file (criteria: the control's). */
export function manualArtifactEntry(meta: ManualMeta, file: { path: string; sha256: string; bytes: number }, criteria: string[]): ArtifactEntry {
  return {
    ...file,
    kind: manualKind(meta.control),
    source: MANUAL_SOURCE,
    collector: MANUAL_SOURCE,
    records: 1,
    criteria,
    provenance: {
      system: 'manual',
      scope: { source: MANUAL_SOURCE, control: meta.control, test: meta.test },
      operations: [],
      complete: true,
      collectedAt: meta.addedAt,
      periodCovered: meta.covers,
    },
    manual: meta,
  };
}

/** pending/<id>'s content path (the collect that takes it re-checks its SHA-256). */
export const pendingContent = (p: PendingEntry) => path.join(p.dir, CONTENT);

/** Removes entries a finished bundle now holds. */
export function clearPending(entries: PendingEntry[]): void {
  for (const p of entries) rmSync(p.dir, { recursive: true, force: true });
  // an empty pending/ goes too: the evidence dir then holds only bundles, as before any manual evidence
  const root = entries[0] && path.dirname(entries[0].dir);
  if (root && readdirSync(root).length === 0) rmSync(root, { recursive: true, force: true });
}
