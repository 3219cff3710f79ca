import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  type IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListSAMLProvidersCommand,
  ListVirtualMFADevicesCommand,
  paginateListRoles,
  paginateListUsers,
} from '@aws-sdk/client-iam';
import { type AwsSandbox, type AwsSeed, loadAwsFixture, startAwsSandbox } from '../../../src/sandbox/aws/index.js';
import { iam, rejection } from './helpers.js';

const seed: AwsSeed = loadAwsFixture('small-company');
const main = seed.accounts[0]!;
let sb: AwsSandbox;
let client: IAMClient;

beforeAll(async () => {
  sb = await startAwsSandbox({ seed, credentialReportPolls: 2 });
  client = iam(sb.url);
});
afterAll(async () => {
  client.destroy();
  await sb.close();
});
beforeEach(() => sb.reset());

async function allPages(input: { MaxItems?: number; Filter?: string[] } = {}): Promise<GetAccountAuthorizationDetailsCommandOutput[]> {
  const pages: GetAccountAuthorizationDetailsCommandOutput[] = [];
  let marker: string | undefined;
  do {
    const page = await client.send(
      new GetAccountAuthorizationDetailsCommand({ ...input, Filter: input.Filter as never, ...(marker ? { Marker: marker } : {}) }),
    );
    pages.push(page);
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker && pages.length < 100);
  return pages;
}

function docOf(seedDoc: unknown): unknown {
  return typeof seedDoc === 'string' ? JSON.parse(seedDoc) : seedDoc;
}

