// The organization case: one `soc2 collect` of aws-iam and aws-secrets-manager over a generated AWS
// organization (src/sandbox/aws/organization-scale.ts) of N accounts × the regions, measured like a
// collector row: calls vs the minimum, wall vs the bound the per-account quotas and `concurrency` allow,
// peak RSS and the bundle's size. Then the same organization split in two CI jobs (organization.include
// and evidence.stream), and `soc2 report` over both streams' bundles.
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { latestBundle, listBundleDirs, readManifest } from '../bundle/store.js';
import { scaledOrganization, startAwsSandbox, type AwsSandbox, type ScaledOrganization } from '../sandbox/aws/index.js';
import { AWS_RATE_LIMITS, iamCost, secretsCost, type CostParams } from './company.js';
import { runMeasured, treeSize } from './measure.js';
import { awsChildEnv } from './world.js';

export const ORG_COLLECTORS = ['aws-iam', 'aws-secrets-manager'];
export const ORG_REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];

export interface OrgRow {
  /** the organization's accounts */
  accounts: number;
  /** the accounts collected (all, or `include`) */
  collected: number;
  /** the collected accounts' tiers, and the largest of them: what sets the memory of the accounts in flight */
  tiers: Record<'small' | 'medium' | 'large', number>;
  largest: { account: string; roles: number; secretsPerRegion: number };
  regions: number;
  exitCode: number | null;
  status: string;
  /** accounts the manifest records (accounts[]) */
  accountsRecorded: number;
  gapCount: number;
  calls: { recorded: number; minimum: number; ratio: number; throttled: number; setup: number; setupMinimum: number };
  wallMs: number;
  boundMs: number;
  wallRatio: number;
  /** how the bound was made */
  boundNote: string;
  cpuMs: number | null;
  peakRssBytes: number | null;
  bundleBytes: number;
  files: number;
  manifestBytes: number;
  /** the slowest account's collection (manifest accounts[].durationMs) */
  slowestAccountMs: number;
  /** member accounts the sandbox generated (its cache evicts and regenerates) */
  generations: number;
  load: [number, number];
  stderrTail: string;
}

export interface StreamsResult {
  jobs: { stream: string; accounts: number; exitCode: number | null; wallMs: number; peakRssBytes: number | null }[];
  /** accountsCovered, units*: from report.json's coverage (every unit the streams' configs expect, and those covered) */
  report: { exitCode: number | null; wallMs: number; cpuMs: number | null; peakRssBytes: number | null; bundles: number; streams: string[]; accountsCovered: number; unitsExpected: number; unitsCovered: number; stderrTail: string };
}

/** The minimum calls and the wall bound of one organization collect. */
export function orgCost(org: ScaledOrganization, regions: string[], p: CostParams, ids: string[] = org.ids): { collection: number; setup: number; boundMs: number; note: string } {
  const L = p.latencyMs;
  const listed = org.ids.length;
  const n = ids.length;
  let collection = 0;
  const taskBounds: number[] = [];
  for (const id of ids) {
    const account = id === org.ids[0] ? org.seed.accounts[0]! : org.members.get(id)!;
    const seed = { accounts: [account] };
    const iam = iamCost(seed, p);
    // a member's SCP path (a flat organization: the root and the account): ListParents and
    // ListPoliciesForTarget of the account; the root's policies and FullAWSAccess are read once per run.
    // SCPs never restrict the management account: none read for it
    const scp = id === org.ids[0] ? 0 : 2;
    collection += iam.minimumTotal + scp;
    taskBounds.push(iam.lowerBoundMs + scp * L);
    for (const r of regions) {
      const s = secretsCost(seed, [r], p);
      collection += s.minimumTotal;
      taskBounds.push(s.lowerBoundMs);
    }
  }
  collection += 3; // DescribeOrganization, the root's ListPoliciesForTarget, DescribePolicy FullAWSAccess
  // ListAccounts pages of 20 in sequence; AssumeRole and GetCallerIdentity per account, `concurrency` at once
  const setup = Math.ceil(listed / 20) + 2 * n;
  const setupMs = Math.ceil(listed / 20) * L + 2 * Math.ceil(n / p.concurrency) * L;
  const sum = taskBounds.reduce((a, b) => a + b, 0);
  const collectionMs = Math.max(Math.max(...taskBounds), sum / p.concurrency);
  return {
    collection,
    setup,
    boundMs: Math.round(setupMs + collectionMs),
    note: `setup ⌈${listed}/20⌉ ListAccounts + ${n} AssumeRole + ${n} GetCallerIdentity, ${p.concurrency} at once (${Math.round(setupMs)} ms); then ${taskBounds.length} account × collector × region tasks, each at least its quota/latency bound, ${p.concurrency} at once: max(longest task ${Math.round(Math.max(...taskBounds))} ms, Σ ${Math.round(sum)} ms / ${p.concurrency})`,
  };
}

