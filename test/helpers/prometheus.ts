// Runs the real Prometheus server (Debian's /usr/bin/prometheus) and Alertmanager for a suite: history is backfilled
// with `promtool tsdb create-blocks-from openmetrics` into a temp data dir, rules are loaded from a
// file, and the server listens on a free loopback port until stopped by its PID. When the binaries
// are missing the suite is skipped with a printed reason, unless SOC2_REQUIRE_PROMETHEUS=1 (set by
// .ci/run), under which a missing Prometheus fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { tmpDir } from './cli.js';
import { freePort } from './net.js';

const BIN = process.env.SOC2_PROMETHEUS_BIN ?? '/usr/bin/prometheus';
const PROMTOOL = process.env.SOC2_PROMTOOL_BIN ?? '/usr/bin/promtool';
const ALERTMANAGER = process.env.SOC2_ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';

function available(bins: string[], pkg: string, what: string): { ok: boolean; reason?: string } {
  const missing = bins.filter((b) => !existsSync(b));
  if (missing.length === 0) return { ok: true };
  const reason = `${missing.join(' and ')} not installed (apt-get install ${pkg})`;
  if (process.env.SOC2_REQUIRE_PROMETHEUS === '1') throw new Error(`${reason}; SOC2_REQUIRE_PROMETHEUS=1 requires it`);
  console.warn(`skipping ${what}: ${reason}`);
  return { ok: false, reason };
}

export const prometheusAvailable = () => available([BIN, PROMTOOL], 'prometheus', 'Prometheus suite');
export const alertmanagerAvailable = () => available([ALERTMANAGER], 'prometheus-alertmanager', 'Alertmanager tests');

export interface PrometheusServer {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

export interface Sample {
  metric: string;
  labels: Record<string, string>;
  /** unix seconds */
  t: number;
  value: number;
}

/** OpenMetrics text of the samples, grouped by metric and ordered by time as promtool requires. */
export function openMetrics(samples: Sample[]): string {
  const byMetric = new Map<string, Sample[]>();
  for (const s of samples) byMetric.set(s.metric, [...(byMetric.get(s.metric) ?? []), s]);
  const out: string[] = [];
  for (const [metric, list] of byMetric) {
    out.push(`# TYPE ${metric} gauge`);
    const bySeries = new Map<string, Sample[]>();
    for (const s of list) {
      const key = Object.entries(s.labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`).join(',');
      bySeries.set(key, [...(bySeries.get(key) ?? []), s]);
    }
    for (const [key, series] of bySeries) for (const s of series.sort((a, b) => a.t - b.t)) out.push(`${metric}{${key}} ${s.value} ${s.t}`);
  }
  out.push('# EOF');
  return out.join('\n') + '\n';
}

/** Backfills the samples, writes the rules file and starts Prometheus on a free loopback port. */
export async function startPrometheus(o: { samples: Sample[]; rules: string }): Promise<PrometheusServer> {
  const dir = tmpDir('soc2-prometheus-');
  const data = path.join(dir, 'data');
  mkdirSync(data);
  writeFileSync(path.join(dir, 'history.om'), openMetrics(o.samples));
  writeFileSync(path.join(dir, 'rules.yml'), o.rules);
  writeFileSync(path.join(dir, 'prometheus.yml'), 'global:\n  evaluation_interval: 1m\nrule_files:\n  - rules.yml\n');
  // promtool's default is one block per 2 hours: 432 blocks for 36 days, which took minutes to write
  // (and Prometheus to open) on a loaded machine; blocks of up to 1,000 hours are a handful, in a second
  const backfill = spawnSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', '--max-block-duration=1000h', path.join(dir, 'history.om'), data], { encoding: 'utf8', timeout: 120_000 });
  if (backfill.status !== 0) throw new Error(`promtool backfill failed: ${(backfill.stderr || backfill.error?.message || '').slice(-800)}`);
  return serve(BIN, dir, (port) => [`--config.file=${path.join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${data}`, '--storage.tsdb.retention.time=400d', `--web.listen-address=127.0.0.1:${port}`]);
}

/** Starts Alertmanager (clustering off) with the given configuration on a free loopback port. */
export async function startAlertmanager(config: string): Promise<PrometheusServer> {
  const dir = tmpDir('soc2-alertmanager-');
  writeFileSync(path.join(dir, 'alertmanager.yml'), config);
  return serve(ALERTMANAGER, dir, (port) => [`--config.file=${path.join(dir, 'alertmanager.yml')}`, `--storage.path=${path.join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address=']);
}

/** Spawns `bin` on a free loopback port, waits for /-/ready, and stops it by PID (removing `dir`). */
async function serve(bin: string, dir: string, args: (port: number) => string[]): Promise<PrometheusServer> {
  const port = await freePort();
  const name = path.basename(bin);
  const child: ChildProcess = spawn(bin, args(port), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited early: ${stderr.slice(-800)}`);
    try {
      if ((await fetch(`${url}/-/ready`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${name} was not ready within 60 s: ${stderr.slice(-800)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const pid = child.pid!;
  return {
    url,
    pid,
    stop: () =>
      new Promise<void>((resolve) => {
        const done = () => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        };
        if (child.exitCode !== null) return done();
        child.once('exit', done);
        process.kill(pid, 'SIGTERM');
        setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 5000).unref();
      }),
  };
}
