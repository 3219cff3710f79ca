// Pure functions from the IAM artifacts to findings; each lists its exceptions.
import type { Check, CheckInput, Exception } from '../../src/core/types.js';
import { daysBetween } from '../define.js';
import type { CredentialRow } from './credential-report.js';
import { compilePattern, matches } from './iam-eval.js';
import type { IamSettings } from './index.js';
import { judgeFederated } from './federated.js';
import { grantsAdmin, trustPrincipals, type PolicyDocument, type TrustPrincipal } from './policy.js';

const ROOT = '<root_account>';
type Summary = Record<string, number>;
type Report = { generatedAt?: string; rows: CredentialRow[] };

const result = (exceptions: Exception[], passText: string, failText: (n: number) => string) =>
  exceptions.length ? { status: 'fail' as const, summary: failText(exceptions.length), exceptions } : { status: 'pass' as const, summary: passText, exceptions };

export interface Principal {
  type: 'user' | 'group' | 'role' | 'policy';
  Arn: string;
  UserName?: string;
  GroupName?: string;
  RoleName?: string;
  GroupList?: string[];
  UserPolicyList?: { PolicyName: string; PolicyDocument: PolicyDocument | null }[];
  GroupPolicyList?: { PolicyName: string; PolicyDocument: PolicyDocument | null }[];
  RolePolicyList?: { PolicyName: string; PolicyDocument: PolicyDocument | null }[];
  AttachedManagedPolicies?: { PolicyArn: string; PolicyName?: string }[];
  AssumeRolePolicyDocument?: PolicyDocument | null;
  DefaultVersionId?: string;
  PolicyVersionList?: { VersionId?: string; IsDefaultVersion?: boolean; Document: PolicyDocument | null }[];
}

const AUTHORIZATION_DETAILS = 'aws.iam.authorization-details';
const SCPS = 'aws.iam.service-control-policies';

/**
 * One consumer of the shared pass. Its first error is kept and thrown by its own check only, as when
 * each check made its own pass; an error of the pass itself (unreadable file, hash mismatch) reaches all.
 */
class Part<T> {
  private failed = false;
  private error: unknown;
  constructor(
    private readonly value: T,
    private readonly step: (r: Principal) => void,
  ) {}
  feed(r: Principal): void {
    if (this.failed) return;
    try {
      this.step(r);
    } catch (e) {
      this.failed = true;
      this.error = e;
    }
  }
  get(): T {
    if (this.failed) throw this.error;
    return this.value;
  }
}

/** A user, role or group as adminHolders needs it: which of its own inline policies grant admin, and the names to resolve once every policy is known. */
export interface AdminEntry {
  type: 'user' | 'role' | 'group';
  Arn: string;
  GroupName: string | undefined;
  /** names of its inline policies that allow * on *, in order */
  inlineAdmin: string[];
  attached: string[];
  /** users only */
  groups: string[];
}

interface AuthorizationFacts {
  /** `policies`: ARNs granting admin; `known`: every policy ARN in the artifact (an attached one not there hides what it grants) */
  admin: Part<{ policies: Set<string>; known: Set<string>; principals: AdminEntry[] }>;
  userInline: Part<Exception[]>;
  trust: Part<{ Arn: string; principals: TrustPrincipal[] }[]>;
}

/** What admin-principals (and aws-iam's access-changes log) keep of the authorization details to tell who holds Allow * on *. */
export interface AdminFacts {
  policies: Set<string>;
  known: Set<string>;
  principals: AdminEntry[];
}

export const emptyAdminFacts = (): AdminFacts => ({ policies: new Set(), known: new Set(), principals: [] });

/** Feeds one authorization-details record into `f`. */
export function adminStep(f: AdminFacts): (r: Principal) => void {
  return (r) => {
    if (r.type === 'policy') {
      f.known.add(r.Arn);
      const v = r.PolicyVersionList?.find((x) => x.IsDefaultVersion) ?? r.PolicyVersionList?.find((x) => x.VersionId === r.DefaultVersionId);
      if (grantsAdmin(v?.Document ?? null)) f.policies.add(r.Arn);
    } else if (r.type === 'user' || r.type === 'role' || r.type === 'group') {
      const inlineList = r.type === 'user' ? r.UserPolicyList : r.type === 'role' ? r.RolePolicyList : r.GroupPolicyList;
      f.principals.push({
        type: r.type,
        Arn: r.Arn,
        GroupName: r.GroupName,
        inlineAdmin: (inlineList ?? []).filter((p) => grantsAdmin(p.PolicyDocument)).map((p) => p.PolicyName),
        attached: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
        groups: r.type === 'user' ? [...(r.GroupList ?? [])] : [],
      });
    }
  };
}

