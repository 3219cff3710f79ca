// The sandbox's SageMaker service, through the real SDK: what each action answers, paging with
// opaque tokens bound to the query, "no resource policy" as AWS says it, strict parameters, and the
// injected faults in SageMaker's own error shapes.
import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeModelCommand,
  DescribeModelPackageCommand,
  GetModelPackageGroupPolicyCommand,
  ListEndpointsCommand,
  ListModelPackageGroupsCommand,
  ListModelPackagesCommand,
  ListMonitoringSchedulesCommand,
} from '@aws-sdk/client-sagemaker';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startAwsSandbox, type AwsSandbox, type AwsSeed } from '../../../src/sandbox/aws/index.js';
import { rejection, sagemaker } from './helpers.js';

const ACCOUNT = '111122223333';
const R = 'us-east-1';
const seed: AwsSeed = {
  accounts: [
    {
      id: ACCOUNT,
      callerArn: `arn:aws:sts::${ACCOUNT}:assumed-role/auditor/ci`,
      iam: { users: [], groups: [], roles: [], managedPolicies: [], passwordPolicy: null, root: { mfa: true, accessKeys: [] }, samlProviders: [], oidcProviders: [] },
      secrets: {},
      sagemaker: {
        [R]: {
          modelPackageGroups: [
            { name: 'Fraud', created: '2026-01-01T00:00:00Z', policy: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::999988887777:root' }, Action: 'sagemaker:DescribeModelPackage', Resource: '*' }] } },
            { name: 'churn', created: '2026-01-02T00:00:00Z' },
          ],
          modelPackages: Array.from({ length: 25 }, (_, i) => ({
            group: i < 20 ? 'Fraud' : 'churn',
            version: i < 20 ? i + 1 : i - 19,
            approval: i % 2 ? ('Approved' as const) : ('PendingManualApproval' as const),
            created: new Date(Date.parse('2026-02-01T00:00:00Z') + i * 3_600_000).toISOString(),
            createdBy: { iamArn: `arn:aws:sts::${ACCOUNT}:assumed-role/ds/alice`, sourceIdentity: 'alice' },
            ...(i % 2 ? { lastModified: '2026-03-01T00:00:00Z', lastModifiedBy: { userProfile: 'bob', domainId: 'd-1' } } : {}),
            metrics: { ModelQuality: { Statistics: `s3://reports/${i}/quality.json` } },
          })),
          models: [{ name: 'fraud-model', created: '2026-03-02T00:00:00Z', role: `arn:aws:iam::${ACCOUNT}:role/exec`, networkIsolation: true, containers: [{ modelPackage: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/2` }] }],
          endpointConfigs: [{ name: 'fraud-cfg', created: '2026-03-02T00:00:00Z', kmsKeyId: 'key-1', dataCapture: { samplingPercentage: 50, destination: 's3://capture/fraud/' }, variants: [{ name: 'AllTraffic', model: 'fraud-model', instanceType: 'ml.m5.xlarge', instances: 2 }] }],
          endpoints: [{ name: 'fraud', config: 'fraud-cfg', created: '2026-03-03T00:00:00Z', currentInstances: { AllTraffic: 3 } }],
          monitoringSchedules: [
            { name: 'fraud-dq', endpoint: 'fraud', type: 'DataQuality', jobDefinition: 'fraud-dq-def', created: '2026-03-04T00:00:00Z' },
            { name: 'fraud-bias', endpoint: 'fraud', type: 'ModelBias', jobDefinition: 'fraud-bias-def', status: 'Stopped', created: '2026-03-05T00:00:00Z' },
          ],
        },
      },
    },
  ],
};

describe('AWS sandbox: SageMaker', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed });
  });
  afterAll(async () => {
    await sb.close();
  });
  beforeEach(() => sb.reset());

  it('lists groups and answers a policy, or AWS’s ValidationException when there is none', async () => {
    const c = sagemaker(sb.url);
    const g = await c.send(new ListModelPackageGroupsCommand({}));
    expect(g.ModelPackageGroupSummaryList!.map((x) => [x.ModelPackageGroupName, x.ModelPackageGroupArn])).toEqual([
      ['Fraud', `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package-group/fraud`],
      ['churn', `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package-group/churn`],
    ]);
    expect(g.ModelPackageGroupSummaryList![0]!.CreationTime).toEqual(new Date('2026-01-01T00:00:00Z'));
    expect(JSON.parse((await c.send(new GetModelPackageGroupPolicyCommand({ ModelPackageGroupName: 'Fraud' }))).ResourcePolicy!).Statement[0].Principal.AWS).toBe('arn:aws:iam::999988887777:root');
    const none = await rejection(c.send(new GetModelPackageGroupPolicyCommand({ ModelPackageGroupName: 'churn' })));
    expect(none.name).toBe('ValidationException');
    expect(none.message).toBe(`Cannot find resource policy for arn:aws:sagemaker:${R}:${ACCOUNT}:model-package-group/churn.`);
    const missing = await rejection(c.send(new GetModelPackageGroupPolicyCommand({ ModelPackageGroupName: 'nope' })));
    expect(missing.message).toContain('does not exist');
    c.destroy();
  });

  it('pages ListModelPackages (default 10, Unversioned unless asked) with tokens bound to the query', async () => {
    const c = sagemaker(sb.url);
    expect((await c.send(new ListModelPackagesCommand({}))).ModelPackageSummaryList).toEqual([]);
    const first = await c.send(new ListModelPackagesCommand({ ModelPackageType: 'Versioned' }));
    expect(first.ModelPackageSummaryList).toHaveLength(10);
    expect(first.ModelPackageSummaryList![1]).toMatchObject({ ModelPackageGroupName: 'Fraud', ModelPackageVersion: 2, ModelApprovalStatus: 'Approved', ModelPackageArn: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/2` });
    const all = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const p = await c.send(new ListModelPackagesCommand({ ModelPackageType: 'Versioned', MaxResults: 100, NextToken: token }));
      all.push(...p.ModelPackageSummaryList!);
      token = p.NextToken;
      pages++;
    } while (token);
    expect([all.length, pages]).toEqual([25, 1]);
    // a token of another query is refused
    const bad = await rejection(c.send(new ListModelPackagesCommand({ ModelPackageType: 'Versioned', ModelApprovalStatus: 'Approved', NextToken: first.NextToken })));
    expect(bad.name).toBe('ValidationException');
    const tooMany = await rejection(c.send(new ListModelPackagesCommand({ MaxResults: 101 })));
    expect(tooMany.message).toContain("at 'maxResults'");
    expect((await c.send(new ListModelPackagesCommand({ ModelPackageGroupName: 'churn' }))).ModelPackageSummaryList!.map((p) => p.ModelPackageVersion)).toEqual([1, 2, 3, 4, 5]);
    c.destroy();
  });

  it('describes a package with its approval, creator, last modifier and metrics; never-updated packages have no LastModified*', async () => {
    const c = sagemaker(sb.url);
    const d = await c.send(new DescribeModelPackageCommand({ ModelPackageName: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/2` }));
    expect(d).toMatchObject({
      ModelApprovalStatus: 'Approved',
      CreatedBy: { IamIdentity: { Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ds/alice`, SourceIdentity: 'alice' } },
      LastModifiedBy: { UserProfileName: 'bob', DomainId: 'd-1', UserProfileArn: `arn:aws:sagemaker:${R}:${ACCOUNT}:user-profile/d-1/bob` },
      LastModifiedTime: new Date('2026-03-01T00:00:00Z'),
      ModelMetrics: { ModelQuality: { Statistics: { S3Uri: 's3://reports/1/quality.json' } } },
    });
    const p = await c.send(new DescribeModelPackageCommand({ ModelPackageName: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/1` }));
    expect(p.LastModifiedTime).toBeUndefined();
    expect(p.LastModifiedBy).toBeUndefined();
    c.destroy();
  });

  it('describes endpoints, configs and models, and lists monitoring schedules', async () => {
    const c = sagemaker(sb.url);
    expect((await c.send(new ListEndpointsCommand({}))).Endpoints!.map((e) => [e.EndpointName, e.EndpointStatus])).toEqual([['fraud', 'InService']]);
    const e = await c.send(new DescribeEndpointCommand({ EndpointName: 'fraud' }));
    expect(e).toMatchObject({ EndpointConfigName: 'fraud-cfg', ProductionVariants: [{ VariantName: 'AllTraffic', CurrentInstanceCount: 3 }], DataCaptureConfig: { EnableCapture: true, CurrentSamplingPercentage: 50 } });
    const cfg = await c.send(new DescribeEndpointConfigCommand({ EndpointConfigName: 'fraud-cfg' }));
    expect(cfg).toMatchObject({ KmsKeyId: 'key-1', ProductionVariants: [{ ModelName: 'fraud-model', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 2 }], DataCaptureConfig: { CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }] } });
    expect(await c.send(new DescribeModelCommand({ ModelName: 'fraud-model' }))).toMatchObject({ EnableNetworkIsolation: true, PrimaryContainer: { ModelPackageName: `arn:aws:sagemaker:${R}:${ACCOUNT}:model-package/fraud/2` } });
    expect((await rejection(c.send(new DescribeEndpointCommand({ EndpointName: 'gone' })))).message).toBe(`Could not find endpoint "arn:aws:sagemaker:${R}:${ACCOUNT}:endpoint/gone".`);
    const s = await c.send(new ListMonitoringSchedulesCommand({}));
    // newest first by default
    expect(s.MonitoringScheduleSummaries!.map((x) => [x.MonitoringScheduleName, x.MonitoringType, x.MonitoringScheduleStatus, x.EndpointName])).toEqual([
      ['fraud-bias', 'ModelBias', 'Stopped', 'fraud'],
      ['fraud-dq', 'DataQuality', 'Scheduled', 'fraud'],
    ]);
    expect((await c.send(new ListMonitoringSchedulesCommand({ StatusEquals: 'Scheduled' }))).MonitoringScheduleSummaries).toHaveLength(1);
    // another region has none
    const eu = sagemaker(sb.url, 'eu-west-1');
    expect((await eu.send(new ListEndpointsCommand({}))).Endpoints).toEqual([]);
    eu.destroy();
    c.destroy();
  });

  it('answers injected denials and throttling in SageMaker’s JSON error shape', async () => {
    const c = sagemaker(sb.url, R, undefined, 1);
    sb.faults.add({ service: 'sagemaker', action: 'ListMonitoringSchedules', kind: 'deny', times: 1 });
    const denied = await rejection(c.send(new ListMonitoringSchedulesCommand({})));
    expect(denied.name).toBe('AccessDeniedException');
    expect(denied.message).toContain('sagemaker:ListMonitoringSchedules');
    sb.faults.add({ service: 'sagemaker', action: 'ListEndpoints', kind: 'throttle', times: 1 });
    expect((await rejection(c.send(new ListEndpointsCommand({})))).name).toBe('ThrottlingException');
    expect(sb.requests.map((q) => `${q.service}:${q.action} ${q.status}`)).toEqual(['sagemaker:ListMonitoringSchedules 400', 'sagemaker:ListEndpoints 400']);
    c.destroy();
  });
});
