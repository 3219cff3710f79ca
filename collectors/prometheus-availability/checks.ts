// Pure functions from the availability artifacts to findings. A day without data is never a pass:
// with no day below target it makes slo-met `error` (cannot be judged), and it is listed either way.
import type { PrometheusSourceConfig } from '../../src/config/schema.js';
import type { Check, Exception } from '../../src/core/types.js';
import type { DailyRecord, RulesArtifact } from './index.js';

const DAILY = 'prometheus.availability.daily';
const RULES = 'prometheus.availability.rules';

const pct = (x: number) => `${(x * 100).toFixed(3).replace(/\.?0+$/, '')}%`;

export const checks: Check[] = [
  {
    id: 'prometheus-availability.slo-met',
    title: 'Every service met its availability SLO on every day of the window',
    severity: 'high',
    reads: [DAILY],
    async run(i) {
      const below: Exception[] = [];
      const missing: Exception[] = [];
      let days = 0;
      for await (const d of i.artifacts.iterate<DailyRecord>(DAILY)) {
        days++;
        if (d.availability === null) missing.push({ resource: `${d.service} ${d.day}`, reason: 'no data: the query gave no value for this day' });
        else if (!d.met) below.push({ resource: `${d.service} ${d.day}`, reason: `availability ${pct(d.availability)} is below the target ${pct(d.target)}` });
      }
      const services = (i.source as PrometheusSourceConfig).services.length;
      const tail = missing.length ? `; ${missing.length} service-days have no data (${missing.map((m) => m.resource).join(', ')})` : '';
      if (days === 0) return { status: 'error', summary: 'no service-day was measured', exceptions: [] };
      if (below.length) return { status: 'fail', summary: `${below.length} of ${days} service-days below target (${below.map((b) => b.resource).join(', ')})${tail}`, exceptions: [...below, ...missing] };
      if (missing.length) return { status: 'error', summary: `the SLO cannot be judged for ${missing.length} of ${days} service-days, which have no data (${missing.map((m) => m.resource).join(', ')}); the others met their targets`, exceptions: missing };
      return { status: 'pass', summary: `all ${days} service-days (${services} services) met their targets`, exceptions: [] };
    },
  },
  {
    id: 'prometheus-availability.alerting-covered',
    title: 'Each service with an SLO has an alerting rule on its metrics',
    severity: 'medium',
    reads: [RULES],
    async run(i) {
      const a = await i.artifacts.readJson<RulesArtifact>(RULES);
      const ex: Exception[] = a.services
        .filter((s) => s.coveringRules.length === 0)
        .map((s) => ({ resource: s.service, reason: `no alerting rule (not in error) selects ${s.metrics.join(', ') || 'its metrics'}${s.jobs.length ? ` with ${s.jobs.map((j) => `job${j.op}"${j.value}"`).join(' or ')}` : ''}` }));
      if (a.services.length === 0) return { status: 'not_applicable', summary: 'no service configured', exceptions: [] };
      if (ex.length) return { status: 'fail', summary: `${ex.length} of ${a.services.length} services have no covering alerting rule (${ex.map((e) => e.resource).join(', ')})`, exceptions: ex };
      return { status: 'pass', summary: `all ${a.services.length} services are covered: ${a.services.map((s) => `${s.service} by ${s.coveringRules.join(', ')}`).join('; ')}`, exceptions: [] };
    },
  },
];
