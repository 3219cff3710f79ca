// Faults × collectors: every collector against every fault its sandbox server can inject —
// throttling bursts, 5xx, slow replies and replies slower than the client's timeout, connection
// resets, truncated and malformed bodies, 401/403 and credentials expiring mid-run, a repeating
// page token. Each case must end in one of two ways:
//   recover: success after retries, the bundle `complete`, every artifact's records equal to the
//            fault-free baseline (whose counts are checked against the seed);
//   gap:     an explicit gap naming the failed call, the bundle `partial` (or `failed` when nothing
//            at all could be written) and exit 3.
// And in every case: never a silently shorter list (silentShortLists), and the bundle verifies.
// Collections run in this process through the real runner (fast); a few run through the CLI for
// the exit code. Small seeds, `times`-bounded bursts and short latencies keep the file short; faults
// that need a short client timeout run last, with timeouts set in the config. The clients' retry
// back-off runs on a time scale (RETRY_TIME_SCALE, this process only): the same retries, shorter waits.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { generateAwsCompany, startAwsSandbox, type AwsSandbox, type AwsSeed, type Fault } from '../../src/sandbox/aws/index.js';
import { generateMlflowCompany, startMlflowSandbox, type MlflowFaultSpec, type MlflowSandbox, type MlflowSeed } from '../../src/sandbox/mlflow/index.js';
import { generateVertexCompany, startVertexSandbox, type VertexFaultSpec, type VertexSandbox, type VertexSeed } from '../../src/sandbox/vertex/index.js';
import { awsEnv, cleanEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { scaleAwsBackoff } from '../helpers/backoff.js';
import { bundleProblems, collectInProcess, findingsOnIncompleteEvidence, recordCounts, registry, removeTempDirs, silentShortLists, type InProcessRun } from './fault-helpers.js';

/** Every retry wait of the in-process clients is this share of the shipped one (the CLI cases wait in full). */
const RETRY_TIME_SCALE = 0.1;
// The MLflow client waits between attempts (back-off and Retry-After) with abortableSleep: each wait
// is recorded as asked for, then slept on the time scale.
const retryWaits = vi.hoisted(() => ({ scale: 1, asked: [] as number[] }));
vi.mock('../../src/clients/http-retry.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/clients/http-retry.js')>();
  return {
    ...real,
    abortableSleep: (ms: number, signal?: AbortSignal) => {
      retryWaits.asked.push(ms);
      return real.abortableSleep(ms * retryWaits.scale, signal);
    },
  };
});
retryWaits.scale = RETRY_TIME_SCALE;

type Outcome = 'recover' | 'gap';

interface Case {
  collector: string;
  fault: string;
  arm(): void;
  expect: Outcome;
  /** the gap must name this call */
  api?: RegExp;
  /** process.env for this case only (the AWS SDK clients read their settings there) */
  env?: Record<string, string>;
  /** the collection must end within this (a slow reply must not be waited for) */
  withinMs?: number;
  /** the gap naming the call has this code */
  code?: string;
  /** the client asked to wait exactly this long (ms) once (a server's Retry-After) */
  waited?: number;
}

interface Result {
  source: string;
  collector: string;
  fault: string;
  expect: Outcome;
  outcome: Outcome | 'VIOLATION';
  ms: number;
  gaps: string[];
}

const results: Result[] = [];
const has = (id: string) => registry.some((c) => c.meta.id === id);

// ── the seeds: small, but paged (AWS pages of 5 items, MLflow registered models over two pages of 100) ──

const awsSeed: AwsSeed = generateAwsCompany({ users: 9, groups: 3, roles: 8, policies: 5, secretsPerRegion: 12, regions: ['us-east-1'], seed: 7, sagemaker: { groups: 3, packagesPerGroup: 4, endpoints: 7, trainingJobs: 8 } });
const awsAccount = awsSeed.accounts[0]!;
const mlflowSeed: MlflowSeed = generateMlflowCompany({ models: 105, versionsPerModel: 1, productionShare: 0.3, seed: 7 });
const vertexSeed: VertexSeed = generateVertexCompany({ models: 6, versionsPerModel: 2, endpoints: 3, locations: 1, seed: 7 });
const LOCATION = vertexSeed.locations[0]!;

