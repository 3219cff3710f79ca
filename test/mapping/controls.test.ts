// The control register is data, linted like the mappings: unknown checks, criteria and frequencies
// fail, and a control cannot claim a criterion its checks do not map to as primary.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { lintRegister, loadRegister, untestedChecks } from '../../src/mapping/controls.js';
import { loadMappings } from '../../src/mapping/index.js';
import { repoRoot } from '../helpers/cli.js';

const m = loadMappings();
const fixture = (f: string) => path.join(repoRoot, 'fixtures', 'controls', f);

describe('control register', () => {
  it('the shipped register lints clean and tests every check of every collector', () => {
    const r = loadRegister();
    expect(r.controls.length).toBeGreaterThan(10);
    expect(lintRegister(r, m, collectors)).toEqual([]);
    expect(untestedChecks(r, collectors)).toEqual([]);
  });

  it('CC4.1 is addressed by the collection-continuity control', () => {
    const cc41 = loadRegister().controls.filter((c) => c.criteria.includes('CC4.1'));
    expect(cc41.map((c) => c.tests.checks)).toEqual([['soc2.collection-continuity']]);
  });

  it('an unknown frequency fails naming the file and the path', () => {
    expect(() => loadRegister(fixture('bad-frequency.yaml'))).toThrow(/bad-frequency\.yaml: controls\[0\]\.frequency: .*continuous.*per-event/);
  });

  it('unknown checks and criteria, and over-claimed criteria, are lint errors', () => {
    const errors = lintRegister(loadRegister(fixture('over-claim.yaml')), m, collectors);
    expect(errors).toEqual([
      'over-claim.yaml: control X-02: unknown check aws-iam.no-such-check',
      'over-claim.yaml: control X-02: unknown criterion CC99.9',
      'over-claim.yaml: control X-02: addresses CC1.3, but none of its checks maps to CC1.3 as primary (add a manual test, or list it under supports)',
      'over-claim.yaml: control X-02: supports CC9.2, but none of its checks maps to CC9.2',
    ]);
  });

  it('a directory without YAML and a missing path are one-line usage errors', () => {
    expect(() => loadRegister(path.join(repoRoot, 'docs'))).toThrow(/docs: no \*\.yaml control files/);
    expect(() => loadRegister('/nonexistent/controls', 'soc2.config.yaml: controls: ')).toThrow('soc2.config.yaml: controls: /nonexistent/controls: control register not found');
  });

  it('every default control names an owner and a known frequency', () => {
    const text = readFileSync(path.join(repoRoot, 'controls', 'access.yaml'), 'utf8');
    expect(text).toContain('frequency: quarterly');
    for (const c of loadRegister().controls) expect(c.owner.length, c.id).toBeGreaterThan(2);
  });
});
