// The records sagemaker-training writes, built from the Describe* answers by an explicit allow-list
// of fields. Hyperparameters and environment variables (training and processing) are never copied
// (they may hold credentials).
import type {
  DescribeDomainCommandOutput,
  DescribeNotebookInstanceCommandOutput,
  DescribeProcessingJobCommandOutput,
  DescribeTrainingJobCommandOutput,
  DomainDetails,
  NotebookInstanceSummary,
  PipelineExecutionStep,
  PipelineExecutionSummary,
  PipelineSummary,
  ProcessingJobSummary,
  TrainingJobSummary,
} from '@aws-sdk/client-sagemaker';
import { iso } from '../_shared/sagemaker.js';
import { redactString } from '../_shared/redact.js';

const text = (v: string | undefined | null): string | null => (v ? redactString(v) : null);
const vpc = (v: { Subnets?: string[] | undefined; SecurityGroupIds?: string[] | undefined } | undefined) =>
  v && (v.Subnets?.length || v.SecurityGroupIds?.length) ? { Subnets: v.Subnets ?? [], SecurityGroupIds: v.SecurityGroupIds ?? [] } : null;

export interface TrainingJobRecord {
  TrainingJobName: string;
  TrainingJobArn: string | null;
  TrainingJobStatus: string | null;
  CreationTime: string | null;
  TrainingEndTime: string | null;
  RoleArn: string | null;
  /** input data channels: name and S3 URI (or the file system) */
  channels: { ChannelName: string; S3Uri: string | null; FileSystem: string | null }[];
  OutputS3Path: string | null;
  OutputKmsKeyId: string | null;
  VolumeKmsKeyId: string | null;
  InstanceType: string | null;
  InstanceCount: number | null;
  VpcConfig: { Subnets: string[]; SecurityGroupIds: string[] } | null;
  EnableNetworkIsolation: boolean;
  EnableInterContainerTrafficEncryption: boolean;
  S3ModelArtifacts: string | null;
  /** the container image the job ran (AlgorithmSpecification.TrainingImage); null for a built-in algorithm named by AlgorithmName, or when unknown */
  TrainingImage?: string | null;
  /** set when DescribeTrainingJob failed: the record holds only what the listing said */
  error?: string;
}

export function trainingJobRecord(s: TrainingJobSummary, d: DescribeTrainingJobCommandOutput | null, error?: string): TrainingJobRecord {
  const rc = d?.ResourceConfig;
  return {
    TrainingJobName: s.TrainingJobName ?? d?.TrainingJobName ?? '',
    TrainingJobArn: s.TrainingJobArn ?? d?.TrainingJobArn ?? null,
    TrainingJobStatus: d?.TrainingJobStatus ?? s.TrainingJobStatus ?? null,
    CreationTime: iso(d?.CreationTime ?? s.CreationTime),
    TrainingEndTime: iso(d?.TrainingEndTime ?? s.TrainingEndTime),
    RoleArn: d?.RoleArn ?? null,
    channels: (d?.InputDataConfig ?? []).map((c) => ({
      ChannelName: c.ChannelName ?? '',
      S3Uri: text(c.DataSource?.S3DataSource?.S3Uri),
      FileSystem: c.DataSource?.FileSystemDataSource ? `${c.DataSource.FileSystemDataSource.FileSystemType ?? '?'}:${c.DataSource.FileSystemDataSource.FileSystemId ?? '?'}${c.DataSource.FileSystemDataSource.DirectoryPath ?? ''}` : null,
    })),
    OutputS3Path: text(d?.OutputDataConfig?.S3OutputPath),
    OutputKmsKeyId: d?.OutputDataConfig?.KmsKeyId || null,
    VolumeKmsKeyId: rc?.VolumeKmsKeyId || null,
    InstanceType: rc?.InstanceType ?? rc?.InstanceGroups?.[0]?.InstanceType ?? null,
    InstanceCount: rc?.InstanceCount ?? (rc?.InstanceGroups?.length ? rc.InstanceGroups.reduce((n, g) => n + (g.InstanceCount ?? 0), 0) : null),
    VpcConfig: vpc(d?.VpcConfig),
    EnableNetworkIsolation: d?.EnableNetworkIsolation === true,
    EnableInterContainerTrafficEncryption: d?.EnableInterContainerTrafficEncryption === true,
    S3ModelArtifacts: text(d?.ModelArtifacts?.S3ModelArtifacts),
    TrainingImage: d?.AlgorithmSpecification?.TrainingImage ?? null,
    ...(error !== undefined ? { error } : {}),
  };
}

