// Entries of a bundle's JSON arrays kept on disk instead of in memory until the file holding the array
// is written: an organization of hundreds of accounts has tens of thousands of findings (their exceptions
// listing resources) and thousands of manifest artifact entries, which would otherwise all be held to the
// end of the run. Each entry's indented text is written to a spill file when it is made; only its sort
// key and place stay in memory. The array is then streamed from the spill file in the format's order,
// byte for byte what JSON.stringify(sorted, null, 2) gives at that depth.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { asDiskFull } from '../core/errors.js';
import type { Finding, FindingStatus } from '../core/types.js';

interface Placed<K> {
  key: K;
  at: number;
  bytes: number;
}

/** One JSON array's elements on disk, as an element at `depth` of JSON.stringify(…, null, 2) writes them. */
export class SpilledArray<K> {
  private readonly fd: number;
  private size = 0;
  private closed = false;
  private readonly placed: Placed<K>[] = [];
  private readonly indent: string;

  /** `file`: a path no one else uses (inside the bundle's .partial dir; removed by `close`) */
  constructor(
    private readonly file: string,
    depth: number,
  ) {
    this.indent = '  '.repeat(depth);
    try {
      this.fd = openSync(file, 'wx+');
    } catch (e) {
      throw asDiskFull(e, file);
    }
  }

  add(value: unknown, key: K): void {
    // an element of an indented array: the value's own indented text, each line `depth` deeper
    const text = Buffer.from(this.indent + JSON.stringify(value, null, 2).replace(/\n/g, '\n' + this.indent));
    try {
      writeSync(this.fd, text, 0, text.length, this.size);
    } catch (e) {
      // a full disk stops the run with one line naming the path, as any other write of the bundle does
      throw asDiskFull(e, this.file);
    }
    this.placed.push({ key, at: this.size, bytes: text.length });
    this.size += text.length;
  }

  get count(): number {
    return this.placed.length;
  }

  /** The array's text in pieces, its elements in `order` of their keys. */
  *chunks(order: (a: K, b: K) => number): Generator<string> {
    const sorted = [...this.placed].sort((a, b) => order(a.key, b.key));
    if (sorted.length === 0) {
      yield '[]';
      return;
    }
    yield '[\n';
    for (const [i, e] of sorted.entries()) yield `${this.text(e)}${i < sorted.length - 1 ? ',\n' : '\n'}`;
    yield `${this.indent.slice(2)}]`;
  }

  private text(e: Placed<K>): string {
    const buf = Buffer.alloc(e.bytes);
    // a short read would put zeros into the file, which is then hashed and signed
    for (let got = 0, n; got < e.bytes; got += n) if ((n = readSync(this.fd, buf, got, e.bytes - got, e.at + got)) === 0) throw new Error(`${this.file}: ends before the entry spilled at byte ${e.at} (${got} of ${e.bytes} bytes read)`);
    return buf.toString('utf8');
  }

  /** Closes and removes the spill file (again: nothing); before the bundle is finalized, so it is never in it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.file, { force: true });
  }
}

interface FindingKey {
  check: string;
  source: string;
  scope: string;
}

/** The run's findings: findings.json is the top-level array, sorted by check, source, then scope. */
export class FindingSpill {
  private readonly spill: SpilledArray<FindingKey>;
  readonly summary: Record<FindingStatus, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0 };

  constructor(file: string) {
    this.spill = new SpilledArray(file, 1);
  }

  add(f: Finding): void {
    this.spill.add(f, { check: f.check, source: f.source, scope: JSON.stringify(f.scope) });
    this.summary[f.status]++;
  }

  get count(): number {
    return this.spill.count;
  }

  /** findings.json's text in pieces: sorted by check, source, then scope (as the runner always sorted them). */
  *chunks(): Generator<string> {
    yield* this.spill.chunks((a, b) => a.check.localeCompare(b.check) || a.source.localeCompare(b.source) || a.scope.localeCompare(b.scope));
    yield '\n';
  }

  close(): void {
    this.spill.close();
  }
}
