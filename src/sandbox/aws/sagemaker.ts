// SageMaker over awsJson1.1 (`X-Amz-Target: SageMaker.<Action>`), written from the SageMaker API
// reference: the registry (model package groups, their resource policies, versioned model packages)
// inference (endpoints, endpoint configs, models, Model Monitor schedules) and training environments
// (training jobs, notebook instances, Studio domains; processing jobs and pipelines in
// sagemaker-pipelines.ts), read actions only.
// Resources live per account and region. ARNs fold names to lower case, as SageMaker's do. Lists page
// with MaxResults 1–100 (default 10) and an opaque NextToken bound to the query.

import type { AwsAccountSeed, ModelPackageGroupSeed, ModelPackageSeed, SageMakerRegionSeed, SageMakerUserSeed } from './seed.js';
import type { HandlerContext } from './types.js';
import { handlePipelines } from './sagemaker-pipelines.js';
import { AwsError, decodeToken, documentText, encodeToken, epochSeconds } from './wire.js';

export const arn = (ctx: HandlerContext, type: string, id: string) => `arn:aws:sagemaker:${ctx.region}:${ctx.caller.account.id}:${type}/${id.toLowerCase()}`;

export function region(acct: AwsAccountSeed, r: string): SageMakerRegionSeed {
  return acct.sagemaker?.[r] ?? {};
}

function pageSize(raw: unknown, ctx: HandlerContext): number {
  let n = 10;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'number' || !Number.isInteger(raw)) throw new AwsError('ValidationException', `1 validation error detected: Value '${String(raw)}' at 'maxResults' failed to satisfy constraint: Member must be an integer`);
    if (raw < 1 || raw > 100) throw new AwsError('ValidationException', `1 validation error detected: Value '${raw}' at 'maxResults' failed to satisfy constraint: Member must have value ${raw < 1 ? 'greater than or equal to 1' : 'less than or equal to 100'}`);
    n = raw;
  }
  const cap = ctx.runtime.opts.maxPageItems;
  return cap !== undefined && cap > 0 ? Math.min(n, cap) : n;
}

export function enumParam(body: Record<string, unknown>, key: string, allowed: readonly string[]): string | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !allowed.includes(v)) {
    const field = key[0]!.toLowerCase() + key.slice(1);
    throw new AwsError('ValidationException', `1 validation error detected: Value '${String(v)}' at '${field}' failed to satisfy constraint: Member must satisfy enum value set: [${allowed.join(', ')}]`);
  }
  return v;
}

/** One page of `items` (already filtered and sorted) for `scope`; the token names the offset and the query. */
export function page<T>(items: T[], body: Record<string, unknown>, ctx: HandlerContext, scope: string): { slice: T[]; next?: string } {
  const size = pageSize(body['MaxResults'], ctx);
  let from = 0;
  const token = body['NextToken'];
  if (typeof token === 'string' && token !== '') {
    const off = decodeToken(token, scope);
    if (off === undefined) throw new AwsError('ValidationException', 'Invalid pagination token because of mismatched request parameters or expired token.');
    from = off;
  }
  const slice = items.slice(from, from + size);
  return from + slice.length < items.length ? { slice, next: encodeToken(from + slice.length, scope) } : { slice };
}

export function sorted<T>(items: T[], key: (t: T) => string | number, order: string): T[] {
  const dir = order === 'Descending' ? -1 : 1;
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -dir : ka > kb ? dir : 0;
  });
}

export const scopeOf = (action: string, ctx: HandlerContext, body: Record<string, unknown>) => {
  const q = Object.fromEntries(Object.entries(body).filter(([k]) => k !== 'NextToken' && k !== 'MaxResults').sort(([a], [b]) => (a < b ? -1 : 1)));
  return `${action}:${ctx.caller.account.id}:${ctx.region}:${JSON.stringify(q)}`;
};

function userInfo(u: SageMakerUserSeed | undefined, ctx: HandlerContext): Record<string, unknown> | undefined {
  if (!u) return undefined;
  const out: Record<string, unknown> = {};
  if (u.userProfile) {
    out['UserProfileArn'] = arn(ctx, 'user-profile', `${u.domainId ?? 'd-sandbox'}/${u.userProfile}`);
    out['UserProfileName'] = u.userProfile;
    out['DomainId'] = u.domainId ?? 'd-sandbox';
  }
  if (u.iamArn) out['IamIdentity'] = { Arn: u.iamArn, PrincipalId: `AROA${u.iamArn.length}SANDBOX:${u.iamArn.split('/').pop()}`, ...(u.sourceIdentity ? { SourceIdentity: u.sourceIdentity } : {}) };
  return out;
}

