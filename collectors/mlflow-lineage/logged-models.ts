// MLflow 3 LoggedModels behind the versions in scope: one POST logged-models/search per 100 model
// ids (filter model_id IN (…), every experiment), then GET logged-models/{id} for each id the search
// did not return — a deleted LoggedModel answers 404 (search never returns deleted ones), one this
// identity may not read answers 403.
import { chunk, MlflowEndpointNotSupported, MlflowError, runIdInFilter, type LoggedModel } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import type { OperationRecord } from '../../src/core/types.js';
import { MAX_ITEM_GAPS, itemGaps } from '../_shared/item-gaps.js';
import type { Redactor } from '../_shared/redact.js';
import { isUnauthenticated, op, type MlflowContext } from '../mlflow-registry/mlflow.js';
import { tagMap } from './record.js';

/** What a lineage record keeps of a LoggedModel. */
export interface LoggedModelLineage {
  model_id: string;
  name: string | null;
  experiment_id: string | null;
  status: string | null;
  model_type: string | null;
  /** the run that produced it; null for an external model (mlflow.create_external_model) */
  source_run_id: string | null;
  external: boolean;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** metrics with the dataset each was computed on */
  metrics: { key: string; value: number | string; dataset_name: string | null; dataset_digest: string | null }[];
  /** prompts linked to the model (tag mlflow.linkedPrompts) */
  linked_prompts: { name: string; version: string }[];
  creation_timestamp: number | null;
}

/** What became of one LoggedModel id: found, deleted (404), or unknown (with the error). */
export type LoggedModelOutcome = { found: LoggedModelLineage } | { deleted: true } | { error: { code: string; message: string } };

export const BATCH = 100;
export const LINKED_PROMPTS_TAG = 'mlflow.linkedPrompts';
const EXTERNAL_TAG = 'mlflow.model.isExternal';

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** `mlflow.linkedPrompts`: a JSON list of {name, version}; anything else is left out. */
export function linkedPrompts(raw: string | undefined): { name: string; version: string }[] {
  if (!raw) return [];
  try {
    const v = JSON.parse(raw) as unknown;
    if (!Array.isArray(v)) return [];
    return v.filter((x): x is { name: unknown; version: unknown } => !!x && typeof x === 'object').map((x) => ({ name: String(x.name), version: String(x.version) }));
  } catch {
    return [];
  }
}

export function toLoggedModelLineage(m: LoggedModel, r: Redactor): LoggedModelLineage {
  const i = m.info;
  const tags = tagMap(i.tags);
  const params: Record<string, string> = {};
  for (const p of m.data?.params ?? []) params[p.key] = r.keyed(p.key, p.value ?? '', 'loggedModelParams');
  return {
    model_id: i.model_id,
    name: str(r.value(i.name, 'loggedModelFields')),
    experiment_id: str(i.experiment_id),
    status: str(i.status),
    model_type: str(i.model_type),
    source_run_id: str(i.source_run_id),
    external: tags.get(EXTERNAL_TAG) === 'true' || !str(i.source_run_id),
    tags: r.tags(i.tags, 'loggedModelTags'),
    params,
    metrics: (m.data?.metrics ?? []).map((x) => ({ key: x.key, value: x.value, dataset_name: str(r.value(x.dataset_name, 'datasetNames')), dataset_digest: str(x.dataset_digest) })),
    linked_prompts: linkedPrompts(tags.get(LINKED_PROMPTS_TAG)),
    creation_timestamp: typeof i.creation_timestamp_ms === 'number' ? i.creation_timestamp_ms : null,
  };
}

export interface LoggedModelsResult {
  outcomes: Map<string, LoggedModelOutcome>;
  operations: OperationRecord[];
  complete: boolean;
  unauthenticated: boolean;
  counts: { asked: number; found: number; deleted: number; unknown: number };
}

export async function fetchLoggedModels(ctx: MlflowContext, ids: string[], experimentIds: string[], r: Redactor, pageSize: number | undefined): Promise<LoggedModelsResult> {
  const searchOp = op('mlflow:SearchLoggedModels', 'POST', 'logged-models/search', { filter: `model_id IN (<up to ${BATCH} model ids>)`, experiment_ids: '<every experiment, active and deleted, up to 100 per call>' });
  const getOp = op('mlflow:GetLoggedModel', 'GET', 'logged-models/{model_id}', { model_id: '<each one the search did not return>' });
  getOp.calls = 0;
  const res: LoggedModelsResult = { outcomes: new Map(), operations: [searchOp, getOp], complete: true, unauthenticated: false, counts: { asked: ids.length, found: 0, deleted: 0, unknown: 0 } };
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'LoggedModels', where: 'mlflow.lineage.training-runs' });
  for (const batch of chunk(ids, BATCH)) {
    try {
      for await (const page of ctx.mlflow.iterateLoggedModels({ experimentIds, filter: runIdInFilter(batch, 'model_id'), ...(pageSize ? { maxResults: pageSize } : {}) })) {
        if (experimentIds.length) searchOp.pages++;
        for (const m of page.items) res.outcomes.set(m.info.model_id, { found: toLoggedModelLineage(m, r) });
      }
    } catch (e) {
      // the ids of this batch are each asked for by id below
      ctx.gap({ api: searchOp.api, ...describeError(e) });
      res.complete = false;
      if (isUnauthenticated(e)) {
        res.unauthenticated = true;
        break;
      }
    }
  }
  let asked = 0;
  for (const id of ids) {
    if (res.outcomes.has(id)) continue;
    if (res.unauthenticated || asked >= MAX_ITEM_GAPS) {
      res.outcomes.set(id, { error: { code: 'NOT_CHECKED', message: `not asked: ${res.unauthenticated ? 'the server refused the credentials' : `more than ${MAX_ITEM_GAPS} LoggedModels missing from the search`}` } });
      res.complete = false;
      continue;
    }
    asked++;
    getOp.calls!++;
    getOp.pages++;
    try {
      res.outcomes.set(id, { found: toLoggedModelLineage(await ctx.mlflow.getLoggedModel(id), r) });
    } catch (e) {
      if (!(e instanceof MlflowError)) throw e;
      // a JSON 404 (RESOURCE_DOES_NOT_EXIST) is a deleted model; an HTML 404 is a server without the API
      if (e.status === 404 && !(e instanceof MlflowEndpointNotSupported)) res.outcomes.set(id, { deleted: true });
      else {
        res.outcomes.set(id, { error: gaps.add(getOp.api, id, e) });
        res.complete = false;
        if (isUnauthenticated(e)) res.unauthenticated = true;
      }
    }
  }
  gaps.flush();
  for (const o of res.outcomes.values()) {
    if ('found' in o) res.counts.found++;
    else if ('deleted' in o) res.counts.deleted++;
    else res.counts.unknown++;
  }
  return res;
}
