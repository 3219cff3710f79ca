// The vendor aggregator over several bundles: where and when each third party was seen, and the
// exceptions of VEN-01 and POL-01 opening and closing with the bundles' days.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ArtifactEntry, Manifest } from '../../src/bundle/manifest.js';
import { packageRoot } from '../../src/core/paths.js';
import { loadPolicies } from '../../src/report/policies.js';
import type { VendorRegister } from '../../src/report/vendor-register.js';
import { VendorsAggregator } from '../../src/report/vendors.js';
import { bundleVisit } from '../../src/report/visit.js';
import { tmpDir } from '../helpers/cli.js';

const fixture = (f: string) => readFileSync(path.join(packageRoot, 'fixtures', 'vendors', f), 'utf8');
const NONE = { awsAccounts: [], oidcProviders: [], samlProviders: [], domains: [], buckets: [], gcpProjects: [] };

/** One bundle of the day holding the given artifacts (kind → file text), fed to the aggregator. */
async function feed(ag: VendorsAggregator, root: string, date: string, files: { kind: string; file: string; text: string; complete?: boolean }[]): Promise<void> {
  const id = `${date}T02-00-00.000Z-0001`;
  const dir = path.join(root, id);
  const artifacts: ArtifactEntry[] = files.map((f) => {
    const rel = `artifacts/main/x/${f.file}`;
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), f.text);
    return { path: rel, sha256: createHash('sha256').update(f.text).digest('hex'), bytes: f.text.length, kind: f.kind, source: 'main', collector: 'x', records: 1, criteria: [], provenance: { complete: f.complete ?? true, scope: { account: '111122223333' } } } as unknown as ArtifactEntry;
  });
  const problems: unknown[] = [];
  const v = bundleVisit({ evidenceName: 'evidence', dir, id, date, manifest: { artifacts } as unknown as Manifest, badBundles: new Set(), addProblem: (p) => problems.push(p) });
  for (const a of artifacts) await ag.addArtifact(v, a, { account: '111122223333' });
  ag.endBundle(v, v.ref('manifest.json', 'ab'.repeat(32)));
  expect(problems).toEqual([]);
}

const register = (vendors: VendorRegister['vendors'], own = NONE): VendorRegister => ({ file: 'vendors.yaml', vendors, own });
const runs = { kind: 'mlflow.lineage.training-runs', file: 'training-runs.ndjson', text: fixture('training-runs.ndjson') };
const idp = { kind: 'aws.iam.identity-providers', file: 'identity-providers.json', text: fixture('identity-providers.json') };
const own = { awsAccounts: [], buckets: ['acme-data'], gcpProjects: [], domains: [] };

