// Keeps collector ids, folders, README docs and mappings in step (as ESLint's build fails when a
// rule lacks its doc).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { criteriaInScope, lintMappings, loadMappings, type Mappings } from '../../src/mapping/index.js';
import { repoRoot } from '../helpers/cli.js';
import YAML from 'yaml';

describe('mappings', () => {
  const m = loadMappings();

  it('catalog holds the 61 criteria of the recorded reference catalog', () => {
    expect(m.catalog).toHaveLength(61);
    const ref = readFileSync(path.join(repoRoot, 'fixtures', 'reference', 'tsc-2017.yaml'), 'utf8');
    const refIds = [...ref.matchAll(/\{id: ([A-Z0-9.]+),/g)].map((x) => x[1]);
    expect(m.catalog.map((c) => c.id)).toEqual(refIds);
    expect(m.catalog.find((c) => c.id === 'CC1.3')!.title).toContain('reporting lines');
  });

  it('lints clean against the registered collectors', () => {
    expect(lintMappings(m, collectors)).toEqual([]);
  });

  it('catches unknown criteria, unknown or unmapped kinds and checks', () => {
    const kind = collectors[0]!.meta.artifacts[0]!.kind;
    const check = collectors[0]!.checks[0]!.id;
    const broken: Mappings = structuredClone(m);
    broken.artifacts[kind] = { criteria: ['CC99.1'], rationale: 'x'.repeat(20) };
    delete broken.checks[check];
    broken.checks['nope.check'] = { criteria: ['CC6.1'], rationale: 'x'.repeat(20) };
    broken.artifacts['nope.kind'] = { criteria: ['CC6.1'], rationale: 'x'.repeat(20) };
    const errors = lintMappings(broken, collectors);
    expect(errors).toContain(`soc2-ml.yaml: artifacts.${kind}: unknown criterion CC99.1`);
    expect(errors).toContain(`soc2-ml.yaml: check ${check} has no mapping`);
    expect(errors).toContain('soc2-ml.yaml: checks.nope.check: no collector has this check');
    expect(errors).toContain('soc2-ml.yaml: artifacts.nope.kind: no collector writes this artifact kind');
  });

  it('scopes A/C/PI/P criteria by category and always keeps Security', () => {
    expect(criteriaInScope(m, []).every((c) => c.category === 'Security')).toBe(true);
    expect(criteriaInScope(m, ['availability']).map((c) => c.id)).toContain('A1.2');
  });
});

describe('collector folders', () => {
  // folders starting with _ hold code shared by collectors
  const dirs = readdirSync(path.join(repoRoot, 'collectors'), { withFileTypes: true }).filter((d) => d.isDirectory() && !d.name.startsWith('_')).map((d) => d.name).sort();

  it('every folder is registered and every registered collector has its folder', () => {
    expect(collectors.map((c) => c.meta.id).sort()).toEqual(dirs);
  });

  it.each(collectors.map((c) => [c.meta.id, c] as const))('%s: README documents every artifact kind, check and permission', (id, c) => {
    const readme = path.join(repoRoot, 'collectors', id, 'README.md');
    expect(existsSync(readme), `${readme} missing`).toBe(true);
    const text = readFileSync(readme, 'utf8');
    expect(text.startsWith(`# ${id}`)).toBe(true);
    for (const a of c.meta.artifacts) expect(text, `README of ${id} lacks ${a.kind}`).toContain(a.kind);
    for (const k of c.checks) expect(text, `README of ${id} lacks ${k.id}`).toContain(k.id);
    for (const p of c.meta.permissions) expect(text, `README of ${id} lacks ${p}`).toContain(p);
  });

  it.each(collectors.map((c) => [c.meta.id, c] as const))('%s: ids and files are well formed', (id, c) => {
    for (const k of c.checks) expect(k.id.startsWith(`${id}.`), k.id).toBe(true);
    const files = c.meta.artifacts.map((a) => a.file);
    expect(new Set(files).size).toBe(files.length);
    for (const f of files) expect(f).toMatch(/^[a-z0-9-]+\.(json|ndjson|csv)$/);
    for (const p of c.meta.permissions) expect(p).toMatch(/^[a-z0-9-]+:[A-Za-z]+$|^[a-z]+\.[A-Za-z.]+$/);
  });

  it('mapping rationale is written for every entry', () => {
    const raw = YAML.parse(readFileSync(path.join(repoRoot, 'mappings', 'soc2-ml.yaml'), 'utf8'));
    for (const section of ['artifacts', 'checks']) for (const [k, v] of Object.entries<any>(raw[section])) expect(v.rationale.length, k).toBeGreaterThan(20);
  });
});

describe('mapping review (issue 15)', () => {
  const m = loadMappings();
  it.each([
    ['aws-iam.admin-principals', 'CC1.3'],
    ['vertex-endpoints.inference-logging', 'CC7.3'],
    ['vertex-endpoints.inference-logging', 'PI1.2'],
    ['vertex-endpoints.inference-logging', 'PI1.4'],
    ['mlflow-registry.failed-registrations', 'CC7.1'],
    ['aws-iam.external-trust', 'CC9.2'],
    ['aws-iam.access-key-age', 'CC6.2'],
    ['aws-iam.password-policy', 'CC6.2'],
    ['aws-secrets-manager.rotation-enabled', 'CC6.2'],
    ['aws-secrets-manager.rotated-on-schedule', 'CC6.2'],
  ])('%s no longer claims %s', (check, criterion) => {
    expect(m.checks[check]!.criteria).not.toContain(criterion);
  });

  it('a single logging flag only supports CC7.2; continuity is the primary evidence of CC4.1', () => {
    expect(m.checks['vertex-endpoints.inference-logging']).toMatchObject({ primary: [], supporting: ['CC7.2'] });
    expect(m.checks['soc2.collection-continuity']!.primary).toEqual(['CC4.1']);
  });

  it('every entry says which criteria are primary and which supporting', () => {
    const raw = YAML.parse(readFileSync(path.join(repoRoot, 'mappings', 'soc2-ml.yaml'), 'utf8'));
    for (const section of ['artifacts', 'checks'])
      for (const [k, v] of Object.entries<any>(raw[section])) {
        expect(Object.keys(v).sort(), k).toEqual(['primary', 'rationale', 'supporting']);
        expect(v.primary.length + v.supporting.length, k).toBeGreaterThan(0);
      }
  });
});
