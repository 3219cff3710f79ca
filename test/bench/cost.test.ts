// The benchmark's cost model and bookkeeping (fast: no servers, no child processes). The benchmark
// itself runs with `npm run bench` (CI: `npm run bench -- --quick`), never in the test suite.
import { describe, expect, test, vi } from 'vitest';
import { ownOperations } from '../../src/bench/collectors.js';
import { costs, describeCompany, generateCompany, LARGE, MID, prometheusCost, QUICK, s3BucketsNamed, TINY } from '../../src/bench/company.js';
import { markdown, type Results } from '../../src/bench/output.js';
import { inFlightMs } from '../../src/bench/proxy.js';

describe('cost model', () => {
  const large = generateCompany(LARGE);
  const c = costs(large, { latencyMs: 20, concurrency: 8 });

  test('the large company is the one the issue asks for', () => {
    const a = large.aws.accounts[0]!;
    expect(a.iam.roles).toHaveLength(5000);
    expect(a.iam.users).toHaveLength(2000);
    expect(a.iam.groups).toHaveLength(500);
    expect(a.iam.managedPolicies.length).toBe(20_004); // + 4 AWS managed policies
    expect(Object.values(a.secrets).flat()).toHaveLength(5000);
    expect(large.mlflow.modelVersions).toHaveLength(20_000);
    expect(large.vertex.models.reduce((n, m) => n + m.versions.length, 0)).toBe(3000);
    expect(large.vertex.endpoints).toHaveLength(50);
  });

  test('minimum calls follow the pages each API allows', () => {
    // ⌈27,504 / 1000⌉ = 28 authorization-details pages, 2 MFA pages, 6 single calls
    expect(c['aws-iam']!.minimum['iam:GetAccountAuthorizationDetails']).toBe(28);
    expect(c['aws-iam']!.minimumTotal).toBe(36);
    // ⌈1667/100⌉ + ⌈1667/100⌉ + ⌈1666/100⌉ = 51 pages + one policy per secret
    expect(c['aws-secrets-manager']!.minimum).toEqual({ 'secretsmanager:ListSecrets': 51, 'secretsmanager:GetResourcePolicy': 5000, 'secretsmanager:DescribeSecret': 0 });
    // the two listings, their prompt twins, the workspace probe and three "not supported" single calls
    expect(c['mlflow-registry']!.minimumTotal).toBe(8);
    expect(c['vertex-registry']!.minimumTotal).toBe(301);
    expect(c['vertex-endpoints']!.minimum['EndpointService.ListEndpoints']).toBe(1);
  });

  test('lower bounds: rate limits where they bind, latency chains elsewhere', () => {
    // 28 pages, 5 of them in the burst, then 5 per second, the last answered after 20 ms
    expect(c['aws-iam']!.lowerBoundMs).toBe(Math.round((23 / 5) * 1000 + 20));
    // 1,667 GetResourcePolicy per region at 50/s, regions in parallel
    expect(c['aws-secrets-manager']!.lowerBoundMs).toBe(Math.round(((1667 - 50) / 50) * 1000 + 20));
    for (const x of Object.values(c)) expect(x.lowerBoundMs).toBe(Math.max(...x.terms.map((t) => t.ms)));
  });

  test('the large SageMaker account is the one issue 17 asks for, in the home region only', () => {
    const sm = large.aws.accounts[0]!.sagemaker!;
    expect(Object.keys(sm)).toEqual(['us-east-1']);
    const home = sm['us-east-1']!;
    expect(home.modelPackageGroups).toHaveLength(100);
    expect(home.modelPackages).toHaveLength(3000);
    expect(home.endpoints).toHaveLength(200);
    // every job falls inside the collector's 30-day look-back window, which ends at the real clock
    const windowStart = Date.now() - 30 * 86_400_000;
    expect(home.trainingJobs!.filter((j) => Date.parse(j.created) > windowStart)).toHaveLength(5000);
  });

  test('SageMaker minimum: the listings at 100 per page, one describe per item the listings cannot tell', () => {
    // home region ⌈100/100⌉ + 100 policies + ⌈3000/100⌉ + 3000 describes; the two empty regions one page of each listing
    expect(c['sagemaker-registry']!.minimum).toEqual({ 'sagemaker:ListModelPackageGroups': 3, 'sagemaker:ListModelPackages': 32, 'sagemaker:GetModelPackageGroupPolicy': 100, 'sagemaker:DescribeModelPackage': 3000 });
    expect(c['sagemaker-registry']!.minimumTotal).toBe(3135);
    // 200 endpoints, each with its own config and model; ⌈112 schedules/100⌉ = 2 pages at home
    expect(c['sagemaker-endpoints']!.minimum).toEqual({ 'sagemaker:ListMonitoringSchedules': 4, 'sagemaker:ListEndpoints': 4, 'sagemaker:DescribeEndpoint': 200, 'sagemaker:DescribeEndpointConfig': 200, 'sagemaker:DescribeModel': 200 });
    // ⌈5000/100⌉ = 50 pages + 2 empty regions; notebook and domain listings: one empty page per region
    expect(c['sagemaker-training']!.minimum['sagemaker:ListTrainingJobs']).toBe(52);
    // + 500 processing jobs (5 pages + 500 describes), 100 pipelines (1 page + 100 newest-run lookups), the steps of the 80 ever run (one page each), and one empty page of each listing in the two other regions
    expect(c['sagemaker-training']!.minimum).toMatchObject({ 'sagemaker:ListProcessingJobs': 5 + 2, 'sagemaker:DescribeProcessingJob': 500, 'sagemaker:ListPipelines': 1 + 2, 'sagemaker:ListPipelineExecutions': 100, 'sagemaker:ListPipelineExecutionSteps': 80 });
    expect(c['sagemaker-training']!.minimumTotal).toBe(5058 + 7 + 500 + 3 + 100 + 80);
  });

  test('SageMaker lower bound: the collectors\' one describe pace of 20/s binds before the per-API limits', () => {
    // 3,100 policy + package describes evenly spaced at 20/s, the last answered after 20 ms
    expect(c['sagemaker-registry']!.lowerBoundMs).toBe(Math.round((3099 / 20) * 1000 + 20));
    // 5,000 training + 500 processing describes + 100 + 80 pipeline calls at the one describe pace
    expect(c['sagemaker-training']!.lowerBoundMs).toBe(Math.round((5679 / 20) * 1000 + 20));
    expect(c['sagemaker-training']!.terms.map((t) => t.what)).toContain('us-east-1: 50 ListTrainingJobs at 2/s (burst 2)');
  });

  test('Prometheus minimum: a query per service, the firing alerts in as few requests as 11,000 points allow, the rules once', () => {
    // 30 days at 60 s are 43,201 points: 4 requests
    expect(c['prometheus-availability']!.minimum).toEqual({ 'prometheus:QueryRange': 100 + 4, 'prometheus:Rules': 1 });
    // a week at 60 s: 10,081 points, one request
    expect(prometheusCost(5, { latencyMs: 5, concurrency: 8 }, { lookbackDays: 7 }).minimumTotal).toBe(5 + 1 + 1);
    expect(prometheusCost(5, { latencyMs: 5, concurrency: 8 }, { lookbackDays: 8 }).minimum['prometheus:QueryRange']).toBe(5 + 2);
  });

  test('the quick company is a twentieth of it', () => {
    const q = generateCompany(QUICK);
    expect(q.aws.accounts[0]!.iam.roles).toHaveLength(250);
    expect(Object.values(q.aws.accounts[0]!.secrets).flat()).toHaveLength(250);
    expect(q.mlflow.modelVersions).toHaveLength(1000);
    const sm = q.aws.accounts[0]!.sagemaker!['us-east-1']!;
    expect([sm.modelPackages!.length, sm.endpoints!.length, sm.trainingJobs!.length]).toEqual([150, 10, 250]);
  });
});

