// Runs each collector alone, in its own `soc2 collect --only <id>` process, against the sandboxes,
// and measures it: calls (what the servers recorded, and what the manifest counted), wall time,
// peak RSS and bytes written; then compares with the minimum calls and the wall-time lower bound.
import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Manifest } from '../bundle/manifest.js';
import { API_PREFIX } from '../sandbox/mlflow/index.js';
import type { CollectorCost } from './company.js';
import { runMeasured, treeSize } from './measure.js';
import { inFlightMs } from './proxy.js';
import { childEnv, resetRecordings, type World } from './world.js';

export interface CollectorRow {
  id: string;
  source: string;
  /**
   * collectors run in the same process first because this one reads their artifacts of the run
   * (meta.reads); then calls, throttling, the API phase and wall / bound are this collector's own
   * (the API operations its artifacts record; its manifest durationMs), peak RSS and CPU the whole process's
   */
  producers?: string[];
  /** measured in another collector's run (it was a producer there), with these collectors; counted as with producers */
  sharedRun?: string[];
  exitCode: number | null;
  /** bundle status (complete / partial / failed) */
  status: string;
  collectorStatus: string[];
  gaps: { api: string; code: string; message: string }[];
  gapCount: number;
  calls: {
    /** requests the sandbox servers received for this collector (retries included), setup excluded */
    recorded: number;
    /** apiCalls summed over the collector's manifest entries */
    manifest: number;
    /** retries the manifest counted */
    retries: number;
    /** answers that were throttling errors (AWS Throttling/ThrottlingException, MLflow 429) */
    throttled: number;
    /** setup calls of the run (STS GetCallerIdentity of the AWS source) */
    setup: number;
    byApi: Record<string, number>;
  };
  /** first request's arrival to the last request's answer (server clock): the API part of the run */
  apiSpanMs: number;
  /** time with at least one call in flight (the rest of the wall time is the process's own work) */
  apiWaitMs: number;
  /** the run in three phases: process start to the first call, first call to last answer, last answer to exit */
  phases: { beforeFirstCallMs: number; apiPhaseMs: number; afterLastAnswerMs: number } | null;
  minimum: number;
  minimumByApi: Record<string, number>;
  callsRatio: number;
  wallMs: number;
  /** the collector's own time (manifest durationMs; regional runs in parallel: the longest) */
  collectorMs: number;
  lowerBoundMs: number;
  wallRatio: number;
  collectorRatio: number;
  peakRssBytes: number | null;
  cpuMs: number | null;
  bytesWritten: number;
  files: number;
  stderrTail: string;
  /** 1-minute load average of the machine before and after the run (other work on the machine skews wall times) */
  load: [number, number];
}

/** the permission names the collector declares, by HTTP path */
const PROMETHEUS_APIS: Record<string, string> = { '/api/v1/query_range': 'prometheus:QueryRange', '/api/v1/rules': 'prometheus:Rules', '/api/v2/receivers': 'alertmanager:Receivers' };

const AWS_THROTTLE = new Set(['Throttling', 'ThrottlingException', 'TooManyRequestsException']);

