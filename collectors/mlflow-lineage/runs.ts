// The training runs: runs/search in batches of up to 100 run ids over every experiment (active and
// deleted), never one call per version. A run the search does not return is asked for by id
// (GET runs/get): 404 means it was purged, 403 that this identity may not read its experiment
// (basic-auth filters experiments/search and, in MLflow 3, the experiments of runs/search, without
// saying so). MLflow 3's runs/search leaves out the runs' model inputs, so on a 3.x server each
// found run is read once with runs/get for them.
import { chunk, MlflowError, runIdInFilter, type Run } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import type { OperationRecord } from '../../src/core/types.js';
import { MAX_ITEM_GAPS } from '../_shared/item-gaps.js';
import { isUnauthenticated, op, type MlflowContext } from '../mlflow-registry/mlflow.js';

export const BATCH = 100;

export type RunOutcome = { run: Run } | { missing: string } | { error: string };

export interface RunsResult {
  outcomes: Map<string, RunOutcome>;
  operations: OperationRecord[];
  complete: boolean;
  unauthenticated: boolean;
  /** runs this identity may not read, named in one gap */
  notVisible: string[];
  counts: { batches: number; found: number; deleted: number; purged: number; notVisible: number; modelInputsRead: number };
}

const PURGED = 'no run with this id in any experiment (runs/get: 404): deleted and purged';
const NOT_VISIBLE = 'this identity may not read the run’s experiment (runs/get: 403 PERMISSION_DENIED)';

export async function fetchRuns(ctx: MlflowContext, runIds: string[], experimentIds: string[] | null): Promise<RunsResult> {
  const runsOp = op('mlflow:SearchRuns', 'POST', 'runs/search', { filter: `attributes.run_id IN (<up to ${BATCH} run ids>)`, run_view_type: 'ALL', experiment_ids: '<every experiment, active and deleted, up to 100 per call>' });
  const getOp = op('mlflow:GetRun', 'GET', 'runs/get', { run_id: '<each run runs/search did not return; on MLflow 3 each run found, for its model inputs>' });
  getOp.calls = 0;
  const res: RunsResult = { outcomes: new Map(), operations: [runsOp, getOp], complete: true, unauthenticated: false, notVisible: [], counts: { batches: 0, found: 0, deleted: 0, purged: 0, notVisible: 0, modelInputsRead: 0 } };
  const total = Math.ceil(runIds.length / BATCH);
  const getRun = async (id: string) => {
    getOp.calls!++;
    getOp.pages++;
    return ctx.mlflow.getRun(id);
  };

  for (const batch of chunk(runIds, BATCH)) {
    if (experimentIds === null) {
      for (const id of batch) res.outcomes.set(id, { error: 'experiments could not be listed, so runs could not be searched' });
      res.complete = false;
      continue;
    }
    if (res.unauthenticated) {
      for (const id of batch) res.outcomes.set(id, { error: 'not searched: the server refused the credentials earlier in this collection' });
      continue;
    }
    res.counts.batches++;
    try {
      for await (const page of ctx.mlflow.iterateRuns({ experimentIds, filter: runIdInFilter(batch), runViewType: 'ALL' })) {
        if (experimentIds.length) runsOp.pages++; // no experiments: the client answers without a call
        for (const run of page.items) res.outcomes.set(run.info.run_id ?? run.info.run_uuid ?? '', { run });
      }
    } catch (e) {
      const d = describeError(e);
      ctx.gap({ api: `${runsOp.api} (batch ${res.counts.batches} of ${total})`, ...d });
      for (const id of batch) res.outcomes.set(id, { error: `runs/search failed: ${d.code}` });
      res.complete = false;
      if (isUnauthenticated(e)) res.unauthenticated = true;
    }
  }

  // runs the search did not return: purged, or not visible to this identity
  const missing = runIds.filter((id) => !res.outcomes.has(id));
  for (const [i, id] of missing.entries()) {
    if (res.unauthenticated || i >= MAX_ITEM_GAPS) {
      res.outcomes.set(id, { error: `not in runs/search and not asked by id (${res.unauthenticated ? 'the server refused the credentials' : `more than ${MAX_ITEM_GAPS} runs missing`})` });
      res.complete = false;
      continue;
    }
    try {
      res.outcomes.set(id, { run: await getRun(id) });
    } catch (e) {
      if (!(e instanceof MlflowError)) throw e;
      if (e.status === 404) res.outcomes.set(id, { missing: PURGED });
      else if (e.status === 403) {
        res.outcomes.set(id, { error: NOT_VISIBLE });
        res.notVisible.push(id);
      } else {
        ctx.gap({ api: `${getOp.api} ${id}`, ...describeError(e) });
        res.outcomes.set(id, { error: `runs/get failed: ${e.errorCode}` });
        res.complete = false;
        if (isUnauthenticated(e)) res.unauthenticated = true;
      }
    }
  }
  if (res.notVisible.length) {
    res.complete = false;
    ctx.gap({
      api: 'mlflow:SearchRuns',
      code: 'PERMISSION_FILTERED',
      message: `${res.notVisible.length} training run${res.notVisible.length === 1 ? '' : 's'} of versions in scope ${res.notVisible.length === 1 ? 'is' : 'are'} not visible to this identity (runs/search left ${res.notVisible.length === 1 ? 'it' : 'them'} out, runs/get answered 403): ${res.notVisible.join(', ')}; their datasets, code version and users are unknown`,
    });
  }

  // MLflow 3: model inputs come only with runs/get
  const v3 = [...res.outcomes.entries()].filter((e): e is [string, { run: Run }] => 'run' in e[1] && e[1].run.outputs !== undefined && e[1].run.inputs?.model_inputs === undefined);
  if (v3.length && !res.unauthenticated) {
    await mapPool(v3, ctx.concurrency, async ([id, o]) => {
      try {
        const full = await getRun(id);
        o.run = { ...o.run, inputs: { ...o.run.inputs, model_inputs: full.inputs?.model_inputs ?? [] } };
        res.counts.modelInputsRead++;
      } catch (e) {
        // the run itself is known; only its model inputs are not
        ctx.gap({ api: `${getOp.api} ${id}`, ...describeError(e) });
        res.complete = false;
      }
    });
  }

  for (const o of res.outcomes.values()) {
    if ('run' in o) {
      res.counts.found++;
      if (o.run.info.lifecycle_stage === 'deleted') res.counts.deleted++;
    } else if ('missing' in o) res.counts.purged++;
  }
  res.counts.notVisible = res.notVisible.length;
  return res;
}
