// Pure functions from bedrock's artifacts to findings; exceptions name the region's logging
// configuration or the custom model / job ARN. A record whose Get failed makes the finding `error`.
import type { Check, CheckInput } from '../../src/core/types.js';
import { judgeEach, merge, verdict, type Judgement } from '../_shared/sagemaker-checks.js';
import { DATA_TYPES, KIND, type DataType } from './kinds.js';
import type { CustomizationJobRecord, CustomModelRecord, InvocationLoggingRecord } from './record.js';

async function all<T>(i: CheckInput, kind: string): Promise<T[]> {
  const out: T[] = [];
  for await (const r of i.artifacts.iterate<T>(kind)) out.push(r);
  return out;
}

const FLAG: Record<DataType, keyof InvocationLoggingRecord> = {
  text: 'textDataDeliveryEnabled',
  image: 'imageDataDeliveryEnabled',
  embedding: 'embeddingDataDeliveryEnabled',
  video: 'videoDataDeliveryEnabled',
};

export function destinations(r: InvocationLoggingRecord): string[] {
  return [...(r.cloudWatch?.logGroupName ? [`CloudWatch Logs ${r.cloudWatch.logGroupName}`] : []), ...(r.s3?.bucketName ? [`s3://${r.s3.bucketName}/${r.s3.keyPrefix ?? ''}`] : [])];
}

/** The reasons the configuration falls short of logging the required data types somewhere. */
export function loggingShortfall(r: InvocationLoggingRecord, required: readonly DataType[]): string[] {
  if (!r.configured) return ['model invocation logging is not configured: prompts and completions of LLM features are not logged'];
  const off = required.filter((t) => r[FLAG[t]] !== true);
  return off.length ? [`invocation logging does not deliver ${off.join(', ')} data (delivered: ${DATA_TYPES.filter((t) => r[FLAG[t]] === true).join(', ') || 'nothing'})`] : [];
}

const modelEncryption = (m: CustomModelRecord): Judgement => (m.error ? { unread: `GetCustomModel failed (${m.error})` } : m.modelKmsKeyArn ? null : `custom model ${m.modelName ?? m.modelArn} is encrypted with an AWS-owned key, not a customer KMS key the entity can audit and revoke`);

/** A job whose model is not (yet) among the custom models: its output key decides. */
const jobEncryption = (j: CustomizationJobRecord): Judgement =>
  j.error ? { unread: `GetModelCustomizationJob failed (${j.error})` } : j.outputModelKmsKeyArn ? null : `customization job ${j.jobName ?? j.jobArn} writes its model${j.outputModelName ? ` ${j.outputModelName}` : ''} without a customer KMS key`;

export const checks: Check[] = [
  {
    id: 'bedrock.invocation-logging',
    title: 'Bedrock model invocations are logged',
    severity: 'medium',
    reads: [KIND.invocationLogging],
    async run(i) {
      const r = await i.artifacts.readJson<InvocationLoggingRecord>(KIND.invocationLogging);
      const required = (i.settings?.requiredDataDelivery ?? ['text']) as DataType[];
      const where = `bedrock invocation logging ${i.target.account ?? ''}/${i.target.region ?? ''}`;
      const reasons = loggingShortfall(r, required);
      if (reasons.length) return { status: 'fail', summary: reasons[0]!, exceptions: reasons.map((reason) => ({ resource: where, reason })) };
      return { status: 'pass', summary: `invocations deliver ${required.join(', ')} data to ${destinations(r).join(' and ')}`, exceptions: [] };
    },
  },
  {
    id: 'bedrock.custom-model-encryption',
    title: 'Bedrock custom models are encrypted with customer KMS keys',
    severity: 'medium',
    reads: [KIND.customModels, KIND.customizationJobs],
    async run(i) {
      const models = await all<CustomModelRecord>(i, KIND.customModels);
      // a job's model is known by the model's jobArn or the job's outputModelArn
      const have = new Set(models.flatMap((m) => [m.modelArn, m.jobArn]));
      const pending = (await all<CustomizationJobRecord>(i, KIND.customizationJobs)).filter((j) => !have.has(j.jobArn) && !(j.outputModelArn && have.has(j.outputModelArn)));
      const j = merge(judgeEach(models, (m) => m.modelArn, modelEncryption), judgeEach(pending, (x) => x.jobArn, jobEncryption));
      return verdict(j, {
        pass: `${models.length} custom models and ${pending.length} customization jobs without a model yet use customer KMS keys`,
        fail: (k) => `${k} of ${j.population} custom models and pending customization jobs lack a customer KMS key`,
        empty: 'no custom models or customization jobs in this region',
        noun: 'custom models or jobs',
      });
    },
  },
];