// ── registry ────────────────────────────────────────────────────────────────────────────────

const groupArn = (ctx: HandlerContext, g: ModelPackageGroupSeed) => arn(ctx, 'model-package-group', g.name);
const packageArn = (ctx: HandlerContext, p: ModelPackageSeed) => arn(ctx, 'model-package', `${p.group}/${p.version}`);

function findGroup(ctx: HandlerContext, name: unknown): ModelPackageGroupSeed {
  if (typeof name !== 'string' || name === '') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'modelPackageGroupName' failed to satisfy constraint: Member must not be null");
  const groups = region(ctx.caller.account, ctx.region).modelPackageGroups ?? [];
  const g = groups.find((x) => x.name === name || groupArn(ctx, x) === name.toLowerCase());
  if (!g) throw new AwsError('ValidationException', `ModelPackageGroup ${arn(ctx, 'model-package-group', name)} does not exist.`);
  return g;
}

function listModelPackageGroups(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Ascending';
  const contains = typeof body['NameContains'] === 'string' ? (body['NameContains'] as string) : undefined;
  const groups = (region(ctx.caller.account, ctx.region).modelPackageGroups ?? []).filter((g) => !contains || g.name.includes(contains));
  const { slice, next } = page(sorted(groups, (g) => (sortBy === 'Name' ? g.name : Date.parse(g.created)), order), body, ctx, scopeOf('ListModelPackageGroups', ctx, body));
  return {
    ModelPackageGroupSummaryList: slice.map((g) => ({
      ModelPackageGroupName: g.name,
      ModelPackageGroupArn: groupArn(ctx, g),
      ...(g.description !== undefined ? { ModelPackageGroupDescription: g.description } : {}),
      CreationTime: epochSeconds(g.created),
      ModelPackageGroupStatus: g.status ?? 'Completed',
    })),
    ...(next ? { NextToken: next } : {}),
  };
}

function getModelPackageGroupPolicy(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const g = findGroup(ctx, body['ModelPackageGroupName']);
  if (!g.policy) throw new AwsError('ValidationException', `Cannot find resource policy for ${groupArn(ctx, g)}.`);
  return { ResourcePolicy: documentText(g.policy) };
}

function packageSummary(p: ModelPackageSeed, ctx: HandlerContext): Record<string, unknown> {
  return {
    ModelPackageGroupName: p.group,
    ModelPackageVersion: p.version,
    ModelPackageArn: packageArn(ctx, p),
    ...(p.description !== undefined ? { ModelPackageDescription: p.description } : {}),
    CreationTime: epochSeconds(p.created),
    ModelPackageStatus: 'Completed',
    ModelApprovalStatus: p.approval,
  };
}

function listModelPackages(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const status = enumParam(body, 'ModelApprovalStatus', ['Approved', 'Rejected', 'PendingManualApproval']);
  const group = typeof body['ModelPackageGroupName'] === 'string' ? (body['ModelPackageGroupName'] as string) : undefined;
  // a group implies its versioned packages; otherwise the default is Unversioned (API reference)
  const type = group ? 'Versioned' : (enumParam(body, 'ModelPackageType', ['Versioned', 'Unversioned', 'Both']) ?? 'Unversioned');
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Ascending';
  const groupName = group ? findGroup(ctx, group).name : undefined;
  // every seeded package belongs to a group: all are Versioned
  const all = type === 'Unversioned' ? [] : (region(ctx.caller.account, ctx.region).modelPackages ?? []).filter((p) => (!status || p.approval === status) && (!groupName || p.group === groupName));
  const { slice, next } = page(sorted(all, (p) => (sortBy === 'Name' ? `${p.group}/${String(p.version).padStart(9, '0')}` : Date.parse(p.created)), order), body, ctx, scopeOf('ListModelPackages', ctx, body));
  return { ModelPackageSummaryList: slice.map((p) => packageSummary(p, ctx)), ...(next ? { NextToken: next } : {}) };
}

