// `soc2 verify`: recomputes every size and hash, finds missing/extra/changed files, checks
// signatures and the chain. Never follows a symlink or a path that leaves the bundle.
import { createHash, type KeyObject, createPublicKey } from 'node:crypto';
import { constants, existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { printable } from '../core/log.js';
import { mapPool } from '../core/pool.js';
import { BUNDLE_FORMAT, BUNDLE_ID, FINDINGS, isSafeRelativePath, manifestShapeProblem, MANIFEST, PARTIAL_SUFFIX, SIGNATURE, type Manifest } from './manifest.js';
import { keyIdOf, verifySignature } from './sign.js';
import { listBundleDirs, READ_NO_FOLLOW } from './store.js';

export interface Problem {
  bundle: string;
  file?: string;
  message: string;
}

export interface VerifyResult {
  target: string;
  bundles: { id: string; status?: string; stream: string | null; signed: boolean; ok: boolean }[];
  problems: Problem[];
  ok: boolean;
}

interface Checked {
  id: string;
  manifest: Manifest | null;
  manifestSha256: string | null;
}

function walk(root: string, rel: string, out: string[], problems: Problem[], bundle: string): void {
  for (const e of readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isSymbolicLink()) problems.push({ bundle, file: r, message: 'is a symbolic link; bundles hold only regular files' });
    else if (e.isDirectory()) walk(root, r, out, problems, bundle);
    else if (e.isFile()) out.push(r);
    else problems.push({ bundle, file: r, message: 'is not a regular file' });
  }
}

// ── hashing, several files at a time ──
// Hashing one file after another leaves the disk and libuv's threadpool idle while the main thread
// hashes, and the main thread idle while a file is opened, read and closed (four round trips through
// the threadpool for a typical bundle file of tens of KB). With a few files in flight both stay busy.
// HASH_SLOTS = 2 × libuv's default threadpool (4 threads): every thread has a request queued behind
// the one it runs, and more would only lengthen the queue. Memory stays bounded: each slot owns one
// HASH_CHUNK buffer that its files are read into, chunk by chunk, whatever their size.
const HASH_SLOTS = 8;
const HASH_CHUNK = 256 * 1024;
/**
 * Bundles checked at once. A bundle is a manifest, a walk and ~25 files: two or three keep the hash
 * slots fed across bundle boundaries (the next bundle's manifest and walk run while the last files of
 * the previous one hash); the results are collected per bundle and reported in bundle order.
 */
const BUNDLES_IN_FLIGHT = 4;

type Hashed = { sha256: string; bytes: number } | { refused: 'symlink' | 'not-regular' | 'missing' };

/** Runs `fn` with one of `n` read buffers; waits while all are in use. */
function hashSlots(n: number): <T>(fn: (buf: Buffer) => Promise<T>) => Promise<T> {
  const free: Buffer[] = Array.from({ length: n }, () => Buffer.allocUnsafe(HASH_CHUNK));
  const waiting: ((buf: Buffer) => void)[] = [];
  return async (fn) => {
    const buf = free.pop() ?? (await new Promise<Buffer>((r) => waiting.push(r)));
    try {
      return await fn(buf);
    } finally {
      const next = waiting.shift();
      if (next) next(buf);
      else free.push(buf);
    }
  };
}

/**
 * SHA-256 and size of a file the walk found to be regular, streamed through `buf`. Opened without
 * following a symlink (READ_NO_FOLLOW) and without blocking on a FIFO (O_NONBLOCK), and hashed only if
 * the opened file is regular: the file could have been swapped since the walk.
 */
async function hashRegularFile(abs: string, buf: Buffer): Promise<Hashed> {
  let fh: FileHandle;
  try {
    fh = await open(abs, READ_NO_FOLLOW | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return { refused: 'symlink' };
    if (code === 'ENOENT') return { refused: 'missing' };
    throw e;
  }
  try {
    if (!(await fh.stat()).isFile()) return { refused: 'not-regular' };
    const h = createHash('sha256');
    let bytes = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      bytes += bytesRead;
      // a short read of a regular file is its end: no extra round trip to read nothing
      if (bytesRead < buf.length) break;
    }
    return { sha256: h.digest('hex'), bytes };
  } finally {
    await fh.close();
  }
}

