// `soc2 report` over a year of an organization's evidence, first without and then with the
// verified-bundle cache (src/bundle/verified-cache.ts):
//   node dist/src/bench/org-report.js [--accounts 100] [--days 365] [--cache-dir bench/.cache] [--work DIR]
// The year is synthesized cheaply, not collected: one daily bundle of the whole organization, per
// account the IAM account summary (JSON), its authorization details (NDJSON, 2–40 users drawn per account)
// and one finding, written by the real BundleWriter and signed (Ed25519), the chain linked, with an
// injected clock one day apart. It is kept in the cache dir keyed by the parameters and this
// generator's compiled code. Each report runs as `node bin/soc2.js report` in a child process, with
// a probe that records the bytes it read (/proc/self/io rchar). Prints one JSON line.
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_FORMAT } from '../bundle/manifest.js';
import { generateSigningKeyPair, type SigningKey } from '../bundle/sign.js';
import { BundleWriter } from '../bundle/writer.js';
import { newBundleId } from '../core/runner.js';
import type { Finding } from '../core/types.js';
import { runMeasured, treeSize } from './measure.js';

const DAY = 86_400_000;
const START = Date.parse('2025-11-01T02:00:00Z');
const here = path.dirname(fileURLToPath(import.meta.url));
// dist/src/bench/ when built, src/bench/ under the tests
const root = existsSync(path.join(here, '..', '..', 'package.json')) ? path.resolve(here, '..', '..') : path.resolve(here, '..', '..', '..');

/** A fixed draw in [0, 1) for account `i` (Knuth's multiplicative hash): the same organization on every run. */
const draw = (i: number) => (Math.imul(i + 1, 2654435761) >>> 0) / 4294967296;

const accountId = (i: number) => String(100000000000 + i * 7919);

async function writeDay(evidenceDir: string, d: number, accounts: number, key: SigningKey, previous: { id: string; manifestSha256: string } | null, users: number[]): Promise<{ id: string; manifestSha256: string }> {
  const at = new Date(START + d * DAY);
  const id = newBundleId(at);
  const w = await BundleWriter.create(evidenceDir, id);
  const findings: Finding[] = [];
  for (let a = 0; a < accounts; a++) {
    const account = accountId(a);
    const sink = w.sink({
      collector: 'aws-iam',
      target: { kind: 'aws', source: 'org', account, pathSegments: [account] },
      declared: [
        { kind: 'aws.iam.authorization-details', file: 'authorization-details.ndjson', description: '' },
        { kind: 'aws.iam.account-summary', file: 'account-summary.json', description: '' },
      ],
      system: 'aws',
      scope: { source: 'org', account },
      criteriaFor: () => ['CC6.1'],
      now: () => at,
    });
    const nd = await sink.ndjson('aws.iam.authorization-details');
    // the day changes one user in some accounts, so consecutive bundles differ
    if ((a + d) % 11 === 0) users[a] = users[a]! + 1;
    for (let u = 0; u < users[a]!; u++) await nd.write({ type: 'user', UserName: `u${u}`, Arn: `arn:aws:iam::${account}:user/u${u}`, CreateDate: '2025-01-01T00:00:00Z' });
    await nd.finish({ operations: [{ api: 'iam:GetAccountAuthorizationDetails', params: {}, pages: 1 }], complete: true });
    await sink.json('aws.iam.account-summary', { AccountMFAEnabled: 1, Users: users[a] }, { operations: [{ api: 'iam:GetAccountSummary', params: {}, pages: 1 }], complete: true });
    findings.push({ check: 'aws-iam.root-mfa', title: 'Root MFA', severity: 'high', criteria: ['CC6.1'], status: 'pass', summary: 'root MFA on', exceptions: [], artifacts: [], collector: 'aws-iam', source: 'org', scope: { source: 'org', account } });
  }
  await w.writeFindings(findings);
  const r = await w.finalize(
    {
      format: BUNDLE_FORMAT,
      id,
      stream: null,
      tool: { name: 'soc2', version: 'bench' },
      organization: `Bench org (${accounts} accounts)`,
      startedAt: at.toISOString(),
      finishedAt: new Date(at.getTime() + 60_000).toISOString(),
      status: 'complete',
      config: { sha256: createHash('sha256').update('bench-org').digest('hex'), scope: ['security'] },
      identity: { aws: [], gcp: [], mlflow: [], ci: null },
      collectors: [],
      findings: { path: 'findings.json', summary: { pass: accounts, fail: 0, error: 0, not_applicable: 0 } },
      previous,
      signing: { algorithm: 'ed25519', keyId: key.keyId, publicKey: key.publicKeyPem },
    },
    key,
  );
  return { id, manifestSha256: r.manifestSha256 };
}

