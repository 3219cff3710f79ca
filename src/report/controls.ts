// Controls over the period: every day of the window, every expected test instance of every control
// (check × source × scope, the scopes coming from the expected coverage) is pass / fail / error /
// missing; a control's result is its occurrences tested, deviations and days not tested, with the
// dates; a criterion concludes from the controls addressing it over the whole period — never from
// the newest bundle, which is shown only as the latest state.
import type { Control } from '../mapping/controls.js';
import type { CoverageAggregator } from './coverage.js';
import { stableScope, unitKey } from './coverage.js';
import type { ControlReport, DayStatus, FileRef, InstanceStatus, PeriodResult, TestInstance } from './model.js';
import type { RemediationSummary } from '../review/remediation.js';
import { judgeManualTests, manualConclusion, manualText, type ManualEvidenceItem, type ManualTestReport } from './manual.js';

export const CONTINUITY_CHECK = 'soc2.collection-continuity';

interface FindingLite {
  source: string;
  scope: Record<string, string>;
  status: InstanceStatus;
  summary: string;
  exceptions: number;
  findingsFile: FileRef;
}

const RANK: Record<InstanceStatus, number> = { fail: 4, error: 3, missing: 2, pass: 1, not_applicable: 0 };
const collectorOf = (check: string) => check.slice(0, check.indexOf('.'));
const scopeText = (scope: Record<string, string>) => stableScope(scope).replace(/,/g, ' ');
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;

/** Worst status of a day's instances: a fail is a deviation; error or missing leave it untested. */
export function dayStatus(instances: { status: InstanceStatus }[]): DayStatus {
  if (!instances.length) return 'not-applicable';
  let w: InstanceStatus = 'not_applicable';
  for (const i of instances) if (RANK[i.status] > RANK[w]) w = i.status;
  return w === 'not_applicable' ? 'pass' : w;
}

/** Worst of several controls' day statuses (for a criterion). */
export function worstDay(cells: DayStatus[]): DayStatus {
  const order: DayStatus[] = ['fail', 'error', 'missing', 'pass', 'not-applicable', 'manual'];
  for (const s of order) if (cells.includes(s)) return s;
  return 'manual';
}

/** Summarises day statuses (and instances) over the period into the conclusion and its sentence. */
export function periodResult(days: string[], cells: DayStatus[], instances: TestInstance[], manual: boolean): PeriodResult {
  const dates = (s: DayStatus[]) => days.filter((_, i) => s.includes(cells[i]!));
  const deviationsDays = dates(['fail']);
  const notTested = dates(['error', 'missing']);
  const na = cells.filter((c) => c === 'not-applicable' || c === 'manual').length;
  const effective = cells.filter((c) => c === 'pass').length;
  const applicable = days.length - na;
  const count = (s: InstanceStatus) => instances.filter((i) => i.status === s).length;
  const occurrences = { expected: instances.length, tested: count('pass') + count('fail'), pass: count('pass'), fail: count('fail'), error: count('error'), missing: count('missing'), notApplicable: count('not_applicable') };
  const deviations = instances.filter((i) => i.status === 'fail');
  const conclusion: PeriodResult['conclusion'] =
    applicable === 0 ? (manual ? 'manual' : 'not-applicable') : deviationsDays.length ? 'deviations' : notTested.length ? 'not-tested' : 'effective';
  const list = (xs: string[], n = 5) => (xs.length > n ? `${xs.slice(0, n).join(', ')} and ${xs.length - n} more` : xs.join(', '));
  let text: string;
  if (conclusion === 'manual') text = 'no automated test: tested by the manual evidence requests only';
  else if (conclusion === 'not-applicable') text = 'nothing its tests examine was expected in the period (no configured source for its checks)';
  else {
    const parts = [`operated effectively on ${effective} of ${applicable} days`];
    if (deviations.length)
      parts.push(
        `${plural(deviations.length, 'deviation')} on ${plural(deviationsDays.length, 'day')}: ${list(deviations.map((d) => `${d.date} ${d.check}${d.source ? ` (${d.source}${Object.keys(d.scope).length ? ' ' + scopeText(d.scope) : ''})` : ''}${d.exceptions ? `, ${plural(d.exceptions, 'exception')}` : ''}`), 3)}`,
      );
    if (notTested.length) parts.push(`${plural(notTested.length, 'day')} not tested: ${list(notTested)}`);
    text = parts.join('; ');
  }
  return { conclusion, text, days: days.length, daysEffective: effective, daysWithDeviations: deviationsDays, daysNotTested: notTested, daysNotApplicable: na, occurrences, deviations };
}