describe('GetAccountAuthorizationDetails', () => {
  test('MaxItems is honoured: ≥3 pages, every principal and policy exactly once', async () => {
    const pages = await allPages({ MaxItems: 4 });
    const total = main.iam.users.length + main.iam.groups.length + main.iam.roles.length + main.iam.managedPolicies.length;
    expect(pages.length).toBe(Math.ceil(total / 4));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const p of pages.slice(0, -1)) {
      expect(p.IsTruncated).toBe(true);
      expect(p.Marker).toBeTruthy();
    }
    expect(pages.at(-1)!.IsTruncated).toBe(false);
    expect(pages.at(-1)!.Marker).toBeUndefined();
    for (const p of pages) {
      const n = (p.UserDetailList?.length ?? 0) + (p.GroupDetailList?.length ?? 0) + (p.RoleDetailList?.length ?? 0) + (p.Policies?.length ?? 0);
      expect(n).toBeLessThanOrEqual(4);
    }
    const users = pages.flatMap((p) => p.UserDetailList ?? []).map((u) => u.UserName);
    const groups = pages.flatMap((p) => p.GroupDetailList ?? []).map((g) => g.GroupName);
    const roles = pages.flatMap((p) => p.RoleDetailList ?? []).map((r) => r.RoleName);
    const policies = pages.flatMap((p) => p.Policies ?? []).map((p) => p.Arn);
    expect(users).toEqual(main.iam.users.map((u) => u.name));
    expect(groups).toEqual(main.iam.groups.map((g) => g.name));
    expect(roles).toEqual(main.iam.roles.map((r) => r.name));
    expect(new Set(policies).size).toBe(main.iam.managedPolicies.length);

    const calls = sb.requests.filter((r) => r.action === 'GetAccountAuthorizationDetails');
    expect(calls).toHaveLength(pages.length);
    expect(calls[0]!.params).toEqual({ MaxItems: '4' });
    expect(calls[1]!.params['Marker']).toBe(pages[0]!.Marker);
    expect(calls.every((c) => c.service === 'iam' && c.account === main.id && c.status === 200)).toBe(true);
  });

  test('policy documents are RFC 3986 URL-encoded everywhere and decode with decodeURIComponent', async () => {
    const pages = await allPages({ MaxItems: 1000 });
    expect(pages).toHaveLength(1);
    const page = pages[0]!;
    const encoded: string[] = [];
    for (const u of page.UserDetailList ?? []) {
      const s = main.iam.users.find((x) => x.name === u.UserName)!;
      for (const p of u.UserPolicyList ?? []) {
        encoded.push(p.PolicyDocument!);
        expect(JSON.parse(decodeURIComponent(p.PolicyDocument!))).toEqual(docOf(s.inlinePolicies!.find((i) => i.name === p.PolicyName)!.document));
      }
    }
    for (const g of page.GroupDetailList ?? []) for (const p of g.GroupPolicyList ?? []) encoded.push(p.PolicyDocument!);
    for (const r of page.RoleDetailList ?? []) {
      const s = main.iam.roles.find((x) => x.name === r.RoleName)!;
      encoded.push(r.AssumeRolePolicyDocument!);
      expect(JSON.parse(decodeURIComponent(r.AssumeRolePolicyDocument!))).toEqual(docOf(s.trustPolicy));
      for (const p of r.RolePolicyList ?? []) encoded.push(p.PolicyDocument!);
      for (const ip of r.InstanceProfileList ?? []) for (const ir of ip.Roles ?? []) encoded.push(ir.AssumeRolePolicyDocument!);
    }
    for (const p of page.Policies ?? []) {
      const s = main.iam.managedPolicies.find((x) => x.name === p.PolicyName)!;
      for (const v of p.PolicyVersionList ?? []) {
        encoded.push(v.Document!);
        const want = s.versions.find((x) => x.id === v.VersionId)!.document;
        if (typeof want === 'string') expect(decodeURIComponent(v.Document!)).toBe(want); // exact bytes survive
        else expect(JSON.parse(decodeURIComponent(v.Document!))).toEqual(want);
      }
    }
    expect(encoded.length).toBeGreaterThan(15);
    for (const e of encoded) {
      expect(e).toMatch(/^%7B/); // never raw JSON, not even the trust policy
      expect(e).not.toMatch(/[{}"\s+*]/);
    }
  });

  test('shapes: role last used, boundaries, instance profiles, tags, group lists, policy metadata', async () => {
    const [page] = await allPages({ MaxItems: 1000 });
    const roles = new Map(page!.RoleDetailList!.map((r) => [r.RoleName, r]));
    expect(roles.get('vendor-audit-access')!.RoleLastUsed!.LastUsedDate).toEqual(new Date('2026-11-01T04:00:00Z'));
    expect(roles.get('inference-ec2')!.RoleLastUsed).toEqual({}); // never used: empty element
    expect(roles.get('inference-ec2')!.PermissionsBoundary!.PermissionsBoundaryArn).toBe(`arn:aws:iam::${main.id}:policy/DeveloperBoundary`);
    expect(roles.get('inference-ec2')!.InstanceProfileList![0]!.Roles![0]!.RoleName).toBe('inference-ec2');
    const dave = page!.UserDetailList!.find((u) => u.UserName === 'dave')!;
    expect(dave.GroupList).toEqual(['ml-engineers', 'data-scientists']);
    expect(dave.UserPolicyList).toEqual([]);
    expect(dave.Tags).toEqual([]);
    const pol = new Map(page!.Policies!.map((p) => [p.PolicyName, p]));
    expect(pol.get('AdministratorAccess')!.AttachmentCount).toBe(2);
    expect(pol.get('DeveloperBoundary')!.PermissionsBoundaryUsageCount).toBe(2);
    expect(pol.get('DeveloperBoundary')!.Path).toBe('/boundaries/');
    expect(pol.get('UnusedReadOnly')!.AttachmentCount).toBe(0);
    const ds = pol.get('DataScientistAccess')!;
    expect(ds.DefaultVersionId).toBe('v2');
    expect(ds.PolicyVersionList!.map((v) => [v.VersionId, v.IsDefaultVersion])).toEqual([['v1', false], ['v2', true]]);
    expect(ds.PolicyId).toMatch(/^ANPA[A-Z2-7]{17}$/);
  });

  test('Filter selects entity types; AWSManagedPolicy vs LocalManagedPolicy', async () => {
    const roles = await allPages({ Filter: ['Role'] });
    expect(roles.flatMap((p) => p.UserDetailList ?? [])).toHaveLength(0);
    expect(roles.flatMap((p) => p.RoleDetailList ?? [])).toHaveLength(main.iam.roles.length);
    const local = (await allPages({ Filter: ['LocalManagedPolicy'] })).flatMap((p) => p.Policies ?? []);
    expect(local.length).toBeGreaterThan(0);
    expect(local.every((p) => !p.Arn!.startsWith('arn:aws:iam::aws:'))).toBe(true);
    const aws = (await allPages({ Filter: ['AWSManagedPolicy'] })).flatMap((p) => p.Policies ?? []);
    expect(aws.length + local.length).toBe(main.iam.managedPolicies.length);
  });

  test('MaxItems outside 1..1000 and foreign markers are rejected', async () => {
    const zero = await rejection(client.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 0 })));
    expect(zero.name).toBe('ValidationError');
    expect(zero.$metadata?.httpStatusCode).toBe(400);
    const big = await rejection(client.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1001 })));
    expect(big.name).toBe('ValidationError');
    const bad = await rejection(client.send(new GetAccountAuthorizationDetailsCommand({ Marker: 'not-ours' })));
    expect(bad.name).toBe('InvalidInputException');
  });

  test('maxPageItems makes AWS-like short pages even when 1000 are asked', async () => {
    const short = await startAwsSandbox({ seed, maxPageItems: 5 });
    const c = iam(short.url);
    try {
      const first = await c.send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000 }));
      expect(first.IsTruncated).toBe(true);
      expect(first.UserDetailList).toHaveLength(5);
    } finally {
      c.destroy();
      await short.close();
    }
  });
});