export interface ProcessingJobRecord {
  ProcessingJobName: string;
  ProcessingJobArn: string | null;
  ProcessingJobStatus: string | null;
  CreationTime: string | null;
  ProcessingEndTime: string | null;
  RoleArn: string | null;
  /** the data it read: name and S3 URI (or the dataset definition's kind) */
  inputs: { InputName: string; S3Uri: string | null; DatasetDefinition: string | null }[];
  outputs: { OutputName: string; S3Uri: string | null }[];
  OutputKmsKeyId: string | null;
  VolumeKmsKeyId: string | null;
  InstanceType: string | null;
  InstanceCount: number | null;
  VpcConfig: { Subnets: string[]; SecurityGroupIds: string[] } | null;
  EnableNetworkIsolation: boolean;
  EnableInterContainerTrafficEncryption: boolean;
  ImageUri: string | null;
  /** the training job it ran for, when any */
  TrainingJobArn: string | null;
  /** set when DescribeProcessingJob failed: the record holds only what the listing said */
  error?: string;
}

/** a dataset definition (Athena / Redshift query) named by its kind and database, never its query */
function datasetDefinition(d: NonNullable<NonNullable<DescribeProcessingJobCommandOutput['ProcessingInputs']>[number]['DatasetDefinition']>): string {
  if (d.AthenaDatasetDefinition) return `athena:${d.AthenaDatasetDefinition.Catalog ?? '?'}/${d.AthenaDatasetDefinition.Database ?? '?'}`;
  if (d.RedshiftDatasetDefinition) return `redshift:${d.RedshiftDatasetDefinition.ClusterId ?? '?'}/${d.RedshiftDatasetDefinition.Database ?? '?'}`;
  return 'dataset-definition';
}

export function processingJobRecord(s: ProcessingJobSummary, d: DescribeProcessingJobCommandOutput | null, error?: string): ProcessingJobRecord {
  const cc = d?.ProcessingResources?.ClusterConfig;
  const net = d?.NetworkConfig;
  return {
    ProcessingJobName: s.ProcessingJobName ?? d?.ProcessingJobName ?? '',
    ProcessingJobArn: s.ProcessingJobArn ?? d?.ProcessingJobArn ?? null,
    ProcessingJobStatus: d?.ProcessingJobStatus ?? s.ProcessingJobStatus ?? null,
    CreationTime: iso(d?.CreationTime ?? s.CreationTime),
    ProcessingEndTime: iso(d?.ProcessingEndTime ?? s.ProcessingEndTime),
    RoleArn: d?.RoleArn ?? null,
    inputs: (d?.ProcessingInputs ?? []).map((i) => ({ InputName: i.InputName ?? '', S3Uri: text(i.S3Input?.S3Uri), DatasetDefinition: i.DatasetDefinition ? datasetDefinition(i.DatasetDefinition) : null })),
    outputs: (d?.ProcessingOutputConfig?.Outputs ?? []).map((o) => ({ OutputName: o.OutputName ?? '', S3Uri: text(o.S3Output?.S3Uri) })),
    OutputKmsKeyId: d?.ProcessingOutputConfig?.KmsKeyId || null,
    VolumeKmsKeyId: cc?.VolumeKmsKeyId || null,
    InstanceType: cc?.InstanceType ?? null,
    InstanceCount: cc?.InstanceCount ?? null,
    VpcConfig: vpc(net?.VpcConfig),
    EnableNetworkIsolation: net?.EnableNetworkIsolation === true,
    EnableInterContainerTrafficEncryption: net?.EnableInterContainerTrafficEncryption === true,
    ImageUri: d?.AppSpecification?.ImageUri ?? null,
    TrainingJobArn: d?.TrainingJobArn ?? null,
    ...(error !== undefined ? { error } : {}),
  };
}

/** One pipeline step of the latest execution and the job or resource it ran (from its Metadata). */
export interface PipelineStepRecord {
  StepName: string;
  StepStatus: string | null;
  StartTime: string | null;
  EndTime: string | null;
  TrainingJobArn: string | null;
  ProcessingJobArn: string | null;
  ModelArn: string | null;
  ModelPackageArn: string | null;
}

