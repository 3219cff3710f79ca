// What prometheus-availability asks the Prometheus HTTP API, and the pure functions that turn the
// answers into evidence: the window of complete UTC days, range queries split to respect the
// server's 11,000-points-per-series limit, firing-alert samples merged into incidents, and the
// PromQL references (metric names, job matchers) that decide which alerting rule covers a service.
import type { PrometheusContextExtras } from '../../src/clients/preparers.js';
import type { PrometheusSourceConfig } from '../../src/config/schema.js';
import type { BaseContext, OperationRecord } from '../../src/core/types.js';
import { DAY_MS } from '../define.js';

export type PrometheusContext = BaseContext<PrometheusSourceConfig> & PrometheusContextExtras;

/** Prometheus refuses a range query whose series would have more points (web/api/v1/api.go). */
export const MAX_POINTS_PER_SERIES = 11_000;

export interface Window {
  /** first and last measured day, YYYY-MM-DD */
  days: string[];
  /** start of the first day and end of the last (the collection day's midnight, UTC) */
  from: Date;
  to: Date;
}

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** The `lookbackDays` complete UTC days before the day of `now`. */
export function windowOf(now: Date, lookbackDays: number): Window {
  const to = Math.floor(now.getTime() / DAY_MS) * DAY_MS;
  const from = to - lookbackDays * DAY_MS;
  const days: string[] = [];
  for (let t = from; t < to; t += DAY_MS) days.push(isoDay(t));
  return { days, from: new Date(from), to: new Date(to) };
}

export interface Series {
  metric: Record<string, string>;
  /** [unix seconds, value as the API gives it] */
  values: [number, string][];
}

interface Matrix {
  resultType?: string;
  result?: Series[];
}

export interface RangeResult {
  series: Map<string, Series>;
  op: OperationRecord;
  warnings: string[];
}

const labelKey = (m: Record<string, string>) => JSON.stringify(Object.entries(m).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Runs query_range over [startSec, endSec] at `stepSec`, in as many requests as the points limit
 * needs (each request's series hold at most MAX_POINTS_PER_SERIES points), merging the series.
 * Throws the first failed request's error (a PrometheusApiError naming the call).
 */
export async function rangeQuery(ctx: PrometheusContext, o: { query: string; startSec: number; endSec: number; stepSec: number; maxPoints?: number }): Promise<RangeResult> {
  const api = 'prometheus:QueryRange';
  const perRequest = Math.max(1, Math.min(o.maxPoints ?? MAX_POINTS_PER_SERIES, MAX_POINTS_PER_SERIES));
  const series = new Map<string, Series>();
  const warnings: string[] = [];
  let pages = 0;
  for (let start = o.startSec; start <= o.endSec; start += perRequest * o.stepSec) {
    const end = Math.min(o.endSec, start + (perRequest - 1) * o.stepSec);
    const ans = await ctx.prometheus.get<Matrix>(api, '/api/v1/query_range', { query: o.query, start: String(start), end: String(end), step: `${o.stepSec}s` });
    pages++;
    warnings.push(...ans.warnings);
    if (ans.data?.resultType !== 'matrix' || !Array.isArray(ans.data.result)) {
      throw Object.assign(new Error(`${api} answered resultType ${String(ans.data?.resultType)} for ${o.query}; expected a matrix`), { code: 'BAD_RESPONSE', api });
    }
    for (const s of ans.data.result) {
      const k = labelKey(s.metric ?? {});
      const into = series.get(k);
      if (into) into.values.push(...(s.values ?? []));
      else series.set(k, { metric: s.metric ?? {}, values: [...(s.values ?? [])] });
    }
  }
  return { series, warnings, op: { api, params: { query: o.query, start: new Date(o.startSec * 1000).toISOString(), end: new Date(o.endSec * 1000).toISOString(), step: `${o.stepSec}s` }, pages, calls: pages } };
}

export interface DayValue {
  day: string;
  /** the worst (lowest) value among the query's series at the end of the day; null when no series had one */
  availability: number | null;
  /** how many series gave a value for the day */
  series: number;
}

/**
 * One value per day: the query is evaluated at the end of each day (the next midnight), so a
 * `[1d]` range covers exactly that day. NaN (e.g. 0/0) counts as no data.
 */
export function dailyValues(w: Window, series: Iterable<Series>): DayValue[] {
  const byEnd = new Map<number, number[]>();
  for (const s of series) {
    for (const [t, v] of s.values) {
      const x = Number(v);
      if (!Number.isFinite(x)) continue;
      const list = byEnd.get(Math.round(t)) ?? [];
      list.push(x);
      byEnd.set(Math.round(t), list);
    }
  }
  return w.days.map((day, i) => {
    const vals = byEnd.get(w.from.getTime() / 1000 + (i + 1) * 86_400) ?? [];
    return { day, availability: vals.length ? Math.min(...vals) : null, series: vals.length };
  });
}

export interface Incident {
  alertname: string;
  labels: Record<string, string>;
  /** first evaluation time at which the alert was firing */
  start: string;
  /** last evaluation time at which it was firing; null while still firing at the end of the window */
  end: string | null;
  ongoing: boolean;
  /** services whose covering rules include this alert */
  services: string[];
}

/** Splits each ALERTS series into runs of consecutive steps: one incident per run. */
export function incidentsOf(series: Iterable<Series>, stepSec: number, endSec: number, servicesOf: (alertname: string) => string[]): Incident[] {
  const out: Incident[] = [];
  for (const s of series) {
    const { __name__: _n, alertstate: _s, ...labels } = s.metric;
    const alertname = labels.alertname ?? '';
    const times = [...new Set(s.values.map(([t]) => Math.round(t)))].sort((a, b) => a - b);
    let first: number | undefined;
    let prev: number | undefined;
    const close = (last: number) => {
      const ongoing = last >= endSec;
      out.push({ alertname, labels, start: new Date(first! * 1000).toISOString(), end: ongoing ? null : new Date(last * 1000).toISOString(), ongoing, services: servicesOf(alertname) });
    };
    for (const t of times) {
      if (prev !== undefined && t - prev > stepSec) close(prev);
      if (prev === undefined || t - prev > stepSec) first = t;
      prev = t;
    }
    if (prev !== undefined) close(prev);
  }
  return out.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.alertname < b.alertname ? -1 : 1));
}