/** Checks one bundle; its problems are pushed to `problems` in a fixed order, whatever order its files hash in. */
async function verifyBundle(dir: string, name: string, publicKey: KeyObject | null, problems: Problem[], slot: ReturnType<typeof hashSlots>): Promise<Checked> {
  const p = (message: string, file?: string) => problems.push({ bundle: name, ...(file ? { file } : {}), message });
  const result: Checked = { id: name, manifest: null, manifestSha256: null };
  const st = lstatSync(dir);
  if (st.isSymbolicLink()) {
    p('bundle directory is a symbolic link');
    return result;
  }
  const manifestPath = path.join(dir, MANIFEST);
  if (!existsSync(manifestPath) || !lstatSync(manifestPath).isFile()) {
    p('manifest is missing', MANIFEST);
    return result;
  }
  const bytes = readFileSync(manifestPath);
  result.manifestSha256 = createHash('sha256').update(bytes).digest('hex');
  let m: Manifest;
  try {
    m = JSON.parse(bytes.toString('utf8'));
    if (!m || typeof m !== 'object' || Array.isArray(m)) throw new Error('not an object');
  } catch (e) {
    p(`manifest is not valid JSON (${(e as Error).message.split('\n')[0]})`, MANIFEST);
    return result;
  }
  if (m.format !== BUNDLE_FORMAT) p(`unknown format ${JSON.stringify(m.format)}; expected ${BUNDLE_FORMAT}`, MANIFEST);
  if (m.id !== name) p(`manifest id ${JSON.stringify(m.id)} does not match the directory name`, MANIFEST);
  if (!Array.isArray(m.files) || !Array.isArray(m.artifacts)) {
    p('manifest lacks files[] or artifacts[]', MANIFEST);
    return result;
  }
  const shape = manifestShapeProblem(m);
  if (shape) p(`manifest is malformed: ${shape}`, MANIFEST);
  result.manifest = m;

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

  const present: string[] = [];
  walk(dir, '', present, problems, name);
  const presentSet = new Set(present);
  // every listed file hashes at once (bounded by the shared slots); the problems follow the manifest's order
  const rels = [...listed.keys()];
  const hashed = await Promise.all(rels.map((rel) => (presentSet.has(rel) ? slot((buf) => hashRegularFile(path.join(dir, ...rel.split('/')), buf)) : null)));
  rels.forEach((rel, i) => {
    const exp = listed.get(rel)!;
    const got = hashed[i];
    if (!got || ('refused' in got && got.refused === 'missing')) p('file listed in the manifest is missing', rel);
    else if ('refused' in got) p(got.refused === 'symlink' ? 'is a symbolic link; bundles hold only regular files' : 'is not a regular file', rel);
    else if (got.bytes !== exp.bytes) p(`size changed: ${got.bytes} bytes, manifest says ${exp.bytes}`, rel);
    else if (got.sha256 !== exp.sha256) p('content changed: SHA-256 does not match the manifest', rel);
  });
  const signed = m.signing != null;
  for (const rel of present) {
    if (rel === MANIFEST || listed.has(rel)) continue;
    if (rel === SIGNATURE && signed) continue;
    p('file is not listed in the manifest (added after the bundle was written)', rel);
  }

  if (signed) {
    const sigPath = path.join(dir, SIGNATURE);
    if (!presentSet.has(SIGNATURE)) p('manifest says the bundle is signed but the signature is missing', SIGNATURE);
    else {
      const sig = readFileSync(sigPath, 'utf8');
      // base64 decoding is lenient (whitespace, stray characters, unused low bits of the last digit are
      // ignored), so a changed signature file can decode to the same signature: require the exact bytes
      // the writer makes — the canonical base64 of one 64-byte Ed25519 signature and one newline
      const b64 = sig.slice(0, -1);
      if (!/^[A-Za-z0-9+/]{86}==\n$/.test(sig) || Buffer.from(b64, 'base64').toString('base64') !== b64)
        p('signature file changed: expected exactly one base64 Ed25519 signature and a newline, as written at signing', SIGNATURE);
      let embedded: KeyObject | null = null;
      try {
        embedded = createPublicKey(String(m.signing!.publicKey));
      } catch {
        p('manifest signing.publicKey is not a public key', MANIFEST);
      }
      if (embedded && keyIdOf(embedded) !== m.signing!.keyId) p('manifest signing.keyId does not match its public key', MANIFEST);
      if (embedded && !verifySignature(bytes, sig, embedded)) p("signature does not match manifest.json under the manifest's key", SIGNATURE);
      if (publicKey) {
        if (keyIdOf(publicKey) !== m.signing!.keyId) p(`signed with key ${m.signing!.keyId}, not the trusted key ${keyIdOf(publicKey)}`, SIGNATURE);
        else if (!verifySignature(bytes, sig, publicKey)) p('signature does not verify with the trusted public key', SIGNATURE);
      }
    }
  } else if (publicKey) p('bundle is not signed but a trusted public key was given', MANIFEST);
  return result;
}

