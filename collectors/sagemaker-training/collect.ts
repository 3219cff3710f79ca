// The calls of sagemaker-training (see index.ts): three listings, each to its last page, with one
// describe per item (the summaries carry none of the settings the checks judge): training jobs of
// the look-back window, notebook instances, Studio domains. No call writes anything.
import {
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  DescribeTrainingJobCommand,
  ListDomainsCommand,
  ListNotebookInstancesCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
} from '@aws-sdk/client-sagemaker';
import { makeClient } from '../../src/clients/aws.js';
import { mapPool } from '../../src/core/pool.js';
import { rateLimiter } from '../../src/core/rate-limit.js';
import type { OperationRecord } from '../../src/core/types.js';
import { DAY_MS, type AwsContext } from '../define.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { counted, listAll, listingGap, op, PAGE_SIZE } from '../_shared/sagemaker.js';
import type { TrainingSettings } from './index.js';
import { KIND } from './kinds.js';
import { domainRecord, notebookRecord, trainingJobRecord } from './record.js';

const MAX_POOL = 16;

interface Inventory<S, R> {
  kind: string;
  list: OperationRecord;
  describe: OperationRecord;
  fetch(token: string | undefined): Promise<{ NextToken?: string | undefined; items: S[] }>;
  /** the record of one summary, from its describe (which records its own failure) */
  record(s: S): Promise<R & { error?: string }>;
  periodCovered?: { from: string; to: string };
}

/** One listing to its last page, one describe per item with a bounded pool, one ndjson artifact. */
async function inventory<S, R>(ctx: AwsContext, inv: Inventory<S, R>): Promise<void> {
  const out = await ctx.artifacts.ndjson(inv.kind);
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const n = { records: 0, describeErrors: 0 };
  let complete = true;
  try {
    await listAll(ctx, inv.list, inv.fetch, async (page) => {
      for (const r of await mapPool(page.items, pool, inv.record)) {
        n.records++;
        if (r.error) n.describeErrors++;
        await out.write(r);
      }
    });
  } catch (e) {
    listingGap(ctx, inv.list.api, e);
    complete = false;
  }
  await out.finish({ operations: [{ ...inv.list }, { ...inv.describe }], complete, ...(inv.periodCovered ? { periodCovered: inv.periodCovered } : {}), notes: { ...n, ...(complete ? {} : { stoppedAfterPages: inv.list.pages }) } });
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as TrainingSettings;
  const call = counted(rateLimiter(s.describeCallsPerSecond, ctx.signal));
  const sm = makeClient(SageMakerClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'items', where: `${KIND.trainingJobs} / ${KIND.notebooks} / ${KIND.domains}` });
  const now = ctx.now();
  const after = new Date(now.getTime() - s.lookbackDays * DAY_MS);
  const jobParams = { CreationTimeAfter: after.toISOString(), MaxResults: PAGE_SIZE };
  try {
    const jobsDescribe = op('sagemaker:DescribeTrainingJob', { TrainingJobName: '<each training job>' });
    await inventory(ctx, {
      kind: KIND.trainingJobs,
      list: op('sagemaker:ListTrainingJobs', jobParams),
      describe: jobsDescribe,
      periodCovered: { from: after.toISOString(), to: now.toISOString() },
      fetch: async (NextToken) => {
        const p = await sm.send(new ListTrainingJobsCommand({ CreationTimeAfter: after, MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.TrainingJobSummaries ?? [] };
      },
      record: async (j) => {
        try {
          return trainingJobRecord(j, await call(jobsDescribe, () => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: j.TrainingJobName }), opts)));
        } catch (e) {
          return trainingJobRecord(j, null, gaps.add(jobsDescribe.api, j.TrainingJobName ?? '?', e).code);
        }
      },
    });
    const nbDescribe = op('sagemaker:DescribeNotebookInstance', { NotebookInstanceName: '<each notebook instance>' });
    await inventory(ctx, {
      kind: KIND.notebooks,
      list: op('sagemaker:ListNotebookInstances', { MaxResults: PAGE_SIZE }),
      describe: nbDescribe,
      fetch: async (NextToken) => {
        const p = await sm.send(new ListNotebookInstancesCommand({ MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.NotebookInstances ?? [] };
      },
      record: async (nb) => {
        try {
          return notebookRecord(nb, await call(nbDescribe, () => sm.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: nb.NotebookInstanceName }), opts)));
        } catch (e) {
          return notebookRecord(nb, null, gaps.add(nbDescribe.api, nb.NotebookInstanceName ?? '?', e).code);
        }
      },
    });
    const domainDescribe = op('sagemaker:DescribeDomain', { DomainId: '<each domain>' });
    await inventory(ctx, {
      kind: KIND.domains,
      list: op('sagemaker:ListDomains', { MaxResults: PAGE_SIZE }),
      describe: domainDescribe,
      fetch: async (NextToken) => {
        const p = await sm.send(new ListDomainsCommand({ MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.Domains ?? [] };
      },
      record: async (d) => {
        try {
          return domainRecord(d, await call(domainDescribe, () => sm.send(new DescribeDomainCommand({ DomainId: d.DomainId }), opts)));
        } catch (e) {
          return domainRecord(d, null, gaps.add(domainDescribe.api, d.DomainId ?? '?', e).code);
        }
      },
    });
    gaps.flush();
  } finally {
    sm.destroy();
  }
}