describe('credential report', () => {
  test('NotPresent → STARTED → in progress ×2 (a Get poll counts) → COMPLETE → 22-column CSV with the root row', async () => {
    const missing = await rejection(client.send(new GetCredentialReportCommand({})));
    expect(missing.name).toBe('CredentialReportNotPresentException');
    expect(missing.$metadata?.httpStatusCode).toBe(410);

    const states: string[] = [];
    for (let i = 0; i < 4; i++) {
      states.push((await client.send(new GenerateCredentialReportCommand({}))).State!);
      if (i === 0) {
        const early = await rejection(client.send(new GetCredentialReportCommand({})));
        expect(early.name).toBe('CredentialReportNotReadyException');
      }
    }
    // polls: the early Get (ReportInProgress), then one INPROGRESS Generate; the third Generate is COMPLETE
    expect(states).toEqual(['STARTED', 'INPROGRESS', 'COMPLETE', 'COMPLETE']);

    const report = await client.send(new GetCredentialReportCommand({}));
    expect(report.ReportFormat).toBe('text/csv');
    expect(report.GeneratedTime).toBeInstanceOf(Date);
    expect(report.Content).toBeInstanceOf(Uint8Array);
    const lines = new TextDecoder().decode(report.Content).split('\n');
    const header = lines[0]!.split(',');
    expect(header).toHaveLength(22);
    expect(header.slice(0, 4)).toEqual(['user', 'arn', 'user_creation_time', 'password_enabled']);
    const rows = new Map(lines.slice(1).map((l) => {
      const cells = l.split(',');
      expect(cells).toHaveLength(22);
      return [cells[0]!, Object.fromEntries(header.map((h, i) => [h, cells[i]!]))];
    }));
    expect(rows.size).toBe(main.iam.users.length + 1);
    const root = rows.get('<root_account>')!;
    expect(root).toMatchObject({ arn: `arn:aws:iam::${main.id}:root`, password_enabled: 'not_supported', mfa_active: 'true', access_key_1_active: 'false' });
    expect(rows.get('carol')!.mfa_active).toBe('false');
    expect(rows.get('ci-deployer')).toMatchObject({ password_enabled: 'false', password_last_used: 'N/A', access_key_1_last_rotated: '2023-02-01T09:00:00+00:00' });
    expect(rows.get('dave')).toMatchObject({ password_last_used: 'no_information', access_key_1_active: 'false', access_key_1_last_used_date: 'N/A' });
    expect(rows.get('legacy-etl')).toMatchObject({ access_key_2_active: 'true', access_key_2_last_used_date: 'N/A' });
    expect(rows.get('alice')!.password_next_rotation).toBe('2026-11-30T08:00:00+00:00');
  });
});

describe('account-level reads', () => {
  test('no password policy surfaces as NoSuchEntityException (404); reset() restores it', async () => {
    sb.state.accounts[0]!.iam.passwordPolicy = null;
    const err = await rejection(client.send(new GetAccountPasswordPolicyCommand({})));
    expect(err.name).toBe('NoSuchEntityException');
    expect(err.$metadata?.httpStatusCode).toBe(404);
    expect(err.$metadata?.attempts).toBe(1);
    sb.reset();
    const ok = await client.send(new GetAccountPasswordPolicyCommand({}));
    expect(ok.PasswordPolicy).toMatchObject({ MinimumPasswordLength: 14, ExpirePasswords: true, MaxPasswordAge: 90, PasswordReusePrevention: 24 });
  });

  test('GetAccountSummary is a map of numbers', async () => {
    const { SummaryMap } = await client.send(new GetAccountSummaryCommand({}));
    expect(SummaryMap).toMatchObject({ AccountMFAEnabled: 1, AccountAccessKeysPresent: 0, Users: 6, Roles: 4, Groups: 3 });
  });

  test('virtual MFA devices (root without UserName), SAML and OIDC providers', async () => {
    const { VirtualMFADevices } = await client.send(new ListVirtualMFADevicesCommand({}));
    const root = VirtualMFADevices!.find((d) => d.SerialNumber!.endsWith('root-account-mfa-device'))!;
    expect(root.User!.Arn).toBe(`arn:aws:iam::${main.id}:root`);
    expect(root.User!.UserName).toBeUndefined();
    expect(VirtualMFADevices!.filter((d) => d.User?.UserName).map((d) => d.User!.UserName)).toEqual(['alice', 'bob', 'dave']);
    const saml = await client.send(new ListSAMLProvidersCommand({}));
    expect(saml.SAMLProviderList).toEqual([
      { Arn: `arn:aws:iam::${main.id}:saml-provider/Okta`, ValidUntil: new Date('2121-03-01T00:00:00Z'), CreateDate: new Date('2021-03-01T00:00:00Z') },
    ]);
    const oidc = await client.send(new ListOpenIDConnectProvidersCommand({}));
    expect(oidc.OpenIDConnectProviderList).toEqual([{ Arn: `arn:aws:iam::${main.id}:oidc-provider/token.actions.githubusercontent.com` }]);
  });

  test('ListUsers / ListRoles page with the SDK paginators', async () => {
    const users: string[] = [];
    for await (const p of paginateListUsers({ client, pageSize: 2 }, {})) users.push(...p.Users!.map((u) => u.UserName!));
    expect(users).toEqual(main.iam.users.map((u) => u.name));
    const roles: string[] = [];
    for await (const p of paginateListRoles({ client, pageSize: 3 }, { PathPrefix: '/' })) roles.push(...p.Roles!.map((r) => r.RoleName!));
    expect(roles).toEqual(main.iam.roles.map((r) => r.name));
    expect(sb.requests.filter((r) => r.action === 'ListUsers')).toHaveLength(3);
  });
});