function configYaml(org: ScaledOrganization, o: { regions: string[]; concurrency: number; stream?: string; include?: string[] }): string {
  return `# Written by the soc2 benchmark: a generated organization of ${org.ids.length} accounts in the AWS sandbox.
organization: Bench ML organization
evidence:
  dir: evidence${o.stream ? `\n  stream: ${o.stream}` : ''}
concurrency: ${o.concurrency}
sources:
  aws:
    - name: org
      regions: [${o.regions.join(', ')}]
      organization:
        roleName: ${org.roleName}${o.include ? `\n        include: [${o.include.map((id) => `'${id}'`).join(', ')}]` : ''}
collectors: [${ORG_COLLECTORS.join(', ')}]
`;
}

const load1 = () => Math.round(os.loadavg()[0]! * 100) / 100;

export interface OrgBenchOptions {
  root: string;
  workDir: string;
  accounts: number;
  regions?: string[];
  latencyMs: number;
  concurrency: number;
  timeoutMs: number;
  nodeArgs?: string[];
  /** collect only these accounts of the organization (organization.include); default every account */
  include?: string[];
}

/** One collect of the whole organization. */
export async function benchOrganization(o: OrgBenchOptions): Promise<OrgRow> {
  const regions = o.regions ?? ORG_REGIONS;
  const org = scaledOrganization({ accounts: o.accounts, regions, seed: 1 });
  const cost = orgCost(org, regions, { latencyMs: o.latencyMs, concurrency: o.concurrency }, o.include);
  const sb = await startAwsSandbox({ seed: org.seed, members: org.members, latencyMs: o.latencyMs, rateLimits: AWS_RATE_LIMITS, credentialReportPolls: 0 });
  const generatedBefore = org.members.generations;
  const dir = path.join(o.workDir, `org-${o.accounts}${o.include ? `-of-${o.include.length}` : ''}`);
  mkdirSync(dir, { recursive: true });
  const configFile = path.join(dir, 'soc2.config.yaml');
  writeFileSync(configFile, configYaml(org, { regions, concurrency: o.concurrency, ...(o.include ? { include: o.include } : {}) }));
  try {
    const loadBefore = load1();
    const m = await runMeasured(process.execPath, [...(o.nodeArgs ?? []), path.join(o.root, 'bin', 'soc2.js'), 'collect', '--config', configFile, '--json'], { env: awsChildEnv(sb.url, regions[0]!), cwd: dir, timeoutMs: o.timeoutMs });
    const got = latestBundle(path.join(dir, 'evidence'), null);
    const size = got ? treeSize(got.dir) : { bytes: 0, files: 0 };
    const setupRecorded = sb.requests.filter((r) => r.service === 'sts' || r.action === 'ListAccounts').length;
    const recorded = sb.requests.length - setupRecorded;
    const throttled = sb.requests.filter((r) => r.error === 'Throttling' || r.error === 'ThrottlingException' || r.error === 'TooManyRequestsException').length;
    const accounts = got?.manifest.accounts ?? [];
    const ids = o.include ?? org.ids;
    return {
      accounts: o.accounts,
      collected: ids.length,
      ...collectedSizes(org, ids),
      regions: regions.length,
      exitCode: m.code,
      status: got?.manifest.status ?? 'no bundle',
      accountsRecorded: accounts.length,
      gapCount: (got?.manifest.collectors ?? []).reduce((n, c) => n + (c.gaps?.length ?? 0), 0),
      calls: { recorded, minimum: cost.collection, ratio: Math.round((recorded / cost.collection) * 1000) / 1000, throttled, setup: setupRecorded, setupMinimum: cost.setup },
      wallMs: m.wallMs,
      boundMs: cost.boundMs,
      wallRatio: Math.round((m.wallMs / Math.max(1, cost.boundMs)) * 100) / 100,
      boundNote: cost.note,
      cpuMs: m.userMs !== null && m.sysMs !== null ? m.userMs + m.sysMs : null,
      peakRssBytes: m.peakRssBytes,
      bundleBytes: size.bytes,
      files: size.files,
      manifestBytes: got ? statSync(path.join(got.dir, 'manifest.json')).size : 0,
      slowestAccountMs: Math.max(0, ...accounts.map((a) => a.durationMs)),
      generations: org.members.generations - generatedBefore,
      load: [loadBefore, load1()],
      stderrTail: m.stderr.slice(-400),
    };
  } finally {
    await sb.close();
  }
}

