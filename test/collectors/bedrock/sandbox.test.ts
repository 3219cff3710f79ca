// bedrock against the Bedrock sandbox (src/sandbox/aws/bedrock.ts; STS from the AWS sandbox) through the
// real CLI: every page of both listings with one Get per item and nothing else, hyperparameters never
// copied, models and running jobs without a customer key, and denied calls as gaps, never passes.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import collector from '../../../collectors/bedrock/index.js';
import { startBedrockSandbox, type BedrockCustomModel, type BedrockSandbox } from '../../../src/sandbox/aws/bedrock.js';
import { startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { bundleText, collectBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { SM_ACCOUNT, SM_REGION, sagemakerSeed } from '../../helpers/sagemaker-seed.js';

const DIR = `bedrock/${SM_REGION}`;
/** 250 models: three pages of 100 */
const MODELS = 250;
const KEY = `arn:aws:kms:${SM_REGION}:${SM_ACCOUNT}:key/bedrock`;
const CANARY = 'CANARY-bedrock-hp-51e0';

const models: BedrockCustomModel[] = Array.from({ length: MODELS }, (_, i) => ({
  modelName: `assistant-${i}`,
  baseModelId: 'anthropic.claude-3-haiku-20240307-v1:0',
  jobName: `tune-assistant-${i}`,
  // model 17 is left on an AWS-owned key
  ...(i === 17 ? {} : { kmsKeyArn: KEY }),
  trainingS3Uri: `s3://acme-llm-training/assistant/${i}/train.jsonl`,
  validationS3Uris: [`s3://acme-llm-training/assistant/${i}/val.jsonl`],
  outputS3Uri: 's3://acme-llm-output/assistant/',
  hyperParameters: { epochCount: '3', wandbKey: CANARY },
  createdAt: new Date(Date.UTC(2026, 10, 1, 0, i)).toISOString(),
}));

describe('bedrock against the Bedrock sandbox', () => {
  let aws: AwsSandbox;
  let br: BedrockSandbox;
  beforeAll(async () => {
    aws = await startAwsSandbox({ seed: sagemakerSeed() });
    br = await startBedrockSandbox({
      account: SM_ACCOUNT,
      region: SM_REGION,
      logging: { s3Config: { bucketName: 'acme-llm-invocation-logs', keyPrefix: 'prod/' }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: true, embeddingDataDeliveryEnabled: false },
      models,
      runningJobs: [
        { modelName: 'next-assistant', baseModelId: 'amazon.titan-text-express-v1', jobName: 'tune-next', trainingS3Uri: 's3://acme-llm-training/next/', outputS3Uri: 's3://acme-llm-output/next/' },
        { modelName: 'keyed-next', baseModelId: 'amazon.titan-text-express-v1', jobName: 'tune-keyed', kmsKeyArn: KEY, trainingS3Uri: 's3://acme-llm-training/keyed/', outputS3Uri: 's3://acme-llm-output/keyed/' },
      ],
    });
  });
  afterAll(async () => {
    await br?.close();
    await aws?.close();
  });
  beforeEach(() => {
    br.requests.length = 0;
    br.denied.clear();
  });

  const collect = () => collectBundle(writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${SM_REGION}]\ncollectors: [bedrock]\nevidence:\n  dir: evidence\nsettings:\n  bedrock:\n    getCallsPerSecond: 10000\n`), awsEnv(aws.url, { AWS_ENDPOINT_URL_BEDROCK: br.url, AWS_MAX_ATTEMPTS: '1' }), 'main');
  const count = (a: string) => br.requests.filter((q) => q.action === a).length;

  it('lists every page of both listings, one Get per item, the minimum of calls, declared calls only', async () => {
    const b = await collect();
    expect(b.code, b.stderr).toBe(0);
    expect(b.ndjson(`${DIR}/custom-models.ndjson`)).toHaveLength(MODELS);
    expect(b.ndjson(`${DIR}/customization-jobs.ndjson`)).toHaveLength(MODELS + 2);
    expect([count('GetModelInvocationLoggingConfiguration'), count('ListCustomModels'), count('GetCustomModel'), count('ListModelCustomizationJobs'), count('GetModelCustomizationJob')]).toEqual([1, 3, MODELS, 3, MODELS + 2]);
    for (const q of br.requests) expect(collector.meta.permissions, q.action).toContain(`bedrock:${q.action}`);
    expect(b.manifest.collectors.find((c: any) => c.id === 'bedrock').apiCalls).toBe(br.requests.length);
    expect(b.ndjson(`${DIR}/custom-models.ndjson`).find((m) => m.modelName === 'assistant-3')).toEqual({
      modelArn: `arn:aws:bedrock:${SM_REGION}:${SM_ACCOUNT}:custom-model/assistant-3`,
      modelName: 'assistant-3',
      creationTime: '2026-11-01T00:03:00.000Z',
      baseModelArn: `arn:aws:bedrock:${SM_REGION}::foundation-model/anthropic.claude-3-haiku-20240307-v1:0`,
      customizationType: 'FINE_TUNING',
      jobArn: `arn:aws:bedrock:${SM_REGION}:${SM_ACCOUNT}:model-customization-job/tune-assistant-3`,
      jobName: 'tune-assistant-3',
      modelKmsKeyArn: KEY,
      modelStatus: 'Active',
      trainingDataS3Uri: 's3://acme-llm-training/assistant/3/train.jsonl',
      validationDataS3Uris: ['s3://acme-llm-training/assistant/3/val.jsonl'],
      outputDataS3Uri: 's3://acme-llm-output/assistant/',
    });
    expect(bundleText(b.bundle)).not.toContain(CANARY);
  });

  it('judges logging to S3 and names the model and the running job without a customer key', async () => {
    const b = await collect();
    const f = (id: string) => b.findings.find((x) => x.check === `bedrock.${id}`)!;
    expect(f('invocation-logging')).toMatchObject({ status: 'pass', summary: 'invocations deliver text data to s3://acme-llm-invocation-logs/prod/' });
    expect(f('custom-model-encryption')).toMatchObject({ status: 'fail', summary: `2 of ${MODELS + 2} custom models and pending customization jobs lack a customer KMS key` });
    expect(f('custom-model-encryption').exceptions.map((e: any) => e.reason)).toEqual([
      'custom model assistant-17 is encrypted with an AWS-owned key, not a customer KMS key the entity can audit and revoke',
      'customization job tune-next writes its model next-assistant without a customer KMS key',
    ]);
  });

  it('a denied GetCustomModel marks every model, names 25 in gaps and sums up the rest; the finding is error', async () => {
    br.denied.add('GetCustomModel');
    const b = await collect();
    expect(b.code).toBe(3);
    const recs = b.ndjson(`${DIR}/custom-models.ndjson`);
    expect(recs).toHaveLength(MODELS);
    expect(new Set(recs.map((m) => m.error))).toEqual(new Set(['AccessDeniedException']));
    const text = JSON.stringify(b.manifest);
    expect(text).toContain('bedrock:GetCustomModel arn:aws:bedrock');
    expect(text).toContain(`${MODELS - 25} more items failed the same way`);
    expect(b.findings.find((x) => x.check === 'bedrock.custom-model-encryption').status).toBe('error');
  });

  it('a denied logging read is a gap and an error finding, never "not configured"', async () => {
    br.denied.add('GetModelInvocationLoggingConfiguration');
    const b = await collect();
    expect(b.code).toBe(3);
    expect(b.json(`${DIR}/invocation-logging.json`)).toEqual({ error: 'AccessDeniedException' });
    expect(b.findings.find((x) => x.check === 'bedrock.invocation-logging').status).toBe('error');
  });
});
