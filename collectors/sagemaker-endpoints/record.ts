// The record sagemaker-endpoints writes per endpoint (aws.sagemaker.endpoints), built from
// DescribeEndpoint, DescribeEndpointConfig, DescribeModel and ListMonitoringSchedules by an explicit
// allow-list of fields. sagemaker-registry reads it (through ctx.run) to join variants to packages.
import type { DescribeEndpointCommandOutput, DescribeEndpointConfigCommandOutput, DescribeModelCommandOutput, MonitoringScheduleSummary } from '@aws-sdk/client-sagemaker';
import { iso } from '../_shared/sagemaker.js';
import { redactString } from '../_shared/redact.js';

export interface DataCaptureRecord {
  EnableCapture: boolean;
  /** the sampling in force (CurrentSamplingPercentage), else the configured InitialSamplingPercentage */
  SamplingPercentage: number | null;
  DestinationS3Uri: string | null;
  KmsKeyId: string | null;
  /** Input, Output */
  CaptureModes: string[];
}

export interface ContainerRecord {
  Image: string | null;
  ModelDataUrl: string | null;
  /** the model package the container runs (ARN or name), when the model was created from one */
  ModelPackageName: string | null;
}

export interface ModelRecord {
  ModelName: string;
  ModelArn: string | null;
  ExecutionRoleArn: string | null;
  EnableNetworkIsolation: boolean;
  VpcConfig: { Subnets: string[]; SecurityGroupIds: string[] } | null;
  containers: ContainerRecord[];
}

export interface VariantRecord {
  VariantName: string;
  ModelName: string | null;
  InstanceType: string | null;
  InitialInstanceCount: number | null;
  /** from DescribeEndpoint's ProductionVariants: what runs now */
  CurrentInstanceCount: number | null;
  DesiredInstanceCount: number | null;
  /** serverless variants have no instances (redundancy is the service's) */
  Serverless: { MemorySizeInMB: number | null; MaxConcurrency: number | null } | null;
  /** the model the variant serves, or {error} when DescribeModel failed */
  model: ModelRecord | { error: string } | null;
}

export interface ScheduleRecord {
  MonitoringScheduleName: string;
  /** the endpoint the schedule watches (null: a batch-transform monitor) */
  EndpointName: string | null;
  MonitoringScheduleArn: string | null;
  MonitoringScheduleStatus: string | null;
  /** DataQuality, ModelQuality, ModelBias, ModelExplainability */
  MonitoringType: string | null;
  MonitoringJobDefinitionName: string | null;
  LastModifiedTime: string | null;
}

export interface EndpointRecord {
  EndpointName: string;
  EndpointArn: string | null;
  EndpointStatus: string | null;
  EndpointConfigName: string | null;
  CreationTime: string | null;
  LastModifiedTime: string | null;
  /** from DescribeEndpointConfig, or {error}; null when the endpoint names no config */
  config: { KmsKeyId: string | null; AsyncOutputKmsKeyId: string | null } | { error: string } | null;
  /** DescribeEndpoint's DataCaptureConfig (what is in force), else the config's */
  DataCaptureConfig: DataCaptureRecord | null;
  variants: VariantRecord[];
  /** Model Monitor schedules attached to the endpoint; null when ListMonitoringSchedules failed */
  monitoringSchedules: ScheduleRecord[] | null;
  /** set when DescribeEndpoint failed: the record holds only what the listing said */
  error?: string;
}

const text = (v: string | undefined | null): string | null => (v ? redactString(v) : null);
const num = (v: number | undefined | null): number | null => (typeof v === 'number' ? v : null);

/**
 * The data capture in force: DescribeEndpoint's summary (CurrentSamplingPercentage, status) where it
 * says, the endpoint config's settings (InitialSamplingPercentage, CaptureOptions) for the rest.
 */