/**
 * What admin-principals, user-inline-policies and external-trust need from the authorization details
 * (22 MB for a large account), in ONE streaming pass that the three share through `input.memo`. Only
 * the facts are kept (admin policy ARNs, each principal's attached ARNs and groups, trust principals),
 * never whole records.
 */
function authorizationFacts(input: CheckInput): Promise<AuthorizationFacts> {
  const scan = async (): Promise<AuthorizationFacts> => {
    const policies = new Set<string>();
    const known = new Set<string>();
    const principals: AdminEntry[] = [];
    const userInline: Exception[] = [];
    const roles: { Arn: string; principals: TrustPrincipal[] }[] = [];
    const facts: AuthorizationFacts = {
      admin: new Part({ policies, known, principals }, adminStep({ policies, known, principals })),
      userInline: new Part(userInline, (r) => {
        if (r.type === 'user' && (r.UserPolicyList?.length ?? 0) > 0) userInline.push({ resource: r.Arn, reason: `inline policies: ${r.UserPolicyList!.map((p) => p.PolicyName).join(', ')}` });
      }),
      trust: new Part(roles, (r) => {
        if (r.type === 'role') roles.push({ Arn: r.Arn, principals: trustPrincipals(r.AssumeRolePolicyDocument ?? null) });
      }),
    };
    for await (const r of input.artifacts.iterate<Principal>(AUTHORIZATION_DETAILS)) {
      facts.admin.feed(r);
      facts.userInline.feed(r);
      facts.trust.feed(r);
    }
    return facts;
  };
  return input.memo ? input.memo(`aws-iam:${AUTHORIZATION_DETAILS}`, scan) : scan();
}

/** Principals (users, roles, groups) holding Allow * on *, and those whose grants cannot be told (a policy or group missing from the artifact). */
export async function adminHolders(input: CheckInput): Promise<{ holders: Exception[]; unknown: Exception[] }> {
  return adminHoldersOf((await authorizationFacts(input)).admin.get());
}

/** adminHolders over facts already gathered (adminStep). */
export function adminHoldersOf({ policies: adminPolicies, known, principals }: AdminFacts): { holders: Exception[]; unknown: Exception[] } {
  const adminGroups = new Map<string | undefined, string>();
  const groupMissing = new Map<string | undefined, string[]>();
  for (const g of principals) {
    if (g.type !== 'group') continue;
    const attached = g.attached.findIndex((a) => adminPolicies.has(a));
    if (g.inlineAdmin.length) adminGroups.set(g.GroupName, `inline policy ${g.inlineAdmin[0]}`);
    else if (attached >= 0) adminGroups.set(g.GroupName, `attached policy ${g.attached[attached]}`);
    groupMissing.set(g.GroupName, g.attached.filter((a) => !known.has(a)));
  }
  const holders: Exception[] = [];
  const unknown: Exception[] = [];
  for (const r of principals) {
    const via: string[] = [];
    for (const name of r.inlineAdmin) via.push(`inline policy ${name}`);
    for (const a of r.attached) if (adminPolicies.has(a)) via.push(`attached policy ${a}`);
    for (const g of r.groups) if (adminGroups.has(g)) via.push(`group ${g} (${adminGroups.get(g)})`);
    if (via.length) holders.push({ resource: r.Arn, reason: `Allow * on * via ${via.join('; ')}` });
    else if (r.type !== 'group') {
      // a principal already listed needs no second row; one not listed may be hidden by what is missing
      const missing = r.attached.filter((a) => !known.has(a)).map((a) => `attached policy ${a}`);
      for (const g of r.groups) {
        if (!groupMissing.has(g)) missing.push(`group ${g}`);
        else for (const a of groupMissing.get(g)!) missing.push(`group ${g}: attached policy ${a}`);
      }
      if (missing.length) unknown.push({ resource: r.Arn, reason: `cannot tell whether it holds Allow * on *: ${missing.join(', ')} not in the authorization details` });
    }
  }
  return { holders, unknown };
}

/** The parsed credential report, read once for the three checks that use it (the checks only read it). */
async function report(i: CheckInput): Promise<Report> {
  const read = () => i.artifacts.readJson<Report>('aws.iam.credential-report');
  return i.memo ? i.memo('aws-iam:aws.iam.credential-report', read) : read();
}