/** The organization's year in `dir` (evidence/ and owner.pub.pem), reused when generation.json is there. */
export async function orgYear(dir: string, accounts: number, days: number, log: (s: string) => void): Promise<{ ms: number; cached: boolean }> {
  if (existsSync(path.join(dir, 'generation.json'))) return { ...(JSON.parse(readFileSync(path.join(dir, 'generation.json'), 'utf8')) as { ms: number }), cached: true };
  const tmp = `${dir}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(path.join(tmp, 'evidence'), { recursive: true });
  const k = generateSigningKeyPair();
  writeFileSync(path.join(tmp, 'owner.pub.pem'), k.publicPem);
  const key: SigningKey = { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId };
  // most accounts small (2–4 users), a few large (up to 40)
  const users = Array.from({ length: accounts }, (_, i) => 2 + Math.floor(draw(i) ** 4 * 38));
  const t0 = Date.now();
  let prev: { id: string; manifestSha256: string } | null = null;
  for (let d = 0; d < days; d++) {
    prev = await writeDay(path.join(tmp, 'evidence'), d, accounts, key, prev, users);
    if ((d + 1) % 30 === 0) log(`  org-year: ${d + 1}/${days} bundles, ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const ms = Date.now() - t0;
  writeFileSync(path.join(tmp, 'generation.json'), JSON.stringify({ ms, accounts, days }) + '\n');
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { ms, cached: false };
}

export interface OrgReportRun {
  exitCode: number | null;
  wallMs: number;
  cpuMs: number | null;
  peakRssBytes: number | null;
  /** bytes the process read through read(2) (rchar), files and all */
  bytesRead: number | null;
  filesChecked: unknown;
}

/** A preload that writes /proc/self/io's rchar at exit: how many bytes the report read. */
function ioProbe(dir: string): string {
  const file = path.join(dir, 'io-probe.cjs');
  writeFileSync(file, `process.on('exit', () => { try { const io = require('fs').readFileSync('/proc/self/io', 'utf8'); require('fs').writeFileSync(process.env.SOC2_BENCH_IO_OUT, io); } catch {} });\n`);
  return file;
}

async function reportOnce(o: { evidence: string; keyFile: string; work: string; cacheDir: string; timeoutMs: number }): Promise<OrgReportRun> {
  const ioOut = path.join(o.work, `io-${Date.now()}.txt`);
  const out = path.join(o.work, 'report-out');
  rmSync(out, { recursive: true, force: true });
  const m = await runMeasured(process.execPath, ['--require', ioProbe(o.work), path.join(root, 'bin', 'soc2.js'), 'report', '--evidence', o.evidence, '--public-key', o.keyFile, '--out', out, '--format', 'json', '--json'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CI: 'true', SOC2_CACHE_DIR: o.cacheDir, SOC2_BENCH_IO_OUT: ioOut },
    cwd: o.work,
    timeoutMs: o.timeoutMs,
  });
  const rchar = existsSync(ioOut) ? Number(/rchar:\s*(\d+)/.exec(readFileSync(ioOut, 'utf8'))?.[1] ?? NaN) : NaN;
  let filesChecked: unknown = null;
  try {
    filesChecked = (JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')) as { integrity: { filesChecked: { cached: unknown[] } & Record<string, unknown> } }).integrity.filesChecked;
    const f = filesChecked as { cached: unknown[] };
    filesChecked = { ...f, cached: f.cached.length };
  } catch {
    filesChecked = m.stderr.split('\n').filter(Boolean).slice(-3).join('\n');
  }
  return { exitCode: m.code, wallMs: m.wallMs, cpuMs: m.userMs !== null && m.sysMs !== null ? m.userMs + m.sysMs : null, peakRssBytes: m.peakRssBytes, bytesRead: Number.isFinite(rchar) ? rchar : null, filesChecked };
}

export type OrgReportResult = Awaited<ReturnType<typeof benchOrgReport>>;

