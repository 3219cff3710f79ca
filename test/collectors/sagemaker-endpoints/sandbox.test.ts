// sagemaker-endpoints (with sagemaker-registry for the join) against the AWS sandbox, whose SageMaker
// service implements ListMonitoringSchedules: monitors scheduled, stopped and missing, paging of
// endpoints, one describe per distinct config and model, serverless and Failed endpoints, and a
// denied schedule listing (unknown, never "none").
import { beforeEach, describe, expect, it } from 'vitest';
import endpointsCollector from '../../../collectors/sagemaker-endpoints/index.js';
import type { AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { SM_REGION, collectSageMaker, endpointArn, pkgArn, useSageMakerSandbox } from '../../helpers/sagemaker-seed.js';

const DIR = `sagemaker-endpoints/${SM_REGION}`;

describe('sagemaker-endpoints against the AWS sandbox', () => {
  // pages of 2: the 4 endpoints and 3 schedules take 2 pages each
  const sandbox = useSageMakerSandbox({ maxPageItems: 2 });
  let sb: AwsSandbox;
  beforeEach(() => {
    sb = sandbox();
  });
  const collect = (collectors = ['sagemaker-endpoints', 'sagemaker-registry'], endpoints = '') => collectSageMaker(sb, collectors, { endpoints });
  const finding = (b: Awaited<ReturnType<typeof collect>>, id: string) => b.findings.find((f) => f.check === id)!;
  const byResource = (b: Awaited<ReturnType<typeof collect>>, id: string) => Object.fromEntries(finding(b, id).exceptions.map((e: any) => [e.resource, e.reason]));
  const count = (a: string) => sb.requests.filter((q) => q.action === a).length;

  it('pages endpoints and schedules, describes each distinct config and model once, declared read calls only', async () => {
    const b = await collect(['sagemaker-endpoints']);
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/endpoints.ndjson`).map((e) => e.EndpointName).sort()).toEqual(['adhoc', 'churn', 'fraud', 'old']);
    expect(b.ndjson(`${DIR}/monitoring-schedules.ndjson`)).toHaveLength(3);
    // 2 + 2 list pages, 4 endpoints, 3 configs (old shares churn's), 3 models
    expect([count('ListEndpoints'), count('ListMonitoringSchedules'), count('DescribeEndpoint'), count('DescribeEndpointConfig'), count('DescribeModel')]).toEqual([2, 2, 4, 3, 3]);
    expect(b.manifest.collectors[0].apiCalls).toBe(14);
    const declared = new Set(endpointsCollector.meta.permissions);
    for (const q of sb.requests.filter((q) => q.service === 'sagemaker')) expect(declared.has(`${q.service}:${q.action}`), q.action).toBe(true);
  });

  it('records capture, keys, instance counts, network isolation and monitors per endpoint', async () => {
    const b = await collect(['sagemaker-endpoints']);
    const by = Object.fromEntries(b.ndjson(`${DIR}/endpoints.ndjson`).map((e) => [e.EndpointName, e]));
    expect(by.fraud).toMatchObject({
      config: { KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/fraud' },
      DataCaptureConfig: { EnableCapture: true, SamplingPercentage: 100, DestinationS3Uri: 's3://capture/fraud/', KmsKeyId: 'arn:aws:kms:us-east-1:111122223333:key/capture', CaptureModes: ['Input', 'Output'] },
      variants: [{ VariantName: 'AllTraffic', InstanceType: 'ml.m5.xlarge', InitialInstanceCount: 2, CurrentInstanceCount: 2, model: { EnableNetworkIsolation: true, VpcConfig: { Subnets: ['subnet-a', 'subnet-b'] }, containers: [{ ModelPackageName: pkgArn('fraud', 1) }] } }],
      monitoringSchedules: [{ MonitoringScheduleName: 'fraud-data-quality', MonitoringType: 'DataQuality', MonitoringScheduleStatus: 'Scheduled' }],
    });
    expect(by.adhoc.variants[0]).toMatchObject({ Serverless: { MemorySizeInMB: 2048, MaxConcurrency: 5 }, InstanceType: null });
    expect(by.adhoc.monitoringSchedules).toEqual([]);
  });

  it('judges each check over the serving endpoints (the Failed one left out)', async () => {
    const b = await collect(['sagemaker-endpoints']);
    expect(byResource(b, 'sagemaker-endpoints.inference-logging')).toEqual({
      [endpointArn('churn')]: 'data capture samples 10% of requests (required 100%) to s3://capture/churn/',
      [endpointArn('adhoc')]: 'data capture is not enabled: no inference requests or responses are logged',
    });
    expect(finding(b, 'sagemaker-endpoints.inference-logging').summary).toContain('1 Failed or deleting endpoint left out');
    // serverless passes redundancy; churn runs one instance
    expect(Object.keys(byResource(b, 'sagemaker-endpoints.redundancy'))).toEqual([endpointArn('churn')]);
    const drift = byResource(b, 'sagemaker-endpoints.drift-monitoring');
    expect(drift).toEqual({
      [endpointArn('churn')]: 'no Scheduled DataQuality or ModelQuality monitor; schedules: churn-bias (ModelBias, Scheduled), churn-quality (ModelQuality, Stopped)',
      [endpointArn('adhoc')]: 'no Model Monitor schedule watches this endpoint (DataQuality or ModelQuality needed)',
    });
    // serverless has no volume to key; churn has neither key
    expect(Object.keys(byResource(b, 'sagemaker-endpoints.encryption'))).toEqual([endpointArn('churn')]);
  });

  it('restricts redundancy to productionEndpoints', async () => {
    const b = await collect(['sagemaker-endpoints'], '    productionEndpoints: [fraud*]\n');
    expect(finding(b, 'sagemaker-endpoints.redundancy')).toMatchObject({ status: 'pass', summary: expect.stringContaining('1 production endpoints (productionEndpoints: fraud*)') });
  });

  it('joins with the registry: an Approved package passes, a pending one and an ad hoc image fail', async () => {
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(byResource(b, 'sagemaker-registry.deployed-approved')).toEqual({
      [`${endpointArn('churn')}/AllTraffic`]: `serves ${pkgArn('churn', 1)}, which is PendingManualApproval`,
      [`${endpointArn('adhoc')}/serverless`]: 'model adhoc runs an image and model data directly, not a registered model package',
    });
    const d = b.json(`sagemaker-registry/${SM_REGION}/deployments.json`);
    // the Failed endpoint stays in the join, as serving nothing
    expect(d.variants.map((v: any) => `${v.EndpointName}:${v.verdict}`).sort()).toEqual(['adhoc:no-package', 'churn:not-approved', 'fraud:approved', 'old:not-serving']);
    expect(finding(b, 'sagemaker-registry.deployed-approved').summary).toBe('2 of 3 production variants serve a model that is not from an Approved package; 1 variants of Failed or deleting endpoints left out');
  });

  it('a denied ListMonitoringSchedules makes the monitors unknown and drift-monitoring error, the rest still judged', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'ListMonitoringSchedules', kind: 'deny' });
    const b = await collect(['sagemaker-endpoints']);
    expect(b.code).toBe(3);
    expect(b.manifest.collectors[0].gaps).toEqual([{ api: 'sagemaker:ListMonitoringSchedules', code: 'AccessDeniedException', message: expect.stringContaining('not authorized') }]);
    for (const e of b.ndjson(`${DIR}/endpoints.ndjson`)) expect(e.monitoringSchedules).toBeNull();
    expect(finding(b, 'sagemaker-endpoints.drift-monitoring').status).toBe('error');
    expect(finding(b, 'sagemaker-endpoints.redundancy').status).toBe('fail');
  });

  it('a denied DescribeModel marks the variant’s model, and deployed-approved says error', async () => {
    sb.faults.add({ service: 'sagemaker', action: 'DescribeModel', kind: 'deny' });
    const b = await collect();
    expect(b.code).toBe(3);
    const fraud = b.ndjson(`${DIR}/endpoints.ndjson`).find((e) => e.EndpointName === 'fraud');
    expect(fraud.variants[0].model).toEqual({ error: 'AccessDeniedException' });
    expect(finding(b, 'sagemaker-registry.deployed-approved').status).toBe('error');
  });
});
