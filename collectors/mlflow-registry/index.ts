// MLflow model registry: every registered model and model version (with the aliases that search
// results omit, joined from the registered models), prompts, registry webhooks, open Databricks
// transition requests, and the promotion log derived from this snapshot and the previous bundle's.
import * as z from 'zod';
import type { ModelVersion, RegisteredModel, TransitionRequest } from '../../src/clients/mlflow.js';
import { promotionsPopulation, writePromotionLog, type PromotionEvent, type VersionState } from '../_shared/promotions.js';
import { Redactor } from '../_shared/redact.js';
import { defineCollector } from '../define.js';
import { checks } from './checks.js';
import { collectTransitionRequests, collectWebhooks, type ActiveVersion, type WebhookPart } from './hooks.js';
import { listRegistry, type ListingResult } from './listing.js';
import { isStagingVersion, promotionOptions, PROMPT_FILTER, toVersionRecord, toVersionState, versionKey, type MlflowContext, type VersionRecord } from './mlflow.js';
import { promptTagsOf, toPromptVersionRecord, type PromptVersionRecord } from './prompts.js';

export { NOT_SUPPORTED, type TransitionRequestsArtifact, type WebhookPart, type WebhooksArtifact } from './hooks.js';

export const settings = z.strictObject({
  /** version tags naming who promoted a version (the promotion log's actor when no other source says) */
  actorTags: z.array(z.string().min(1)).default(['promoted_by']),
  /** max_results of every listing (1–1000); default the largest each API allows. For proxies that cap response sizes */
  pageSize: z.number().int().min(1).max(1000).optional(),
});
export type RegistrySettings = z.infer<typeof settings>;

export const KIND = {
  models: 'mlflow.registry.models',
  versions: 'mlflow.registry.versions',
  prompts: 'mlflow.registry.prompts',
  webhooks: 'mlflow.registry.webhooks',
  transitionRequests: 'mlflow.registry.transition-requests',
  promotions: 'mlflow.registry.promotions',
} as const;

export interface ModelRecord {
  name: string;
  creation_timestamp: number | null;
  last_updated_timestamp: number | null;
  user_id: string | null;
  description: string | null;
  tags: Record<string, string>;
  aliases: { alias: string; version: string }[];
  latest_versions: { version: string; current_stage: string | null }[];
}

function toModelRecord(m: RegisteredModel, r: Redactor): ModelRecord {
  return {
    name: m.name,
    creation_timestamp: typeof m.creation_timestamp === 'number' ? m.creation_timestamp : null,
    last_updated_timestamp: typeof m.last_updated_timestamp === 'number' ? m.last_updated_timestamp : null,
    user_id: typeof m.user_id === 'string' && m.user_id ? m.user_id : null,
    description: r.value(m.description, 'modelFields') || null,
    tags: r.tags(m.tags, 'modelTags'),
    aliases: (m.aliases ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })).sort((a, b) => (a.alias < b.alias ? -1 : a.alias > b.alias ? 1 : 0)),
    latest_versions: (m.latest_versions ?? []).map((v) => ({ version: String(v.version), current_stage: v.current_stage ?? null })),
  };
}

/** What the listing notes say in both artifacts of one population. */
function listingNotes(l: ListingResult) {
  return {
    ...(l.hidden.length ? { notVisible: l.hidden.map((h) => ({ model: h.name, versions: h.versions, code: h.error.code })) } : {}),
    ...(l.foundByName.length ? { foundByName: l.foundByName, foundByNameNote: 'models registered while the collection listed: read with registered-models/get' } : {}),
  };
}

const whole = (l: ListingResult) => l.modelsOk && l.versionsOk && l.hidden.length === 0;

interface Snapshot {
  states: VersionState[];
  complete: boolean;
  /** the version listing itself ran to its end */
  versionsOk: boolean;
  unauthenticated: boolean;
}