const MB = 1024 * 1024;
const s = (ms: number | null) => (ms === null ? 'n/a' : `${(ms / 1000).toFixed(1)} s`);
const mb = (b: number | null) => (b === null ? 'n/a' : `${Math.round(b / MB)} MB`);

/** The goals: first report ≤ 60 s and ≤ 1 GB, the next (verified-bundle cache) ≤ 10 s. */
export function orgReportGoals(r: OrgReportResult): { goal: string; target: string; result: string; met: boolean | null }[] {
  const what = `report over ${r.days} days of a ${r.accounts}-account organization (${Math.round(r.evidenceBytes / MB)} MB, ${r.evidenceFiles} files)`;
  const gb = (r.first.bytesRead ?? 0) / 1e9;
  return [
    { goal: `first ${what} ≤ 60 s`, target: '≤ 60 s', result: `${s(r.first.wallMs)} (CPU ${s(r.first.cpuMs)}, read ${gb.toFixed(2)} GB)`, met: r.first.exitCode === 0 && r.first.wallMs <= 60_000 },
    { goal: `peak RSS of the first ${what} ≤ 1 GB`, target: '≤ 1 GB', result: mb(r.first.peakRssBytes), met: r.first.peakRssBytes === null ? null : r.first.peakRssBytes <= 1024 * MB },
    { goal: `next ${what}, verified-bundle cache ≤ 10 s`, target: '≤ 10 s', result: `${s(r.cached.wallMs)} (CPU ${s(r.cached.cpuMs)}, read ${((r.cached.bytesRead ?? 0) / 1e9).toFixed(2)} GB)`, met: r.cached.exitCode === 0 && r.cached.wallMs <= 10_000 },
  ];
}

export async function benchOrgReport(o: { accounts: number; days: number; cacheDir: string; work: string; timeoutMs: number; log: (s: string) => void }) {
  const dir = path.join(o.cacheDir, `org-year-${o.accounts}a-${o.days}d-${generatorKey()}`);
  mkdirSync(o.cacheDir, { recursive: true });
  for (const e of readdirSync(o.cacheDir)) if (e.startsWith(`org-year-${o.accounts}a-${o.days}d-`) && path.join(o.cacheDir, e) !== dir) rmSync(path.join(o.cacheDir, e), { recursive: true, force: true });
  o.log(`org-report: ${o.accounts} accounts × ${o.days} days…`);
  const generation = await orgYear(dir, o.accounts, o.days, o.log);
  const evidence = path.join(dir, 'evidence');
  const size = treeSize(evidence);
  const verifiedCache = path.join(o.work, 'verified-cache');
  rmSync(verifiedCache, { recursive: true, force: true });
  const run = () => reportOnce({ evidence, keyFile: path.join(dir, 'owner.pub.pem'), work: o.work, cacheDir: verifiedCache, timeoutMs: o.timeoutMs });
  o.log(`org-report: first report (${(size.bytes / 1048576).toFixed(0)} MB, ${size.files} files)…`);
  const first = await run();
  o.log('org-report: second report (verified-bundle cache)…');
  const cached = await run();
  return { accounts: o.accounts, days: o.days, bundles: o.days, evidenceBytes: size.bytes, evidenceFiles: size.files, generation, first, cached, loadavg: readFileSync('/proc/loadavg', 'utf8').trim(), cpus: os.cpus().length };
}

/** The generator's compiled code and the bundle format: a change regenerates the cached year. */
function generatorKey(): string {
  const h = createHash('sha256');
  for (const f of [path.join(here, 'org-report.js'), path.join(here, '..', 'bundle', 'manifest.js'), path.join(here, '..', 'bundle', 'writer.js')]) if (existsSync(f)) h.update(readFileSync(f));
  return h.digest('hex').slice(0, 12);
}

function arg(argv: string[], name: string, dflt: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : dflt;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const work = path.resolve(arg(argv, '--work', path.join(os.tmpdir(), 'soc2-bench-org-report')));
  mkdirSync(work, { recursive: true });
  benchOrgReport({
    accounts: Number(arg(argv, '--accounts', '100')),
    days: Number(arg(argv, '--days', '365')),
    cacheDir: path.resolve(arg(argv, '--cache-dir', path.join(root, 'bench', '.cache'))),
    work,
    timeoutMs: 30 * 60_000,
    log: (s) => process.stderr.write(s + '\n'),
  })
    .then((r) => process.stdout.write(JSON.stringify(r) + '\n'))
    .catch((e: unknown) => {
      process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    });
}
