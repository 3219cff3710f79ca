// Reading files of a bundle for the report and diff: only paths the manifest lists, never outside the
// bundle, and every byte re-hashed against the manifest's SHA-256 while it is read (the files could
// change between `verify` and the read).
import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { isSafeRelativePath } from '../bundle/manifest.js';
import { bundleFileStream, READ_NO_FOLLOW, regularFileInside } from '../bundle/store.js';

export class ChangedFileError extends Error {
  constructor(
    readonly bundle: string,
    readonly file: string,
    message: string,
  ) {
    super(`${bundle}/${file}: ${message}`);
    this.name = 'ChangedFileError';
  }
}

export function bundleFile(bundleDir: string, rel: string): string {
  if (!isSafeRelativePath(rel)) throw new ChangedFileError(path.basename(bundleDir), String(rel), 'unsafe path in the manifest');
  try {
    // a symlink or FIFO planted in the bundle is never followed or opened
    return regularFileInside(bundleDir, rel);
  } catch (e) {
    throw new ChangedFileError(path.basename(bundleDir), rel, (e as Error).message.slice(rel.length + 2));
  }
}

/** Reads a whole (small) file and checks its SHA-256; `lenient` returns the bytes even when it differs. */
export async function readChecked(bundleDir: string, rel: string, sha256: string, o: { lenient?: boolean } = {}): Promise<{ text: string; ok: boolean }> {
  const fh = await open(bundleFile(bundleDir, rel), READ_NO_FOLLOW);
  let buf: Buffer;
  try {
    buf = await fh.readFile();
  } finally {
    await fh.close();
  }
  const ok = createHash('sha256').update(buf).digest('hex') === sha256;
  if (!ok && !o.lenient) throw new ChangedFileError(path.basename(bundleDir), rel, 'content does not match its SHA-256 in the manifest');
  return { text: buf.toString('utf8'), ok };
}

/** Streams an NDJSON file record by record, hashing as it goes; throws at the end if the hash differs. */
export async function* iterateNdjson<T = unknown>(bundleDir: string, rel: string, sha256: string): AsyncGenerator<T> {
  const h = createHash('sha256');
  bundleFile(bundleDir, rel); // unsafe paths, symlinks and FIFOs: a ChangedFileError before anything is opened
  const stream = bundleFileStream(bundleDir, rel);
  stream.on('data', (c) => h.update(c as Buffer));
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.trim()) continue;
    let v: T;
    try {
      v = JSON.parse(line) as T;
    } catch {
      throw new ChangedFileError(path.basename(bundleDir), rel, `line ${n} is not valid JSON`);
    }
    yield v;
  }
  if (h.digest('hex') !== sha256) throw new ChangedFileError(path.basename(bundleDir), rel, 'content does not match its SHA-256 in the manifest');
}