describe('VendorsAggregator', () => {
  it('lists each third party with where it was seen, first and last, and leaves the own account and buckets out', async () => {
    const root = tmpDir('soc2-vendors-');
    const ag = new VendorsAggregator(register([{ name: 'Okta', services: 'SSO', dataShared: { classification: 'personal' }, dpa: { signed: '2025-01-01' }, riskAssessment: { last: '2026-01-01', intervalMonths: 12 }, owner: 'sec', identifiers: { ...NONE, samlProviders: ['Okta'] } }]), own);
    await feed(ag, root, '2026-03-01', [runs, idp]);
    await feed(ag, root, '2026-03-02', [idp]);
    await feed(ag, root, '2026-03-03', [runs, idp]);
    const { vendors } = ag.finish('2026-03-03');
    const okta = vendors.vendors.find((v) => v.name === 'Okta')!;
    expect(okta).toMatchObject({ registered: true, dpaStatus: 'in-force', riskStatus: 'current', firstSeen: { date: '2026-03-01' }, lastSeen: { date: '2026-03-03' } });
    expect(okta.seen.map((p) => [p.kind, p.resource, p.bundles])).toEqual([['aws.iam.identity-providers', 'arn:aws:iam::111122223333:saml-provider/Okta', 3]]);
    const broker = vendors.vendors.find((v) => v.name === 'domain datasets.brokerline.example')!;
    expect(broker).toMatchObject({ registered: false, firstSeen: { date: '2026-03-01' }, lastSeen: { date: '2026-03-03' } });
    expect(broker.seen[0]).toMatchObject({ kind: 'mlflow.lineage.training-runs', resource: 'churn-model v3 (run r1)', bundles: 2, evidence: { href: 'evidence/2026-03-03T02-00-00.000Z-0001/artifacts/main/x/training-runs.ndjson' } });
    expect(vendors.vendors.map((v) => v.name)).not.toContain('bucket acme-data');
    expect(vendors.ownSkipped).toBe(1);
  });

  it('an unregistered third party is open while seen, not resolved by a day its artifact is missing or incomplete, resolved once a complete read no longer names it', async () => {
    const root = tmpDir('soc2-vendors-');
    const ag = new VendorsAggregator(register([]), own);
    const clean = { ...runs, text: JSON.stringify({ model: 'churn-model', version: '6', run: { run_id: 'r2', datasets: [] } }) + '\n' };
    await feed(ag, root, '2026-03-01', [runs]);
    await feed(ag, root, '2026-03-02', []); // the MLflow collector failed: nothing read
    await feed(ag, root, '2026-03-03', [{ ...clean, complete: false }]);
    await feed(ag, root, '2026-03-04', [clean]);
    const { exceptions } = ag.finish('2026-03-04');
    const broker = exceptions.find((e) => e.resource === 'domain datasets.brokerline.example')!;
    expect(broker).toMatchObject({ check: 'soc2.vendor-registered', criteria: ['CC9.2'], status: 'resolved', firstSeen: { date: '2026-03-01' }, lastSeen: { date: '2026-03-03' }, resolved: { date: '2026-03-04' } });
    expect(broker.periods).toHaveLength(1);
    expect(broker.reason).toContain('https://datasets.brokerline.example/signals.parquet');
  });

  it('a vendor registered on a later day is an exception until that day', async () => {
    const root = tmpDir('soc2-vendors-');
    const broker = { name: 'Brokerline', services: 'consumer data', dataShared: { classification: 'none' as const }, riskAssessment: { last: '2026-02-01', intervalMonths: 12 }, owner: 'data', registeredOn: '2026-03-02', identifiers: { ...NONE, domains: ['brokerline.example'] } };
    const ag = new VendorsAggregator(register([broker]), own);
    for (const d of ['2026-03-01', '2026-03-02']) await feed(ag, root, d, [runs]);
    const { exceptions, vendors } = ag.finish('2026-03-02');
    expect(exceptions.find((e) => e.resource === 'domain datasets.brokerline.example')).toMatchObject({ status: 'resolved', resolved: { date: '2026-03-02' } });
    expect(vendors.vendors.find((v) => v.name === 'Brokerline')!.seen[0]!.id).toBe('datasets.brokerline.example');
  });

  it('a DPA that expires and a risk assessment that falls due open exceptions on the day they lapse; renewals are judged by date', async () => {
    const root = tmpDir('soc2-vendors-');
    const labeler = { name: 'Labelwise', services: 'labeling', dataShared: { classification: 'personal' as const }, dpa: { signed: '2024-06-01', expires: '2026-03-02' }, riskAssessment: { last: '2025-03-03', intervalMonths: 12 }, owner: 'ml', identifiers: NONE };
    const nodata = { ...labeler, name: 'GPU cloud', dataShared: { classification: 'none' as const }, dpa: undefined, riskAssessment: undefined };
    const ag = new VendorsAggregator(register([labeler, nodata]), own);
    for (const d of ['2026-03-02', '2026-03-03', '2026-03-04']) await feed(ag, root, d, []);
    const { exceptions, vendors } = ag.finish('2026-03-04');
    const brief = exceptions.map((e) => [e.check, e.resource, e.firstSeen.date, e.status]);
    expect(brief).toEqual([
      ['soc2.vendor-risk-assessment', 'GPU cloud', '2026-03-02', 'open'],
      ['soc2.vendor-dpa', 'Labelwise', '2026-03-03', 'open'],
      ['soc2.vendor-risk-assessment', 'Labelwise', '2026-03-04', 'open'],
    ]);
    expect(exceptions.find((e) => e.check === 'soc2.vendor-dpa')!.reason).toBe('Labelwise receives personal data; its data processing agreement expired on 2026-03-02');
    expect(vendors.vendors.find((v) => v.name === 'GPU cloud')).toMatchObject({ dpaStatus: 'not-required', riskStatus: 'missing' });
    expect(vendors.exceptions).toHaveLength(3);
  });

  it('without a register, third parties are listed but nothing is judged', async () => {
    const root = tmpDir('soc2-vendors-');
    const ag = new VendorsAggregator(null, own);
    await feed(ag, root, '2026-03-01', [runs, idp]);
    const { exceptions, vendors } = ag.finish('2026-03-01');
    expect(exceptions).toEqual([]);
    expect(vendors.register).toBeNull();
    expect(vendors.notes[0]).toContain('No vendor register is configured');
    expect(vendors.vendors.map((v) => v.name).sort()).toEqual(['domain datasets.brokerline.example', 'domain huggingface.co', 'oidc-provider accounts.google.com', 'saml-provider Okta']);
  });

  it('a policy past its review date is an exception on POL-01 from the day after it fell due', async () => {
    const root = tmpDir('soc2-vendors-');
    writeFileSync(path.join(root, 'isp.md'), '# ISP\n');
    writeFileSync(path.join(root, 'index.yaml'), 'policies:\n  - {id: isp, title: Information Security Policy, file: isp.md, version: 2, owner: CISO, approver: CEO, approvalDate: 2025-03-02, reviewIntervalMonths: 12}\n');
    const ag = new VendorsAggregator(null, own, loadPolicies(path.join(root, 'index.yaml')));
    for (const d of ['2026-03-02', '2026-03-03']) await feed(ag, root, d, []);
    const { exceptions, policies } = ag.finish('2026-03-03');
    expect(exceptions.map((e) => [e.check, e.resource, e.firstSeen.date, e.criteria])).toEqual([['soc2.policy-review', 'policy isp', '2026-03-03', ['CC5.3']]]);
    expect(policies!.policies[0]).toMatchObject({ version: '2', reviewDue: '2026-03-02', status: 'overdue', sha256: createHash('sha256').update('# ISP\n').digest('hex') });
  });
});
