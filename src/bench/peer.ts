// The peer: the AWS CLI (v1, on the machine image) making the same evidence dump against the same
// sandbox endpoint, the way a shell script would: one process per command, sequentially.
//   aws iam get-account-authorization-details            (the CLI follows the pages itself)
//   aws iam generate-credential-report; aws iam get-credential-report
//   aws secretsmanager list-secrets --include-planned-deletion --region R     (per region)
//   aws secretsmanager get-resource-policy --secret-id ARN --region R         (per secret)
// The per-secret loop starts one Python process per secret (~1 s each here), so it is run for an
// evenly spread sample of each region's secrets and extrapolated linearly to all of them (each
// iteration is an independent process: time and calls add up). --peer-sample all runs every one.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { runMeasured } from './measure.js';
import { childEnv, type World } from './world.js';

export interface PeerStep {
  name: string;
  command: string;
  processes: number;
  wallMs: number;
  peakRssBytes: number | null;
  calls: number;
  throttled: number;
  stdoutBytes: number;
  failures: number;
  /** per-secret loop: how many secrets were run and how many the region has */
  sample?: { measured: number; of: number };
  /** measured values before extrapolation */
  measured?: { wallMs: number; calls: number };
}

export interface PeerResult {
  available: boolean;
  version: string | null;
  reason?: string;
  steps: PeerStep[];
  iam: { wallMs: number; calls: number; peakRssBytes: number | null };
  secrets: { wallMs: number; calls: number; peakRssBytes: number | null; extrapolated: boolean };
  /** sequential processes: peak RSS is the largest single process */
  peakRssBytes: number | null;
}

export function awsCliVersion(): string | null {
  try {
    return execFileSync('aws', ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 }).trim() || null;
  } catch (e) {
    const out = (e as { stderr?: string; stdout?: string }).stderr ?? '';
    return /aws-cli\//.test(out) ? out.trim() : null;
  }
}

const THROTTLE = new Set(['Throttling', 'ThrottlingException']);

function spread<T>(items: T[], n: number): T[] {
  if (n >= items.length) return items;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(items[Math.floor((i * items.length) / n)]!);
  return out;
}

export async function awsCliPeer(w: World, o: { workDir: string; sample: number | 'all'; timeoutMs: number }): Promise<PeerResult> {
  const version = awsCliVersion();
  const empty = { iam: { wallMs: 0, calls: 0, peakRssBytes: null }, secrets: { wallMs: 0, calls: 0, peakRssBytes: null, extrapolated: false }, peakRssBytes: null, steps: [] };
  if (!version) return { available: false, version: null, reason: 'aws CLI not found on PATH', ...empty };
  w.aws.reset();
  const env = childEnv(w);
  const steps: PeerStep[] = [];
  const max = (a: number | null, b: number | null) => (a === null ? b : b === null ? a : Math.max(a, b));

  const step = async (name: string, args: string[], outFile: string): Promise<PeerStep> => {
    const before = w.aws.requests();
    const m = await runMeasured('aws', ['--endpoint-url', w.aws.url, '--output', 'json', ...args], { env, cwd: o.workDir, stdoutFile: outFile, timeoutMs: o.timeoutMs });
    const mine = w.aws.requests().filter((r) => !before.includes(r));
    return {
      name,
      command: `aws ${args.join(' ')}`,
      processes: 1,
      wallMs: m.wallMs,
      peakRssBytes: m.peakRssBytes,
      calls: mine.length,
      throttled: mine.filter((r) => r.error && THROTTLE.has(r.error)).length,
      stdoutBytes: m.stdoutBytes,
      failures: m.code === 0 ? 0 : 1,
    };
  };

  const file = (n: string) => path.join(o.workDir, n);
  steps.push(await step('iam: authorization details', ['iam', 'get-account-authorization-details'], file('peer-gaad.json')));
  steps.push(await step('iam: generate credential report', ['iam', 'generate-credential-report'], file('peer-gen.json')));
  steps.push(await step('iam: get credential report', ['iam', 'get-credential-report'], file('peer-cr.json')));
  const iamSteps = [...steps];

  const secretSteps: PeerStep[] = [];
  let extrapolated = false;
  for (const region of w.company.spec.aws.regions) {
    const list = await step(`secrets ${region}: list-secrets`, ['secretsmanager', 'list-secrets', '--include-planned-deletion', '--region', region], file(`peer-ls-${region}.json`));
    secretSteps.push(list);
    let arns: string[] = [];
    try {
      arns = (JSON.parse(readFileSync(file(`peer-ls-${region}.json`), 'utf8')) as { SecretList?: { ARN: string }[] }).SecretList?.map((s) => s.ARN) ?? [];
    } catch {
      /* a failed listing is counted in failures */
    }
    const chosen = o.sample === 'all' ? arns : spread(arns, o.sample);
    const loop: PeerStep = { name: `secrets ${region}: get-resource-policy × ${arns.length}`, command: `for arn in …; do aws secretsmanager get-resource-policy --secret-id "$arn" --region ${region}; done`, processes: 0, wallMs: 0, peakRssBytes: null, calls: 0, throttled: 0, stdoutBytes: 0, failures: 0 };
    for (const [i, arn] of chosen.entries()) {
      const s = await step('get-resource-policy', ['secretsmanager', 'get-resource-policy', '--secret-id', arn, '--region', region], file(`peer-rp-${region}-${i % 2}.json`));
      loop.processes++;
      loop.wallMs += s.wallMs;
      loop.calls += s.calls;
      loop.throttled += s.throttled;
      loop.stdoutBytes += s.stdoutBytes;
      loop.failures += s.failures;
      loop.peakRssBytes = max(loop.peakRssBytes, s.peakRssBytes);
    }
    if (chosen.length < arns.length && chosen.length > 0) {
      extrapolated = true;
      const k = arns.length / chosen.length;
      loop.sample = { measured: chosen.length, of: arns.length };
      loop.measured = { wallMs: loop.wallMs, calls: loop.calls };
      loop.wallMs = Math.round(loop.wallMs * k);
      loop.calls = Math.round(loop.calls * k);
      loop.stdoutBytes = Math.round(loop.stdoutBytes * k);
    }
    secretSteps.push(loop);
  }
  steps.push(...secretSteps);
  const total = (xs: PeerStep[], f: (s: PeerStep) => number) => xs.reduce((n, s) => n + f(s), 0);
  const peak = (xs: PeerStep[]) => xs.reduce<number | null>((a, s) => max(a, s.peakRssBytes), null);
  return {
    available: true,
    version,
    steps,
    iam: { wallMs: total(iamSteps, (s) => s.wallMs), calls: total(iamSteps, (s) => s.calls), peakRssBytes: peak(iamSteps) },
    secrets: { wallMs: total(secretSteps, (s) => s.wallMs), calls: total(secretSteps, (s) => s.calls), peakRssBytes: peak(secretSteps), extrapolated },
    peakRssBytes: peak(steps),
  };
}