function collectedSizes(org: ScaledOrganization, ids: string[]): Pick<OrgRow, 'tiers' | 'largest'> {
  const tiers = { small: 0, medium: 0, large: 0 };
  let largest: OrgRow['largest'] = { account: '', roles: -1, secretsPerRegion: 0 };
  for (const id of ids) {
    const z = org.sizeOf(id);
    tiers[z.tier]++;
    if (z.roles > largest.roles) largest = { account: id, roles: z.roles, secretsPerRegion: z.secretsPerRegion };
  }
  return { tiers, largest };
}

/**
 * The organization split across CI jobs: job k collects every k-th block of accounts (organization.include)
 * into its own stream of one evidence dir, as jobs syncing to one S3 prefix would; then one `soc2 report`
 * over the dir joins the streams.
 */
export async function benchStreams(o: OrgBenchOptions & { jobs: number }): Promise<StreamsResult> {
  const regions = o.regions ?? ORG_REGIONS;
  const org = scaledOrganization({ accounts: o.accounts, regions, seed: 1 });
  const sb: AwsSandbox = await startAwsSandbox({ seed: org.seed, members: org.members, latencyMs: o.latencyMs, rateLimits: AWS_RATE_LIMITS, credentialReportPolls: 0 });
  const dir = path.join(o.workDir, `org-${o.accounts}-streams`);
  mkdirSync(dir, { recursive: true });
  const per = Math.ceil(o.accounts / o.jobs);
  const jobs: StreamsResult['jobs'] = [];
  try {
    for (let k = 0; k < o.jobs; k++) {
      const include = org.ids.slice(k * per, (k + 1) * per);
      const stream = `org-part-${k + 1}`;
      const configFile = path.join(dir, `${stream}.config.yaml`);
      writeFileSync(configFile, configYaml(org, { regions, concurrency: o.concurrency, stream, include }));
      const m = await runMeasured(process.execPath, [path.join(o.root, 'bin', 'soc2.js'), 'collect', '--config', configFile, '--json'], { env: awsChildEnv(sb.url, regions[0]!), cwd: dir, timeoutMs: o.timeoutMs });
      jobs.push({ stream, accounts: include.length, exitCode: m.code, wallMs: m.wallMs, peakRssBytes: m.peakRssBytes });
    }
  } finally {
    await sb.close();
  }
  const evidence = path.join(dir, 'evidence');
  const out = path.join(dir, 'report');
  const m = await runMeasured(process.execPath, [path.join(o.root, 'bin', 'soc2.js'), 'report', '--evidence', evidence, '--out', out, '--json'], { env: awsChildEnv('http://127.0.0.1:9', regions[0]!), cwd: dir, timeoutMs: o.timeoutMs });
  const manifests = listBundleDirs(evidence).complete.map((d) => readManifest(path.join(evidence, d)).manifest);
  // what the report itself says: its coverage units (source × collector × account), each expected and covered
  const units = readReportUnits(path.join(out, 'report.json'));
  const covered = new Set(units.filter((u) => u.covered > 0 && u.missing === 0 && u.error === 0).map((u) => u.scope.account ?? ''));
  return {
    jobs,
    report: {
      exitCode: m.code,
      wallMs: m.wallMs,
      cpuMs: m.userMs !== null && m.sysMs !== null ? m.userMs + m.sysMs : null,
      peakRssBytes: m.peakRssBytes,
      bundles: manifests.length,
      streams: [...new Set(manifests.map((x) => x.stream ?? '(none)'))].sort(),
      accountsCovered: covered.size,
      unitsExpected: units.length,
      unitsCovered: units.filter((u) => u.covered > 0 && u.missing === 0 && u.error === 0).length,
      stderrTail: m.stderr.slice(-400),
    },
  };
}

function readReportUnits(file: string): { scope: Record<string, string>; covered: number; missing: number; error: number }[] {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { coverage?: { units?: { scope: Record<string, string>; covered: number; missing: number; error: number }[] } }).coverage?.units ?? [];
  } catch {
    return [];
  }
}

export interface OrganizationResult {
  rows: OrgRow[];
  streams: StreamsResult | null;
}