/** Registered models and their versions: models.ndjson, versions.ndjson, and the states the promotion log diffs. */
async function collectModels(ctx: MlflowContext, s: RegistrySettings, r: Redactor, active: ActiveVersion[]): Promise<Snapshot> {
  const src = ctx.source;
  const keepTags = [...new Set([...src.approvalTags, ...s.actorTags])];
  const modelsOut = await ctx.artifacts.ndjson(KIND.models);
  const versionsOut = await ctx.artifacts.ndjson(KIND.versions);
  const states: VersionState[] = [];
  const mcount = { models: 0, aliases: 0 };
  const vcount = { versions: 0, production: 0, staging: 0, failedRegistration: 0, withAliases: 0, fromLoggedModels: 0, aliasesUnknown: 0 };
  const listing = await listRegistry(
    ctx,
    {
      filter: '',
      pageSize: s.pageSize,
      onModel: async (m) => {
        mcount.models++;
        mcount.aliases += m.aliases?.length ?? 0;
        await modelsOut.write(toModelRecord(m, r));
      },
      onVersion: async (v: ModelVersion, aliases, known) => {
        const rec = toVersionRecord(v, [...aliases], src.productionAliases, r, known);
        states.push(toVersionState(rec, keepTags));
        vcount.versions++;
        if (rec.production) vcount.production++;
        if (isStagingVersion(rec)) vcount.staging++;
        if (rec.status === 'FAILED_REGISTRATION') vcount.failedRegistration++;
        if (rec.aliases.length) vcount.withAliases++;
        if (rec.model_id) vcount.fromLoggedModels++;
        if (!known) vcount.aliasesUnknown++;
        if (rec.production || isStagingVersion(rec)) active.push({ name: rec.name, version: rec.version, current_stage: rec.current_stage });
        await versionsOut.write(rec);
      },
    },
    (g) => ctx.gap(g),
  );
  const ops = listing.operations.map((o) => ({ ...o }));
  const notes = listingNotes(listing);
  await modelsOut.finish({
    operations: ops.filter((o) => o.api !== 'mlflow:SearchModelVersions'),
    complete: listing.modelsOk && listing.hidden.length === 0,
    notes: { ...mcount, redactions: r.only('modelTags', 'modelFields'), ...notes, ...workspaceNotes(ctx) },
  });
  await versionsOut.finish({
    operations: ops,
    complete: whole(listing),
    notes: {
      ...vcount,
      productionAliases: src.productionAliases,
      redactions: r.only('versionTags', 'versionFields'),
      ...notes,
      ...(listing.modelsOk ? {} : { aliasesUnknown: 'registered-models/search failed: aliases could not be joined' }),
    },
  });
  return { states, complete: whole(listing), versionsOk: listing.versionsOk, unauthenticated: listing.unauthenticated };
}

/** The workspace this target covers, and which the server has (multi-tenant servers). */
function workspaceNotes(ctx: MlflowContext) {
  const w = ctx.mlflowWorkspace;
  if (!w || w.onServer === null) return {};
  return { workspace: { name: w.name ?? null, onServer: w.onServer, collected: w.configured ?? w.onServer, header: 'X-MLFLOW-WORKSPACE' } };
}

/** Prompts and their versions (hidden from the default searches): prompts.ndjson. */
async function collectPrompts(ctx: MlflowContext, s: RegistrySettings, r: Redactor): Promise<Snapshot> {
  const src = ctx.source;
  const keepTags = [...new Set([...src.approvalTags, ...s.actorTags])];
  const out = await ctx.artifacts.ndjson(KIND.prompts);
  const promptTags = new Map<string, Record<string, string>>();
  const states: VersionState[] = [];
  const count = { prompts: 0, versions: 0, production: 0 };
  const listing = await listRegistry(
    ctx,
    {
      filter: PROMPT_FILTER,
      pageSize: s.pageSize,
      onModel: async (m) => {
        count.prompts++;
        promptTags.set(m.name, promptTagsOf(m, r));
      },
      onVersion: async (v, aliases, known) => {
        const rec = toPromptVersionRecord(v, [...aliases], promptTags.get(v.name) ?? {}, src.productionAliases, r, known);
        states.push(promptState(rec, keepTags));
        count.versions++;
        if (rec.production) count.production++;
        await out.write(rec);
      },
    },
    (g) => ctx.gap(g),
  );
  await out.finish({
    operations: listing.operations.map((o) => ({ ...o })),
    complete: whole(listing),
    notes: { ...count, filter: PROMPT_FILTER, redactions: r.only('promptTemplates', 'promptTags', 'promptVersionTags'), ...listingNotes(listing) },
  });
  return { states, complete: whole(listing), versionsOk: listing.versionsOk, unauthenticated: listing.unauthenticated };
}

export function promptState(rec: PromptVersionRecord, keepTags: readonly string[]): VersionState {
  const tags: Record<string, string> = {};
  for (const k of keepTags) if (rec.tags[k] !== undefined) tags[k] = rec.tags[k]!;
  return { model: rec.name, version: rec.version, stage: null, aliases: [...rec.aliases], status: rec.status ?? undefined, lastUpdated: rec.last_updated_timestamp, creator: rec.user_id, tags, entity: 'prompt' };
}

