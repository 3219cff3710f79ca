// MLflow model registry: every registered model and model version (with the aliases that search
// results omit, joined from the registered models), registry webhooks, open Databricks transition
// requests, and the promotion log derived from this snapshot and the previous bundle's.
import { z } from 'zod';
import { MlflowEndpointNotSupported, type DatabricksRegistryWebhook, type OssWebhook, type RegisteredModel, type TransitionRequest } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import type { OperationRecord } from '../../src/core/types.js';
import { writePromotionLog, type PromotionEvent, type VersionState } from '../_shared/promotions.js';
import { defineCollector } from '../define.js';
import { checks } from './checks.js';
import {
  aliasesOf,
  byModelVersion,
  forEachModel,
  forEachVersion,
  gapOf,
  indexAliases,
  isStagingVersion,
  isUnauthenticated,
  op,
  promotionOptions,
  toVersionRecord,
  toVersionState,
  versionKey,
  type AliasIndex,
  type MlflowContext,
  type VersionRecord,
} from './mlflow.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { REDACTED, Redactor, isSecretKey } from '../_shared/redact.js';

export const settings = z.strictObject({
  /** version tags naming who promoted a version (the promotion log's actor when no other source says) */
  actorTags: z.array(z.string().min(1)).default(['promoted_by']),
});
export type RegistrySettings = z.infer<typeof settings>;

export const KIND = {
  models: 'mlflow.registry.models',
  versions: 'mlflow.registry.versions',
  webhooks: 'mlflow.registry.webhooks',
  transitionRequests: 'mlflow.registry.transition-requests',
  promotions: 'mlflow.registry.promotions',
} as const;

export const NOT_SUPPORTED = 'not supported by this server';
/** per-version failures named one by one before the rest are summed up in one gap */

export type WebhookPart<T> = { supported: true; items: T[] } | { supported: false; reason: string } | { supported: null; error: { code: string; message: string } };
export interface WebhooksArtifact {
  oss: WebhookPart<Record<string, unknown>>;
  databricks: WebhookPart<Record<string, unknown>>;
}

export interface TransitionRequestsArtifact {
  /** true: the server answered; false: not supported by this server; null: not asked or unknown */
  supported: boolean | null;
  reason?: string;
  /** production and staging versions asked about */
  versionsQueried: number;
  /** versions with at least one open request (or an error) */
  items: { model: string; version: string; current_stage: string | null; requests?: Record<string, unknown>[]; error?: { code: string; message: string } }[];
}

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

/** Copies a server object with every secret-named key replaced (defence in depth: list APIs omit secrets). */
function scrub(v: unknown, r: Redactor, category: string): unknown {
  if (Array.isArray(v)) return v.map((x) => scrub(x, r, category));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if (isSecretKey(k) && x !== undefined && x !== null && x !== '') {
        r.keyed(k, 'x', category);
        out[k] = REDACTED;
      } else if (k === 'url' && typeof x === 'string') {
        const u = r.url(x, category);
        out[k] = u.url;
        if (u.redacted) out.url_redacted = true;
      } else if (typeof x === 'string') out[k] = r.value(x, category);
      else out[k] = scrub(x, r, category);
    }
    return out;
  }
  return v;
}

