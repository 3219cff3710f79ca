// Amazon Bedrock, per account × region: the model invocation logging configuration (which data types
// are delivered to CloudWatch Logs / S3: inference logging for LLM features), every custom model
// (ListCustomModels, every page; GetCustomModel each: KMS key, training data) and every model
// customization job (ListModelCustomizationJobs, every page; GetModelCustomizationJob each: base
// model, training and validation data S3 URIs, output KMS key, VPC) as the lineage of the custom
// models. aws-data-stores reads the S3 locations. The calls live in collect.ts, loaded on first use.
import * as z from 'zod';
import { defineCollector, type AwsContext } from '../define.js';
import { checks } from './checks.js';
import { DATA_TYPES, KIND } from './kinds.js';

export { KIND, DATA_TYPES, type DataType } from './kinds.js';

export const settings = z.strictObject({
  /** data types whose delivery to the invocation logs invocation-logging requires */
  requiredDataDelivery: z.array(z.enum(DATA_TYPES)).min(1).default(['text']),
  /** GetCustomModel / GetModelCustomizationJob calls started per second */
  getCallsPerSecond: z.number().positive().max(10_000).default(10),
});
export type BedrockSettings = z.infer<typeof settings>;

export default defineCollector<AwsContext>({
  meta: {
    id: 'bedrock',
    title: 'Amazon Bedrock: model invocation logging, custom models and their KMS keys, model customization jobs with their training data',
    source: 'aws',
    scope: 'regional',
    settings,
    permissions: ['bedrock:GetModelInvocationLoggingConfiguration', 'bedrock:ListCustomModels', 'bedrock:GetCustomModel', 'bedrock:ListModelCustomizationJobs', 'bedrock:GetModelCustomizationJob'],
    artifacts: [
      {
        kind: KIND.invocationLogging,
        file: 'invocation-logging.json',
        description: 'The region’s model invocation logging configuration: whether one exists, which data types (text, image, embedding, video) are delivered, the CloudWatch Logs group (and its large-data S3 location) and the S3 destination; {error} when it could not be read.',
      },
      {
        kind: KIND.customModels,
        file: 'custom-models.ndjson',
        description: 'One record per custom model: name, ARN, base model, customization type, the job that produced it, its KMS key (null: AWS-owned), status and the training, validation and output S3 URIs (credentials redacted).',
      },
      {
        kind: KIND.customizationJobs,
        file: 'customization-jobs.ndjson',
        description: 'One record per model customization job: status, times, base model, role, output model and its KMS key, VPC, training, validation and output S3 URIs (credentials redacted). Hyperparameters are never copied.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    await (await import('./collect.js')).collect(ctx);
  },
});
