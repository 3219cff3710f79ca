// SageMaker processing jobs and pipelines over awsJson1.1, written from the SageMaker API reference:
// ListProcessingJobs, DescribeProcessingJob, ListPipelines, ListPipelineExecutions and
// ListPipelineExecutionSteps (moto 5.2 has no ListPipelineExecutionSteps, and pages its listings
// before it filters them). Read actions only; resources per account and region
// (`accounts[].sagemaker[region].processingJobs` / `.pipelines`).

import type { HandlerContext } from './types.js';
import type { PipelineSeed, PipelineStepSeed, ProcessingJobSeed } from './seed.js';
import { arn, enumParam, named, page, region, scopeOf, sorted, timeParam } from './sagemaker.js';
import { AwsError, epochSeconds } from './wire.js';

const JOB_STATUS = ['InProgress', 'Completed', 'Failed', 'Stopping', 'Stopped'];

function listProcessingJobs(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime', 'Status']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Ascending';
  const status = enumParam(body, 'StatusEquals', JOB_STATUS);
  const after = timeParam(body, 'CreationTimeAfter');
  const before = timeParam(body, 'CreationTimeBefore');
  const contains = typeof body['NameContains'] === 'string' ? body['NameContains'] : undefined;
  // filtered first, then paged (every page of a filtered listing holds matches)
  const list = (region(ctx.caller.account, ctx.region).processingJobs ?? []).filter((j) => {
    const t = Date.parse(j.created);
    return (after === undefined || t > after) && (before === undefined || t < before) && (!status || (j.status ?? 'Completed') === status) && (!contains || j.name.includes(contains));
  });
  const key = (j: ProcessingJobSeed) => (sortBy === 'Name' ? j.name : sortBy === 'Status' ? (j.status ?? 'Completed') : Date.parse(j.created));
  const { slice, next } = page(sorted(list, key, order), body, ctx, scopeOf('ListProcessingJobs', ctx, body));
  return {
    ProcessingJobSummaries: slice.map((j) => ({ ProcessingJobName: j.name, ProcessingJobArn: arn(ctx, 'processing-job', j.name), CreationTime: epochSeconds(j.created), LastModifiedTime: epochSeconds(j.created), ProcessingJobStatus: j.status ?? 'Completed' })),
    ...(next ? { NextToken: next } : {}),
  };
}

function describeProcessingJob(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const j = named(region(ctx.caller.account, ctx.region).processingJobs, body['ProcessingJobName'], 'processingJobName', () => 'Could not find requested job with name');
  return {
    ProcessingJobName: j.name,
    ProcessingJobArn: arn(ctx, 'processing-job', j.name),
    ProcessingJobStatus: j.status ?? 'Completed',
    ProcessingInputs: j.inputs.map((i) => ({ InputName: i.name, AppManaged: false, S3Input: { S3Uri: i.s3Uri, LocalPath: `/opt/ml/processing/input/${i.name}`, S3DataType: 'S3Prefix', S3InputMode: 'File', S3DataDistributionType: 'FullyReplicated' } })),
    ProcessingOutputConfig: { Outputs: j.outputs.map((o) => ({ OutputName: o.name, AppManaged: false, S3Output: { S3Uri: o.s3Uri, LocalPath: `/opt/ml/processing/output/${o.name}`, S3UploadMode: 'EndOfJob' } })), ...(j.outputKmsKeyId ? { KmsKeyId: j.outputKmsKeyId } : {}) },
    ProcessingResources: { ClusterConfig: { InstanceCount: j.instances, InstanceType: j.instanceType, VolumeSizeInGB: 30, ...(j.volumeKmsKeyId ? { VolumeKmsKeyId: j.volumeKmsKeyId } : {}) } },
    StoppingCondition: { MaxRuntimeInSeconds: 86400 },
    AppSpecification: { ImageUri: j.image },
    ...(j.environment ? { Environment: j.environment } : {}),
    NetworkConfig: { EnableInterContainerTrafficEncryption: j.interContainerEncryption === true, EnableNetworkIsolation: j.networkIsolation === true, ...(j.vpc ? { VpcConfig: { Subnets: j.vpc.subnets, SecurityGroupIds: j.vpc.securityGroupIds } } : {}) },
    RoleArn: j.role,
    CreationTime: epochSeconds(j.created),
    LastModifiedTime: epochSeconds(j.created),
    ...(j.trainingJob ? { TrainingJobArn: arn(ctx, 'training-job', j.trainingJob) } : {}),
  };
}

