// The calls of bedrock (see index.ts): the region's model invocation logging configuration, then two
// listings, each to its last page, with one Get per item (the summaries carry neither the KMS key nor
// the data locations): custom models and model customization jobs. No call writes anything.
import {
  BedrockClient,
  GetCustomModelCommand,
  GetModelCustomizationJobCommand,
  GetModelInvocationLoggingConfigurationCommand,
  ListCustomModelsCommand,
  ListModelCustomizationJobsCommand,
} from '@aws-sdk/client-bedrock';
import { makeClient } from '../../src/clients/aws.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import type { OperationRecord } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { counted, listingGap, listPages, op } from '../_shared/sagemaker.js';
import type { BedrockSettings } from './index.js';
import { KIND } from './kinds.js';
import { customizationJobRecord, customModelRecord, invocationLoggingRecord } from './record.js';

const MAX_POOL = 16;
/** maxResults of both listings (the API allows 1–1000) */
export const PAGE_SIZE = 100;

type Call = ReturnType<typeof counted>;
type Gaps = ReturnType<typeof itemGaps>;

interface Inventory<S, D, R> {
  kind: string;
  list: OperationRecord;
  get: OperationRecord;
  fetch(token: string | undefined): Promise<{ nextToken?: string | undefined; items: S[] }>;
  name(s: S): string;
  send(s: S): Promise<D>;
  build(s: S, d: D | null, error?: string): R & { error?: string };
}

/** One listing to its last page, one Get per item with a bounded pool, one ndjson artifact. */
async function inventory<S, D, R>(ctx: AwsContext, call: Call, gaps: Gaps, inv: Inventory<S, D, R>): Promise<void> {
  const out = await ctx.artifacts.ndjson(inv.kind);
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const n = { records: 0, getErrors: 0 };
  const record = async (s: S) => {
    try {
      return inv.build(s, await call(inv.get, () => inv.send(s)));
    } catch (e) {
      return inv.build(s, null, gaps.add(inv.get.api, inv.name(s), e).code);
    }
  };
  let complete = true;
  try {
    await listPages(ctx, inv.list, inv.fetch, async (page) => {
      for (const r of await mapPool(page.items, pool, record)) {
        n.records++;
        if (r.error) n.getErrors++;
        await out.write(r);
      }
    }, (page) => page.nextToken);
  } catch (e) {
    listingGap(ctx, inv.list.api, e);
    complete = false;
  }
  await out.finish({ operations: [{ ...inv.list }, { ...inv.get }], complete, notes: { ...n, ...(complete ? {} : { stoppedAfterPages: inv.list.pages }) } });
}

/** The logging configuration, or a gap and an incomplete artifact saying it could not be read. */
async function invocationLogging(ctx: AwsContext, br: BedrockClient): Promise<void> {
  const o: OperationRecord = { api: 'bedrock:GetModelInvocationLoggingConfiguration', params: {}, pages: 0, calls: 1 };
  try {
    const r = await br.send(new GetModelInvocationLoggingConfigurationCommand({}), { abortSignal: ctx.signal });
    o.pages = 1;
    await ctx.artifacts.json(KIND.invocationLogging, invocationLoggingRecord(r), { operations: [o], complete: true, records: 1 });
  } catch (e) {
    const d = describeError(e);
    ctx.gap({ api: o.api, ...d });
    await ctx.artifacts.json(KIND.invocationLogging, { error: d.code }, { operations: [o], complete: false, records: 0 });
  }
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as BedrockSettings;
  const br = makeClient(BedrockClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const call = counted(rateLimiter(s.getCallsPerSecond, ctx.signal));
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'items', where: `${KIND.customModels} / ${KIND.customizationJobs}` });
  try {
    await invocationLogging(ctx, br);
    await inventory(ctx, call, gaps, {
      kind: KIND.customModels,
      list: op('bedrock:ListCustomModels', { maxResults: PAGE_SIZE }),
      get: op('bedrock:GetCustomModel', { modelIdentifier: '<each custom model>' }),
      fetch: async (nextToken) => {
        const p = await br.send(new ListCustomModelsCommand({ maxResults: PAGE_SIZE, nextToken }), opts);
        return { nextToken: p.nextToken, items: p.modelSummaries ?? [] };
      },
      name: (m) => m.modelArn ?? m.modelName ?? '?',
      send: (m) => br.send(new GetCustomModelCommand({ modelIdentifier: m.modelArn ?? m.modelName }), opts),
      build: customModelRecord,
    });
    await inventory(ctx, call, gaps, {
      kind: KIND.customizationJobs,
      list: op('bedrock:ListModelCustomizationJobs', { maxResults: PAGE_SIZE }),
      get: op('bedrock:GetModelCustomizationJob', { jobIdentifier: '<each customization job>' }),
      fetch: async (nextToken) => {
        const p = await br.send(new ListModelCustomizationJobsCommand({ maxResults: PAGE_SIZE, nextToken }), opts);
        return { nextToken: p.nextToken, items: p.modelCustomizationJobSummaries ?? [] };
      },
      name: (j) => j.jobArn ?? j.jobName ?? '?',
      send: (j) => br.send(new GetModelCustomizationJobCommand({ jobIdentifier: j.jobArn ?? j.jobName }), opts),
      build: customizationJobRecord,
    });
    gaps.flush();
  } finally {
    br.destroy();
  }
}
