// What the three Vertex AI collectors share: the context type, gRPC errors as gaps, paging with a
// call per page (the gRPC clients do not count their calls), timestamps and Struct values, the
// registry walk (ListModels, then ListModelVersions per model with bounded concurrency) and the
// version record written to vertex.registry.versions.
//
// Names: Vertex answers with the project NUMBER in every resource name
// (`projects/412345678901/locations/us-central1/models/123`), even when asked with the project id.
// Records keep the names exactly as the API returned them, plus the last segment as `…Id`.
import { itemGaps } from '../_shared/item-gaps.js';
import { REDACTED, isSecretKey, redactString } from '../_shared/redact.js';
import type { protos } from '@google-cloud/aiplatform';
import type { VertexContextExtras } from '../../src/clients/preparers.js';
import type { VertexSourceConfig } from '../../src/config/schema.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import type { BaseContext, Gap, OperationRecord } from '../../src/core/types.js';
import type { PromotionOptions, VersionState } from '../_shared/promotions.js';

export type VertexContext = BaseContext<VertexSourceConfig> & VertexContextExtras;
export type IModel = protos.google.cloud.aiplatform.v1.IModel;
export type IEndpoint = protos.google.cloud.aiplatform.v1.IEndpoint;
type ITimestamp = protos.google.protobuf.ITimestamp;
type IValue = protos.google.protobuf.IValue;
type IStruct = protos.google.protobuf.IStruct;

/** Page size asked of every Vertex list call (the service's default is 100, its maximum 1000). */
export const PAGE_SIZE = 100;
/** per-item failures named one by one before the rest are summed up in one gap */

// ── errors ──────────────────────────────────────────────────────────────────────────────────

const GRPC_CODES = [
  'OK',
  'CANCELLED',
  'UNKNOWN',
  'INVALID_ARGUMENT',
  'DEADLINE_EXCEEDED',
  'NOT_FOUND',
  'ALREADY_EXISTS',
  'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED',
  'FAILED_PRECONDITION',
  'ABORTED',
  'OUT_OF_RANGE',
  'UNIMPLEMENTED',
  'INTERNAL',
  'UNAVAILABLE',
  'DATA_LOSS',
  'UNAUTHENTICATED',
] as const;
export type GrpcCodeName = (typeof GRPC_CODES)[number];

/** The gRPC status name of an error from a google-gax client (numeric `code`), or null. */
export function grpcCode(e: unknown): GrpcCodeName | null {
  const c = (e as { code?: unknown } | null)?.code;
  return typeof c === 'number' && Number.isInteger(c) && c >= 0 && c < GRPC_CODES.length ? GRPC_CODES[c]! : null;
}

/** `{code, message}` of a Vertex error: the status name and the server's details (no "9 FAILED_PRECONDITION:" prefix). */
export function describeVertexError(e: unknown): { code: string; message: string } {
  const code = grpcCode(e);
  if (!code) return describeError(e);
  const err = e as { details?: unknown; message?: unknown };
  const raw = typeof err.details === 'string' && err.details ? err.details : String(err.message ?? code).replace(/^\d+ [A-Z_]+: /, '');
  return { code, message: redactString(raw.split('\n')[0]!).slice(0, 500) };
}

export function gapOf(api: string, e: unknown): Gap {
  return { api, ...describeVertexError(e) };
}

/** Every further call would fail the same way: the credentials were refused. */
export const isUnauthenticated = (e: unknown) => grpcCode(e) === 'UNAUTHENTICATED';

/** Per-item failures of a Vertex collector, described with their gRPC codes (see _shared/item-gaps). */
export const vertexItemGaps = (ctx: VertexContext, where: string) => itemGaps((g) => ctx.gap(g), { noun: 'items', where, describe: describeVertexError });

// ── calls ───────────────────────────────────────────────────────────────────────────────────

export const op = (api: string, params: Record<string, unknown>): OperationRecord => ({ api, params, pages: 0, calls: 0 });

