// The promotion log, shared by the MLflow and Vertex registry collectors. Neither registry keeps a
// history of stage changes or alias moves, so each bundle keeps a snapshot and the log is the
// difference between this snapshot and the previous bundle's, with the window it happened in.

import { DEFAULT_NOT_APPROVED } from '../../src/config/schema.js';
import { CHANGE_WINDOW_AND_ACTOR } from './change-log-fields.js';
import type { BaseContext, PopulationDecl } from '../../src/core/types.js';

export interface VersionState {
  model: string;
  version: string;
  /** MLflow stage (None/Staging/Production/Archived); absent for Vertex */
  stage?: string | null;
  aliases: string[];
  status?: string;
  /** when the registry last touched the version (ms epoch or ISO) */
  lastUpdated?: string | number | null;
  /** who created/registered the version, where the registry says */
  creator?: string | null;
  /** MLflow tags or Vertex labels */
  tags: Record<string, string>;
  /** what is versioned, when not a model (MLflow prompts share the registry's namespace) */
  entity?: 'prompt';
}

export type PromotionEventType = 'version_created' | 'version_deleted' | 'alias_added' | 'alias_removed' | 'alias_moved' | 'stage_changed';

export interface ApprovalEvidence {
  tags: Record<string, string>;
  approved: boolean;
  approver: string | null;
  /** each configured approval tag: the value found (null: absent) and whether it counts as an approval */
  relied: { tag: string; value: string | null; accepted: boolean }[];
}

export interface PromotionEvent {
  /**
   * the change and the snapshot it was found against: two bundles that compare with the same earlier
   * snapshot and see the same change carry the same key, so a population counts it once
   */
  key: string;
  type: PromotionEventType;
  model: string;
  version: string;
  alias?: string;
  from: string | null;
  to: string | null;
  /** the event happened after windowFrom (previous collection) and at or before windowTo (this one) */
  windowFrom: string;
  windowTo: string;
  lastUpdated: string | number | null;
  actor: { user: string; source: string } | null;
  /** true when the event puts a version into production (production alias or stage) */
  toProduction: boolean;
  approval: ApprovalEvidence;
  /** set for a prompt's version (MLflow); absent for a model's */
  entity?: 'prompt';
}

export interface PromotionLog {
  baseline: boolean;
  window: { from: string | null; to: string };
  previousBundle: string | null;
  events: PromotionEvent[];
}

export interface PromotionOptions {
  productionAliases: string[];
  approvalTags: string[];
  productionStage?: string;
  /** tag values that do not count as an approval (default DEFAULT_NOT_APPROVED) */
  notApproved?: string[];
}

export function isProduction(v: VersionState, o: PromotionOptions): boolean {
  return (o.productionStage !== undefined && v.stage === o.productionStage) || v.aliases.some((a) => o.productionAliases.includes(a));
}

/** The approval a version carries: every configured tag present with a value that means approved. */
export function approvalOf(v: VersionState, o: PromotionOptions): ApprovalEvidence {
  const refuse = new Set((o.notApproved ?? DEFAULT_NOT_APPROVED).map((x) => x.trim().toLowerCase()));
  const tags: Record<string, string> = {};
  const relied = o.approvalTags.map((tag) => {
    const value = v.tags[tag] ?? null;
    const accepted = value !== null && !refuse.has(value.trim().toLowerCase());
    if (accepted) tags[tag] = value;
    return { tag, value, accepted };
  });
  return { tags, approved: relied.length > 0 && relied.every((r) => r.accepted), approver: relied.find((r) => r.accepted)?.value ?? null, relied };
}

/** What an approval decision relied on, for a finding: `approved_by=carol` or `approved_by=pending (means not approved)`. */
export function describeApproval(a: ApprovalEvidence): string {
  // logs written before `relied` existed name only the tags that counted
  if (!a.relied) return Object.keys(a.tags).length ? Object.entries(a.tags).map(([t, v]) => `${t}=${JSON.stringify(v)}`).join(', ') : 'no approval tag';
  if (!a.relied.length) return 'no approval tags configured';
  return a.relied.map((r) => (r.value === null ? `${r.tag} absent` : `${r.tag}=${JSON.stringify(r.value)}${r.accepted ? '' : ' (means not approved)'}`)).join(', ');
}

const key = (model: string, version: string) => `${model}\u0000${version}`;

/**
 * Compares two snapshots. An alias that left one version and arrived at another of the same model
 * is one `alias_moved` event (attributed to the version it arrived at), not a removal and an addition.
 */