function describeModelPackage(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const name = body['ModelPackageName'];
  if (typeof name !== 'string' || name === '') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'modelPackageName' failed to satisfy constraint: Member must not be null");
  const p = (region(ctx.caller.account, ctx.region).modelPackages ?? []).find((x) => packageArn(ctx, x) === name.toLowerCase());
  if (!p) throw new AwsError('ValidationException', `ModelPackage ${name} does not exist.`);
  const metrics: Record<string, unknown> = {};
  for (const [section, reports] of Object.entries(p.metrics ?? {})) metrics[section] = Object.fromEntries(Object.entries(reports).map(([k, uri]) => [k, { ContentType: 'application/json', S3Uri: uri }]));
  const created = userInfo(p.createdBy, ctx);
  const modified = userInfo(p.lastModifiedBy, ctx);
  return {
    ...packageSummary(p, ctx),
    InferenceSpecification: { Containers: [{ Image: p.image ?? `${ctx.caller.account.id}.dkr.ecr.${ctx.region}.amazonaws.com/${p.group}:${p.version}`, ...(p.modelDataUrl ? { ModelDataUrl: p.modelDataUrl } : {}) }], SupportedContentTypes: ['application/json'], SupportedResponseMIMETypes: ['application/json'] },
    ModelPackageStatusDetails: { ValidationStatuses: [], ImageScanStatuses: [] },
    CertifyForMarketplace: false,
    ...(p.approvalDescription !== undefined ? { ApprovalDescription: p.approvalDescription } : {}),
    ...(created ? { CreatedBy: created } : {}),
    ...(p.lastModified ? { LastModifiedTime: epochSeconds(p.lastModified) } : {}),
    ...(modified ? { LastModifiedBy: modified } : {}),
    ...(Object.keys(metrics).length ? { ModelMetrics: metrics } : {}),
    ...(p.customerMetadata ? { CustomerMetadataProperties: p.customerMetadata } : {}),
  };
}

// ── inference ───────────────────────────────────────────────────────────────────────────────

export function named<T extends { name: string }>(list: T[] | undefined, name: unknown, param: string, notFound: (n: string) => string): T {
  if (typeof name !== 'string' || name === '') throw new AwsError('ValidationException', `1 validation error detected: Value null at '${param}' failed to satisfy constraint: Member must not be null`);
  const hit = (list ?? []).find((x) => x.name === name);
  if (!hit) throw new AwsError('ValidationException', notFound(name));
  return hit;
}

function listEndpoints(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime', 'Status']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Descending';
  const status = typeof body['StatusEquals'] === 'string' ? body['StatusEquals'] : undefined;
  const list = (region(ctx.caller.account, ctx.region).endpoints ?? []).filter((e) => !status || (e.status ?? 'InService') === status);
  const { slice, next } = page(sorted(list, (e) => (sortBy === 'Name' ? e.name : sortBy === 'Status' ? (e.status ?? 'InService') : Date.parse(e.created)), order), body, ctx, scopeOf('ListEndpoints', ctx, body));
  return {
    Endpoints: slice.map((e) => ({ EndpointName: e.name, EndpointArn: arn(ctx, 'endpoint', e.name), CreationTime: epochSeconds(e.created), LastModifiedTime: epochSeconds(e.lastModified ?? e.created), EndpointStatus: e.status ?? 'InService' })),
    ...(next ? { NextToken: next } : {}),
  };
}

function describeEndpoint(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const r = region(ctx.caller.account, ctx.region);
  const e = named(r.endpoints, body['EndpointName'], 'endpointName', (n) => `Could not find endpoint "${arn(ctx, 'endpoint', n)}".`);
  const cfg = (r.endpointConfigs ?? []).find((c) => c.name === e.config);
  const dc = cfg?.dataCapture;
  return {
    EndpointName: e.name,
    EndpointArn: arn(ctx, 'endpoint', e.name),
    EndpointConfigName: e.config,
    ProductionVariants: (cfg?.variants ?? []).map((v) => {
      const n = e.currentInstances?.[v.name] ?? v.instances ?? 1;
      return {
        VariantName: v.name,
        CurrentWeight: 1,
        DesiredWeight: 1,
        ...(v.serverless ? { CurrentServerlessConfig: { MemorySizeInMB: v.serverless.memoryMb, MaxConcurrency: v.serverless.maxConcurrency } } : { CurrentInstanceCount: n, DesiredInstanceCount: n }),
      };
    }),
    ...(dc ? { DataCaptureConfig: { EnableCapture: dc.enabled !== false, CaptureStatus: dc.enabled !== false ? 'Started' : 'Stopped', CurrentSamplingPercentage: dc.samplingPercentage, DestinationS3Uri: dc.destination, ...(dc.kmsKeyId ? { KmsKeyId: dc.kmsKeyId } : {}) } } : {}),
    EndpointStatus: e.status ?? 'InService',
    CreationTime: epochSeconds(e.created),
    LastModifiedTime: epochSeconds(e.lastModified ?? e.created),
  };
}

