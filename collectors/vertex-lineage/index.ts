// Vertex AI training-data lineage, per location: for every production model version (an alias in
// productionAliases), the datasets it was trained on, by two routes —
//  1. Vertex ML Metadata: MetadataService.QueryArtifactLineageSubgraph from the version's
//     metadataArtifact (maxHops = lineageMaxHops) → dataset artifacts upstream of the model, and the
//     executions between;
//  2. the TrainingPipeline that produced it: PipelineService.GetTrainingPipeline →
//     inputDataConfig.datasetId → DatasetService.GetDataset.
// The production versions come from vertex-registry's versions artifact of the same bundle when that
// collector ran there and its snapshot is complete; otherwise (`--only vertex-lineage`, a gap) they are
// listed here again (ListModels + ListModelVersions), and the provenance says which.
import { mapPool } from '../../src/core/pool.js';
import type { OperationRecord } from '../../src/core/types.js';
import { defineCollector } from '../define.js';
import { byModelVersion, call, gapOf, isUnauthenticated, op, productionAliasesOf, vertexItemGaps, walkRegistry, type VersionRecord, type VertexContext } from '../vertex-registry/vertex.js';
import { checks } from './checks.js';
import { summarizeSubgraph, toDatasetRecord, toPipelineRecord, type CallError, type DatasetRecord, type LineageRecord, type PipelineRecord, type TracedDataset } from './record.js';

export const KIND = 'vertex.lineage.production-versions';
const REGISTRY_VERSIONS = 'vertex.registry.versions';

type Fetched<T> = { ok: T } | { error: CallError };