/** counts the seeds promise, checked against the fault-free baselines */
const SEED_COUNTS: Record<string, number> = {
  'artifacts/main/aws-iam/authorization-details.ndjson': awsAccount.iam.users.length + awsAccount.iam.groups.length + awsAccount.iam.roles.length + awsAccount.iam.managedPolicies.length,
  'artifacts/main/aws-secrets-manager/us-east-1/secrets.ndjson': awsAccount.secrets!['us-east-1']!.length,
  'artifacts/main/sagemaker-registry/us-east-1/model-packages.ndjson': awsAccount.sagemaker!['us-east-1']!.modelPackages!.length,
  'artifacts/main/sagemaker-endpoints/us-east-1/endpoints.ndjson': awsAccount.sagemaker!['us-east-1']!.endpoints!.length,
  'artifacts/main/sagemaker-training/us-east-1/training-jobs.ndjson': awsAccount.sagemaker!['us-east-1']!.trainingJobs!.length,
  'artifacts/registry/mlflow-registry/models.ndjson': mlflowSeed.registeredModels.length,
  'artifacts/registry/mlflow-registry/versions.ndjson': mlflowSeed.modelVersions.length,
  [`artifacts/ml/vertex-registry/${LOCATION}/models.ndjson`]: vertexSeed.models.length,
  [`artifacts/ml/vertex-registry/${LOCATION}/versions.ndjson`]: vertexSeed.models.reduce((n, m) => n + m.versions.length, 0),
  [`artifacts/ml/vertex-endpoints/${LOCATION}/endpoints.ndjson`]: vertexSeed.endpoints.length,
};

// ── one runner of cases, whatever the source ──

interface Harness {
  source: string;
  config(collector: string): string;
  env(): NodeJS.ProcessEnv;
  reset(): void;
  /** requests the sandbox answered with an injected fault */
  fired(): number;
}

const baselines = new Map<string, Map<string, number>>();

async function baseline(h: Harness, collector: string): Promise<Map<string, number>> {
  h.reset();
  const r = await collectInProcess(h.config(collector), h.env());
  expect(r.manifest.status, JSON.stringify(r.manifest.collectors.flatMap((c) => c.gaps))).toBe('complete');
  const counts = recordCounts(r.manifest);
  for (const [p, n] of Object.entries(SEED_COUNTS)) if (p.split('/')[2] === collector) expect(counts.get(p), p).toBe(n);
  expect(await bundleProblems(r.dir)).toEqual([]);
  baselines.set(collector, counts);
  return counts;
}

