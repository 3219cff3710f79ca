// What the two MLflow collectors share: the context type, what "production" means, the alias join
// (model-versions/search omits aliases; registered_model.aliases is authoritative) and the version
// record written to mlflow.registry.versions.
import type { MlflowContextExtras } from '../../src/clients/preparers.js';
import { MlflowError, type ModelVersion, type RegisteredModel } from '../../src/clients/mlflow.js';
import type { MlflowSourceConfig } from '../../src/config/schema.js';
import { describeError } from '../../src/core/errors.js';
import type { BaseContext, Gap, OperationRecord } from '../../src/core/types.js';
import type { PromotionOptions, VersionState } from '../_shared/promotions.js';
import type { Redactor } from '../_shared/redact.js';

export type MlflowContext = BaseContext<MlflowSourceConfig> & MlflowContextExtras;

export const PRODUCTION_STAGE = 'Production';
export const STAGING_STAGE = 'Staging';
export const API = '/api/2.0/mlflow';

export function promotionOptions(src: Pick<MlflowSourceConfig, 'productionAliases' | 'approvalTags' | 'notApprovedValues'>): PromotionOptions {
  return { productionAliases: src.productionAliases, approvalTags: src.approvalTags, productionStage: PRODUCTION_STAGE, notApproved: src.notApprovedValues };
}

const sameStage = (a: string | null | undefined, b: string) => (a ?? '').toLowerCase() === b.toLowerCase();

/** Stage Production, or an alias listed in productionAliases. */
export function isProductionVersion(v: { current_stage?: string | null; aliases: readonly string[] }, productionAliases: readonly string[]): boolean {
  return sameStage(v.current_stage, PRODUCTION_STAGE) || v.aliases.some((a) => productionAliases.includes(a));
}

export function isStagingVersion(v: { current_stage?: string | null }): boolean {
  return sameStage(v.current_stage, STAGING_STAGE);
}

/** The server refused our credentials: every further call would fail the same way. */
export function isUnauthenticated(e: unknown): boolean {
  return e instanceof MlflowError && e.status === 401;
}

export function gapOf(api: string, e: unknown): Gap {
  return { api, ...describeError(e) };
}

export const op = (api: string, method: 'GET' | 'POST', endpoint: string, params: Record<string, unknown> = {}): OperationRecord => ({
  api,
  params: { request: `${method} ${API}/${endpoint}`, ...params },
  pages: 0,
});

/** model → version → aliases, from registered_model.aliases */
export type AliasIndex = Map<string, Map<string, string[]>>;

export function indexAliases(index: AliasIndex, m: RegisteredModel): void {
  const byVersion = new Map<string, string[]>();
  for (const a of m.aliases ?? []) {
    if (!a || typeof a.alias !== 'string' || a.version === undefined) continue;
    const v = String(a.version);
    const list = byVersion.get(v) ?? [];
    list.push(a.alias);
    byVersion.set(v, list);
  }
  for (const l of byVersion.values()) l.sort();
  index.set(m.name, byVersion);
}

export function aliasesOf(index: AliasIndex, model: string, version: string): string[] {
  return index.get(model)?.get(version) ?? [];
}

/** One line of mlflow.registry.versions. */
export interface VersionRecord {
  name: string;
  version: string;
  current_stage: string | null;
  /** joined from registered_model.aliases (search results carry none) */
  aliases: string[];
  /** stage Production or an alias in productionAliases, with this run's configuration */
  production: boolean;
  tags: Record<string, string>;
  status: string | null;
  status_message: string | null;
  user_id: string | null;
  run_id: string | null;
  /**
   * the LoggedModel the version was registered from (MLflow 3): the server's model_id (Databricks
   * sends it), else the id in a `models:/m-…` source (open-source MLflow does not store model_id)
   */
  model_id: string | null;
  source: string | null;
  run_link: string | null;
  description: string | null;
  creation_timestamp: number | null;
  last_updated_timestamp: number | null;
  /** its registered model could not be read (permissions): aliases and production status unknown */
  aliases_unknown?: true;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : null);

/** `models:/m-<id>` (a LoggedModel), not `models:/<name>/<version>` (a copy of a registered version) */
const LOGGED_MODEL_SOURCE = /^models:\/(m-[0-9a-f]+)(?:\/|$)/;

export function loggedModelIdOf(v: Pick<ModelVersion, 'model_id' | 'source'>): string | null {
  if (typeof v.model_id === 'string' && v.model_id !== '') return v.model_id;
  return (typeof v.source === 'string' && LOGGED_MODEL_SOURCE.exec(v.source)?.[1]) || null;
}

