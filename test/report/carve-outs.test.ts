// Subservice organizations, carve-out method: listed with the controls expected of them and the
// complementary user-entity controls (defaults shipped as data, replaceable in the config); the criteria
// normally met there are labelled carved out.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegister } from '../../src/mapping/controls.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport, type ReportInput } from '../../src/report/aggregate.js';
import { loadCarveOuts } from '../../src/report/carve-outs.js';
import { writeReport } from '../../src/report/index.js';
import { runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { writeScenario } from './fixtures.js';

let root: string;
let ev: string;
const report = async (o: Partial<ReportInput> = {}) => {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security', 'availability'], organization: null, mappings: loadMappings(), allowUnverified: false, ...o });
  if (!r.ok) throw new Error('integrity');
  return r.model;
};
beforeAll(async () => {
  root = tmpDir('soc2-carve-');
  ev = path.join(root, 'evidence');
  await writeScenario(ev);
});

describe('carve-outs', () => {
  it('lists AWS, GCP, the MLflow host and Databricks with expected controls and user-entity controls; in use from the evidence', async () => {
    const m = await report();
    const orgs = m.carveOuts!.organizations;
    expect(orgs.map((o) => o.id)).toEqual(['aws', 'gcp', 'mlflow-host', 'databricks']);
    expect(Object.fromEntries(orgs.map((o) => [o.id, o.inUse]))).toEqual({ aws: true, gcp: false, 'mlflow-host': true, databricks: false });
    for (const o of orgs) {
      expect(o.expectedControls.length).toBeGreaterThan(0);
      expect(o.userEntityControls.length).toBeGreaterThan(0);
    }
    const byId = new Map(m.criteria.map((c) => [c.id, c]));
    for (const id of ['CC6.4', 'CC6.5', 'A1.2']) expect(byId.get(id)!.carvedOut).toMatchObject({ organizations: ['aws', 'mlflow-host'], note: expect.stringContaining('carve-out method') });
    expect(byId.get('CC6.1')!.carvedOut).toBeUndefined();
  });

  it('the HTML labels the criteria and lists the organizations', async () => {
    const out = path.join(root, 'html');
    await writeReport(await report(), out, ['html']);
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('Subservice organizations (carve-out method)');
    expect(html).toContain('Carved out (physical): aws, mlflow-host');
    expect(html).toContain('AWS-UE-1');
  });

  it('the shipped user-entity controls name only controls of the default register', () => {
    const ids = new Set(loadRegister().controls.map((c) => c.id));
    for (const o of loadCarveOuts().organizations) for (const u of o.userEntityControls) for (const c of u.controls) expect(ids.has(c), `${o.id} ${u.id} ${c}`).toBe(true);
  });

  it('config subserviceOrganizations replaces the list; a bad file is a one-line error naming it', async () => {
    const dir = tmpDir('soc2-carve-cfg-');
    writeFileSync(path.join(dir, 'subs.yaml'), 'organizations:\n  - {id: colo, name: Colo Inc., services: racks, systems: [aws], criteria: [CC6.4], report: Colo SOC 2}\n');
    const cfg = writeConfig(dir, `evidence:\n  dir: ${ev}\nsubserviceOrganizations: subs.yaml\n`);
    const r = await runCli(['report', '--config', cfg, '--out', path.join(dir, 'out'), '--format', 'json']);
    expect(r.stderr).toBe('');
    const j = JSON.parse(readFileSync(path.join(dir, 'out/report.json'), 'utf8'));
    expect(j.carveOuts.organizations.map((o: { id: string }) => o.id)).toEqual(['colo']);
    expect(j.criteria.find((c: { id: string }) => c.id === 'CC6.4').carvedOut.organizations).toEqual(['colo']);
    expect(j.criteria.find((c: { id: string }) => c.id === 'CC6.5').carvedOut).toBeUndefined();

    writeFileSync(path.join(dir, 'subs.yaml'), 'organizations:\n  - {id: Colo, name: x}\n');
    const bad = await runCli(['report', '--config', cfg, '--out', path.join(dir, 'out2')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toContain('subserviceOrganizations: ');
    expect(bad.stderr).toContain('subs.yaml: organizations[0].id: expected a lower-case id');
  });
});