export function diffSnapshots(
  prev: VersionState[],
  cur: VersionState[],
  window: { from: string; to: string; since?: string | null },
  o: PromotionOptions,
  actorOf?: (v: VersionState) => PromotionEvent['actor'],
): PromotionEvent[] {
  const before = new Map(prev.map((v) => [key(v.model, v.version), v]));
  const after = new Map(cur.map((v) => [key(v.model, v.version), v]));
  const events: PromotionEvent[] = [];
  const push = (e: Omit<PromotionEvent, 'key'>) =>
    events.push({ key: [e.type, e.model, e.version, e.alias ?? '', e.from ?? '', e.to ?? '', `since ${window.since ?? window.from}`].join('|'), ...e });
  const base = (v: VersionState) => ({
    model: v.model,
    version: v.version,
    windowFrom: window.from,
    windowTo: window.to,
    lastUpdated: v.lastUpdated ?? null,
    actor: actorOf?.(v) ?? null,
    approval: approvalOf(v, o),
    ...(v.entity ? { entity: v.entity } : {}),
  });
  // alias → version, per model, before and after
  const aliasMap = (list: VersionState[]) => {
    const m = new Map<string, string>();
    for (const v of list) for (const a of v.aliases) m.set(`${v.model}\u0000${a}`, v.version);
    return m;
  };
  const aBefore = aliasMap(prev);
  const aAfter = aliasMap(cur);

  for (const v of cur) {
    const p = before.get(key(v.model, v.version));
    // a new version that already carries a production alias is promoted by that alias's event, not twice
    if (!p) push({ type: 'version_created', ...base(v), from: null, to: v.version, toProduction: o.productionStage !== undefined && v.stage === o.productionStage });
    else if ((p.stage ?? null) !== (v.stage ?? null))
      push({ type: 'stage_changed', ...base(v), from: p.stage ?? null, to: v.stage ?? null, toProduction: o.productionStage !== undefined && v.stage === o.productionStage });
  }
  for (const p of prev) if (!after.has(key(p.model, p.version))) push({ type: 'version_deleted', ...base(p), from: p.version, to: null, toProduction: false });

  for (const [k, version] of aAfter) {
    const [model, alias] = k.split('\u0000') as [string, string];
    const was = aBefore.get(k);
    if (was === version) continue;
    const v = after.get(key(model, version))!;
    const toProduction = o.productionAliases.includes(alias);
    if (was === undefined) push({ type: 'alias_added', ...base(v), alias, from: null, to: version, toProduction });
    else push({ type: 'alias_moved', ...base(v), alias, from: was, to: version, toProduction });
  }
  for (const [k, version] of aBefore) {
    if (aAfter.has(k)) continue;
    const [model, alias] = k.split('\u0000') as [string, string];
    const v = before.get(key(model, version))!;
    push({ type: 'alias_removed', ...base(after.get(key(model, version)) ?? v), alias, from: version, to: null, toProduction: false });
  }
  const order: Record<PromotionEventType, number> = { version_created: 0, stage_changed: 1, alias_added: 2, alias_moved: 3, alias_removed: 4, version_deleted: 5 };
  return events.sort((a, b) => a.model.localeCompare(b.model) || Number(a.version) - Number(b.version) || a.version.localeCompare(b.version) || order[a.type] - order[b.type] || (a.alias ?? '').localeCompare(b.alias ?? ''));
}

export interface PromotionLogSpec<R> {
  versionsKind: string;
  /**
   * further snapshots of the same collector diffed with it (MLflow prompts, whose states carry the
   * entity), read from the same earlier bundle with fromRecord. An earlier bundle without that artifact
   * (written before the kind existed) makes this bundle its baseline: its states are left out of the
   * diff, and the notes say so.
   */
  alsoKinds?: { kind: string; entity: NonNullable<VersionState['entity']> }[];
  promotionsKind: string;
  /** whether this bundle's snapshot is complete (else no log can be derived) */
  complete: boolean;
  /** when this bundle's snapshot was complete: the window's end */
  snapshotAt: string;
  current: VersionState[];
  popts: PromotionOptions;
  /** the options recorded in the provenance notes (aliases, tags or labels, stage) */
  settingsNote: Record<string, unknown>;
  /** why the first bundle is a baseline, for this kind of source */
  baselineNote: string;
  /** what the window means for this registry (what it does not record) */
  windowNote: string;
  /** turns a previous bundle's versions record back into a VersionState */
  fromRecord(rec: R): VersionState;
  /** last touches on the events (actors, display names) and extra notes */
  finish?(events: PromotionEvent[]): { events: PromotionEvent[]; notes?: Record<string, unknown> };
}

/**
 * Writes the promotion log of one registry snapshot: a baseline on the first run, the events since the
 * newest earlier complete snapshot otherwise (bundles in between whose snapshot was incomplete are spanned
 * by the window, never skipped over silently), and an incomplete log, with the gap said, when this snapshot
 * is incomplete or no earlier one is complete — never an empty log that would read as "nothing was promoted".
 */
