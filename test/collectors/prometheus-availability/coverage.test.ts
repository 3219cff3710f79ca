// The coverage rule on PromQL text, and the day and incident arithmetic, on the shapes the real
// server returns (the suite in prometheus.test.ts runs them end to end against Prometheus).
import { describe, expect, it } from 'vitest';
import { covers, dailyValues, incidentsOf, recordingIndex, referencesOf, windowOf, type RuleRecord } from '../../../collectors/prometheus-availability/prometheus.js';

const rule = (name: string, expr: string, o: Partial<RuleRecord> = {}): RuleRecord => ({ group: 'g', file: null, type: 'alerting', name, expr, forSeconds: 0, labels: {}, health: 'ok', lastError: null, ...o });

describe('referencesOf', () => {
  it('reads metric names and job matchers, not functions, grouping labels, keywords or durations', () => {
    const r = referencesOf('sum by (job, instance) (rate(http_requests_total{job="api",code=~"5.."}[5m] offset 1h)) / ignoring(code) sum(rate(http_requests_total{job=\'api\'}[5m])) > 0.01 and on(job) up == 1');
    expect([...r.metrics].sort()).toEqual(['http_requests_total', 'up']);
    expect(r.jobs).toEqual([
      { op: '=', value: 'api' },
      { op: '=', value: 'api' },
    ]);
  });

  it('reads __name__ matchers and ignores negative job matchers', () => {
    const r = referencesOf('{__name__="probe_success", job!="canary", job=~"inference|batch"}');
    expect([...r.metrics]).toEqual(['probe_success']);
    expect(r.jobs).toEqual([{ op: '=~', value: 'inference|batch' }]);
  });

  it('does not take a label value in a string for a metric', () => {
    expect([...referencesOf('label_replace(up{job="x"}, "dst", "probe_success", "src", "(.*)")').metrics]).toEqual(['up']);
  });
});

describe('covers', () => {
  const svc = referencesOf('avg_over_time(probe_success{job="inference"}[1d])');

  it('needs the same metric and a matching job', () => {
    expect(covers(rule('a', 'probe_success{job="inference"} == 0'), svc, new Map())).toBe(true);
    expect(covers(rule('b', 'probe_success{job="batch"} == 0'), svc, new Map())).toBe(false);
    expect(covers(rule('c', 'up{job="inference"} == 0'), svc, new Map())).toBe(false);
    expect(covers(rule('d', 'probe_success{job=~"infer.*"} == 0'), svc, new Map())).toBe(true);
    expect(covers(rule('e', 'probe_success == 0'), svc, new Map())).toBe(false);
  });

  it('a rule in error or a recording rule covers nothing', () => {
    expect(covers(rule('a', 'probe_success{job="inference"} == 0', { health: 'err' }), svc, new Map())).toBe(false);
    expect(covers(rule('a', 'probe_success{job="inference"}', { type: 'recording' }), svc, new Map())).toBe(false);
  });

  it('follows recording rules', () => {
    const rules = [rule('slo:ratio', 'avg_over_time(probe_success{job="inference"}[5m])', { type: 'recording' }), rule('lvl2', 'slo:ratio * 1', { type: 'recording' })];
    expect(covers(rule('x', 'lvl2 < 0.9'), svc, recordingIndex(rules))).toBe(true);
  });
});

describe('days and incidents', () => {
  const w = windowOf(new Date('2026-03-10T13:00:00Z'), 3);

  it('the window is the complete UTC days before the collection day', () => {
    expect(w.days).toEqual(['2026-03-07', '2026-03-08', '2026-03-09']);
    expect(w.to.toISOString()).toBe('2026-03-10T00:00:00.000Z');
  });

  it('a day takes the value evaluated at its end; the lowest series counts; NaN is no data', () => {
    const end = (day: string) => Date.parse(day) / 1000 + 86_400;
    const v = dailyValues(w, [
      { metric: { instance: 'a' }, values: [[end('2026-03-07'), '1'], [end('2026-03-08'), 'NaN']] },
      { metric: { instance: 'b' }, values: [[end('2026-03-07'), '0.995']] },
    ]);
    expect(v).toEqual([
      { day: '2026-03-07', availability: 0.995, series: 2 },
      { day: '2026-03-08', availability: null, series: 0 },
      { day: '2026-03-09', availability: null, series: 0 },
    ]);
  });

  it('splits a series into episodes at the first missing step, and marks one still firing at the end', () => {
    const t0 = 1_000_000_020;
    const values: [number, string][] = [0, 60, 120, 300, 360].map((d) => [t0 + d, '1']);
    const i = incidentsOf([{ metric: { __name__: 'ALERTS', alertname: 'Down', alertstate: 'firing', job: 'x' }, values }], 60, t0 + 360, () => ['svc']);
    expect(i).toEqual([
      { alertname: 'Down', labels: { alertname: 'Down', job: 'x' }, start: new Date(t0 * 1000).toISOString(), end: new Date((t0 + 120) * 1000).toISOString(), ongoing: false, services: ['svc'] },
      { alertname: 'Down', labels: { alertname: 'Down', job: 'x' }, start: new Date((t0 + 300) * 1000).toISOString(), end: null, ongoing: true, services: ['svc'] },
    ]);
  });
});