// ---- which alerting rule covers a service -------------------------------------------------------

export interface JobMatcher {
  op: '=' | '=~';
  value: string;
}

export interface References {
  metrics: Set<string>;
  jobs: JobMatcher[];
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'offset', 'bool', 'by', 'without', 'on', 'ignoring', 'group_left', 'group_right', 'inf', 'nan', 'atan2']);
const STRING = /"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g;
const unquote = (s: string) => (s.startsWith('`') ? s.slice(1, -1) : s.slice(1, -1).replace(/\\(.)/g, '$1'));

/** Metric names and `job` equality / regex matchers a PromQL expression selects. */
export function referencesOf(expr: string): References {
  const metrics = new Set<string>();
  const jobs: JobMatcher[] = [];
  for (const body of expr.match(/\{(?:[^{}"'`]|"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)*\}/g) ?? []) {
    for (const m of body.matchAll(/([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!=|!~|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/g)) {
      const [, label, op, quoted] = m;
      if (label === 'job' && (op === '=' || op === '=~')) jobs.push({ op, value: unquote(quoted!) });
      if (label === '__name__' && op === '=') metrics.add(unquote(quoted!));
    }
  }
  const bare = expr
    .replace(STRING, '""')
    .replace(/\{[^{}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  for (const m of bare.matchAll(/(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)(?![\w:])(?!\s*\()/g)) {
    if (!KEYWORDS.has(m[1]!.toLowerCase())) metrics.add(m[1]!);
  }
  return { metrics, jobs };
}

export interface RuleRecord {
  group: string;
  file: string | null;
  type: 'alerting' | 'recording';
  name: string;
  expr: string;
  /** alerting rules: the `for` duration in seconds */
  forSeconds: number | null;
  labels: Record<string, string>;
  health: string | null;
  lastError: string | null;
}

/** What an expression references once recording rules it uses are expanded (up to 5 levels). */
export function expandedReferences(expr: string, recording: Map<string, string[]>, depth = 5): References {
  const own = referencesOf(expr);
  const out: References = { metrics: new Set(own.metrics), jobs: [...own.jobs] };
  if (depth === 0) return out;
  for (const m of own.metrics) {
    for (const sub of recording.get(m) ?? []) {
      const r = expandedReferences(sub, recording, depth - 1);
      r.metrics.forEach((x) => out.metrics.add(x));
      out.jobs.push(...r.jobs);
    }
  }
  return out;
}

const jobMatches = (rule: JobMatcher, job: JobMatcher): boolean => {
  if (rule.op === '=' && job.op === '=') return rule.value === job.value;
  if (rule.op === '=~' && job.op === '=') {
    try {
      return new RegExp(`^(?:${rule.value})$`).test(job.value);
    } catch {
      return false;
    }
  }
  return rule.value === job.value;
};

/**
 * The coverage rule: an alerting rule that is not in error covers a service when its expression
 * (recording rules expanded) selects at least one metric the service's query selects and, when the
 * service's query selects jobs, a matching job (equal value, or a regex matcher that matches it).
 */
export function covers(rule: RuleRecord, service: References, recording: Map<string, string[]>): boolean {
  if (rule.type !== 'alerting' || rule.health === 'err') return false;
  const r = expandedReferences(rule.expr, recording);
  if (![...service.metrics].some((m) => r.metrics.has(m))) return false;
  if (service.jobs.length === 0) return true;
  return service.jobs.some((j) => r.jobs.some((rj) => jobMatches(rj, j)));
}

interface RulesAnswer {
  groups?: { name?: string; file?: string; rules?: { name?: string; query?: string; duration?: number; labels?: Record<string, string>; health?: string; lastError?: string; type?: string }[] }[];
}

/** Every rule group (GET /api/v1/rules), alerting and recording rules alike. */
export async function listRules(ctx: PrometheusContext): Promise<{ rules: RuleRecord[]; op: OperationRecord; warnings: string[] }> {
  const api = 'prometheus:Rules';
  const ans = await ctx.prometheus.get<RulesAnswer>(api, '/api/v1/rules');
  if (!Array.isArray(ans.data?.groups)) throw Object.assign(new Error(`${api} answered without data.groups`), { code: 'BAD_RESPONSE', api });
  const rules: RuleRecord[] = [];
  for (const g of ans.data.groups) {
    for (const r of g.rules ?? []) {
      rules.push({
        group: g.name ?? '',
        file: g.file ?? null,
        type: r.type === 'recording' ? 'recording' : 'alerting',
        name: r.name ?? '',
        expr: r.query ?? '',
        forSeconds: r.type === 'recording' ? null : (r.duration ?? 0),
        labels: r.labels ?? {},
        health: r.health ?? null,
        lastError: r.lastError ? r.lastError.slice(0, 300) : null,
      });
    }
  }
  return { rules, warnings: ans.warnings, op: { api, params: {}, pages: 1, calls: 1 } };
}

/** Recording rule name → the expressions recorded under it. */
export function recordingIndex(rules: RuleRecord[]): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const r of rules) if (r.type === 'recording') m.set(r.name, [...(m.get(r.name) ?? []), r.expr]);
  return m;
}