/**
 * One paginated list through ctx.paginate (a repeated page token stops with an error), one counted
 * call per page. `op.calls` counts the RPCs sent, `op.pages` the pages received.
 */
export async function pageAll<T>(
  ctx: VertexContext,
  o: OperationRecord,
  fetch: (pageToken: string | undefined) => Promise<{ items: T[]; next: string | null | undefined }>,
  onPage: (items: T[]) => Promise<void> | void,
): Promise<void> {
  await ctx.paginate.all(
    { api: o.api, params: o.params },
    async (token) => {
      if (ctx.signal.aborted) throw new Error('collection aborted');
      ctx.countCall();
      o.calls = (o.calls ?? 0) + 1;
      const r = await fetch(token);
      o.pages++;
      return { page: r.items, next: r.next || undefined };
    },
    onPage,
  );
}

/** One unary call, counted. */
export async function call<T>(ctx: VertexContext, o: OperationRecord, fn: () => Promise<T>): Promise<T> {
  if (ctx.signal.aborted) throw new Error('collection aborted');
  ctx.countCall();
  o.calls = (o.calls ?? 0) + 1;
  const r = await fn();
  o.pages++;
  return r;
}

// ── values ──────────────────────────────────────────────────────────────────────────────────

export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
/** A free-text field or URI the registry hands back verbatim (descriptions, names, artifact URIs): credentials redacted. */
export const text = (v: unknown): string | null => {
  const s = str(v);
  return s === null ? null : redactString(s);
};
export const lastSegment = (name: string) => name.slice(name.lastIndexOf('/') + 1);