function listPipelines(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const sortBy = enumParam(body, 'SortBy', ['Name', 'CreationTime']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Descending';
  const after = timeParam(body, 'CreatedAfter');
  const before = timeParam(body, 'CreatedBefore');
  const prefix = typeof body['PipelineNamePrefix'] === 'string' ? body['PipelineNamePrefix'] : '';
  const list = (region(ctx.caller.account, ctx.region).pipelines ?? []).filter((p) => {
    const t = Date.parse(p.created);
    return p.name.startsWith(prefix) && (after === undefined || t > after) && (before === undefined || t < before);
  });
  const { slice, next } = page(sorted(list, (p) => (sortBy === 'Name' ? p.name : Date.parse(p.created)), order), body, ctx, scopeOf('ListPipelines', ctx, body));
  return {
    PipelineSummaries: slice.map((p) => {
      const last = latest(p);
      return { PipelineArn: arn(ctx, 'pipeline', p.name), PipelineName: p.name, PipelineDisplayName: p.name, RoleArn: p.role, CreationTime: epochSeconds(p.created), LastModifiedTime: epochSeconds(p.lastModified ?? p.created), ...(last ? { LastExecutionTime: epochSeconds(last.started) } : {}) };
    }),
    ...(next ? { NextToken: next } : {}),
  };
}

const latest = (p: PipelineSeed) => sorted(p.executions ?? [], (e) => Date.parse(e.started), 'Descending')[0];
const executionArn = (ctx: HandlerContext, p: PipelineSeed, id: string) => `${arn(ctx, 'pipeline', p.name)}/execution/${id}`;

function pipelineOf(body: Record<string, unknown>, ctx: HandlerContext): PipelineSeed {
  const name = body['PipelineName'];
  if (typeof name !== 'string' || name === '') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'pipelineName' failed to satisfy constraint: Member must not be null");
  // a pipeline is named by its name or its ARN
  const p = (region(ctx.caller.account, ctx.region).pipelines ?? []).find((x) => x.name === name || arn(ctx, 'pipeline', x.name) === name);
  if (!p) throw new AwsError('ResourceNotFound', `Pipeline '${arn(ctx, 'pipeline', name)}' does not exist.`);
  return p;
}

function listPipelineExecutions(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const p = pipelineOf(body, ctx);
  const sortBy = enumParam(body, 'SortBy', ['CreationTime', 'PipelineExecutionArn']) ?? 'CreationTime';
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Descending';
  const after = timeParam(body, 'CreatedAfter');
  const before = timeParam(body, 'CreatedBefore');
  const list = (p.executions ?? []).filter((e) => {
    const t = Date.parse(e.started);
    return (after === undefined || t > after) && (before === undefined || t < before);
  });
  const { slice, next } = page(sorted(list, (e) => (sortBy === 'CreationTime' ? Date.parse(e.started) : executionArn(ctx, p, e.id)), order), body, ctx, scopeOf('ListPipelineExecutions', ctx, body));
  return {
    PipelineExecutionSummaries: slice.map((e) => ({ PipelineExecutionArn: executionArn(ctx, p, e.id), StartTime: epochSeconds(e.started), PipelineExecutionStatus: e.status ?? 'Succeeded', PipelineExecutionDisplayName: `execution-${e.id}` })),
    ...(next ? { NextToken: next } : {}),
  };
}

/** A step's Metadata: the ARN of what it ran, under the key of its type. */
function stepMetadata(s: PipelineStepSeed, ctx: HandlerContext): Record<string, unknown> {
  if (!s.ref) return {};
  switch (s.type) {
    case 'Training':
      return { TrainingJob: { Arn: arn(ctx, 'training-job', s.ref) } };
    case 'Processing':
      return { ProcessingJob: { Arn: arn(ctx, 'processing-job', s.ref) } };
    case 'Model':
      return { Model: { Arn: arn(ctx, 'model', s.ref) } };
    case 'RegisterModel':
      return { RegisterModel: { Arn: s.ref } };
    case 'Condition':
      return { Condition: { Outcome: s.ref } };
  }
}

function listPipelineExecutionSteps(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const ref = body['PipelineExecutionArn'];
  if (typeof ref !== 'string' || ref === '') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'pipelineExecutionArn' failed to satisfy constraint: Member must not be null");
  const order = enumParam(body, 'SortOrder', ['Ascending', 'Descending']) ?? 'Descending';
  let hit: { p: PipelineSeed; steps: PipelineStepSeed[] } | undefined;
  for (const p of region(ctx.caller.account, ctx.region).pipelines ?? []) for (const e of p.executions ?? []) if (executionArn(ctx, p, e.id) === ref) hit = { p, steps: e.steps };
  if (!hit) throw new AwsError('ResourceNotFound', `Pipeline execution '${ref}' does not exist.`);
  const { slice, next } = page(sorted(hit.steps, (s) => Date.parse(s.started), order), body, ctx, scopeOf('ListPipelineExecutionSteps', ctx, body));
  return {
    PipelineExecutionSteps: slice.map((s) => ({ StepName: s.name, StepDisplayName: s.name, StartTime: epochSeconds(s.started), ...(s.ended ? { EndTime: epochSeconds(s.ended) } : {}), StepStatus: s.status ?? 'Succeeded', AttemptCount: 1, Metadata: stepMetadata(s, ctx) })),
    ...(next ? { NextToken: next } : {}),
  };
}

export function handlePipelines(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  switch (action) {
    case 'ListProcessingJobs':
      return listProcessingJobs(body, ctx);
    case 'DescribeProcessingJob':
      return describeProcessingJob(body, ctx);
    case 'ListPipelines':
      return listPipelines(body, ctx);
    case 'ListPipelineExecutions':
      return listPipelineExecutions(body, ctx);
    case 'ListPipelineExecutionSteps':
      return listPipelineExecutionSteps(body, ctx);
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
  }
}
