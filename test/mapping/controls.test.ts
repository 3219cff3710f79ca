// The control register is data, linted like the mappings: unknown checks, criteria and frequencies
// fail, and a control cannot claim a criterion its checks do not map to as primary.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
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

  it('every manual test of the shipped register states how often evidence is needed', () => {
    const files = readdirSync(path.join(repoRoot, 'controls')).filter((f) => f.endsWith('.yaml'));
    const stated: string[] = [];
    for (const f of files) {
      const raw = YAML.parse(readFileSync(path.join(repoRoot, 'controls', f), 'utf8')) as { controls: { id: string; tests: { manual?: { id: string; every?: string }[] } }[] };
      for (const c of raw.controls) for (const t of c.tests.manual ?? []) stated.push(`${c.id}/${t.id}: ${t.every ?? 'not stated'}`);
    }
    expect(stated.filter((s) => s.endsWith('not stated'))).toEqual([]);
    expect(stated).toContain('IAM-07/access-review: quarterly');
    expect(stated).toContain('VUL-02/pentest: annually');
    expect(stated).toContain('HR-01/security-training: annually');
    expect(stated).toContain('POL-01/policy-review: annually');
    expect(stated).toContain('IR-01/incident-response-test: annually');
    const training = loadRegister().controls.find((c) => c.id === 'HR-01')!.tests.manual[0]!;
    expect(training.per).toBe('employee');
  });

  it('an unknown `every` fails naming the file and the path', () => {
    expect(() => loadRegister(fixture('bad-every.yaml'))).toThrow(/bad-every\.yaml: controls\[0\]\.tests\.manual\[0\]\.every: .*quarterly.*annually/);
  });

  it('every in-scope criterion of the catalog but the carved-out physical ones is addressed by a control', () => {
    const addressed = new Set(loadRegister().controls.flatMap((c) => c.criteria));
    expect(m.catalog.filter((c) => !addressed.has(c.id)).map((c) => c.id)).toEqual(['CC6.4', 'CC6.5']);
  });

  it('every default control names an owner and a known frequency', () => {
    const text = readFileSync(path.join(repoRoot, 'controls', 'access.yaml'), 'utf8');
    expect(text).toContain('frequency: quarterly');
    for (const c of loadRegister().controls) expect(c.owner.length, c.id).toBeGreaterThan(2);
  });
});