export default defineCollector<MlflowContext>({
  meta: {
    id: 'mlflow-registry',
    title: 'MLflow model registry: models, versions with stages and aliases, prompts, webhooks, transition requests and the promotion log',
    source: 'mlflow',
    scope: 'global',
    settings,
    permissions: ['mlflow:SearchRegisteredModels', 'mlflow:SearchModelVersions', 'mlflow:GetRegisteredModel', 'mlflow:ListWebhooks', 'mlflow:ListRegistryWebhooks', 'mlflow:ListTransitionRequests', 'mlflow:ListWorkspaces'],
    populations: [promotionsPopulation(KIND.promotions)],
    artifacts: [
      { kind: KIND.models, file: 'models.ndjson', description: 'One record per registered model: tags, aliases (alias → version), description, timestamps.' },
      {
        kind: KIND.versions,
        file: 'versions.ndjson',
        description: 'One record per model version: stage, aliases (joined from the registered model), tags, status, creator, run, LoggedModel, source and timestamps. The snapshot the next bundle diffs against.',
      },
      { kind: KIND.prompts, file: 'prompts.ndjson', description: 'One record per prompt version (MLflow ≥ 2.21 prompts, hidden from the default searches): template (credentials redacted), aliases, tags, commit message.' },
      { kind: KIND.webhooks, file: 'webhooks.json', description: 'Registry webhooks (open-source MLflow ≥3.3 and Databricks), URLs redacted, or "not supported by this server".' },
      { kind: KIND.transitionRequests, file: 'transition-requests.json', description: 'Open Databricks stage-transition requests of production and staging versions, or "not supported by this server".' },
      {
        kind: KIND.promotions,
        file: 'promotions.json',
        description: 'Promotion log: alias, stage and version changes of models and prompts between the previous bundle and this one, each with its window, actor where known and approval tags. The first bundle is a baseline.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const s = ctx.settings as RegistrySettings;
    const r = new Redactor();
    const active: ActiveVersion[] = [];
    const models = await collectModels(ctx, s, r, active);
    if (models.unauthenticated) return;
    const prompts = await collectPrompts(ctx, s, r);
    if (prompts.unauthenticated) return;

    const hooks = await collectWebhooks(ctx, r, s.pageSize);
    if (hooks.unauthenticated) return;
    const count = (p: WebhookPart<unknown>) => (p.supported === true ? p.items.length : 0);
    await ctx.artifacts.json(KIND.webhooks, hooks.artifact, { operations: hooks.operations, complete: hooks.complete, records: count(hooks.artifact.oss) + count(hooks.artifact.databricks), notes: { redactions: r.only('webhooks') } });

    const tr = await collectTransitionRequests(ctx, models.versionsOk ? active : null, r, KIND.transitionRequests);
    if (tr.unauthenticated) return;
    await ctx.artifacts.json(KIND.transitionRequests, tr.artifact, { operations: [{ ...tr.operation }], complete: tr.complete, records: tr.artifact.items.length, notes: { redactions: r.only('transitionRequests') } });

    await writePromotions(ctx, { states: [...models.states, ...prompts.states], complete: models.complete && prompts.complete, snapshotAt: ctx.now().toISOString(), requestsOf: tr.requestsOf, actorTags: s.actorTags });
    if (r.total) ctx.log.info(`mlflow-registry ${ctx.target.source}: redacted ${r.total} credential-looking values`);
  },
});

async function writePromotions(ctx: MlflowContext, o: { states: VersionState[]; complete: boolean; snapshotAt: string; requestsOf: Map<string, TransitionRequest[]>; actorTags: string[] }): Promise<void> {
  const popts = promotionOptions(ctx.source);
  const keepTags = [...new Set([...popts.approvalTags, ...o.actorTags])];
  const byKey = new Map(o.states.map((v) => [versionKey(v.model, v.version), v]));
  await writePromotionLog<VersionRecord | PromptVersionRecord>(ctx, {
    versionsKind: KIND.versions,
    alsoKinds: [{ kind: KIND.prompts, entity: 'prompt' }],
    promotionsKind: KIND.promotions,
    complete: o.complete,
    snapshotAt: o.snapshotAt,
    current: o.states,
    popts,
    settingsNote: { productionAliases: popts.productionAliases, approvalTags: popts.approvalTags, productionStage: popts.productionStage },
    baselineNote: 'first bundle for this MLflow source: there is no earlier snapshot to compare with, so this bundle’s versions snapshot is the baseline and the promotion log starts here',
    windowNote: 'each event happened after the previous collection and at or before this one; MLflow keeps no history, so no finer time is known (alias and tag changes do not touch last_updated_timestamp)',
    fromRecord: (rec) => ('template' in rec ? promptState(rec, keepTags) : toVersionState(rec, keepTags)),
    finish: (events) => {
      const actors = { creator: 0, transitionRequest: 0, tag: 0, unknown: 0 };
      for (const e of events) {
        const k = versionKey(e.model, e.version);
        e.actor = actorOf(e, byKey.get(k), o.requestsOf.get(k), o.actorTags);
        if (!e.actor) actors.unknown++;
        else if (e.actor.source.startsWith('model version user_id')) actors.creator++;
        else if (e.actor.source.startsWith('databricks')) actors.transitionRequest++;
        else actors.tag++;
      }
      return { events, notes: { actors } };
    },
  });
}

/**
 * Who made the change, where a source says: the version's creator for a new version, an open
 * Databricks transition request matching a stage change, or a configured actor tag. Else null.
 */
function actorOf(e: PromotionEvent, v: VersionState | undefined, requests: TransitionRequest[] | undefined, actorTags: string[]): PromotionEvent['actor'] {
  if (e.type === 'version_created') return v?.creator ? { user: v.creator, source: 'model version user_id (registered the version)' } : null;
  if (e.type === 'version_deleted') return null;
  if (e.type === 'stage_changed' && requests) {
    const match = requests.find((q) => (q.to_stage ?? '').toLowerCase() === (e.to ?? '').toLowerCase() && q.user_id);
    if (match) return { user: match.user_id!, source: `databricks transition request ${match.activity_type ?? ''}`.trim() };
  }
  for (const t of actorTags) {
    const who = v?.tags[t];
    if (who) return { user: who, source: `version tag ${t}` };
  }
  return null;
}
