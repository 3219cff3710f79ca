// The access-changes log: IAM keeps no history of who was granted what, so each bundle's authorization
// details are compared with the previous bundle's, like the promotion log (collectors/_shared/promotions.ts).
// Each change (policy attach/detach, group membership, inline policy, trust policy, principal created or
// deleted) says whether it grants or removes administrator (Allow * on *, as admin-principals judges it)
// or ML-change access (as the ml-privileges analysis judges it), with the window it happened in.
import { createHash } from 'node:crypto';
import { CHANGE_WINDOW_AND_ACTOR } from '../_shared/change-log-fields.js';
import type { PopulationDecl } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import { adminHoldersOf, adminStep, emptyAdminFacts, type AdminFacts, type Principal } from './checks.js';
import { grantsAdmin, trustPrincipals, type PolicyDocument } from './policy.js';

export const ACCESS_CHANGES_KIND = 'aws.iam.access-changes';
const DETAILS = 'aws.iam.authorization-details';
const ML = 'aws.iam.ml-privileges';

export type AccessChangeType =
  | 'principal_created'
  | 'principal_deleted'
  | 'policy_attached'
  | 'policy_detached'
  | 'group_added'
  | 'group_removed'
  | 'inline_policy_put'
  | 'inline_policy_deleted'
  | 'trust_policy_changed'
  | 'privilege_changed';

interface PrincipalAccess {
  arn: string;
  type: 'user' | 'group' | 'role';
  name: string;
  attached: string[];
  groups: string[];
  /** inline policy name → sha256 of its document (12 hex) and whether it allows * on * */
  inline: Record<string, { sha: string; admin: boolean }>;
  /** roles: who the trust policy lets in, and the document's hash */
  trust: { sha: string; principals: string[] } | null;
}

const sha = (doc: PolicyDocument | null | undefined) => createHash('sha256').update(JSON.stringify(doc ?? null)).digest('hex').slice(0, 12);

/** What one authorization-details snapshot grants, kept small: names, ARNs and hashes, never whole documents. */
export class AccessSnapshot {
  readonly principals = new Map<string, PrincipalAccess>();
  private readonly facts: AdminFacts = emptyAdminFacts();
  private readonly step = adminStep(this.facts);

  add(raw: Record<string, unknown>): void {
    const r = raw as unknown as Principal;
    this.step(r);
    if (r.type === 'policy') return;
    const inlineList = r.type === 'user' ? r.UserPolicyList : r.type === 'role' ? r.RolePolicyList : r.GroupPolicyList;
    const name = (r.type === 'user' ? r.UserName : r.type === 'role' ? r.RoleName : r.GroupName) ?? r.Arn.split('/').pop()!;
    this.principals.set(r.Arn, {
      arn: r.Arn,
      type: r.type,
      name,
      attached: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
      groups: r.type === 'user' ? [...(r.GroupList ?? [])] : [],
      inline: Object.fromEntries((inlineList ?? []).map((p) => [p.PolicyName, { sha: sha(p.PolicyDocument), admin: grantsAdmin(p.PolicyDocument) }])),
      trust: r.type === 'role' ? { sha: sha(r.AssumeRolePolicyDocument), principals: trustPrincipals(r.AssumeRolePolicyDocument ?? null).map((p) => `${p.value}${p.conditional ? ' (conditional)' : ''}`).sort() } : null,
    });
  }

  isAdminPolicy(arn: string): boolean {
    return this.facts.policies.has(arn);
  }

  /** Per principal: admin true/false, or null when a policy or group it references is not in the snapshot. */
  admin(): Map<string, boolean | null> {
    const { holders, unknown } = adminHoldersOf(this.facts);
    const out = new Map<string, boolean | null>([...this.principals.keys()].map((a) => [a, false]));
    for (const u of unknown) out.set(u.resource, null);
    for (const h of holders) out.set(h.resource, true);
    return out;
  }