export class ControlsAggregator {
  /** date → check → findings of that day (one per bundle × source × scope) */
  private readonly findings = new Map<string, Map<string, FindingLite[]>>();

  addFinding(date: string, check: string, f: FindingLite): void {
    let d = this.findings.get(date);
    if (!d) this.findings.set(date, (d = new Map()));
    const list = d.get(check) ?? [];
    list.push(f);
    d.set(check, list);
  }

  /**
   * The instances of one check on one day: one per expected unit of its collector (a unit that fixes
   * fewer keys than the findings have, e.g. no account, takes every finding it covers), plus findings
   * outside the expectation (evidence too). The day's worst result per source × scope counts.
   */
  instances(date: string, check: string, coverage: CoverageAggregator): TestInstance[] {
    if (check === CONTINUITY_CHECK) return [this.continuity(date, coverage)];
    const found = new Map<string, FindingLite>();
    for (const f of this.findings.get(date)?.get(check) ?? []) {
      const k = `${f.source}\n${stableScope(f.scope)}`;
      const prev = found.get(k);
      if (!prev || RANK[f.status] > RANK[prev.status]) found.set(k, f);
    }
    const out: TestInstance[] = [];
    const used = new Set<string>();
    const of = (f: FindingLite): TestInstance => ({ date, check, source: f.source, scope: f.scope, status: f.status, summary: f.summary, exceptions: f.exceptions, findingsFile: f.findingsFile });
    for (const { unit, status } of coverage.unitsOn(date, collectorOf(check))) {
      const mine = [...found].filter(([, f]) => f.source === unit.source && Object.entries(unit.scope).every(([k, v]) => f.scope[k] === v));
      for (const [k, f] of mine) if (!used.has(k)) (used.add(k), out.push(of(f)));
      if (!mine.length) {
        const why = status === 'missing' ? `${unitKey(unit)} was expected but not collected that day` : status === 'error' ? `${unitKey(unit)} was collected with gaps and the check did not run` : `${unitKey(unit)} was collected but the check recorded no result`;
        out.push({ date, check, source: unit.source, scope: unit.scope, status: status === 'error' ? 'error' : 'missing', summary: why, exceptions: 0, findingsFile: null });
      }
    }
    for (const [k, f] of found) if (!used.has(k)) out.push(of(f));
    return out;
  }

  /** The collection-continuity test of one day: everything the config in force expected was collected. */
  private continuity(date: string, coverage: CoverageAggregator): TestInstance {
    const d = coverage.dayOf(date);
    const base = { date, check: CONTINUITY_CHECK, source: '', scope: {}, findingsFile: d.configs[0] ?? null };
    if (!d.expected) return { ...base, status: 'not_applicable', summary: 'nothing was expected (no config in force)', exceptions: 0 };
    const bad = [...d.missingUnits.map((k) => `${k} missing`), ...d.errorUnits.map((k) => `${k} with gaps`)];
    if (!bad.length) return { ...base, status: 'pass', summary: `all ${d.expected} expected source × collector × scope units collected`, exceptions: 0 };
    return { ...base, status: 'fail', summary: `${bad.length} of ${d.expected} expected units not fully collected: ${bad.slice(0, 8).join('; ')}${bad.length > 8 ? ` and ${bad.length - 8} more` : ''}`, exceptions: bad.length };
  }