export interface PipelineRecord {
  PipelineName: string;
  PipelineArn: string | null;
  RoleArn: string | null;
  CreationTime: string | null;
  LastExecutionTime: string | null;
  /** the newest execution (null: never run, or ListPipelineExecutions failed), with every step (null: ListPipelineExecutionSteps failed) */
  latestExecution: { PipelineExecutionArn: string | null; PipelineExecutionStatus: string | null; StartTime: string | null; steps: PipelineStepRecord[] | null } | null;
  /** set when ListPipelineExecutions or ListPipelineExecutionSteps failed */
  error?: string;
}

export function stepRecord(s: PipelineExecutionStep): PipelineStepRecord {
  const m = s.Metadata;
  return {
    StepName: s.StepName ?? '',
    StepStatus: s.StepStatus ?? null,
    StartTime: iso(s.StartTime),
    EndTime: iso(s.EndTime),
    TrainingJobArn: m?.TrainingJob?.Arn ?? null,
    ProcessingJobArn: m?.ProcessingJob?.Arn ?? null,
    ModelArn: m?.Model?.Arn ?? null,
    ModelPackageArn: m?.RegisterModel?.Arn ?? null,
  };
}

export function pipelineRecord(p: PipelineSummary, latest: { e: PipelineExecutionSummary | undefined; steps: PipelineExecutionStep[] | null; error?: string } | null, failed?: string): PipelineRecord {
  const e = latest?.e;
  const error = failed ?? latest?.error;
  return {
    PipelineName: p.PipelineName ?? '',
    PipelineArn: p.PipelineArn ?? null,
    RoleArn: p.RoleArn ?? null,
    CreationTime: iso(p.CreationTime),
    LastExecutionTime: iso(p.LastExecutionTime),
    latestExecution: e ? { PipelineExecutionArn: e.PipelineExecutionArn ?? null, PipelineExecutionStatus: e.PipelineExecutionStatus ?? null, StartTime: iso(e.StartTime), steps: latest.steps?.map(stepRecord) ?? null } : null,
    ...(error !== undefined ? { error } : {}),
  };
}

export interface NotebookRecord {
  NotebookInstanceName: string;
  NotebookInstanceArn: string | null;
  NotebookInstanceStatus: string | null;
  InstanceType: string | null;
  /** Enabled | Disabled; null when unknown (describe failed) */
  DirectInternetAccess: string | null;
  RootAccess: string | null;
  KmsKeyId: string | null;
  SubnetId: string | null;
  SecurityGroups: string[];
  RoleArn: string | null;
  CreationTime: string | null;
  error?: string;
}

export function notebookRecord(s: NotebookInstanceSummary, d: DescribeNotebookInstanceCommandOutput | null, error?: string): NotebookRecord {
  return {
    NotebookInstanceName: s.NotebookInstanceName ?? '',
    NotebookInstanceArn: s.NotebookInstanceArn ?? null,
    NotebookInstanceStatus: d?.NotebookInstanceStatus ?? s.NotebookInstanceStatus ?? null,
    InstanceType: d?.InstanceType ?? s.InstanceType ?? null,
    DirectInternetAccess: d?.DirectInternetAccess ?? null,
    RootAccess: d?.RootAccess ?? null,
    KmsKeyId: d?.KmsKeyId || null,
    SubnetId: d?.SubnetId || null,
    SecurityGroups: d?.SecurityGroups ?? [],
    RoleArn: d?.RoleArn ?? null,
    CreationTime: iso(d?.CreationTime ?? s.CreationTime),
    ...(error !== undefined ? { error } : {}),
  };
}

export interface DomainRecord {
  DomainId: string;
  DomainName: string | null;
  DomainArn: string | null;
  Status: string | null;
  /** PublicInternetOnly | VpcOnly; null when unknown */
  AppNetworkAccessType: string | null;
  KmsKeyId: string | null;
  VpcId: string | null;
  SubnetIds: string[];
  AuthMode: string | null;
  error?: string;
}

export function domainRecord(s: DomainDetails, d: DescribeDomainCommandOutput | null, error?: string): DomainRecord {
  return {
    DomainId: s.DomainId ?? d?.DomainId ?? '',
    DomainName: s.DomainName ?? d?.DomainName ?? null,
    DomainArn: s.DomainArn ?? d?.DomainArn ?? null,
    Status: d?.Status ?? s.Status ?? null,
    AppNetworkAccessType: d?.AppNetworkAccessType ?? null,
    KmsKeyId: d?.KmsKeyId || null,
    VpcId: d?.VpcId ?? null,
    SubnetIds: d?.SubnetIds ?? [],
    AuthMode: d?.AuthMode ?? null,
    ...(error !== undefined ? { error } : {}),
  };
}
