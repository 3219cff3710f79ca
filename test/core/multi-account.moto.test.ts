// Many accounts through AWS Organizations: ListAccounts, AssumeRole into each, IAM per account,
// all in one bundle with per-account scope. Against moto, which ties assumed credentials to the
// account in the role ARN.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { CreateAccountCommand, CreateOrganizationCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

describe.skipIf(!moto.ok)('organization: many accounts in one bundle (moto)', () => {
  let m: Moto;
  let members: string[] = [];
  let out: { bundle: string; status: string; collectors: { id: string; scope: Record<string, string>; status: string }[] };
  let code: number;

  beforeAll(async () => {
    m = await startMoto();
    const org = new OrganizationsClient({ region: 'us-east-1', endpoint: m.url, credentials: creds });
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    for (const name of ['ml-training', 'ml-serving', 'sandbox']) {
      const r = await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
      members.push(r.CreateAccountStatus!.AccountId!);
    }
    // a distinct user in each member account, created through that account's assumed role
    const sts = new STSClient({ region: 'us-east-1', endpoint: m.url, credentials: creds });
    for (const [i, acct] of members.entries()) {
      const a = await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/OrganizationAccountAccessRole`, RoleSessionName: 'seed' }));
      const iam = new IAMClient({ region: 'us-east-1', endpoint: m.url, credentials: { accessKeyId: a.Credentials!.AccessKeyId!, secretAccessKey: a.Credentials!.SecretAccessKey!, sessionToken: a.Credentials!.SessionToken } });
      await iam.send(new CreateUserCommand({ UserName: `member-user-${i}` }));
    }
    const dir = tmpDir();
    const cfg = writeConfig(
      dir,
      `sources:\n  aws:\n    - name: org\n      regions: [us-east-1, eu-west-1]\n      organization:\n        roleName: OrganizationAccountAccessRole\n        exclude: ['${members[2]}']\ncollectors: [aws-iam]\nconcurrency: 4\n`,
    );
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(m.url) });
    code = r.code;
    out = JSON.parse(r.stdout || '{}');
    if (code !== 0) console.error(r.stderr);
  });
  afterAll(async () => m?.stop());

  it('collects IAM once per included account, none for the excluded one', () => {
    expect(code).toBe(0);
    const accounts = out.collectors.map((c) => c.scope.account).sort();
    expect(accounts).toEqual(expect.arrayContaining([members[0], members[1]]));
    expect(accounts).not.toContain(members[2]);
    // IAM is global: one run per account, not per region
    expect(new Set(accounts).size).toBe(accounts.length);
  });

  it('keeps each account\'s evidence apart and names the account in provenance', () => {
    for (const [i, acct] of members.slice(0, 2).entries()) {
      const f = path.join(out.bundle, 'artifacts', 'org', 'aws-iam', acct!, 'authorization-details.ndjson');
      expect(existsSync(f), f).toBe(true);
      const users = readFileSync(f, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((r) => r.type === 'user').map((r) => r.UserName);
      expect(users).toEqual([`member-user-${i}`]);
    }
    const manifest = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8'));
    const a = manifest.artifacts.find((x: { path: string }) => x.path.includes(members[0]!));
    expect(a.provenance.scope).toEqual({ source: 'org', account: members[0] });
    expect(manifest.identity.aws.map((x: { account: string }) => x.account)).toEqual(expect.arrayContaining([members[0], members[1]]));
  });
});