export default defineCollector<VertexContext>({
  meta: {
    id: 'vertex-lineage',
    title: 'Vertex AI training-data lineage: the datasets behind each production model version, through ML Metadata and training pipelines',
    source: 'vertex',
    scope: 'regional',
    reads: [REGISTRY_VERSIONS],
    permissions: ['aiplatform.models.list', 'aiplatform.artifacts.get', 'aiplatform.artifacts.list', 'aiplatform.trainingPipelines.get', 'aiplatform.datasets.get'],
    artifacts: [
      {
        kind: KIND,
        file: 'production-versions.ndjson',
        description:
          'One record per production model version: its ML Metadata lineage (dataset artifacts with uri, schema title, create time and whether they are upstream of the model; executions), its training pipeline and the pipeline’s input Dataset, the datasets traced by either route, and the calls that failed.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const src = ctx.source;
    const maxHops = src.lineageMaxHops;
    const listed = await productionVersions(ctx);
    // without the model list "production" cannot be decided: nothing trustworthy to write
    if (!listed) return;
    const { production, walk } = listed;
    production.sort(byModelVersion);

    const lineageOp = op('MetadataService.QueryArtifactLineageSubgraph', { artifact: '<metadataArtifact of each production version>', maxHops });
    const pipelineOp = op('PipelineService.GetTrainingPipeline', { name: '<trainingPipeline of each production version>' });
    const datasetOp = op('DatasetService.GetDataset', { name: '<inputDataConfig.datasetId of each of those pipelines>' });
    const gaps = vertexItemGaps(ctx, KIND);
    let stop = false;
    let complete = walk.versionsOk;
    const fail = (api: string, item: string, e: unknown): CallError => {
      complete = false;
      if (isUnauthenticated(e)) {
        if (!stop) ctx.gap(gapOf(api, e));
        stop = true;
        return gapOf(api, e);
      }
      return { api, ...gaps.add(api, item, e) };
    };
    const notAsked = (api: string): CallError => ({ api, code: 'NOT_ASKED', message: 'not asked: the credentials were refused earlier in this collection' });

    // several versions can share a pipeline or a dataset: each is fetched once
    const pipelines = new Map<string, Promise<Fetched<PipelineRecord>>>();
    const datasets = new Map<string, Promise<Fetched<DatasetRecord>>>();
    const pipeline = (name: string) => {
      let p = pipelines.get(name);
      if (!p) {
        p = (async (): Promise<Fetched<PipelineRecord>> => {
          if (stop) return { error: notAsked(pipelineOp.api) };
          try {
            const [t] = await call(ctx, pipelineOp, () => ctx.vertex.pipeline.getTrainingPipeline({ name }));
            return { ok: toPipelineRecord(t) };
          } catch (e) {
            return { error: fail(pipelineOp.api, name, e) };
          }
        })();
        pipelines.set(name, p);
      }
      return p;
    };
    const dataset = (name: string) => {
      let p = datasets.get(name);
      if (!p) {
        p = (async (): Promise<Fetched<DatasetRecord>> => {
          if (stop) return { error: notAsked(datasetOp.api) };
          try {
            const [d] = await call(ctx, datasetOp, () => ctx.vertex.dataset.getDataset({ name }));
            return { ok: toDatasetRecord(d) };
          } catch (e) {
            return { error: fail(datasetOp.api, name, e) };
          }
        })();
        datasets.set(name, p);
      }
      return p;
    };

    const trace = async (v: VersionRecord): Promise<LineageRecord> => {
      const rec: LineageRecord = {
        model: v.model,
        modelId: v.modelId,
        displayName: v.displayName,
        versionId: v.versionId,
        versionAliases: v.versionAliases,
        productionAliases: productionAliasesOf(v.versionAliases, src.productionAliases),
        versionCreateTime: v.versionCreateTime,
        metadataArtifact: v.metadataArtifact,
        trainingPipeline: v.trainingPipeline,
        metadata: null,
        pipeline: null,
        dataset: null,
        datasets: [],
        traced: false,
        untracedReason: null,
        errors: [],
      };
      const found: TracedDataset[] = [];
      const why: string[] = [];

      // ── route 1: ML Metadata lineage ──
      if (v.metadataArtifact) {
        const artifact = v.metadataArtifact;
        if (stop) {
          rec.errors.push(notAsked(lineageOp.api));
          rec.metadata = { maxHops, artifacts: null, events: null, datasets: [], executions: [], error: { ...notAsked(lineageOp.api), reason: 'not asked' } };
        } else {
          try {
            const [g] = await call(ctx, lineageOp, () => ctx.vertex.metadata.queryArtifactLineageSubgraph({ artifact, maxHops }));
            rec.metadata = summarizeSubgraph(g, artifact, maxHops);
            const up = rec.metadata.datasets.filter((d) => d.upstream);
            for (const d of up) found.push({ via: 'metadata', name: d.name, displayName: d.displayName, uri: d.uri, schema: d.schemaTitle, createTime: d.createTime });
            if (!up.length) {
              const other = rec.metadata.datasets.length;
              why.push(
                `its ML Metadata lineage (${rec.metadata.artifacts} artifacts, ${rec.metadata.executions.length} executions within ${maxHops} hops of ${artifact}) holds no dataset artifact upstream of the model` +
                  (other ? ` (${other} dataset artifact${other === 1 ? '' : 's'} only downstream or unconnected)` : ''),
              );
            }
          } catch (e) {
            const err = fail(lineageOp.api, `${artifact} (${v.displayName ?? v.modelId}@${v.versionId})`, e);
            const reason =
              err.code === 'FAILED_PRECONDITION'
                ? `the lineage subgraph within ${maxHops} hops is too large for the service (above 1000 artifacts, executions or events): ${err.message}. Lower lineageMaxHops for this source`
                : `the lineage query failed: ${err.code}: ${err.message}`;
            rec.errors.push(err);
            rec.metadata = { maxHops, artifacts: null, events: null, datasets: [], executions: [], error: { ...err, reason } };
          }
        }
      }

      // ── route 2: training pipeline → input Dataset ──
      if (v.trainingPipeline) {
        const p = await pipeline(v.trainingPipeline);
        if ('error' in p) {
          rec.errors.push(p.error);
          rec.pipeline = { name: v.trainingPipeline, displayName: null, state: null, trainingTaskDefinition: null, createTime: null, startTime: null, endTime: null, datasetId: null, modelToUpload: null, encryptionSpec: null, error: p.error };
        } else {
          rec.pipeline = p.ok;
          if (p.ok.datasetId) {
            // the Dataset lives beside the pipeline: projects/P/locations/L/datasets/ID
            const name = `${v.trainingPipeline.replace(/\/trainingPipelines\/[^/]+$/, '')}/datasets/${p.ok.datasetId}`;
            const d = await dataset(name);
            if ('error' in d) {
              rec.errors.push(d.error);
              rec.dataset = { name, displayName: null, description: null, metadataSchemaUri: null, createTime: null, updateTime: null, labels: {}, encryptionSpec: null, source: { gcsUris: [], bigqueryUri: null }, metadataArtifact: null, error: d.error };
            } else {
              rec.dataset = d.ok;
              const uri = d.ok.source.bigqueryUri ?? d.ok.source.gcsUris[0] ?? null;
              found.push({ via: 'training-pipeline', name: d.ok.name, displayName: d.ok.displayName, uri, schema: d.ok.metadataSchemaUri, createTime: d.ok.createTime });
            }
          } else why.push(`its training pipeline ${v.trainingPipeline} has no inputDataConfig.datasetId (custom training that reads no managed Dataset)`);
        }
      }

      if (!v.metadataArtifact && !v.trainingPipeline) why.push('the version has neither a metadataArtifact nor a trainingPipeline (uploaded without ML Metadata lineage or a training pipeline)');
      rec.datasets = found;
      rec.traced = found.length > 0;
      rec.untracedReason = rec.traced || rec.errors.length ? null : why.join('; ');
      return rec;
    };

    const records = await mapPool(production, Math.max(1, ctx.concurrency), trace);
    gaps.flush();
    const out = await ctx.artifacts.ndjson(KIND);
    for (const r of records) await out.write(r);
    const notes = {
      productionAliases: src.productionAliases,
      lineageMaxHops: maxHops,
      productionVersionsFrom: walk.from,
      modelsListed: walk.models,
      versionsListed: walk.versions,
      productionVersions: records.length,
      traced: records.filter((r) => r.traced).length,
      untraced: records.filter((r) => !r.traced && !r.errors.length).length,
      unknown: records.filter((r) => !r.traced && r.errors.length).length,
      viaMetadata: records.filter((r) => r.datasets.some((d) => d.via === 'metadata')).length,
      viaTrainingPipeline: records.filter((r) => r.datasets.some((d) => d.via === 'training-pipeline')).length,
      withErrors: records.filter((r) => r.errors.length).length,
      lineageTooLarge: records.filter((r) => r.metadata?.error?.code === 'FAILED_PRECONDITION').length,
      distinctPipelines: pipelines.size,
      distinctDatasets: datasets.size,
      ...(walk.failedModels ? { modelsWhoseVersionsFailed: walk.failedModels, incomplete: 'some models’ versions could not be listed: production versions among them are missing' } : {}),
    };
    await out.finish({ operations: [...walk.operations, { ...lineageOp }, { ...pipelineOp }, { ...datasetOp }], complete, notes });
  },
});

interface Listed {
  production: VersionRecord[];
  walk: { from: string; operations: OperationRecord[]; models: number | null; versions: number; versionsOk: boolean; failedModels: number };
}

/** The production versions: from vertex-registry's complete snapshot of this run, else listed here. Null: no usable model list. */
async function productionVersions(ctx: VertexContext): Promise<Listed | null> {
  const [snapshot] = ctx.run.find(REGISTRY_VERSIONS, { source: ctx.target.source, project: ctx.vertex.project, location: ctx.vertex.location });
  if (snapshot?.complete) {
    const production: VersionRecord[] = [];
    let versions = 0;
    for await (const v of snapshot.iterate<VersionRecord>()) {
      versions++;
      if (v.production) production.push(v);
    }
    const operations = [{ api: 'bundle:read', params: { artifact: snapshot.path, kind: REGISTRY_VERSIONS }, pages: 1, calls: 0 }];
    return { production, walk: { from: `${snapshot.path} (vertex-registry, this bundle)`, operations, models: null, versions, versionsOk: true, failedModels: 0 } };
  }
  const production: VersionRecord[] = [];
  const walk = await walkRegistry(ctx, {
    where: KIND,
    onVersions: (_m, versions) => {
      for (const v of versions ?? []) if (v.production) production.push(v);
    },
  });
  if (!walk.modelsOk || walk.unauthenticated) return null;
  const from = snapshot ? 'listed here: vertex-registry’s snapshot of this bundle is incomplete' : 'listed here: vertex-registry did not run in this bundle';
  return { production, walk: { from, operations: [{ ...walk.modelsOp }, { ...walk.versionsOp }], models: walk.models, versions: walk.versions, versionsOk: walk.versionsOk, failedModels: walk.failedModels } };
}
