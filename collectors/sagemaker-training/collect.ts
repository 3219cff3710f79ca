// The calls of sagemaker-training (see index.ts): listings, each to its last page, with one describe
// per item (the summaries carry none of the settings the checks judge): training and processing jobs
// of the look-back window, notebook instances, Studio domains; and every pipeline with its newest
// execution (one ListPipelineExecutions of one item) and that execution's steps (every page). No call
// writes anything.
import {
  DescribeDomainCommand,
  DescribeNotebookInstanceCommand,
  DescribeProcessingJobCommand,
  DescribeTrainingJobCommand,
  ListDomainsCommand,
  ListNotebookInstancesCommand,
  ListPipelineExecutionsCommand,
  ListPipelineExecutionStepsCommand,
  ListPipelinesCommand,
  ListProcessingJobsCommand,
  ListTrainingJobsCommand,
  SageMakerClient,
  type PipelineExecutionStep,
  type PipelineSummary,
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
import { writeLineage, type ProcessingOutputs } from './lineage.js';
import { domainRecord, notebookRecord, pipelineRecord, processingJobRecord, trainingJobRecord, type TrainingJobRecord } from './record.js';

const MAX_POOL = 16;

interface Inventory<S, D, R> {
  kind: string;
  list: OperationRecord;
  describe: OperationRecord;
  /** further per-item calls send makes, recorded in the artifact too */
  more?: OperationRecord[];
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
  await out.finish({ operations: [{ ...inv.list }, { ...inv.describe }, ...(inv.more ?? []).map((o) => ({ ...o }))], complete, ...(inv.periodCovered ? { periodCovered: inv.periodCovered } : {}), notes: { ...n, ...(complete ? {} : { stoppedAfterPages: inv.list.pages }) } });
  return complete;
}

/** Every pipeline, its newest execution (SortOrder Descending, MaxResults 1) and that execution's steps to the last page. */
function pipelines(ctx: AwsContext, c: Calls, sm: SageMakerClient, opts: { abortSignal: AbortSignal | undefined }): Promise<boolean> {
  const executions = op('sagemaker:ListPipelineExecutions', { PipelineName: '<each pipeline>', SortOrder: 'Descending', MaxResults: 1 });
  const steps = op('sagemaker:ListPipelineExecutionSteps', { PipelineExecutionArn: '<the newest execution of each pipeline>', MaxResults: PAGE_SIZE });
  // inventory() counts and paces this call (describe: executions); the steps are counted here
  const latest = async (p: PipelineSummary) => {
    const e = (await sm.send(new ListPipelineExecutionsCommand({ PipelineName: p.PipelineName, SortOrder: 'Descending', MaxResults: 1 }), opts)).PipelineExecutionSummaries?.[0];
    const all: PipelineExecutionStep[] = [];
    const seen = new Set<string>();
    try {
      for (let token: string | undefined, first = true; e?.PipelineExecutionArn && (first || token); first = false) {
        const page = await c.call(steps, () => sm.send(new ListPipelineExecutionStepsCommand({ PipelineExecutionArn: e.PipelineExecutionArn, MaxResults: PAGE_SIZE, NextToken: token }), opts));
        all.push(...(page.PipelineExecutionSteps ?? []));
        token = page.NextToken || undefined;
        if (token && seen.has(token)) throw new Error(`NextToken ${token} repeated: the listing loops`);
        if (token) seen.add(token);
      }
    } catch (err) {
      // the newest execution was read: it stays in the record, its steps unknown (null), the gap names the steps call
      return { e, steps: null, error: c.gaps.add(steps.api, p.PipelineName ?? '?', err).code };
    }
    return { e, steps: all };
  };
  return inventory(ctx, c, {
    kind: KIND.pipelines,
    list: op('sagemaker:ListPipelines', { MaxResults: PAGE_SIZE }),
    describe: executions,
    more: [steps],
    fetch: async (NextToken) => {
      const p = await sm.send(new ListPipelinesCommand({ MaxResults: PAGE_SIZE, NextToken }), opts);
      return { NextToken: p.NextToken, items: p.PipelineSummaries ?? [] };
    },
    name: (p) => p.PipelineName ?? '?',
    send: latest,
    build: pipelineRecord,
  });
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as TrainingSettings;
  const sm = makeClient(SageMakerClient, ctx.aws);
  const opts = { abortSignal: ctx.signal };
  const c: Calls = { call: counted(rateLimiter(s.describeCallsPerSecond, ctx.signal)), gaps: itemGaps((g) => ctx.gap(g), { noun: 'items', where: `${KIND.trainingJobs} / ${KIND.processingJobs} / ${KIND.pipelines} / ${KIND.notebooks} / ${KIND.domains}` }) };
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
    const processing: ProcessingOutputs[] = [];
    const processingComplete = await inventory(ctx, c, {
      kind: KIND.processingJobs,
      list: op('sagemaker:ListProcessingJobs', { CreationTimeAfter: after.toISOString(), MaxResults: PAGE_SIZE }),
      describe: op('sagemaker:DescribeProcessingJob', { ProcessingJobName: '<each processing job>' }),
      periodCovered: { from: after.toISOString(), to: now.toISOString() },
      fetch: async (NextToken) => {
        const p = await sm.send(new ListProcessingJobsCommand({ CreationTimeAfter: after, MaxResults: PAGE_SIZE, NextToken }), opts);
        return { NextToken: p.NextToken, items: p.ProcessingJobSummaries ?? [] };
      },
      name: (j) => j.ProcessingJobName ?? '?',
      send: (j) => sm.send(new DescribeProcessingJobCommand({ ProcessingJobName: j.ProcessingJobName }), opts),
      build: processingJobRecord,
      keep: (j) => processing.push({ ProcessingJobName: j.ProcessingJobName, ProcessingJobArn: j.ProcessingJobArn, CreationTime: j.CreationTime, ProcessingEndTime: j.ProcessingEndTime, outputs: j.outputs, ...(j.error !== undefined ? { error: j.error } : {}) }),
    });
    await writeLineage(ctx, { jobs, complete: jobsComplete }, { jobs: processing, complete: processingComplete }, `${s.lookbackDays} days`);
    await pipelines(ctx, c, sm, opts);
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
