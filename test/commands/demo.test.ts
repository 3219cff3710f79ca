// The demo end to end: every sandbox, every collector, verify and report. The story runs in this
// process on a time scale for the quotas (RATE_SCALE): CloudTrail's LookupEvents quota of 2 calls per
// second per region makes each day's aws-audit-trail take ~12 s at the real rate (25 watched event
// names in us-east-1), ~2 minutes for the shortest demo. Here every client-side rate limiter and the
// sandbox's LookupEvents quota run RATE_SCALE times faster together: the same calls, the same pages,
// the same throttling if the collector outpaced its limit (none is allowed). The CLI runs the bundled
// command for its first day at the real rate, and for --days and verify.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { AwsSandbox } from '../../src/sandbox/aws/index.js';
import { cleanEnv, repoRoot, runCli, tmpDir, type CliResult } from '../helpers/cli.js';

const RATE_SCALE = 20;
const scaled = vi.hoisted(() => ({ scale: 1, aws: [] as AwsSandbox[] }));
vi.mock('../../src/core/rate-limit.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/core/rate-limit.js')>();
  return { ...real, rateLimiter: (perSecond: number, signal?: AbortSignal) => real.rateLimiter(perSecond * scaled.scale, signal) };
});
vi.mock('../../src/sandbox/aws/index.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/sandbox/aws/index.js')>();
  return {
    ...real,
    startAwsSandbox: async (o: Parameters<typeof real.startAwsSandbox>[0]) => {
      const sb = await real.startAwsSandbox({ ...o, rateLimits: { 'cloudtrail:LookupEvents': 2 * scaled.scale, ...o?.rateLimits } });
      scaled.aws.push(sb);
      return sb;
    },
  };
});

const stripAnsi = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
const listening = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

/** The listening sockets once the closes under way have finished (a closed server's handle goes a tick after its close resolves). */
async function listeningSettled(expected: number): Promise<number> {
  for (let i = 0; i < 100 && listening() !== expected; i++) await new Promise((r) => setTimeout(r, 20));
  return listening();
}

