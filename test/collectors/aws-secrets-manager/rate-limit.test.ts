// GetResourcePolicy has a small fixed quota (50/s per account and region). The collector spaces its
// calls under resourcePolicyCallsPerSecond, so a large inventory costs no throttled calls; without the
// limit the same collection is throttled (which proves the sandbox quota bites).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsSandbox, type AwsSandbox, type AwsSeed, type SecretSeed } from '../../../src/sandbox/aws/index.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';

const ACCOUNT = '111122223333';
const PER_REGION = 40;
const QUOTA = 10; // the sandbox's GetResourcePolicy quota in this test, per account and region
const REGIONS = ['us-east-1', 'eu-west-1'];

const secrets = (region: string): SecretSeed[] =>
  Array.from({ length: PER_REGION }, (_, i) => ({ name: `${region}/s-${i}`, value: 'not-read', created: '2026-01-01T00:00:00Z' }));

const seed: AwsSeed = {
  accounts: [
    {
      id: ACCOUNT,
      callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/soc2-evidence-collector/ci`,
      iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] },
      secrets: Object.fromEntries(REGIONS.map((r) => [r, secrets(r)])),
    },
  ],
};

describe('aws-secrets-manager: GetResourcePolicy under its quota', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed, rateLimits: { 'secretsmanager:GetResourcePolicy': QUOTA } });
  });
  afterAll(async () => {
    await sb?.close();
  });
  beforeEach(() => sb.reset());

  async function collect(perSecond: number) {
    const cfg = writeConfig(
      tmpDir(),
      `sources:\n  aws:\n    - name: main\n      regions: [${REGIONS.join(', ')}]\ncollectors: [aws-secrets-manager]\nsettings:\n  aws-secrets-manager:\n    resourcePolicyCallsPerSecond: ${perSecond}\n`,
    );
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) });
    const policies = sb.requests.filter((q) => q.action === 'GetResourcePolicy');
    return { ...r, out: JSON.parse(r.stdout), policies, throttled: policies.filter((q) => q.error === 'ThrottlingException').length };
  }

  it('spaces the calls under the quota: one call per secret, none throttled, in every region', async () => {
    const r = await collect(QUOTA - 1);
    expect(r.code, r.stderr).toBe(0);
    expect(r.out.status).toBe('complete');
    expect(r.throttled).toBe(0);
    for (const region of REGIONS) expect(r.policies.filter((q) => q.region === region && q.status === 200)).toHaveLength(PER_REGION);
    expect(r.policies).toHaveLength(REGIONS.length * PER_REGION);
  }, 60_000);

  it('without the limit the same collection is throttled', async () => {
    const r = await collect(10_000);
    expect(r.throttled).toBeGreaterThan(0);
  }, 120_000);
});
