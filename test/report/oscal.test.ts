// The OSCAL files a report writes — the TSC catalog, the assessment plan and the assessment results —
// validate against the NIST OSCAL 1.1.2 JSON Schemas (fixtures/oscal/, sources in fixtures/reference/
// README.md) and mean something: the results import the plan beside them and reference the catalog,
// list the resources tested as subjects, carry one risk per open exception and name the tool as actor.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport } from '../../src/report/aggregate.js';
import { writeReport } from '../../src/report/index.js';
import type { ReportModel } from '../../src/report/model.js';
import { buildOscalCatalog } from '../../src/report/oscal-catalog.js';
import { loadMappings } from '../../src/mapping/index.js';
import { repoRoot, tmpDir } from '../helpers/cli.js';
import { writeScenario } from './fixtures.js';

const mappings = loadMappings();
const read = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
const schema = (name: string) => read(path.join(repoRoot, 'fixtures/oscal', `oscal_${name}_schema-1.1.2.json`));

function validator(name: string) {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
  (addFormats as unknown as (a: Ajv) => void)(ajv);
  return ajv.compile(schema(name));
}
const errorsOf = (name: string, doc: unknown) => {
  const v = validator(name);
  return v(doc) ? [] : (v.errors ?? []).map((e) => `${e.instancePath} ${e.message}`);
};

let out: string;
let m: ReportModel;
let ar: any;
let ap: any;

beforeAll(async () => {
  const root = tmpDir('soc2-oscal-');
  await writeScenario(path.join(root, 'evidence'));
  const r = await buildReport({ evidenceDir: path.join(root, 'evidence'), window: {}, scope: ['security', 'confidentiality'], organization: 'Acme ML', mappings, allowUnverified: false });
  if (!r.ok) throw new Error('integrity');
  m = r.model;
  out = path.join(root, 'report');
  await writeReport(m, out, ['oscal']);
  ar = read(path.join(out, 'oscal/assessment-results.json'));
  ap = read(path.join(out, 'oscal/assessment-plan.json'));
});

describe('every OSCAL file written validates against the NIST OSCAL 1.1.2 JSON Schema', () => {
  it('the shipped TSC catalog (mappings/tsc-2017.oscal-catalog.json) and its copy in the report', () => {
    const shipped = read(path.join(repoRoot, 'mappings/tsc-2017.oscal-catalog.json'));
    expect(errorsOf('catalog', shipped)).toEqual([]);
    expect(read(path.join(out, 'oscal/catalog.json'))).toEqual(shipped);
  });
  it('oscal/assessment-plan.json', () => expect(errorsOf('assessment-plan', ap)).toEqual([]));
  it('oscal/assessment-results.json', () => expect(errorsOf('assessment-results', ar)).toEqual([]));
  it('the validator does reject a document that breaks the schema', () => {
    const broken = structuredClone(ap);
    delete broken['assessment-plan']['import-ssp'];
    expect(errorsOf('assessment-plan', broken).join('\n')).toMatch(/import-ssp/);
  });
});

describe('the TSC catalog', () => {
  it('is built from mappings/tsc-2017.yaml: one control per criterion, grouped by category and family (npm run oscal-catalog regenerates it)', () => {
    const shipped = read(path.join(repoRoot, 'mappings/tsc-2017.oscal-catalog.json'));
    const built = buildOscalCatalog(mappings.catalog, shipped.catalog.metadata['last-modified']);
    expect(shipped).toEqual(built);
    const controls = shipped.catalog.groups.flatMap((g: any) => g.groups.flatMap((f: any) => f.controls));
    expect(controls.map((c: any) => c.props[0].value)).toEqual(mappings.catalog.map((c) => c.id));
    expect(controls).toHaveLength(61);
    expect(shipped.catalog.groups.map((g: any) => g.title)).toEqual(['Security', 'Availability', 'Confidentiality', 'Processing Integrity', 'Privacy']);
  });
});

describe('the assessment results mean something', () => {
  const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
  it('import the assessment plan written beside them, which references the catalog by hash', () => {
    const doc = ar['assessment-results'];
    expect(doc['import-ap'].href).toBe('assessment-plan.json');
    const resources = (d: any) => d['back-matter'].resources as any[];
    for (const d of [doc, ap['assessment-plan']]) {
      const link = d.metadata.links.find((l: any) => l.rel === 'reference');
      const res = resources(d).find((r) => `#${r.uuid}` === link.href);
      expect(res.rlinks[0].href).toBe('catalog.json');
      expect(res.rlinks[0].hashes[0].value).toBe(sha(path.join(out, 'oscal/catalog.json')));
    }
    // every reviewed control exists in the catalog
    const catalogIds = new Set(read(path.join(out, 'oscal/catalog.json')).catalog.groups.flatMap((g: any) => g.groups.flatMap((f: any) => f.controls.map((c: any) => c.id))));
    for (const d of [doc.results[0], ap['assessment-plan']]) for (const c of d['reviewed-controls']['control-selections'][0]['include-controls']) expect(catalogIds.has(c['control-id'])).toBe(true);
  });

  it('the plan has one task per control of the register and one activity per check it runs', () => {
    const plan = ap['assessment-plan'];
    expect(plan.tasks.map((t: any) => t.title.split(' ')[0])).toEqual(m.controls.map((c) => c.id));
    const acts = new Set(plan['local-definitions'].activities.map((a: any) => a.uuid));
    for (const t of plan.tasks) for (const a of t['associated-activities'] ?? []) expect(acts.has(a['activity-uuid'])).toBe(true);
    expect(plan['assessment-assets'].components[0]).toMatchObject({ type: 'software', title: `soc2 ${m.tool.version}` });
  });

  it('lists the resources tested as subjects, names the tool as the actor and has one risk per open exception', () => {
    const r = ar['assessment-results'].results[0];
    const tool = r['local-definitions'].components[0];
    expect(tool).toMatchObject({ type: 'software', title: `soc2 ${m.tool.version}` });
    const items = new Map(r['local-definitions']['inventory-items'].map((i: any) => [i.uuid, i]));
    for (const o of r.observations) expect(o.origins[0].actors[0]).toEqual({ type: 'tool', 'actor-uuid': tool.uuid });
    const subjectIds = (r.observations as any[]).flatMap((o) => (o.subjects ?? []).map((s: any) => s['subject-uuid']));
    for (const s of subjectIds) expect(items.has(s)).toBe(true);
    const assetIds = new Set([...items.values()].map((i: any) => i.props.find((p: any) => p.name === 'asset-id').value));
    for (const e of m.exceptions) expect(assetIds.has(e.resource)).toBe(true);
    expect(assetIds.has('main account=111122223333')).toBe(true);

    const open = m.exceptions.filter((e) => e.status === 'open');
    expect(open.length).toBeGreaterThan(0);
    expect(m.exceptions.some((e) => e.status === 'resolved')).toBe(true);
    expect(r.risks).toHaveLength(open.length);
    expect(r.risks.map((x: any) => x.props[0].value).sort()).toEqual(open.map((e) => e.id).sort());
    for (const x of r.risks) expect(x.status).toBe('open');
    // a finding on a criterion with open exceptions points at their risks
    const riskIds = new Set(r.risks.map((x: any) => x.uuid));
    const withRisks = r.findings.filter((f: any) => f['related-risks']);
    expect(withRisks.length).toBeGreaterThan(0);
    for (const f of withRisks) for (const rr of f['related-risks']) expect(riskIds.has(rr['risk-uuid'])).toBe(true);
  });
});