export default defineCollector<MlflowContext>({
  meta: {
    id: 'mlflow-registry',
    title: 'MLflow model registry: models, versions with stages and aliases, webhooks, transition requests and the promotion log',
    source: 'mlflow',
    scope: 'global',
    settings,
    permissions: ['mlflow:SearchRegisteredModels', 'mlflow:SearchModelVersions', 'mlflow:ListWebhooks', 'mlflow:ListRegistryWebhooks', 'mlflow:ListTransitionRequests'],
    artifacts: [
      { kind: KIND.models, file: 'models.ndjson', description: 'One record per registered model: tags, aliases (alias → version), description, timestamps.' },
      {
        kind: KIND.versions,
        file: 'versions.ndjson',
        description: 'One record per model version: stage, aliases (joined from the registered model), tags, status, creator, run, source and timestamps. The snapshot the next bundle diffs against.',
      },
      { kind: KIND.webhooks, file: 'webhooks.json', description: 'Registry webhooks (open-source MLflow ≥3.3 and Databricks), URLs redacted, or "not supported by this server".' },
      { kind: KIND.transitionRequests, file: 'transition-requests.json', description: 'Open Databricks stage-transition requests of production and staging versions, or "not supported by this server".' },
      {
        kind: KIND.promotions,
        file: 'promotions.json',
        description: 'Promotion log: alias, stage and version changes between the previous bundle and this one, each with its window, actor where known and approval tags. The first bundle is a baseline.',
      },
    ],
  },
  checks,
  async collect(ctx) {
    const s = ctx.settings as RegistrySettings;
    const src = ctx.source;
    const popts = promotionOptions(src);
    const r = new Redactor();
    let unauthenticated = false;
    const fail = (api: string, e: unknown) => {
      ctx.gap(gapOf(api, e));
      if (isUnauthenticated(e)) unauthenticated = true;
    };

    // ── registered models (aliases live here) ──
    const modelsOp = op('mlflow:SearchRegisteredModels', 'GET', 'registered-models/search');
    const aliasIndex: AliasIndex = new Map();
    const modelsOut = await ctx.artifacts.ndjson(KIND.models);
    const mcount = { models: 0, aliases: 0, duplicatesSkipped: 0 };
    let modelsOk = true;
    try {
      const { duplicatesSkipped } = await forEachModel(ctx, modelsOp, async (m) => {
        indexAliases(aliasIndex, m);
        mcount.models++;
        mcount.aliases += m.aliases?.length ?? 0;
        await modelsOut.write(toModelRecord(m, r));
      });
      mcount.duplicatesSkipped = duplicatesSkipped;
    } catch (e) {
      modelsOk = false;
      fail(modelsOp.api, e);
    }
    await modelsOut.finish({ operations: [{ ...modelsOp }], complete: modelsOk, notes: { ...mcount, redactions: r.only('modelTags', 'modelFields'), ...(modelsOk ? {} : { stoppedAfterPages: modelsOp.pages }) } });
    if (unauthenticated) return;

    // ── model versions, streamed; the small state for the promotion diff kept ──
    const keepTags = [...new Set([...src.approvalTags, ...s.actorTags])];
    const states = new Map<string, VersionState>();
    const active: Pick<VersionRecord, 'name' | 'version' | 'current_stage'>[] = [];
    const vcount = { versions: 0, production: 0, staging: 0, failedRegistration: 0, withAliases: 0, duplicatesSkipped: 0, danglingAliases: 0 };
    const versionsOut = await ctx.artifacts.ndjson(KIND.versions);
    const versionsOp = op('mlflow:SearchModelVersions', 'GET', 'model-versions/search');
    let versionsOk = true;
    try {
      await forEachVersion(ctx, versionsOp, async (v) => {
        const k = versionKey(v.name, String(v.version));
        if (states.has(k)) {
          vcount.duplicatesSkipped++;
          return;
        }
        const rec = toVersionRecord(v, [...aliasesOf(aliasIndex, v.name, String(v.version))], src.productionAliases, r);
        states.set(k, toVersionState(rec, keepTags));
        vcount.versions++;
        if (rec.production) vcount.production++;
        if (isStagingVersion(rec)) vcount.staging++;
        if (rec.status === 'FAILED_REGISTRATION') vcount.failedRegistration++;
        if (rec.aliases.length) vcount.withAliases++;
        if (rec.production || isStagingVersion(rec)) active.push({ name: rec.name, version: rec.version, current_stage: rec.current_stage });
        await versionsOut.write(rec);
      });
    } catch (e) {
      versionsOk = false;
      fail(versionsOp.api, e);
    }
    if (versionsOk) {
      for (const [model, byVersion] of aliasIndex) for (const [version, list] of byVersion) if (!states.has(versionKey(model, version))) vcount.danglingAliases += list.length;
    }
    const snapshotAt = ctx.now().toISOString();
    await versionsOut.finish({
      operations: [{ ...modelsOp }, { ...versionsOp }],
      complete: versionsOk && modelsOk,
      notes: {
        ...vcount,
        productionAliases: src.productionAliases,
        redactions: r.only('versionTags', 'versionFields'),
        ...(modelsOk ? {} : { aliasesUnknown: 'registered-models/search failed: aliases could not be joined' }),
        ...(versionsOk ? {} : { stoppedAfterPages: versionsOp.pages }),
        ...(vcount.danglingAliases ? { danglingAliasesNote: 'aliases pointing at versions absent from the version listing (the registry changed between the two listings)' } : {}),
      },
    });
    if (unauthenticated) return;

    // ── webhooks (both flavours; each answers, or is "not supported by this server") ──
    const hookOps: OperationRecord[] = [];
    let hooksComplete = true;
    const hookPart = async <T>(api: string, endpoint: string, list: () => Promise<{ items: T[]; pages: number }>): Promise<WebhookPart<Record<string, unknown>>> => {
      const o = op(api, 'GET', endpoint);
      hookOps.push(o);
      try {
        const res = await list();
        o.pages = res.pages;
        return { supported: true, items: res.items.map((w) => scrub(w, r, 'webhooks') as Record<string, unknown>) };
      } catch (e) {
        o.pages = 1;
        if (e instanceof MlflowEndpointNotSupported) return { supported: false, reason: NOT_SUPPORTED };
        fail(api, e);
        hooksComplete = false;
        return { supported: null, error: describeError(e) };
      }
    };
    const oss = await hookPart<OssWebhook>('mlflow:ListWebhooks', 'webhooks', () => ctx.mlflow.listOssWebhooks());
    if (unauthenticated) return;
    const databricks = await hookPart<DatabricksRegistryWebhook>('mlflow:ListRegistryWebhooks', 'registry-webhooks/list', () => ctx.mlflow.listDatabricksRegistryWebhooks());
    if (unauthenticated) return;
    const hooks: WebhooksArtifact = { oss, databricks };
    const hookCount = (p: WebhookPart<unknown>) => (p.supported === true ? p.items.length : 0);
    await ctx.artifacts.json(KIND.webhooks, hooks, {
      operations: hookOps,
      complete: hooksComplete,
      records: hookCount(oss) + hookCount(databricks),
      notes: { redactions: r.only('webhooks') },
    });

    // ── Databricks transition requests of production and staging versions ──
    const trOp = op('mlflow:ListTransitionRequests', 'GET', 'transition-requests/list', { name: '<each production or staging version>', version: '<its version>' });
    trOp.calls = 0;
    const requestsOf = new Map<string, TransitionRequest[]>();
    active.sort(byModelVersion);
    const tr: TransitionRequestsArtifact = { supported: null, versionsQueried: 0, items: [] };
    let trComplete = true;
    if (!versionsOk) {
      tr.reason = 'model versions could not be listed';
      trComplete = false;
    } else if (active.length === 0) {
      tr.reason = 'no production or staging version to ask about';
    } else {
      const gaps = itemGaps((g) => ctx.gap(g), { noun: 'versions', where: KIND.transitionRequests });
      const ask = async (v: (typeof active)[number]): Promise<'unsupported' | 'ok' | 'error'> => {
        trOp.calls!++;
        trOp.pages++;
        try {
          const res = await ctx.mlflow.listTransitionRequests(v.name, v.version);
          tr.versionsQueried++;
          if (res.items.length) {
            requestsOf.set(versionKey(v.name, v.version), res.items);
            tr.items.push({ model: v.name, version: v.version, current_stage: v.current_stage, requests: res.items.map((x) => scrub(x, r, 'transitionRequests') as Record<string, unknown>) });
          }
          return 'ok';
        } catch (e) {
          if (e instanceof MlflowEndpointNotSupported) return 'unsupported';
          trComplete = false;
          tr.versionsQueried++;
          const d = gaps.add(trOp.api, `${v.name}/${v.version}`, e);
          tr.items.push({ model: v.name, version: v.version, current_stage: v.current_stage, error: d });
          if (isUnauthenticated(e)) unauthenticated = true;
          return 'error';
        }
      };
      // the first answer decides whether the server has the API at all
      const first = await ask(active[0]!);
      if (first === 'unsupported') {
        tr.supported = false;
        tr.reason = NOT_SUPPORTED;
      } else if (!unauthenticated) {
        if (first === 'ok') tr.supported = true;
        const results = await mapPool(active.slice(1), ctx.concurrency, (v) => (unauthenticated ? Promise.resolve('error' as const) : ask(v)));
        if (results.includes('ok')) tr.supported = true;
        else if (first !== 'ok' && results.every((x) => x === 'unsupported')) {
          tr.supported = false;
          tr.reason = NOT_SUPPORTED;
        }
        gaps.flush();
      }
      tr.items.sort((a, b) => byModelVersion({ name: a.model, version: a.version }, { name: b.model, version: b.version }));
    }
    if (unauthenticated) return;
    await ctx.artifacts.json(KIND.transitionRequests, tr, { operations: [{ ...trOp }], complete: trComplete, records: tr.items.length, notes: { redactions: r.only('transitionRequests') } });

    // ── promotion log: this snapshot against the previous bundle's ──
    await writePromotions(ctx, { states, complete: versionsOk && modelsOk, snapshotAt, requestsOf, actorTags: s.actorTags, popts });
    if (r.total) ctx.log.info(`mlflow-registry ${ctx.target.source}: redacted ${r.total} credential-looking values`);
  },
});

