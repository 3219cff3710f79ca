// soc2 report, in process: the model (report.json), continuity, exceptions, populations, sampling,
// CSV, Markdown, HTML escaping and OSCAL over the fixture period of test/report/fixtures.ts.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildReport, type ReportInput } from '../../src/report/aggregate.js';
import { writeReport } from '../../src/report/index.js';
import type { ReportModel } from '../../src/report/model.js';
import { drawSample, sampleRank } from '../../src/report/sample.js';
import { criteriaInScope, loadMappings } from '../../src/mapping/index.js';
import { tmpDir } from '../helpers/cli.js';
import { ACCOUNT, ARN, writeDay, writeScenario, XSS } from './fixtures.js';
import { csvRows } from '../helpers/csv.js';

const mappings = loadMappings();
const SCOPE = ['security', 'confidentiality'];
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

let root: string;
let ev: string;
let out: string;
let dirs: Record<number, string>;
let m: ReportModel;
const id = (d: number) => path.basename(dirs[d]!);

async function report(o: Partial<ReportInput> = {}): Promise<ReportModel> {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: SCOPE, organization: null, mappings, allowUnverified: false, ...o });
  if (!r.ok) throw new Error(`unexpected integrity failure: ${JSON.stringify(r.integrity.problems)}`);
  return r.model;
}

beforeAll(async () => {
  root = tmpDir('soc2-report-');
  ev = path.join(root, 'evidence');
  out = path.join(root, 'report');
  dirs = await writeScenario(ev);
  m = await report({ sample: { n: 2, seed: 'audit-2026' } });
  await writeReport(m, out, ['html', 'md', 'csv', 'json', 'oscal']);
});

describe('report.json', () => {
  it('has the documented top-level shape and summary', () => {
    const j = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(Object.keys(j)).toEqual(['format', 'generatedAt', 'tool', 'organization', 'window', 'scope', 'evidence', 'integrity', 'summary', 'bundles', 'continuity', 'coverage', 'controls', 'criteria', 'calendar', 'exceptions', 'responses', 'artifacts', 'sampling', 'populations', 'carveOuts', 'vendors']);
    expect(j.format).toBe('soc2-report/2');
    expect(j.organization).toBe('Acme ML'); // from the manifests: no config given
    expect(j.window).toEqual({ from: '2026-03-01', to: '2026-03-07', basis: 'bundles', through: '2026-03-07', days: 7 });
    expect(j.scope).toEqual(['security', 'confidentiality']);
    expect(j.integrity).toMatchObject({ ok: true, bundlesChecked: 6, problems: [], allowUnverified: false, stamp: null });
    expect(j.summary).toMatchObject({ bundles: 6, complete: 5, partial: 1, failed: 0, days: 7, daysWithCompleteBundle: 5, daysWithoutCompleteBundle: 2 });
    expect(j.summary.criteria.inScope).toBe(criteriaInScope(mappings, SCOPE).length);
    expect(j.criteria.map((c: { id: string }) => c.id)).toEqual(criteriaInScope(mappings, SCOPE).map((c) => c.id));
    expect(j.summary.criteria.covered).toBe(j.criteria.filter((c: { status: string }) => ['pass', 'fail', 'error', 'not-tested', 'collected', 'due'].includes(c.status)).length);
    expect(j.summary.exceptions).toEqual({ total: 5, open: 3, resolved: 2, events: 0, incompleteEvidence: 0, withoutResponseOverdue: 0 });
    expect(j.responses).toEqual({ file: null, dueDays: 30, answered: 0, overdue: [], unmatched: [] });
    expect(j.summary.populations).toEqual({ promotions: 6, privilegedAccess: 3, secretRotations: 3 });
    expect(j.bundles.map((b: { id: string }) => b.id)).toEqual([1, 2, 3, 5, 6, 7].map(id));
  });

  it('gives every bundle, artifact and row its provenance: bundle id, path and the manifest SHA-256', () => {
    for (const b of m.bundles) expect(b.manifest.sha256).toBe(sha(path.join(dirs[Number(b.date.slice(8))]!, 'manifest.json')));
    expect(m.artifacts.length).toBe(6 * 8 - 1); // 8 artifacts a day, the partial day lacks the credential report
    for (const a of m.artifacts) {
      expect(a.href).toBe(`evidence/${a.bundle}/${a.path}`);
      expect(sha(path.join(root, a.href))).toBe(a.sha256);
    }
    for (const r of [...m.populations.promotions.rows, ...m.populations.secretRotations.rows, ...m.populations.privilegedAccess.rows]) {
      expect(r.bundle).toMatch(/^2026-03-0\dT/);
      expect(r.artifact.href.startsWith(`evidence/${r.bundle}/`)).toBe(true);
      expect(sha(path.join(root, r.artifact.href))).toBe(r.artifact.sha256);
    }
  });
});