export const checks: Check[] = [
  {
    id: 'aws-iam.root-mfa',
    title: 'The root user has MFA enabled',
    severity: 'critical',
    reads: ['aws.iam.account-summary'],
    async run(i) {
      const s = await i.artifacts.readJson<Summary>('aws.iam.account-summary');
      const account = i.target.account ?? 'account';
      return s.AccountMFAEnabled === 1
        ? { status: 'pass', summary: 'root MFA is enabled (GetAccountSummary AccountMFAEnabled = 1)' }
        : { status: 'fail', summary: 'root MFA is not enabled', exceptions: [{ resource: `arn:aws:iam::${account}:root`, reason: 'AccountMFAEnabled = 0' }] };
    },
  },
  {
    id: 'aws-iam.root-access-keys',
    title: 'The root user has no access keys',
    severity: 'critical',
    reads: ['aws.iam.account-summary'],
    async run(i) {
      const s = await i.artifacts.readJson<Summary>('aws.iam.account-summary');
      const account = i.target.account ?? 'account';
      return (s.AccountAccessKeysPresent ?? 0) === 0
        ? { status: 'pass', summary: 'the root user has no access keys' }
        : { status: 'fail', summary: 'the root user has access keys', exceptions: [{ resource: `arn:aws:iam::${account}:root`, reason: `AccountAccessKeysPresent = ${s.AccountAccessKeysPresent}` }] };
    },
  },
  {
    id: 'aws-iam.console-users-mfa',
    title: 'Every user with a console password has MFA',
    severity: 'high',
    reads: ['aws.iam.credential-report'],
    async run(i) {
      const { rows } = await report(i);
      const ex = rows.filter((r) => r.user !== ROOT && r.passwordEnabled === true && !r.mfaActive).map((r) => ({ resource: r.arn, reason: 'console password enabled, no MFA device' }));
      const n = rows.filter((r) => r.user !== ROOT && r.passwordEnabled === true).length;
      return result(ex, `all ${n} console users have MFA`, (k) => `${k} of ${n} console users have no MFA`);
    },
  },
  {
    id: 'aws-iam.access-key-age',
    title: 'Active access keys are rotated within the allowed age',
    severity: 'medium',
    reads: ['aws.iam.credential-report'],
    async run(i) {
      const max = (i.settings as IamSettings).accessKeyMaxAgeDays;
      const { rows } = await report(i);
      const ex: Exception[] = [];
      for (const r of rows)
        for (const k of r.accessKeys)
          if (k.active && k.lastRotated) {
            const age = daysBetween(new Date(k.lastRotated), i.now);
            if (age > max) ex.push({ resource: `${r.arn} (access key ${k.slot})`, reason: `active key last rotated ${k.lastRotated.slice(0, 10)}, ${age} days ago (limit ${max})` });
          }
      return result(ex, `no active access key is older than ${max} days`, (n) => `${n} active access keys are older than ${max} days`);
    },
  },
  {
    id: 'aws-iam.unused-credentials',
    title: 'Passwords and access keys unused for too long are disabled',
    severity: 'medium',
    reads: ['aws.iam.credential-report'],
    async run(i) {
      const days = (i.settings as IamSettings).unusedCredentialDays;
      const { rows } = await report(i);
      const ex: Exception[] = [];
      const stale = (last: string | null, since: string | null) => {
        const ref = last ?? since;
        return ref ? daysBetween(new Date(ref), i.now) > days : false;
      };
      for (const r of rows) {
        if (r.user === ROOT) continue;
        if (r.passwordEnabled && stale(r.passwordLastUsed, r.passwordLastChanged ?? r.userCreationTime))
          ex.push({ resource: r.arn, reason: r.passwordLastUsed ? `password last used ${r.passwordLastUsed.slice(0, 10)}` : `password never used (set ${(r.passwordLastChanged ?? r.userCreationTime ?? '').slice(0, 10)})` });
        for (const k of r.accessKeys)
          if (k.active && stale(k.lastUsedDate, k.lastRotated))
            ex.push({ resource: `${r.arn} (access key ${k.slot})`, reason: k.lastUsedDate ? `key last used ${k.lastUsedDate.slice(0, 10)}` : `key never used (created ${(k.lastRotated ?? '').slice(0, 10)})` });
      }
      return result(ex, `no credential is unused for more than ${days} days`, (n) => `${n} credentials unused for more than ${days} days`);
    },
  },
  {
    id: 'aws-iam.password-policy',
    title: 'The account password policy meets the configured minimums',
    severity: 'medium',
    reads: ['aws.iam.password-policy'],
    async run(i) {
      const want = (i.settings as IamSettings).passwordPolicy;
      const pp = await i.artifacts.readJson<{ present: boolean; policy: Record<string, any> | null }>('aws.iam.password-policy');
      const resource = `arn:aws:iam::${i.target.account ?? 'account'}:account-password-policy`;
      if (!pp.present || !pp.policy) return { status: 'fail', summary: 'no password policy is set', exceptions: [{ resource, reason: 'GetAccountPasswordPolicy answered NoSuchEntity' }] };
      const p = pp.policy;
      const ex: Exception[] = [];
      if ((p.MinimumPasswordLength ?? 0) < want.minimumLength) ex.push({ resource, reason: `minimum length ${p.MinimumPasswordLength ?? 0} < ${want.minimumLength}` });
      if (want.requireSymbols && !p.RequireSymbols) ex.push({ resource, reason: 'symbols not required' });
      if (want.requireNumbers && !p.RequireNumbers) ex.push({ resource, reason: 'numbers not required' });
      if (want.requireUppercase && !p.RequireUppercaseCharacters) ex.push({ resource, reason: 'uppercase not required' });
      if (want.requireLowercase && !p.RequireLowercaseCharacters) ex.push({ resource, reason: 'lowercase not required' });
      if (want.reusePrevention && (p.PasswordReusePrevention ?? 0) < want.reusePrevention) ex.push({ resource, reason: `reuse prevention ${p.PasswordReusePrevention ?? 0} < ${want.reusePrevention}` });
      if (want.maxAgeDays && (!p.MaxPasswordAge || p.MaxPasswordAge > want.maxAgeDays)) ex.push({ resource, reason: `maximum age ${p.MaxPasswordAge ?? 'unset'} > ${want.maxAgeDays}` });
      return result(ex, 'password policy meets the configured minimums', (n) => `password policy falls short in ${n} respects`);
    },
  },
  {
    id: 'aws-iam.admin-principals',
    title: 'Principals holding Allow * on * are listed for review',
    severity: 'high',
    reads: [AUTHORIZATION_DETAILS],
    async run(i) {
      const { holders, unknown } = await adminHolders(i);
      // in a member account SCPs cap what Allow * grants: unread, what these principals can do is unknown
      if ((i.source as { organization?: unknown } | undefined)?.organization && !i.artifacts.complete(SCPS))
        return { status: 'error', summary: `the service control policies of this account could not be read (see the gaps), so what Allow * on * grants here is unknown; ${holders.length} principals hold it`, exceptions: holders };
      if (unknown.length) return { status: 'error', summary: `${unknown.length} principals reference policies or groups missing from the authorization details, so whether they hold Allow * on * is unknown; ${holders.length} principals hold it`, exceptions: [...unknown, ...holders] };
      return result(holders, 'no user, group or role holds Allow * on *', (n) => `${n} principals hold Allow * on * (directly, via groups or attached policies)`);
    },
  },
  {
    id: 'aws-iam.user-inline-policies',
    title: 'Users have no inline policies',
    severity: 'low',
    reads: [AUTHORIZATION_DETAILS],
    async run(i) {
      const ex = [...(await authorizationFacts(i)).userInline.get()];
      return result(ex, 'no user has inline policies', (n) => `${n} users have inline policies`);
    },
  },
  {
    id: 'aws-iam.external-trust',
    title: 'Roles assumable from outside the account are listed',
    severity: 'high',
    reads: [AUTHORIZATION_DETAILS],
    async run(i) {
      const own = i.target.account;
      const ex: Exception[] = [];
      let services = 0;
      const pinned: string[] = [];
      for (const { Arn, principals: ps } of (await authorizationFacts(i)).trust.get()) {
        services += ps.filter((p) => p.kind === 'service').length ? 1 : 0;
        const outside = ps.filter((p) => p.kind === 'aws-wildcard' || (p.kind === 'aws-account' && p.account && p.account !== own));
        const federated = ps.filter((p) => p.kind === 'federated').map((p) => judgeFederated(p.value, p.condition));
        const open = federated.filter((f) => f.risk);
        pinned.push(...federated.filter((f) => !f.risk).map((f) => `${Arn.replace(/^.*:role\//, '')}: ${f.provider} (${f.conditions})`));
        if (outside.length || open.length) {
          const svc = ps.filter((p) => p.kind === 'service').map((p) => p.value);
          const who = [
            ...outside.map((p) => (p.kind === 'aws-wildcard' ? 'any AWS principal (*)' : `account ${p.account}`) + (p.conditional ? ' (conditional)' : '')),
            ...open.map((f) => `${f.provider}: ${f.risk} [conditions: ${f.conditions}]`),
          ];
          ex.push({ resource: Arn, reason: `trusted by ${who.join(', ')}${svc.length ? `; services: ${svc.join(', ')}` : ''}` });
        }
      }
      const fed = pinned.length ? `; ${pinned.length} federated trusts pinned by their conditions: ${pinned.slice(0, 10).join('; ')}${pinned.length > 10 ? `; … ${pinned.length - 10} more` : ''}` : '';
      return result(ex, `no role is assumable from another account or by unpinned federated identities (${services} roles trust AWS services)${fed}`, (n) => `${n} roles are assumable from outside the account${fed}`);
    },
  },
  {
    id: 'aws-iam.ml-privileges',
    title: 'Only approved principals can change ML assets (models, training, endpoints, training data)',
    severity: 'high',
    reads: ['aws.iam.ml-privileges'],
    async run(i) {
      const approved = (i.settings as IamSettings).mlApprovedPrincipals;
      const a = await i.artifacts.readJson<MlPrivileges>('aws.iam.ml-privileges');
      const by = mlByPrincipal(a.rows);
      const ex: Exception[] = [];
      for (const [principal, assets] of by) {
        if (approved.some((p) => matches(compilePattern(p, 'never'), principal))) continue;
        ex.push({ resource: principal, reason: describeMlAccess(assets) });
      }
      const held = by.size;
      const perAsset = (a.assets ?? []).map((x) => `${x.asset} ${x.principals}`).join(', ');
      const unknown = [
        ...(a.unknown ?? []).map((u) => ({ resource: u.principal, reason: `ML privileges unknown: ${u.missing.join(', ')} not in the authorization details` })),
        ...(a.unreadBucketPolicies ?? []).map((b) => ({ resource: `arn:aws:s3:::${b}`, reason: 'bucket policy could not be read: the principals it grants writes to are unknown' })),
        ...(a.unreadGroupPolicies ?? []).map((g) => ({ resource: g, reason: 'model package group policy could not be read: the other accounts it grants access to are unknown' })),
      ];
      if (unknown.length) return { status: 'error', summary: `the ML privileges of ${unknown.length} principals or buckets cannot be told (policies or groups missing from the authorization details, or an unread bucket policy); ${ex.length} of ${held} principals holding ML privileges are not approved`, exceptions: [...unknown, ...ex] };
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${held} principals holding ML privileges are not in settings.aws-iam.mlApprovedPrincipals${perAsset ? `; principals per asset: ${perAsset}` : ''}`, exceptions: ex }
        : { status: 'pass', summary: `${held} principals hold ML privileges, all approved${perAsset ? `; principals per asset: ${perAsset}` : ''}` };
    },
  },
];

interface MlPrivilegeRow {
  principal: string;
  action: string;
  resource: string;
  asset?: string;
  decision: string;
  via: string[];
}

interface MlPrivileges {
  rows: MlPrivilegeRow[];
  assets?: { asset: string; principals: number }[];
  unknown?: { principal: string; missing: string[] }[];
  unreadBucketPolicies?: string[];
  unreadGroupPolicies?: string[];
}

/** principal -> asset -> its rows, in artifact order. */
function mlByPrincipal(rows: MlPrivilegeRow[]): Map<string, Map<string, MlPrivilegeRow[]>> {
  const by = new Map<string, Map<string, MlPrivilegeRow[]>>();
  for (const r of rows) {
    const assets = by.get(r.principal) ?? by.set(r.principal, new Map()).get(r.principal)!;
    const asset = r.asset ?? (r.resource === '*' ? r.action.split(':')[0]! : r.resource);
    (assets.get(asset) ?? assets.set(asset, []).get(asset)!).push(r);
  }
  return by;
}

/** `ASSET: Action (via …), Action conditionally (via …); ASSET: …` — what an access reviewer needs to confirm or revoke. */
function describeMlAccess(assets: Map<string, MlPrivilegeRow[]>): string {
  const part = (r: MlPrivilegeRow) => `${r.action.split(':')[1] ?? r.action}${r.decision === 'allowed' ? '' : r.decision === 'error' ? ' (unknown: SCPs unread)' : ' conditionally'} (via ${r.via.slice(0, 3).join(', ')}${r.via.length > 3 ? ` and ${r.via.length - 3} more` : ''})`;
  const all = [...assets.values()].flat();
  const lead = all.every((r) => r.decision !== 'allowed') ? 'conditionally allowed' : 'allowed';
  return `${lead}: ${[...assets].map(([asset, rows]) => `${asset}: ${rows.map(part).join(', ')}`).join('; ')}`;
}