describe('the real Prometheus', () => {
  test('where Debian\'s prometheus is absent the bench names what is missing (and skips the collector with it)', async () => {
    process.env.SOC2_PROMETHEUS_BIN = '/nonexistent/prometheus';
    vi.resetModules();
    try {
      const { prometheusMissing } = await import('../../src/bench/prometheus.js');
      expect(prometheusMissing()).toMatch(/^\/nonexistent\/prometheus( and \S+)? not installed \(apt-get install prometheus\)$/);
    } finally {
      delete process.env.SOC2_PROMETHEUS_BIN;
      vi.resetModules();
    }
  });
});

describe('the companies collect cleanly', () => {
  // a bucket lineage names that the account lacks is NoSuchBucket in aws-data-stores: every bundle partial
  test.each([['mid (the report year)', MID], ['small (the quick report)', TINY], ['quick', QUICK]])('%s: the AWS account owns every S3 bucket its MLflow and SageMaker/Bedrock name', (_, spec) => {
    const c = generateCompany(spec);
    const a = c.aws.accounts[0]!;
    const owned = new Set((a.s3?.buckets ?? []).map((b) => b.name));
    const named = [...s3BucketsNamed(c.mlflow), ...s3BucketsNamed({ sagemaker: a.sagemaker, bedrock: a.bedrock })];
    expect(s3BucketsNamed(c.mlflow)).toEqual(['acme-data']);
    expect(named.filter((n) => !owned.has(n))).toEqual([]);
    // and their KMS keys exist in the bucket's region
    const keys = new Set(Object.entries(a.kms ?? {}).flatMap(([r, ks]) => ks.map((k) => `arn:aws:kms:${r}:${a.id}:key/${k.id}`)));
    for (const b of a.s3?.buckets ?? []) if (b.encryption?.kmsKeyId) expect(keys.has(b.encryption.kmsKeyId), b.name).toBe(true);
  });

  test('s3BucketsNamed reads bucket names from s3:// URIs only', () => {
    expect(s3BucketsNamed({ a: 's3://one/x.parquet', b: ['gs://two/y', 's3://three'], c: 's3://one/z' })).toEqual(['one', 'three']);
  });
});

