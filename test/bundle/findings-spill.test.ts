// findings.json streamed from the spill file is byte for byte what the runner wrote when it held every
// finding: JSON.stringify(sorted by check, source, scope; 2-space indent) + '\n'.
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { FindingSpill } from '../../src/bundle/findings-spill.js';
import type { Finding } from '../../src/core/types.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'soc2-spill-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const finding = (check: string, account: string, status: Finding['status'], exceptions: Finding['exceptions'] = []): Finding => ({
  check, title: `title of ${check}`, severity: 'high', criteria: ['CC6.1'], status, summary: 'a "quoted"\nsummary — ü', exceptions, artifacts: [`artifacts/org/x/${account}/a.json`], collector: 'x', source: 'org', scope: { account },
});

test('the spilled findings come out sorted, as JSON.stringify would write them, and the spill file is removed', () => {
  const file = path.join(dir, 'a.spill');
  const spill = new FindingSpill(file);
  const all = [finding('b.check', '222222222222', 'fail', [{ resource: 'r1', reason: 'why\nnot' }]), finding('a.check', '333333333333', 'pass'), finding('a.check', '111111111111', 'error'), finding('b.check', '111111111111', 'not_applicable')];
  for (const f of all) spill.add(f);
  const text = [...spill.chunks()].join('');
  const sorted = [...all].sort((a, b) => a.check.localeCompare(b.check) || a.source.localeCompare(b.source) || JSON.stringify(a.scope).localeCompare(JSON.stringify(b.scope)));
  expect(text).toBe(JSON.stringify(sorted, null, 2) + '\n');
  expect(spill.summary).toEqual({ pass: 1, fail: 1, error: 1, not_applicable: 1 });
  spill.close();
  spill.close();
  expect(existsSync(file)).toBe(false);
});

test('no findings: an empty list', () => {
  const spill = new FindingSpill(path.join(dir, 'b.spill'));
  expect([...spill.chunks()].join('')).toBe('[]\n');
  spill.close();
});
