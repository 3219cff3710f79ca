// Writes one bundle into <id>.partial/, streaming and hashing every artifact as it goes, then
// flushes everything and renames the directory: a crash never leaves a bundle that looks complete.
// Each artifact's manifest entry goes to a spill file as it is recorded (an organization's bundle has
// thousands); memory keeps a small reference per artifact, and manifest.json is streamed at the end.
import { createHash, type Hash } from 'node:crypto';
import { constants, createWriteStream, readFileSync, rmSync, type WriteStream } from 'node:fs';
import { copyFile, mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { DiskFullError, asDiskFull } from '../core/errors.js';
import path from 'node:path';
import type { ArtifactDecl, ArtifactSink, NdjsonArtifact, OperationRecord, Provenance, Target } from '../core/types.js';
import { CONFIG_FILE, FINDINGS, MANIFEST, PARTIAL_SUFFIX, SIGNATURE, type ArtifactEntry, type FileEntry, type Manifest } from './manifest.js';
import { signManifest, type SigningKey } from './sign.js';
import { sha256File } from './hash.js';
import { SpilledArray } from './findings-spill.js';
import { manualArtifactEntry, manualArtifactPath, type ManualMeta } from './manual.js';

export interface SinkOptions {
  collector: string;
  target: Target;
  declared: ArtifactDecl[];
  system: string;
  scope: Record<string, string>;
  criteriaFor: (kind: string) => string[];
  now: () => Date;
}

async function fsyncPath(p: string): Promise<void> {
  const fh = await open(p, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * What the writer keeps in memory of an artifact: enough to find it, read it back and list it in the
 * manifest's files; the full entry (provenance, criteria) is in the spill file. Notes are kept only for
 * an incomplete artifact (the reason a check cannot evaluate).
 */
export interface ArtifactRef extends FileEntry {
  kind: string;
  source: string;
  collector: string;
  records: number;
  provenance: Pick<Provenance, 'scope' | 'complete' | 'notes'>;
}

/** the spilled manifest entries, in the bundle's .partial dir until the manifest is written */
const ENTRIES_SPILL = '.artifacts.spill';

export class BundleWriter {
  /** the first write that found the disk full: whatever a collector does with the error, the run stops on it */
  diskFull: DiskFullError | null = null;
  private readonly refs: ArtifactRef[] = [];
  private readonly entries: SpilledArray<string>;
  private readonly files: FileEntry[] = [];
  /** the artifacts of each sink's folder: a task's lookups stay cheap when an organization has written thousands */
  private readonly bySink = new Map<string, ArtifactRef[]>();
  private readonly open = new Set<{ abort: () => Promise<void> }>();

  private constructor(
    readonly evidenceDir: string,
    readonly id: string,
    readonly partialDir: string,
  ) {
    // the manifest's `artifacts` array, at depth 2 of its indented JSON
    this.entries = new SpilledArray(path.join(partialDir, ENTRIES_SPILL), 2);
  }

  /** The artifacts recorded so far (references; the entries are on disk). */
  get artifacts(): readonly ArtifactRef[] {
    return this.refs;
  }

  /** Spills the entry and keeps its reference (also in its sink's folder list). */
  private keep(entry: ArtifactEntry, folder?: ArtifactRef[]): void {
    try {
      this.entries.add(entry, entry.path);
    } catch (e) {
      // a full disk here stops the run like any other write of the bundle
      throw this.full(e, path.join(this.partialDir, ENTRIES_SPILL));
    }
    const { scope, complete, notes } = entry.provenance;
    const ref: ArtifactRef = { path: entry.path, sha256: entry.sha256, bytes: entry.bytes, kind: entry.kind, source: entry.source, collector: entry.collector, records: entry.records, provenance: { scope, complete, ...(!complete && notes ? { notes } : {}) } };
    this.refs.push(ref);
    folder?.push(ref);
  }

  static async create(evidenceDir: string, id: string): Promise<BundleWriter> {
    const partialDir = path.join(evidenceDir, id + PARTIAL_SUFFIX);
    await mkdir(partialDir, { recursive: false }).catch((e) => {
      throw asDiskFull(e, partialDir);
    });
    return new BundleWriter(evidenceDir, id, partialDir);
  }

  private discarded = false;

  /**
   * Removes the unfinished bundle and refuses every later write: a collector's stray promise that
   * writes after the run failed would otherwise re-create the folder (mkdir -p) behind the cleanup.
   */
  discard(): void {
    this.discarded = true;
    this.entries.close();
    rmSync(this.partialDir, { recursive: true, force: true });
  }

  private assertOpen(rel: string): void {
    if (this.discarded) throw new Error(`bundle ${this.id} was discarded; not writing ${rel}`);
  }

  private full(e: unknown, abs: string): unknown {
    const err = asDiskFull(e, abs);
    if (err instanceof DiskFullError) this.diskFull ??= err;
    return err;
  }

  get finalDir(): string {
    return path.join(this.evidenceDir, this.id);
  }

  private async writeWhole(rel: string, data: string): Promise<FileEntry> {
    const abs = path.join(this.partialDir, ...rel.split('/'));
    this.assertOpen(rel);
    try {
      await mkdir(path.dirname(abs), { recursive: true });
      const fh = await open(abs, 'wx');
      try {
        await fh.writeFile(data);
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw this.full(e, abs);
    }
    return { path: rel, sha256: createHash('sha256').update(data).digest('hex'), bytes: Buffer.byteLength(data) };
  }

  /** The artifacts written so far through the sinks of this folder (`artifacts/<source>/<collector>/<segments>`), live. */
  artifactsIn(dir: string): ArtifactRef[] {
    let list = this.bySink.get(dir);
    if (!list) this.bySink.set(dir, (list = []));
    return list;
  }

  /** The artifact sink handed to one collector run; paths are artifacts/<source>/<collector>/<segments>/<file>. */
  sink(o: SinkOptions): ArtifactSink & { abortOpen(reason: string): Promise<void> } {
    const dir = ['artifacts', o.target.source, o.collector, ...o.target.pathSegments].join('/');
    const decl = (kind: string): ArtifactDecl => {
      const d = o.declared.find((a) => a.kind === kind);
      if (!d) throw new Error(`collector ${o.collector} wrote undeclared artifact kind "${kind}"`);
      return d;
    };
    const provenance = (p: { operations: OperationRecord[]; complete: boolean; notes?: Record<string, unknown>; periodCovered?: { from: string; to: string } }): Provenance => ({
      system: o.system,
      scope: o.scope,
      operations: p.operations,
      complete: p.complete,
      collectedAt: o.now().toISOString(),
      ...(p.periodCovered ? { periodCovered: p.periodCovered } : {}),
      ...(p.notes ? { notes: p.notes } : {}),
    });
    const own = this.bySink.get(dir) ?? [];
    this.bySink.set(dir, own);
    const record = (file: FileEntry, kind: string, records: number, prov: Provenance) => {
      this.keep({ ...file, kind, source: o.target.source, collector: o.collector, records, criteria: o.criteriaFor(kind), provenance: prov }, own);
    };
    const openSet = new Set<{ abort: () => Promise<void> }>();

    return {
      json: async (kind, value, p) => {
        const d = decl(kind);
        const file = await this.writeWhole(`${dir}/${d.file}`, JSON.stringify(value, null, 2) + '\n');
        record(file, kind, p.records ?? (Array.isArray(value) ? value.length : 1), provenance(p));
      },
      text: async (kind, text, p) => {
        const d = decl(kind);
        const file = await this.writeWhole(`${dir}/${d.file}`, text);
        record(file, kind, p.records ?? 1, provenance(p));
      },
      ndjson: async (kind): Promise<NdjsonArtifact> => {
        const d = decl(kind);
        const rel = `${dir}/${d.file}`;
        const abs = path.join(this.partialDir, ...rel.split('/'));
        this.assertOpen(rel);
        await mkdir(path.dirname(abs), { recursive: true }).catch((e) => {
          throw this.full(e, abs);
        });
        const stream: WriteStream = createWriteStream(abs, { flags: 'wx', flush: true });
        const hash: Hash = createHash('sha256');
        let bytes = 0;
        let records = 0;
        let closed = false;
        const streamError = new Promise<never>((_, reject) => stream.once('error', (e) => reject(this.full(e, abs))));
        streamError.catch(() => undefined);
        const close = async () => {
          closed = true;
          await Promise.race([new Promise<void>((resolve) => stream.end(resolve)), streamError]);
        };
        const handle = {
          abort: async () => {
            if (closed) return;
            await close();
            record({ path: rel, sha256: hash.digest('hex'), bytes }, kind, records, provenance({ operations: [], complete: false, notes: { aborted: 'the collector failed before this artifact was finished' } }));
          },
        };
        openSet.add(handle);
        this.open.add(handle);
        return {
          write: async (value) => {
            if (closed) throw new Error(`artifact ${rel} already finished`);
            const line = JSON.stringify(value) + '\n';
            hash.update(line);
            bytes += Buffer.byteLength(line);
            records++;
            if (!stream.write(line)) await Promise.race([new Promise<void>((r) => stream.once('drain', () => r())), streamError]);
          },
          finish: async (p) => {
            if (closed) throw new Error(`artifact ${rel} already finished`);
            openSet.delete(handle);
            this.open.delete(handle);
            await close();
            record({ path: rel, sha256: hash.digest('hex'), bytes }, kind, records, provenance(p));
          },
        };
      },
      abortOpen: async () => {
        for (const h of openSet) {
          openSet.delete(h);
          this.open.delete(h);
          await h.abort();
        }
      },
    };
  }

  /**
   * Copies a manual evidence file into the bundle unmodified, hashing the copy; refused when the copy's
   * SHA-256 is not the one recorded when the file was added (it changed in pending/ since).
   */
  async addManual(src: string, meta: ManualMeta, expectSha256: string, criteria: string[]): Promise<ArtifactEntry> {
    const rel = manualArtifactPath(meta, expectSha256);
    const abs = path.join(this.partialDir, ...rel.split('/'));
    this.assertOpen(rel);
    try {
      await mkdir(path.dirname(abs), { recursive: true });
      await copyFile(src, abs, constants.COPYFILE_EXCL);
      await fsyncPath(abs);
    } catch (e) {
      throw this.full(e, abs);
    }
    const got = await sha256File(abs);
    if (got.sha256 !== expectSha256) {
      await rm(abs, { force: true });
      throw new Error(`${src}: content does not match the SHA-256 recorded when it was added`);
    }
    const entry = manualArtifactEntry(meta, { path: rel, ...got }, criteria);
    this.keep(entry);
    return entry;
  }

  /** findings.json from its text in pieces (a FindingSpill's), hashed as it is written. */
  async writeFindingsFrom(chunks: Iterable<string>): Promise<FileEntry> {
    const f = await this.writeChunks(FINDINGS, chunks);
    this.files.push(f);
    return f;
  }

  /** A file from its text in pieces, hashed as it is written, flushed. */
  private async writeChunks(rel: string, chunks: Iterable<string>): Promise<FileEntry> {
    const abs = path.join(this.partialDir, rel);
    this.assertOpen(rel);
    const hash = createHash('sha256');
    let bytes = 0;
    try {
      const fh = await open(abs, 'wx');
      try {
        for (const c of chunks) {
          const b = Buffer.from(c);
          hash.update(b);
          bytes += b.length;
          await fh.write(b);
        }
        await fh.sync();
      } finally {
        await fh.close();
      }
    } catch (e) {
      throw this.full(e, abs);
    }
    return { path: rel, sha256: hash.digest('hex'), bytes };
  }

  async writeFindings(findings: unknown[]): Promise<FileEntry> {
    const f = await this.writeWhole(FINDINGS, JSON.stringify(findings, null, 2) + '\n');
    this.files.push(f);
    return f;
  }

  /** config.json: the redacted config in force (src/config/expected.ts). */
  async writeConfig(stored: unknown): Promise<FileEntry> {
    const f = await this.writeWhole(CONFIG_FILE, JSON.stringify(stored, null, 2) + '\n');
    this.files.push(f);
    return f;
  }

  /**
   * Writes manifest (+ signature), flushes, renames <id>.partial → <id>. Returns the manifest's sha256;
   * `manifest` is read back from the published file when asked (the writer never holds it whole).
   */
  async finalize(manifest: Omit<Manifest, 'files' | 'artifacts'>, key: SigningKey | null): Promise<{ manifest: Manifest; manifestSha256: string; dir: string }> {
    for (const h of this.open) await h.abort();
    const files = [...this.refs.map(({ path: p, sha256, bytes }) => ({ path: p, sha256, bytes })), ...this.files].sort((a, b) => a.path.localeCompare(b.path));
    const m = await this.writeChunks(MANIFEST, manifestText(manifest, this.entries, files));
    this.entries.close();
    // the signature is over the bytes as written
    if (key) await this.writeWhole(SIGNATURE, signManifest(await readFile(path.join(this.partialDir, MANIFEST)), key) + '\n');
    // flush every directory entry, then publish the bundle with one atomic rename
    const dirs = new Set<string>([this.partialDir]);
    for (const f of files) {
      let d = path.dirname(path.join(this.partialDir, ...f.path.split('/')));
      while (d.startsWith(this.partialDir) && !dirs.has(d)) {
        dirs.add(d);
        d = path.dirname(d);
      }
    }
    for (const d of dirs) await fsyncPath(d);
    await rename(this.partialDir, this.finalDir);
    await fsyncPath(this.evidenceDir);
    const dir = this.finalDir;
    let read: Manifest | undefined;
    return {
      get manifest(): Manifest {
        return (read ??= JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8')) as Manifest);
      },
      manifestSha256: m.sha256,
      dir,
    };
  }
}

/**
 * manifest.json's text in pieces, byte for byte JSON.stringify({ ...head, artifacts, files }, null, 2) + '\n'
 * with the artifacts sorted by path: the head's own fields, then the spilled entries, then the files.
 */
export function* manifestText(head: object, artifacts: SpilledArray<string>, files: FileEntry[]): Generator<string> {
  // the head without its closing "\n}", so the two arrays follow as its last fields
  yield JSON.stringify(head, null, 2).slice(0, -2) + ',\n  "artifacts": ';
  yield* artifacts.chunks((a, b) => a.localeCompare(b));
  yield ',' + JSON.stringify({ files }, null, 2).slice(1) + '\n';
}

export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await writeFile(tmp, data);
    await rename(tmp, file);
  } catch (e) {
    // a half-written temp file is never left beside the real one
    await rm(tmp, { force: true });
    throw asDiskFull(e, file);
  }
}
