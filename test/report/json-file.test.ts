import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { writeJsonFile } from '../../src/report/json-file.js';

const dir = mkdtempSync(path.join(tmpdir(), 'soc2-json-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** what the file must hold: JSON.stringify's layout, byte for byte */
async function roundTrip(value: unknown): Promise<{ written: string; expected: string }> {
  const file = path.join(dir, `v${Math.random().toString(36).slice(2)}.json`);
  await writeJsonFile(file, value);
  return { written: readFileSync(file, 'utf8'), expected: JSON.stringify(value, null, 2) + '\n' };
}

describe('writeJsonFile', () => {
  const cases: Record<string, unknown> = {
    'nested objects and arrays deeper than the streamed levels': { a: { b: { c: { d: [1, { e: [[], {}, [null]] }] } } }, f: [[[[['deep']]]]] },
    'empty containers at every level': { a: {}, b: [], c: [{}, []], d: { e: {}, f: [] } },
    'left-out values: undefined and functions in objects, null in arrays': { a: undefined, b: () => 1, c: [undefined, () => 2, 3], d: { only: undefined } },
    'strings with newlines, quotes, unicode and control characters': { 'k\ney': 'line\nbreak "q" — ✓ \u0001 \u2028', list: ['a\r\nb', '\t'] },
    'Dates and other toJSON values as leaves': { at: new Date('2026-12-04T20:00:00Z'), nested: [{ at: new Date(0) }], custom: { toJSON: () => ({ x: 1 }) } },
    'scalars at the top and in arrays': [1, -0, 1.5e300, true, false, null, 'x'],
    'a plain string': 'just text',
    'an empty object': {},
    'a long array below the streamed levels (walked element by element)': { a: { b: { c: { list: Array.from({ length: 300 }, (_, i) => ({ i, sub: [i, { s: `x\n${i}` }], gone: undefined })) } } } },
  };
  for (const [name, value] of Object.entries(cases)) {
    it(`writes what JSON.stringify(v, null, 2) gives: ${name}`, async () => {
      const { written, expected } = await roundTrip(value);
      expect(written).toBe(expected);
    });
  }

  it('writes a value larger than one chunk (a megabyte) the same way', async () => {
    const rows = Array.from({ length: 20_000 }, (_, i) => ({ id: `row-${i}`, tags: { n: i, even: i % 2 === 0 }, path: ['a', 'b', { c: i }] }));
    const { written, expected } = await roundTrip({ artifacts: rows, summary: { rows: rows.length } });
    expect(written.length).toBeGreaterThan(2 << 20);
    expect(written).toBe(expected);
  });

  it('fails when the file cannot be written', async () => {
    await expect(writeJsonFile(path.join(dir, 'no-such-dir', 'x.json'), { a: 1 })).rejects.toThrow(/ENOENT/);
  });
});