  /** Every control of the register whose criteria touch the scope, judged over the days. */
  controls(register: Control[], inScope: Set<string>, days: string[], lastBundleDay: string | null, coverage: CoverageAggregator, manual: { evidence: ManualEvidenceItem[]; window: { from: string; to: string }; today: string; remediation?: ReadonlyMap<string, RemediationSummary> } = { evidence: [], window: { from: days[0] ?? '', to: days[days.length - 1] ?? '' }, today: '9999-12-31' }): ControlReport[] {
    const out: ControlReport[] = [];
    // a check tested by several controls is judged once per day
    const memo = new Map<string, TestInstance[]>();
    const instancesOf = (date: string, check: string) => {
      const k = `${date}\n${check}`;
      let v = memo.get(k);
      if (!v) memo.set(k, (v = this.instances(date, check, coverage)));
      return v;
    };
    for (const c of register) {
      const criteria = c.criteria.filter((x) => inScope.has(x));
      if (!criteria.length) continue;
      const all: TestInstance[] = [];
      const cells: DayStatus[] = [];
      let latest: ControlReport['latest'] = null;
      for (const date of days) {
        const inst = c.tests.checks.flatMap((k) => instancesOf(date, k));
        all.push(...inst);
        const st = c.tests.checks.length ? dayStatus(inst) : 'manual';
        cells.push(st);
        if (date === lastBundleDay) latest = { date, status: st, instances: inst };
      }
      const manualEvidence = judgeManualTests(c, manual.evidence, { ...manual.window, today: manual.today }, manual.remediation);
      out.push({
        id: c.id,
        title: c.title,
        description: c.description,
        owner: c.owner,
        frequency: c.frequency,
        criteria,
        supports: c.supports.filter((x) => inScope.has(x)),
        checks: c.tests.checks,
        manual: c.tests.manual,
        manualEvidence,
        file: c.file.split(/[\\/]/).pop() ?? c.file,
        period: withManual(periodResult(days, cells, all, c.tests.manual.length > 0), manualEvidence),
        cells,
        notTested: all.filter((i) => i.status === 'error' || i.status === 'missing'),
        latest,
      });
    }
    return out;
  }
}

/**
 * A control concludes on its checks and its manual tests: an elapsed period without evidence is a
 * deviation; a control with only manual tests is effective when every elapsed period is covered, and
 * "due" while none has elapsed.
 */
export function withManual(p: PeriodResult, tests: ManualTestReport[]): PeriodResult {
  if (!tests.length) return p;
  const m = manualConclusion(tests);
  const text = manualText(tests);
  if (p.conclusion === 'manual' || p.conclusion === 'not-applicable') return { ...p, conclusion: m, text };
  const conclusion = m === 'deviations' ? 'deviations' : p.conclusion;
  return { ...p, conclusion, text: `${p.text}; ${text}` };
}

/** The worst conclusion of a criterion's controls' manual parts (null when none has manual tests). */
function manualRollUp(controls: ControlReport[]): 'deviations' | 'effective' | 'due' | null {
  const parts = controls.filter((c) => c.manualEvidence?.length).map((c) => manualConclusion(c.manualEvidence));
  if (!parts.length) return null;
  return parts.includes('deviations') ? 'deviations' : parts.includes('effective') ? 'effective' : 'due';
}

/** A criterion's period result: per day the worst of the controls addressing it. */
export function criterionPeriod(days: string[], controls: ControlReport[]): { cells: DayStatus[]; period: PeriodResult } {
  const cells = days.map((_, i) => (controls.length ? worstDay(controls.map((c) => c.cells[i]!)) : 'manual'));
  const instances = controls.flatMap((c) => [...c.period.deviations, ...c.notTested]).sort((a, b) => a.date.localeCompare(b.date) || a.check.localeCompare(b.check));
  const automated = periodResult(days, cells, instances, controls.some((c) => c.manual.length > 0) || !controls.length);
  // manual evidence rolls up too: a criterion tested only manually is covered, due or deviating, never bare "manual"
  const manual = manualRollUp(controls);
  const texts = controls.filter((c) => c.manualEvidence?.length).map((c) => `${c.id}: ${manualText(c.manualEvidence)}`);
  const period: PeriodResult = !manual
    ? automated
    : automated.conclusion === 'manual' || automated.conclusion === 'not-applicable'
      ? { ...automated, conclusion: manual, text: texts.join('; ') }
      : { ...automated, conclusion: manual === 'deviations' ? 'deviations' : automated.conclusion, text: `${automated.text}; ${texts.join('; ')}` };
  // occurrences over the criterion: the sum of its controls' (instances shared by two controls count twice)
  period.occurrences = controls.reduce(
    (a, c) => ({ expected: a.expected + c.period.occurrences.expected, tested: a.tested + c.period.occurrences.tested, pass: a.pass + c.period.occurrences.pass, fail: a.fail + c.period.occurrences.fail, error: a.error + c.period.occurrences.error, missing: a.missing + c.period.occurrences.missing, notApplicable: a.notApplicable + c.period.occurrences.notApplicable }),
    { expected: 0, tested: 0, pass: 0, fail: 0, error: 0, missing: 0, notApplicable: 0 },
  );
  // the failed instances are listed once, under the controls (addressedBy); a year of them twice would double report.json
  return { cells, period: { ...period, deviations: [] } };
}