async function runCase(h: Harness, c: Case): Promise<InProcessRun> {
  h.reset();
  c.arm();
  const saved = { ...process.env };
  Object.assign(process.env, c.env ?? {});
  retryWaits.asked.length = 0;
  let r: InProcessRun;
  try {
    r = await collectInProcess(h.config(c.collector), h.env());
  } finally {
    for (const k of Object.keys(c.env ?? {})) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
  const base = baselines.get(c.collector)!;
  const entry = r.manifest.collectors.filter((e) => e.id === c.collector);
  const gaps = entry.flatMap((e) => e.gaps.map((g) => `${g.api}: ${g.code}: ${g.message}`));
  const violations = [...silentShortLists(r.dir, r.manifest, base), ...findingsOnIncompleteEvidence(r.dir, r.manifest)];
  results.push({ source: h.source, collector: c.collector, fault: c.fault, expect: c.expect, outcome: violations.length ? 'VIOLATION' : r.exitCode === 0 ? 'recover' : 'gap', ms: r.ms, gaps });

  const why = `${c.collector} × ${c.fault}: gaps ${JSON.stringify(gaps)}`;
  expect(h.fired(), `${why}: the fault never fired`).toBeGreaterThan(0);
  expect(violations, why).toEqual([]);
  expect(await bundleProblems(r.dir), why).toEqual([]);
  if (c.withinMs) expect(r.ms, `${why}: took ${r.ms} ms`).toBeLessThan(c.withinMs);
  if (c.waited !== undefined) expect(retryWaits.asked, `${why}: the waits asked for`).toContain(c.waited);
  if (c.expect === 'recover') {
    expect(r.manifest.status, why).toBe('complete');
    expect(r.exitCode).toBe(0);
    expect(entry.every((e) => e.status === 'ok')).toBe(true);
    for (const [p, n] of base) {
      const a = r.manifest.artifacts.find((x) => x.path === p);
      expect(a?.records, `${why}: ${p}`).toBe(n);
      expect(a?.provenance.complete, `${why}: ${p}`).toBe(true);
    }
  } else {
    expect(['partial', 'failed'], why).toContain(r.manifest.status);
    expect(r.manifest.status === 'failed').toBe(r.manifest.artifacts.length === 0);
    expect(r.exitCode).toBe(3);
    expect(entry.some((e) => e.status === 'error'), why).toBe(true);
    for (const g of entry.flatMap((e) => e.gaps)) {
      expect(g.code, why).toMatch(/\S/);
      expect(g.message, why).toMatch(/\S/);
    }
    if (c.api) expect(entry.flatMap((e) => e.gaps).some((g) => c.api!.test(g.api) && (!c.code || g.code === c.code)), `${why}: no gap names ${c.api}${c.code ? ` with ${c.code}` : ''}`).toBe(true);
  }
  return r;
}

/** One case per [fault, arm, outcome, api?, extra?] row. */
type Row = [fault: string, arm: () => void, outcome: Outcome, api?: RegExp, extra?: Partial<Case>];
const toCases = (collector: string, rows: Row[]): Case[] => rows.map(([fault, arm, outcome, api, extra]) => ({ collector, fault, arm, expect: outcome, ...(api ? { api } : {}), ...extra }));

/** A describe per collector: its fault-free baseline first, then each of its cases. */
function suites<C extends string>(h: Harness, collectors: readonly C[], cases: (collector: C) => Case[]): void {
  for (const collector of collectors) {
    describe(collector, () => {
      beforeAll(async () => {
        await baseline(h, collector);
      });
      for (const c of cases(collector)) it(c.fault, async () => void (await runCase(h, c)));
    });
  }
}

// ── AWS: IAM (awsQuery, XML), Secrets Manager and SageMaker (awsJson 1.1) ──

/** Calls per second the paced AWS collectors may start here: far above what the small seeds need. */
const FAST_PACE = 1000;
const AWS_PACES = `  aws-secrets-manager:\n    resourcePolicyCallsPerSecond: ${FAST_PACE}\n  bedrock:\n    getCallsPerSecond: ${FAST_PACE}\n  sagemaker-registry:\n    describeCallsPerSecond: ${FAST_PACE}\n  sagemaker-endpoints:\n    describeCallsPerSecond: ${FAST_PACE}\n`;

describe('faults × AWS collectors (sandbox, in process)', () => {
  let sb: AwsSandbox;
  const saved = { ...process.env };
  const h: Harness = {
    source: 'aws',
    // the generated training jobs are dated around the generator's 2026-01-01: a window that reaches them.
    // This sandbox enforces no quota on the paced calls (Describe*, Get*): the collectors' own paces
    // (10–45 per second by default, seconds per case) are raised, the calls and faults stay the same.
    config: (c) => `sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [${c}]\nsettings:\n${AWS_PACES}  sagemaker-training:\n    lookbackDays: 3650\n    describeCallsPerSecond: ${FAST_PACE}\n`,
    env: () => process.env,
    reset: () => sb.reset(),
    // a reply delayed past the client's timeout is still sleeping: recorded, not yet answered (status 0)
    fired: () => sb.requests.filter((q) => q.fault !== undefined || q.status === 0).length,
  };
  let backoff: ReturnType<typeof scaleAwsBackoff>;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: awsSeed, maxPageItems: 5 });
    // the SDK takes endpoint and credentials from the environment only (like soc2 demo)
    Object.assign(process.env, awsEnv(sb.url));
    delete process.env.AWS_MAX_ATTEMPTS; // the shipped default (5 attempts, standard mode)
    backoff = scaleAwsBackoff(RETRY_TIME_SCALE);
  });
  afterAll(async () => {
    backoff?.restore();
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await sb?.close();
  });

  const targets = {
    'aws-iam': { action: 'GetAccountAuthorizationDetails', service: 'iam', api: /^iam:GetAccountAuthorizationDetails$/, second: 'GenerateCredentialReport', secondApi: /^iam:GenerateCredentialReport$/ },
    'aws-secrets-manager': { action: 'ListSecrets', service: 'secretsmanager', api: /^secretsmanager:ListSecrets$/, second: 'GetResourcePolicy', secondApi: /^secretsmanager:GetResourcePolicy arn:aws:secretsmanager:/ },
    'sagemaker-registry': { action: 'ListModelPackages', service: 'sagemaker', api: /^sagemaker:ListModelPackages$/, second: 'GetModelPackageGroupPolicy', secondApi: /^sagemaker:GetModelPackageGroupPolicy model-/ },
    'sagemaker-endpoints': { action: 'ListEndpoints', service: 'sagemaker', api: /^sagemaker:ListEndpoints$/, second: 'ListMonitoringSchedules', secondApi: /^sagemaker:ListMonitoringSchedules$/ },
    'sagemaker-training': { action: 'ListTrainingJobs', service: 'sagemaker', api: /^sagemaker:ListTrainingJobs$/, second: 'DescribeTrainingJob', secondApi: /^sagemaker:DescribeTrainingJob train-/ },
    bedrock: { action: 'ListCustomModels', service: 'bedrock', api: /^bedrock:ListCustomModels$/, second: 'GetCustomModel', secondApi: /^bedrock:GetCustomModel arn:aws:bedrock:/ },
    'aws-data-stores': { action: 'ListBuckets', service: 's3', api: /^s3:ListBuckets$/, second: 'GetAccountPublicAccessBlock', secondApi: /^s3:GetAccountPublicAccessBlock$/ },
  } as const;
  const cases = (collector: keyof typeof targets): Case[] => {
    const t = targets[collector];
    const add = (...fs: Fault[]) => () => fs.forEach((f) => sb.faults.add(f));
    const quick = { env: { SOC2_AWS_SOCKET_TIMEOUT_MS: '400' }, withinMs: 4500 };
    const list: Row[] = [
      ['throttling burst ×3', add({ action: t.action, kind: 'throttle', times: 3 }), 'recover'],
      ['throttling mid-pagination ×2', add({ action: t.action, kind: 'throttle', times: 2, after: 1 }), 'recover'],
      ['500 once', add({ action: t.action, kind: 'error500', times: 1 }), 'recover'],
      ['503 ×2 mid-pagination', add({ action: t.action, kind: 'error503', times: 2, after: 1 }), 'recover'],
      ['500 persisting from page 2', add({ action: t.action, kind: 'error500', after: 1 }), 'gap', t.api],
      ['slow replies (400 ms ×3)', add({ action: t.action, kind: 'latency', ms: 400, times: 3 }), 'recover'],
      ['connection reset mid-pagination', add({ action: t.action, kind: 'reset', times: 1, after: 1 }), 'recover'],
      ['truncated body', add({ action: t.action, kind: 'truncate', times: 1 }), 'recover'],
      ['malformed body', add({ action: t.action, kind: 'malformed', times: 1 }), 'gap', t.api],
      ['403 access denied', add({ action: t.action, kind: 'deny' }), 'gap', t.api],
      ['403 denied from page 2', add({ action: t.action, kind: 'deny', after: 1 }), 'gap', t.api],
      ['secondary call denied', add({ action: t.second, kind: 'deny' }), 'gap', t.secondApi],
      ['credentials expire mid-run', add({ service: t.service, kind: 'expiredToken', after: 3 }), 'gap'],
      // before any collector runs: the source's identity call
      ['sts:GetCallerIdentity throttled ×2', add({ action: 'GetCallerIdentity', kind: 'throttle', times: 2 }), 'recover'],
      ['sts:GetCallerIdentity denied', add({ action: 'GetCallerIdentity', kind: 'deny' }), 'gap', /^sts:GetCallerIdentity$/],
      // the socket timeout (src/clients/aws.ts) shortened to 400 ms; the sandbox answers after 6 s
      ['one reply slower than the socket timeout', add({ action: t.action, kind: 'latency', ms: 6000, times: 1 }), 'recover', undefined, quick],
      ['every reply slower than the socket timeout', add({ action: t.action, kind: 'latency', ms: 6000 }), 'gap', t.api, { ...quick, code: 'TimeoutError' }],
    ];
    return toCases(collector, list);
  };

  suites(h, Object.keys(targets) as (keyof typeof targets)[], cases);

  it('the oracle is not vacuous: a complete-looking short list, or a short list without a gap, is flagged', async () => {
    const base = baselines.get('aws-secrets-manager') ?? (await baseline(h, 'aws-secrets-manager'));
    h.reset();
    const r = await collectInProcess(h.config('aws-secrets-manager'), h.env());
    const p = 'artifacts/main/aws-secrets-manager/us-east-1/secrets.ndjson';
    expect(silentShortLists(r.dir, r.manifest, base)).toEqual([]);
    const shorter = new Map(base).set(p, base.get(p)! + 1); // as if the seed had one more secret
    expect(silentShortLists(r.dir, r.manifest, shorter)).toEqual([`${p}: says complete with ${base.get(p)} records; the seed has ${base.get(p)! + 1}`, `${p}: ${base.get(p)} of ${base.get(p)! + 1} records and no gap for aws-secrets-manager`]);
    const a = r.manifest.artifacts.find((x) => x.path === p)!;
    a.provenance.complete = false;
    expect(silentShortLists(r.dir, r.manifest, base)).toEqual([`${p}: complete:false without a gap for aws-secrets-manager`]);
    a.records -= 1;
    expect(silentShortLists(r.dir, r.manifest, base)).toContain(`${p}: manifest says ${a.records} records, the file holds ${a.records + 1}`);
  });

  describe('through the CLI (exit codes)', () => {
    const cfg = (c: string) => writeConfig(tmpDir(), h.config(c));
    it('ListSecrets denied from page 2: exit 3, bundle partial, the gap names the call on stderr and in --json', async () => {
      h.reset();
      sb.faults.add({ action: 'ListSecrets', kind: 'deny', after: 1 });
      const file = cfg('aws-secrets-manager');
      const human = await runCli(['collect', '--config', file], { env: awsEnv(sb.url) });
      expect(human.code, human.stderr).toBe(3);
      expect(human.stderr).toMatch(/^partial: /m);
      expect(human.stderr).toMatch(/^gap: aws-secrets-manager main \d+\/us-east-1: secretsmanager:ListSecrets: AccessDeniedException: /m);
      expect(human.stderr).not.toMatch(/\n\s+at /);
      h.reset();
      sb.faults.add({ action: 'ListSecrets', kind: 'deny', after: 1 });
      const r = await runCli(['collect', '--config', file, '--json'], { env: awsEnv(sb.url) });
      expect(r.code).toBe(3);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('partial');
      expect(out.collectors[0].gaps.map((g: { api: string }) => g.api)).toEqual(['secretsmanager:ListSecrets']);
    });
    it('a throttling burst: exit 0, bundle complete', async () => {
      h.reset();
      sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'throttle', times: 2 });
      const r = await runCli(['collect', '--config', cfg('aws-iam'), '--json'], { env: awsEnv(sb.url) });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).status).toBe('complete');
      expect(sb.requests.filter((q) => q.fault === 'throttle')).toHaveLength(2);
    });
    it('the identity call denied: exit 3, bundle failed (nothing collected), gap sts:GetCallerIdentity', async () => {
      h.reset();
      sb.faults.add({ action: 'GetCallerIdentity', kind: 'deny' });
      const r = await runCli(['collect', '--config', cfg('aws-iam'), '--json'], { env: awsEnv(sb.url) });
      expect(r.code).toBe(3);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('failed');
      expect(out.collectors[0].gaps[0]).toMatchObject({ api: 'sts:GetCallerIdentity', code: 'AccessDenied' });
    });
  });
});

