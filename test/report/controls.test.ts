// Controls judged over the whole period and coverage that knows what was expected: in process over
// small evidence dirs written with the real BundleWriter (test/report/fixtures.ts). Each case is one
// the latest-bundle report got wrong: a control failing 28 of 29 days, an --only run, an empty
// bundle, a missing account, a second evidence stream.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ExpectedUnit } from '../../src/config/expected.js';
import type { Control } from '../../src/mapping/controls.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport } from '../../src/report/aggregate.js';
import type { ReportModel } from '../../src/report/model.js';
import { renderOscal } from '../../src/report/oscal.js';
import { tmpDir } from '../helpers/cli.js';
import { MLF, writeDay, type Builder, type Target } from './fixtures.js';

const mappings = loadMappings();
const A = '111111111111';
const B = '222222222222';
const iam = (account: string): Target => ({ collector: 'aws-iam', source: 'main', system: 'aws', scope: { account }, segments: [account] });
const lineage: Target = { ...MLF, collector: 'mlflow-lineage' };
const at = (d: number) => new Date(Date.UTC(2026, 3, d, 2));
const date = (d: number) => `2026-04-${String(d).padStart(2, '0')}`;

const control = (id: string, criteria: string[], checks: string[]): Control => ({ id, title: `${id} control`, description: `${id} description text`, owner: 'Security', frequency: 'continuous', criteria, supports: [], tests: { checks, manual: [] }, file: 'test.yaml' });
const REGISTER = {
  from: 'test register',
  controls: [control('R-MFA', ['CC6.1'], ['aws-iam.root-mfa']), control('R-CHG', ['CC8.1'], ['mlflow-registry.production-approved']), control('R-CON', ['CC4.1'], ['soc2.collection-continuity'])],
};

async function report(ev: string): Promise<ReportModel> {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security'], organization: null, mappings, register: REGISTER, allowUnverified: false });
  if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
  return r.model;
}

const oscalState = (m: ReportModel, criterion: string) =>
  (renderOscal(m, { linkBase: '../' }) as any)['assessment-results'].results[0].findings.find((f: any) => f.target['target-id'] === criterion.toLowerCase())?.target.status.state;

describe('a control over the period', () => {
  it('failing on 28 of 29 days is a control with deviations, not "pass", though the newest day passes', async () => {
    const ev = path.join(tmpDir('soc2-ctl-'), 'evidence');
    const expected: ExpectedUnit[] = [{ source: 'main', system: 'aws', collector: 'aws-iam', scope: {} }];
    for (let d = 1; d <= 29; d++)
      await writeDay(ev, { at: at(d), build: async (b: Builder) => b.finding(iam(A), 'aws-iam.root-mfa', d < 29 ? 'fail' : 'pass', d < 29 ? [{ resource: `arn:aws:iam::${A}:root`, reason: 'no MFA' }] : []) }, { expected });
    const m = await report(ev);
    const mfa = m.controls.find((c) => c.id === 'R-MFA')!;
    expect(mfa.period).toMatchObject({ conclusion: 'deviations', days: 29, daysEffective: 1, daysNotTested: [] });
    expect(mfa.period.daysWithDeviations).toHaveLength(28);
    expect(mfa.period.occurrences).toMatchObject({ expected: 29, tested: 29, pass: 1, fail: 28 });
    expect(mfa.period.text).toMatch(/^operated effectively on 1 of 29 days; 28 deviations on 28 days: 2026-04-01 aws-iam\.root-mfa \(main account=111111111111\), 1 exception, /);
    // the latest state is still shown, labelled as such, and does not decide the criterion
    expect(mfa.latest).toMatchObject({ date: date(29), status: 'pass' });
    const cc61 = m.criteria.find((c) => c.id === 'CC6.1')!;
    expect(cc61.latest!.status).toBe('pass');
    expect(cc61.status).toBe('fail');
    expect(cc61.addressedBy).toEqual(['R-MFA']);
    expect(oscalState(m, 'CC6.1')).toBe('not-satisfied');
  });

  it('operating every day of the period is effective, and OSCAL says satisfied', async () => {
    const ev = path.join(tmpDir('soc2-ctl-'), 'evidence');
    const expected: ExpectedUnit[] = [{ source: 'main', system: 'aws', collector: 'aws-iam', scope: {} }];
    for (let d = 1; d <= 3; d++) await writeDay(ev, { at: at(d), build: async (b: Builder) => b.finding(iam(A), 'aws-iam.root-mfa', 'pass') }, { expected });
    const m = await report(ev);
    expect(m.criteria.find((c) => c.id === 'CC6.1')).toMatchObject({ status: 'pass', period: { conclusion: 'effective', text: 'operated effectively on 3 of 3 days' } });
    expect(oscalState(m, 'CC6.1')).toBe('satisfied');
    expect(m.criteria.find((c) => c.id === 'CC4.1')!.period.conclusion).toBe('effective');
  });
});