function describeEndpointConfig(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const c = named(region(ctx.caller.account, ctx.region).endpointConfigs, body['EndpointConfigName'], 'endpointConfigName', (n) => `Could not find endpoint configuration "${arn(ctx, 'endpoint-config', n)}".`);
  const dc = c.dataCapture;
  return {
    EndpointConfigName: c.name,
    EndpointConfigArn: arn(ctx, 'endpoint-config', c.name),
    ProductionVariants: c.variants.map((v) => ({
      VariantName: v.name,
      ModelName: v.model,
      InitialVariantWeight: 1,
      ...(v.serverless ? { ServerlessConfig: { MemorySizeInMB: v.serverless.memoryMb, MaxConcurrency: v.serverless.maxConcurrency } } : { InstanceType: v.instanceType ?? 'ml.m5.large', InitialInstanceCount: v.instances ?? 1 }),
    })),
    ...(dc
      ? {
          DataCaptureConfig: {
            EnableCapture: dc.enabled !== false,
            InitialSamplingPercentage: dc.samplingPercentage,
            DestinationS3Uri: dc.destination,
            ...(dc.kmsKeyId ? { KmsKeyId: dc.kmsKeyId } : {}),
            CaptureOptions: (dc.modes ?? ['Input', 'Output']).map((m) => ({ CaptureMode: m })),
          },
        }
      : {}),
    ...(c.kmsKeyId ? { KmsKeyId: c.kmsKeyId } : {}),
    CreationTime: epochSeconds(c.created),
  };
}

function describeModel(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const m = named(region(ctx.caller.account, ctx.region).models, body['ModelName'], 'modelName', (n) => `Could not find model "${arn(ctx, 'model', n)}".`);
  const containers = m.containers.map((c) => ({ ...(c.image ? { Image: c.image } : {}), ...(c.modelDataUrl ? { ModelDataUrl: c.modelDataUrl } : {}), ...(c.modelPackage ? { ModelPackageName: c.modelPackage } : {}) }));
  return {
    ModelName: m.name,
    ModelArn: arn(ctx, 'model', m.name),
    ...(containers.length === 1 ? { PrimaryContainer: containers[0] } : { Containers: containers }),
    ExecutionRoleArn: m.role,
    ...(m.vpc ? { VpcConfig: { Subnets: m.vpc.subnets, SecurityGroupIds: m.vpc.securityGroupIds } } : {}),
    EnableNetworkIsolation: m.networkIsolation === true,
    CreationTime: epochSeconds(m.created),
  };
}

function listMonitoringSchedules(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime', 'Status']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Descending';
  const status = enumParam(body, 'StatusEquals', ['Pending', 'Failed', 'Scheduled', 'Stopped']);
  const type = enumParam(body, 'MonitoringTypeEquals', ['DataQuality', 'ModelQuality', 'ModelBias', 'ModelExplainability']);
  const endpoint = typeof body['EndpointName'] === 'string' && body['EndpointName'] !== '' ? body['EndpointName'] : undefined;
  const list = (region(ctx.caller.account, ctx.region).monitoringSchedules ?? []).filter((s) => (!status || (s.status ?? 'Scheduled') === status) && (!type || s.type === type) && (!endpoint || s.endpoint === endpoint));
  const { slice, next } = page(sorted(list, (s) => (sortBy === 'Name' ? s.name : sortBy === 'Status' ? (s.status ?? 'Scheduled') : Date.parse(s.created)), order), body, ctx, scopeOf('ListMonitoringSchedules', ctx, body));
  return {
    MonitoringScheduleSummaries: slice.map((s) => ({
      MonitoringScheduleName: s.name,
      MonitoringScheduleArn: arn(ctx, 'monitoring-schedule', s.name),
      CreationTime: epochSeconds(s.created),
      LastModifiedTime: epochSeconds(s.lastModified ?? s.created),
      MonitoringScheduleStatus: s.status ?? 'Scheduled',
      ...(s.endpoint ? { EndpointName: s.endpoint } : {}),
      MonitoringJobDefinitionName: s.jobDefinition,
      MonitoringType: s.type,
    })),
    ...(next ? { NextToken: next } : {}),
  };
}

