// Vertex AI Model Registry, per location: every model (ListModels) and every version of each
// (ListModelVersions, bounded concurrency) with aliases, labels, lineage pointers and encryption,
// and the promotion log derived from this snapshot and the previous bundle's
// (collectors/_shared/promotions.ts, the one implementation shared with mlflow-registry).
import { diffSnapshots, type PromotionLog, type VersionState } from '../_shared/promotions.js';
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
  const prev = ctx.previous;
  const to = o.snapshotAt;
  const from = prev?.collectedAt ?? null;
  const previousBundle = prev?.bundleId ?? null;
  const derived = (prevNote?: string) => ({
    derivedFrom: [`${KIND.versions} of this bundle`, ...(prevNote ? [prevNote] : [])],
    productionAliases: o.popts.productionAliases,
    approvalLabels: o.popts.approvalTags,
  });
  const empty = (log: Partial<PromotionLog> = {}): PromotionLog => ({ baseline: false, window: { from, to }, previousBundle, events: [], ...log });

  if (!o.complete) {
    await ctx.artifacts.json(KIND.promotions, empty({ baseline: prev === null }), {
      operations: [],
      complete: false,
      records: 0,
      notes: { ...derived(), incomplete: 'this bundle’s version snapshot is incomplete (see the gaps): promotions cannot be derived' },
    });
    return;
  }
  if (prev === null) {
    await ctx.artifacts.json(KIND.promotions, { baseline: true, window: { from: null, to }, previousBundle: null, events: [] } satisfies PromotionLog, {
      operations: [],
      complete: true,
      records: 0,
      notes: {
        ...derived(),
        baseline: 'first bundle for this Vertex source and location: there is no earlier snapshot to compare with, so this bundle’s versions snapshot is the baseline and the promotion log starts here',
      },
    });
    return;
  }
  if (!prev.complete(KIND.versions)) {
    const message = `the previous bundle ${previousBundle ?? ''} has no complete ${KIND.versions} snapshot: promotions between ${from ?? '?'} and ${to} cannot be derived`;
    ctx.gap({ api: KIND.promotions, code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message });
    await ctx.artifacts.json(KIND.promotions, empty(), { operations: [], complete: false, records: 0, notes: { ...derived(), incomplete: message } });
    return;
  }
  const before: VersionState[] = [];
  const displayNames = new Map<string, string>();
  for await (const rec of prev.iterate<VersionRecord>(KIND.versions)) {
    before.push(toVersionState(rec, o.popts.approvalTags));
    if (rec.displayName) displayNames.set(rec.modelId, rec.displayName);
  }
  for (const [id, n] of o.displayNames) displayNames.set(id, n);
  const window = { from: from ?? to, to };
  const events = diffSnapshots(before, o.states, window, o.popts);
  // Vertex keeps no record of who moved an alias (only Cloud Audit Logs would, as
  // ModelService.MergeVersionAliases): actor stays null. The model id is the diff key (display
  // names can change); the display name is added for the reader.
  const log: PromotionLog = { baseline: false, window: { from, to }, previousBundle, events: events.map((e) => ({ ...e, modelDisplayName: displayNames.get(e.model) ?? null })) };
  const toProduction = events.filter((e) => e.toProduction);
  await ctx.artifacts.json(KIND.promotions, log, {
    operations: [],
    complete: true,
    records: events.length,
    periodCovered: window,
    notes: {
      ...derived(`${KIND.versions} of bundle ${previousBundle ?? '(unknown)'} collected ${from ?? '(unknown)'}`),
      previousVersions: before.length,
      currentVersions: o.states.length,
      toProduction: toProduction.length,
      toProductionWithoutApproval: toProduction.filter((e) => !e.approval.approved).length,
      window: 'each event happened after the previous collection and at or before this one; the Model Registry keeps no alias history, so no finer time is known (lastUpdated is the version’s versionUpdateTime, as a hint)',
      actor: 'Vertex AI records who moved an alias only in Cloud Audit Logs (google.cloud.aiplatform.v1.ModelService.MergeVersionAliases); actor is null',
    },
  });
}