async function writePromotions(
  ctx: MlflowContext,
  o: { states: Map<string, VersionState>; complete: boolean; snapshotAt: string; requestsOf: Map<string, TransitionRequest[]>; actorTags: string[]; popts: ReturnType<typeof promotionOptions> },
): Promise<void> {
  const keepTags = [...new Set([...o.popts.approvalTags, ...o.actorTags])];
  await writePromotionLog<VersionRecord>(ctx, {
    versionsKind: KIND.versions,
    promotionsKind: KIND.promotions,
    complete: o.complete,
    snapshotAt: o.snapshotAt,
    current: [...o.states.values()],
    popts: o.popts,
    settingsNote: { productionAliases: o.popts.productionAliases, approvalTags: o.popts.approvalTags, productionStage: o.popts.productionStage },
    baselineNote: 'first bundle for this MLflow source: there is no earlier snapshot to compare with, so this bundle’s versions snapshot is the baseline and the promotion log starts here',
    windowNote: 'each event happened after the previous collection and at or before this one; MLflow keeps no history, so no finer time is known (alias and tag changes do not touch last_updated_timestamp)',
    fromRecord: (rec) => toVersionState(rec, keepTags),
    finish: (events) => {
      const actors = { creator: 0, transitionRequest: 0, tag: 0, unknown: 0 };
      for (const e of events) {
        e.actor = actorOf(e, o.states.get(`${e.model}\u0000${e.version}`), o.requestsOf.get(`${e.model}\u0000${e.version}`), o.actorTags);
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
