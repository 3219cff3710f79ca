// Criteria of the report: what is mapped to each, its evidence and pass rates by day (the calendar),
// its exceptions, and its conclusion over the period from the controls addressing it
// (src/report/controls.ts). The per-criterion aggregates are filled by buildReport's pass over the bundles.
import type { Criterion, UserControl } from '../mapping/index.js';
import { criterionPeriod } from './controls.js';
import type { ControlReport, CriterionReport, EvidenceKind, EvidenceStatus, ExceptionRow, ReportModel } from './model.js';

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
    const status: EvidenceStatus = period.conclusion === 'effective' ? 'pass' : period.conclusion === 'deviations' ? 'fail' : period.conclusion === 'not-tested' ? 'not-tested' : fallback;
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