/** google.protobuf.Timestamp → ISO 8601 (null when unset). */
export function iso(t: ITimestamp | null | undefined): string | null {
  if (!t || t.seconds === null || t.seconds === undefined) return null;
  const s = Number(String(t.seconds));
  if (!Number.isFinite(s) || (s === 0 && !t.nanos)) return null;
  return new Date(s * 1000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();
}

/** google.protobuf.Value → JSON. */
export function fromValue(v: IValue | null | undefined): unknown {
  if (!v) return null;
  const kind = (v as { kind?: string }).kind;
  const has = (k: string) => kind === k || (kind === undefined && (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null);
  if (has('structValue')) return fromStruct(v.structValue);
  if (has('listValue')) return (v.listValue?.values ?? []).map(fromValue);
  if (has('stringValue')) return redactString(v.stringValue ?? '');
  if (has('numberValue')) return v.numberValue ?? 0;
  if (has('boolValue')) return v.boolValue ?? false;
  return null;
}

/** google.protobuf.Struct → JSON object. */
export function fromStruct(s: IStruct | null | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = fromValue(v);
  return out;
}

/** Labels, sorted, with credential-looking values redacted (a label like `deploy-token: ghp_…` is legal in Vertex). */
export const labelsOf = (l: Record<string, string> | null | undefined): Record<string, string> =>
  Object.fromEntries(
    Object.entries(l ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, v !== '' && isSecretKey(k) ? REDACTED : redactString(v)]),
  );
export const kmsOf = (e: { kmsKeyName?: string | null } | null | undefined): { kmsKeyName: string } | null => (e?.kmsKeyName ? { kmsKeyName: e.kmsKeyName } : null);

// ── production ──────────────────────────────────────────────────────────────────────────────

export function promotionOptions(src: Pick<VertexSourceConfig, 'productionAliases' | 'approvalLabels' | 'notApprovedValues'>): PromotionOptions {
  return { productionAliases: src.productionAliases, approvalTags: src.approvalLabels, notApproved: src.notApprovedValues };
}

/** The version's aliases that make it production (empty: not production). */
export const productionAliasesOf = (aliases: readonly string[], productionAliases: readonly string[]) => aliases.filter((a) => productionAliases.includes(a));

// ── records ─────────────────────────────────────────────────────────────────────────────────

/** One line of vertex.registry.models: a model as ListModels returns it (at its default version). */
export interface ModelRecord {
  name: string;
  modelId: string;
  displayName: string | null;
  description: string | null;
  createTime: string | null;
  /** the version ListModels returned the model at: the one carrying the `default` alias */
  defaultVersionId: string | null;
  defaultVersionAliases: string[];
  encryptionSpec: { kmsKeyName: string } | null;
  modelSourceInfo: { sourceType: string | null; copy: boolean } | null;
}

/** One line of vertex.registry.versions. */
export interface VersionRecord {
  model: string;
  modelId: string;
  displayName: string | null;
  versionId: string;
  versionAliases: string[];
  /** carries an alias in productionAliases, with this run's configuration */
  production: boolean;
  versionCreateTime: string | null;
  versionUpdateTime: string | null;
  versionDescription: string | null;
  labels: Record<string, string>;
  trainingPipeline: string | null;
  pipelineJob: string | null;
  metadataArtifact: string | null;
  modelSourceInfo: { sourceType: string | null; copy: boolean } | null;
  encryptionSpec: { kmsKeyName: string } | null;
  artifactUri: string | null;
  containerImageUri: string | null;
  /** where this version is deployed (Model.deployedModels) */
  deployedModels: { endpoint: string; deployedModelId: string }[];
}

const sourceInfo = (m: IModel) => (m.modelSourceInfo ? { sourceType: str(m.modelSourceInfo.sourceType) ?? null, copy: m.modelSourceInfo.copy === true } : null);

export function toModelRecord(m: IModel): ModelRecord {
  const name = m.name ?? '';
  return {
    name,
    modelId: lastSegment(name),
    displayName: text(m.displayName),
    description: text(m.description),
    createTime: iso(m.createTime),
    defaultVersionId: str(m.versionId),
    defaultVersionAliases: [...(m.versionAliases ?? [])].sort(),
    encryptionSpec: kmsOf(m.encryptionSpec),
    modelSourceInfo: sourceInfo(m),
  };
}

export function toVersionRecord(v: IModel, productionAliases: readonly string[]): VersionRecord {
  // ListModelVersions names every version with the model's name (no @version); strip one if present
  const model = (v.name ?? '').replace(/@[^/]*$/, '');
  const aliases = [...(v.versionAliases ?? [])].sort();
  return {
    model,
    modelId: lastSegment(model),
    displayName: text(v.displayName),
    versionId: String(v.versionId ?? ''),
    versionAliases: aliases,
    production: productionAliasesOf(aliases, productionAliases).length > 0,
    versionCreateTime: iso(v.versionCreateTime),
    versionUpdateTime: iso(v.versionUpdateTime),
    versionDescription: text(v.versionDescription),
    labels: labelsOf(v.labels),
    trainingPipeline: str(v.trainingPipeline),
    pipelineJob: str(v.pipelineJob),
    metadataArtifact: str(v.metadataArtifact),
    modelSourceInfo: sourceInfo(v),
    encryptionSpec: kmsOf(v.encryptionSpec),
    artifactUri: text(v.artifactUri),
    containerImageUri: str(v.containerSpec?.imageUri),
    deployedModels: (v.deployedModels ?? []).map((d) => ({ endpoint: d.endpoint ?? '', deployedModelId: d.deployedModelId ?? '' })),
  };
}

/** The small state the promotion diff needs; labels trimmed to the approval labels. */
export function toVersionState(r: VersionRecord, keepLabels: readonly string[]): VersionState {
  const tags: Record<string, string> = {};
  for (const k of keepLabels) if (r.labels[k] !== undefined) tags[k] = r.labels[k]!;
  return { model: r.modelId, version: r.versionId, aliases: [...r.versionAliases], lastUpdated: r.versionUpdateTime, creator: null, tags };
}

export const byModelVersion = (a: { modelId: string; versionId: string }, b: { modelId: string; versionId: string }) =>
  a.modelId < b.modelId ? -1 : a.modelId > b.modelId ? 1 : Number(a.versionId) - Number(b.versionId) || (a.versionId < b.versionId ? -1 : a.versionId > b.versionId ? 1 : 0);

// ── the registry walk ───────────────────────────────────────────────────────────────────────

/** models whose versions are listed concurrently before their records are handed on, in model order */
const VERSION_BATCH = 64;

export interface RegistryWalk {
  modelsOp: OperationRecord;
  versionsOp: OperationRecord;
  /** ListModels finished */
  modelsOk: boolean;
  /** every model's versions were listed */
  versionsOk: boolean;
  /** the credentials were refused: stop the collector */
  unauthenticated: boolean;
  models: number;
  versions: number;
  /** models whose versions could not be listed */
  failedModels: number;
}

/**
 * ListModels (paged), then ListModelVersions (paged) per model with at most ctx.concurrency in
 * flight. `onModel` sees each model as listed; `onVersions` each model's versions, in the order
 * ListModels returned the models (batches of 64 keep memory bounded and the output deterministic).
 */
export async function walkRegistry(
  ctx: VertexContext,
  o: {
    where: string;
    onModel?: (m: ModelRecord) => Promise<void> | void;
    onVersions: (m: ModelRecord, versions: VersionRecord[] | null) => Promise<void> | void;
  },
): Promise<RegistryWalk> {
  const parent = ctx.vertex.parent;
  const w: RegistryWalk = {
    modelsOp: op('ModelService.ListModels', { parent, pageSize: PAGE_SIZE }),
    versionsOp: op('ModelService.ListModelVersions', { name: '<each model>', pageSize: PAGE_SIZE }),
    modelsOk: true,
    versionsOk: true,
    unauthenticated: false,
    models: 0,
    versions: 0,
    failedModels: 0,
  };
  const models: ModelRecord[] = [];
  try {
    await pageAll<IModel>(
      ctx,
      w.modelsOp,
      async (pageToken) => {
        const [items, , raw] = await ctx.vertex.model.listModels({ parent, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
        return { items, next: raw?.nextPageToken };
      },
      async (items) => {
        for (const m of items) {
          const rec = toModelRecord(m);
          models.push(rec);
          w.models++;
          await o.onModel?.(rec);
        }
      },
    );
  } catch (e) {
    w.modelsOk = false;
    w.versionsOk = false;
    w.unauthenticated = isUnauthenticated(e);
    ctx.gap(gapOf(w.modelsOp.api, e));
    return w;
  }

  const gaps = vertexItemGaps(ctx, o.where);
  const limit = Math.max(1, ctx.concurrency);
  for (let start = 0; start < models.length && !w.unauthenticated; start += VERSION_BATCH) {
    const batch = models.slice(start, start + VERSION_BATCH);
    const results = await mapPool(batch, limit, async (m) => {
      if (w.unauthenticated) return null;
      const out: VersionRecord[] = [];
      try {
        await pageAll<IModel>(
          ctx,
          w.versionsOp,
          async (pageToken) => {
            const [items, , raw] = await ctx.vertex.model.listModelVersions({ name: m.name, pageSize: PAGE_SIZE, ...(pageToken ? { pageToken } : {}) }, { autoPaginate: false });
            return { items, next: raw?.nextPageToken };
          },
          (items) => {
            for (const v of items) out.push(toVersionRecord(v, ctx.source.productionAliases));
          },
        );
      } catch (e) {
        w.versionsOk = false;
        w.failedModels++;
        if (isUnauthenticated(e)) {
          if (!w.unauthenticated) ctx.gap(gapOf(w.versionsOp.api, e));
          w.unauthenticated = true;
        } else gaps.add(w.versionsOp.api, m.name, e);
        return null;
      }
      // a version listed twice (the registry changed between pages) is kept once
      const seen = new Set<string>();
      return out.filter((v) => !seen.has(v.versionId) && seen.add(v.versionId)).sort(byModelVersion);
    });
    for (let i = 0; i < batch.length; i++) {
      const vs = results[i] ?? null;
      if (vs) w.versions += vs.length;
      await o.onVersions(batch[i]!, vs);
    }
  }
  gaps.flush();
  return w;
}
