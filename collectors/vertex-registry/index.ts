// Vertex AI Model Registry, per location: every model (ListModels) and every version of each
// (ListModelVersions, bounded concurrency) with aliases, labels, lineage pointers and encryption,
// and the promotion log derived from this snapshot and the previous bundle's
// (collectors/_shared/promotions.ts, the one implementation shared with mlflow-registry).
import { promotionsPopulation, writePromotionLog, type VersionState } from '../_shared/promotions.js';
import { defineCollector } from '../define.js';
import { checks } from './checks.js';
import { promotionOptions, toVersionState, walkRegistry, type VersionRecord, type VertexContext } from './vertex.js';

export const KIND = {
  models: 'vertex.registry.models',
  versions: 'vertex.registry.versions',
  promotions: 'vertex.registry.promotions',
} as const;

export default defineCollector<VertexContext>({
  meta: {
    id: 'vertex-registry',
    title: 'Vertex AI Model Registry: models, versions with aliases, labels and encryption, and the promotion log',
    source: 'vertex',
    scope: 'regional',
    permissions: ['aiplatform.models.list'],
    populations: [promotionsPopulation(KIND.promotions)],
    artifacts: [
      {
        kind: KIND.models,
        file: 'models.ndjson',
        description: 'One record per model of the location, as ListModels returns it (at its default version): display name, description, default version and aliases, encryptionSpec (CMEK), modelSourceInfo.',
      },
      {
        kind: KIND.versions,
        file: 'versions.ndjson',
        description:
          'One record per model version: versionId, versionAliases, production (a productionAliases alias), create/update times, labels, trainingPipeline, pipelineJob, metadataArtifact, modelSourceInfo, encryptionSpec, artifact and container URIs, deployments. The snapshot the next bundle diffs against.',
      },
      {
        kind: KIND.promotions,
        file: 'promotions.json',
        description: 'Promotion log: alias moves, new and deleted versions between the previous bundle and this one, each with its window and approval labels. The first bundle is a baseline.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const src = ctx.source;
    const popts = promotionOptions(src);
    const keepLabels = src.approvalLabels;
    const states: VersionState[] = [];
    const vcount = { versions: 0, production: 0, withAliases: 0, withTrainingPipeline: 0, withMetadataArtifact: 0, withCmek: 0, deployed: 0 };
    const mcount = { models: 0, withCmek: 0 };
    const displayNames = new Map<string, string>();

    const modelsOut = await ctx.artifacts.ndjson(KIND.models);
    const versionsOut = await ctx.artifacts.ndjson(KIND.versions);
    const walk = await walkRegistry(ctx, {
      where: KIND.versions,
      onModel: async (m) => {
        mcount.models++;
        if (m.encryptionSpec) mcount.withCmek++;
        if (m.displayName) displayNames.set(m.modelId, m.displayName);
        await modelsOut.write(m);
      },
      onVersions: async (_m, versions) => {
        for (const v of versions ?? []) {
          vcount.versions++;
          if (v.production) vcount.production++;
          if (v.versionAliases.length) vcount.withAliases++;
          if (v.trainingPipeline) vcount.withTrainingPipeline++;
          if (v.metadataArtifact) vcount.withMetadataArtifact++;
          if (v.encryptionSpec) vcount.withCmek++;
          if (v.deployedModels.length) vcount.deployed++;
          states.push(toVersionState(v, keepLabels));
          await versionsOut.write(v);
        }
      },
    });
    const snapshotAt = ctx.now().toISOString();
    await modelsOut.finish({ operations: [{ ...walk.modelsOp }], complete: walk.modelsOk, notes: { ...mcount, ...(walk.modelsOk ? {} : { stoppedAfterPages: walk.modelsOp.pages }) } });
    await versionsOut.finish({
      operations: [{ ...walk.modelsOp }, { ...walk.versionsOp }],
      complete: walk.modelsOk && walk.versionsOk,
      notes: {
        ...vcount,
        productionAliases: src.productionAliases,
        approvalLabels: src.approvalLabels,
        ...(walk.failedModels ? { modelsWhoseVersionsFailed: walk.failedModels } : {}),
        ...(walk.unauthenticated ? { stopped: 'the credentials were refused (UNAUTHENTICATED); nothing further was asked' } : {}),
      },
    });
    if (walk.unauthenticated) return;
    await writePromotions(ctx, { states, displayNames, complete: walk.modelsOk && walk.versionsOk, snapshotAt, popts });
  },
});

async function writePromotions(ctx: VertexContext, o: { states: VersionState[]; displayNames: Map<string, string>; complete: boolean; snapshotAt: string; popts: ReturnType<typeof promotionOptions> }): Promise<void> {
  const displayNames = new Map<string, string>();
  await writePromotionLog<VersionRecord>(ctx, {
    versionsKind: KIND.versions,
    promotionsKind: KIND.promotions,
    complete: o.complete,
    snapshotAt: o.snapshotAt,
    current: o.states,
    popts: o.popts,
    settingsNote: { productionAliases: o.popts.productionAliases, approvalLabels: o.popts.approvalTags },
    baselineNote: 'first bundle for this Vertex source and location: there is no earlier snapshot to compare with, so this bundle’s versions snapshot is the baseline and the promotion log starts here',
    windowNote: 'each event happened after the previous collection and at or before this one; the Model Registry keeps no alias history, so no finer time is known (lastUpdated is the version’s versionUpdateTime, as a hint)',
    fromRecord: (rec) => {
      if (rec.displayName) displayNames.set(rec.modelId, rec.displayName);
      return toVersionState(rec, o.popts.approvalTags);
    },
    // Vertex keeps no record of who moved an alias (only Cloud Audit Logs would, as
    // ModelService.MergeVersionAliases): actor stays null. The model id is the diff key (display
    // names can change); the display name is added for the reader.
    finish: (events) => {
      for (const [id, n] of o.displayNames) displayNames.set(id, n);
      return {
        events: events.map((e) => ({ ...e, modelDisplayName: displayNames.get(e.model) ?? null })),
        notes: { actor: 'Vertex AI records who moved an alias only in Cloud Audit Logs (google.cloud.aiplatform.v1.ModelService.MergeVersionAliases); actor is null' },
      };
    },
  });
}
