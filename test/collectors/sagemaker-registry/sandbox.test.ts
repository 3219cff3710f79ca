// sagemaker-registry against the AWS sandbox through the real CLI: paging over 120 groups and 250
// packages with exactly the minimum calls, policies present and absent, IAM identities with a
// separate approver, the promotion log with its actor, and denials and throttling as gaps or retries.
import { beforeEach, describe, expect, it } from 'vitest';
import collectors from '../../../collectors/sagemaker-registry/index.js';
import type { AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { GROUPS, PACKAGES, SM_REGION, collectSageMaker, pkgArn, useSageMakerSandbox, user } from '../../helpers/sagemaker-seed.js';

const DIR = `sagemaker-registry/${SM_REGION}`;
const READ_ONLY = /^(List|Describe|Get)/;

describe('sagemaker-registry against the AWS sandbox', () => {
  const sandbox = useSageMakerSandbox();
  let sb: AwsSandbox;
  beforeEach(() => {
    sb = sandbox();
  });
  const collect = (dir?: string) => collectSageMaker(sb, ['sagemaker-registry'], { ...(dir ? { dir } : {}) });
  const finding = (b: Awaited<ReturnType<typeof collect>>, id: string) => b.findings.find((f) => f.check === `sagemaker-registry.${id}`)!;
  const sm = () => sb.requests.filter((q) => q.service === 'sagemaker');

  it('pages every group and package with the minimum calls, only declared read actions', async () => {
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/model-package-groups.ndjson`)).toHaveLength(GROUPS);
    const packages = b.ndjson(`${DIR}/model-packages.ndjson`);
    expect(packages).toHaveLength(PACKAGES);
    expect(new Set(packages.map((p) => p.ModelPackageArn)).size).toBe(PACKAGES);
    const count = (a: string) => sm().filter((q) => q.action === a).length;
    // ⌈120/100⌉ + 120 + ⌈250/100⌉ + 250
    expect([count('ListModelPackageGroups'), count('GetModelPackageGroupPolicy'), count('ListModelPackages'), count('DescribeModelPackage')]).toEqual([2, GROUPS, 3, PACKAGES]);
    expect(b.manifest.collectors[0].apiCalls).toBe(2 + GROUPS + 3 + PACKAGES);
    for (const q of sm().filter((q) => q.action === 'ListModelPackages')) expect(q.params).toMatchObject({ ModelPackageType: 'Versioned', MaxResults: 100 });
    const declared = new Set(collectors.meta.permissions);
    for (const q of sm()) {
      expect(q.action).toMatch(READ_ONLY);
      expect(declared.has(`sagemaker:${q.action}`), q.action).toBe(true);
    }
  });

  it('keeps a group without a policy as null, a policy as the parsed document', async () => {
    const b = await collect();
    const groups = Object.fromEntries(b.ndjson(`${DIR}/model-package-groups.ndjson`).map((g) => [g.ModelPackageGroupName, g]));
    expect(groups.fraud.resourcePolicy.Statement[0].Principal.AWS).toBe('arn:aws:iam::999988887777:root');
    expect(groups.churn.resourcePolicy).toBeNull();
    expect(b.manifest.collectors[0].gaps).toEqual([]);
  });

  it('a policy answer that is not a JSON document is a gap naming the group, never a silent "unreadable" record', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'GetModelPackageGroupPolicy', kind: 'rewrite', body: (body) => (body.includes('ResourcePolicy') ? JSON.stringify({ ResourcePolicy: 'not a policy' }) : body) });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.manifest.collectors[0].gaps).toContainEqual({ api: 'sagemaker:GetModelPackageGroupPolicy fraud', code: 'UnparseablePolicy', message: 'the answer is not a JSON policy document' });
    const groups = Object.fromEntries(b.ndjson(`${DIR}/model-package-groups.ndjson`).map((g) => [g.ModelPackageGroupName, g]));
    expect(groups.fraud.resourcePolicy).toEqual({ error: 'UnparseablePolicy' });
    expect(groups.churn.resourcePolicy).toBeNull();
  });

  it('judges the known packages: created Approved, same approver, missing metrics', async () => {
    const b = await collect();
    expect(finding(b, 'approval-required').exceptions).toEqual([{ resource: pkgArn('fraud', 4), reason: expect.stringContaining('fraud v4 was registered already Approved') }]);
    const sod = finding(b, 'separation-of-duties').exceptions;
    expect(sod.map((e: any) => e.resource).sort()).toEqual([pkgArn('fraud', 2), pkgArn('fraud', 4)].sort());
    expect(sod.find((e: any) => e.resource === pkgArn('fraud', 2)).reason).toBe('fraud v2 was created and approved by the same identity, alice');
    expect(sod.find((e: any) => e.resource === pkgArn('fraud', 4)).reason).toBe('fraud v4 was registered already Approved by alice: nobody else approved it');
    expect(finding(b, 'validation-evidence').exceptions.map((e: any) => e.resource)).toEqual([pkgArn('fraud', 4)]);
    const v1 = b.ndjson(`${DIR}/model-packages.ndjson`).find((p) => p.ModelPackageArn === pkgArn('fraud', 1));
    expect(v1).toMatchObject({ CreatedBy: { IamIdentity: { SourceIdentity: 'alice' } }, LastModifiedBy: { IamIdentity: { SourceIdentity: 'bob' } }, ModelMetrics: { ModelQuality: { Statistics: 's3://reports/quality.json' }, Bias: { Report: 's3://reports/bias.json' } } });
  });

  it('logs an approval between two collections with the approver as actor', async () => {
    const dir = tmpDir();
    const first = await collect(dir);
    const churn = sb.state.accounts[0]!.sagemaker![SM_REGION]!.modelPackages!.find((p) => p.group === 'churn')!;
    Object.assign(churn, { approval: 'Approved', lastModified: new Date().toISOString(), lastModifiedBy: user('erin') });
    const second = await collect(dir);
    const log = second.json(`${DIR}/promotions.json`);
    expect(log.previousBundle).toBe(first.manifest.id);
    expect(log.events).toEqual([
      expect.objectContaining({ type: 'stage_changed', model: 'churn', version: '1', from: 'PendingManualApproval', to: 'Approved', toProduction: true, actor: { user: 'erin', source: 'LastModifiedBy' }, approval: expect.objectContaining({ approved: true, approver: 'erin' }) }),
    ]);
  });

  it('records denied policy reads as gaps (25 named, the rest summed), exits 3, and still judges the packages', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'GetModelPackageGroupPolicy', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    const gaps = b.manifest.collectors[0].gaps;
    expect(gaps).toHaveLength(26);
    expect(gaps[0]).toMatchObject({ api: expect.stringMatching(/^sagemaker:GetModelPackageGroupPolicy /), code: 'AccessDeniedException' });
    expect(gaps[25]).toMatchObject({ api: 'sagemaker:GetModelPackageGroupPolicy', message: expect.stringContaining(`${GROUPS - 25} more items failed the same way`) });
    for (const g of b.ndjson(`${DIR}/model-package-groups.ndjson`)) expect(g.resourcePolicy).toEqual({ error: 'AccessDeniedException' });
    expect(finding(b, 'approval-required').status).toBe('fail');
  });

  it('a listing denied midway leaves the packages incomplete, the promotion log incomplete and the checks in error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'ListModelPackages', kind: 'deny', after: 1 });
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.provenance(`${DIR}/model-packages.ndjson`)).toMatchObject({ complete: false, notes: { stoppedAfterPages: 1 } });
    expect(b.provenance(`${DIR}/promotions.json`).complete).toBe(false);
    for (const id of ['approval-required', 'validation-evidence', 'separation-of-duties']) expect(finding(b, id).status).toBe('error');
  });

  it('retries throttled describes and still collects everything', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeModelPackage', kind: 'throttle', times: 3 });
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/model-packages.ndjson`).filter((p) => p.error)).toEqual([]);
    expect(b.manifest.collectors[0].retries).toBe(3);
  });

  it('a failed describe keeps the package, marked, and makes the checks that need it say error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeModelPackage', kind: 'error500', after: 0, times: 1000 });
    const b = await collect();
    expect(b.code).toBe(3);
    const pk = b.ndjson(`${DIR}/model-packages.ndjson`);
    expect(pk).toHaveLength(PACKAGES);
    expect(pk.every((p) => p.error === 'InternalFailure' && p.ModelApprovalStatus)).toBe(true);
    expect(finding(b, 'separation-of-duties').status).toBe('error');
  }, 60_000);
});