  /** groups that grant * on * to their members */
  adminGroups(admin: Map<string, boolean | null>): Set<string> {
    return new Set([...this.principals.values()].filter((p) => p.type === 'group' && admin.get(p.arn) === true).map((p) => p.name));
  }
}

/** The principals (users, roles) the ml-privileges analysis found able to change ML assets; null when it did not run or is incomplete. */
export interface MlHolders {
  holders: Set<string>;
  /** principals whose ML privileges cannot be told */
  unknown: Set<string>;
}

export function mlHoldersOf(a: { principals?: { principal: string; assets: { decision: string }[] }[]; unknown?: { principal: string }[] }): MlHolders {
  return {
    holders: new Set((a.principals ?? []).filter((p) => p.assets.some((x) => x.decision === 'allowed' || x.decision === 'conditional')).map((p) => p.principal)),
    unknown: new Set((a.unknown ?? []).map((u) => u.principal)),
  };
}

export interface AccessChange {
  /** the change and the snapshot it was found against (the same change seen twice against one snapshot is one row) */
  key: string;
  account: string;
  principal: string;
  principalType: PrincipalAccess['type'];
  principalName: string;
  change: AccessChangeType;
  /** the policy ARN, group or inline policy name the change is about; null for the principal itself */
  item: string | null;
  before: string | null;
  after: string | null;
  /** the attached policy, the group joined or the inline policy itself allows * on * */
  itemAdmin: boolean;
  /** the principal's privilege classes before and after: `admin`, `ml`, `admin unknown`, `ml unknown`, `none`, `absent` */
  privilegeBefore: string;
  privilegeAfter: string;
  /** classes held after and not before (or unknown on a side): what the change grants / removes */
  grants: string | null;
  removes: string | null;
  windowFrom: string;
  windowTo: string;
  actor: { user: string; source: string } | null;
}

export interface AccessChangesLog {
  baseline: boolean;
  window: { from: string | null; to: string };
  previousBundle: string | null;
  account: string;
  /** changes that grant or remove privileged or ML-change access (the population) */
  events: AccessChange[];
  /** every other change to principals, policies attached, groups and trust, for completeness */
  otherChanges: AccessChange[];
}

interface Side {
  snap: AccessSnapshot;
  admin: Map<string, boolean | null>;
  adminGroups: Set<string>;
  ml: MlHolders | null;
}

const side = (snap: AccessSnapshot, ml: MlHolders | null): Side => {
  const admin = snap.admin();
  return { snap, admin, adminGroups: snap.adminGroups(admin), ml };
};

/** admin / ml: true, false, or null (cannot be told); ml is not judged for groups (their members are). */
function classes(s: Side, arn: string): { admin: boolean | null; ml: boolean | null } | null {
  const p = s.snap.principals.get(arn);
  if (!p) return null;
  const ml = p.type === 'group' ? false : !s.ml || s.ml.unknown.has(arn) ? null : s.ml.holders.has(arn);
  return { admin: s.admin.get(arn) ?? null, ml };
}

const describeClasses = (c: ReturnType<typeof classes>): string => {
  if (!c) return 'absent';
  const parts = [c.admin === null ? 'admin unknown' : c.admin ? 'admin' : '', c.ml === null ? 'ml unknown' : c.ml ? 'ml' : ''].filter(Boolean);
  return parts.length ? parts.join(', ') : 'none';
};

/** What the principal holds on one side and not (or not knowably) on the other. */
function delta(from: ReturnType<typeof classes>, to: ReturnType<typeof classes>): string | null {
  const out: string[] = [];
  for (const k of ['admin', 'ml'] as const) {
    const a = to?.[k];
    const b = from?.[k] ?? false;
    if (a === true && b !== true) out.push(b === null ? `${k} (before unknown)` : k);
    else if (a === null && b !== true && to) out.push(`${k} unknown`);
  }
  return out.length ? out.join(', ') : null;
}

