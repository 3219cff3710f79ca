import { describe, expect, test } from 'vitest';
import { GetAccountAuthorizationDetailsCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand } from '@aws-sdk/client-sts';
import { generateAwsCompany, startAwsSandbox } from '../../../src/sandbox/aws/index.js';
import { iam, secrets, sts } from './helpers.js';

describe('generateAwsCompany', () => {
  test('is deterministic and sized as asked', () => {
    const opts = { roles: 30, users: 20, groups: 5, policies: 50, secretsPerRegion: 7, regions: ['us-east-1', 'eu-west-1'] };
    const a = generateAwsCompany(opts);
    expect(JSON.stringify(generateAwsCompany(opts))).toBe(JSON.stringify(a));
    expect(JSON.stringify(generateAwsCompany({ ...opts, seed: 2 }))).not.toBe(JSON.stringify(a));
    const acct = a.accounts[0]!;
    expect(acct.iam.roles).toHaveLength(30);
    expect(acct.iam.users).toHaveLength(20);
    expect(acct.iam.groups).toHaveLength(5);
    expect(acct.iam.managedPolicies.filter((p) => !p.arn?.startsWith('arn:aws:iam::aws:'))).toHaveLength(50);
    expect(acct.secrets['eu-west-1']).toHaveLength(7);
    expect(a.organization).toBeUndefined();
  });

  test('benchmark size builds quickly and serves full pages; several accounts get an organization', async () => {
    const seed = generateAwsCompany({ roles: 5000, users: 2000, groups: 500, policies: 20000, secretsPerRegion: 2500, regions: ['us-east-1', 'eu-west-1'] });
    expect(seed.accounts[0]!.iam.managedPolicies.length).toBeGreaterThanOrEqual(20000);
    const sb = await startAwsSandbox({ seed });
    try {
      const c = iam(sb.url);
      const page = await c.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 200, Filter: ['Role'] }));
      expect(page.RoleDetailList).toHaveLength(200);
      expect(page.IsTruncated).toBe(true);
      const last = await c.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 200, Filter: ['Role'], Marker: page.Marker! }));
      expect(last.RoleDetailList![0]!.RoleName).toBe('role-200');
      const s = await secrets(sb.url, 'eu-west-1').send(new ListSecretsCommand({ MaxResults: 100 }));
      expect(s.SecretList).toHaveLength(100);
    } finally {
      await sb.close();
    }

    const multi = generateAwsCompany({ roles: 3, users: 2, groups: 1, policies: 2, secretsPerRegion: 1, regions: ['us-east-1'], accounts: 3 });
    expect(multi.organization!.accounts).toHaveLength(3);
    const msb = await startAwsSandbox({ seed: multi });
    try {
      const out = await sts(msb.url).send(new AssumeRoleCommand({ RoleArn: multi.assumableRoles![2] as string, RoleSessionName: 'bench' }));
      expect(out.AssumedRoleUser!.Arn).toContain(multi.accounts[2]!.id);
    } finally {
      await msb.close();
    }
  });
});
