// The coverage aggregator alone: what the config in force expected each day against the collector
// entries of that day's bundles.
import { describe, expect, it } from 'vitest';
import type { CollectorEntry } from '../../src/bundle/manifest.js';
import type { ExpectedUnit } from '../../src/config/expected.js';
import { dayStatus, periodResult } from '../../src/report/controls.js';
import { CoverageAggregator } from '../../src/report/coverage.js';
import type { FileRef } from '../../src/report/model.js';

const entry = (id: string, source: string, scope: Record<string, string>, status: CollectorEntry['status'] = 'ok'): CollectorEntry => ({ id, source, scope, status, gaps: [], durationMs: 1, apiCalls: 1, retries: 0 });
const file = (bundle: string): FileRef => ({ bundle, path: 'config.json', href: `evidence/${bundle}/config.json`, sha256: '0'.repeat(64) });
const sm = (region: string, account?: string): ExpectedUnit => ({ source: 'main', system: 'aws', collector: 'aws-secrets-manager', scope: { ...(account ? { account } : {}), region } });
const DAYS = ['2026-05-01', '2026-05-02', '2026-05-03'];

describe('coverage', () => {
  it('carries the config in force over a day without a bundle, where everything is missing', () => {
    const c = new CoverageAggregator();
    c.addBundle(DAYS[0]!, null, [entry('aws-secrets-manager', 'main', { account: '1', region: 'us-east-1' })], { file: file('b1'), expected: [sm('us-east-1')] });
    c.addBundle(DAYS[2]!, null, [entry('aws-secrets-manager', 'main', { account: '1', region: 'us-east-1' })], { file: file('b3'), expected: [sm('us-east-1')] });
    c.finish(DAYS);
    expect(DAYS.map((d) => [c.dayOf(d).basis, c.dayOf(d).missing])).toEqual([['config', 0], ['carried', 1], ['config', 0]]);
    expect(c.dayOf(DAYS[1]!).configs).toEqual([file('b1')]);
  });

  it('a failed AssumeRole of an account marks its regional units as collected with gaps, not missing', () => {
    const c = new CoverageAggregator();
    c.addBundle(DAYS[0]!, null, [entry('aws-secrets-manager', 'main', { account: '2' }, 'error'), entry('aws-secrets-manager', 'main', { account: '1', region: 'us-east-1' })], { file: file('b1'), expected: [sm('us-east-1', '1'), sm('us-east-1', '2')] });
    c.finish(DAYS.slice(0, 1));
    expect(c.dayOf(DAYS[0]!)).toMatchObject({ covered: 1, error: 1, missing: 0, errorUnits: ['main/aws-secrets-manager account=2 region=us-east-1'] });
  });

  it('bundles written before config.json expect what was ever collected, and say so', () => {
    const c = new CoverageAggregator();
    c.addBundle(DAYS[0]!, null, [entry('aws-iam', 'main', { account: '1' }), entry('mlflow-registry', 'ml', {})], null);
    c.addBundle(DAYS[1]!, null, [entry('aws-iam', 'main', { account: '1' })], null);
    c.finish(DAYS.slice(0, 2));
    const model = c.model(DAYS.slice(0, 2));
    expect(model.days.map((d) => [d.basis, d.missingUnits])).toEqual([['observed', []], ['observed', ['ml/mlflow-registry']]]);
    expect(model.units.find((u) => u.key === 'ml/mlflow-registry')).toMatchObject({ system: 'mlflow', expected: 2, covered: 1, missing: 1, missingDates: [DAYS[1]] });
    expect(model.notes[0]).toContain('No bundle of the window stores its config');
  });

  it('a unit the config stops expecting is stated, not silently dropped', () => {
    const c = new CoverageAggregator();
    c.addBundle(DAYS[0]!, null, [], { file: file('b1'), expected: [sm('us-east-1'), sm('eu-west-1')] });
    c.addBundle(DAYS[1]!, null, [], { file: file('b2'), expected: [sm('us-east-1')] });
    c.finish(DAYS.slice(0, 2));
    expect(c.model(DAYS.slice(0, 2)).notes).toContain(`main/aws-secrets-manager region=eu-west-1: expected through ${DAYS[0]}; the config in force after that no longer names it.`);
  });
});

describe('period result', () => {
  it('a day with a failure is a deviation even when another instance is missing; n/a alone passes', () => {
    expect(dayStatus([{ status: 'missing' }, { status: 'fail' }])).toBe('fail');
    expect(dayStatus([{ status: 'pass' }, { status: 'error' }])).toBe('error');
    expect(dayStatus([{ status: 'not_applicable' }])).toBe('pass');
    expect(dayStatus([])).toBe('not-applicable');
  });

  it('says how many days operated, lists deviations and days not tested', () => {
    const r = periodResult(DAYS, ['pass', 'missing', 'pass'], [], false);
    expect(r).toMatchObject({ conclusion: 'not-tested', daysEffective: 2, daysNotTested: [DAYS[1]], text: `operated effectively on 2 of 3 days; 1 day not tested: ${DAYS[1]}` });
    expect(periodResult(DAYS, ['manual', 'manual', 'manual'], [], true).conclusion).toBe('manual');
  });
});
