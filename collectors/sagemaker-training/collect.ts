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
import { writeLineage } from './lineage.js';
import { domainRecord, notebookRecord, trainingJobRecord, type TrainingJobRecord } from './record.js';

const MAX_POOL = 16;

interface Inventory<S, D, R> {
  kind: string;
  list: OperationRecord;
  describe: OperationRecord;
  fetch(token: string | undefined): Promise<{ NextToken?: string | undefined; items: S[] }>;
  /** the item's name, for a gap */
  name(s: S): string;
  send(s: S): Promise<D>;
  /** the record: from the describe's answer, or (null) from the summary with the error */
  build(s: S, d: D | null, error?: string): R & { error?: string };
  periodCovered?: { from: string; to: string };
  /** sees every record written */
  keep?(r: R): void;
}

interface Calls {
  call: ReturnType<typeof counted>;
  gaps: ReturnType<typeof itemGaps>;
}

/** One listing to its last page, one describe per item with a bounded pool, one ndjson artifact. */
async function inventory<S, D, R>(ctx: AwsContext, c: Calls, inv: Inventory<S, D, R>): Promise<boolean> {
  const out = await ctx.artifacts.ndjson(inv.kind);
  const pool = Math.min(MAX_POOL, Math.max(1, ctx.concurrency));
  const n = { records: 0, describeErrors: 0 };
  const record = async (s: S) => {
    try {
      return inv.build(s, await c.call(inv.describe, () => inv.send(s)));
    } catch (e) {
      return inv.build(s, null, c.gaps.add(inv.describe.api, inv.name(s), e).code);
    }
  };
  let complete = true;
  try {
    await listAll(ctx, inv.list, inv.fetch, async (page) => {
      for (const r of await mapPool(page.items, pool, record)) {
        n.records++;
        if (r.error) n.describeErrors++;
        inv.keep?.(r);
        await out.write(r);
      }
    });
  } catch (e) {
    listingGap(ctx, inv.list.api, e);
    complete = false;
  }
  await out.finish({ operations: [{ ...inv.list }, { ...inv.describe }], complete, ...(inv.periodCovered ? { periodCovered: inv.periodCovered } : {}), notes: { ...n, ...(complete ? {} : { stoppedAfterPages: inv.list.pages }) } });
  return complete;
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as TrainingSettings;
  const sm = makeClient(SageMakerClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const c: Calls = { call: counted(rateLimiter(s.describeCallsPerSecond, ctx.signal)), gaps: itemGaps((g) => ctx.gap(g), { noun: 'items', where: `${KIND.trainingJobs} / ${KIND.notebooks} / ${KIND.domains}` }) };
  const now = ctx.now();
  const after = new Date(now.getTime() - s.lookbackDays * DAY_MS);
  const jobs: TrainingJobRecord[] = [];
  try {
    const jobsComplete = await inventory(ctx, c, {
      kind: KIND.trainingJobs,
      list: op('sagemaker:ListTrainingJobs', { CreationTimeAfter: after.toISOString(), MaxResults: PAGE_SIZE }),
      describe: op('sagemaker:DescribeTrainingJob', { TrainingJobName: '<each training job>' }),
      periodCovered: { from: after.toISOString(), to: now.toISOString() },
      fetch: async (NextToken) => {
        const p = await sm.send(new ListTrainingJobsCommand({ CreationTimeAfter: after, MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.TrainingJobSummaries ?? [] };
      },
      name: (j) => j.TrainingJobName ?? '?',
      send: (j) => sm.send(new DescribeTrainingJobCommand({ TrainingJobName: j.TrainingJobName }), opts),
      build: trainingJobRecord,
      keep: (j) => jobs.push(j),
    });
    await writeLineage(ctx, jobs, jobsComplete, `${s.lookbackDays} days`);
    await inventory(ctx, c, {
      kind: KIND.notebooks,
      list: op('sagemaker:ListNotebookInstances', { MaxResults: PAGE_SIZE }),
      describe: op('sagemaker:DescribeNotebookInstance', { NotebookInstanceName: '<each notebook instance>' }),
      fetch: async (NextToken) => {
        const p = await sm.send(new ListNotebookInstancesCommand({ MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.NotebookInstances ?? [] };
      },
      name: (nb) => nb.NotebookInstanceName ?? '?',
      send: (nb) => sm.send(new DescribeNotebookInstanceCommand({ NotebookInstanceName: nb.NotebookInstanceName }), opts),
      build: notebookRecord,
    });
    await inventory(ctx, c, {
      kind: KIND.domains,
      list: op('sagemaker:ListDomains', { MaxResults: PAGE_SIZE }),
      describe: op('sagemaker:DescribeDomain', { DomainId: '<each domain>' }),
      fetch: async (NextToken) => {
        const p = await sm.send(new ListDomainsCommand({ MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.Domains ?? [] };
      },
      name: (d) => d.DomainId ?? '?',
      send: (d) => sm.send(new DescribeDomainCommand({ DomainId: d.DomainId }), opts),
      build: domainRecord,
    });
    c.gaps.flush();
  } finally {
    sm.destroy();
  }
}
