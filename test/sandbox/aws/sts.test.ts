import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GetAccountAuthorizationDetailsCommand, GetAccountPasswordPolicyCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { ListAccountsCommand, type Account } from '@aws-sdk/client-organizations';
import { type AwsSandbox, loadAwsFixture, startAwsSandbox } from '../../../src/sandbox/aws/index.js';
import { type Creds, iam, orgs, rejection, secrets, sts } from './helpers.js';

const seed = loadAwsFixture('small-company');
const [main, data] = [seed.accounts[0]!, seed.accounts[1]!];
const AUDIT_ROLE = `arn:aws:iam::${data.id}:role/soc2-audit`;
let sb: AwsSandbox;

beforeAll(async () => {
  sb = await startAwsSandbox({ seed });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.reset());

async function assume(roleArn: string, externalId?: string): Promise<Creds> {
  const out = await sts(sb.url).send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'soc2', ...(externalId ? { ExternalId: externalId } : {}) }));
  expect(out.Credentials!.Expiration).toBeInstanceOf(Date);
  return { accessKeyId: out.Credentials!.AccessKeyId!, secretAccessKey: out.Credentials!.SecretAccessKey!, sessionToken: out.Credentials!.SessionToken! };
}

describe('STS', () => {
  test('GetCallerIdentity answers the default account for unknown keys', async () => {
    const id = await sts(sb.url).send(new GetCallerIdentityCommand({}));
    expect(id).toMatchObject({ Account: main.id, Arn: main.callerArn });
    expect(id.UserId).toMatch(/^AROA[A-Z2-7]{17}:github-actions$/);
  });

  test('AssumeRole: calls signed with the returned credentials see the other account', async () => {
    const creds = await assume(AUDIT_ROLE);
    expect(creds.accessKeyId).toMatch(/^ASIA[A-Z2-7]{16}$/);
    const who = await sts(sb.url, creds).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: data.id, Arn: `arn:aws:sts::${data.id}:assumed-role/soc2-audit/soc2` });

    const gaad = await iam(sb.url, creds).send(new GetAccountAuthorizationDetailsCommand({}));
    expect(gaad.UserDetailList!.map((u) => u.UserName)).toEqual(['data-admin', 'etl-bot']);
    const noPolicy = await rejection(iam(sb.url, creds).send(new GetAccountPasswordPolicyCommand({})));
    expect(noPolicy.name).toBe('NoSuchEntityException');
    const s = await secrets(sb.url, 'us-east-1', creds).send(new ListSecretsCommand({}));
    expect(s.SecretList!.map((x) => x.ARN)).toEqual([expect.stringMatching(new RegExp(`^arn:aws:secretsmanager:us-east-1:${data.id}:secret:data/warehouse-password-`))]);

    // the default credentials still see the main account
    const mine = await iam(sb.url).send(new GetAccountAuthorizationDetailsCommand({ Filter: ['User'] }));
    expect(mine.UserDetailList!.map((u) => u.UserName)).toContain('alice');

    const byAccount = sb.requests.filter((r) => r.action !== 'AssumeRole').map((r) => [r.service, r.account]);
    expect(byAccount).toEqual([
      ['sts', data.id],
      ['iam', data.id],
      ['iam', data.id],
      ['secretsmanager', data.id],
      ['iam', main.id],
    ]);
    expect(sb.requests.find((r) => r.action === 'AssumeRole')!.params).toMatchObject({ RoleArn: AUDIT_ROLE, RoleSessionName: 'soc2' });
  });

  test('a role that is not assumable, or a wrong ExternalId, is AccessDenied (403)', async () => {
    const err = await rejection(sts(sb.url).send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${data.id}:role/not-there`, RoleSessionName: 'x1' })));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    const vendor = `arn:aws:iam::${main.id}:role/vendor-audit-access`;
    expect((await rejection(assume(vendor))).name).toBe('AccessDenied');
    expect((await rejection(assume(vendor, 'wrong'))).name).toBe('AccessDenied');
    const ok = await assume(vendor, 'acme-7f3a9c');
    expect((await sts(sb.url, ok).send(new GetCallerIdentityCommand({}))).Account).toBe(main.id);
  });

  test('a seeded user access key is attributed to its user and account', async () => {
    sb.state.accounts[1]!.iam.users[1]!.accessKeys[0]!.id = 'AKIAETLBOT0000000001';
    const who = await sts(sb.url, { accessKeyId: 'AKIAETLBOT0000000001', secretAccessKey: 'x' }).send(new GetCallerIdentityCommand({}));
    expect(who).toMatchObject({ Account: data.id, Arn: `arn:aws:iam::${data.id}:user/etl-bot` });
  });
});

describe('Organizations', () => {
  test('ListAccounts pages with NextToken; timestamps parse to Date', async () => {
    const accounts: Account[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const out = await orgs(sb.url).send(new ListAccountsCommand({ MaxResults: 1, ...(token ? { NextToken: token } : {}) }));
      accounts.push(...out.Accounts!);
      token = out.NextToken;
      pages++;
    } while (token);
    expect(pages).toBe(3);
    expect(accounts.map((a) => [a.Id, a.Status, a.JoinedMethod])).toEqual([
      [main.id, 'ACTIVE', 'INVITED'],
      [data.id, 'ACTIVE', 'CREATED'],
      ['777788889999', 'SUSPENDED', 'CREATED'],
    ]);
    expect(accounts[0]!.JoinedTimestamp).toEqual(new Date('2019-11-04T12:00:00Z'));
    expect(accounts[0]!.Arn).toBe(`arn:aws:organizations::${main.id}:account/o-a1b2c3d4e5/${main.id}`);
    expect(sb.requests.every((r) => r.service === 'organizations' && r.action === 'ListAccounts')).toBe(true);
  });

  test('member accounts are denied; no organization → AWSOrganizationsNotInUseException', async () => {
    const creds = await assume(AUDIT_ROLE);
    const denied = await rejection(orgs(sb.url, creds).send(new ListAccountsCommand({})));
    expect(denied.name).toBe('AccessDeniedException');
    delete sb.state.organization;
    const none = await rejection(orgs(sb.url).send(new ListAccountsCommand({})));
    expect(none.name).toBe('AWSOrganizationsNotInUseException');
  });
});
