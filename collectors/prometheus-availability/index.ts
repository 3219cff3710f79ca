// Availability from any Prometheus-compatible API: per service and per day of the window the
// measured availability against its SLO (query_range, step 1d), the alerting rules that cover each
// service (rules), the alerts that fired as the incidents population (ALERTS ranges), and the
// Alertmanager receivers when configured. A failed call is a gap and leaves its artifact incomplete.
import { describeError } from '../../src/core/errors.js';
import type { Gap, OperationRecord } from '../../src/core/types.js';
import { defineCollector } from '../define.js';
import { checks } from './checks.js';
import { covers, dailyValues, incidentsOf, listRules, rangeQuery, recordingIndex, referencesOf, windowOf, type PrometheusContext, type RuleRecord, type Window } from './prometheus.js';

export const KIND = {
  daily: 'prometheus.availability.daily',
  rules: 'prometheus.availability.rules',
  incidents: 'prometheus.availability.incidents',
  receivers: 'prometheus.availability.receivers',
} as const;

/** One line of daily.ndjson. */
export interface DailyRecord {
  service: string;
  day: string;
  availability: number | null;
  target: number;
  /** null when the day has no data: never counted as met */
  met: boolean | null;
  series: number;
}

export interface ServiceCoverage {
  service: string;
  query: string;
  metrics: string[];
  jobs: { op: string; value: string }[];
  /** `group/name` of each alerting rule that covers the service */
  coveringRules: string[];
}

export interface RulesArtifact {
  rules: RuleRecord[];
  services: ServiceCoverage[];
}

const DAY_S = 86_400;
const gapOf = (api: string, e: unknown): Gap => ({ api: (e as { api?: string })?.api ?? api, ...describeError(e) });
const warningGap = (api: string, what: string, warnings: string[]): Gap => ({ api, code: 'PARTIAL_RESPONSE', message: `${api} for ${what} answered with warnings, so its data may be incomplete: ${warnings.slice(0, 3).join('; ')}` });

async function collectDaily(ctx: PrometheusContext, w: Window): Promise<void> {
  const out = await ctx.artifacts.ndjson(KIND.daily);
  const operations: OperationRecord[] = [];
  let complete = true;
  const counts = { days: w.days.length, services: ctx.source.services.length, daysWithoutData: 0, daysBelowTarget: 0 };
  for (const svc of ctx.source.services) {
    try {
      // evaluated at the end of each day: the first value is the first day's midnight + 1 day
      const r = await rangeQuery(ctx, { query: svc.query, startSec: w.from.getTime() / 1000 + DAY_S, endSec: w.to.getTime() / 1000, stepSec: DAY_S });
      operations.push(r.op);
      if (r.warnings.length) {
        ctx.gap(warningGap(r.op.api, `service ${svc.name}`, r.warnings));
        complete = false;
      }
      for (const d of dailyValues(w, r.series.values())) {
        const met = d.availability === null ? null : d.availability >= svc.target;
        if (met === null) counts.daysWithoutData++;
        else if (!met) counts.daysBelowTarget++;
        await out.write({ service: svc.name, day: d.day, availability: d.availability, target: svc.target, met, series: d.series } satisfies DailyRecord);
      }
    } catch (e) {
      ctx.gap(gapOf('prometheus:QueryRange', e));
      operations.push({ api: 'prometheus:QueryRange', params: { query: svc.query }, pages: 0 });
      complete = false;
    }
  }
  await out.finish({
    operations,
    complete,
    periodCovered: { from: w.from.toISOString(), to: w.to.toISOString() },
    notes: { ...counts, evaluation: "each day's value is the service's query evaluated at the next midnight UTC (query_range, step 1d), so a [1d] range covers exactly that day; with several series the lowest counts; NaN or no sample is no data (met: null)" },
  });
}

/** Rules and coverage; returns alertname → services, for the incidents (null when the rules are unknown). */
async function collectRules(ctx: PrometheusContext): Promise<Map<string, string[]> | null> {
  const byAlert = new Map<string, string[]>();
  try {
    const { rules, op, warnings } = await listRules(ctx);
    if (warnings.length) ctx.gap(warningGap(op.api, 'the rule groups', warnings));
    const recording = recordingIndex(rules);
    const services: ServiceCoverage[] = ctx.source.services.map((svc) => {
      const refs = referencesOf(svc.query);
      const covering = rules.filter((r) => covers(r, refs, recording));
      for (const r of covering) byAlert.set(r.name, [...new Set([...(byAlert.get(r.name) ?? []), svc.name])]);
      return { service: svc.name, query: svc.query, metrics: [...refs.metrics].sort(), jobs: refs.jobs, coveringRules: covering.map((r) => `${r.group}/${r.name}`) };
    });
    const alerting = rules.filter((r) => r.type === 'alerting').length;
    await ctx.artifacts.json(KIND.rules, { rules, services } satisfies RulesArtifact, {
      operations: [op],
      complete: warnings.length === 0,
      records: rules.length,
      notes: { alerting, recording: rules.length - alerting, coverage: 'an alerting rule not in error covers a service when its expression (recording rules it uses expanded, 5 levels) selects a metric the service query selects and, if the query selects job="…", a matching job' },
    });
  } catch (e) {
    ctx.gap(gapOf('prometheus:Rules', e));
    return null;
  }
  return byAlert;
}

