// `npm run bench` (= build, then node dist/src/bench/main.js): API calls, wall time and memory of
// every collector against a large synthetic ML company in the sandbox servers, `soc2 report` over
// a year of daily bundles, and the AWS CLI doing the same AWS evidence dump — side by side.
//
//   npm run bench                      the large company, 20 ms per request, 365-day report
//   npm run bench -- --quick           1/20 of it, 5 ms, a week of bundles: the CI smoke run; exits 1
//                                      on a gross regression (calls > 1.2 × minimum, a failed collector)
// Options: --latency MS, --concurrency N, --only ID[,ID], --days N, --peer-sample N|all, --skip-peer,
// --skip-report, --skip-startup (the start-up probes: bundled vs tsc build), --startup-only (only the
// start-up probes: no collector rows, peer or report), --org-report-accounts N (the
// organization whose year `soc2 report` reads, first and with the verified-bundle cache: 100, quick 5;
// src/bench/org-report.ts), --skip-org-report, --report-only (only `soc2 report` over the cached bundles: no sandboxes, collectors
// or peer), --no-cache (regenerate the report's bundles and the organization's year, in the work dir), --keep (keep the work dir), --no-docs;
// --org-accounts N[,N…] (the organization case's sizes; default 25, full run 25,100,500), --skip-org;
// --node-arg=FLAG passes a node flag to every measured soc2 process (--node-arg=--cpu-prof
// --node-arg=--cpu-prof-dir=/tmp/prof profiles them); --render [FILE] prints the tables of a results
// file again (and updates the docs from a full run's).
//
// Never imported by the CLI, its commands or the collectors: it imports them (and the sandboxes).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectors as registry } from '../../collectors/registry.js';
import { toolVersion } from '../core/paths.js';
import { benchCollectorRun, type CollectorRow } from './collectors.js';
import { AWS_RATE_LIMITS, costs, describeCompany, generateCompany, LARGE, MID, MLFLOW_RATE_LIMIT, QUICK, TINY } from './company.js';
import { cleanupMeasure, GNU_TIME, hasGnuTime, killRunning, runMeasured, treeSize } from './measure.js';
import { MB, markdown, mb, secs, updateDocs, type Goal, type Results } from './output.js';
import { awsCliPeer, type PeerResult } from './peer.js';
import { benchReport, type ReportResult } from './report-phase.js';
import { benchOrgReport, orgReportGoals, type OrgReportResult } from './org-report.js';
import { benchStartup, startupGoals, startupRegressions, type StartupResult } from './startup.js';
import { docsTemplate } from './docs.js';
import { benchOrganization, benchStreams, organizationRegressions, type OrganizationResult } from './organization.js';
import { startWorld, stopWorld, writeConfig } from './world.js';

/**
 * Collectors measured after their producers, in the same process: what they collect is derived from
 * those artifacts of the run (aws-monitoring: the endpoints' alarms, the buckets' backups, the images
 * the jobs and endpoints run). The others run alone (aws-data-stores names every bucket itself).
 */
const RUN_WITH: Record<string, string[]> = { 'aws-monitoring': ['sagemaker-endpoints', 'sagemaker-training', 'aws-data-stores'] };
/**
 * Producers measured in their consumer's run instead of alone: a run of their own would repeat
 * them (sagemaker-training is the bench's longest collector: ~5 minutes of paced Describes, large).
 * Their row counts their own calls and their manifest duration, as the consumer's does.
 */
const MEASURED_IN: Record<string, string> = { 'sagemaker-training': 'aws-monitoring' };

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

interface Options {
  quick: boolean;
  latencyMs: number;
  concurrency: number;
  only: string[] | null;
  days: number;
  peerSample: number | 'all';
  skipPeer: boolean;
  skipReport: boolean;
  skipStartup: boolean;
  /** only the start-up probes (sandboxes up, no collector rows, peer or report) */
  startupOnly: boolean;
  /** accounts of the organization whose year `soc2 report` reads (src/bench/org-report.ts); 0 skips it */
  orgReportAccounts: number;
  /** the organization case: one collect per size (accounts), then the smallest split in streams */
  orgAccounts: number[];
  skipOrg: boolean;
  /** only the report phase, over whatever bundles of that company and length are cached */
  reportOnly: boolean;
  cache: boolean;
  keep: boolean;
  docs: boolean;
  /** extra node flags for the measured soc2 processes (e.g. --cpu-prof --cpu-prof-dir=DIR) */
  nodeArgs: string[];
}

