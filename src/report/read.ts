// Reading files of a bundle for the report and diff: only paths the manifest lists, never outside the
// bundle, and every byte re-hashed against the manifest's SHA-256 while it is read (the files could
// change between `verify` and the read).
// Reads are synchronous (a file is tens to hundreds of KB, and a year's report reads thousands): the
// threadpool round trips of fs/promises and a read stream per file cost more than the reads.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { isSafeRelativePath } from '../bundle/manifest.js';
import { READ_NO_FOLLOW, regularFileInside } from '../bundle/store.js';

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
  const fd = openSync(bundleFile(bundleDir, rel), READ_NO_FOLLOW);
  let buf: Buffer;
  try {
    buf = readFileSync(fd);
  } finally {
    closeSync(fd);
  }
  const ok = createHash('sha256').update(buf).digest('hex') === sha256;
  if (!ok && !o.lenient) throw new ChangedFileError(path.basename(bundleDir), rel, 'content does not match its SHA-256 in the manifest');
  return { text: buf.toString('utf8'), ok };
}

const NDJSON_CHUNK = 256 * 1024;
/** line breaks as readline knows them */
const LINE_BREAK = /\r\n|\r|\n/;

/** Streams an NDJSON file record by record, hashing as it goes; throws at the end if the hash differs. */
export async function* iterateNdjson<T = unknown>(bundleDir: string, rel: string, sha256: string): AsyncGenerator<T> {
  const h = createHash('sha256');
  // unsafe paths, symlinks and FIFOs: a ChangedFileError before anything is opened
  const fd = openSync(bundleFile(bundleDir, rel), READ_NO_FOLLOW);
  try {
    const buf = Buffer.allocUnsafe(NDJSON_CHUNK);
    const decoder = new StringDecoder('utf8');
    let carry = '';
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      const end = got === 0;
      if (!end) h.update(buf.subarray(0, got));
      let text = carry + (end ? decoder.end() : decoder.write(buf.subarray(0, got)));
      carry = '';
      // a \r at a chunk's end may be the first half of \r\n
      if (!end && text.endsWith('\r')) {
        carry = '\r';
        text = text.slice(0, -1);
      }
      const lines = text.split(LINE_BREAK);
      if (!end) carry = lines.pop()! + carry;
      for (const line of lines) {
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
      if (end) break;
    }
  } finally {
    closeSync(fd);
  }
  if (h.digest('hex') !== sha256) throw new ChangedFileError(path.basename(bundleDir), rel, 'content does not match its SHA-256 in the manifest');
}