async function collectIncidents(ctx: PrometheusContext, w: Window, byAlert: Map<string, string[]> | null): Promise<void> {
  const step = ctx.source.incidentStepSeconds;
  const query = 'ALERTS{alertstate="firing"}';
  const endSec = w.to.getTime() / 1000;
  const out = await ctx.artifacts.ndjson(KIND.incidents);
  let op: OperationRecord = { api: 'prometheus:QueryRange', params: { query }, pages: 0 };
  let complete = true;
  let n = 0;
  try {
    const r = await rangeQuery(ctx, { query, startSec: w.from.getTime() / 1000, endSec, stepSec: step });
    op = r.op;
    if (r.warnings.length) {
      ctx.gap(warningGap(op.api, 'the firing alerts', r.warnings));
      complete = false;
    }
    for (const i of incidentsOf(r.series.values(), step, endSec, (a) => byAlert?.get(a) ?? [])) {
      n++;
      await out.write(i);
    }
  } catch (e) {
    ctx.gap(gapOf('prometheus:QueryRange', e));
    complete = false;
  }
  await out.finish({
    operations: [op],
    complete,
    periodCovered: { from: w.from.toISOString(), to: w.to.toISOString() },
    notes: {
      incidents: n,
      resolution: `start and end are evaluation times ${step} s apart (incidentStepSeconds); a sample stays visible for the server's lookback delta (5 min by default) when no staleness marker ended it`,
      ...(byAlert ? {} : { services: 'the rules could not be read (see the gaps), so no incident names its services' }),
    },
  });
}

async function collectReceivers(ctx: PrometheusContext): Promise<void> {
  if (!ctx.alertmanager) {
    await ctx.artifacts.json(KIND.receivers, { configured: false, receivers: [] }, { operations: [], complete: true, records: 0, notes: { alertmanager: 'sources.prometheus[].alertmanagerUrl is not set: receivers were not collected' } });
    return;
  }
  const api = 'alertmanager:Receivers';
  try {
    const ans = await ctx.alertmanager.get<{ name?: string }[]>(api, '/api/v2/receivers');
    if (!Array.isArray(ans.data)) throw Object.assign(new Error(`${api} answered something other than a list`), { code: 'BAD_RESPONSE', api });
    const receivers = ans.data.map((r) => ({ name: String(r.name ?? '') }));
    await ctx.artifacts.json(KIND.receivers, { configured: true, server: ctx.alertmanager.server, receivers }, { operations: [{ api, params: {}, pages: 1, calls: 1 }], complete: true, records: receivers.length });
  } catch (e) {
    ctx.gap(gapOf(api, e));
  }
}

export default defineCollector<PrometheusContext>({
  meta: {
    id: 'prometheus-availability',
    title: 'Prometheus availability: daily availability per service against its SLO, covering alert rules, incidents and receivers',
    source: 'prometheus',
    scope: 'global',
    permissions: ['prometheus:QueryRange', 'prometheus:Rules', 'alertmanager:Receivers'],
    artifacts: [
      {
        kind: KIND.daily,
        file: 'daily.ndjson',
        description: 'One record per configured service per complete UTC day of the window: the measured availability (the service query at the end of the day), the SLO target, met (null: no data) and the number of series.',
      },
      {
        kind: KIND.rules,
        file: 'rules.json',
        description: 'Every alerting and recording rule the server evaluates (group, file, expression, for, labels, health), and per service its metrics, job matchers and the alerting rules that cover it.',
      },
      {
        kind: KIND.incidents,
        file: 'incidents.ndjson',
        description: 'One record per firing episode of an alert in the window (ALERTS{alertstate="firing"}): alertname, labels, start, end (null while ongoing) and the services its rule covers. The incidents population.',
      },
      {
        kind: KIND.receivers,
        file: 'receivers.json',
        description: 'The Alertmanager receivers (names only) when alertmanagerUrl is configured; configured: false otherwise.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const w = windowOf(ctx.now(), ctx.source.lookbackDays);
    await collectDaily(ctx, w);
    const byAlert = await collectRules(ctx);
    await collectIncidents(ctx, w, byAlert);
    await collectReceivers(ctx);
  },
});