// ── MLflow REST (JSON) ──

describe('faults × MLflow collectors (sandbox, in process)', () => {
  let sb: MlflowSandbox;
  const h: Harness = {
    source: 'mlflow',
    config: (c) => `sources:\n  mlflow:\n    - name: registry\n      trackingUri: ${sb.url}\ncollectors: [${c}]\n`,
    env: () => cleanEnv(),
    reset: () => {
      sb.faults.clear();
      sb.requests.length = 0;
    },
    fired: () => sb.requests.filter((q) => q.fault !== undefined).length,
  };
  beforeAll(async () => {
    // the collectors ask for 1,000 models a page; this server answers 100 (silently, as servers may),
    // so the 105 models take two pages and page-2 faults have a page 2
    sb = await startMlflowSandbox({ seed: mlflowSeed, pageClamp: { 'registered-models/search': 100 } });
  });
  afterAll(async () => sb?.close());

  const targets = {
    'mlflow-registry': { path: 'model-versions/search', api: /^mlflow:SearchModelVersions$/, second: 'registered-models/search', secondApi: /^mlflow:SearchRegisteredModels$/ },
    'mlflow-lineage': { path: 'runs/search', api: /^mlflow:SearchRuns/, second: 'experiments/search', secondApi: /^mlflow:SearchExperiments$/ },
  } as const;
  const cases = (collector: keyof typeof targets): Case[] => {
    const t = targets[collector];
    const add = (...fs: MlflowFaultSpec[]) => () => fs.forEach((f) => sb.faults.add(f));
    const list: Row[] = [
      ['429 burst ×2', add({ path: t.path, kind: 'status429', times: 2 }), 'recover'],
      ['429 with Retry-After: 1', add({ path: t.path, kind: 'status429', times: 1, retryAfter: 1 }), 'recover', undefined, { waited: 1000 }],
      ['500 once', add({ path: t.path, kind: 'status500', times: 1 }), 'recover'],
      ['503 ×2', add({ path: t.path, kind: 'status503', times: 2 }), 'recover'],
      ['500 persisting', add({ path: t.path, kind: 'status500', times: Infinity }), 'gap', t.api],
      ['slow replies (400 ms ×2)', add({ path: t.path, kind: 'latency', ms: 400, times: 2 }), 'recover'],
      ['connection reset', add({ path: t.path, kind: 'reset', times: 1 }), 'recover'],
      ['truncated body', add({ path: t.path, kind: 'truncate', times: 1 }), 'recover'],
      ['malformed body', add({ path: t.path, kind: 'malformed', times: 1 }), 'recover'],
      ['401 unauthenticated', add({ path: t.path, kind: 'status401', times: Infinity }), 'gap', t.api],
      ['403 permission denied', add({ path: t.path, kind: 'status403', times: Infinity }), 'gap', t.api],
      ['secondary call denied (403)', add({ path: t.second, kind: 'status403', times: Infinity }), 'gap', t.secondApi],
      // registered-models/search has two pages (105 models): the token-bearing request is page 2
      ['credentials expire mid-run (401 from page 2)', add({ path: 'page_token=', kind: 'status401', times: Infinity }), 'gap', /^mlflow:SearchRegisteredModels$/],
      ['pagination token repeats', add({ path: 'registered-models/search', kind: 'repeatToken', times: 1 }), 'gap', /^mlflow:SearchRegisteredModels$/],
    ];
    return toCases(collector, list);
  };

  suites(h, Object.keys(targets) as (keyof typeof targets)[], cases);

  it('through the CLI: 401 from page 2 of registered-models/search → exit 3, partial, one UNAUTHENTICATED gap', async () => {
    h.reset();
    sb.faults.add({ path: 'page_token=', kind: 'status401', times: Infinity });
    const r = await runCli(['collect', '--config', writeConfig(tmpDir(), h.config('mlflow-registry')), '--json'], { env: h.env() });
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('partial');
    expect(out.collectors[0].gaps).toHaveLength(1);
    expect(out.collectors[0].gaps[0]).toMatchObject({ api: 'mlflow:SearchRegisteredModels', code: 'UNAUTHENTICATED' });
  });
});

