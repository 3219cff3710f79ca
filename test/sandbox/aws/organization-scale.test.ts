// The generated organization on the wire, with the real SDK: ListAccounts pages of at most 20, a member
// account generated on demand behind AssumeRole, sizes from the seeded distribution, and quotas per
// account and region answered with each service's own throttling error.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { ListRolesCommand } from '@aws-sdk/client-iam';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { accountSize, scaledOrganization, startAwsSandbox, type AwsSandbox, type ScaledOrganization } from '../../../src/sandbox/aws/index.js';
import { type Creds, iam, orgs, rejection, secrets, sts } from './helpers.js';

const REGIONS = ['us-east-1', 'eu-west-1', 'ap-southeast-2'];
let org: ScaledOrganization;
let sb: AwsSandbox;

beforeAll(async () => {
  org = scaledOrganization({ accounts: 45, regions: REGIONS, seed: 7, cacheSize: 4 });
  // 2 ListRoles per second per account; ListSecrets 2 per second per account and region
  sb = await startAwsSandbox({ seed: org.seed, members: org.members, rateLimits: { 'iam:ListRoles': 2, 'secretsmanager:ListSecrets': 2 } });
});
afterAll(async () => {
  await sb?.close();
});
beforeEach(() => sb.reset());

async function assume(id: string): Promise<Creds> {
  const out = await sts(sb.url).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${id}:role/${org.roleName}`, RoleSessionName: 'soc2' }));
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
}

async function allRoles(creds: Creds): Promise<string[]> {
  const names: string[] = [];
  let marker: string | undefined;
  do {
    const page = await iam(sb.url, creds, 6).send(new ListRolesCommand({ Marker: marker }));
    names.push(...page.Roles!.map((r) => r.RoleName!));
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return names;
}

describe('a generated organization', () => {
  test('ListAccounts lists every account in pages of at most 20, and refuses a larger MaxResults', async () => {
    const pages: number[] = [];
    const ids: string[] = [];
    let token: string | undefined;
    do {
      const page = await orgs(sb.url).send(new ListAccountsCommand({ NextToken: token }));
      pages.push(page.Accounts!.length);
      ids.push(...page.Accounts!.map((a) => a.Id!));
      token = page.NextToken;
    } while (token);
    expect(pages).toEqual([20, 20, 5]);
    expect(ids).toEqual(org.ids);
    const tooMany = await rejection(orgs(sb.url).send(new ListAccountsCommand({ MaxResults: 21 })));
    expect(tooMany.name).toBe('InvalidInputException');
  });

  test('a member account is generated behind AssumeRole, with the seeded size, and again identically after eviction', async () => {
    const id = org.ids[9]!;
    const creds = await assume(id);
    expect(await sts(sb.url, creds).send(new GetCallerIdentityCommand({}))).toMatchObject({ Account: id });
    const size = org.sizeOf(id);
    const first = await allRoles(creds);
    expect(first).toHaveLength(size.roles + 1); // + the audit role
    expect(first).toContain(org.roleName);
    const s = await secrets(sb.url, 'eu-west-1', creds).send(new ListSecretsCommand({ MaxResults: 100 }));
    expect(s.SecretList!.every((x) => x.ARN!.startsWith(`arn:aws:secretsmanager:eu-west-1:${id}:`))).toBe(true);

    // more accounts than the cache holds: account 9 is generated again, the same
    for (const other of org.ids.slice(10, 16)) await assume(other);
    const before = org.members.generations;
    expect(await allRoles(creds)).toEqual(first);
    expect(org.members.generations).toBe(before + 1);
  });

  test('an account outside the organization cannot be assumed', async () => {
    const denied = await rejection(sts(sb.url).send(new AssumeRoleCommand({ RoleArn: 'arn:aws:iam::999999999999:role/soc2-audit', RoleSessionName: 'soc2' })));
    expect(denied.name).toBe('AccessDenied');
  });

  test('quotas are per account (IAM) and per account and region (Secrets Manager), throttled in each service\'s own shape', async () => {
    const [a, b] = [await assume(org.ids[1]!), await assume(org.ids[2]!)];
    // account a spends its IAM quota (burst 2): its third call is throttled, account b's first is not
    await iam(sb.url, a, 1).send(new ListRolesCommand({ MaxItems: 1 }));
    await iam(sb.url, a, 1).send(new ListRolesCommand({ MaxItems: 1 }));
    const throttled = await rejection(iam(sb.url, a, 1).send(new ListRolesCommand({ MaxItems: 1 })));
    expect(throttled.name).toBe('Throttling');
    expect(throttled.$metadata?.httpStatusCode).toBe(400);
    await iam(sb.url, b, 1).send(new ListRolesCommand({ MaxItems: 1 }));

    await secrets(sb.url, 'us-east-1', a, 1).send(new ListSecretsCommand({}));
    await secrets(sb.url, 'us-east-1', a, 1).send(new ListSecretsCommand({}));
    const sm = await rejection(secrets(sb.url, 'us-east-1', a, 1).send(new ListSecretsCommand({})));
    expect(sm.name).toBe('ThrottlingException');
    // the same account in another region has its own quota
    await secrets(sb.url, 'eu-west-1', a, 1).send(new ListSecretsCommand({}));
    expect(sb.requests.filter((r) => r.error).map((r) => [r.service, r.account, r.region, r.error])).toEqual([
      ['iam', org.ids[1], 'us-east-1', 'Throttling'],
      ['secretsmanager', org.ids[1], 'us-east-1', 'ThrottlingException'],
    ]);
  });
});

describe('the size distribution', () => {
  test('is seeded, mostly small with a few large accounts', () => {
    const sizes = Array.from({ length: 500 }, (_, i) => accountSize(3, i));
    expect(Array.from({ length: 500 }, (_, i) => accountSize(3, i))).toEqual(sizes);
    const count = (tier: string) => sizes.filter((s) => s.tier === tier).length;
    expect(count('small')).toBeGreaterThan(350);
    expect(count('large')).toBeGreaterThan(3);
    expect(count('large')).toBeLessThan(40);
    expect(sizes[0]!.tier).toBe('small');
  });
});
