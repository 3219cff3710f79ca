// Criteria of the report: what is mapped to each, its evidence and pass rates by day (the calendar),
// its exceptions, and its conclusion over the period from the controls addressing it
// (src/report/controls.ts). CriteriaAggregator fills the per-criterion aggregates during buildReport's pass over the bundles.
import { criteriaInScope, type Criterion, type Mappings, type UserControl } from '../mapping/index.js';
import { criterionPeriod } from './controls.js';
import type { ControlReport, CriterionReport, EvidenceKind, EvidenceStatus, ExceptionRow, FileRef, FindingBrief, ReportModel } from './model.js';

export interface DayAgg {
  pass: number;
  fail: number;
  error: number;
  collected: boolean;
}

export interface KindAgg {
  artifacts: number;
  bundles: number;
  lastBundle: string;
  firstDate: string;
  lastDate: string;
  latest: EvidenceKind['latest'];
}

export interface CritAgg {
  days: Map<string, DayAgg>;
  kinds: Map<string, KindAgg>;
  kindsSeen: Set<string>;
  checksSeen: Set<string>;
  latest: CriterionReport['latest'];
  pass: number;
  fail: number;
  error: number;
}

export interface CriteriaInput {
  criteria: Criterion[];
  agg: Map<string, CritAgg>;
  kindMap: Map<string, Set<string>>;
  checkMap: Map<string, Set<string>>;
  controls: ControlReport[];
  exceptions: ExceptionRow[];
  days: string[];
  userControls: UserControl[];
}

/** One report row per criterion in scope, and its calendar row. */
export function criterionReports(o: CriteriaInput): { criteria: CriterionReport[]; calendarRows: ReportModel['calendar']['rows'] } {
  const calendarRows: ReportModel['calendar']['rows'] = [];
  const out: CriterionReport[] = o.criteria.map((c) => {
    const a = o.agg.get(c.id)!;
    const artifactKinds = [...new Set([...[...o.kindMap].filter(([, s]) => s.has(c.id)).map(([k]) => k), ...a.kindsSeen])].sort();
    const checks = [...new Set([...[...o.checkMap].filter(([, s]) => s.has(c.id)).map(([k]) => k), ...a.checksSeen])].sort();
    const automated = artifactKinds.length + checks.length > 0;
    const evDays = [...a.days.entries()].filter(([, d]) => d.collected || d.pass + d.fail + d.error > 0).map(([d]) => d).sort();
    const addressing = o.controls.filter((x) => x.criteria.includes(c.id));
    const { cells: periodCells, period } = criterionPeriod(o.days, addressing);
    const fallback: EvidenceStatus = evDays.length ? 'collected' : automated ? 'no-evidence' : 'manual';
    const status: EvidenceStatus = period.conclusion === 'effective' ? 'pass' : period.conclusion === 'deviations' ? 'fail' : period.conclusion === 'not-tested' ? 'not-tested' : period.conclusion === 'due' ? 'due' : fallback;
    const ex = o.exceptions.filter((e) => e.criteria.includes(c.id));
    const cells: EvidenceStatus[] = o.days.map((d) => {
      const x = a.days.get(d);
      if (!x) return automated ? 'no-evidence' : 'manual';
      return x.fail ? 'fail' : x.error ? 'error' : x.pass ? 'pass' : x.collected ? 'collected' : automated ? 'no-evidence' : 'manual';
    });
    calendarRows.push({ criterion: c.id, cells });
    const total = a.pass + a.fail + a.error;
    return {
      id: c.id,
      category: c.category,
      family: c.family,
      title: c.title,
      automated,
      status,
      artifactKinds,
      checks,
      controls: o.userControls.filter((x) => x.criteria.includes(c.id)).map((x) => x.id),
      addressedBy: addressing.map((x) => x.id),
      supportedBy: o.controls.filter((x) => x.supports.includes(c.id)).map((x) => x.id),
      period,
      periodCells,
      daysWithEvidence: evDays.length,
      firstEvidence: evDays[0] ?? null,
      lastEvidence: evDays[evDays.length - 1] ?? null,
      latest: a.latest,
      passRate: {
        pass: a.pass,
        fail: a.fail,
        error: a.error,
        rate: total ? a.pass / total : null,
        days: [...a.days.entries()]
          .filter(([, d]) => d.pass + d.fail + d.error > 0)
          .sort(([x], [y]) => x.localeCompare(y))
          .map(([date, d]) => ({ date, pass: d.pass, fail: d.fail, error: d.error })),
      },
      exceptions: ex.map((e) => e.id),
      openExceptions: ex.filter((e) => e.status === 'open').length,
      evidence: [...a.kinds.entries()].sort(([x], [y]) => x.localeCompare(y)).map(([kind, k]) => ({ kind, artifacts: k.artifacts, bundles: k.bundles, firstDate: k.firstDate, lastDate: k.lastDate, latest: k.latest })),
    };
  });
  return { criteria: out, calendarRows };
}

