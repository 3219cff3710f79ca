// bedrock against moto, seeded through the real SDK: invocation logging configured and not, custom
// customization jobs (whose listing moto 5.2.1 answers with timestamps the SDK refuses), and a Bedrock
// endpoint that refuses connections. Paging and the Get calls are tested against the AWS sandbox. Runs the real CLI and asserts records, calls and findings.
import { BedrockClient, CreateModelCustomizationJobCommand, PutModelInvocationLoggingConfigurationCommand } from '@aws-sdk/client-bedrock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import collector from '../../../collectors/bedrock/index.js';
import { collectBundle, bundleText, type CollectedBundle } from '../../helpers/collected.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../../helpers/moto.js';
import { freePort } from '../../helpers/net.js';

const moto = motoAvailable();
const REGION = 'us-east-1';
const DIR = `bedrock/${REGION}`;
const ROLE = 'arn:aws:iam::123456789012:role/bedrock-tune';
const KEY = 'arn:aws:kms:us-east-1:123456789012:key/1111-tune';
const JOBS = 3;

const config = (collectors = 'bedrock', settings = '') => writeConfig(tmpDir(), `sources:\n  aws:\n    - name: main\n      regions: [${REGION}]\ncollectors: [${collectors}]\nevidence:\n  dir: evidence\nsettings:\n  bedrock:\n    getCallsPerSecond: 1000\n${settings}`);

describe.skipIf(!moto.ok)('bedrock against moto', () => {
  let m: Moto;
  let b: CollectedBundle;
  let unlogged: CollectedBundle;

  beforeAll(async () => {
    m = await startMoto();
    const br = new BedrockClient({ region: REGION, endpoint: m.url, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
    // first without logging: the collect must say "not configured"
    unlogged = await collectBundle(config(), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
    await br.send(
      new PutModelInvocationLoggingConfigurationCommand({
        loggingConfig: { cloudWatchConfig: { logGroupName: '/bedrock/invocations', roleArn: ROLE, largeDataDeliveryS3Config: { bucketName: 'llm-large-logs' } }, textDataDeliveryEnabled: true, imageDataDeliveryEnabled: false, embeddingDataDeliveryEnabled: true },
      }),
    );
    for (let i = 0; i < JOBS; i++)
      await br.send(
        new CreateModelCustomizationJobCommand({
          jobName: `tune-${i}`,
          customModelName: `support-bot-${i}`,
          roleArn: ROLE,
          baseModelIdentifier: 'amazon.titan-text-express-v1',
          trainingDataConfig: { s3Uri: `s3://llm-training-data/support/${i}.jsonl` },
          outputDataConfig: { s3Uri: 's3://llm-model-output/support/' },
          hyperParameters: { epochCount: '2', apiKey: 'sk-live-CANARY1234567890abcdef' },
          // the first model is left on an AWS-owned key
          ...(i === 0 ? {} : { customModelKmsKeyId: KEY }),
        }),
      );
    br.destroy();
    b = await collectBundle(config(), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
  }, 180_000);
  afterAll(async () => {
    await m?.stop();
  });

  const finding = (r: CollectedBundle, id: string) => r.findings.find((f) => f.check === `bedrock.${id}`)!;

  it('without a logging configuration, invocation-logging fails saying so', () => {
    expect(unlogged.code, unlogged.stderr).toBe(0);
    expect(unlogged.json(`${DIR}/invocation-logging.json`)).toMatchObject({ configured: false, cloudWatch: null, s3: null });
    expect(finding(unlogged, 'invocation-logging')).toMatchObject({ status: 'fail', summary: 'model invocation logging is not configured: prompts and completions of LLM features are not logged' });
    expect(finding(unlogged, 'custom-model-encryption').status).toBe('not_applicable');
  });

  it('records the logging configuration and passes when text is delivered', () => {
    expect(b.json(`${DIR}/invocation-logging.json`)).toEqual({
      configured: true,
      textDataDeliveryEnabled: true,
      imageDataDeliveryEnabled: false,
      embeddingDataDeliveryEnabled: true,
      videoDataDeliveryEnabled: false,
      cloudWatch: { logGroupName: '/bedrock/invocations', roleArn: ROLE, largeDataDeliveryS3: { bucketName: 'llm-large-logs', keyPrefix: null } },
      s3: null,
    });
    expect(finding(b, 'invocation-logging')).toMatchObject({ status: 'pass', summary: 'invocations deliver text data to CloudWatch Logs /bedrock/invocations' });
    expect(b.provenance(`${DIR}/invocation-logging.json`).operations.map((o: any) => o.api)).toEqual(['bedrock:GetModelInvocationLoggingConfiguration']);
  });

  it('an empty account lists no models or jobs, completely, with one call per listing', () => {
    expect(unlogged.ndjson(`${DIR}/custom-models.ndjson`)).toEqual([]);
    const p = unlogged.provenance(`${DIR}/custom-models.ndjson`);
    expect(p.complete).toBe(true);
    expect(p.operations.map((o: any) => [o.api, o.calls])).toEqual([
      ['bedrock:ListCustomModels', 1],
      ['bedrock:GetCustomModel', 0],
    ]);
    expect(unlogged.manifest.collectors[0].apiCalls).toBe(3);
    for (const o of [...p.operations, ...unlogged.provenance(`${DIR}/customization-jobs.ndjson`).operations]) expect(collector.meta.permissions).toContain(o.api);
  });

  // moto 5.2.1 sends custom models' and jobs' times as "2026-12-03 15:40:00", not the RFC 3339 the
  // API defines: the SDK refuses the page. The listing is then a gap, never an empty list.
  it('a listing page the SDK cannot read is a gap: the artifact is incomplete and the finding error', () => {
    expect(b.code).toBe(3);
    expect(b.stderr).toContain('bedrock:ListCustomModels');
    expect(b.provenance(`${DIR}/custom-models.ndjson`).complete).toBe(false);
    expect(b.provenance(`${DIR}/customization-jobs.ndjson`).complete).toBe(false);
    expect(finding(b, 'custom-model-encryption').status).toBe('error');
    expect(bundleText(b.bundle)).not.toContain('CANARY');
  });

  it('requiredDataDelivery: image not delivered fails', async () => {
    const r = await collectBundle(config('bedrock', '    requiredDataDelivery: [text, image]\n'), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1' }), 'main');
    expect(finding(r, 'invocation-logging')).toMatchObject({ status: 'fail', summary: 'invocation logging does not deliver image data (delivered: text, embedding)' });
  }, 60_000);

  it('a Bedrock endpoint that refuses connections: every call a gap, findings error, never pass', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await collectBundle(config(), awsEnv(m.url, { AWS_MAX_ATTEMPTS: '1', AWS_ENDPOINT_URL_BEDROCK: dead }), 'main');
    expect(r.code).toBe(3);
    expect(r.json(`${DIR}/invocation-logging.json`)).toEqual({ error: expect.any(String) });
    expect(r.provenance(`${DIR}/custom-models.ndjson`).complete).toBe(false);
    expect(finding(r, 'invocation-logging').status).toBe('error');
    expect(finding(r, 'custom-model-encryption').status).toBe('error');
  }, 60_000);
});
