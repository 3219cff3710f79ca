// Vertex AI online prediction endpoints, per location: deployed models (model + version) with their
// traffic share, request-response logging, encryption and network exposure, and whether each
// deployment serves a production version. The collector finds that out itself: ListModelVersions
// once per distinct deployed model (bounded concurrency) gives every version's aliases — one call
// per deployed model (with ≤ 100 versions), where GetModel would cost one per deployed version.
import type { protos } from '@google-cloud/aiplatform';
import { mapPool } from '../../src/core/pool.js';
import { defineCollector } from '../define.js';
import {
  gapOf,
  iso,
  isUnauthenticated,
  vertexItemGaps,
  kmsOf,
  labelsOf,
  lastSegment,
  op,
  pageAll,
  PAGE_SIZE,
  productionAliasesOf,
  str,
  text,
  type IEndpoint,
  type IModel,
  type VersionRecord,
  type VertexContext,
} from '../vertex-registry/vertex.js';

const REGISTRY_VERSIONS = 'vertex.registry.versions';
import { checks } from './checks.js';

type IDeployedModel = protos.google.cloud.aiplatform.v1.IDeployedModel;

export const KIND = 'vertex.endpoints.endpoints';

export interface DeployedModelRecord {
  id: string;
  model: string;
  modelId: string;
  modelVersionId: string | null;
  displayName: string | null;
  createTime: string | null;
  /** trafficSplit[id], 0 when absent */
  trafficPercent: number;
  /** the deployed version's aliases now; null when they could not be read */
  versionAliases: string[] | null;
  /** the aliases in productionAliases; empty: not production */
  productionAliases: string[];
  /** null when unknown */
  production: boolean | null;
  enableAccessLogging: boolean;
  disableContainerLogging: boolean;
  serviceAccount: string | null;
  machineType: string | null;
}

export interface EndpointRecord {
  name: string;
  endpointId: string;
  displayName: string | null;
  description: string | null;
  labels: Record<string, string>;
  createTime: string | null;
  updateTime: string | null;
  deployedModels: DeployedModelRecord[];
  trafficSplit: Record<string, number>;
  /** a deployed model is a production version (whatever its traffic share); null when unknown */
  servesProduction: boolean | null;
  /** predictRequestResponseLoggingConfig; null when never configured */
  predictRequestResponseLogging: { enabled: boolean; samplingRate: number; bigqueryDestination: string | null } | null;
  encryptionSpec: { kmsKeyName: string } | null;
  /** VPC peering network (projects/N/global/networks/X) */
  network: string | null;
  privateServiceConnect: { enabled: boolean; projectAllowlist: string[]; serviceAttachment: string | null } | null;
  dedicatedEndpointEnabled: boolean;
  /** reachable only privately: VPC peering or Private Service Connect */
  private: boolean;
}

function toEndpointRecord(e: IEndpoint): EndpointRecord {
  const split: Record<string, number> = {};
  for (const [k, v] of Object.entries(e.trafficSplit ?? {})) split[k] = Number(v);
  const psc = e.privateServiceConnectConfig;
  const pscEnabled = psc?.enablePrivateServiceConnect === true || e.enablePrivateServiceConnect === true;
  const log = e.predictRequestResponseLoggingConfig;
  const network = str(e.network);
  const name = e.name ?? '';
  return {
    name,
    endpointId: lastSegment(name),
    displayName: text(e.displayName),
    description: text(e.description),
    labels: labelsOf(e.labels),
    createTime: iso(e.createTime),
    updateTime: iso(e.updateTime),
    deployedModels: (e.deployedModels ?? []).map((d) => toDeployed(d, split)),
    trafficSplit: split,
    servesProduction: null,
    predictRequestResponseLogging: log
      ? { enabled: log.enabled === true, samplingRate: Number(log.samplingRate ?? 0), bigqueryDestination: str(log.bigqueryDestination?.outputUri) }
      : null,
    encryptionSpec: kmsOf(e.encryptionSpec),
    network,
    privateServiceConnect: psc || pscEnabled ? { enabled: pscEnabled, projectAllowlist: [...(psc?.projectAllowlist ?? [])], serviceAttachment: str(psc?.serviceAttachment) } : null,
    dedicatedEndpointEnabled: e.dedicatedEndpointEnabled === true,
    private: network !== null || pscEnabled,
  };
}

function toDeployed(d: IDeployedModel, split: Record<string, number>): DeployedModelRecord {
  const model = (d.model ?? '').replace(/@[^/]*$/, '');
  const id = d.id ?? '';
  return {
    id,
    model,
    modelId: lastSegment(model),
    modelVersionId: str(d.modelVersionId),
    displayName: text(d.displayName),
    createTime: iso(d.createTime),
    trafficPercent: split[id] ?? 0,
    versionAliases: null,
    productionAliases: [],
    production: null,
    enableAccessLogging: d.enableAccessLogging === true,
    disableContainerLogging: d.disableContainerLogging === true,
    serviceAccount: str(d.serviceAccount),
    machineType: str(d.dedicatedResources?.machineSpec?.machineType) ?? str(d.automaticResources ? 'automatic' : null),
  };
}

