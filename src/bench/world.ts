// The sandbox servers of one benchmark company, and the config and environment that point
// `soc2` at them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { startMlflowSandbox, type MlflowSandbox } from '../sandbox/mlflow/index.js';
import { startVertexSandbox, type VertexSandbox } from '../sandbox/vertex/index.js';
import { startAwsFront, type AwsFront } from './aws-front.js';
import { prometheusMissing, startBenchPrometheus, type BenchPrometheus } from './prometheus.js';
import { startTimingProxy, type TimingProxy } from './proxy.js';
import { ACCESS_KEY_ID, AUDIT_LOOKBACK_DAYS, AUDIT_SETTLE_MINUTES, AWS_RATE_LIMITS, MLFLOW_RATE_LIMIT, SECRET_ACCESS_KEY, PRODUCTION_ALIASES_MLFLOW, PRODUCTION_ALIASES_VERTEX, type Company } from './company.js';

export { ACCESS_KEY_ID, SECRET_ACCESS_KEY } from './company.js';

export interface World {
  company: Company;
  aws: AwsFront;
  mlflow: MlflowSandbox;
  /** the timing front the config points at (in front of `mlflow`) */
  mlflowFront: TimingProxy;
  vertex: VertexSandbox;
  /** the real Prometheus with the company's services, or why it is not running */
  prometheus: BenchPrometheus | { missing: string };
  latencyMs: number;
  rateLimited: boolean;
}

export interface WorldOptions {
  latencyMs: number;
  /** off for the report's evidence, where only the bundles matter */
  rateLimits: boolean;
  /**
   * with rateLimits off: the one quota the AWS sandbox keeps by default (CloudTrail LookupEvents,
   * 2/s per region) runs this many times faster, on the time scale the collectors' pacing is set to
   * (setPacingScale in src/core/rate-limit.ts), so the paced calls are never throttled. Default 1.
   */
  quotaScale?: number;
  /** injected clock for the MLflow and Vertex mutators */
  now?: () => number;
  /** start the real Prometheus (when installed) for the company's services */
  prometheus?: boolean;
}

export async function startWorld(company: Company, o: WorldOptions): Promise<World> {
  const [aws, mlflow, vertex] = await Promise.all([
    startAwsFront({ seed: company.aws, regions: company.spec.aws.regions, latencyMs: o.latencyMs, rateLimits: o.rateLimits ? AWS_RATE_LIMITS : { 'cloudtrail:LookupEvents': AWS_RATE_LIMITS['cloudtrail:LookupEvents']! * (o.quotaScale ?? 1) } }),
    startMlflowSandbox({ seed: company.mlflow, latencyMs: o.latencyMs, ...(o.rateLimits ? { rateLimitPerSecond: MLFLOW_RATE_LIMIT } : {}), ...(o.now ? { now: o.now } : {}) }),
    startVertexSandbox({ seed: company.vertex, latencyMs: o.latencyMs, ...(o.now ? { now: o.now } : {}) }),
  ]);
  const mlflowFront = await startTimingProxy(() => ({ name: 'mlflow', port: mlflow.port }));
  return { company, aws, mlflow, mlflowFront, vertex, prometheus: await prometheusOf(company, o), latencyMs: o.latencyMs, rateLimited: o.rateLimits };
}

async function prometheusOf(company: Company, o: WorldOptions): Promise<World['prometheus']> {
  const spec = company.spec.prometheus;
  if (!o.prometheus || !spec) return { missing: 'the company has no Prometheus services' };
  const missing = prometheusMissing();
  if (missing) return { missing };
  try {
    return await startBenchPrometheus({ ...spec, latencyMs: o.latencyMs });
  } catch (e) {
    // the other collectors are still measured; the row says why this one is not
    return { missing: `the real Prometheus did not start: ${e instanceof Error ? e.message : String(e)}` };
  }
}

const running = (w: World): BenchPrometheus | null => ('url' in w.prometheus ? w.prometheus : null);

export async function stopWorld(w: World): Promise<void> {
  await w.mlflowFront.close();
  await Promise.all([w.aws.close(), w.mlflow.close(), w.vertex.close(), running(w)?.close()]);
}

/** Clears what every server recorded (and the AWS rate buckets and credential reports). */
export function resetRecordings(w: World): void {
  w.aws.reset();
  w.mlflow.requests.length = 0;
  w.mlflowFront.exchanges.length = 0;
  w.vertex.requests.length = 0;
  const p = running(w);
  if (p) p.front.exchanges.length = 0;
}

export function configYaml(w: World, o: { concurrency: number; organization: string }): string {
  const v = w.company.vertex;
  return `# Written by the soc2 benchmark: the synthetic "${w.company.spec.name}" company in the sandbox servers.
organization: ${o.organization}
scope: [security, availability, confidentiality, processing-integrity]
evidence:
  dir: evidence
concurrency: ${o.concurrency}
sources:
  aws:
    - name: bench
      regions: [${w.company.spec.aws.regions.join(', ')}]${w.company.spec.mlData ? "\n      # aws-data-stores runs alone here (--only): every bucket of the account is named, not only lineage's\n      trainingDataBuckets: ['*']" : ''}
  mlflow:
    - name: registry
      trackingUri: ${w.mlflowFront.url}
      productionAliases: [${PRODUCTION_ALIASES_MLFLOW.join(', ')}]
      approvalTags: [approved_by]
  vertex:
    - name: vertex
      project: ${v.project.id}
      locations: [${v.locations.join(', ')}]
      apiEndpoint: ${w.vertex.endpoint}
      insecure: true
      productionAliases: [${PRODUCTION_ALIASES_VERTEX.join(', ')}]
      approvalLabels: [approved-by]
${prometheusYaml(w)}${settingsYaml(w)}`;
}

/** aws-audit-trail looks up a daily bundle's day (the first bundle would look lookbackDays back). */
function settingsYaml(w: World): string {
  if (!w.company.spec.ops) return '';
  return `settings:
  aws-audit-trail:
    lookbackDays: ${AUDIT_LOOKBACK_DAYS}
    settleMinutes: ${AUDIT_SETTLE_MINUTES}
`;
}

function prometheusYaml(w: World): string {
  const p = running(w);
  if (!p) return '';
  const services = p.services.map((s) => `        - {name: ${s.name}, query: 'avg_over_time(probe_success{job="${s.job}"}[1d])', target: 0.999}`);
  return `  prometheus:
    - name: metrics
      url: ${p.url}
      lookbackDays: ${p.lookbackDays}
      services:
${services.join('\n')}
`;
}

export function writeConfig(w: World, dir: string, o: { concurrency: number; organization: string }): string {
  const file = path.join(dir, 'soc2.config.yaml');
  writeFileSync(file, configYaml(w, o));
  return file;
}

/** The environment a child `soc2` (or `aws`) gets: only what it needs, nothing of the caller's AWS/MLflow setup. */
export function childEnv(w: World, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return awsChildEnv(w.aws.url, w.company.spec.aws.regions[0]!, extra);
}

/** childEnv for any AWS endpoint (the organization case runs its own sandbox). */
export function awsChildEnv(url: string, region: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const keep = ['PATH', 'HOME', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'NODE_OPTIONS'];
  const env: NodeJS.ProcessEnv = {};
  for (const k of keep) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, {
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    // no shared config or credentials files: nothing of this machine's AWS setup leaks in
    AWS_CONFIG_FILE: '/nonexistent/soc2-bench/config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/soc2-bench/credentials',
    ...extra,
  });
  return env;
}