/** What the servers recorded since the last reset, attributed to the collector's source (with `apis`: only those AWS actions, `service:Action`). */
export function recorded(w: World, source: string, apis?: ReadonlySet<string>): { calls: number; throttled: number; setup: number; byApi: Record<string, number>; spanMs: number; waitMs: number; firstAt: number; lastEnd: number } {
  const byApi: Record<string, number> = {};
  let calls = 0;
  let throttled = 0;
  let setup = 0;
  let first = Infinity;
  let last = -Infinity;
  const add = (k: string, at: number) => {
    byApi[k] = (byApi[k] ?? 0) + 1;
    calls++;
    first = Math.min(first, at);
    last = Math.max(last, at);
  };
  if (source === 'aws') {
    for (const r of w.aws.requests()) {
      if (r.service === 'sts' || r.service === 'organizations') {
        setup++;
        continue;
      }
      if (apis && !apis.has(`${r.service}:${r.action}`)) continue;
      add(`${r.service}:${r.action}`, r.at);
      if (r.error && AWS_THROTTLE.has(r.error)) throttled++;
    }
  } else if (source === 'mlflow') {
    for (const r of w.mlflow.requests) {
      if (!r.path.startsWith(API_PREFIX)) continue;
      add(r.path.slice(API_PREFIX.length), r.at);
      if (r.status === 429) throttled++;
    }
  } else if (source === 'prometheus') {
    for (const x of 'url' in w.prometheus ? w.prometheus.front.exchanges : []) add(PROMETHEUS_APIS[x.path.split('?')[0]!] ?? `prometheus:${x.path.split('?')[0]}`, x.at);
  } else {
    for (const r of w.vertex.requests) {
      add(`${r.service}.${r.method}`, r.at);
      if (r.code === 8) throttled++;
    }
  }
  // from the first request's arrival to the last one's answer
  // time with at least one call in flight: timed at the HTTP fronts; for Vertex (gRPC) arrival + latency
  // (the AWS front times exchanges without knowing their action: with `apis`, arrival + latency)
  const timed =
    apis && source === 'aws' ? w.aws.requests().filter((r) => apis.has(`${r.service}:${r.action}`)).map((r) => ({ at: r.at, end: r.at + w.latencyMs }))
    : source === 'aws' ? w.aws.exchanges
    : source === 'mlflow' ? w.mlflowFront.exchanges
    : source === 'prometheus' ? ('url' in w.prometheus ? w.prometheus.front.exchanges : [])
    : w.vertex.requests.map((r) => ({ at: r.at, end: r.at + w.latencyMs }));
  const waitMs = inFlightMs(timed);
  // every call of the run, setup included: the first arrival and the last answer
  const firstAt = Math.min(...timed.map((x) => x.at));
  const lastEnd = Math.max(...timed.map((x) => x.end));
  return { calls, throttled, setup, byApi, spanMs: calls ? Math.round(last - first + w.latencyMs) : 0, waitMs, firstAt, lastEnd };
}

/**
 * The API operations (`service:Action`, as the sandbox records them) a collector's artifacts in the
 * bundle say they were read with: its own calls in a run shared with its producers (IAM permission
 * names are not operation names: s3:ListAllMyBuckets is ListBuckets). No bundle: none.
 */
export function ownOperations(manifest: Pick<Manifest, 'artifacts'> | null, id: string): Set<string> {
  return new Set((manifest?.artifacts ?? []).filter((a) => a.collector === id).flatMap((a) => a.provenance.operations.map((o) => o.api)));
}

export async function benchCollector(
  w: World,
  /** with producers: they run first in the same `soc2 collect`, and only the API operations the collector's own artifacts record are counted */
  c: { id: string; source: string; producers?: string[] },
  cost: CollectorCost,
  /** entry: the CLI file to run (default bin/soc2.js; the start-up bench runs each build's own) */
  o: { root: string; configFile: string; workDir: string; timeoutMs: number; nodeArgs?: string[]; entry?: string },
): Promise<CollectorRow> {
  return (await benchCollectorRun(w, c, cost, o))[0]!;
}

/**
 * One `soc2 collect` of the collector after its producers; its row first, then a row for each
 * producer named in `c.alsoRows` (sagemaker-training: its standalone run would repeat the bench's
 * longest collector), each counting only the API operations its own artifacts record.
 */