// ── Vertex AI (gRPC, protobuf) ──

const vertexCollectors = ['vertex-registry', 'vertex-lineage', 'vertex-endpoints'].filter(has);

describe.skipIf(vertexCollectors.length === 0)('faults × Vertex AI collectors (sandbox, in process)', () => {
  let sb: VertexSandbox;
  const h: Harness = {
    source: 'vertex',
    config: (c) => `sources:\n  vertex:\n    - name: ml\n      project: ${vertexSeed.project.id}\n      locations: [${LOCATION}]\n      apiEndpoint: ${sb.endpoint}\n      insecure: true\ncollectors: [${c}]\n`,
    env: () => cleanEnv(),
    reset: () => {
      sb.faults.clear();
      sb.requests.length = 0;
    },
    fired: () => sb.requests.filter((q) => q.fault !== undefined).length,
  };
  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: vertexSeed });
  });
  afterAll(async () => sb?.close());

  const targets: Record<string, { method: string; api: RegExp; second: string; secondApi: RegExp }> = {
    'vertex-registry': { method: 'ListModelVersions', api: /^ModelService\.ListModelVersions/, second: 'ListModels', secondApi: /^ModelService\.ListModels$/ },
    'vertex-lineage': { method: 'QueryArtifactLineageSubgraph', api: /^MetadataService\.QueryArtifactLineageSubgraph/, second: 'GetTrainingPipeline', secondApi: /^PipelineService\.GetTrainingPipeline/ },
    'vertex-endpoints': { method: 'ListEndpoints', api: /^EndpointService\.ListEndpoints$/, second: 'ListModelVersions', secondApi: /^ModelService\.ListModelVersions/ },
  };
  const cases = (collector: string): Case[] => {
    const t = targets[collector]!;
    const add = (...fs: VertexFaultSpec[]) => () => fs.forEach((f) => sb.faults.add(f));
    const list: Row[] = [
      ['UNAVAILABLE (503) ×2', add({ method: t.method, kind: 'unavailable', times: 2 }), 'recover'],
      ['DEADLINE_EXCEEDED from the server ×1', add({ method: t.method, kind: 'deadline', times: 1 }), 'recover'],
      ['INTERNAL (500) ×1', add({ method: t.method, kind: 'internal', times: 1 }), 'gap', t.api],
      ['slow replies (400 ms ×2)', add({ method: t.method, kind: 'latency', ms: 400, times: 2 }), 'recover'],
      ['PERMISSION_DENIED (403)', add({ method: t.method, kind: 'permissionDenied', times: Infinity }), 'gap', t.api],
      ['secondary call denied (PERMISSION_DENIED)', add({ method: t.second, kind: 'permissionDenied', times: Infinity }), 'gap', t.secondApi],
      ['FAILED_PRECONDITION', add({ method: t.method, kind: 'failedPrecondition', times: Infinity }), 'gap', t.api],
      // ListModels (or ListEndpoints) answered; every later call is refused
      ['credentials expire mid-run (UNAUTHENTICATED)', add({ method: t.method, kind: 'unauthenticated', times: Infinity }), 'gap', t.api],
    ];
    return toCases(collector, list);
  };

  suites(h, vertexCollectors, cases);

  it.skipIf(!has('vertex-endpoints'))('through the CLI: ListEndpoints denied → exit 3, gap EndpointService.ListEndpoints PERMISSION_DENIED', async () => {
    h.reset();
    sb.faults.add({ method: 'ListEndpoints', kind: 'permissionDenied', times: Infinity });
    const r = await runCli(['collect', '--config', writeConfig(tmpDir(), h.config('vertex-endpoints')), '--json'], { env: h.env() });
    expect(r.code, r.stderr).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('failed'); // the only collector wrote nothing: failed, still exit 3
    expect(out.collectors[0].gaps[0]).toMatchObject({ api: 'EndpointService.ListEndpoints', code: 'PERMISSION_DENIED' });
  });
});

