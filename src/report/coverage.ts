// Expected coverage: for every day of the window, which source × collector × scope the config in force
// expected (config.json of the day's bundles, src/config/expected.ts) and whether a bundle of that day
// collected it. What ran does not define what was expected: an `--only` run, a dropped source, a
// missing account or region, an empty bundle all leave the units they did not cover "missing".
import type { CollectorEntry } from '../bundle/manifest.js';
import type { ExpectedUnit } from '../config/expected.js';
import type { Coverage, CoverageDay, CoverageUnit, FileRef } from './model.js';

export type UnitStatus = 'ok' | 'error' | 'missing';

interface DayInput {
  configs: FileRef[];
  /** per evidence stream: the units its bundles of the day expect (streams collect different sources) */
  expected: Map<string, Map<string, ExpectedUnit>>;
  entries: { source: string; collector: string; scope: Record<string, string>; status: CollectorEntry['status'] }[];
}

export const stableScope = (scope: Record<string, string>): string =>
  Object.keys(scope)
    .sort()
    .map((k) => `${k}=${scope[k]}`)
    .join(',');

export const unitKey = (u: { source: string; collector: string; scope: Record<string, string> }): string => `${u.source}/${u.collector}${Object.keys(u.scope).length ? ` ${stableScope(u.scope).replace(/,/g, ' ')}` : ''}`;

/** An entry that collected covers a unit when it has every key the unit fixes, with the same value. */
const covers = (collected: Record<string, string>, expected: Record<string, string>) => Object.entries(expected).every(([k, v]) => collected[k] === v);
/** An entry that failed (e.g. an account's AssumeRole) concerns a unit when no key they share differs. */
const concerns = (failed: Record<string, string>, expected: Record<string, string>) => Object.entries(failed).every(([k, v]) => !(k in expected) || expected[k] === v);

/** Collector ids start with their system (aws-iam, mlflow-registry, vertex-endpoints, prometheus-availability; sagemaker-* is AWS). */
const systemOf = (collector: string): ExpectedUnit['system'] => (collector.startsWith('mlflow') ? 'mlflow' : collector.startsWith('vertex') ? 'vertex' : collector.startsWith('prometheus') ? 'prometheus' : 'aws');

export class CoverageAggregator {
  private readonly byDay = new Map<string, DayInput>();
  private readonly observed = new Map<string, ExpectedUnit>();
  private resolved: Map<string, { basis: CoverageDay['basis']; configs: FileRef[]; units: { unit: ExpectedUnit; key: string; status: UnitStatus }[]; byCollector: Map<string, { unit: ExpectedUnit; key: string; status: UnitStatus }[]> }> | null = null;

  private day(date: string): DayInput {
    let d = this.byDay.get(date);
    if (!d) this.byDay.set(date, (d = { configs: [], expected: new Map(), entries: [] }));
    return d;
  }

  /** One bundle: its collector entries, and the units its stored config expects (null: no config.json). */
  addBundle(date: string, stream: string | null, collectors: CollectorEntry[], stored: { file: FileRef; expected: ExpectedUnit[] } | null): void {
    const d = this.day(date);
    if (stored) {
      d.configs.push(stored.file);
      const k = stream ?? '';
      const mine = d.expected.get(k) ?? new Map<string, ExpectedUnit>();
      for (const u of stored.expected) mine.set(unitKey(u), u);
      d.expected.set(k, mine);
    }
    for (const c of collectors) {
      const scope = Object.fromEntries(Object.entries(c.scope ?? {}).filter(([k]) => k !== 'source').map(([k, v]) => [k, String(v)]));
      d.entries.push({ source: c.source, collector: c.id, scope, status: c.status });
      if (c.status !== 'skipped') {
        const u: ExpectedUnit = { source: c.source, system: systemOf(c.id), collector: c.id, scope };
        this.observed.set(unitKey(u), u);
      }
    }
  }

  /**
   * Resolves every day: per stream, the config in force (that day's, else the last one before it,
   * else the first one after it), their union expected; then each unit's status.
   */
  finish(days: string[]): void {
    const current = new Map<string, { units: Map<string, ExpectedUnit>; config: FileRef[] }>();
    // before a stream's first config, its first config is taken as in force
    for (const date of days)
      for (const [stream, units] of this.byDay.get(date)?.expected ?? [])
        if (!current.has(stream)) current.set(stream, { units, config: this.byDay.get(date)!.configs });
    this.resolved = new Map();
    for (const date of days) {
      const d = this.byDay.get(date);
      for (const [stream, units] of d?.expected ?? []) current.set(stream, { units, config: d!.configs });
      const basis: CoverageDay['basis'] = d?.expected.size ? (d.expected.size === current.size ? 'config' : 'carried') : current.size ? 'carried' : this.observed.size ? 'observed' : 'none';
      const expected = new Map<string, ExpectedUnit>();
      for (const c of current.values()) for (const [k, u] of c.units) expected.set(k, u);
      if (!current.size) for (const [k, u] of this.observed) expected.set(k, u);
      const entries = d?.entries ?? [];
      const units = [...expected].map(([key, unit]) => {
        const mine = entries.filter((e) => e.source === unit.source && e.collector === unit.collector);
        const status: UnitStatus = mine.some((e) => e.status === 'error' && concerns(e.scope, unit.scope)) ? 'error' : mine.some((e) => e.status === 'ok' && covers(e.scope, unit.scope)) ? 'ok' : 'missing';
        return { unit, key, status };
      });
      // unitsOn is asked once per day × check: index the day's units by collector once
      const byCollector = new Map<string, typeof units>();
      for (const u of units) {
        const l = byCollector.get(u.unit.collector);
        if (l) l.push(u);
        else byCollector.set(u.unit.collector, [u]);
      }
      this.resolved.set(date, { basis, configs: [...new Set([...current.values()].flatMap((c) => c.config))], units, byCollector });
    }
  }

