// MLflow training-data lineage: for the model versions in scope (production and staging by
// default), the LoggedModel each was registered from (MLflow 3) and the training run behind it —
// datasets, git commit, source, user, params, metrics, model inputs/outputs, linked prompts and
// classification tags — fetched in batches (runs/search and logged-models/search take up to 100
// ids), never one call per version. Credentials in params, tags, names and dataset sources are
// redacted and counted. The versions come from mlflow-registry's artifacts of the same collection
// when it ran; otherwise this collector lists the registry itself.
import * as z from 'zod';
import type { Run } from '../../src/clients/mlflow.js';
import { defineCollector } from '../define.js';
import { byModelVersion, gapOf, isUnauthenticated, op, type MlflowContext } from '../mlflow-registry/mlflow.js';
import { Redactor } from '../_shared/redact.js';
import { checks } from './checks.js';
import { fetchLoggedModels, type LoggedModelOutcome } from './logged-models.js';
import { tagMap, toRunLineage, type ClassificationOrigin, type LineageRecord } from './record.js';
import { fetchRuns, type RunOutcome } from './runs.js';
import { REGISTRY_KINDS, versionsInScope, type InScope } from './scope.js';

export const KIND = 'mlflow.lineage.training-runs';
export { BATCH } from './runs.js';

export const settings = z.strictObject({
  /** max_results of the listings this collector makes itself (1–1000); default the largest each API allows */
  pageSize: z.number().int().min(1).max(1000).optional(),
});

const NO_SOURCE = 'the model version has no run_id and no LoggedModel (registered from a source outside MLflow tracking)';

/** Why a version has no run to show, from its LoggedModel. */
function loggedModelReason(v: InScope, lm: LoggedModelOutcome | undefined): string | undefined {
  if (!v.model_id || v.run_id) return undefined;
  if (!lm) return undefined;
  if ('deleted' in lm) return `registered from the LoggedModel ${v.model_id}, which was deleted; no source run is known`;
  if ('error' in lm) return `registered from the LoggedModel ${v.model_id}, which could not be read (${lm.error.code})`;
  if (!lm.found.source_run_id) return `registered from the external LoggedModel ${v.model_id}${lm.found.name ? ` (${lm.found.name})` : ''}: MLflow holds no training run for it`;
  return undefined;
}

function classificationOf(v: InScope, run: Run | null, lm: LoggedModelOutcome | undefined, modelClass: Record<string, string> | undefined, keys: readonly string[], r: Redactor): LineageRecord['classification'] {
  const runTags = run ? tagMap(run.data?.tags) : new Map<string, string>();
  const lmTags = lm && 'found' in lm ? lm.found.tags : {};
  const out: LineageRecord['classification'] = {};
  for (const k of keys) {
    const found: [string | undefined, ClassificationOrigin][] = [
      [runTags.get(k) ? r.keyed(k, runTags.get(k)!, 'tags') : undefined, 'run'],
      [lmTags[k] || undefined, 'logged-model'],
      [v.classification[k], 'model-version'],
      [modelClass?.[k], 'registered-model'],
    ];
    const hit = found.find(([val]) => val);
    if (hit) out[k] = { value: hit[0]!, on: hit[1] };
  }
  return out;
}