// ── replies slower than the client's timeout: MLflow and Vertex ──
// Both timeouts are shortened through the config (sources.*.requestTimeoutSeconds) to prove that a
// reply slower than the timeout ends in a retry or an explicit gap. (AWS: the socket timeout of
// src/clients/aws.ts is shortened through SOC2_AWS_SOCKET_TIMEOUT_MS, above.)

const TIMEOUT_MS = { mlflow: 300, vertex: 800 };

describe('faults × collectors: replies slower than the client timeout (configured timeouts)', () => {
  let ml: MlflowSandbox;
  let vx: VertexSandbox;
  const mlh: Harness = {
    source: 'mlflow',
    config: (c) => `sources:\n  mlflow:\n    - name: registry\n      trackingUri: ${ml.url}\n      requestTimeoutSeconds: ${TIMEOUT_MS.mlflow / 1000}\ncollectors: [${c}]\n`,
    env: () => cleanEnv(),
    reset: () => {
      ml.faults.clear();
      ml.requests.length = 0;
    },
    fired: () => ml.requests.filter((q) => q.fault !== undefined).length,
  };
  const vxh: Harness = {
    source: 'vertex',
    config: (c) => `sources:\n  vertex:\n    - name: ml\n      project: ${vertexSeed.project.id}\n      locations: [${LOCATION}]\n      apiEndpoint: ${vx.endpoint}\n      insecure: true\n      requestTimeoutSeconds: ${TIMEOUT_MS.vertex / 1000}\ncollectors: [${c}]\n`,
    env: () => cleanEnv(),
    reset: () => {
      vx.faults.clear();
      vx.requests.length = 0;
    },
    fired: () => vx.requests.filter((q) => q.fault !== undefined).length,
  };
  beforeAll(async () => {
    [ml, vx] = await Promise.all([startMlflowSandbox({ seed: mlflowSeed }), startVertexSandbox({ seed: vertexSeed })]);
    for (const c of ['mlflow-registry', 'mlflow-lineage']) if (!baselines.has(c)) await baseline(mlh, c);
    for (const c of vertexCollectors) if (!baselines.has(c)) await baseline(vxh, c);
  });
  afterAll(async () => {
    await Promise.all([ml?.close(), vx?.close()]);
  });

  const mlTargets = { 'mlflow-registry': { path: 'model-versions/search', api: /^mlflow:SearchModelVersions$/ }, 'mlflow-lineage': { path: 'runs/search', api: /^mlflow:SearchRuns/ } };
  for (const [collector, t] of Object.entries(mlTargets)) {
    describe(collector, () => {
      it(`one reply slower than the ${TIMEOUT_MS.mlflow} ms timeout: retried, complete`, async () =>
        void (await runCase(mlh, { collector, fault: `one reply slower than the timeout (${TIMEOUT_MS.mlflow} ms)`, arm: () => ml.faults.add({ path: t.path, kind: 'latency', ms: 1000, times: 1 }), expect: 'recover' })));
      it('every reply slower than the timeout: gap TIMEOUT naming the call', async () => {
        const r = await runCase(mlh, { collector, fault: 'every reply slower than the timeout', arm: () => ml.faults.add({ path: t.path, kind: 'latency', ms: 1000, times: Infinity }), expect: 'gap', api: t.api });
        expect(r.manifest.collectors[0]!.gaps.some((g) => g.code === 'TIMEOUT')).toBe(true);
      });
    });
  }

  const vxTargets: Record<string, { method: string; api: RegExp }> = {
    'vertex-registry': { method: 'ListModelVersions', api: /^ModelService\.ListModelVersions/ },
    'vertex-lineage': { method: 'QueryArtifactLineageSubgraph', api: /^MetadataService\.QueryArtifactLineageSubgraph/ },
    'vertex-endpoints': { method: 'ListEndpoints', api: /^EndpointService\.ListEndpoints$/ },
  };
  for (const collector of vertexCollectors) {
    const t = vxTargets[collector]!;
    describe(collector, () => {
      // gax gives each call one budget (retries included): a reply slower than all of it cannot be retried
      it(`a reply slower than the ${TIMEOUT_MS.vertex} ms call budget: gap DEADLINE_EXCEEDED naming the call`, async () => {
        const r = await runCase(vxh, { collector, fault: `reply slower than the call budget (${TIMEOUT_MS.vertex} ms)`, arm: () => vx.faults.add({ method: t.method, kind: 'latency', ms: 2000, times: 1 }), expect: 'gap', api: t.api });
        expect(r.manifest.collectors[0]!.gaps.some((g) => g.code === 'DEADLINE_EXCEEDED')).toBe(true);
      });
      it('UNAVAILABLE until the budget runs out: gap naming the call', async () =>
        void (await runCase(vxh, { collector, fault: 'UNAVAILABLE persisting past the call budget', arm: () => vx.faults.add({ method: t.method, kind: 'unavailable', times: Infinity }), expect: 'gap', api: t.api })));
    });
  }
});

afterAll(() => {
  const n = (f: (r: Result) => boolean) => results.filter(f).length;
  console.log(`faults × collectors: ${results.length} cases over ${new Set(results.map((r) => r.collector)).size} collectors; ${n((r) => r.outcome === 'recover')} recovered with complete evidence, ${n((r) => r.outcome === 'gap')} ended in an explicit gap, ${n((r) => r.outcome === 'VIOLATION')} violations; ${n((r) => r.outcome === r.expect)} as expected`);
  removeTempDirs();
  const rows = results.map((r) => `${r.source.padEnd(6)} ${r.collector.padEnd(20)} ${r.fault.padEnd(46)} ${r.outcome.padEnd(8)} ${String(r.ms).padStart(5)} ms  ${r.gaps.slice(0, 2).join(' | ').slice(0, 220)}`);
  console.log(rows.join('\n'));
});