// ── training environments ───────────────────────────────────────────────────────────────────

/** An awsJson timestamp parameter (epoch seconds) as epoch ms, or undefined. */
export function timeParam(body: Record<string, unknown>, key: string): number | undefined {
  const v = body[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number') throw new AwsError('SerializationException', `Expected a timestamp for ${key}`);
  return v * 1000;
}

function listTrainingJobs(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime', 'Status']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Ascending';
  const status = enumParam(body, 'StatusEquals', ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped']);
  const after = timeParam(body, 'CreationTimeAfter');
  const before = timeParam(body, 'CreationTimeBefore');
  const list = (region(ctx.caller.account, ctx.region).trainingJobs ?? []).filter((j) => {
    const t = Date.parse(j.created);
    return (after === undefined || t > after) && (before === undefined || t < before) && (!status || (j.status ?? 'Completed') === status);
  });
  const { slice, next } = page(sorted(list, (j) => (sortBy === 'Name' ? j.name : sortBy === 'Status' ? (j.status ?? 'Completed') : Date.parse(j.created)), order), body, ctx, scopeOf('ListTrainingJobs', ctx, body));
  return {
    TrainingJobSummaries: slice.map((j) => ({ TrainingJobName: j.name, TrainingJobArn: arn(ctx, 'training-job', j.name), CreationTime: epochSeconds(j.created), LastModifiedTime: epochSeconds(j.created), TrainingJobStatus: j.status ?? 'Completed' })),
    ...(next ? { NextToken: next } : {}),
  };
}

function describeTrainingJob(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const j = named(region(ctx.caller.account, ctx.region).trainingJobs, body['TrainingJobName'], 'trainingJobName', () => 'Requested resource not found.');
  return {
    TrainingJobName: j.name,
    TrainingJobArn: arn(ctx, 'training-job', j.name),
    TrainingJobStatus: j.status ?? 'Completed',
    SecondaryStatus: j.status ?? 'Completed',
    ...(j.hyperParameters ? { HyperParameters: j.hyperParameters } : {}),
    AlgorithmSpecification: { TrainingImage: j.image ?? `${ctx.caller.account.id}.dkr.ecr.${ctx.region}.amazonaws.com/train:latest`, TrainingInputMode: 'File' },
    RoleArn: j.role,
    InputDataConfig: j.channels.map((c) => ({ ChannelName: c.name, DataSource: { S3DataSource: { S3DataType: 'S3Prefix', S3Uri: c.s3Uri } } })),
    OutputDataConfig: { S3OutputPath: j.outputPath, ...(j.outputKmsKeyId ? { KmsKeyId: j.outputKmsKeyId } : {}) },
    ResourceConfig: { InstanceType: j.instanceType, InstanceCount: j.instances, VolumeSizeInGB: 50, ...(j.volumeKmsKeyId ? { VolumeKmsKeyId: j.volumeKmsKeyId } : {}) },
    ...(j.vpc ? { VpcConfig: { Subnets: j.vpc.subnets, SecurityGroupIds: j.vpc.securityGroupIds } } : {}),
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    CreationTime: epochSeconds(j.created),
    ...((j.status ?? 'Completed') === 'Completed' ? { ModelArtifacts: { S3ModelArtifacts: `${j.outputPath.replace(/\/$/, '')}/${j.name}/output/model.tar.gz` } } : {}),
    EnableNetworkIsolation: j.networkIsolation === true,
    EnableInterContainerTrafficEncryption: j.interContainerEncryption === true,
  };
}

function listNotebookInstances(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime', 'Status']) ?? 'Name';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Ascending';
  const list = region(ctx.caller.account, ctx.region).notebookInstances ?? [];
  const { slice, next } = page(sorted(list, (n) => (sortBy === 'Name' ? n.name : sortBy === 'Status' ? (n.status ?? 'InService') : Date.parse(n.created)), order), body, ctx, scopeOf('ListNotebookInstances', ctx, body));
  return {
    NotebookInstances: slice.map((n) => ({ NotebookInstanceName: n.name, NotebookInstanceArn: arn(ctx, 'notebook-instance', n.name), NotebookInstanceStatus: n.status ?? 'InService', InstanceType: n.instanceType, CreationTime: epochSeconds(n.created), LastModifiedTime: epochSeconds(n.created) })),
    ...(next ? { NextToken: next } : {}),
  };
}

function describeNotebookInstance(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const n = named(region(ctx.caller.account, ctx.region).notebookInstances, body['NotebookInstanceName'], 'notebookInstanceName', () => 'RecordNotFound');
  return {
    NotebookInstanceArn: arn(ctx, 'notebook-instance', n.name),
    NotebookInstanceName: n.name,
    NotebookInstanceStatus: n.status ?? 'InService',
    InstanceType: n.instanceType,
    RoleArn: n.role,
    ...(n.subnetId ? { SubnetId: n.subnetId } : {}),
    ...(n.securityGroups ? { SecurityGroups: n.securityGroups } : {}),
    ...(n.kmsKeyId ? { KmsKeyId: n.kmsKeyId } : {}),
    DirectInternetAccess: n.directInternetAccess ?? 'Enabled',
    RootAccess: n.rootAccess ?? 'Enabled',
    VolumeSizeInGB: 5,
    CreationTime: epochSeconds(n.created),
    LastModifiedTime: epochSeconds(n.created),
  };
}

function listDomains(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const list = sorted(region(ctx.caller.account, ctx.region).domains ?? [], (d) => Date.parse(d.created), 'Descending');
  const { slice, next } = page(list, body, ctx, scopeOf('ListDomains', ctx, body));
  return {
    Domains: slice.map((d) => ({ DomainArn: arn(ctx, 'domain', d.id), DomainId: d.id, DomainName: d.name, Status: d.status ?? 'InService', CreationTime: epochSeconds(d.created), LastModifiedTime: epochSeconds(d.created), Url: `https://${d.id}.studio.${ctx.region}.sagemaker.aws` })),
    ...(next ? { NextToken: next } : {}),
  };
}

function describeDomain(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const id = body['DomainId'];
  const d = (region(ctx.caller.account, ctx.region).domains ?? []).find((x) => x.id === id);
  if (!d) throw new AwsError('ResourceNotFound', `Cannot find Domain ${arn(ctx, 'domain', String(id))}`);
  return {
    DomainArn: arn(ctx, 'domain', d.id),
    DomainId: d.id,
    DomainName: d.name,
    Status: d.status ?? 'InService',
    CreationTime: epochSeconds(d.created),
    AuthMode: d.authMode,
    AppNetworkAccessType: d.appNetworkAccessType ?? 'PublicInternetOnly',
    VpcId: d.vpcId,
    SubnetIds: d.subnetIds,
    ...(d.kmsKeyId ? { KmsKeyId: d.kmsKeyId } : {}),
  };
}

export function handleSageMaker(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  switch (action) {
    case 'ListModelPackageGroups':
      return listModelPackageGroups(body, ctx);
    case 'GetModelPackageGroupPolicy':
      return getModelPackageGroupPolicy(body, ctx);
    case 'ListModelPackages':
      return listModelPackages(body, ctx);
    case 'DescribeModelPackage':
      return describeModelPackage(body, ctx);
    case 'ListEndpoints':
      return listEndpoints(body, ctx);
    case 'DescribeEndpoint':
      return describeEndpoint(body, ctx);
    case 'DescribeEndpointConfig':
      return describeEndpointConfig(body, ctx);
    case 'DescribeModel':
      return describeModel(body, ctx);
    case 'ListMonitoringSchedules':
      return listMonitoringSchedules(body, ctx);
    case 'ListTrainingJobs':
      return listTrainingJobs(body, ctx);
    case 'DescribeTrainingJob':
      return describeTrainingJob(body, ctx);
    case 'ListNotebookInstances':
      return listNotebookInstances(body, ctx);
    case 'DescribeNotebookInstance':
      return describeNotebookInstance(body, ctx);
    case 'ListDomains':
      return listDomains(body, ctx);
    case 'DescribeDomain':
      return describeDomain(body, ctx);
    default:
      return handlePipelines(action, body, ctx);
  }
}