/** `soc2 demo` in this process (src/commands/demo.ts, as the CLI calls it) on the quotas' time scale, its stdout and stderr captured. */
async function demoInProcess(args: { days: string; out: string }): Promise<CliResult> {
  const { demoCommand } = await import('../../src/commands/demo.js');
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((s) => ((stdout += String(s)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((s) => ((stderr += String(s)), true));
  scaled.scale = RATE_SCALE;
  try {
    const code = await demoCommand(args);
    return { code, stdout: stripAnsi(stdout), stderr: stripAnsi(stderr) };
  } finally {
    scaled.scale = 1;
    out.mockRestore();
    err.mockRestore();
  }
}

describe('soc2 demo', () => {
  // the two long runs at once: the CLI's mostly waits on the real LookupEvents rate
  it.concurrent('plays a short period, verifies it and writes the report, and closes its servers', async () => {
    const out = tmpDir('soc2-demo-');
    const before = listening();
    const r = await demoInProcess({ days: '10', out });
    // the demo closed every sandbox it started (so the CLI's process exits by itself): no server left behind
    expect(scaled.aws).toHaveLength(1);
    expect(await listeningSettled(before)).toBe(before);
    // the quota held at its scaled rate: the collector paced itself, never throttled
    const lookups = scaled.aws.flatMap((sb) => sb.requests.filter((q) => q.action === 'LookupEvents'));
    expect(lookups.length).toBeGreaterThanOrEqual(9 * 25);
    expect(lookups.filter((q) => q.error === 'ThrottlingException')).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().split('\n').pop()).toBe(path.join(out, 'report', 'index.html'));
    expect(r.stderr).toMatch(/verified: 9 bundles/);
    expect(r.stderr).toContain('prometheus-availability: not in the demo: it reads a real Prometheus server');
    expect(r.stderr).toMatch(/skipped/);
    expect(r.stderr).toMatch(/partial/);
    const bundles = readdirSync(path.join(out, 'evidence')).filter((d) => !d.startsWith('.'));
    expect(bundles).toHaveLength(9);
    const report = JSON.parse(readFileSync(path.join(out, 'report', 'report.json'), 'utf8'));
    expect(report.integrity.ok).toBe(true);
    expect(report.continuity.daysWithoutBundle).toHaveLength(1);
    // manual evidence (issue 18): added through pending/, covering its periods; November's trail-alert review never came
    const manual = (id: string) => report.controls.find((c: { id: string }) => c.id === id).manualEvidence[0].periods.map((p: { from: string; status: string; evidence: { fileName: string }[] }) => `${p.from} ${p.status} ${p.evidence.map((e) => e.fileName).join(',')}`);
    expect(manual('MON-10')).toEqual(['2026-11-01 deviation ', '2026-12-01 due ']);
    expect(manual('MON-01')).toEqual(['2026-11-01 covered inference-alert-review-2026-11.md', '2026-12-01 due ']);
    // the quarter's access review (soc2 review start/submit, src/demo/review.ts): dave's revocation is never carried out
    expect(manual('IAM-07')).toEqual(['2026-10-01 covered access-review-2026-12-03.csv']);
    expect(r.stderr).toMatch(/^2026-12-04  review start \+ submit: 14 principals of bundle 2026-12-03\S+ by Sam \(CTO\): 12 keep, 2 revoke \(ml-hotfix-admin, dave\), 0 modify/m);
    const remediation = report.exceptions.filter((e: { check: string }) => e.check === 'review.remediation');
    expect(remediation.map((e: { resource: string; reason: string }) => `${e.resource}: ${e.reason.split('; ')[0]}`)).toEqual(['arn:aws:iam::111122223333:user/dave: revoke decided in the access review of 2026-12-03 submitted 2026-12-04 by Sam (CTO) (row 067100da1333: console, ml-change)']);
    const iam07 = report.controls.find((c: { id: string }) => c.id === 'IAM-07');
    expect(iam07.period.conclusion).toBe('deviations');
    expect(iam07.manualEvidence[0].remediation).toEqual({ decisions: 2, verified: 1, exceptions: 1, pending: 0, unverified: 0 });
    expect(report.controls.find((c: { id: string }) => c.id === 'MON-10').period.conclusion).toBe('deviations');
    expect(readFileSync(path.join(out, 'report', 'manual-evidence.csv'), 'utf8')).toMatch(/^MON-10,trail-alert-review,monthly,,2026-11-01,2026-11-30,deviation,/m);
    // the story's events reach the populations
    const types = report.populations.promotions.rows.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['alias_moved']));
    expect(report.populations.privilegedAccess.rows.length).toBeGreaterThan(0);
    // every collector ran on every day it collected
    const m = JSON.parse(readFileSync(path.join(out, 'evidence', bundles[0]!, 'manifest.json'), 'utf8'));
    expect(new Set(m.collectors.map((c: { id: string }) => c.id))).toEqual(new Set(['aws-iam', 'aws-secrets-manager', 'mlflow-registry', 'mlflow-lineage', 'vertex-registry', 'vertex-lineage', 'vertex-endpoints', 'sagemaker-endpoints', 'sagemaker-registry', 'sagemaker-training', 'aws-audit-trail', 'aws-monitoring', 'bedrock', 'aws-data-stores']));
    // mostly healthy: on the first day only carol's missing MFA (a story event: she enables it later) fails
    const failing = (b: string) => {
      const findings = JSON.parse(readFileSync(path.join(out, 'evidence', b, 'findings.json'), 'utf8')) as { check: string; status: string }[];
      return [...new Set(findings.filter((f) => f.status === 'fail').map((f) => f.check))].sort();
    };
    expect(failing(bundles[0]!)).toEqual(['aws-iam.console-users-mfa']);
    expect(r.stderr).toMatch(/^2026-11-28 .*, 1 of 52 checks failing/m);
    // Bedrock's invocation logging off (days 3–5) and the training-data bucket on SSE-S3 (days 7–8), both restored before the last day
    const byDay = bundles.map(failing);
    expect(byDay.map((f) => f.includes('bedrock.invocation-logging'))).toEqual([false, false, false, true, true, false, false, false, false]);
    expect(byDay.map((f) => f.includes('aws-data-stores.encryption-at-rest'))).toEqual([false, false, false, false, false, false, true, true, false]);
    // by the last day the story's events are what fails, one check (or a few) per event
    expect(failing(bundles[bundles.length - 1]!)).toEqual([
      'mlflow-lineage.classification-tagged', // churn-model v5 made champion: no approval, no run, no tags
      'mlflow-lineage.datasets-recorded',
      'mlflow-lineage.git-commit-recorded',
      'mlflow-registry.production-approved',
      'mlflow-registry.production-traceable',
      'sagemaker-endpoints.inference-logging', // data capture turned off on fraud-detector-prod
      'sagemaker-registry.separation-of-duties', // churn-model v2 approved by dave, who registered it
      'sagemaker-registry.validation-evidence', // … without a bias report
      'vertex-endpoints.inference-logging', // logging turned off on fraud-detector-prod
      'vertex-lineage.datasets-traced', // fraud-detector v4 trained outside the pipeline
      'vertex-registry.production-approved', // churn-predictor champion rolled back to an unapproved v1
    ]);
    expect(r.stderr).toContain("checks failing per day: 1 on the first day, at most 12, 11 on the last day: the company starts healthy, so the failures are the story's events");
    expect(existsSync(path.join(out, 'report', 'oscal', 'assessment-results.json'))).toBe(true);
    // vendors and policies (src/demo/vendors.ts): the data broker in the lineage is not registered, the
    // labeling vendor's DPA lapses 40% in, the model-risk policy falls due 60% in; nothing else
    const ours = report.exceptions.filter((e: { check: string }) => /^soc2\.(vendor|policy)/.test(e.check)).map((e: { check: string; resource: string; firstSeen: { date: string }; status: string }) => [e.check, e.resource, e.firstSeen.date, e.status]);
    expect(ours).toEqual([
      ['soc2.vendor-registered', 'domain datasets.brokerline.example', '2026-11-28', 'open'],
      ['soc2.vendor-dpa', 'Labelwise', '2026-12-03', 'open'],
      ['soc2.policy-review', 'policy model-risk-management', '2026-12-05', 'open'],
    ]);
    const broker = report.vendors.vendors.find((v: { name: string }) => v.name === 'domain datasets.brokerline.example');
    expect(broker.seen[0]).toMatchObject({ kind: 'mlflow.lineage.training-runs', resource: 'churn-model v3 (run 5a60bb794df16b4ddae5629c5f094946)' });
    const html = readFileSync(path.join(out, 'report', 'index.html'), 'utf8');
    expect(html).toContain('<section id="vendors"><h2>Vendors and policies</h2>');
    expect(html).toContain('domain datasets.brokerline.example</b> <b>(not in the register)</b>');
    expect(readFileSync(path.join(out, 'report', 'vendors.csv'), 'utf8')).toContain('Labelwise,true,Human labeling of support tickets for the support-intent model,ML data,personal,expired,2024-06-01,2026-12-02');
    expect(readFileSync(path.join(out, 'report', 'policies.csv'), 'utf8')).toMatch(/model-risk-management,Model Risk Management Policy,model-risk-management\.md,[0-9a-f]{64},\d+,1\.2,Head of ML,CTO,2025-12-04,12,2026-12-04,overdue/);
    expect(readFileSync(path.join(out, 'report', 'report.md'), 'utf8')).toContain('## Vendors (CC9.2)');
    const v = await runCli(['verify', path.join(out, 'evidence'), '--public-key', path.join(out, 'demo-signing-key.pub.pem')]);
    expect(v.code, v.stdout).toBe(0);
  }, 120_000);

  it.concurrent('runs as the bundled CLI at the real rate: the first day collected complete by every collector', async () => {
    const out = tmpDir('soc2-demo-cli-');
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'soc2.js'), 'demo', '--days', '10', '--out', out], { cwd: repoRoot, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    const firstDay = new Promise<void>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        if (/^2026-11-28 .*checks failing/m.test(stderr)) resolve();
      });
      child.on('close', (code) => reject(new Error(`soc2 demo exited ${code} before its first day: ${stderr}`)));
    });
    try {
      await firstDay;
    } finally {
      child.kill('SIGKILL');
    }
    expect(stderr).toContain('prometheus-availability: not in the demo: it reads a real Prometheus server');
    expect(stderr).toMatch(/^2026-11-28  complete  \d+ pass \/ \d+ fail \/ 0 error, 1 of 52 checks failing/m);
    const bundles = readdirSync(path.join(out, 'evidence')).filter((d) => !d.startsWith('.') && !d.endsWith('.partial'));
    const m = JSON.parse(readFileSync(path.join(out, 'evidence', bundles[0]!, 'manifest.json'), 'utf8'));
    expect(new Set(m.collectors.map((c: { id: string }) => c.id)).size).toBe(14);
    expect(m.collectors.filter((c: { status: string }) => c.status !== 'ok')).toEqual([]);
  }, 60_000);


  it('rejects a bad --days with exit 2', async () => {
    const r = await runCli(['demo', '--days', 'lots']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--days: expected a whole number');
  });
});