describe('bookkeeping', () => {
  test('a collector run with its producers counts the operations its own artifacts record', () => {
    const art = (collector: string, apis: string[]) => ({ collector, provenance: { operations: apis.map((api) => ({ api, params: {}, pages: 1 })) } });
    const manifest = { artifacts: [art('aws-monitoring', ['cloudwatch:DescribeAlarms', 'ecr:DescribeImageScanFindings']), art('aws-data-stores', ['s3:ListBuckets']), art('aws-monitoring', ['backup:ListBackupPlans'])] } as unknown as Parameters<typeof ownOperations>[0];
    expect([...ownOperations(manifest, 'aws-monitoring')].sort()).toEqual(['backup:ListBackupPlans', 'cloudwatch:DescribeAlarms', 'ecr:DescribeImageScanFindings']);
    expect(ownOperations(null, 'aws-monitoring').size).toBe(0);
  });

  test('time in flight is the union of the call intervals', () => {
    expect(inFlightMs([])).toBe(0);
    expect(inFlightMs([{ at: 0, end: 10 }, { at: 5, end: 20 }, { at: 30, end: 40 }, { at: 31, end: 35 }])).toBe(30);
  });

  test('the Markdown table flags missed goals and lists regressions', () => {
    const row = {
      id: 'aws-iam', source: 'aws', exitCode: 0, status: 'complete', collectorStatus: ['ok'], gaps: [], gapCount: 0,
      calls: { recorded: 40, manifest: 40, retries: 0, throttled: 0, setup: 1, byApi: {} },
      apiSpanMs: 100, apiWaitMs: 50, phases: { beforeFirstCallMs: 500, apiPhaseMs: 1000, afterLastAnswerMs: 200 },
      minimum: 36, minimumByApi: {}, callsRatio: 1.11, wallMs: 1700, collectorMs: 1100, lowerBoundMs: 1000, wallRatio: 1.7, collectorRatio: 1.1,
      peakRssBytes: 200 * 1024 * 1024, cpuMs: 1500, bytesWritten: 1000, files: 3, stderrTail: '', load: [1, 1] as [number, number],
    };
    const r: Results = {
      tool: { name: 'soc2', version: '0.0.0', commit: null, dirty: null }, startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', totalMs: 60_000, mode: 'quick',
      machine: { cpus: 2, cpuModel: 'x', memoryBytes: 2 ** 33, node: 'v20' }, parameters: { latencyMs: 5, concurrency: 8 }, company: { name: 'quick' }, costs: {},
      collectors: [row], skipped: [], report: null, peer: null, comparison: null,
      goals: [{ goal: 'g', target: 't', result: 'r', met: false }], regressions: ['aws-iam: 40 calls'],
    };
    const md = markdown(r);
    expect(md).toContain('| aws-iam | 40 | 36 | 1.11 ⚠ |');
    expect(md).toContain('1.70 ⚠');
    expect(md).toContain('**no**');
    expect(md).toContain('aws-iam: 40 calls');
    // the report's generated bundles: a partial one is flagged in the table and the sentence below it
    const report = { company: 'mid', days: 365, bundles: 365, evidenceBytes: 1, evidenceFiles: 1, generation: { ms: 1000, cached: true, partialBundles: 3, key: 'k' }, exitCode: 0, wallMs: 9000, peakRssBytes: 1, cpuMs: 1, outputBytes: 1, outputFiles: 1, summary: null, stderrTail: '' };
    expect(markdown({ ...r, report })).toMatch(/\| 365 \| 3 ⚠ \|[^\n]*\n\nThe bundles were reused from bench\/\.cache \(generated in [^)]*\), 3 partial ⚠ \(a synthetic company collects cleanly/);
    expect(markdown({ ...r, report: { ...report, generation: { ...report.generation, partialBundles: 0 } } })).toContain('| 365 | 0 |');
    // a producer measured in its consumer's run: its own wall (manifest duration), the run named
    const shared = { ...row, id: 'sagemaker-training', sharedRun: ['aws-monitoring'], wallMs: 15_500, collectorMs: 14_300 };
    expect(markdown({ ...r, collectors: [shared] })).toContain('| sagemaker-training (in one run with aws-monitoring: its own calls; wall its own, process 15.5 s; CPU and RSS the process\'s) | 40 | 36 | 1.11 ⚠ | 0 | 14.3 s |');
  });
});

