// MLflow training-data lineage: for the model versions in scope (production and staging by
// default), the training run behind each — datasets, git commit, source, user, params, metrics and
// classification tags — fetched with runs/search in batches of up to 100 run ids, never one call per
// version. Credentials in params, tags and dataset sources are redacted and counted.
import { chunk, runIdInFilter, type Run } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import { defineCollector } from '../define.js';
import {
  aliasesOf,
  byModelVersion,
  forEachModel,
  forEachVersion,
  gapOf,
  indexAliases,
  isProductionVersion,
  isStagingVersion,
  isUnauthenticated,
  op,
  type AliasIndex,
  type MlflowContext,
} from '../mlflow-registry/mlflow.js';
import { Redactor } from '../_shared/redact.js';
import { checks } from './checks.js';
import { tagMap, toRunLineage, type ClassificationOrigin, type LineageRecord } from './record.js';

export const KIND = 'mlflow.lineage.training-runs';
/** run ids per runs/search call (MLflow accepts more, but the filter must stay well inside URL/body limits) */
export const BATCH = 100;

interface InScope {
  name: string;
  version: string;
  current_stage: string | null;
  aliases: string[];
  production: boolean;
  staging: boolean;
  user_id: string | null;
  status: string | null;
  run_id: string | null;
  /** only the configured classification tags */
  classification: Record<string, string>;
}

