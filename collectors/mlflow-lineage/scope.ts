// The model versions lineage is collected for. When mlflow-registry ran on the same server in this
// collection and its models and versions artifacts are complete, they are read (no second listing
// of the registry); otherwise this collector lists the registry itself and says so.
import type { MlflowContext, VersionRecord } from '../mlflow-registry/mlflow.js';
import { isProductionVersion, isStagingVersion, loggedModelIdOf } from '../mlflow-registry/mlflow.js';
import { listRegistry } from '../mlflow-registry/listing.js';
import type { ModelRecord } from '../mlflow-registry/index.js';
import type { OperationRecord, RunArtifact } from '../../src/core/types.js';
import type { Redactor } from '../_shared/redact.js';
import { tagMap } from './record.js';

export const REGISTRY_KINDS = { models: 'mlflow.registry.models', versions: 'mlflow.registry.versions' } as const;

export interface InScope {
  name: string;
  version: string;
  current_stage: string | null;
  aliases: string[];
  production: boolean;
  staging: boolean;
  user_id: string | null;
  status: string | null;
  run_id: string | null;
  /** the LoggedModel the version was registered from (MLflow 3) */
  model_id: string | null;
  /** only the configured classification tags */
  classification: Record<string, string>;
  /** only the configured approval tags */
  approval_tags: Record<string, string>;
}

export interface ScopeResult {
  versions: InScope[];
  /** model → its configured classification tags */
  modelClass: Map<string, Record<string, string>>;
  versionsSeen: number;
  /** where the population came from, for the provenance notes */
  from: { registryArtifacts: string[] } | { listed: string };
  operations: OperationRecord[];
  /** false: the population is not whole (a listing failed, models not visible) */
  complete: boolean;
  /** a listing failed so that nothing trustworthy can be written */
  failed: boolean;
  unauthenticated: boolean;
}

/** mlflow-registry's artifacts of this target (server and workspace) in this collection, when both are there and complete. */
function registryArtifacts(ctx: MlflowContext): { models: RunArtifact; versions: RunArtifact } | { why: string } {
  const workspace = ctx.mlflowWorkspace?.name;
  const find = (kind: string) =>
    ctx.run.find(kind, { source: ctx.target.source, server: ctx.target.server }).find((a) => a.collector === 'mlflow-registry' && a.scope.workspace === workspace);
  const models = find(REGISTRY_KINDS.models);
  const versions = find(REGISTRY_KINDS.versions);
  if (!models || !versions) return { why: 'mlflow-registry did not run on this server in this collection' };
  if (!models.complete || !versions.complete) return { why: 'mlflow-registry’s models or versions artifact of this collection is incomplete' };
  return { models, versions };
}

export async function versionsInScope(ctx: MlflowContext, r: Redactor): Promise<ScopeResult> {
  const src = ctx.source;
  const res: ScopeResult = { versions: [], modelClass: new Map(), versionsSeen: 0, from: { listed: '' }, operations: [], complete: true, failed: false, unauthenticated: false };
  const pick = (tags: Map<string, string>, keys: readonly string[], keyed: boolean) => {
    const out: Record<string, string> = {};
    for (const k of keys) if (tags.get(k)) out[k] = keyed ? r.keyed(k, tags.get(k)!, 'tags') : tags.get(k)!;
    return out;
  };
  const add = (v: { name: string; version: string; current_stage: string | null; aliases: string[]; tags: Map<string, string>; user_id: string | null; status: string | null; run_id: string | null; model_id: string | null }) => {
    res.versionsSeen++;
    const production = isProductionVersion(v, src.productionAliases);
    const staging = isStagingVersion(v);
    if (!(src.lineageScope === 'all' || production || (src.lineageScope === 'production-staging' && staging))) return;
    const { tags, ...rest } = v;
    res.versions.push({ ...rest, production, staging, classification: pick(tags, src.classificationTags, true), approval_tags: pick(tags, src.approvalTags, false) });
  };

  const reg = registryArtifacts(ctx);
  if ('models' in reg) {
    res.from = { registryArtifacts: [reg.models.path, reg.versions.path] };
    for await (const m of reg.models.iterate<ModelRecord>()) {
      const c = pick(new Map(Object.entries(m.tags)), src.classificationTags, false);
      if (Object.keys(c).length) res.modelClass.set(m.name, c);
    }
    for await (const v of reg.versions.iterate<VersionRecord>()) add({ ...v, tags: new Map(Object.entries(v.tags)), model_id: v.model_id ?? null });
    return res;
  }

  res.from = { listed: `listed the registry itself: ${reg.why}` };
  const listing = await listRegistry(
    ctx,
    {
      filter: '',
      pageSize: (ctx.settings as { pageSize?: number } | undefined)?.pageSize,
      onModel: async (m) => {
        const c = pick(tagMap(m.tags), src.classificationTags, true);
        if (Object.keys(c).length) res.modelClass.set(m.name, c);
      },
      onVersion: async (v, aliases) => {
        add({
          name: v.name,
          version: String(v.version),
          current_stage: v.current_stage || null,
          aliases: [...aliases],
          tags: tagMap(v.tags),
          user_id: v.user_id || null,
          status: v.status || null,
          run_id: v.run_id || null,
          model_id: loggedModelIdOf(v),
        });
      },
    },
    (g) => ctx.gap(g),
  );
  res.operations = listing.operations;
  res.unauthenticated = listing.unauthenticated;
  // without aliases "production" cannot be decided, without versions there is nothing to follow
  res.failed = !listing.modelsOk || !listing.versionsOk;
  res.complete = !res.failed && listing.hidden.length === 0;
  return res;
}