export default defineCollector<VertexContext>({
  meta: {
    id: 'vertex-endpoints',
    title: 'Vertex AI endpoints: deployed model versions, traffic split, request-response logging, encryption and private networking',
    source: 'vertex',
    scope: 'regional',
    reads: [REGISTRY_VERSIONS],
    permissions: ['aiplatform.endpoints.list', 'aiplatform.models.list'],
    artifacts: [
      {
        kind: KIND,
        file: 'endpoints.ndjson',
        description:
          'One record per endpoint: deployed models (model, version, traffic share, the version’s aliases and whether it is production, access and container logging), trafficSplit, predictRequestResponseLoggingConfig (enabled, samplingRate, BigQuery destination), encryptionSpec, VPC network and Private Service Connect.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const src = ctx.source;
    const parent = ctx.vertex.parent;
    const listOp = op('EndpointService.ListEndpoints', { parent, pageSize: PAGE_SIZE });
    const versionsOp = op('ModelService.ListModelVersions', { name: '<each distinct deployed model>', pageSize: PAGE_SIZE });
    const endpoints: EndpointRecord[] = [];
    try {
      await pageAll<IEndpoint>(
        ctx,
        listOp,
        async (pageToken) => {
          const [items, , raw] = await ctx.vertex.endpoint.listEndpoints({ parent, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
          return { items, next: raw?.nextPageToken };
        },
        (items) => {
          for (const e of items) endpoints.push(toEndpointRecord(e));
        },
      );
    } catch (e) {
      ctx.gap(gapOf(listOp.api, e));
      // endpoints already listed are written (incomplete), without the production join
      if (endpoints.length && !isUnauthenticated(e)) await write(ctx, endpoints, [listOp, versionsOp], false, { stoppedAfterPages: listOp.pages });
      return;
    }

    // ── which deployed versions are production: every version's aliases, per distinct deployed model,
    //    from vertex-registry's complete snapshot of this run where it has the model, else listed here ──
    const deployed = [...new Set(endpoints.flatMap((e) => e.deployedModels.map((d) => d.model)))].sort();
    const { aliases, read } = await registryAliases(ctx, new Set(deployed));
    const models = deployed.filter((m) => !aliases.has(m));
    const gaps = vertexItemGaps(ctx, KIND);
    let stop = false;
    let complete = true;
    await mapPool(models, Math.max(1, ctx.concurrency), async (model) => {
      if (stop) {
        aliases.set(model, null);
        return;
      }
      const byVersion = new Map<string, string[]>();
      try {
        await pageAll<IModel>(
          ctx,
          versionsOp,
          async (pageToken) => {
            const [items, , raw] = await ctx.vertex.model.listModelVersions({ name: model, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
            return { items, next: raw?.nextPageToken };
          },
          (items) => {
            for (const v of items) byVersion.set(String(v.versionId ?? ''), [...(v.versionAliases ?? [])].sort());
          },
        );
        aliases.set(model, byVersion);
      } catch (e) {
        complete = false;
        aliases.set(model, null);
        if (isUnauthenticated(e)) {
          if (!stop) ctx.gap(gapOf(versionsOp.api, e));
          stop = true;
        } else gaps.add(versionsOp.api, model, e);
      }
    });
    gaps.flush();
    for (const e of endpoints) {
      for (const d of e.deployedModels) {
        // a version the listing does not hold (deleted, or listed before it was made) is unknown, not "not production"
        const known = d.modelVersionId === null ? undefined : aliases.get(d.model)?.get(d.modelVersionId);
        if (!known) continue;
        d.versionAliases = known;
        d.productionAliases = productionAliasesOf(d.versionAliases, src.productionAliases);
        d.production = d.productionAliases.length > 0;
      }
      e.servesProduction = e.deployedModels.some((d) => d.production === true) ? true : e.deployedModels.every((d) => d.production === false) ? false : null;
    }
    await write(ctx, endpoints, [listOp, ...(read ? [read] : []), { ...versionsOp, params: { ...versionsOp.params, models: models.length } }], complete, {
      distinctDeployedModels: deployed.length,
      versionsFromRegistrySnapshot: deployed.length - models.length,
    });
  },
});

/** Version aliases of the deployed models that vertex-registry's complete snapshot of this run holds. */
async function registryAliases(ctx: VertexContext, wanted: Set<string>): Promise<{ aliases: Map<string, Map<string, string[]> | null>; read: ReturnType<typeof op> | null }> {
  const out = new Map<string, Map<string, string[]> | null>();
  const [snapshot] = ctx.run.find(REGISTRY_VERSIONS, { source: ctx.target.source, project: ctx.vertex.project, location: ctx.vertex.location });
  if (!snapshot?.complete) return { aliases: out, read: null };
  for await (const v of snapshot.iterate<VersionRecord>()) {
    if (!wanted.has(v.model)) continue;
    let m = out.get(v.model);
    if (!m) out.set(v.model, (m = new Map()));
    m.set(v.versionId, v.versionAliases);
  }
  return { aliases: out, read: { api: 'bundle:read', params: { artifact: snapshot.path, kind: REGISTRY_VERSIONS, models: out.size }, pages: 1, calls: 0 } };
}

async function write(ctx: VertexContext, endpoints: EndpointRecord[], ops: ReturnType<typeof op>[], complete: boolean, extra: Record<string, unknown>): Promise<void> {
  const out = await ctx.artifacts.ndjson(KIND);
  for (const e of endpoints) await out.write(e);
  const count = (f: (e: EndpointRecord) => boolean) => endpoints.filter(f).length;
  await out.finish({
    operations: ops.map((o) => ({ ...o })),
    complete,
    notes: {
      endpoints: endpoints.length,
      deployedModels: endpoints.reduce((n, e) => n + e.deployedModels.length, 0),
      servingProduction: count((e) => e.servesProduction === true),
      productionUnknown: count((e) => e.servesProduction === null && e.deployedModels.length > 0),
      loggingEnabled: count((e) => e.predictRequestResponseLogging?.enabled === true),
      withCmek: count((e) => e.encryptionSpec !== null),
      private: count((e) => e.private),
      productionAliases: ctx.source.productionAliases,
      ...extra,
    },
  });
}
