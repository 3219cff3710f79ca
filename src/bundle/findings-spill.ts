// The run's findings, kept on disk instead of in memory until findings.json is written: an organization
// of hundreds of accounts has tens of thousands of findings (their exceptions listing resources), which
// would otherwise all be held to the end of the run. Each finding is written to a spill file when its
// check ends; only its sort key, place and status stay in memory. findings.json is then streamed from
// the spill file in the format's order, byte for byte what JSON.stringify(sorted, null, 2) + '\n' gives.
import { closeSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { asDiskFull } from '../core/errors.js';
import type { Finding, FindingStatus } from '../core/types.js';

interface Entry {
  check: string;
  source: string;
  scope: string;
  at: number;
  bytes: number;
}

export class FindingSpill {
  private readonly fd: number;
  private size = 0;
  private closed = false;
  private readonly entries: Entry[] = [];
  readonly summary: Record<FindingStatus, number> = { pass: 0, fail: 0, error: 0, not_applicable: 0 };

  /** `file`: a path no one else uses (inside the bundle's .partial dir; removed by `close`) */
  constructor(private readonly file: string) {
    try {
      this.fd = openSync(file, 'wx+');
    } catch (e) {
      throw asDiskFull(e, file);
    }
  }

  add(f: Finding): void {
    // an element of a 2-space-indented array: the finding's own indented text, each line two deeper
    const text = Buffer.from(JSON.stringify(f, null, 2).replace(/\n/g, '\n  '));
    try {
      writeSync(this.fd, text, 0, text.length, this.size);
    } catch (e) {
      // a full disk stops the run with one line naming the path, as any other write of the bundle does
      throw asDiskFull(e, this.file);
    }
    this.entries.push({ check: f.check, source: f.source, scope: JSON.stringify(f.scope), at: this.size, bytes: text.length });
    this.size += text.length;
    this.summary[f.status]++;
  }

  get count(): number {
    return this.entries.length;
  }

  /** findings.json's text in pieces: sorted by check, source, then scope (as the runner always sorted them). */
  *chunks(): Generator<string> {
    const sorted = [...this.entries].sort((a, b) => a.check.localeCompare(b.check) || a.source.localeCompare(b.source) || a.scope.localeCompare(b.scope));
    if (sorted.length === 0) {
      yield '[]\n';
      return;
    }
    yield '[\n';
    for (const [i, e] of sorted.entries()) {
      const buf = Buffer.alloc(e.bytes);
      // a short read would put zeros into findings.json, which is then hashed and signed
      for (let got = 0, n; got < e.bytes; got += n) if ((n = readSync(this.fd, buf, got, e.bytes - got, e.at + got)) === 0) throw new Error(`${this.file}: ends before the finding spilled at byte ${e.at} (${got} of ${e.bytes} bytes read)`);
      yield `  ${buf.toString('utf8')}${i < sorted.length - 1 ? ',\n' : '\n'}`;
    }
    yield ']\n';
  }

  /** Closes and removes the spill file (again: nothing); before the bundle is finalized, so it is never in it. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    rmSync(this.file, { force: true });
  }
}