export default defineCollector<MlflowContext>({
  meta: {
    id: 'mlflow-lineage',
    title: 'MLflow training-data lineage: datasets, code version, params and classification of the runs behind production and staging model versions',
    source: 'mlflow',
    scope: 'global',
    permissions: ['mlflow:SearchRegisteredModels', 'mlflow:SearchModelVersions', 'mlflow:SearchExperiments', 'mlflow:SearchRuns'],
    artifacts: [
      {
        kind: KIND,
        file: 'training-runs.ndjson',
        description:
          'One record per model version in scope (lineageScope): its training run’s dataset inputs (name, digest, source, context), git commit, source, user, params and metrics (credentials redacted) and classification tags; run null with a reason when the run does not exist.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const src = ctx.source;
    const scope = src.lineageScope;
    const classTags = src.classificationTags;
    const r = new Redactor();

    // ── aliases and model-level classification tags, from the registered models ──
    const modelsOp = op('mlflow:SearchRegisteredModels', 'GET', 'registered-models/search');
    const aliasIndex: AliasIndex = new Map();
    const modelClass = new Map<string, Record<string, string>>();
    try {
      await forEachModel(ctx, modelsOp, (m) => {
        indexAliases(aliasIndex, m);
        const t = tagMap(m.tags);
        const c: Record<string, string> = {};
        for (const k of classTags) if (t.get(k)) c[k] = r.keyed(k, t.get(k)!, 'tags');
        if (Object.keys(c).length) modelClass.set(m.name, c);
      });
    } catch (e) {
      // without aliases "production" cannot be decided: nothing trustworthy to write
      ctx.gap(gapOf(modelsOp.api, e));
      return;
    }

    // ── the versions in scope (this collector lists them itself: it never depends on mlflow-registry) ──
    const versionsOp = op('mlflow:SearchModelVersions', 'GET', 'model-versions/search');
    const inScope = new Map<string, InScope>();
    let versionsSeen = 0;
    try {
      await forEachVersion(ctx, versionsOp, (v) => {
        versionsSeen++;
        const version = String(v.version);
        const aliases = aliasesOf(aliasIndex, v.name, version);
        const production = isProductionVersion({ current_stage: v.current_stage ?? null, aliases }, src.productionAliases);
        const staging = isStagingVersion(v);
        if (!(scope === 'all' || production || (scope === 'production-staging' && staging))) return;
        const t = tagMap(v.tags);
        const c: Record<string, string> = {};
        for (const k of classTags) if (t.get(k)) c[k] = r.keyed(k, t.get(k)!, 'tags');
        inScope.set(`${v.name}\u0000${version}`, {
          name: v.name,
          version,
          current_stage: v.current_stage || null,
          aliases: [...aliases],
          production,
          staging,
          user_id: v.user_id || null,
          status: v.status || null,
          run_id: v.run_id || null,
          classification: c,
        });
      });
    } catch (e) {
      ctx.gap(gapOf(versionsOp.api, e));
      return;
    }
    const versions = [...inScope.values()].sort(byModelVersion);

    const out = await ctx.artifacts.ndjson(KIND);
    const notes = {
      lineageScope: scope,
      versionsListed: versionsSeen,
      versionsInScope: versions.length,
      production: versions.filter((v) => v.production).length,
      versionsWithoutRunId: 0,
      distinctRuns: 0,
      runsFound: 0,
      runsMissing: 0,
      runsDeleted: 0,
      runBatches: 0,
      redactions: {} as Record<string, number>,
      redactionsTotal: 0,
    };
    let complete = true;

    const write = async (v: InScope, run: Run | null, reason?: string) => {
      const rl = run ? toRunLineage(run, r) : null;
      const classification: LineageRecord['classification'] = {};
      const runTags = run ? tagMap(run.data?.tags) : new Map<string, string>();
      for (const k of classTags) {
        const found: [string | undefined, ClassificationOrigin][] = [
          [runTags.get(k) ? r.keyed(k, runTags.get(k)!, 'tags') : undefined, 'run'],
          [v.classification[k], 'model-version'],
          [modelClass.get(v.name)?.[k], 'registered-model'],
        ];
        const hit = found.find(([val]) => val);
        if (hit) classification[k] = { value: hit[0]!, on: hit[1] };
      }
      const rec: LineageRecord = {
        model: v.name,
        version: v.version,
        current_stage: v.current_stage,
        aliases: v.aliases,
        production: v.production,
        staging: v.staging,
        version_user_id: v.user_id,
        version_status: v.status,
        run_id: v.run_id,
        run: rl,
        ...(reason !== undefined ? { reason } : {}),
        classification,
      };
      await out.write(rec);
    };

    // versions registered from outside MLflow tracking have no run to fetch
    for (const v of versions) {
      if (v.run_id) continue;
      notes.versionsWithoutRunId++;
      await write(v, null, 'the model version has no run_id (registered from a source outside MLflow tracking)');
    }

    // ── every experiment once (runs/search needs experiment ids), then the runs in batches ──
    const byRun = new Map<string, InScope[]>();
    for (const v of versions) {
      if (!v.run_id) continue;
      const l = byRun.get(v.run_id);
      if (l) l.push(v);
      else byRun.set(v.run_id, [v]);
    }
    notes.distinctRuns = byRun.size;
    const expOp = op('mlflow:SearchExperiments', 'GET', 'experiments/search', { view_type: 'ALL' });
    const runsOp = op('mlflow:SearchRuns', 'POST', 'runs/search', {
      filter: `attributes.run_id IN (<up to ${BATCH} run ids>)`,
      run_view_type: 'ALL',
      experiment_ids: '<every experiment, active and deleted, up to 100 per call>',
    });
    const operations = () => [{ ...modelsOp }, { ...versionsOp }, { ...expOp }, { ...runsOp }];
    let stop = false;

    if (byRun.size > 0) {
      let experimentIds: string[] | null = [];
      try {
        for await (const page of ctx.mlflow.iterateExperiments({ viewType: 'ALL' })) {
          expOp.pages++;
          for (const e of page.items) experimentIds.push(e.experiment_id);
        }
      } catch (e) {
        ctx.gap(gapOf(expOp.api, e));
        experimentIds = null;
        complete = false;
        stop = isUnauthenticated(e);
      }
      for (const batch of chunk([...byRun.keys()], BATCH)) {
        const found = new Map<string, Run>();
        let failure: string | undefined;
        if (experimentIds === null) failure = 'experiments could not be listed, so runs could not be searched';
        else if (stop) failure = 'not searched: the server refused the credentials earlier in this collection';
        else {
          notes.runBatches++;
          try {
            for await (const page of ctx.mlflow.iterateRuns({ experimentIds, filter: runIdInFilter(batch), runViewType: 'ALL' })) {
              if (experimentIds.length) runsOp.pages++; // no experiments: the client answers without a call
              for (const run of page.items) found.set(run.info.run_id ?? run.info.run_uuid ?? '', run);
            }
          } catch (e) {
            const d = describeError(e);
            ctx.gap({ api: `${runsOp.api} (batch ${notes.runBatches} of ${Math.ceil(byRun.size / BATCH)})`, ...d });
            failure = `runs/search failed: ${d.code}`;
            complete = false;
            if (isUnauthenticated(e)) stop = true;
          }
        }
        for (const id of batch) {
          const run = found.get(id) ?? null;
          if (run) {
            notes.runsFound++;
            if (run.info.lifecycle_stage === 'deleted') notes.runsDeleted++;
          } else if (!failure) notes.runsMissing++;
          const reason = run ? undefined : (failure ?? 'no run with this id in any experiment (deleted and purged, or not visible to this identity)');
          for (const v of byRun.get(id)!) await write(v, run, reason);
        }
      }
    }
    notes.redactions = { ...r.counts };
    notes.redactionsTotal = r.total;
    if (r.total) ctx.log.info(`mlflow-lineage ${ctx.target.source}: redacted ${r.total} credential-looking values in params, tags and dataset sources`);
    await out.finish({ operations: operations(), complete, notes });
  },
});
