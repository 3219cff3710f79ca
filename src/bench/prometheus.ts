// The real Prometheus server (Debian's /usr/bin/prometheus) for the benchmark: the company's services'
// probe history of the look-back window and the day before it is backfilled with `promtool tsdb create-blocks-from openmetrics`
// (with one 20-minute outage per service, as probe failures and the ALERTS series that would have
// fired), one alerting rule per service is loaded from a file, and the server listens on a free
// loopback port behind the timing front until stopped by its PID. Absent binaries: the collector is
// skipped with the reason, never faked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startTimingProxy, type TimingProxy } from './proxy.js';

const BIN = process.env.SOC2_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.SOC2_PROMTOOL_BIN ?? '/usr/bin/promtool';
const DAY_S = 86_400;
/** probes every 15 minutes (promtool's backfill time grows with the samples), offset from midnight so that no sample sits on a day boundary */
export const SAMPLE_S = 900;
const OFFSET_S = 150;
const OUTAGE_S = 20 * 60;

export interface BenchPrometheus {
  /** the timing front the config points at */
  url: string;
  front: TimingProxy;
  services: { name: string; job: string }[];
  lookbackDays: number;
  /** seconds the backfill took */
  backfillMs: number;
  samples: number;
  close(): Promise<void>;
}

/** Why the real Prometheus cannot run here, or null when it can. */
export function prometheusMissing(): string | null {
  const missing = [BIN, PROMTOOL].filter((b) => !existsSync(b));
  return missing.length ? `${missing.join(' and ')} not installed (apt-get install prometheus)` : null;
}

export const serviceName = (i: number) => `svc-${String(i).padStart(3, '0')}`;

/** The outage of service i: a 20-minute window starting at 10:00 UTC on a day of the window, staggered. */
function outageOf(i: number, fromSec: number, days: number): [number, number] {
  const start = fromSec + ((i % days) + 1) * DAY_S + 10 * 3600 + OFFSET_S;
  return [start, start + OUTAGE_S];
}

/** OpenMetrics text: probe_success of every service every 15 minutes, and ALERTS once a minute while an outage lasts. */
function history(services: number, fromSec: number, toSec: number, days: number): { text: string; samples: number } {
  const out: string[] = ['# TYPE probe_success gauge'];
  let samples = 0;
  for (let i = 0; i < services; i++) {
    const [a, b] = outageOf(i, fromSec, days);
    for (let t = fromSec + OFFSET_S; t < toSec; t += SAMPLE_S, samples++) out.push(`probe_success{job="${serviceName(i)}"} ${t >= a && t < b ? 0 : 1} ${t}`);
  }
  out.push('# TYPE ALERTS gauge');
  for (let i = 0; i < services; i++) {
    const [a, b] = outageOf(i, fromSec, days);
    for (let t = a; t < b; t += 60, samples++) out.push(`ALERTS{alertname="${alertName(i)}",alertstate="firing",job="${serviceName(i)}",severity="page"} 1 ${t}`);
  }
  out.push('# EOF');
  return { text: out.join('\n') + '\n', samples };
}

const alertName = (i: number) => `Svc${String(i).padStart(3, '0')}Down`;

function rules(services: number): string {
  const lines = ['groups:', '  - name: availability', '    rules:'];
  for (let i = 0; i < services; i++) lines.push(`      - alert: ${alertName(i)}`, `        expr: avg_over_time(probe_success{job="${serviceName(i)}"}[5m]) < 0.9`, '        for: 5m', '        labels:', '          severity: page');
  return lines.join('\n') + '\n';
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Backfills, starts Prometheus and its timing front (adding `latencyMs` to every answer). */
export async function startBenchPrometheus(o: { services: number; lookbackDays: number; latencyMs: number; now?: number }): Promise<BenchPrometheus> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'soc2-bench-prometheus-'));
  const data = path.join(dir, 'data');
  mkdirSync(data);
  const toSec = Math.floor((o.now ?? Date.now()) / 1000 / DAY_S) * DAY_S;
  const h = history(o.services, toSec - (o.lookbackDays + 1) * DAY_S, toSec, o.lookbackDays);
  writeFileSync(path.join(dir, 'history.om'), h.text);
  writeFileSync(path.join(dir, 'rules.yml'), rules(o.services));
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1m\nrule_files:\n  - rules.yml\n');
  const t0 = Date.now();
  const backfill = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', path.join(dir, 'history.om'), data], { encoding: 'utf8', timeout: 1_200_000 });
  if (backfill.status !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`promtool backfill failed: ${(backfill.stderr || backfill.error?.message || '').slice(-800)}`);
  }
  const backfillMs = Date.now() - t0;
  rmSync(path.join(dir, 'history.om'));
  const port = await freePort();
  const child: ChildProcess = spawn(BIN, [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, '--storage.tsdb.retention.time=400d', `--web.listen-address=127.0.0.1:${port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      process.kill(child.pid!, 'SIGTERM');
      const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, 'SIGKILL'), 5000);
      await gone;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      await stop();
      throw new Error(`prometheus exited early: ${stderr.slice(-800)}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/-/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`prometheus was not ready within 60 s: ${stderr.slice(-800)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const front = await startTimingProxy(() => ({ name: 'prometheus', port }), { delayMs: o.latencyMs });
  return {
    url: front.url,
    front,
    services: Array.from({ length: o.services }, (_, i) => ({ name: serviceName(i), job: serviceName(i) })),
    lookbackDays: o.lookbackDays,
    backfillMs,
    samples: h.samples,
    close: async () => {
      await front.close();
      await stop();
    },
  };
}