describe('issue 17 cost models: Bedrock and the data stores of the large company', () => {
  const large = generateCompany(LARGE);
  const c = costs(large, { latencyMs: 20, concurrency: 8 });
  test('bedrock: both listings at 100 per page, one Get per model and per job; three calls in a region without Bedrock', () => {
    expect(c['bedrock']!.minimum).toEqual({ 'bedrock:GetModelInvocationLoggingConfiguration': 3, 'bedrock:ListCustomModels': 6, 'bedrock:ListModelCustomizationJobs': 7, 'bedrock:GetCustomModel': 400, 'bedrock:GetModelCustomizationJob': 401 });
    // 801 Gets at the collector's own 10/s: the wall bound is its pace
    expect(c['bedrock']!.lowerBoundMs).toBe(Math.round((800 / 10) * 1000 + 20));
  });
  test('aws-data-stores: 200 buckets and the one MLflow names, six Gets each, three calls per distinct key', () => {
    const keys = new Set(large.aws.accounts[0]!.s3!.buckets.flatMap((b) => (b.encryption?.kmsKeyId ? [b.encryption.kmsKeyId] : []))).size;
    expect(large.aws.accounts[0]!.s3!.buckets).toHaveLength(201);
    expect(c['aws-data-stores']!.minimum['s3:GetBucketPolicy']).toBe(201);
    expect(c['aws-data-stores']!.minimumTotal).toBe(1 + 1 + 6 * 201 + 3 * keys);
  });
});

describe('issue 17 cost models: CloudTrail and monitoring of the large company', () => {
  const large = generateCompany(LARGE);
  const c = costs(large, { latencyMs: 20, concurrency: 8 });
  const a = large.aws.accounts[0]!;
  test('a trail in every region and the organization trail; a day of events in every region, IAM\'s in us-east-1', () => {
    expect(a.cloudtrail!.trails!.map((t) => t.homeRegion)).toEqual(['us-east-1', 'us-east-1', 'eu-west-1', 'us-west-2']);
    const home = a.cloudtrail!.events!['us-east-1']!;
    expect(home.filter((e) => e.name === 'AttachRolePolicy')).toHaveLength(150);
    expect(a.cloudtrail!.events!['eu-west-1']!.some((e) => e.source === 'iam.amazonaws.com')).toBe(false);
    // every event is of the last day, the last half hour excepted (delivery): inside the bench's 1-day window
    const now = Date.now();
    const ages = Object.values(a.cloudtrail!.events!).flat().map((e) => now - Date.parse(e.time));
    expect(Math.min(...ages)).toBeGreaterThan(29 * 60_000);
    expect(Math.max(...ages)).toBeLessThan(23 * 3_600_000 + 60_000);
  });
  test('aws-audit-trail: per region the cheapest lookup plan, by event name here; 36 calls at home bound the wall at 2/s', () => {
    // us-east-1: the 25 watched names, ⌈n/50⌉ each (UpdateModelPackage 120 → 3, AttachRolePolicy 150 → 3, …); the others 5 names, RotateSecret 55 → 2
    expect(c['aws-audit-trail']!.minimum).toEqual({ 'cloudtrail:DescribeTrails': 3, 'cloudtrail:GetTrailStatus': 4, 'cloudtrail:GetEventSelectors': 4, 'cloudtrail:LookupEvents': 36 + 6 + 6 });
    expect(c['aws-audit-trail']!.minimumNote).toMatch(/iam 28 by EventName \(\d{3} by EventSource\)/);
    expect(c['aws-audit-trail']!.lowerBoundMs).toBe(Math.round((35 / 2) * 1000 + 20));
  });
  test('aws-monitoring: alarm pages, plans, selections and one scan call per own image the jobs and endpoints run', () => {
    // 100 endpoint images (one per served package group) + 18 training repositories × 3 tags + the processing jobs' prep:v1; the AWS algorithm image is outside
    expect(c['aws-monitoring']!.minimum).toEqual({ 'cloudwatch:DescribeAlarms': 6 + 1 + 1, 'backup:ListBackupPlans': 3, 'backup:ListBackupSelections': 9, 'backup:GetBackupSelection': 23 + 3 + 3, 'ecr:DescribeImageScanFindings': 154 + 1 });
    expect(a.monitoring!['us-east-1']!.alarms!.filter((x) => x.dimensions?.['EndpointName'])).toHaveLength(364);
  });
  test('the quick company: a twentieth of the changes, still one call per watched name and region', () => {
    const q = costs(generateCompany(QUICK), { latencyMs: 5, concurrency: 8 });
    expect(q['aws-audit-trail']!.minimum['cloudtrail:LookupEvents']).toBe(25 + 5 + 5);
  });
});