const trustText = (t: PrincipalAccess['trust']) => (t ? `${t.principals.join(', ') || 'no principal'} (sha256 ${t.sha})` : null);

/** Compares two snapshots: one row per change, each with the principal's privilege classes before and after. */
export function diffAccess(prev: Side, cur: Side, account: string, window: { from: string; to: string; since: string }): { events: AccessChange[]; otherChanges: AccessChange[] } {
  const rows: AccessChange[] = [];
  const touched = new Set<string>();
  const push = (p: PrincipalAccess, change: AccessChangeType, item: string | null, before: string | null, after: string | null, itemAdmin: boolean) => {
    const cb = classes(prev, p.arn);
    const ca = classes(cur, p.arn);
    touched.add(p.arn);
    rows.push({
      key: [account, p.arn, change, item ?? '', after ?? '', `since ${window.since}`].join('|'),
      account,
      principal: p.arn,
      principalType: p.type,
      principalName: p.name,
      change,
      item,
      before,
      after,
      itemAdmin,
      privilegeBefore: describeClasses(cb),
      privilegeAfter: describeClasses(ca),
      grants: delta(cb, ca),
      removes: delta(ca, cb),
      windowFrom: window.from,
      windowTo: window.to,
      actor: null,
    });
  };
  const diffList = (p: PrincipalAccess, was: string[], now: string[], add: AccessChangeType, remove: AccessChangeType, isAdmin: (x: string, s: Side) => boolean) => {
    for (const x of now) if (!was.includes(x)) push(p, add, x, null, x, isAdmin(x, cur));
    for (const x of was) if (!now.includes(x)) push(p, remove, x, x, null, isAdmin(x, prev));
  };
  const policyAdmin = (a: string, s: Side) => s.snap.isAdminPolicy(a);
  const groupAdmin = (g: string, s: Side) => s.adminGroups.has(g);
  for (const p of cur.snap.principals.values()) {
    const b = prev.snap.principals.get(p.arn);
    const was: PrincipalAccess = b ?? { ...p, attached: [], groups: [], inline: {}, trust: null };
    if (!b) push(p, 'principal_created', null, null, p.type, false);
    diffList(p, was.attached, p.attached, 'policy_attached', 'policy_detached', policyAdmin);
    diffList(p, was.groups, p.groups, 'group_added', 'group_removed', groupAdmin);
    for (const [name, v] of Object.entries(p.inline)) {
      const old = was.inline[name];
      if (!old || old.sha !== v.sha) push(p, 'inline_policy_put', name, old ? `sha256 ${old.sha}${old.admin ? ' (allows * on *)' : ''}` : null, `sha256 ${v.sha}${v.admin ? ' (allows * on *)' : ''}`, v.admin);
    }
    for (const [name, old] of Object.entries(was.inline)) if (!(name in p.inline)) push(p, 'inline_policy_deleted', name, `sha256 ${old.sha}${old.admin ? ' (allows * on *)' : ''}`, null, old.admin);
    if (b && p.trust && b.trust && p.trust.sha !== b.trust.sha) push(p, 'trust_policy_changed', null, trustText(b.trust), trustText(p.trust), false);
  }
  for (const b of prev.snap.principals.values()) if (!cur.snap.principals.has(b.arn)) push(b, 'principal_deleted', null, b.type, null, false);
  // a principal whose own grants did not change but whose privileges did (a group's or a policy's content changed, SCPs, bucket policies)
  for (const p of cur.snap.principals.values()) {
    if (touched.has(p.arn) || !prev.snap.principals.has(p.arn)) continue;
    const before = describeClasses(classes(prev, p.arn));
    const after = describeClasses(classes(cur, p.arn));
    if (before !== after) push(p, 'privilege_changed', null, before, after, false);
  }
  const events: AccessChange[] = [];
  const otherChanges: AccessChange[] = [];
  // a trust change on a privileged role changes who can take its privileges
  const relevant = (r: AccessChange) => r.grants || r.removes || r.itemAdmin || (r.change === 'trust_policy_changed' && (r.privilegeBefore !== 'none' || r.privilegeAfter !== 'none'));
  for (const r of rows) (relevant(r) ? events : otherChanges).push(r);
  const order = (a: AccessChange, b: AccessChange) => a.principal.localeCompare(b.principal) || a.change.localeCompare(b.change) || (a.item ?? '').localeCompare(b.item ?? '');
  return { events: events.sort(order), otherChanges: otherChanges.sort(order) };
}