export async function writePromotionLog<R>(ctx: BaseContext, s: PromotionLogSpec<R>): Promise<void> {
  const to = s.snapshotAt;
  const { reader: prev, skipped } = ctx.baseline(s.versionsKind);
  const from = prev?.collectedAt ?? null;
  const previousBundle = prev?.bundleId ?? null;
  const derived = (prevNote?: string) => ({ derivedFrom: [`${s.versionsKind} of this bundle`, ...(prevNote ? [prevNote] : [])], ...s.settingsNote });
  const incomplete = async (why: string) =>
    ctx.artifacts.json(s.promotionsKind, { baseline: false, window: { from, to }, previousBundle, events: [] } satisfies PromotionLog, {
      operations: [],
      complete: false,
      records: 0,
      notes: { ...derived(), incomplete: why, ...(skipped.length ? { incompleteEarlierSnapshots: skipped } : {}) },
    });

  if (!s.complete) return incomplete('this bundle’s version snapshot is incomplete (see the gaps): promotions cannot be derived');
  if (!prev && skipped.length === 0) {
    await ctx.artifacts.json(s.promotionsKind, { baseline: true, window: { from: null, to }, previousBundle: null, events: [] } satisfies PromotionLog, {
      operations: [],
      complete: true,
      records: 0,
      notes: { ...derived(), baseline: s.baselineNote },
    });
    return;
  }
  if (!prev) {
    const message = `no earlier bundle holds a complete ${s.versionsKind} snapshot (incomplete in ${skipped.join(', ')}): promotions since bundle ${skipped[skipped.length - 1]} cannot be derived`;
    ctx.gap({ api: s.promotionsKind, code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message });
    return incomplete(message);
  }
  const newKinds = (s.alsoKinds ?? []).filter((a) => !prev.has(a.kind));
  const kinds = [s.versionsKind, ...(s.alsoKinds ?? []).filter((a) => prev.has(a.kind)).map((a) => a.kind)];
  const incompleteKind = kinds.find((k) => !prev.complete(k));
  if (incompleteKind !== undefined) {
    const message = `bundle ${previousBundle ?? ''} holds a complete ${s.versionsKind} snapshot but an incomplete ${incompleteKind}: promotions between ${from ?? '?'} and ${to} cannot be derived`;
    ctx.gap({ api: s.promotionsKind, code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message });
    return incomplete(message);
  }
  const before: VersionState[] = [];
  for (const k of kinds) for await (const rec of prev.iterate<R>(k)) before.push(s.fromRecord(rec));
  const window = { from: from ?? to, to };
  const skip = new Set(newKinds.map((a) => a.entity));
  const current = skip.size ? s.current.filter((v) => !v.entity || !skip.has(v.entity)) : s.current;
  const diffed = diffSnapshots(before, current, { ...window, since: previousBundle }, s.popts);
  const { events, notes } = s.finish ? s.finish(diffed) : { events: diffed, notes: {} };
  const toProduction = events.filter((e) => e.toProduction);
  await ctx.artifacts.json(s.promotionsKind, { baseline: false, window: { from, to }, previousBundle, events } satisfies PromotionLog, {
    operations: [],
    complete: true,
    records: events.length,
    periodCovered: window,
    notes: {
      ...derived(`${s.versionsKind} of bundle ${previousBundle ?? '(unknown)'} collected ${from ?? '(unknown)'}`),
      previousVersions: before.length,
      currentVersions: s.current.length,
      toProduction: toProduction.length,
      toProductionWithoutApproval: toProduction.filter((e) => !e.approval.approved).length,
      ...(skipped.length ? { spansIncompleteSnapshots: skipped } : {}),
      ...notes,
      ...(newKinds.length ? { baselineKinds: newKinds.map((a) => `${a.kind}: not in bundle ${previousBundle ?? '?'}, so this bundle's snapshot is its baseline`) } : {}),
      window: s.windowNote,
    },
  });
}

/** The promotions population a registry's promotion log feeds (declared in the collector's meta). */
export function promotionsPopulation(kind: string, actorEvents?: PopulationDecl['actorEvents']): PopulationDecl {
  return {
    population: 'promotions',
    kind,
    chain: 'log',
    key: ['$source', '$collector', '$series', 'type', 'model', 'version', 'alias', 'from', 'to', 'windowFrom', 'windowTo'],
    fields: {
      type: { from: 'type', type: 'string' },
      model: { from: 'model', type: 'string' },
      version: { from: 'version', type: 'string' },
      alias: { from: 'alias', type: 'string?' },
      from: { from: 'from', type: 'string?' },
      to: { from: 'to', type: 'string?' },
      toProduction: { from: 'toProduction', type: 'boolean' },
      ...CHANGE_WINDOW_AND_ACTOR,
      approved: { from: 'approval.approved', type: 'boolean' },
      approver: { from: 'approval.approver', type: 'string?' },
      approvalTags: { from: 'approval.tags', type: 'record' },
    },
    actor: 'actor',
    ...(actorEvents ? { actorEvents } : {}),
  };
}
