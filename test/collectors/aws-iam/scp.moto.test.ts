// Service control policies through an organization in moto, seeded through the real SDK: the OU path
// of each account, the SCPs at each level applied to ml-privileges, the management account and
// service-linked roles exempt, one answer per OU and policy for the whole run, and a denied
// ListParents (injected at a loopback front of moto) making that account's decisions unknown.
import { readFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import path from 'node:path';
import {
  AttachPolicyCommand,
  CreateAccountCommand,
  CreateOrganizationCommand,
  CreateOrganizationalUnitCommand,
  CreatePolicyCommand,
  DetachPolicyCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations';
import { AttachRolePolicyCommand, AttachUserPolicyCommand, CreatePolicyCommand as CreateIamPolicyCommand, CreateServiceLinkedRoleCommand, CreateUserCommand, IAMClient } from '@aws-sdk/client-iam';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';
import { freePort } from '../../helpers/net.js';

const moto = motoAvailable();
const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const doc = (o: unknown) => JSON.stringify(o);
const MANAGEMENT = '123456789012';

interface Row {
  principal: string;
  action: string;
  decision: string;
  via: string[];
}

/** Forwards to moto; answers AccessDenied to ListParents for one child id; counts Organizations actions. */
async function faultFront(target: string, denyChild: () => string): Promise<{ url: string; calls: { action: string; body: Record<string, unknown> }[]; server: Server }> {
  const calls: { action: string; body: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const t = String(req.headers['x-amz-target'] ?? '');
      if (t.startsWith('AWSOrganizationsV20161128.')) {
        const action = t.split('.')[1]!;
        const parsed = JSON.parse(body.toString('utf8') || '{}');
        calls.push({ action, body: parsed });
        if (action === 'ListParents' && parsed.ChildId === denyChild()) {
          res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
          res.end(doc({ __type: 'AccessDeniedException', Message: 'You don\'t have permissions to access this resource.' }));
          return;
        }
      }
      const u = new URL(target);
      const fwd = request({ host: u.hostname, port: u.port, path: req.url, method: req.method, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      });
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, calls, server };
}

describe.skipIf(!moto.ok)('aws-iam: service control policies (moto)', () => {
  let m: Moto;
  let front: Awaited<ReturnType<typeof faultFront>>;
  let prod = '';
  let lab = '';
  let denied = '';
  let bare = '';
  let rootId = '';
  let mlOu = '';
  let prodOu = '';
  let code = -1;
  let bundle = '';
  let stderr = '';
  const policyIds: string[] = [];
  const art = (acct: string, file: string) => JSON.parse(readFileSync(path.join(bundle, 'artifacts', 'org', 'aws-iam', acct, file), 'utf8'));
  const rows = (acct: string, who: string): Row[] => art(acct, 'ml-privileges.json').rows.filter((r: Row) => r.principal.endsWith(who));
  const actions = (acct: string, who: string) => rows(acct, who).map((r) => r.action);

  beforeAll(async () => {
    m = await startMoto();
    front = await faultFront(m.url, () => denied);
    const org = new OrganizationsClient({ region: 'us-east-1', endpoint: m.url, credentials: creds });
    await org.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    rootId = (await org.send(new ListRootsCommand({}))).Roots![0]!.Id!;
    mlOu = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: rootId, Name: 'ml' }))).OrganizationalUnit!.Id!;
    prodOu = (await org.send(new CreateOrganizationalUnitCommand({ ParentId: mlOu, Name: 'ml-prod' }))).OrganizationalUnit!.Id!;
    const account = async (name: string, ou: string) => {
      const id = (await org.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }))).CreateAccountStatus!.AccountId!;
      await org.send(new MoveAccountCommand({ AccountId: id, SourceParentId: rootId, DestinationParentId: ou }));
      return id;
    };
    prod = await account('ml-prod', prodOu);
    lab = await account('lab', rootId);
    denied = await account('denied', mlOu);
    bare = await account('bare', rootId);
    const scp = async (name: string, content: unknown, target: string) => {
      const id = (await org.send(new CreatePolicyCommand({ Name: name, Description: name, Type: 'SERVICE_CONTROL_POLICY', Content: doc(content) }))).Policy!.PolicySummary!.Id!;
      await org.send(new AttachPolicyCommand({ PolicyId: id, TargetId: target }));
      policyIds.push(id);
      return id;
    };
    // ml: no one deletes model versions; ml-prod: only SageMaker (FullAWSAccess detached), so no PassRole
    await scp('DenyModelDeletion', { Version: '2012-10-17', Statement: [{ Sid: 'NoDelete', Effect: 'Deny', Action: 'sagemaker:DeleteModelPackage*', Resource: '*' }] }, mlOu);
    await scp('SageMakerOnly', { Version: '2012-10-17', Statement: [{ Sid: 'SageMaker', Effect: 'Allow', Action: 'sagemaker:*', Resource: '*' }] }, prodOu);
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: prodOu }));
    // an account left without any SCP: only possible with the policy type disabled (moto allows it anyway)
    await org.send(new DetachPolicyCommand({ PolicyId: 'p-FullAWSAccess', TargetId: bare }));
    org.destroy();

    // in every account: user `admin` with Allow * on *; in ml-prod also a service-linked role with it
    const sts = new STSClient({ region: 'us-east-1', endpoint: m.url, credentials: creds });
    for (const acct of [MANAGEMENT, prod, lab, denied, bare]) {
      const c = acct === MANAGEMENT ? creds : (await sts.send(new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${acct}:role/OrganizationAccountAccessRole`, RoleSessionName: 'seed' }))).Credentials!;
      const iam = new IAMClient({ region: 'us-east-1', endpoint: m.url, credentials: 'AccessKeyId' in c ? { accessKeyId: c.AccessKeyId!, secretAccessKey: c.SecretAccessKey!, sessionToken: c.SessionToken } : c });
      const admin = await iam.send(new CreateIamPolicyCommand({ PolicyName: 'Admin', PolicyDocument: doc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] }) }));
      await iam.send(new CreateUserCommand({ UserName: 'admin' }));
      await iam.send(new AttachUserPolicyCommand({ UserName: 'admin', PolicyArn: admin.Policy!.Arn! }));
      if (acct === prod) {
        const slr = await iam.send(new CreateServiceLinkedRoleCommand({ AWSServiceName: 'sagemaker.amazonaws.com' }));
        await iam.send(new AttachRolePolicyCommand({ RoleName: slr.Role!.RoleName!, PolicyArn: admin.Policy!.Arn! }));
      }
      iam.destroy();
    }
    sts.destroy();

    const dir = tmpDir();
    const cfg = writeConfig(dir, `sources:\n  aws:\n    - name: org\n      regions: [us-east-1]\n      organization:\n        roleName: OrganizationAccountAccessRole\ncollectors: [aws-iam]\nconcurrency: 4\n`);
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(front.url) });
    code = r.code;
    stderr = r.stderr;
    bundle = JSON.parse(r.stdout || '{}').bundle ?? '';
  }, 240_000);
  afterAll(async () => {
    front?.server.close();
    await m?.stop();
  });

  it('records each member account\'s OU path, root first, with the SCPs and their content at each level', () => {
    expect(bundle, stderr).not.toBe('');
    const e = art(prod, 'service-control-policies.json');
    expect(e.status).toBe('applied');
    expect(e.managementAccount).toBe(MANAGEMENT);
    expect(e.levels.map((l: { id: string; type: string }) => `${l.type} ${l.id}`)).toEqual([`ROOT ${rootId}`, `ORGANIZATIONAL_UNIT ${mlOu}`, `ORGANIZATIONAL_UNIT ${prodOu}`, `ACCOUNT ${prod}`]);
    const names = e.levels.map((l: { policies: { name: string }[] }) => l.policies.map((p) => p.name).sort());
    expect(names).toEqual([['FullAWSAccess'], ['DenyModelDeletion', 'FullAWSAccess'], ['SageMakerOnly'], ['FullAWSAccess']]);
    expect(e.levels[2].policies[0].content.Statement[0]).toMatchObject({ Effect: 'Allow', Action: 'sagemaker:*' });
  });

  it('an SCP Deny on the path removes access, and an OU whose SCPs allow only SageMaker removes the rest', () => {
    const got = actions(prod, ':user/admin');
    expect(got).toContain('sagemaker:CreateModelPackage');
    expect(got).not.toContain('sagemaker:DeleteModelPackage');
    expect(got).not.toContain('iam:PassRole');
    // the deciding statements in order: identity, then the SCP Allow of every level, root first
    const row = rows(prod, ':user/admin').find((r) => r.action === 'sagemaker:CreateModelPackage')!;
    expect(row.decision).toBe('allowed');
    expect(row.via).toEqual([
      `attached policy arn:aws:iam::${prod}:policy/Admin [1]`,
      `SCP p-FullAWSAccess (FullAWSAccess) at root ${rootId} [1]`,
      `SCP p-FullAWSAccess (FullAWSAccess) at ou ${mlOu} [1]`,
      `SCP ${policyIds[1]} (SageMakerOnly) at ou ${prodOu} [SageMaker]`,
      `SCP p-FullAWSAccess (FullAWSAccess) at account ${prod} [1]`,
    ]);
    // an account outside the ml OU keeps everything
    expect(actions(lab, ':user/admin')).toEqual(expect.arrayContaining(['sagemaker:DeleteModelPackage', 'iam:PassRole']));
  });

  it('SCPs restrict neither service-linked roles nor the management account', () => {
    const slr = rows(prod, '').filter((r) => r.principal.includes(':role/aws-service-role/'));
    expect(slr.map((r) => r.action)).toEqual(expect.arrayContaining(['sagemaker:DeleteModelPackage', 'iam:PassRole']));
    expect(art(prod, 'ml-privileges.json').scp.exempt).toEqual([slr[0]!.principal]);
    const mgmt = art(MANAGEMENT, 'service-control-policies.json');
    expect(mgmt).toMatchObject({ status: 'management-account', levels: [] });
    expect(actions(MANAGEMENT, ':user/admin')).toEqual(expect.arrayContaining(['sagemaker:DeleteModelPackage', 'iam:PassRole']));
  });

  it('a level without any SCP is read as SCPs not applying, never as nothing allowed', () => {
    expect(art(bare, 'service-control-policies.json')).toMatchObject({ status: 'not-enabled' });
    expect(actions(bare, ':user/admin')).toEqual(expect.arrayContaining(['sagemaker:DeleteModelPackage', 'iam:PassRole']));
  });

  it('asks once per OU, root and policy for the whole run, whatever the number of accounts', () => {
    const count = (a: string) => front.calls.filter((c) => c.action === a);
    expect(count('DescribeOrganization')).toHaveLength(1);
    const parents = count('ListParents').map((c) => c.body.ChildId);
    expect(new Set(parents).size).toBe(parents.length);
    const listed = count('ListPoliciesForTarget').map((c) => c.body.TargetId);
    expect(new Set(listed).size).toBe(listed.length);
    expect(listed.every((_, i) => count('ListPoliciesForTarget')[i]!.body.Filter === 'SERVICE_CONTROL_POLICY')).toBe(true);
    const described = count('DescribePolicy').map((c) => c.body.PolicyId);
    expect(described.sort()).toEqual(['p-FullAWSAccess', ...policyIds].sort());
  });

  it('a denied ListParents is a gap that makes that account\'s decisions unknown, never "no SCP"', () => {
    expect(code).toBe(3);
    const manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    const c = manifest.collectors.find((x: { scope: { account: string } }) => x.scope.account === denied);
    expect(JSON.stringify(c.error ?? c.gaps ?? c)).toMatch(/organizations:ListParents/);
    const e = art(denied, 'service-control-policies.json');
    expect(e).toMatchObject({ status: 'error', error: { api: 'organizations:ListParents', code: 'AccessDeniedException' } });
    const ml = art(denied, 'ml-privileges.json');
    expect(ml.scp.status).toBe('error');
    expect(ml.rows.length).toBeGreaterThan(0);
    expect(new Set(ml.rows.map((r: Row) => r.decision))).toEqual(new Set(['error']));
    const findings = JSON.parse(readFileSync(path.join(bundle, 'findings.json'), 'utf8'));
    const f = (check: string, acct: string) => findings.find((x: { check: string; scope: { account: string } }) => x.check === check && x.scope.account === acct);
    expect(f('aws-iam.ml-privileges', denied).status).toBe('error');
    expect(f('aws-iam.admin-principals', denied).status).toBe('error');
    expect(f('aws-iam.admin-principals', prod).status).toBe('fail');
  });
});