/** The previous bundle's snapshot and ML holders (its ml-privileges when complete, else unknown). */
async function readPrevious(prev: NonNullable<ReturnType<AwsContext['baseline']>['reader']>): Promise<Side> {
  const snap = new AccessSnapshot();
  for await (const r of prev.iterate<Record<string, unknown>>(DETAILS)) snap.add(r);
  const ml = prev.complete(ML) ? mlHoldersOf(await prev.readJson(ML)) : null;
  return side(snap, ml);
}

/**
 * Writes aws.iam.access-changes: a baseline on the first run; the changes since the newest earlier bundle
 * with complete authorization details otherwise (bundles in between whose details were incomplete are
 * spanned by the window); an incomplete log, the gap said, when this snapshot or every earlier one is
 * incomplete — never an empty log that would read as "nothing changed".
 */
export async function writeAccessChanges(ctx: AwsContext, current: AccessSnapshot, ml: MlHolders | null, snapshotAt: string): Promise<void> {
  const account = ctx.aws.account ?? ctx.target.account ?? '';
  const { reader: prev, skipped } = ctx.baseline(DETAILS);
  const from = prev?.collectedAt ?? null;
  const previousBundle = prev?.bundleId ?? null;
  const log = (baseline: boolean, ev: Pick<AccessChangesLog, 'events' | 'otherChanges'>): AccessChangesLog => ({ baseline, window: { from: baseline ? null : from, to: snapshotAt }, previousBundle: baseline ? null : previousBundle, account, ...ev });
  const none = { events: [], otherChanges: [] };
  const derived = [`${DETAILS} and ${ML} of this bundle`, ...(prev ? [`${DETAILS} and ${ML} of bundle ${previousBundle ?? '?'} collected ${from ?? '?'}`] : [])];
  const incomplete = (why: string) =>
    ctx.artifacts.json(ACCESS_CHANGES_KIND, log(false, none), { operations: [], complete: false, records: 0, notes: { derivedFrom: derived, incomplete: why, ...(skipped.length ? { incompleteEarlierSnapshots: skipped } : {}) } });

  if (!ctx.written.complete(DETAILS)) return incomplete(`this bundle's ${DETAILS} is incomplete (see the gaps): access changes cannot be derived`);
  if (!prev && skipped.length === 0) {
    await ctx.artifacts.json(ACCESS_CHANGES_KIND, log(true, none), { operations: [], complete: true, records: 0, notes: { derivedFrom: derived, baseline: 'the first collection of this account in this evidence stream: its principals and grants are the baseline; changes are listed from the next collection on' } });
    return;
  }
  if (!prev) {
    const message = `no earlier bundle holds complete ${DETAILS} (incomplete in ${skipped.join(', ')}): access changes since bundle ${skipped[skipped.length - 1]} cannot be derived`;
    ctx.gap({ api: ACCESS_CHANGES_KIND, code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message });
    return incomplete(message);
  }
  const before = await readPrevious(prev);
  const after = side(current, ml);
  const { events, otherChanges } = diffAccess(before, after, account, { from: from ?? snapshotAt, to: snapshotAt, since: previousBundle ?? from ?? '' });
  const unknownMl = [!before.ml ? `bundle ${previousBundle ?? '?'}` : '', !after.ml ? 'this bundle' : ''].filter(Boolean);
  await ctx.artifacts.json(ACCESS_CHANGES_KIND, log(false, { events, otherChanges }), {
    operations: [],
    complete: true,
    records: events.length,
    ...(from ? { periodCovered: { from, to: snapshotAt } } : {}),
    notes: {
      derivedFrom: derived,
      previousPrincipals: before.snap.principals.size,
      currentPrincipals: current.principals.size,
      privilegedChanges: events.length,
      otherChanges: otherChanges.length,
      ...(skipped.length ? { spansIncompleteSnapshots: skipped } : {}),
      ...(unknownMl.length ? { mlUnknown: `${ML} is missing or incomplete in ${unknownMl.join(' and ')}: ML-change access is "ml unknown" there, and changes that may grant it are listed as events` } : {}),
      privileged: 'admin: Allow * on * held directly, through a group or an attached policy (as aws-iam.admin-principals judges it); ml: can change an ML asset (as aws.iam.ml-privileges judges it)',
      window: 'IAM does not record when a grant was made: each change happened after window.from (the previous collection) and at or before window.to (this one); the report names the actor and exact time from aws.cloudtrail.events when aws-audit-trail ran',
    },
  });
}