export async function benchCollectorRun(
  w: World,
  c: { id: string; source: string; producers?: string[]; alsoRows?: Record<string, CollectorCost> },
  cost: CollectorCost,
  o: { root: string; configFile: string; workDir: string; timeoutMs: number; nodeArgs?: string[]; entry?: string },
): Promise<CollectorRow[]> {
  const out = path.join(o.workDir, `evidence-${c.id}`);
  mkdirSync(out, { recursive: true });
  resetRecordings(w);
  const load0 = os.loadavg()[0]!;
  const m = await runMeasured(process.execPath, [...(o.nodeArgs ?? []), o.entry ?? path.join(o.root, 'bin', 'soc2.js'), 'collect', '--config', o.configFile, '--only', [...(c.producers ?? []), c.id].join(','), '--out', out, '--json'], {
    env: childEnv(w, { CI: 'true' }),
    cwd: o.workDir,
    timeoutMs: o.timeoutMs,
  });
  let manifest: Manifest | null = null;
  let bundle = '';
  try {
    const line = m.stdout.trim().split('\n').pop() ?? '';
    bundle = (JSON.parse(line) as { bundle: string }).bundle;
    manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8')) as Manifest;
  } catch {
    /* the run failed before writing a bundle: reported through exitCode and stderr */
  }
  const size = bundle ? treeSize(bundle) : { bytes: 0, files: 0 };
  const load: [number, number] = [Math.round(load0 * 100) / 100, Math.round(os.loadavg()[0]! * 100) / 100];
  const run = { m, manifest, size, load };
  const others = Object.entries(c.alsoRows ?? {});
  return [
    rowOf(w, run, { id: c.id, source: c.source, shared: c.producers ?? [], after: true }, cost),
    ...others.map(([id, k]) => rowOf(w, run, { id, source: c.source, shared: [...(c.producers ?? []).filter((p) => p !== id), c.id], after: false }, k)),
  ];
}

/** A collector's row from a run; with others in the run (`shared`): only its own operations, its manifest duration. */
function rowOf(
  w: World,
  run: { m: Awaited<ReturnType<typeof runMeasured>>; manifest: Manifest | null; size: { bytes: number; files: number }; load: [number, number] },
  c: { id: string; source: string; shared: string[]; after: boolean },
  cost: CollectorCost,
): CollectorRow {
  const { m, manifest, size } = run;
  const own = c.shared.length ? ownOperations(manifest, c.id) : undefined;
  const rec = recorded(w, c.source, own);
  const entries = manifest?.collectors.filter((e) => e.id === c.id) ?? [];
  const gaps = entries.flatMap((e) => e.gaps.map((g) => ({ api: g.api, code: g.code, message: g.message.slice(0, 300) })));
  const collectorMs = Math.max(0, ...entries.map((e) => e.durationMs));
  const round = (x: number) => Math.round(x * 100) / 100;
  // with others in the process, the collector's own time is its manifest duration
  const ownMs = own ? collectorMs : m.wallMs;
  return {
    id: c.id,
    source: c.source,
    ...(own ? (c.after ? { producers: c.shared } : { sharedRun: c.shared }) : {}),
    exitCode: m.code,
    status: manifest?.status ?? 'no bundle',
    collectorStatus: entries.map((e) => e.status),
    gaps: gaps.slice(0, 10),
    gapCount: gaps.length,
    calls: {
      recorded: rec.calls,
      manifest: entries.reduce((n, e) => n + e.apiCalls, 0),
      retries: entries.reduce((n, e) => n + e.retries, 0),
      throttled: rec.throttled,
      setup: rec.setup,
      byApi: rec.byApi,
    },
    apiSpanMs: rec.spanMs,
    apiWaitMs: rec.waitMs,
    // (with others in the run, start → first call would be theirs too)
    phases: !own && Number.isFinite(rec.firstAt) && Number.isFinite(rec.lastEnd)
      ? { beforeFirstCallMs: Math.max(0, rec.firstAt - m.startedAt), apiPhaseMs: Math.max(0, rec.lastEnd - rec.firstAt), afterLastAnswerMs: Math.max(0, m.endedAt - rec.lastEnd) }
      : null,
    minimum: cost.minimumTotal,
    minimumByApi: cost.minimum,
    callsRatio: round(rec.calls / Math.max(1, cost.minimumTotal)),
    wallMs: m.wallMs,
    collectorMs,
    lowerBoundMs: cost.lowerBoundMs,
    wallRatio: round(ownMs / Math.max(1, cost.lowerBoundMs)),
    collectorRatio: round(collectorMs / Math.max(1, cost.lowerBoundMs)),
    peakRssBytes: m.peakRssBytes,
    cpuMs: m.userMs !== null && m.sysMs !== null ? m.userMs + m.sysMs : null,
    // the bundle holds every collector of the run
    bytesWritten: size.bytes,
    files: size.files,
    stderrTail: m.stderr.split('\n').filter(Boolean).slice(-8).join('\n'),
    load: run.load,
  };
}