describe('expected coverage', () => {
  // Two streams: `aws` (organization.include of accounts A and B) and `ml` (MLflow registry and lineage).
  //   day 1  everything collected; production-approved fails
  //   day 2  account B not collected; production-approved fails
  //   day 3  the ml stream runs `--only mlflow-lineage`: the registry is not collected
  //   day 4  the aws stream writes an empty bundle (no collector ran)
  //   day 5  everything collected and passing
  const awsUnits: ExpectedUnit[] = [A, B].map((account) => ({ source: 'main', system: 'aws', collector: 'aws-iam', scope: { account } }));
  const mlUnits: ExpectedUnit[] = ['mlflow-registry', 'mlflow-lineage'].map((collector) => ({ source: 'mlflow-main', system: 'mlflow', collector, scope: {} }));
  let m: ReportModel;
  const build = async () => {
    const ev = path.join(tmpDir('soc2-cov-'), 'evidence');
    for (let d = 1; d <= 5; d++) {
      const accounts = d === 4 ? [] : d === 2 ? [A] : [A, B];
      await writeDay(ev, { at: at(d), build: async (b) => accounts.forEach((a) => b.finding(iam(a), 'aws-iam.root-mfa', 'pass')) }, { expected: awsUnits, stream: 'aws' });
      await writeDay(
        ev,
        {
          at: new Date(at(d).getTime() + 3_600_000),
          build: async (b) => {
            if (d !== 3) b.finding(MLF, 'mlflow-registry.production-approved', d <= 2 ? 'fail' : 'pass', d <= 2 ? [{ resource: 'fraud/2', reason: 'no approved_by tag' }] : []);
            b.finding(lineage, 'mlflow-lineage.git-commit-recorded', 'pass');
          },
        },
        { expected: mlUnits, stream: 'ml', ...(d === 3 ? { only: ['mlflow-lineage'] } : {}) },
      );
    }
    return report(ev);
  };

  it('a day covers only what its bundles collected: missing account, --only run and empty bundle are missing', async () => {
    m ??= await build();
    const missing = Object.fromEntries(m.coverage.days.map((d) => [d.date, d.missingUnits]));
    expect(missing).toEqual({
      [date(1)]: [],
      [date(2)]: [`main/aws-iam account=${B}`],
      [date(3)]: ['mlflow-main/mlflow-registry'],
      [date(4)]: [`main/aws-iam account=${A}`, `main/aws-iam account=${B}`],
      [date(5)]: [],
    });
    expect(m.coverage.days.every((d) => d.basis === 'config' && d.expected === 4)).toBe(true);
    // the empty bundle still counts as "complete" for the bundle-level view; coverage does not
    expect(m.continuity.daysWithoutComplete).toEqual([]);
    expect(m.coverage.systems).toEqual([
      { system: 'aws', source: 'main', units: 2, daysComplete: 3, daysIncomplete: [date(2), date(4)] },
      { system: 'mlflow', source: 'mlflow-main', units: 2, daysComplete: 4, daysIncomplete: [date(3)] },
    ]);
  });

  it('an --only run does not flip change management to pass: deviations stay, the day is not tested', async () => {
    m ??= await build();
    const chg = m.controls.find((c) => c.id === 'R-CHG')!;
    expect(chg.cells).toEqual(['fail', 'fail', 'missing', 'pass', 'pass']);
    expect(chg.period).toMatchObject({ conclusion: 'deviations', daysWithDeviations: [date(1), date(2)], daysNotTested: [date(3)], daysEffective: 2 });
    expect(chg.notTested).toEqual([expect.objectContaining({ date: date(3), check: 'mlflow-registry.production-approved', status: 'missing', summary: 'mlflow-main/mlflow-registry was expected but not collected that day' })]);
    expect(m.criteria.find((c) => c.id === 'CC8.1')!.status).toBe('fail');
  });

  it('root MFA is not tested on the days an account was missing, per control', async () => {
    m ??= await build();
    const mfa = m.controls.find((c) => c.id === 'R-MFA')!;
    expect(mfa.cells).toEqual(['pass', 'missing', 'pass', 'missing', 'pass']);
    expect(mfa.period).toMatchObject({ conclusion: 'not-tested', daysNotTested: [date(2), date(4)], text: `operated effectively on 3 of 5 days; 2 days not tested: ${date(2)}, ${date(4)}` });
    expect(m.criteria.find((c) => c.id === 'CC6.1')!.status).toBe('not-tested');
  });

  it('CC4.1 says which days an expected unit was missing', async () => {
    m ??= await build();
    const cc41 = m.criteria.find((c) => c.id === 'CC4.1')!;
    expect(cc41.addressedBy).toEqual(['R-CON']);
    expect(cc41.period.daysWithDeviations).toEqual([date(2), date(3), date(4)]);
    expect(m.controls.find((c) => c.id === cc41.addressedBy[0])!.period.deviations.map((d) => d.summary)).toEqual([
      `1 of 4 expected units not fully collected: main/aws-iam account=${B} missing`,
      '1 of 4 expected units not fully collected: mlflow-main/mlflow-registry missing',
      `2 of 4 expected units not fully collected: main/aws-iam account=${A} missing; main/aws-iam account=${B} missing`,
    ]);
    expect(oscalState(m, 'CC4.1')).toBe('not-satisfied');
  });
});

