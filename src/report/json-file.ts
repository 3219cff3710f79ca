// Writes a value as JSON to a file, byte for byte what `JSON.stringify(value, null, 2) + '\n'` gives,
// without holding the whole text: a year's report.json is ~60 MB, and as one string (plus its Buffer)
// it set the report's peak memory. Objects and arrays are walked down to STREAM_DEPTH levels; below
// that each value is one JSON.stringify, re-indented (JSON escapes newlines inside strings, so every
// raw newline of its output is a line break of the layout).
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';

const STREAM_DEPTH = 3;
const FLUSH_CHARS = 1 << 20;

type Emit = (s: string) => void | Promise<void>;

/** What JSON.stringify leaves out of an object (and writes as null in an array). */
const omitted = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

async function emitValue(v: unknown, indent: string, depth: number, emit: Emit): Promise<void> {
  const container = v !== null && typeof v === 'object' && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
  if (!container || depth >= STREAM_DEPTH) {
    const text = JSON.stringify(v, null, 2);
    await emit(indent ? text.replace(/\n/g, `\n${indent}`) : text);
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(v)) {
    if (v.length === 0) return void (await emit('[]'));
    await emit('[\n');
    for (let i = 0; i < v.length; i++) {
      await emit(i ? `,\n${inner}` : inner);
      await emitValue(omitted(v[i]) ? null : v[i], inner, depth + 1, emit);
    }
    return void (await emit(`\n${indent}]`));
  }
  const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => !omitted(x));
  if (entries.length === 0) return void (await emit('{}'));
  await emit('{\n');
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    await emit(`${i ? ',\n' : ''}${inner}${JSON.stringify(k)}: `);
    await emitValue(x, inner, depth + 1, emit);
  }
  await emit(`\n${indent}}`);
}

/** JSON.stringify(value, null, 2) + '\n' into `file`, written in chunks of about a megabyte. */
export async function writeJsonFile(file: string, value: unknown): Promise<void> {
  const out = createWriteStream(file);
  const failed = once(out, 'error').then(([e]) => Promise.reject(e));
  failed.catch(() => {});
  let pending = '';
  const flush = async () => {
    if (!pending) return;
    const chunk = pending;
    pending = '';
    if (!out.write(chunk)) await Promise.race([once(out, 'drain'), failed]);
  };
  const emit: Emit = (s) => {
    pending += s;
    if (pending.length >= FLUSH_CHARS) return flush();
  };
  await emitValue(value, '', 0, emit);
  pending += '\n';
  await flush();
  out.end();
  await Promise.race([once(out, 'finish'), failed]);
}