describe('continuity (CC4.1)', () => {
  it('finds the missing day and the partial run with its gap', () => {
    const c = m.continuity;
    expect(c.days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02', '2026-03-03', '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07']);
    expect(c.daysWithoutBundle).toEqual(['2026-03-04']);
    expect(c.daysWithoutComplete).toEqual(['2026-03-03', '2026-03-04']);
    expect(c.longestGap).toEqual({ from: '2026-03-03', to: '2026-03-04', days: 2 });
    expect(c.partialRuns).toEqual([
      {
        bundle: id(3),
        date: '2026-03-03',
        status: 'partial',
        manifest: expect.objectContaining({ href: `evidence/${id(3)}/manifest.json` }),
        gaps: [{ collector: 'aws-iam', source: 'main', scope: { account: ACCOUNT }, api: 'iam:GenerateCredentialReport', code: 'AccessDenied', message: 'User is not authorized to perform: iam:GenerateCredentialReport' }],
      },
    ]);
  });
});

describe('criteria', () => {
  it('shows the newest bundle as the latest state only, and colours each day by its worst result', () => {
    const cc66 = m.criteria.find((c) => c.id === 'CC6.6')!;
    // root MFA (supporting CC6.6) failed on 03-07: the latest state; the controls addressing CC6.6
    // (external trust, private endpoints) were never tested in these bundles, so the period says so
    expect(cc66.latest).toMatchObject({ bundle: id(7), date: '2026-03-07', status: 'fail' });
    expect(cc66.status).toBe('not-tested');
    expect(cc66.addressedBy).toEqual(['IAM-06', 'NET-01', 'NET-02', 'STORE-02']);
    expect(cc66.latest!.findingsFile).toEqual({ bundle: id(7), path: 'findings.json', href: `evidence/${id(7)}/findings.json`, sha256: sha(path.join(dirs[7]!, 'findings.json')) });
    expect(cc66.checks).toEqual(expect.arrayContaining(['aws-iam.root-mfa', 'aws-iam.console-users-mfa']));
    const row = m.calendar.rows.find((r) => r.criterion === 'CC6.6')!;
    expect(row.cells).toEqual(['fail', 'fail', 'error', 'no-evidence', 'pass', 'pass', 'fail']);
    expect(cc66.daysWithEvidence).toBe(6);
    expect(cc66.passRate.days.find((d) => d.date === '2026-03-05')).toEqual({ date: '2026-03-05', pass: 2, fail: 0, error: 0 });
    expect(cc66.passRate.pass + cc66.passRate.fail + cc66.passRate.error).toBe(12);
  });

  it('links each criterion to its artifacts with the manifest SHA-256, and lists criteria needing manual evidence', () => {
    const cc61 = m.criteria.find((c) => c.id === 'CC6.1')!;
    const ad = cc61.evidence.find((e) => e.kind === 'aws.iam.authorization-details')!;
    expect(ad).toMatchObject({ artifacts: 6, bundles: 6, firstDate: '2026-03-01', lastDate: '2026-03-07' });
    expect(ad.latest).toHaveLength(1);
    expect(ad.latest[0]!.href).toBe(`evidence/${id(7)}/artifacts/main/aws-iam/${ACCOUNT}/authorization-details.ndjson`);
    expect(ad.latest[0]!.sha256).toBe(sha(path.join(root, ad.latest[0]!.href)));
    const cr = cc61.evidence.find((e) => e.kind === 'aws.iam.credential-report')!;
    expect(cr.bundles).toBe(5); // not collected on the partial day
    // tested by manual evidence only (GOV-01, annually): no period of it has elapsed in the window, so it is due, not a bare "manual"
    expect(m.criteria.find((c) => c.id === 'CC1.1')).toMatchObject({ automated: false, status: 'due', daysWithEvidence: 0, addressedBy: ['GOV-01'] });
    expect(m.calendar.rows.find((r) => r.criterion === 'CC1.1')!.cells.every((x) => x === 'manual')).toBe(true);
  });
});

describe('exceptions', () => {
  const ex = (resource: string, check: string) => m.exceptions.find((e) => e.resource === resource && e.check === check)!;
  it('records first seen, last seen and resolved dates', () => {
    expect(ex(ARN.xss, 'aws-iam.admin-principals')).toMatchObject({
      firstSeen: { date: '2026-03-02', bundle: id(2) },
      lastSeen: { date: '2026-03-02', bundle: id(2) },
      resolved: { date: '2026-03-05', bundle: id(5) }, // 03-03 errored and 03-04 is missing: the next run that ran decides
      status: 'resolved',
      occurrences: 1,
      source: 'main',
      scope: { account: ACCOUNT },
      criteria: expect.arrayContaining(['CC6.3', 'CC6.1']),
    });
    expect(ex(ARN.bob, 'aws-iam.console-users-mfa')).toMatchObject({ firstSeen: { date: '2026-03-01' }, lastSeen: { date: '2026-03-02' }, resolved: { date: '2026-03-05' }, status: 'resolved' });
    expect(ex(ARN.admin, 'aws-iam.admin-principals')).toMatchObject({ firstSeen: { date: '2026-03-01' }, lastSeen: { date: '2026-03-07' }, resolved: null, status: 'open', occurrences: 5 });
    expect(ex(ARN.eve, 'aws-iam.admin-principals')).toMatchObject({ firstSeen: { date: '2026-03-06' }, lastSeen: { date: '2026-03-07' }, resolved: null, status: 'open' });
    expect(ex(ARN.root, 'aws-iam.root-mfa')).toMatchObject({ firstSeen: { date: '2026-03-07', bundle: id(7) }, status: 'open' });
    const cc63 = m.criteria.find((c) => c.id === 'CC6.3')!;
    expect(cc63.exceptions).toContain(ex(ARN.xss, 'aws-iam.admin-principals').id);
    expect(cc63.openExceptions).toBe(2);
  });

  it('opens a new period when a resolved exception comes back', async () => {
    const e2 = path.join(tmpDir(), 'evidence');
    const T = { collector: 'aws-iam', source: 'main', system: 'aws', scope: { account: ACCOUNT }, segments: [ACCOUNT] };
    const pattern = [[ARN.eve], [], [ARN.eve], [ARN.eve]];
    for (let i = 0; i < pattern.length; i++)
      await writeDay(e2, { at: new Date(Date.UTC(2026, 4, 1 + i, 3)), build: async (b) => b.finding(T, 'aws-iam.admin-principals', pattern[i]!.length ? 'fail' : 'pass', pattern[i]!.map((r) => ({ resource: r, reason: 'x' }))) });
    const r = await buildReport({ evidenceDir: e2, window: {}, scope: ['security'], organization: null, mappings, allowUnverified: false });
    if (!r.ok) throw new Error('integrity');
    const e = r.model.exceptions.find((x) => x.resource === ARN.eve)!;
    expect(e.periods.map((p) => [p.firstSeen.date, p.lastSeen.date, p.resolved?.date ?? null])).toEqual([
      ['2026-05-01', '2026-05-01', '2026-05-02'],
      ['2026-05-03', '2026-05-04', null],
    ]);
    expect(e).toMatchObject({ firstSeen: { date: '2026-05-01' }, lastSeen: { date: '2026-05-04' }, resolved: null, status: 'open', occurrences: 3 });
    // privileged-access changes come from aws-iam's access-changes logs, not from differences between check runs
    expect(r.model.populations.privilegedAccess).toMatchObject({ collected: false, rows: [] });
  });
});

describe('populations', () => {
  it('model promotions: every event once, with approval and actor; baselines listed without events', () => {
    const p = m.populations.promotions;
    expect(p).toMatchObject({ collected: true, complete: true, notes: [], size: 6 });
    expect(p.sources).toHaveLength(6);
    expect(p.baselines).toEqual([expect.objectContaining({ bundle: id(1), source: 'mlflow-main', collector: 'mlflow-registry' })]);
    expect(new Set(p.rows.map((r) => r.key)).size).toBe(6);
    const champ = p.rows.find((r) => r.alias === 'champion' && r.to === '2')!;
    expect(champ).toMatchObject({ bundle: id(2), type: 'alias_moved', model: 'fraud', from: '1', toProduction: true, approved: true, approver: 'carol@acme.ml', actor: 'dave@acme.ml', artifact: { path: 'artifacts/mlflow-main/mlflow-registry/promotions.json' } });
    expect(p.rows.find((r) => r.alias === 'champion' && r.to === '3')).toMatchObject({ approved: false, approver: null, actor: 'mallory@acme.ml', bundle: id(6) });
  });

  it('privileged-access changes from the access-changes logs, each with its window; the day without a bundle is blind', () => {
    const p = m.populations.privilegedAccess;
    expect(p.rows.map((r) => ({ principal: r.principal, change: r.change, bundle: r.bundle, from: r.windowFrom, grants: r.grants, removes: r.removes }))).toEqual([
      { principal: ARN.xss, change: 'policy_attached', bundle: id(2), from: '2026-03-01T02:00:00.000Z', grants: 'admin', removes: null },
      { principal: ARN.xss, change: 'policy_detached', bundle: id(5), from: '2026-03-03T02:00:00.000Z', grants: null, removes: 'admin' },
      { principal: ARN.eve, change: 'policy_attached', bundle: id(6), from: '2026-03-05T02:00:00.000Z', grants: 'admin', removes: null },
    ]);
    expect(p.baselines.map((b) => b.bundle)).toEqual([id(1)]);
    // 03-04 has no bundle: a grant made and revoked in it would be invisible
    expect(p.complete).toBe(false);
    expect(p.blindWindows).toEqual([expect.objectContaining({ from: '2026-03-03T02:00:00.000Z', to: '2026-03-05T02:00:00.000Z', reason: expect.stringMatching(/^no collection on 2026-03-04/) })]);
  });

  it('secret rotations from the rotation logs', () => {
    const p = m.populations.secretRotations;
    expect(p).toMatchObject({ collected: true, complete: true, size: 3 });
    expect(p.rows.map((r) => [r.arn, r.rotatedAt, r.bundle])).toEqual([
      [ARN.secretA, '2026-03-02T12:00:00.000Z', id(3)],
      [ARN.secretB, '2026-03-04T09:00:00.000Z', id(5)],
      [ARN.secretA, '2026-03-06T08:00:00.000Z', id(7)],
    ]);
  });

  it('deduplicates an event that two bundles both carry, and flags a log that does not chain', async () => {
    const e2 = path.join(tmpDir(), 'evidence');
    const SM = { collector: 'aws-secrets-manager', source: 'main', system: 'aws', scope: { account: ACCOUNT, region: 'us-east-1' }, segments: [ACCOUNT, 'us-east-1'] };
    const event = { arn: ARN.secretA, name: 'db-password', account: ACCOUNT, region: 'us-east-1', rotatedAt: '2026-06-01T10:00:00.000Z', previousRotatedAt: null };
    const logs = [
      { baseline: true, window: { from: null, to: '2026-06-01T02:00:00.000Z' }, events: [] },
      { baseline: false, window: { from: '2026-06-01T02:00:00.000Z', to: '2026-06-02T02:00:00.000Z' }, events: [event] },
      { baseline: false, window: { from: '2026-06-01T02:00:00.000Z', to: '2026-06-02T14:00:00.000Z' }, events: [event] }, // a re-run over the same window
    ];
    const at = ['2026-06-01T02:00:00Z', '2026-06-02T02:00:00Z', '2026-06-02T14:00:00Z'];
    for (let i = 0; i < 3; i++) await writeDay(e2, { at: new Date(at[i]!), build: (b) => b.json(SM, 'aws.secretsmanager.rotations', 'rotations.json', logs[i]) });
    const r = await buildReport({ evidenceDir: e2, window: {}, scope: ['security'], organization: null, mappings, allowUnverified: false });
    if (!r.ok) throw new Error('integrity');
    const p = r.model.populations.secretRotations;
    expect(p.size).toBe(1);
    expect(p.rows[0]!.bundle.startsWith('2026-06-02T02')).toBe(true);
    expect(p.complete).toBe(false);
    expect(p.notes[0]).toContain('not the previous complete log in the window');
    expect(r.model.populations.promotions).toMatchObject({ collected: false, complete: false, size: 0 });
  });
});

describe('populations: incomplete logs', () => {
  it('discloses a promotion log marked incomplete, unless a later log covers its period', async () => {
    const e2 = path.join(tmpDir(), 'evidence');
    const MLF = { collector: 'mlflow-registry', source: 'mlflow', system: 'mlflow', scope: {}, segments: [] };
    const log = (from: string | null, to: string, prev: string | null, events: unknown[] = []) => ({ baseline: prev === null, window: { from, to }, previousBundle: prev, events });
    const a = await writeDay(e2, { at: new Date('2026-07-01T02:00:00Z'), build: (b) => b.json(MLF, 'mlflow.registry.promotions', 'promotions.json', log(null, '2026-07-01T02:00:00.000Z', null)) });
    // 07-02: the snapshot failed; the collector writes an empty log marked incomplete
    const bDir = await writeDay(e2, { at: new Date('2026-07-02T02:00:00Z'), build: (b) => b.json(MLF, 'mlflow.registry.promotions', 'promotions.json', log('2026-07-01T02:00:00.000Z', '2026-07-02T02:00:00.000Z', path.basename(a)), false) });
    // 07-03: compares against 07-01's snapshot, so its window covers 07-02
    await writeDay(e2, { at: new Date('2026-07-03T02:00:00Z'), build: (b) => b.json(MLF, 'mlflow.registry.promotions', 'promotions.json', log('2026-07-01T02:00:00.000Z', '2026-07-03T02:00:00.000Z', path.basename(a))) });
    const run = async (to?: string) => {
      const r = await buildReport({ evidenceDir: e2, window: { to }, scope: ['security'], organization: null, mappings, allowUnverified: false });
      if (!r.ok) throw new Error('integrity');
      return r.model.populations.promotions;
    };
    const upTo2 = await run('2026-07-02');
    expect(upTo2).toMatchObject({ collected: true, complete: false, size: 0 });
    expect(upTo2.notes).toEqual([expect.stringContaining(`the promotion log of ${path.basename(bDir)} is marked incomplete and no later complete log in the window covers it`)]);
    const all = await run();
    expect(all).toMatchObject({ complete: true, notes: [] });
    expect(all.info).toEqual([expect.stringContaining(`the promotion log of ${path.basename(bDir)} is marked incomplete; the log of`)]);
  });
});

describe('sampling', () => {
  it('draws the same sample for the same seed and another for another seed; records seed, method and size', async () => {
    const s1 = m.populations.promotions.sample!;
    expect(s1).toMatchObject({ method: 'sha256-rank/1', seed: 'audit-2026', requested: 2, populationSize: 6, size: 2 });
    const again = await report({ sample: { n: 2, seed: 'audit-2026' } });
    expect(again.populations.promotions.sample!.keys).toEqual(s1.keys);
    expect(again.populations.secretRotations.sample!.keys).toEqual(m.populations.secretRotations.sample!.keys);
    const other = await report({ sample: { n: 2, seed: 'audit-2027' } });
    expect(other.populations.promotions.sample!.keys).not.toEqual(s1.keys);
    // re-performance from the CSV alone: rank = sha256(seed \n population \n key)
    const rows = csvRows(readFileSync(path.join(out, 'populations/promotions.csv'), 'utf8'));
    const keyCol = rows[0]!.indexOf('key');
    const ranked = rows
      .slice(1)
      .map((r) => r[keyCol]!)
      .map((k) => ({ k, rank: createHash('sha256').update(`audit-2026\npromotions\n${k}`).digest('hex') }))
      .sort((a, b) => (a.rank < b.rank ? -1 : 1));
    expect(ranked.slice(0, 2).map((x) => x.k)).toEqual(s1.keys);
    expect(sampleRank('audit-2026', 'promotions', s1.keys[0]!)).toBe(ranked[0]!.rank);
  });

  it('takes the whole population when N exceeds it', () => {
    const rows = [{ key: 'a' }, { key: 'b' }];
    expect(drawSample('x', rows, 5, 's')).toMatchObject({ size: 2, populationSize: 2, requested: 5 });
  });

  it('writes the sample CSVs with rank, seed and method', () => {
    const rows = csvRows(readFileSync(path.join(out, 'populations/promotions-sample.csv'), 'utf8'));
    expect(rows[0]!.slice(0, 4)).toEqual(['rank', 'sample_method', 'seed', 'population_size']);
    expect(rows.slice(1).map((r) => r.slice(0, 4))).toEqual([
      ['1', 'sha256-rank/1', 'audit-2026', '6'],
      ['2', 'sha256-rank/1', 'audit-2026', '6'],
    ]);
  });
});

describe('window', () => {
  it('limits the report to --from/--to and resolves within it', async () => {
    const w = await report({ window: { from: '2026-03-02', to: '2026-03-05' } });
    expect(w.window).toMatchObject({ from: '2026-03-02', to: '2026-03-05', basis: 'flags', days: 4 });
    expect(w.bundles.map((b) => b.id)).toEqual([id(2), id(3), id(5)]);
    expect(w.exceptions.find((e) => e.resource === ARN.xss)).toMatchObject({ firstSeen: { date: '2026-03-02' }, resolved: { date: '2026-03-05' } });
    // bob was first seen on 03-01, outside the window: the report says when it was first seen in the window
    expect(w.exceptions.find((e) => e.resource === ARN.bob)).toMatchObject({ firstSeen: { date: '2026-03-02' } });
    expect(w.continuity.daysWithoutBundle).toEqual(['2026-03-04']);
    // the first promotion log of the window is not a baseline and links to a bundle before the window: no hole
    expect(w.populations.promotions.notes).toEqual([]);
  });

  it('uses the config observationPeriod when no flags are given, and counts future days only through today', async () => {
    const w = await report({ window: { period: { from: '2026-02-27', to: '2027-01-31' } }, now: new Date('2026-03-10T12:00:00Z') });
    expect(w.window).toMatchObject({ from: '2026-02-27', to: '2027-01-31', basis: 'config', through: '2026-03-10', days: 12 });
    expect(w.continuity.daysWithoutBundle).toEqual(['2026-02-27', '2026-02-28', '2026-03-04', '2026-03-08', '2026-03-09', '2026-03-10']);
    expect(w.populations.promotions.notes.join(' ')).toContain('baseline taken 2026-03-01');
  });
});

describe('outputs', () => {
  it('writes every output file', () => {
    for (const f of ['index.html', 'report.md', 'report.json', 'populations/promotions.csv', 'populations/privileged-access.csv', 'populations/secret-rotations.csv', 'populations/promotion-baselines.csv', 'exceptions.csv', 'artifacts.csv', 'oscal/assessment-results.json'])
      expect(existsSync(path.join(out, f)), f).toBe(true);
  });

  it('CSV: RFC 4180 quoting, formula cells neutralised, one row per population row', () => {
    const text = readFileSync(path.join(out, 'populations/promotions.csv'), 'utf8');
    expect(text.endsWith('\r\n')).toBe(true);
    const rows = csvRows(text);
    expect(rows).toHaveLength(7);
    expect(new Set(rows.map((r) => r.length)).size).toBe(1);
    const actor = rows[0]!.indexOf('actor');
    const actors = rows.slice(1).map((r) => r[actor]);
    expect(actors).toContain(XSS);
    expect(actors).toContain(`'=HYPERLINK("http://evil.example","x")`);
    expect(text).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    for (const r of rows.slice(1)) for (const c of r) expect(c).not.toMatch(/^[=+\-@]/);
    const ex = csvRows(readFileSync(path.join(out, 'exceptions.csv'), 'utf8'));
    expect(ex).toHaveLength(6);
    expect(ex.map((r) => r[5])).toContain(ARN.xss);
  });

  it('HTML: self-contained, no scripts or remote references, collected strings escaped', () => {
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).not.toContain(XSS);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed|image|use|foreignObject)\b|@import|url\(|\s(src|srcset|xlink:href)\s*=\s*["']|javascript:/i);
    expect(html).toContain('Content-Security-Policy');
    expect(html).toContain('<svg class="grid"');
    expect(html).toContain('@media print');
    for (const c of m.criteria) expect(html).toContain(`>${c.id}<`);
  });

  it('Markdown: the same content, with collected strings escaped', () => {
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md.startsWith('# SOC 2 Type II evidence report — Acme ML')).toBe(true);
    // collected strings appear either entity-escaped or inside code spans, where Markdown shows them verbatim
    expect(md.replace(/`[^`\n]*`/g, '')).not.toMatch(/<img/);
    expect(md).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(md).toContain('Days without a complete bundle: 2026-03-03, 2026-03-04.');
    expect(md).toContain('iam:GenerateCredentialReport');
    for (const c of m.criteria) expect(md).toContain(`**${c.id}**`);
  });
});

describe('OSCAL assessment-results', () => {
  const UUID4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
  let doc: any;
  beforeAll(() => {
    doc = JSON.parse(readFileSync(path.join(out, 'oscal/assessment-results.json'), 'utf8'))['assessment-results'];
  });

  it('has the required fields', () => {
    expect(doc.uuid).toMatch(UUID4);
    expect(doc.metadata).toMatchObject({ title: expect.stringContaining('Acme ML'), 'last-modified': m.generatedAt, version: expect.any(String), 'oscal-version': '1.1.2' });
    expect(doc['import-ap'].href).toBe('assessment-plan.json');
    expect(existsSync(path.join(out, 'oscal', doc['import-ap'].href))).toBe(true);
    expect(doc.results).toHaveLength(1);
    const r = doc.results[0];
    expect(r).toMatchObject({ uuid: expect.stringMatching(UUID4), title: expect.any(String), description: expect.any(String), start: '2026-03-01T00:00:00Z', end: '2026-03-07T23:59:59Z' });
    const ids = r['reviewed-controls']['control-selections'][0]['include-controls'].map((c: { 'control-id': string }) => c['control-id']);
    expect(ids).toEqual(m.criteria.map((c) => c.id.toLowerCase()));
    expect(ids).toContain('cc6.1');
    const obs = new Set<string>();
    const res = new Set(doc['back-matter'].resources.map((x: { uuid: string }) => x.uuid));
    for (const o of r.observations) {
      expect(o.uuid).toMatch(UUID4);
      expect(o.description).toEqual(expect.any(String));
      expect(o.methods.length).toBeGreaterThan(0);
      for (const x of o.methods) expect(['EXAMINE', 'INTERVIEW', 'TEST', 'UNKNOWN']).toContain(x);
      expect(Number.isNaN(Date.parse(o.collected))).toBe(false);
      // an observation of manual evidence with no file (a period without evidence) has none to link
      for (const e of o['relevant-evidence'] ?? []) {
        expect(e.href).toMatch(/^#/);
        expect(res.has(e.href.slice(1))).toBe(true);
        expect(e.description).toEqual(expect.any(String));
      }
      obs.add(o.uuid);
    }
    expect(r.findings.length).toBeGreaterThan(0);
    for (const f of r.findings) {
      expect(f).toMatchObject({ uuid: expect.stringMatching(UUID4), title: expect.any(String), description: expect.any(String) });
      expect(f.target.type).toBe('objective-id');
      expect(ids).toContain(f.target['target-id']);
      expect(['satisfied', 'not-satisfied']).toContain(f.target.status.state);
      expect(f['related-observations'].length).toBeGreaterThan(0);
      for (const ro of f['related-observations']) expect(obs.has(ro['observation-uuid'])).toBe(true);
    }
    expect(r.findings.find((f: any) => f.target['target-id'] === 'cc6.6').target.status.state).toBe('not-satisfied');
  });

  it('every back-matter hash equals the SHA-256 of the file its link points to', () => {
    const links = doc['back-matter'].resources.flatMap((r: any) => r.rlinks ?? []);
    expect(links.length).toBe(m.artifacts.length + 2 * m.bundles.length + 1); // artifacts, findings.json and manifest.json of each bundle, and the catalog
    for (const l of links) {
      const file = path.resolve(out, 'oscal', l.href);
      expect(l.hashes).toEqual([{ algorithm: 'SHA-256', value: sha(file) }]);
    }
  });
});