  /** The units of a collector expected on a day, with their status. */
  unitsOn(date: string, collector: string): { unit: ExpectedUnit; key: string; status: UnitStatus }[] {
    return [...(this.resolved?.get(date)?.byCollector.get(collector) ?? [])];
  }

  /** The day's expectation: counts and the units not (fully) collected. */
  dayOf(date: string): CoverageDay {
    const r = this.resolved?.get(date);
    const units = r?.units ?? [];
    const keys = (s: UnitStatus) => units.filter((u) => u.status === s).map((u) => u.key);
    return {
      date,
      basis: r?.basis ?? 'none',
      configs: r?.configs ?? [],
      expected: units.length,
      covered: keys('ok').length,
      error: keys('error').length,
      missing: keys('missing').length,
      missingUnits: keys('missing'),
      errorUnits: keys('error'),
    };
  }

  model(days: string[]): Coverage {
    const units = new Map<string, CoverageUnit>();
    const out = days.map((d) => this.dayOf(d));
    for (const date of days)
      for (const { unit, key, status } of this.resolved?.get(date)?.units ?? []) {
        let u = units.get(key);
        if (!u) units.set(key, (u = { key, source: unit.source, system: unit.system, collector: unit.collector, scope: unit.scope, expected: 0, covered: 0, error: 0, missing: 0, missingDates: [], errorDates: [] }));
        u.expected++;
        if (status === 'ok') u.covered++;
        else if (status === 'error') (u.error++, u.errorDates.push(date));
        else (u.missing++, u.missingDates.push(date));
      }
    const systems = new Map<string, Coverage['systems'][number] & { keys: Set<string> }>();
    for (const u of units.values()) {
      const k = `${u.system}\n${u.source}`;
      let s = systems.get(k);
      if (!s) systems.set(k, (s = { system: u.system, source: u.source, units: 0, daysComplete: 0, daysIncomplete: [], keys: new Set() }));
      s.keys.add(u.key);
      s.units++;
    }
    for (const s of systems.values()) {
      const incomplete = new Set([...units.values()].filter((u) => s.keys.has(u.key)).flatMap((u) => [...u.missingDates, ...u.errorDates]));
      s.daysIncomplete = days.filter((d) => incomplete.has(d));
      s.daysComplete = days.filter((d) => !incomplete.has(d) && (this.resolved?.get(d)?.units.some((x) => s.keys.has(x.key)) ?? false)).length;
    }
    const notes: string[] = [];
    if (out.some((d) => d.basis === 'observed')) notes.push('No bundle of the window stores its config (bundles written before config.json): on those days every source × collector × scope collected at any time in the window is expected.');
    // a unit the config stopped expecting is stated, so dropping a source is visible, not silent
    const lastDay = new Map<string, string>();
    for (const d of days) for (const x of this.resolved?.get(d)?.units ?? []) lastDay.set(x.key, d);
    for (const u of units.values()) {
      const last = lastDay.get(u.key);
      if (last && last < days[days.length - 1]!) notes.push(`${u.key}: expected through ${last}; the config in force after that no longer names it.`);
    }
    const carried = out.filter((d) => d.basis === 'carried').length;
    if (carried) notes.push(`${carried} day(s) without a bundle that stores its config: the config of the previous such day (or, before the first, of the first) is taken as in force.`);
    return {
      method:
        'Each bundle stores the redacted config in force (config.json) with the source × collector × scope units it expects, whatever `--only` selected. A unit is covered on a day when a bundle of that day has a collector entry for it without gaps; error when the entry recorded gaps; missing when no bundle of the day collected it (no bundle, an --only run, a dropped account or region, an empty bundle).',
      units: [...units.values()].sort((a, b) => a.key.localeCompare(b.key)),
      days: out,
      systems: [...systems.values()].map(({ keys: _k, ...s }) => s).sort((a, b) => a.system.localeCompare(b.system) || a.source.localeCompare(b.source)),
      notes,
    };
  }
}