export function toVersionRecord(v: ModelVersion, aliases: string[], productionAliases: readonly string[], r: Redactor, aliasesKnown = true): VersionRecord {
  const stage = str(v.current_stage);
  return {
    name: v.name,
    version: String(v.version),
    current_stage: stage,
    aliases,
    production: isProductionVersion({ current_stage: stage, aliases }, productionAliases),
    tags: r.tags(v.tags, 'versionTags'),
    status: str(v.status),
    status_message: str(r.value(v.status_message, 'versionFields')),
    user_id: str(v.user_id),
    run_id: str(v.run_id),
    model_id: loggedModelIdOf(v),
    source: str(r.value(v.source, 'versionFields')),
    run_link: str(r.value(v.run_link, 'versionFields')),
    description: str(r.value(v.description, 'versionFields')),
    creation_timestamp: num(v.creation_timestamp),
    last_updated_timestamp: num(v.last_updated_timestamp),
    ...(aliasesKnown ? {} : { aliases_unknown: true as const }),
  };
}

/** The small state the promotion diff needs; tags trimmed to the ones it reads. */
export function toVersionState(r: VersionRecord, keepTags: readonly string[]): VersionState {
  const tags: Record<string, string> = {};
  for (const k of keepTags) if (r.tags[k] !== undefined) tags[k] = r.tags[k]!;
  return {
    model: r.name,
    version: r.version,
    stage: r.current_stage,
    aliases: [...r.aliases],
    status: r.status ?? undefined,
    lastUpdated: r.last_updated_timestamp,
    creator: r.user_id,
    tags,
  };
}

export const versionKey = (model: string, version: string) => `${model}\u0000${version}`;

/** Sorts by model name, then numerically by version. */
export function byModelVersion(a: { name: string; version: string }, b: { name: string; version: string }): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : Number(a.version) - Number(b.version) || (a.version < b.version ? -1 : a.version > b.version ? 1 : 0);
}

/** A stable order, so a version updated while we page does not move between pages. */
export const VERSION_ORDER = ['name ASC', 'version_number ASC'];

/** registered-models/search: the largest page MLflow and Databricks allow (the default is 100). */
export const MODELS_PAGE = 1000;

/**
 * model-versions/search page size: open-source MLflow allows 200,000 (default 10,000); 50,000 keeps
 * one page's JSON near 25 MB. Databricks caps it at 10,000.
 */
export const versionsPage = (databricks: boolean) => (databricks ? 10_000 : 50_000);

export interface ListingOptions {
  /** a search filter ('' or absent: every model / version the search returns by default) */
  filter?: string;
  /** max_results; default the largest the server allows */
  pageSize?: number | undefined;
}

/**
 * Every model version, page by page, in VERSION_ORDER and large pages. A server that answers the
 * first page with 400 is asked again without the page size (an older or capped server), then
 * without the order too (its default order); the operation record says what was used.
 */
export async function forEachVersion(ctx: MlflowContext, o: OperationRecord, fn: (v: ModelVersion) => Promise<void> | void, l: ListingOptions = {}): Promise<void> {
  const filter = l.filter ? { filter: l.filter } : {};
  const attempts: { orderBy?: string[]; maxResults?: number; note?: string }[] = [
    { orderBy: VERSION_ORDER, maxResults: l.pageSize ?? versionsPage(ctx.mlflow.databricks) },
    { orderBy: VERSION_ORDER, note: 'server default page size (max_results rejected with HTTP 400)' },
    { note: 'server default order and page size (order_by and max_results rejected with HTTP 400)' },
  ];
  for (const [i, a] of attempts.entries()) {
    o.params = { ...o.params, order_by: a.orderBy ?? 'server default', max_results: a.maxResults ?? 'server default', ...(a.note ? { fallback: a.note } : {}) };
    try {
      for await (const page of ctx.mlflow.iterateModelVersions({ ...filter, ...(a.orderBy ? { orderBy: a.orderBy } : {}), ...(a.maxResults ? { maxResults: a.maxResults } : {}) })) {
        o.pages++;
        for (const v of page.items) await fn(v);
      }
      return;
    } catch (e) {
      if (i < attempts.length - 1 && o.pages === 0 && e instanceof MlflowError && e.status === 400) continue;
      throw e;
    }
  }
}

/** Every registered model, page by page (server default order, MODELS_PAGE per page); repeats skipped. */
export async function forEachModel(ctx: MlflowContext, o: OperationRecord, fn: (m: RegisteredModel) => Promise<void> | void, l: ListingOptions = {}): Promise<{ duplicatesSkipped: number }> {
  const seen = new Set<string>();
  let duplicatesSkipped = 0;
  const maxResults = l.pageSize ?? MODELS_PAGE;
  o.params = { ...o.params, max_results: maxResults };
  for await (const page of ctx.mlflow.iterateRegisteredModels({ maxResults, ...(l.filter ? { filter: l.filter } : {}) })) {
    o.pages++;
    for (const m of page.items) {
      // offset pagination can repeat a model when the registry changes between pages
      if (seen.has(m.name)) {
        duplicatesSkipped++;
        continue;
      }
      seen.add(m.name);
      await fn(m);
    }
  }
  return { duplicatesSkipped };
}

/** The tag that marks a registered model (and its versions) as a prompt (MLflow ≥ 2.21). */
export const PROMPT_TAG = 'mlflow.prompt.is_prompt';
/** Prompts are hidden from the default searches since MLflow 2.21; this filter lists only them. */
export const PROMPT_FILTER = `tags.\`${PROMPT_TAG}\` = 'true'`;