function usage(msg: string): never {
  process.stderr.write(`bench: ${msg}\nusage: npm run bench -- [--quick] [--latency MS] [--concurrency N] [--only ID,ID] [--days N] [--peer-sample N|all] [--skip-peer] [--skip-report] [--skip-startup] [--startup-only] [--org-accounts N,N] [--skip-org] [--org-report-accounts N] [--skip-org-report] [--report-only] [--no-cache] [--keep] [--no-docs] [--node-arg=FLAG …] [--render FILE]\n`);
  process.exit(2);
}

function parseArgs(argv: string[]): Options {
  const quick = argv.includes('--quick');
  const o: Options = { quick, latencyMs: quick ? 5 : 20, concurrency: 8, only: null, days: quick ? 7 : 365, peerSample: quick ? 1 : 25, skipPeer: false, skipReport: false, skipStartup: false, startupOnly: false, orgReportAccounts: quick ? 5 : 100, orgAccounts: quick ? [25] : [25, 100, 500], skipOrg: false, reportOnly: false, cache: true, keep: false, docs: !quick, nodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i] ?? usage(`${a} needs a value`);
    const num = (min: number) => {
      const v = Number(value());
      if (!Number.isInteger(v) || v < min) usage(`${a}: expected a whole number ≥ ${min}`);
      return v;
    };
    if (a === '--quick') continue;
    else if (a === '--latency') o.latencyMs = num(0);
    else if (a === '--concurrency') o.concurrency = num(1);
    else if (a === '--only') o.only = value().split(',').map((s) => s.trim()).filter(Boolean);
    else if (a === '--days') o.days = num(1);
    else if (a === '--peer-sample') {
      const v = value();
      o.peerSample = v === 'all' ? 'all' : Number.isInteger(Number(v)) && Number(v) > 0 ? Number(v) : usage('--peer-sample: expected a positive number or "all"');
    } else if (a === '--skip-peer') o.skipPeer = true;
    else if (a === '--skip-report') o.skipReport = true;
    else if (a === '--skip-startup') o.skipStartup = true;
    else if (a === '--startup-only') o.startupOnly = o.skipPeer = o.skipReport = true;
    else if (a === '--org-report-accounts') o.orgReportAccounts = num(0);
    else if (a === '--skip-org-report') o.orgReportAccounts = 0;
    else if (a === '--org-accounts') o.orgAccounts = value().split(',').map((x) => (Number.isInteger(Number(x)) && Number(x) >= 1 ? Number(x) : usage('--org-accounts: expected whole numbers ≥ 1, comma-separated')));
    else if (a === '--skip-org') o.skipOrg = true;
    else if (a === '--report-only') o.reportOnly = true;
    else if (a === '--no-cache') o.cache = false;
    else if (a === '--keep') o.keep = true;
    else if (a === '--no-docs') o.docs = false;
    else if (a.startsWith('--node-arg=')) o.nodeArgs.push(a.slice('--node-arg='.length));
    else if (a === '--help' || a === '-h') usage('benchmark of the soc2 collectors');
    else usage(`unknown option ${a}`);
  }
  if (o.reportOnly && (o.only || o.skipReport)) usage('--report-only: not with --only or --skip-report');
  if (o.startupOnly && (o.only || o.skipStartup || o.reportOnly)) usage('--startup-only: not with --only, --skip-startup or --report-only');
  return o;
}

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function machine(): Record<string, unknown> {
  const cpus = os.cpus();
  return {
    cpus: cpus.length,
    cpuModel: cpus[0]?.model?.replace(/\s+/g, ' ').trim() ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    peakRssMethod: hasGnuTime() ? `${GNU_TIME} -f %M (ru_maxrss of the child)` : '/proc/<pid>/status VmHWM, polled every 10 ms',
  };
}

const log = (s: string) => process.stderr.write(`[bench] ${s}\n`);
/** removed on an interrupt too */
let workDirToRemove: string | null = null;

/** `--render FILE`: the Markdown (and docs/performance.md, unless --no-docs) again from a results file. */
function render(argv: string[]): number {
  const file = path.resolve(argv[argv.indexOf('--render') + 1] ?? path.join(root, 'bench', 'results.json'));
  const results = JSON.parse(readFileSync(file, 'utf8')) as Results;
  const md = markdown(results);
  process.stdout.write(md);
  if (!argv.includes('--no-docs') && results.mode === 'full') updateDocs(path.join(root, 'docs', 'performance.md'), md, docsTemplate);
  return 0;
}

