import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { iterateNdjson, readChecked } from '../../src/report/read.js';

const bundle = mkdtempSync(path.join(tmpdir(), 'soc2-read-'));
afterAll(() => rmSync(bundle, { recursive: true, force: true }));
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

function put(rel: string, text: string): string {
  mkdirSync(path.dirname(path.join(bundle, rel)), { recursive: true });
  writeFileSync(path.join(bundle, rel), text);
  return sha(text);
}

async function records(rel: string, sha256: string): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const r of iterateNdjson(bundle, rel, sha256)) out.push(r);
  return out;
}

describe('iterateNdjson', () => {
  it('yields every record of a file larger than its read chunk, across \\n, \\r\\n and \\r breaks, multi-byte characters split anywhere', async () => {
    const rows = Array.from({ length: 12000 }, (_, i) => ({ i, name: `ü-✓-${'x'.repeat(i % 97)}` }));
    const breaks = ['\n', '\r\n', '\r'];
    const text = rows.map((r, i) => JSON.stringify(r) + breaks[i % 3]).join('') + '\n\n';
    expect(Buffer.byteLength(text)).toBeGreaterThan(512 * 1024);
    expect(await records('a/rows.ndjson', put('a/rows.ndjson', text))).toEqual(rows);
  });

  it('names the line that is not JSON, and a file whose bytes differ from its SHA-256', async () => {
    const s = put('bad.ndjson', '{"a":1}\r\n\r\n{oops}\n');
    await expect(records('bad.ndjson', s)).rejects.toThrow(/bad\.ndjson: line 3 is not valid JSON/);
    // a \r\n split by the end of the first 256 KiB read is still one line break
    const first = JSON.stringify({ pad: 'p'.repeat(256 * 1024 - 1 - 10) });
    expect(first.length + 1).toBe(256 * 1024);
    const split = put('split.ndjson', `${first}\r\n{"b":2}\n{oops}\n`);
    await expect(records('split.ndjson', split)).rejects.toThrow(/split\.ndjson: line 3 is not valid JSON/);
    put('changed.ndjson', '{"a":1}\n');
    await expect(records('changed.ndjson', sha('{"a":2}\n'))).rejects.toThrow(/changed\.ndjson: content does not match its SHA-256/);
  });
});

describe('readChecked', () => {
  it('returns the text, and refuses (or with lenient, flags) bytes that differ from the SHA-256', async () => {
    const s = put('f.json', '{"x":1}');
    expect(await readChecked(bundle, 'f.json', s)).toEqual({ text: '{"x":1}', ok: true });
    await expect(readChecked(bundle, 'f.json', sha('other'))).rejects.toThrow(/f\.json: content does not match/);
    expect(await readChecked(bundle, 'f.json', sha('other'), { lenient: true })).toEqual({ text: '{"x":1}', ok: false });
  });
});
