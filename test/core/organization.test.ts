// One collection over a generated organization in the AWS sandbox, in process: every account collected,
// each account's timing, calls and throttled answers in the manifest (agreeing with what the sandbox
// received), the throttled account's window narrowed while the others' stay open, and the bundle verifies.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { orgCost } from '../../src/bench/organization.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { scaledOrganization, startAwsSandbox, type AwsSandbox, type ScaledOrganization } from '../../src/sandbox/aws/index.js';
import { awsEnv } from '../helpers/cli.js';
import { collectBundleInProcess, type CollectedBundle } from '../helpers/collected.js';
import { removeTempDirs } from '../reliability/fault-helpers.js';

const REGIONS = ['us-east-1', 'eu-west-1'];
const CONCURRENCY = 4;

describe('an organization collected in one bundle (AWS sandbox, in process)', () => {
  let sb: AwsSandbox;
  let org: ScaledOrganization;
  let b: CollectedBundle;
  const saved = { ...process.env };
  beforeAll(async () => {
    org = scaledOrganization({ accounts: 6, regions: REGIONS, seed: 11 });
    sb = await startAwsSandbox({ seed: org.seed, members: org.members });
    // the first three ListSecrets of the run (whichever accounts and regions) answer ThrottlingException
    sb.faults.add({ service: 'secretsmanager', action: 'ListSecrets', kind: 'throttle', times: 3, after: 0 });
    Object.assign(process.env, awsEnv(sb.url, { AWS_MAX_ATTEMPTS: '6' }));
    const config = `sources:\n  aws:\n    - name: org\n      regions: [${REGIONS.join(', ')}]\n      organization:\n        roleName: ${org.roleName}\n        exclude: ['${org.ids[5]}']\ncollectors: [aws-iam, aws-secrets-manager]\nconcurrency: ${CONCURRENCY}\n`;
    b = await collectBundleInProcess(config, process.env, 'org');
  }, 60_000);
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    removeTempDirs();
    await sb?.close();
  });

  test('collects every included account, complete, and the bundle verifies', async () => {
    expect(b.code, b.stderr).toBe(0);
    expect(b.manifest.status).toBe('complete');
    const accounts = org.ids.slice(0, 5);
    expect(b.manifest.accounts.map((a: { account: string }) => a.account)).toEqual([...accounts].sort());
    expect(new Set(b.manifest.collectors.map((c: { scope: { account: string } }) => c.scope.account))).toEqual(new Set(accounts));
    const v = await verifyPath(b.bundle);
    expect(v.problems).toEqual([]);
    expect(v.ok).toBe(true);
  });

  test("each account's calls are what the sandbox received from it, and its times bracket its collectors", () => {
    for (const a of b.manifest.accounts) {
      // the account's own calls; its SCP reads go out as the management account's (organizations:*)
      const received = sb.requests.filter((r) => r.account === a.account && r.service !== 'sts' && r.service !== 'organizations').length;
      expect(a.apiCalls, a.account).toBeGreaterThanOrEqual(received);
      const own = b.manifest.collectors.filter((c: { scope: { account: string } }) => c.scope.account === a.account);
      expect(a.apiCalls).toBe(own.reduce((n: number, c: { apiCalls: number }) => n + c.apiCalls, 0));
      expect(Date.parse(a.finishedAt)).toBeGreaterThanOrEqual(Date.parse(a.startedAt));
      expect(a.durationMs).toBeGreaterThanOrEqual(Math.max(...own.map((c: { durationMs: number }) => c.durationMs)));
    }
    // setup (ListAccounts, AssumeRole, GetCallerIdentity) is the source's, not an account's collection
    const collection = sb.requests.filter((r) => r.service !== 'sts' && r.action !== 'ListAccounts').length;
    expect(b.manifest.accounts.reduce((n: number, a: { apiCalls: number }) => n + a.apiCalls, 0)).toBe(collection);
  });

  test("the bench's minimum is what the collect made, besides the throttled calls' retries", () => {
    const cost = orgCost(org, REGIONS, { latencyMs: 0, concurrency: CONCURRENCY }, org.ids.slice(0, 5));
    const setup = sb.requests.filter((r) => r.service === 'sts' || r.action === 'ListAccounts');
    const throttled = sb.requests.filter((r) => r.error === 'ThrottlingException').length;
    expect(setup).toHaveLength(cost.setup);
    expect(sb.requests.length - setup.length - throttled).toBe(cost.collection);
  });

  test('throttled answers are counted where they happened and narrow only that window', () => {
    const throttled = sb.requests.filter((r) => r.error === 'ThrottlingException');
    expect(throttled).toHaveLength(3);
    const byAccount = new Map<string, number>();
    for (const r of throttled) byAccount.set(r.account, (byAccount.get(r.account) ?? 0) + 1);
    for (const a of b.manifest.accounts) {
      expect(a.throttled, a.account).toBe(byAccount.get(a.account) ?? 0);
      if (a.throttled) expect(a.lowestConcurrency, a.account).toBeLessThan(CONCURRENCY);
      else expect(a.lowestConcurrency, a.account).toBe(CONCURRENCY);
    }
  });
});
