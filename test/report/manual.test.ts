// Manual evidence over the period: the required periods of a manual test, which evidence covers each,
// deviations for elapsed periods without evidence, "due" for the rest, and how a control with checks and
// manual tests concludes on both.
import { describe, expect, it } from 'vitest';
import { withManual } from '../../src/report/controls.js';
import { dueList, judgeManualTest, requiredPeriods, type ManualEvidenceItem } from '../../src/report/manual.js';
import { loadRegister } from '../../src/mapping/controls.js';
import type { PeriodResult } from '../../src/report/model.js';

const item = (covers: { from: string; to: string }, o: Partial<ManualEvidenceItem> = {}): ManualEvidenceItem => ({
  control: 'IAM-07',
  test: 'access-review',
  fileName: 'review.pdf',
  title: 'review',
  note: null,
  addedBy: 'dana',
  addedAt: `${covers.to}T10:00:00.000Z`,
  covers,
  mediaType: 'application/pdf',
  sha256: 'a'.repeat(64),
  bytes: 10,
  bundle: '2026-10-02T00-00-00Z-abcd',
  file: null,
  ...o,
});
const accessReview = { id: 'access-review', request: 'The signed access review of each quarter.', every: 'quarterly' as const };

describe('required periods', () => {
  it('are whole calendar periods overlapping the window', () => {
    expect(requiredPeriods('quarterly', { from: '2026-02-15', to: '2026-08-01' })).toEqual([
      { from: '2026-01-01', to: '2026-03-31' },
      { from: '2026-04-01', to: '2026-06-30' },
      { from: '2026-07-01', to: '2026-09-30' },
    ]);
    expect(requiredPeriods('annually', { from: '2025-11-01', to: '2026-02-01' })).toEqual([
      { from: '2025-01-01', to: '2025-12-31' },
      { from: '2026-01-01', to: '2026-12-31' },
    ]);
    expect(requiredPeriods('monthly', { from: '2026-11-20', to: '2027-01-05' }).map((p) => p.to)).toEqual(['2026-11-30', '2026-12-31', '2027-01-31']);
    expect(requiredPeriods('monthly', { from: '2028-02-01', to: '2028-02-10' })).toEqual([{ from: '2028-02-01', to: '2028-02-29' }]);
    expect(requiredPeriods('semiannually', { from: '2026-05-01', to: '2026-07-01' }).map((p) => `${p.from}..${p.to}`)).toEqual(['2026-01-01..2026-06-30', '2026-07-01..2026-12-31']);
    expect(requiredPeriods('period', { from: '2026-03-01', to: '2026-08-31' })).toEqual([{ from: '2026-03-01', to: '2026-08-31' }]);
  });
});

describe('a manual test over the window', () => {
  const window = { from: '2026-01-01', to: '2026-12-31', today: '2026-11-15' };

  it('covered periods list their evidence; an elapsed period without it is a deviation; one not over is due', () => {
    const evidence = [
      item({ from: '2026-01-01', to: '2026-03-31' }),
      item({ from: '2026-09-28', to: '2026-09-28' }), // a point-in-time review inside Q3
      item({ from: '2026-04-01', to: '2026-06-30' }, { control: 'OTHER-1' }), // another control's file covers nothing here
      item({ from: '2026-04-01', to: '2026-06-30' }, { bundle: null }), // pending: not yet in the chain
    ];
    const r = judgeManualTest('IAM-07', accessReview, evidence, window);
    expect(r.periods.map((p) => `${p.from} ${p.status} ${p.evidence.length}`)).toEqual(['2026-01-01 covered 1', '2026-04-01 deviation 0', '2026-07-01 covered 1', '2026-10-01 due 0']);
    expect([r.covered, r.deviations, r.due]).toEqual([2, 1, 1]);
  });

  it('a period ending after the window is due, not a deviation, even when today is later', () => {
    const r = judgeManualTest('IAM-07', accessReview, [], { from: '2026-01-01', to: '2026-05-15', today: '2027-01-10' });
    expect(r.periods.map((p) => p.status)).toEqual(['deviation', 'due']);
  });

  it('a control with checks concludes on both: a manual deviation makes an effective control deviate', () => {
    const auto: PeriodResult = { conclusion: 'effective', text: 'operated effectively on 30 of 30 days', days: 30, daysEffective: 30, daysWithDeviations: [], daysNotTested: [], daysNotApplicable: 0, occurrences: { expected: 30, tested: 30, pass: 30, fail: 0, error: 0, missing: 0, notApplicable: 0 }, deviations: [] };
    const missing = judgeManualTest('IAM-07', accessReview, [], window);
    const both = withManual(auto, [missing]);
    expect(both.conclusion).toBe('deviations');
    expect(both.text).toMatch(/^operated effectively on 30 of 30 days; manual evidence covers 0 of 4 required periods; 3 deviations \(elapsed without evidence\): access-review 2026-01-01\.\.2026-03-31, /);
    const covered = judgeManualTest('IAM-07', accessReview, ['01', '04', '07'].map((m) => item({ from: `2026-${m}-01`, to: `2026-${m}-28` })), window);
    expect(withManual(auto, [covered]).conclusion).toBe('effective');
    const manualOnly: PeriodResult = { ...auto, conclusion: 'manual', text: 'no automated test' };
    expect(withManual(manualOnly, [covered]).conclusion).toBe('effective');
    expect(withManual(manualOnly, [judgeManualTest('IAM-07', accessReview, [], { ...window, today: '2026-02-01' })]).conclusion).toBe('due');
  });
});

describe('evidence due', () => {
  it('lists elapsed periods without evidence and periods ending within the horizon', () => {
    const controls = loadRegister().controls.filter((c) => c.id === 'IAM-07' || c.id === 'VUL-02');
    const rows = dueList(controls, [item({ from: '2026-01-01', to: '2026-03-31' })], { from: '2026-01-01', to: '2026-12-31', today: '2026-09-10', withinDays: 30 });
    expect(rows.map((r) => `${r.control}/${r.test} ${r.period.from}..${r.period.to} ${r.status}`)).toEqual(['IAM-07/access-review 2026-04-01..2026-06-30 missing', 'IAM-07/access-review 2026-07-01..2026-09-30 due']);
    const later = dueList(controls, [], { from: '2026-01-01', to: '2026-12-31', today: '2026-12-10', withinDays: 30 });
    expect(later.filter((r) => r.control === 'VUL-02').map((r) => r.status)).toEqual(['due']);
  });
});
