// aws-iam against moto, an independent AWS implementation, seeded through the real SDK.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  CreateLoginProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  CreateVirtualMFADeviceCommand,
  EnableMFADeviceCommand,
  IAMClient,
  PutUserPolicyCommand,
  CreateGroupCommand,
  AddUserToGroupCommand,
} from '@aws-sdk/client-iam';
import { CreateBucketCommand, PutBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const doc = (o: unknown) => JSON.stringify(o);
const ADMIN = doc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });
const READ = doc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: 'arn:aws:s3:::training-data/*' }] });

describe.skipIf(!moto.ok)('aws-iam against moto', () => {
  let m: Moto;
  let dir: string;
  let result: Awaited<ReturnType<typeof runCli>>;
  let bundle: string;

  beforeAll(async () => {
    m = await startMoto();
    const iam = new IAMClient({ region: 'us-east-1', endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    // alice: console user with MFA; bob: console user without MFA; carol: admin via attached policy;
    // dave: inline policy; erin: admin via group; role ext-auditor trusted by another account.
    for (const u of ['alice', 'bob', 'carol', 'dave', 'erin']) await iam.send(new CreateUserCommand({ UserName: u }));
    for (const u of ['alice', 'bob']) await iam.send(new CreateLoginProfileCommand({ UserName: u, Password: 'Correct-Horse-1!' }));
    const mfa = await iam.send(new CreateVirtualMFADeviceCommand({ VirtualMFADeviceName: 'alice-mfa' }));
    await iam.send(new EnableMFADeviceCommand({ UserName: 'alice', SerialNumber: mfa.VirtualMFADevice!.SerialNumber!, AuthenticationCode1: '123456', AuthenticationCode2: '654321' }));
    const admin = await iam.send(new CreatePolicyCommand({ PolicyName: 'AdminAccess', PolicyDocument: ADMIN }));
    await iam.send(new CreatePolicyCommand({ PolicyName: 'TrainingRead', PolicyDocument: READ }));
    await iam.send(new AttachUserPolicyCommand({ UserName: 'carol', PolicyArn: admin.Policy!.Arn! }));
    await iam.send(new PutUserPolicyCommand({ UserName: 'dave', PolicyName: 'dave-inline', PolicyDocument: READ }));
    await iam.send(new CreateGroupCommand({ GroupName: 'platform-admins' }));
    await iam.send(new AddUserToGroupCommand({ GroupName: 'platform-admins', UserName: 'erin' }));
    const { PutGroupPolicyCommand } = await import('@aws-sdk/client-iam');
    await iam.send(new PutGroupPolicyCommand({ GroupName: 'platform-admins', PolicyName: 'all', PolicyDocument: ADMIN }));
    await iam.send(new CreateAccessKeyCommand({ UserName: 'dave' }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'ext-auditor',
        AssumeRolePolicyDocument: doc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'sagemaker-exec',
        AssumeRolePolicyDocument: doc({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'sagemaker.amazonaws.com' }, Action: 'sts:AssumeRole' }] }),
      }),
    );
    iam.destroy();
    // the training bucket's policy lets sagemaker-exec write (no identity policy does) and anyone write under public/
    const s3 = new S3Client({ region: 'us-east-1', endpoint: m.url, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    await s3.send(new CreateBucketCommand({ Bucket: 'training-data' }));
    await s3.send(new CreateBucketCommand({ Bucket: 'features' }));
    const exec = 'arn:aws:iam::123456789012:role/sagemaker-exec';
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: 'training-data',
        Policy: doc({ Version: '2012-10-17', Statement: [{ Sid: 'ExecWrites', Effect: 'Allow', Principal: { AWS: exec }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::training-data/*' }, { Sid: 'OtherAccount', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::training-data/*' }] }),
      }),
    );
    s3.destroy();

    dir = tmpDir();
    // the collectors moto serves completely (the SageMaker ones need calls moto lacks)
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n      trainingDataBuckets: [training-data, features]\ncollectors: [aws-iam, aws-secrets-manager]\nsettings:\n  aws-iam:\n    readTrainingBucketPolicies: true\n');
    result = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(m.url) });
    bundle = JSON.parse(result.stdout).bundle;
  });
  afterAll(async () => {
    await m?.stop();
  });

  const findings = () => JSON.parse(readFileSync(path.join(bundle, 'findings.json'), 'utf8')) as { check: string; status: string; exceptions: { resource: string }[] }[];
  const finding = (id: string) => findings().find((f) => f.check === id)!;
  const names = (id: string) => finding(id).exceptions.map((e) => e.resource.split('/').pop()!.replace(/ \(.*\)$/, '')).sort();

  it('writes a complete bundle and exits 0', () => {
    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ status: 'complete', findings: expect.any(Object) });
  });

  it('records every principal in the authorization details', () => {
    const lines = readFileSync(path.join(bundle, 'artifacts/main/aws-iam/authorization-details.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const users = lines.filter((l) => l.type === 'user').map((l) => l.UserName).sort();
    const roles = lines.filter((l) => l.type === 'role').map((l) => l.RoleName).sort();
    expect(users).toEqual(['alice', 'bob', 'carol', 'dave', 'erin']);
    expect(roles).toEqual(expect.arrayContaining(['ext-auditor', 'sagemaker-exec']));
    expect(lines.filter((l) => l.type === 'group').map((l) => l.GroupName)).toEqual(['platform-admins']);
    // moto sends trust policies raw and other documents encoded: both arrive as objects
    expect(lines.find((l) => l.RoleName === 'ext-auditor').AssumeRolePolicyDocument.Statement[0].Principal.AWS).toBe('arn:aws:iam::999988887777:root');
    expect(lines.find((l) => l.UserName === 'dave').UserPolicyList[0].PolicyDocument.Statement[0].Action).toEqual(['s3:GetObject']);
  });

  it('flags exactly the seeded problems', () => {
    expect(names('aws-iam.console-users-mfa')).toEqual(['bob']);
    expect(names('aws-iam.admin-principals')).toEqual(['carol', 'erin', 'platform-admins']);
    expect(names('aws-iam.user-inline-policies')).toEqual(['dave']);
    expect(names('aws-iam.external-trust')).toEqual(['ext-auditor']);
    // admins can do everything, including every sensitive ML action
    // and the training bucket's policy grants sagemaker-exec and another account (a bucket without a policy grants nothing)
    expect(names('aws-iam.ml-privileges')).toEqual(['999988887777', 'carol', 'erin', 'sagemaker-exec']);
    // for the access review: each asset, its actions and the deciding statement; principals per asset
    const ml = finding('aws-iam.ml-privileges') as unknown as { summary: string; exceptions: { resource: string; reason: string }[] };
    const erin = ml.exceptions.find((e) => e.resource.endsWith(':user/erin'))!;
    expect(erin.reason).toMatch(/^allowed: sagemaker model-package: CreateModelPackage \(via group platform-admins: inline policy all \[1\]\), UpdateModelPackage/);
    expect(erin.reason).toContain('sagemaker endpoint + endpoint-config: CreateEndpoint (via group platform-admins: inline policy all [1])');
    expect(erin.reason).toContain('iam role: PassRole (via group platform-admins: inline policy all [1])');
    expect(ml.summary).toMatch(/principals per asset: sagemaker model-package 2, .*iam role 2, s3 bucket training-data 4, s3 bucket features 2/);
    expect(ml.exceptions.find((e) => e.resource.endsWith('role/sagemaker-exec'))!.reason).toBe('allowed: s3 bucket training-data: PutObject (via bucket policy training-data [ExecWrites])');
    expect(ml.exceptions.find((e) => e.resource === '999988887777')!.reason).toBe('conditionally allowed: s3 bucket training-data: PutObject conditionally (via bucket policy training-data [OtherAccount])');
    expect(finding('aws-iam.external-trust').exceptions[0]!.resource).toContain('ext-auditor');
    expect(finding('aws-iam.password-policy').status).toBe('fail');
    expect(finding('aws-iam.access-key-age').status).toBe('pass');
  });

  it('writes a bundle that verifies', async () => {
    const v = await runCli(['verify', path.dirname(bundle)]);
    expect(v.code, v.stdout).toBe(0);
  });
});