function checkChain(items: Checked[], problems: Problem[]): void {
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
      if (i === 0) {
        if (prev) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: previous bundle ${prev.id} is missing from the evidence dir` });
        return;
      }
      const before = list[i - 1]!;
      if (!prev) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: no previous link, but ${before.id} comes before it` });
      else if (prev.id !== before.id) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: links to ${prev.id} but the bundle before it is ${before.id}` });
      else if (prev.manifestSha256 !== before.manifestSha256) problems.push({ bundle: c.id, file: MANIFEST, message: `chain broken: ${before.id}/manifest.json changed since this bundle linked to it` });
    });
  }
}

export async function verifyPath(target: string, opts: { publicKey?: KeyObject | null } = {}): Promise<VerifyResult> {
  const problems: Problem[] = [];
  const publicKey = opts.publicKey ?? null;
  const abs = path.resolve(target);
  const checked: Checked[] = [];
  // one set of hash slots for the whole run: at most HASH_SLOTS files open at once, across bundles
  const slot = hashSlots(HASH_SLOTS);
  if (existsSync(path.join(abs, MANIFEST))) {
    checked.push(await verifyBundle(abs, path.basename(abs), publicKey, problems, slot));
  } else {
    const { complete, partial } = listBundleDirs(abs);
    for (const p of partial) problems.push({ bundle: p, message: 'unfinished bundle (.partial) left by an interrupted collect; the next collect removes it' });
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      if (e.isSymbolicLink() && (BUNDLE_ID.test(e.name) || e.name.endsWith(PARTIAL_SUFFIX))) problems.push({ bundle: e.name, message: 'bundle directory is a symbolic link' });
    }
    // bundles are checked a few at a time, each into its own list; the lists are joined in bundle order,
    // so the problems (and their order) are the same as checking one bundle after another
    const results = await mapPool(complete, BUNDLES_IN_FLIGHT, async (id) => {
      const own: Problem[] = [];
      return { own, checked: await verifyBundle(path.join(abs, id), id, publicKey, own, slot) };
    });
    for (const r of results) {
      problems.push(...r.own);
      checked.push(r.checked);
    }
    checkChain(checked, problems);
  }
  const bad = new Set(problems.map((p) => p.bundle));
  return {
    target,
    bundles: checked.map((c) => ({ id: c.id, status: c.manifest?.status, stream: c.manifest?.stream ?? null, signed: !!c.manifest?.signing, ok: !bad.has(c.id) })),
    // file names on disk and values from manifests are untrusted: one printable line each
    problems: problems.map((q) => ({ ...q, ...(q.file !== undefined ? { file: printable(q.file) } : {}), message: printable(q.message) })),
    ok: problems.length === 0,
  };
}