export function dataCaptureOf(e: DescribeEndpointCommandOutput | null, c: DescribeEndpointConfigCommandOutput | null): DataCaptureRecord | null {
  // an empty object (moto sends `{}` for an endpoint without capture) says nothing
  const said = <T extends { EnableCapture?: boolean | undefined; DestinationS3Uri?: string | undefined }>(x: T | undefined): T | undefined => (x && (x.EnableCapture !== undefined || x.DestinationS3Uri) ? x : undefined);
  const live = said(e?.DataCaptureConfig);
  const cfg = said(c?.DataCaptureConfig);
  if (!live && !cfg) return null;
  return {
    // a config's EnableCapture defaults to true when the DataCaptureConfig is given (API reference)
    EnableCapture: live?.EnableCapture ?? (cfg ? cfg.EnableCapture !== false : false),
    SamplingPercentage: num(live?.CurrentSamplingPercentage) ?? num(cfg?.InitialSamplingPercentage),
    DestinationS3Uri: text(live?.DestinationS3Uri ?? cfg?.DestinationS3Uri),
    KmsKeyId: live?.KmsKeyId ?? cfg?.KmsKeyId ?? null,
    CaptureModes: (cfg?.CaptureOptions ?? []).map((o) => o.CaptureMode ?? '').filter(Boolean),
  };
}

/** Variants as they run: the config's (model, instance type) joined with DescribeEndpoint's (current counts) by name. */
export function variantsOf(e: DescribeEndpointCommandOutput, c: DescribeEndpointConfigCommandOutput | null, modelOf: (name: string) => VariantRecord['model']): VariantRecord[] {
  const live = new Map((e.ProductionVariants ?? []).map((v) => [v.VariantName ?? '', v]));
  const configured = c?.ProductionVariants ?? [];
  const names = [...new Set([...configured.map((v) => v.VariantName ?? ''), ...live.keys()])];
  return names.map((name) => {
    const cv = configured.find((v) => (v.VariantName ?? '') === name);
    const lv = live.get(name);
    const serverless = lv?.CurrentServerlessConfig ?? cv?.ServerlessConfig;
    const modelName = cv?.ModelName ?? null;
    return {
      VariantName: name,
      ModelName: modelName,
      InstanceType: cv?.InstanceType ?? null,
      InitialInstanceCount: num(cv?.InitialInstanceCount),
      CurrentInstanceCount: num(lv?.CurrentInstanceCount),
      DesiredInstanceCount: num(lv?.DesiredInstanceCount),
      Serverless: serverless ? { MemorySizeInMB: num(serverless.MemorySizeInMB), MaxConcurrency: num(serverless.MaxConcurrency) } : null,
      model: modelName ? modelOf(modelName) : null,
    };
  });
}

export function modelRecord(m: DescribeModelCommandOutput): ModelRecord {
  const containers = [...(m.PrimaryContainer ? [m.PrimaryContainer] : []), ...(m.Containers ?? [])];
  return {
    ModelName: m.ModelName ?? '',
    ModelArn: m.ModelArn ?? null,
    ExecutionRoleArn: m.ExecutionRoleArn ?? null,
    EnableNetworkIsolation: m.EnableNetworkIsolation === true,
    VpcConfig: m.VpcConfig && (m.VpcConfig.Subnets?.length || m.VpcConfig.SecurityGroupIds?.length) ? { Subnets: m.VpcConfig.Subnets ?? [], SecurityGroupIds: m.VpcConfig.SecurityGroupIds ?? [] } : null,
    containers: containers.map((c) => ({ Image: c.Image ?? null, ModelDataUrl: text(c.ModelDataUrl), ModelPackageName: c.ModelPackageName ?? null })),
  };
}

export function scheduleRecord(s: MonitoringScheduleSummary): ScheduleRecord {
  return {
    MonitoringScheduleName: s.MonitoringScheduleName ?? '',
    EndpointName: s.EndpointName ?? null,
    MonitoringScheduleArn: s.MonitoringScheduleArn ?? null,
    MonitoringScheduleStatus: s.MonitoringScheduleStatus ?? null,
    MonitoringType: s.MonitoringType ?? null,
    MonitoringJobDefinitionName: s.MonitoringJobDefinitionName ?? null,
    LastModifiedTime: iso(s.LastModifiedTime),
  };
}
