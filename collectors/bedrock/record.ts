// The records bedrock writes, built from the Get* answers by an explicit allow-list of fields.
// Hyperparameters are never copied (they may hold credentials); S3 URIs have credentials redacted.
import type { GetCustomModelCommandOutput, GetModelCustomizationJobCommandOutput, GetModelInvocationLoggingConfigurationCommandOutput, CustomModelSummary, ModelCustomizationJobSummary } from '@aws-sdk/client-bedrock';
import { iso } from '../_shared/sagemaker.js';
import { redactString } from '../_shared/redact.js';

const text = (v: string | undefined | null): string | null => (v ? redactString(v) : null);

export interface InvocationLoggingRecord {
  /** false: no logging configuration in this region (GetModelInvocationLoggingConfiguration answered without one) */
  configured: boolean;
  textDataDeliveryEnabled: boolean;
  imageDataDeliveryEnabled: boolean;
  embeddingDataDeliveryEnabled: boolean;
  videoDataDeliveryEnabled: boolean;
  cloudWatch: { logGroupName: string | null; roleArn: string | null; largeDataDeliveryS3: { bucketName: string | null; keyPrefix: string | null } | null } | null;
  s3: { bucketName: string | null; keyPrefix: string | null } | null;
}

const s3Dest = (c: { bucketName?: string | undefined; keyPrefix?: string | undefined } | undefined) => (c?.bucketName ? { bucketName: c.bucketName, keyPrefix: c.keyPrefix ?? null } : null);

export function invocationLoggingRecord(out: GetModelInvocationLoggingConfigurationCommandOutput): InvocationLoggingRecord {
  const c = out.loggingConfig;
  const cw = c?.cloudWatchConfig;
  const s3 = s3Dest(c?.s3Config);
  const cloudWatch = cw?.logGroupName ? { logGroupName: cw.logGroupName, roleArn: cw.roleArn ?? null, largeDataDeliveryS3: s3Dest(cw.largeDataDeliveryS3Config) } : null;
  return {
    // moto answers {} for "none", AWS an empty loggingConfig: neither names a destination
    configured: !!(cloudWatch || s3),
    textDataDeliveryEnabled: c?.textDataDeliveryEnabled === true,
    imageDataDeliveryEnabled: c?.imageDataDeliveryEnabled === true,
    embeddingDataDeliveryEnabled: c?.embeddingDataDeliveryEnabled === true,
    videoDataDeliveryEnabled: c?.videoDataDeliveryEnabled === true,
    cloudWatch,
    s3,
  };
}

interface DataConfigs {
  trainingDataS3Uri: string | null;
  validationDataS3Uris: string[];
  outputDataS3Uri: string | null;
}

function dataConfigs(d: { trainingDataConfig?: { s3Uri?: string | undefined } | undefined; validationDataConfig?: { validators?: { s3Uri?: string | undefined }[] | undefined } | undefined; outputDataConfig?: { s3Uri?: string | undefined } | undefined } | null): DataConfigs {
  return {
    trainingDataS3Uri: text(d?.trainingDataConfig?.s3Uri),
    validationDataS3Uris: (d?.validationDataConfig?.validators ?? []).map((v) => text(v.s3Uri)).filter((x): x is string => !!x),
    outputDataS3Uri: text(d?.outputDataConfig?.s3Uri),
  };
}

export interface CustomModelRecord extends DataConfigs {
  modelArn: string;
  modelName: string | null;
  creationTime: string | null;
  baseModelArn: string | null;
  customizationType: string | null;
  jobArn: string | null;
  jobName: string | null;
  /** the customer KMS key the model is encrypted with; null: an AWS-owned key */
  modelKmsKeyArn: string | null;
  modelStatus: string | null;
  /** set when GetCustomModel failed: the record holds only what the listing said */
  error?: string;
}

export function customModelRecord(s: CustomModelSummary, d: GetCustomModelCommandOutput | null, error?: string): CustomModelRecord {
  return {
    modelArn: s.modelArn ?? d?.modelArn ?? '',
    modelName: s.modelName ?? d?.modelName ?? null,
    creationTime: iso(d?.creationTime ?? s.creationTime),
    baseModelArn: d?.baseModelArn ?? s.baseModelArn ?? null,
    customizationType: d?.customizationType ?? s.customizationType ?? null,
    jobArn: d?.jobArn ?? null,
    jobName: d?.jobName ?? null,
    modelKmsKeyArn: d?.modelKmsKeyArn || null,
    modelStatus: d?.modelStatus ?? s.modelStatus ?? null,
    ...dataConfigs(d),
    ...(error !== undefined ? { error } : {}),
  };
}

export interface CustomizationJobRecord extends DataConfigs {
  jobArn: string;
  jobName: string | null;
  status: string | null;
  creationTime: string | null;
  endTime: string | null;
  baseModelArn: string | null;
  roleArn: string | null;
  customizationType: string | null;
  outputModelArn: string | null;
  outputModelName: string | null;
  /** the KMS key the job's output model is encrypted with; null: an AWS-owned key */
  outputModelKmsKeyArn: string | null;
  vpcConfig: { subnetIds: string[]; securityGroupIds: string[] } | null;
  error?: string;
}

export function customizationJobRecord(s: ModelCustomizationJobSummary, d: GetModelCustomizationJobCommandOutput | null, error?: string): CustomizationJobRecord {
  return {
    jobArn: s.jobArn ?? d?.jobArn ?? '',
    jobName: s.jobName ?? d?.jobName ?? null,
    status: d?.status ?? s.status ?? null,
    creationTime: iso(d?.creationTime ?? s.creationTime),
    endTime: iso(d?.endTime ?? s.endTime),
    baseModelArn: d?.baseModelArn ?? s.baseModelArn ?? null,
    roleArn: d?.roleArn ?? null,
    customizationType: d?.customizationType ?? s.customizationType ?? null,
    outputModelArn: d?.outputModelArn ?? s.customModelArn ?? null,
    outputModelName: d?.outputModelName ?? s.customModelName ?? null,
    outputModelKmsKeyArn: d?.outputModelKmsKeyArn || null,
    vpcConfig: d?.vpcConfig && (d.vpcConfig.subnetIds?.length || d.vpcConfig.securityGroupIds?.length) ? { subnetIds: d.vpcConfig.subnetIds ?? [], securityGroupIds: d.vpcConfig.securityGroupIds ?? [] } : null,
    ...dataConfigs(d),
    ...(error !== undefined ? { error } : {}),
  };
}
