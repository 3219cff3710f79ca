// The registry's optional APIs: webhooks (open-source MLflow ≥ 3.3 and Databricks) and Databricks'
// open stage-transition requests. Each either answers, or is "not supported by this server" (the
// route does not exist), or is a gap.
import { MlflowEndpointNotSupported, type DatabricksRegistryWebhook, type OssWebhook, type TransitionRequest } from '../../src/clients/mlflow.js';
import { describeError } from '../../src/core/errors.js';
import { mapPool } from '../../src/core/pool.js';
import type { OperationRecord } from '../../src/core/types.js';
import { itemGaps } from '../_shared/item-gaps.js';
import { REDACTED, Redactor, isSecretKey } from '../_shared/redact.js';
import { byModelVersion, gapOf, isUnauthenticated, op, versionKey, type MlflowContext, type VersionRecord } from './mlflow.js';

export const NOT_SUPPORTED = 'not supported by this server';

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

export interface HooksResult {
  artifact: WebhooksArtifact;
  operations: OperationRecord[];
  complete: boolean;
  unauthenticated: boolean;
}

export async function collectWebhooks(ctx: MlflowContext, r: Redactor, pageSize: number | undefined): Promise<HooksResult> {
  const res: HooksResult = { artifact: { oss: { supported: null, error: { code: 'NOT_ASKED', message: 'not asked' } }, databricks: { supported: null, error: { code: 'NOT_ASKED', message: 'not asked' } } }, operations: [], complete: true, unauthenticated: false };
  const part = async <T>(api: string, endpoint: string, list: () => Promise<{ items: T[]; pages: number }>): Promise<WebhookPart<Record<string, unknown>>> => {
    const o = op(api, 'GET', endpoint);
    res.operations.push(o);
    try {
      const l = await list();
      o.pages = l.pages;
      return { supported: true, items: l.items.map((w) => scrub(w, r, 'webhooks') as Record<string, unknown>) };
    } catch (e) {
      o.pages = 1;
      if (e instanceof MlflowEndpointNotSupported) return { supported: false, reason: NOT_SUPPORTED };
      ctx.gap(gapOf(api, e));
      if (isUnauthenticated(e)) res.unauthenticated = true;
      res.complete = false;
      return { supported: null, error: describeError(e) };
    }
  };
  res.artifact.oss = await part<OssWebhook>('mlflow:ListWebhooks', 'webhooks', () => ctx.mlflow.listOssWebhooks(pageSize ? { maxResults: pageSize } : {}));
  if (res.unauthenticated) return res;
  res.artifact.databricks = await part<DatabricksRegistryWebhook>('mlflow:ListRegistryWebhooks', 'registry-webhooks/list', () => ctx.mlflow.listDatabricksRegistryWebhooks());
  return res;
}

export type ActiveVersion = Pick<VersionRecord, 'name' | 'version' | 'current_stage'>;

export interface TransitionRequestsResult {
  artifact: TransitionRequestsArtifact;
  operation: OperationRecord;
  complete: boolean;
  requestsOf: Map<string, TransitionRequest[]>;
  unauthenticated: boolean;
}

/** Databricks open transition requests of each production and staging version; the first answer decides whether the API exists. */
export async function collectTransitionRequests(ctx: MlflowContext, active: ActiveVersion[] | null, r: Redactor, kind: string): Promise<TransitionRequestsResult> {
  const trOp = op('mlflow:ListTransitionRequests', 'GET', 'transition-requests/list', { name: '<each production or staging version>', version: '<its version>' });
  trOp.calls = 0;
  const res: TransitionRequestsResult = { artifact: { supported: null, versionsQueried: 0, items: [] }, operation: trOp, complete: true, requestsOf: new Map(), unauthenticated: false };
  const tr = res.artifact;
  if (active === null) {
    tr.reason = 'model versions could not be listed';
    res.complete = false;
    return res;
  }
  if (active.length === 0) {
    tr.reason = 'no production or staging version to ask about';
    return res;
  }
  const sorted = [...active].sort(byModelVersion);
  const gaps = itemGaps((g) => ctx.gap(g), { noun: 'versions', where: kind });
  const ask = async (v: ActiveVersion): Promise<'unsupported' | 'ok' | 'error'> => {
    trOp.calls!++;
    trOp.pages++;
    try {
      const l = await ctx.mlflow.listTransitionRequests(v.name, v.version);
      tr.versionsQueried++;
      if (l.items.length) {
        res.requestsOf.set(versionKey(v.name, v.version), l.items);
        tr.items.push({ model: v.name, version: v.version, current_stage: v.current_stage, requests: l.items.map((x) => scrub(x, r, 'transitionRequests') as Record<string, unknown>) });
      }
      return 'ok';
    } catch (e) {
      if (e instanceof MlflowEndpointNotSupported) return 'unsupported';
      res.complete = false;
      tr.versionsQueried++;
      const d = gaps.add(trOp.api, `${v.name}/${v.version}`, e);
      tr.items.push({ model: v.name, version: v.version, current_stage: v.current_stage, error: d });
      if (isUnauthenticated(e)) res.unauthenticated = true;
      return 'error';
    }
  };
  const first = await ask(sorted[0]!);
  if (first === 'unsupported') {
    tr.supported = false;
    tr.reason = NOT_SUPPORTED;
    return res;
  }
  if (res.unauthenticated) return res;
  if (first === 'ok') tr.supported = true;
  const results = await mapPool(sorted.slice(1), ctx.concurrency, (v) => (res.unauthenticated ? Promise.resolve('error' as const) : ask(v)));
  if (results.includes('ok')) tr.supported = true;
  else if (first !== 'ok' && results.every((x) => x === 'unsupported')) {
    tr.supported = false;
    tr.reason = NOT_SUPPORTED;
  }
  gaps.flush();
  tr.items.sort((a, b) => byModelVersion({ name: a.model, version: a.version }, { name: b.model, version: b.version }));
  return res;
}