/**
 * Fills the per-criterion aggregates from the bundles: what is mapped to each criterion (our mappings
 * plus the user's controls), the evidence kinds seen per day, the checks' results per day, and the
 * newest bundle's findings (the latest state).
 */
export class CriteriaAggregator {
  readonly criteria: Criterion[];
  readonly inScope: Set<string>;
  readonly kindMap = new Map<string, Set<string>>();
  readonly checkMap = new Map<string, Set<string>>();
  readonly agg = new Map<string, CritAgg>();
  private latestHere = new Map<string, FindingBrief[]>();

  constructor(
    mappings: Mappings,
    scope: string[],
    private readonly userControls: UserControl[] = mappings.controls,
  ) {
    this.criteria = criteriaInScope(mappings, scope);
    this.inScope = new Set(this.criteria.map((c) => c.id));
    const add = (m: Map<string, Set<string>>, k: string, cs: string[]) => {
      const s = m.get(k) ?? new Set<string>();
      for (const c of cs) s.add(c);
      m.set(k, s);
    };
    for (const [k, e] of Object.entries(mappings.artifacts)) add(this.kindMap, k, e.criteria);
    for (const [k, e] of Object.entries(mappings.checks)) add(this.checkMap, k, e.criteria);
    for (const ctl of mappings.controls) {
      for (const k of ctl.artifacts) add(this.kindMap, k, ctl.criteria);
      for (const k of ctl.checks) add(this.checkMap, k, ctl.criteria);
    }
    for (const c of this.criteria) this.agg.set(c.id, { days: new Map(), kinds: new Map(), kindsSeen: new Set(), checksSeen: new Set(), latest: null, pass: 0, fail: 0, error: 0 });
  }

  /** In-scope criteria of an artifact kind (or check); unmapped ones fall back to what the bundle recorded. */
  criteriaOfKind = (kind: string, recorded: unknown): string[] => this.critOf(this.kindMap, kind, recorded);
  criteriaOfCheck = (check: string, recorded: unknown): string[] => this.critOf(this.checkMap, check, recorded);

  private critOf(m: Map<string, Set<string>>, key: string, recorded: unknown): string[] {
    const list = m.get(key) ? [...m.get(key)!] : Array.isArray(recorded) ? recorded.map(String) : [];
    return list.filter((c) => this.inScope.has(c));
  }

  private dayAgg(c: string, date: string): DayAgg {
    const a = this.agg.get(c)!;
    let d = a.days.get(date);
    if (!d) a.days.set(date, (d = { pass: 0, fail: 0, error: 0, collected: false }));
    return d;
  }

  addArtifact(id: string, date: string, kind: string, crits: string[], latest: EvidenceKind['latest'][number]): void {
    for (const c of crits) {
      const ca = this.agg.get(c)!;
      ca.kindsSeen.add(kind);
      this.dayAgg(c, date).collected = true;
      let k = ca.kinds.get(kind);
      if (!k) ca.kinds.set(kind, (k = { artifacts: 0, bundles: 0, lastBundle: '', firstDate: date, lastDate: date, latest: [] }));
      k.artifacts++;
      if (k.lastBundle !== id) {
        k.bundles++;
        k.lastBundle = id;
        k.latest = [];
      }
      k.lastDate = date;
      k.latest.push(latest);
    }
  }

  addFinding(date: string, brief: FindingBrief, crits: string[]): void {
    for (const c of crits) {
      const ca = this.agg.get(c)!;
      ca.checksSeen.add(brief.check);
      const d = this.dayAgg(c, date);
      const st = brief.status;
      if (st === 'pass' || st === 'fail' || st === 'error') {
        d[st]++;
        ca[st]++;
      }
      const l = this.latestHere.get(c) ?? [];
      l.push(brief);
      this.latestHere.set(c, l);
    }
  }

  /** After a bundle's findings: they become the latest state of the criteria they touch. */
  endBundle(id: string, date: string, findingsFile: FileRef): void {
    for (const [c, list] of this.latestHere) this.agg.get(c)!.latest = { bundle: id, date, status: worst(list.map((b) => b.status)) ?? 'collected', findings: list, findingsFile };
    this.latestHere = new Map();
  }

  reports(o: { controls: ControlReport[]; exceptions: ExceptionRow[]; days: string[] }): { criteria: CriterionReport[]; calendarRows: ReportModel['calendar']['rows'] } {
    return criterionReports({ criteria: this.criteria, agg: this.agg, kindMap: this.kindMap, checkMap: this.checkMap, controls: o.controls, exceptions: o.exceptions, days: o.days, userControls: this.userControls });
  }
}

function worst(statuses: Iterable<string>): 'pass' | 'fail' | 'error' | null {
  let w: 'pass' | 'fail' | 'error' | null = null;
  for (const s of statuses) {
    if (s === 'fail') return 'fail';
    if (s === 'error') w = 'error';
    else if (s === 'pass' && w === null) w = 'pass';
  }
  return w;
}