describe('a partial run', () => {
  it('an instance whose evidence had gaps is an error: the day is not tested, and CC4.1 names the gap', async () => {
    const ev = path.join(tmpDir('soc2-part-'), 'evidence');
    const expected: ExpectedUnit[] = [{ source: 'main', system: 'aws', collector: 'aws-iam', scope: {} }];
    for (let d = 1; d <= 2; d++)
      await writeDay(
        ev,
        {
          at: at(d),
          build: async (b) => {
            if (d === 2) b.gap(iam(A), { api: 'iam:GetAccountSummary', code: 'AccessDenied', message: 'denied' });
            b.finding(iam(A), 'aws-iam.root-mfa', d === 2 ? 'error' : 'pass');
          },
        },
        { expected },
      );
    const m = await report(ev);
    expect(m.bundles.map((b) => b.status)).toEqual(['complete', 'failed']);
    expect(m.coverage.days[1]).toMatchObject({ covered: 0, error: 1, missing: 0, errorUnits: ['main/aws-iam'] });
    const mfa = m.controls.find((c) => c.id === 'R-MFA')!;
    expect(mfa.cells).toEqual(['pass', 'error']);
    expect(mfa.period).toMatchObject({ conclusion: 'not-tested', daysNotTested: [date(2)], occurrences: { expected: 2, tested: 1, error: 1 } });
    const con = m.controls.find((c) => c.id === 'R-CON')!;
    expect(con.period.deviations.map((x) => x.summary)).toEqual(['1 of 1 expected units not fully collected: main/aws-iam with gaps']);
  });
});