export default defineCollector<MlflowContext>({
  meta: {
    id: 'mlflow-lineage',
    title: 'MLflow training-data lineage: LoggedModels, datasets, code version, params and classification of the runs behind production and staging model versions',
    source: 'mlflow',
    scope: 'global',
    settings,
    // the registry as mlflow-registry listed it in this collection (else this collector lists it itself)
    reads: [REGISTRY_KINDS.models, REGISTRY_KINDS.versions],
    permissions: ['mlflow:SearchRegisteredModels', 'mlflow:SearchModelVersions', 'mlflow:GetRegisteredModel', 'mlflow:SearchExperiments', 'mlflow:SearchRuns', 'mlflow:GetRun', 'mlflow:SearchLoggedModels', 'mlflow:GetLoggedModel'],
    artifacts: [
      {
        kind: KIND,
        file: 'training-runs.ndjson',
        description:
          'One record per model version in scope (lineageScope): its LoggedModel (MLflow 3), its training run’s dataset inputs (name, digest, source, context), git commit, source, user, params and metrics (credentials redacted), model inputs/outputs, linked prompts and classification tags; run null with a reason when there is no run to show.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const src = ctx.source;
    const pageSize = (ctx.settings as { pageSize?: number } | undefined)?.pageSize;
    const r = new Redactor();
    const scope = await versionsInScope(ctx, r);
    if (scope.failed) return; // the listing's gap is recorded; without aliases "production" cannot be decided
    const versions = scope.versions.sort(byModelVersion);
    const out = await ctx.artifacts.ndjson(KIND);
    let complete = scope.complete;
    let stop = scope.unauthenticated;

    // every experiment once: runs/search and logged-models/search need experiment ids
    const modelIds = [...new Set(versions.map((v) => v.model_id).filter((x): x is string => !!x))];
    const needRuns = versions.some((v) => v.run_id) || modelIds.length > 0;
    const expOp = op('mlflow:SearchExperiments', 'GET', 'experiments/search', { view_type: 'ALL', max_results: 1000 });
    let experimentIds: string[] | null = [];
    if (needRuns && !stop) {
      try {
        for await (const page of ctx.mlflow.iterateExperiments({ viewType: 'ALL', ...(pageSize ? { maxResults: pageSize } : {}) })) {
          expOp.pages++;
          for (const e of page.items) experimentIds.push(e.experiment_id);
        }
      } catch (e) {
        ctx.gap(gapOf(expOp.api, e));
        experimentIds = null;
        complete = false;
        stop = isUnauthenticated(e);
      }
    }

    const lms = modelIds.length && experimentIds && !stop ? await fetchLoggedModels(ctx, modelIds, experimentIds, r, pageSize) : null;
    if (lms) {
      complete &&= lms.complete;
      stop ||= lms.unauthenticated;
    }
    const lmOf = (v: InScope) => (v.model_id ? lms?.outcomes.get(v.model_id) : undefined);
    // the run behind a version: its run_id, else its LoggedModel's source run
    const runOf = (v: InScope): string | null => {
      if (v.run_id) return v.run_id;
      const lm = lmOf(v);
      return lm && 'found' in lm ? lm.found.source_run_id : null;
    };
    const runIds = [...new Set(versions.map(runOf).filter((x): x is string => !!x))];
    const runs = runIds.length && !stop ? await fetchRuns(ctx, runIds, experimentIds) : null;
    if (runs) complete &&= runs.complete;

    const counts = { versionsWithoutRun: 0, loggedModelsDeleted: 0 };
    // one lineage per run (redacted, and counted, once), shared by the versions it trained
    const lineageOf = new Map<string, ReturnType<typeof toRunLineage>>();
    const runLineage = (run: Run) => {
      const k = run.info.run_id ?? run.info.run_uuid ?? '';
      let l = lineageOf.get(k);
      if (!l) lineageOf.set(k, (l = toRunLineage(run, r)));
      return l;
    };
    for (const v of versions) {
      const lm = lmOf(v);
      const runId = runOf(v);
      const outcome: RunOutcome | undefined = runId ? (runs?.outcomes.get(runId) ?? { error: stop ? 'not searched: the server refused the credentials earlier in this collection' : 'runs could not be searched' }) : undefined;
      const run = outcome && 'run' in outcome ? outcome.run : null;
      const reason = runId ? (outcome && !('run' in outcome) ? ('missing' in outcome ? outcome.missing : outcome.error) : undefined) : (loggedModelReason(v, lm) ?? NO_SOURCE);
      if (!runId) counts.versionsWithoutRun++;
      if (lm && 'deleted' in lm) counts.loggedModelsDeleted++;
      const rec: LineageRecord = {
        model: v.name,
        version: v.version,
        current_stage: v.current_stage,
        aliases: v.aliases,
        production: v.production,
        staging: v.staging,
        version_user_id: v.user_id,
        version_status: v.status,
        run_id: runId,
        run: run ? runLineage(run) : null,
        ...(reason !== undefined ? { reason } : {}),
        model_id: v.model_id,
        logged_model: lm && 'found' in lm ? lm.found : null,
        ...(lm && 'deleted' in lm ? { logged_model_deleted: true as const } : {}),
        ...(lm && 'error' in lm ? { logged_model_reason: `could not be read: ${lm.error.code}: ${lm.error.message}` } : {}),
        approval_tags: v.approval_tags,
        classification: classificationOf(v, run, lm, scope.modelClass.get(v.name), src.classificationTags, r),
      };
      await out.write(rec);
    }

    if (r.total) ctx.log.info(`mlflow-lineage ${ctx.target.source}: redacted ${r.total} credential-looking values in params, tags, names and dataset sources`);
    await out.finish({
      operations: [...scope.operations.map((o) => ({ ...o })), { ...expOp }, ...(lms?.operations ?? []).map((o) => ({ ...o })), ...(runs?.operations ?? []).map((o) => ({ ...o }))],
      complete,
      notes: {
        lineageScope: src.lineageScope,
        versions: 'registryArtifacts' in scope.from ? { readFrom: scope.from.registryArtifacts, note: `the registry as mlflow-registry listed it in this collection (${REGISTRY_KINDS.models}, ${REGISTRY_KINDS.versions}); not listed again` } : { listed: scope.from.listed },
        versionsListed: scope.versionsSeen,
        versionsInScope: versions.length,
        production: versions.filter((v) => v.production).length,
        ...counts,
        distinctRuns: runIds.length,
        runs: runs?.counts ?? null,
        loggedModels: lms?.counts ?? null,
        redactions: { ...r.counts },
        redactionsTotal: r.total,
      },
    });
  },
});