/** CloudTrail event names that make each (principal type, change). */
export const ACCESS_EVENT_NAMES: Record<string, string[]> = {
  'user policy_attached': ['AttachUserPolicy'],
  'group policy_attached': ['AttachGroupPolicy'],
  'role policy_attached': ['AttachRolePolicy'],
  'user policy_detached': ['DetachUserPolicy'],
  'group policy_detached': ['DetachGroupPolicy'],
  'role policy_detached': ['DetachRolePolicy'],
  'user group_added': ['AddUserToGroup'],
  'user group_removed': ['RemoveUserFromGroup'],
  'user inline_policy_put': ['PutUserPolicy'],
  'group inline_policy_put': ['PutGroupPolicy'],
  'role inline_policy_put': ['PutRolePolicy'],
  'user inline_policy_deleted': ['DeleteUserPolicy'],
  'group inline_policy_deleted': ['DeleteGroupPolicy'],
  'role inline_policy_deleted': ['DeleteRolePolicy'],
  'role trust_policy_changed': ['UpdateAssumeRolePolicy'],
  'user principal_created': ['CreateUser'],
  'role principal_created': ['CreateRole'],
  'user principal_deleted': ['DeleteUser'],
  'role principal_deleted': ['DeleteRole'],
};

/** The privileged-access population the access-changes log feeds (declared in aws-iam's meta). */
export const accessChangesPopulation: PopulationDecl = {
  population: 'privileged-access',
  kind: ACCESS_CHANGES_KIND,
  chain: 'log',
  blindOnMissingDay: true,
  key: ['$source', '$collector', '$series', 'account', 'principal', 'change', 'item', 'after', 'windowFrom'],
  fields: {
    account: { from: 'account', type: 'string' },
    principal: { from: 'principal', type: 'string' },
    principalType: { from: 'principalType', type: 'string' },
    principalName: { from: 'principalName', type: 'string' },
    change: { from: 'change', type: 'string' },
    item: { from: 'item', type: 'string?' },
    before: { from: 'before', type: 'string?' },
    after: { from: 'after', type: 'string?' },
    itemAdmin: { from: 'itemAdmin', type: 'boolean' },
    privilegeBefore: { from: 'privilegeBefore', type: 'string' },
    privilegeAfter: { from: 'privilegeAfter', type: 'string' },
    grants: { from: 'grants', type: 'string?' },
    removes: { from: 'removes', type: 'string?' },
    ...CHANGE_WINDOW_AND_ACTOR,
  },
  actor: 'actor',
  actorEvents: {
    kind: 'aws.cloudtrail.events',
    eventNames: [...new Set(Object.values(ACCESS_EVENT_NAMES).flat())],
    resource: '{principalName}',
    eventNamesBy: { template: '{principalType} {change}', names: ACCESS_EVENT_NAMES },
    preferResource: '{item}',
  },
};
