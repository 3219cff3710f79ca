// Writes a value as JSON to a file, byte for byte what `JSON.stringify(value, null, 2) + '\n'` gives,
// without holding the whole text: a year's report.json is ~55 MB, and as one string (plus its Buffer)
// it set the report's peak memory. Objects and arrays are walked down to STREAM_DEPTH levels, and
// deeper where a long array sits within two levels (OSCAL's observations); below that each value is
// one JSON.stringify (one call per artifact row is faster than one per field),
// re-indented (JSON escapes newlines inside strings, so every raw newline of its output is a line
// break of the layout). The walk is synchronous and writes each ~1 MB chunk with writeSync: an await
// per emitted piece (hundreds of thousands of them) cost more than the serialization itself.
import { closeSync, openSync, writeSync } from 'node:fs';

const STREAM_DEPTH = 2;
/** arrays at least this long (or a container holding one within two levels) are walked at any depth, so no one JSON.stringify makes a huge string */
const LONG_ARRAY = 256;
const LOOK_DOWN = 2;
const FLUSH_CHARS = 1 << 20;

/** Text appended piece by piece, written to the file whenever it reaches FLUSH_CHARS. */
class Sink {
  private pending = '';
  constructor(private readonly fd: number) {}
  emit(s: string): void {
    this.pending += s;
    if (this.pending.length >= FLUSH_CHARS) this.flush();
  }
  flush(): void {
    if (!this.pending) return;
    const chunk = this.pending;
    this.pending = '';
    const buf = Buffer.from(chunk, 'utf8');
    for (let off = 0; off < buf.length; ) off += writeSync(this.fd, buf, off, buf.length - off);
  }
}

const isContainer = (v: unknown): v is object => v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function';

/** A long array, or a container with one `levels` levels down: too large for one JSON.stringify. */
function holdsLongArray(v: object, levels: number): boolean {
  if (Array.isArray(v)) {
    if (v.length >= LONG_ARRAY) return true;
    if (levels > 0) for (const x of v) if (isContainer(x) && holdsLongArray(x, levels - 1)) return true;
    return false;
  }
  if (levels > 0)
    for (const k in v) {
      const x = (v as Record<string, unknown>)[k];
      if (Object.hasOwn(v, k) && isContainer(x) && holdsLongArray(x, levels - 1)) return true;
    }
  return false;
}

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

/** `row`: an element of a long array (an artifact, an observation): a table's rows are small, and never looked into. */
function emitValue(v: unknown, indent: string, depth: number, out: Sink, row = false): void {
  if (!isContainer(v) || (depth >= STREAM_DEPTH && (row || !holdsLongArray(v, LOOK_DOWN)))) {
    const text = JSON.stringify(v, null, 2);
    out.emit(indent ? text.replace(/\n/g, `\n${indent}`) : text);
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return out.emit('[]');
    out.emit('[\n');
    const rows = v.length >= LONG_ARRAY;
    for (let i = 0; i < v.length; i++) {
      out.emit(i ? `,\n${inner}` : inner);
      emitValue(omitted(v[i]) ? null : v[i], inner, depth + 1, out, rows);
    }
    return out.emit(`\n${indent}]`);
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !omitted(x));
  if (entries.length === 0) return out.emit('{}');
  out.emit('{\n');
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    out.emit(`${i ? ',\n' : ''}${inner}${JSON.stringify(k)}: `);
    emitValue(x, inner, depth + 1, out);
  }
  out.emit(`\n${indent}}`);
}

/** JSON.stringify(value, null, 2) + '\n' into `file`, written in chunks of about a megabyte. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const fd = openSync(file, 'w');
  try {
    const out = new Sink(fd);
    emitValue(value, '', 0, out);
    out.emit('\n');
    out.flush();
  } finally {
    closeSync(fd);
  }
}