async function main(): Promise<number> {
  if (process.argv.includes('--render')) return render(process.argv.slice(2));
  const o = parseArgs(process.argv.slice(2));
  const started = new Date();
  const t0 = Date.now();
  const loadAtStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const spec = o.quick ? QUICK : LARGE;
  const workDir = mkdtempSync(path.join(os.tmpdir(), 'soc2-bench-'));
  if (!o.keep) workDirToRemove = workDir;
  const benchDir = path.join(root, 'bench');
  mkdirSync(benchDir, { recursive: true });
  writeFileSync(path.join(benchDir, '.gitignore'), '# generated by npm run bench\n.cache/\nresults-quick.json\nresults-partial.json\n');
  log(`${o.quick ? 'quick' : 'full'} run: ${spec.name} company, ${o.latencyMs} ms per request, concurrency ${o.concurrency}; work dir ${workDir}`);

  const tg = Date.now();
  const company = generateCompany(spec);
  log(`generated the company in ${secs(Date.now() - tg)}`);
  const costParams = { latencyMs: o.latencyMs, concurrency: o.concurrency };
  const cost = costs(company, costParams);
  const rows: CollectorRow[] = [];
  const skipped: { id: string; reason: string }[] = [];
  let peer: PeerResult | null = null;
  let report: ReportResult | null = null;
  let startup: StartupResult | null = null;
  let organization: OrganizationResult | null = null;
  const timeoutMs = o.quick ? 120_000 : 30 * 60_000;
  if (!o.reportOnly) {
    const wantPrometheus = !o.startupOnly && (!o.only || o.only.includes('prometheus-availability'));
    const world = await startWorld(company, { latencyMs: o.latencyMs, rateLimits: true, prometheus: wantPrometheus });
    if (wantPrometheus) log('url' in world.prometheus ? `Prometheus ${world.prometheus.url}: ${world.prometheus.services.length} services, ${world.prometheus.samples} samples backfilled in ${secs(world.prometheus.backfillMs)}` : `Prometheus not running: ${world.prometheus.missing}`);
    log(`sandboxes up: AWS ${world.aws.url} (${company.spec.aws.regions.length} regional servers), MLflow ${world.mlflow.url}, Vertex ${world.vertex.endpoint}`);
    const configFile = writeConfig(world, workDir, { concurrency: o.concurrency, organization: `Bench ML (${spec.name})` });
    try {
      // warm the file cache so the first collector does not pay for the others' module loading
      await runMeasured(process.execPath, [path.join(root, 'bin', 'soc2.js'), '--version'], { env: process.env, cwd: workDir });
      const wanted = (id: string) => !o.only || o.only.includes(id);
      const order = registry.map((c) => c.meta.id);
      for (const c of o.startupOnly ? [] : registry) {
        const id = c.meta.id;
        if (o.only && !o.only.includes(id)) continue;
        if (!cost[id]) {
          skipped.push({ id, reason: 'no cost model in src/bench/company.ts' });
          continue;
        }
        if (c.meta.source === 'prometheus' && !('url' in world.prometheus)) {
          skipped.push({ id, reason: world.prometheus.missing });
          log(`collector ${id}: skipped: ${world.prometheus.missing}`);
          continue;
        }
        const host = MEASURED_IN[id];
        if (host && wanted(host) && cost[host]) continue; // its row comes from the host's run
        log(`collector ${id}: running (minimum ${cost[id]!.minimumTotal} calls, lower bound ${secs(cost[id]!.lowerBoundMs)})…`);
        const producers = RUN_WITH[id];
        const guests = (producers ?? []).filter((p) => MEASURED_IN[p] === id && wanted(p) && cost[p]);
        const measured = await benchCollectorRun(world, { id, source: c.meta.source, ...(producers ? { producers } : {}), ...(guests.length ? { alsoRows: Object.fromEntries(guests.map((g) => [g, cost[g]!])) } : {}) }, cost[id]!, { root, configFile, workDir, timeoutMs, nodeArgs: o.nodeArgs });
        for (const row of measured) {
          rows.push(row);
          log(`collector ${row.id}: ${row.calls.recorded} calls (${row.callsRatio}× minimum, ${row.calls.throttled} throttled), ${secs(row.wallMs)} (${row.wallRatio}× bound), ${mb(row.peakRssBytes)}, ${row.status}${row.gapCount ? `, ${row.gapCount} gaps` : ''}`);
          if (row.exitCode !== 0 && row.status === 'no bundle') log(`collector ${row.id}: exit ${row.exitCode}: ${row.stderrTail}`);
        }
      }
      rows.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
      if (!o.skipStartup && !o.only) {
        log(`start-up: bundled vs tsc build, ${o.quick ? 3 : 5} runs each…`);
        startup = await benchStartup(world, (id) => cost[id], { root, configFile, workDir, timeoutMs, runs: o.quick ? 3 : 5, bundleBytes: existsSync(path.join(root, 'dist', 'bundle')) ? treeSize(path.join(root, 'dist', 'bundle')).bytes : null, log });
      }
      if (!o.skipPeer && (!o.only || o.only.some((id) => id.startsWith('aws-')))) {
        log(`peer: AWS CLI against the same endpoint (per-secret loop: ${o.peerSample === 'all' ? 'every secret' : `${o.peerSample} per region, extrapolated`})…`);
        peer = await awsCliPeer(world, { workDir, sample: o.peerSample, timeoutMs });
        if (peer.available) log(`peer: IAM ${peer.iam.calls} calls ${secs(peer.iam.wallMs)}, Secrets ${peer.secrets.calls} calls ${secs(peer.secrets.wallMs)}${peer.secrets.extrapolated ? ' (extrapolated)' : ''}, peak ${mb(peer.peakRssBytes)}`);
        else log(`peer: skipped: ${peer.reason}`);
      }
    } finally {
      await stopWorld(world);
    }
  }
  if (!o.skipOrg && !o.only && !o.reportOnly && !o.startupOnly) {
    organization = { rows: [], streams: null };
    for (const n of o.orgAccounts) {
      log(`organization: ${n} accounts × 3 regions, aws-iam + aws-secrets-manager in one collect…`);
      const row = await benchOrganization({ root, workDir, accounts: n, latencyMs: o.latencyMs, concurrency: o.concurrency, timeoutMs, nodeArgs: o.nodeArgs });
      organization.rows.push(row);
      log(`organization: ${n} accounts: ${row.calls.recorded} calls (${row.calls.ratio}× minimum, ${row.calls.throttled} throttled), ${secs(row.wallMs)} (${row.wallRatio}× bound ${secs(row.boundMs)}), CPU ${secs(row.cpuMs)}, ${mb(row.peakRssBytes)}, bundle ${mb(row.bundleBytes)}, ${row.status}`);
    }
    const streamAccounts = Math.min(...o.orgAccounts, o.quick ? 25 : 100);
    const jobs = o.quick ? 2 : 4;
    log(`organization: ${streamAccounts} accounts split in ${jobs} streams (CI jobs), then soc2 report over them…`);
    organization.streams = await benchStreams({ root, workDir, accounts: streamAccounts, jobs, latencyMs: o.latencyMs, concurrency: o.concurrency, timeoutMs });
    log(`organization: report over ${organization.streams.report.bundles} bundles of ${organization.streams.report.streams.length} streams: exit ${organization.streams.report.exitCode}, ${secs(organization.streams.report.wallMs)}`);
  }
  if (!o.skipReport && !o.only) {
    const collectorsSignature = registry.map((c) => `${c.meta.id}:${c.meta.artifacts.map((a) => a.kind).join(',')}`).join(';');
    report = await benchReport({ root, workDir, cacheDir: o.cache ? path.join(benchDir, '.cache') : null, company: o.quick ? 'small' : 'mid', days: o.days, timeoutMs, log, collectorsSignature, commit: git(['rev-parse', 'HEAD']), anyCached: o.reportOnly });
    log(`report: ${report.bundles} bundles (${report.generation.partialBundles} partial) in ${secs(report.wallMs)}, ${mb(report.peakRssBytes)}, exit ${report.exitCode}`);
    if (report.generation.partialBundles > 0) log(`report: WARNING: ${report.generation.partialBundles} of the ${o.days} generated bundles are partial: the generator or a collector broke`);
  }

  // ── goals (reported) and gross regressions (fail --quick) ──
  const goals: Goal[] = [];
  const worst = <T>(xs: T[], f: (x: T) => number) => xs.reduce<T | null>((a, x) => (a === null || f(x) > f(a) ? x : a), null);
  const wc = worst(rows, (r) => r.callsRatio);
  goals.push({ goal: 'API calls ≤ 1.05 × minimum, every collector', target: '≤ 1.05', result: wc ? `worst ${wc.id} ${wc.callsRatio}; over: ${rows.filter((r) => r.callsRatio > 1.05).map((r) => `${r.id} ${r.callsRatio}`).join(', ') || 'none'}` : 'n/a', met: wc ? rows.every((r) => r.callsRatio <= 1.05) : null });
  const ww = worst(rows, (r) => r.wallRatio);
  goals.push({ goal: 'wall ≤ 1.5 × lower bound, every collector', target: '≤ 1.5', result: ww ? `over: ${rows.filter((r) => r.wallRatio > 1.5).map((r) => `${r.id} ${r.wallRatio}`).join(', ') || 'none'}` : 'n/a', met: ww ? rows.every((r) => r.wallRatio <= 1.5) : null });
  const wr = worst(rows, (r) => r.peakRssBytes ?? 0);
  goals.push({ goal: 'peak RSS of a collect ≤ 300 MB', target: '≤ 300 MB', result: wr ? `largest ${wr.id} ${mb(wr.peakRssBytes)}` : 'n/a', met: wr && rows.every((r) => r.peakRssBytes !== null) ? rows.every((r) => r.peakRssBytes! <= 300 * MB) : null });
  let orgReport: OrgReportResult | null = null;
  if (o.orgReportAccounts > 0 && !o.only && !o.startupOnly) {
    // --no-cache: the organization's year is generated again into the work dir (a cold cache is an empty cache dir), bench/.cache untouched
    orgReport = await benchOrgReport({ accounts: o.orgReportAccounts, days: o.days, cacheDir: o.cache ? path.join(benchDir, '.cache') : path.join(workDir, 'org-cache'), work: workDir, timeoutMs, log });
    log(`org report: ${o.orgReportAccounts} accounts × ${o.days} days, first ${secs(orgReport.first.wallMs)} ${mb(orgReport.first.peakRssBytes)}, cached ${secs(orgReport.cached.wallMs)}`);
    goals.push(...orgReportGoals(orgReport));
  }
  // an RSS that was not measured is not a goal met
  goals.push({ goal: `peak RSS of the report over ${o.days} daily bundles ≤ 500 MB`, target: '≤ 500 MB', result: report ? mb(report.peakRssBytes) : 'not run', met: report && report.peakRssBytes !== null ? report.peakRssBytes <= 500 * MB : null });
  goals.push({ goal: `every generated bundle of the report's ${o.days} days complete`, target: '0 partial', result: report ? `${report.generation.partialBundles} partial` : 'not run', met: report ? report.generation.partialBundles === 0 : null });
  goals.push({ goal: `report over ${o.days} daily bundles ≤ 10 s`, target: '≤ 10 s', result: report ? secs(report.wallMs) : 'not run', met: report ? report.wallMs <= 10_000 : null });
  if (startup) goals.push(...startupGoals(startup));
  if (organization?.rows.length) {
    const rss = organization.rows.map((r) => `${r.accounts}: ${mb(r.peakRssBytes)}`).join(', ');
    const peaks = organization.rows.map((r) => r.peakRssBytes);
    const known = peaks.every((p): p is number => p !== null);
    // flat: the largest organization's peak within 1.5 × the smallest's (one size alone cannot show it)
    const flat = known && Math.max(...peaks) <= 1.5 * Math.min(...peaks);
    goals.push({ goal: `organization collect: peak RSS ≤ 500 MB and flat in the number of accounts (largest ≤ 1.5 × smallest)`, target: '≤ 500 MB, ≤ 1.5 ×', result: rss, met: known ? peaks.every((p) => p <= 500 * MB) && flat : null });
  }
  let comparison: Results['comparison'] = null;
  const iam = rows.find((r) => r.id === 'aws-iam');
  const sm = rows.find((r) => r.id === 'aws-secrets-manager');
  if (peer?.available && iam && sm) {
    const ours = iam.wallMs + sm.wallMs;
    const cli = peer.iam.wallMs + peer.secrets.wallMs;
    comparison = { oursIamSecretsMs: ours, cliIamSecretsMs: cli, ratio: Math.round((ours / cli) * 1000) / 1000, oursCalls: iam.calls.recorded + sm.calls.recorded, cliCalls: peer.iam.calls + peer.secrets.calls };
  }
  goals.push({ goal: 'IAM + Secrets wall ≤ 0.5 × the AWS CLI\'s', target: '≤ 0.5', result: comparison ? `${comparison.ratio} (${secs(comparison.oursIamSecretsMs)} vs ${secs(comparison.cliIamSecretsMs)})` : 'not run', met: comparison ? comparison.ratio <= 0.5 : null });

  const regressions: string[] = [];
  for (const run of orgReport ? [orgReport.first, orgReport.cached] : []) if (run.exitCode !== 0) regressions.push(`soc2 report over the organization's year exited ${run.exitCode}: ${String(run.filesChecked)}`);
  for (const r of rows) {
    if (r.callsRatio > 1.2) regressions.push(`${r.id}: ${r.calls.recorded} calls = ${r.callsRatio} × the minimum ${r.minimum} (> 1.2)`);
    if (r.exitCode !== 0 || r.status !== 'complete') regressions.push(`${r.id}: collect exited ${r.exitCode}, bundle ${r.status}${r.gapCount ? `, ${r.gapCount} gaps (first: ${r.gaps[0]?.api}: ${r.gaps[0]?.code})` : ''}`);
  }
  // the baseline is of the quick company: a full run's collects are larger
  if (startup && o.quick) regressions.push(...startupRegressions(startup));
  if (organization) regressions.push(...organizationRegressions(organization));
  // a synthetic company collects cleanly: a partial bundle means the generator or a collector broke
  if (report && report.generation.partialBundles > 0) regressions.push(`${report.generation.partialBundles} of the report's ${o.days} generated bundles are partial (key ${report.generation.key})`);
  if (report && report.exitCode !== 0) regressions.push(`soc2 report exited ${report.exitCode}: ${report.stderrTail}`);

  const results: Results = {
    tool: { name: 'soc2', version: toolVersion, commit: git(['rev-parse', 'HEAD']), dirty: git(['status', '--porcelain']) === null ? null : git(['status', '--porcelain']) !== '' },
    startedAt: started.toISOString(),
    finishedAt: new Date().toISOString(),
    totalMs: Date.now() - t0,
    mode: o.quick ? 'quick' : 'full',
    machine: { ...machine(), awsCli: peer?.version ?? null, loadAverage: { atStart: loadAtStart, atEnd: os.loadavg().map((x) => Math.round(x * 100) / 100) } },
    parameters: {
      latencyMs: o.latencyMs,
      concurrency: o.concurrency,
      awsRateLimitsPerSecond: AWS_RATE_LIMITS,
      awsRateLimitScope: 'per account and region (one sandbox per region behind one endpoint); token bucket with a burst of one second',
      mlflowRateLimitPerSecond: MLFLOW_RATE_LIMIT,
      vertexRateLimit: 'none (the Vertex sandbox has no rate limiter)',
      reportCompany: o.quick ? TINY.name : MID.name,
      reportDays: o.days,
      peerSample: o.peerSample,
      only: o.only,
    },
    company: describeCompany(company),
    costs: cost,
    collectors: rows,
    skipped,
    report,
    orgReport,
    peer,
    comparison,
    goals,
    regressions,
    startup,
    organization,
  };
  // only a whole run is "the" result; a partial one (--only, --skip-*) goes beside it
  const partial = !!o.only || o.startupOnly || o.skipPeer || o.skipReport || o.skipStartup || o.skipOrg || o.orgReportAccounts === 0 || o.reportOnly;
  const file = path.join(benchDir, partial ? 'results-partial.json' : o.quick ? 'results-quick.json' : 'results.json');
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  const md = markdown(results);
  process.stdout.write(md);
  if (o.docs && !partial) updateDocs(path.join(root, 'docs', 'performance.md'), md, docsTemplate);
  log(`wrote ${path.relative(root, file)}${o.docs && !partial ? ' and docs/performance.md' : ''} in ${secs(Date.now() - t0)} total`);
  if (!o.keep) rmSync(workDir, { recursive: true, force: true });
  else log(`kept ${workDir}`);
  if (o.quick && regressions.length) {
    for (const r of regressions) process.stderr.write(`bench: REGRESSION: ${r}\n`);
    return 1;
  }
  return 0;
}

for (const sig of ['SIGINT', 'SIGTERM'] as const)
  process.on(sig, () => {
    killRunning();
    cleanupMeasure();
    if (workDirToRemove) rmSync(workDirToRemove, { recursive: true, force: true });
    process.stderr.write(`bench: ${sig}: stopped\n`);
    process.exit(130);
  });

main().then(
  (code) => {
    cleanupMeasure();
    process.exit(code);
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
