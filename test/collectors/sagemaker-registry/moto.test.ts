// sagemaker-registry against moto, seeded through the real SDK: groups, packages of every approval
// status, an approval between two collections. Runs the real CLI twice and asserts the records, the
// calls, the findings and the promotion log. What moto 5.2.1 lacks is asserted as such:
// GetModelPackageGroupPolicy is not implemented (a 500 HTML page: a gap per group, never "no policy"),
// and LastModifiedBy is always moto's fake creator (so separation of duties fails on moto).
import {
  CreateModelPackageCommand,
  CreateModelPackageGroupCommand,
  SageMakerClient,
  UpdateModelPackageCommand,
  type CreateModelPackageCommandInput,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';

const moto = motoAvailable();
const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const DIR = `sagemaker-registry/${REGION}`;
const spec = { Containers: [{ Image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/fraud:1', ModelDataUrl: 's3://models/fraud/model.tar.gz' }], SupportedContentTypes: ['text/csv'], SupportedResponseMIMETypes: ['text/csv'] };
const metrics = {
  ModelQuality: { Statistics: { ContentType: 'application/json', S3Uri: 's3://reports/fraud/quality.json' } },
  Bias: { Report: { ContentType: 'application/json', S3Uri: 's3://reports/fraud/bias.json' } },
};
const env = (m: Moto) => awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' });

describe.skipIf(!moto.ok)('sagemaker-registry against moto', () => {
  let m: Moto;
  let sm: SageMakerClient;
  let config: string;
  let first: CollectedBundle;
  let second: CollectedBundle;
  const arn: Record<string, string> = {};

  const create = async (key: string, input: Omit<CreateModelPackageCommandInput, 'InferenceSpecification'>) => {
    arn[key] = (await sm.send(new CreateModelPackageCommand({ InferenceSpecification: spec, ...input }))).ModelPackageArn!;
  };

  beforeAll(async () => {
    m = await startMoto();
    sm = new SageMakerClient({ region: REGION, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    for (const g of ['fraud', 'churn', 'ranker']) await sm.send(new CreateModelPackageGroupCommand({ ModelPackageGroupName: g, ModelPackageGroupDescription: `${g} models` }));
    // fraud v1: registered pending with metrics, then approved; v2: registered already Approved, no metrics
    await create('fraud1', { ModelPackageGroupName: 'fraud', ModelApprovalStatus: 'PendingManualApproval', ModelMetrics: metrics, CustomerMetadataProperties: { team: 'risk', api_token: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' } });
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn.fraud1, ModelApprovalStatus: 'Approved', ApprovalDescription: 'reviewed by risk committee' }));
    await create('fraud2', { ModelPackageGroupName: 'fraud', ModelApprovalStatus: 'Approved' });
    // churn v1 awaits approval (approved between the two collections); ranker v1 was rejected
    await create('churn1', { ModelPackageGroupName: 'churn', ModelApprovalStatus: 'PendingManualApproval', ModelMetrics: { ModelQuality: metrics.ModelQuality } });
    await create('ranker1', { ModelPackageGroupName: 'ranker', ModelApprovalStatus: 'PendingManualApproval' });
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn.ranker1, ModelApprovalStatus: 'Rejected' }));

    config = writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\ncollectors: [sagemaker-registry]\nevidence:\n  dir: evidence\n`);
    first = await collectBundle(config, env(m), 'main');
    await sm.send(new UpdateModelPackageCommand({ ModelPackageArn: arn.churn1, ModelApprovalStatus: 'Approved' }));
    second = await collectBundle(config, env(m), 'main');
  }, 120_000);
  afterAll(async () => {
    sm?.destroy();
    await m?.stop();
  });

  const finding = (b: CollectedBundle, id: string) => b.findings.find((f) => f.check === `sagemaker-registry.${id}`)!;

  it('records every package of every approval status, described', () => {
    const pk = first.ndjson(`${DIR}/model-packages.ndjson`);
    expect(pk.map((r) => `${r.ModelPackageGroupName} ${r.ModelPackageVersion} ${r.ModelApprovalStatus}`).sort()).toEqual(['churn 1 PendingManualApproval', 'fraud 1 Approved', 'fraud 2 Approved', 'ranker 1 Rejected']);
    const f1 = pk.find((r) => r.ModelPackageArn === arn.fraud1);
    expect(f1).toMatchObject({
      ApprovalDescription: 'reviewed by risk committee',
      ModelMetrics: { ModelQuality: { Statistics: 's3://reports/fraud/quality.json' }, Bias: { Report: 's3://reports/fraud/bias.json' } },
      containers: [{ Image: spec.Containers[0]!.Image, ModelDataUrl: 's3://models/fraud/model.tar.gz' }],
      CreatedBy: { UserProfileName: 'fake-user-profile-name' },
      LastModifiedTime: expect.any(String),
    });
    // moto drops CustomerMetadataProperties on UpdateModelPackage when they are not resent: v1 has none left
    expect(f1.CustomerMetadataProperties).toEqual({});
    expect(pk.find((r) => r.ModelPackageArn === arn.fraud2)).toMatchObject({ LastModifiedTime: null, LastModifiedBy: null });
    expect(first.provenance(`${DIR}/model-packages.ndjson`)).toMatchObject({
      complete: true,
      operations: [
        { api: 'sagemaker:ListModelPackages', params: { ModelPackageType: 'Versioned', MaxResults: 100 }, pages: 1, calls: 1 },
        { api: 'sagemaker:DescribeModelPackage', pages: 4, calls: 4 },
      ],
    });
  });

  it('records moto’s missing GetModelPackageGroupPolicy as a gap per group, never as "no policy", and exits 3', () => {
    expect(first.code, first.stderr).toBe(3);
    const groups = first.ndjson(`${DIR}/model-package-groups.ndjson`);
    expect(groups.map((g) => g.ModelPackageGroupName).sort()).toEqual(['churn', 'fraud', 'ranker']);
    for (const g of groups) expect(g.resourcePolicy).toEqual({ error: expect.any(String) });
    const entry = first.manifest.collectors.find((c: any) => c.id === 'sagemaker-registry');
    expect(entry.gaps.map((g: any) => g.api).sort()).toEqual(['churn', 'fraud', 'ranker'].map((g) => `sagemaker:GetModelPackageGroupPolicy ${g}`));
    // 1 group page + 3 policies + 1 package page + 4 describes, no retries (AWS_MAX_ATTEMPTS=1)
    expect(entry.apiCalls).toBe(9);
  });

  it('judges approval, validation evidence and separation of duties from the packages', () => {
    const approval = finding(first, 'approval-required');
    expect(approval.status).toBe('fail');
    expect(approval.exceptions).toEqual([{ resource: arn.fraud2, reason: expect.stringContaining('fraud v2 was registered already Approved') }]);
    const validation = finding(first, 'validation-evidence');
    expect(validation.status).toBe('fail');
    expect(validation.exceptions).toEqual([{ resource: arn.fraud2, reason: 'fraud v2 is Approved without ModelQuality, Bias metrics (ModelMetrics has nothing)' }]);
    const sod = finding(first, 'separation-of-duties');
    expect(sod.exceptions.map((e: any) => e.resource).sort()).toEqual([arn.fraud1, arn.fraud2].sort());
    // moto writes the creator as LastModifiedBy on every update
    expect(sod.exceptions.find((e: any) => e.resource === arn.fraud1).reason).toContain('created and approved by the same identity, arn:aws:sagemaker:us-east-1:123456789012:user-profile/fake-domain-id/fake-user-profile-name');
    expect(finding(first, 'deployed-approved')).toMatchObject({ status: 'not_applicable', summary: expect.stringContaining('sagemaker-endpoints did not run') });
  });

  it('redacts credentials in customer metadata', () => {
    const churn = second.ndjson(`${DIR}/model-packages.ndjson`).find((r) => r.ModelPackageArn === arn.churn1);
    expect(churn.ModelApprovalStatus).toBe('Approved');
    expect(JSON.stringify(first.ndjson(`${DIR}/model-packages.ndjson`))).not.toContain('ghp_');
  });

  it('starts the promotion log with a baseline and then logs the approval with its actor', () => {
    expect(first.json(`${DIR}/promotions.json`)).toMatchObject({ baseline: true, events: [] });
    const log = second.json(`${DIR}/promotions.json`);
    expect(log).toMatchObject({ baseline: false, previousBundle: first.manifest.id });
    expect(log.events).toHaveLength(1);
    expect(log.events[0]).toMatchObject({
      type: 'stage_changed',
      model: 'churn',
      version: '1',
      from: 'PendingManualApproval',
      to: 'Approved',
      toProduction: true,
      actor: { user: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:user-profile/fake-domain-id/fake-user-profile-name`, source: 'LastModifiedBy' },
      approval: { approved: true, approver: `arn:aws:sagemaker:us-east-1:${ACCOUNT}:user-profile/fake-domain-id/fake-user-profile-name` },
    });
    expect(second.provenance(`${DIR}/promotions.json`).notes).toMatchObject({ toProduction: 1, toProductionWithoutApproval: 0 });
  });
});
