// Model package group policies reach ml-privileges from sagemaker-registry's artifact of the same bundle
// (aws-iam makes no SageMaker call): a grant to another account is external access to that group, an
// unreadable policy makes the check error, and without sagemaker-registry the notes say so.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { collectSageMaker, sagemakerSeed, SM_ACCOUNT, SM_REGION } from '../../helpers/sagemaker-seed.js';

const OTHER = '999988887777';
const GROUP = `arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:model-package-group/fraud`;

describe('aws-iam: model package group policies (AWS sandbox, with sagemaker-registry)', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    const seed = sagemakerSeed();
    const region = seed.accounts[0]!.sagemaker![SM_REGION]!;
    const fraud = region.modelPackageGroups!.find((g) => g.name === 'fraud')!;
    // the registry shared with a deployment account: it may register and approve versions of `fraud`
    fraud.policy = {
      Version: '2012-10-17',
      Statement: [
        { Sid: 'Read', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: 'sagemaker:DescribeModelPackage', Resource: '*' },
        { Sid: 'Release', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:role/release` }, Action: ['sagemaker:CreateModelPackage', 'sagemaker:UpdateModelPackage'], Resource: `arn:aws:sagemaker:${SM_REGION}:${SM_ACCOUNT}:model-package/fraud/*` },
      ],
    };
    sb = await startAwsSandbox({ seed });
  });
  afterAll(async () => sb?.close());
  beforeEach(() => sb.reset());

  it('a grant to another account\'s principal is a row of external access to the group, with the deciding statement', async () => {
    const b = await collectSageMaker(sb, ['sagemaker-registry', 'aws-iam']);
    expect(b.code, b.stderr).toBe(0);
    const ml = b.json('aws-iam/ml-privileges.json');
    const external = ml.rows.filter((r: { type: string }) => r.type === 'external');
    expect(external.map((r: { principal: string; action: string; resource: string; decision: string }) => `${r.principal} ${r.action} ${r.resource} ${r.decision}`).sort()).toEqual([
      `arn:aws:iam::${OTHER}:role/release sagemaker:CreateModelPackage ${GROUP} conditional`,
      `arn:aws:iam::${OTHER}:role/release sagemaker:UpdateModelPackage ${GROUP} conditional`,
    ]);
    expect(external[0].via).toEqual(['model package group policy fraud [Release]']);
    expect(ml.assets).toContainEqual({ asset: 'sagemaker model-package-group fraud', principals: 1, allowed: 0, conditional: 1, unknown: 0 });
    expect(b.provenance('aws-iam/ml-privileges.json').notes.derivedFrom).toContain('aws.sagemaker.model-package-groups');
    // aws-iam itself asked SageMaker nothing: GetModelPackageGroupPolicy once per group, all by sagemaker-registry
    expect(b.manifest.collectors.find((c: { id: string }) => c.id === 'aws-iam').apiCalls).toBeLessThan(15);
    const f = b.findings.find((x) => x.check === 'aws-iam.ml-privileges');
    expect(f.status).toBe('fail');
    expect(f.exceptions.map((e: { resource: string }) => e.resource)).toContain(`arn:aws:iam::${OTHER}:role/release`);
  });

  it('an unreadable group policy makes ml-privileges error, naming the group', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'GetModelPackageGroupPolicy', kind: 'deny' });
    const b = await collectSageMaker(sb, ['sagemaker-registry', 'aws-iam']);
    const ml = b.json('aws-iam/ml-privileges.json');
    expect(ml.unreadGroupPolicies).toContain(GROUP);
    const f = b.findings.find((x) => x.check === 'aws-iam.ml-privileges');
    expect(f.status).toBe('error');
  });

  it('without sagemaker-registry in the run the notes say the group policies were not evaluated', async () => {
    const b = await collectSageMaker(sb, ['aws-iam']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.json('aws-iam/ml-privileges.json').notes).toContainEqual(expect.stringMatching(/^model package group policies not evaluated: sagemaker-registry did not run/));
  });
});