const MB = 1024 * 1024;
const mbs = (b: number | null) => (b === null ? 'n/a' : `${Math.round(b / MB)} MB`);
const s = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`);
const size = (b: number) => (b < MB ? `${(b / 1024).toFixed(0)} KB` : `${(b / MB).toFixed(1)} MB`);

export function organizationMarkdown(r: OrganizationResult): string {
  const out: string[] = [];
  out.push('| organization (aws-iam + aws-secrets-manager) | accounts small / medium / large, largest | calls | minimum | calls / min | throttled | setup calls | wall | CPU | bound | wall / bound | peak RSS | bundle | manifest | load (1 min) |');
  out.push('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.rows) {
    const bad = x.status !== 'complete' ? ` (bundle ${x.status}${x.gapCount ? `, ${x.gapCount} gaps` : ''})` : '';
    const which = x.collected === x.accounts ? `${x.accounts} accounts` : `${x.collected} of ${x.accounts} accounts`;
    out.push(`| ${which} × ${x.regions} regions${bad} | ${x.tiers.small} / ${x.tiers.medium} / ${x.tiers.large}, ${x.largest.roles} roles | ${x.calls.recorded.toLocaleString('en-US')} | ${x.calls.minimum.toLocaleString('en-US')} | ${x.calls.ratio} | ${x.calls.throttled} | ${x.calls.setup} (min ${x.calls.setupMinimum}) | ${s(x.wallMs)} | ${s(x.cpuMs)} | ${s(x.boundMs)} | ${x.wallRatio} | ${mbs(x.peakRssBytes)}${(x.peakRssBytes ?? 0) <= 500 * MB ? '' : ' ⚠'} | ${size(x.bundleBytes)} in ${x.files} files | ${size(x.manifestBytes)} | ${x.load[0]} → ${x.load[1]} |`);
  }
  out.push('');
  out.push(
    'One `soc2 collect` over a generated organization (src/sandbox/aws/organization-scale.ts: 80 % small, 17 % medium, 3 % large accounts), each account behind AssumeRole, with the per-account (IAM) and per-account-and-region (Secrets Manager) quotas of the collector rows. ' +
      'Setup (ListAccounts, AssumeRole, GetCallerIdentity per account) is counted apart. The bound: setup at `concurrency` at once, then every account × collector × region task at least its own quota/latency bound, `concurrency` tasks at once.' +
      (r.rows[0] ? ` ${r.rows[0].boundNote}.` : ''),
  );
  if (r.streams) {
    const st = r.streams;
    out.push('');
    out.push('| split across CI jobs | accounts | exit | wall | peak RSS |');
    out.push('|---|---:|---:|---:|---:|');
    for (const j of st.jobs) out.push(`| job: stream ${j.stream} (organization.include) | ${j.accounts} | ${j.exitCode} | ${s(j.wallMs)} | ${mbs(j.peakRssBytes)} |`);
    out.push(`| **soc2 report over the ${st.report.bundles} bundles of streams ${st.report.streams.join(', ')}** | ${st.report.accountsCovered} covered (${st.report.unitsCovered} of ${st.report.unitsExpected} units) | ${st.report.exitCode} | ${s(st.report.wallMs)} (CPU ${s(st.report.cpuMs)}) | ${mbs(st.report.peakRssBytes)} |`);
  }
  return out.join('\n') + '\n';
}

/** What fails the quick run: a failed or partial collect, calls over 1.2 × the minimum, peak RSS over 500 MB, a report that does not join the streams. */
export function organizationRegressions(r: OrganizationResult): string[] {
  const out: string[] = [];
  for (const x of r.rows) {
    if (x.exitCode !== 0 || x.status !== 'complete') out.push(`organization ${x.accounts} accounts: collect exited ${x.exitCode}, bundle ${x.status}: ${x.stderrTail}`);
    if ((x.peakRssBytes ?? 0) > 500 * MB) out.push(`organization ${x.accounts} accounts: peak RSS ${mbs(x.peakRssBytes)} (> 500 MB, the issue's bound)`);
    if (x.calls.ratio > 1.2) out.push(`organization ${x.accounts} accounts: ${x.calls.recorded} calls = ${x.calls.ratio} × the minimum ${x.calls.minimum} (> 1.2)`);
    if (x.accountsRecorded !== x.collected) out.push(`organization ${x.accounts} accounts: ${x.collected} collected, the manifest records ${x.accountsRecorded}`);
  }
  const st = r.streams;
  if (st) {
    for (const j of st.jobs) if (j.exitCode !== 0) out.push(`organization stream ${j.stream}: collect exited ${j.exitCode}`);
    if (st.report.exitCode !== 0) out.push(`soc2 report over the organization's streams exited ${st.report.exitCode}: ${st.report.stderrTail}`);
    const accounts = st.jobs.reduce((n, j) => n + j.accounts, 0);
    if (st.report.accountsCovered !== accounts || st.report.unitsCovered !== st.report.unitsExpected) out.push(`soc2 report over the organization's streams covers ${st.report.accountsCovered} of ${accounts} accounts, ${st.report.unitsCovered} of ${st.report.unitsExpected} units`);
  }
  return out;
}
