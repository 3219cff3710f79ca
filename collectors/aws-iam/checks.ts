// Pure functions from the IAM artifacts to findings; each lists its exceptions.
import type { Check, CheckInput, Exception } from '../../src/core/types.js';
import { daysBetween } from '../define.js';
import type { CredentialRow } from './credential-report.js';
import { compilePattern, matches } from './iam-eval.js';
import type { IamSettings } from './index.js';
import { grantsAdmin, trustPrincipals, type PolicyDocument } from './policy.js';

const ROOT = '<root_account>';
type Summary = Record<string, number>;
type Report = { generatedAt?: string; rows: CredentialRow[] };

const result = (exceptions: Exception[], passText: string, failText: (n: number) => string) =>
  exceptions.length ? { status: 'fail' as const, summary: failText(exceptions.length), exceptions } : { status: 'pass' as const, summary: passText, exceptions };

interface Principal {
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

/** Two streaming passes: first which policies/groups grant admin, then who holds them. */
export async function adminHolders(input: CheckInput): Promise<Exception[]> {
  const adminPolicies = new Set<string>();
  const adminGroups = new Map<string, string>();
  const groups: Principal[] = [];
  for await (const r of input.artifacts.iterate<Principal>('aws.iam.authorization-details')) {
    if (r.type === 'policy') {
      const v = r.PolicyVersionList?.find((x) => x.IsDefaultVersion) ?? r.PolicyVersionList?.find((x) => x.VersionId === r.DefaultVersionId);
      if (grantsAdmin(v?.Document ?? null)) adminPolicies.add(r.Arn);
    } else if (r.type === 'group') groups.push({ ...r });
  }
  for (const g of groups) {
    const inline = g.GroupPolicyList?.find((p) => grantsAdmin(p.PolicyDocument));
    const attached = g.AttachedManagedPolicies?.find((p) => adminPolicies.has(p.PolicyArn));
    if (inline) adminGroups.set(g.GroupName!, `inline policy ${inline.PolicyName}`);
    else if (attached) adminGroups.set(g.GroupName!, `attached policy ${attached.PolicyArn}`);
  }
  const out: Exception[] = [];
  for await (const r of input.artifacts.iterate<Principal>('aws.iam.authorization-details')) {
    if (r.type !== 'user' && r.type !== 'role' && r.type !== 'group') continue;
    const inlineList = r.type === 'user' ? r.UserPolicyList : r.type === 'role' ? r.RolePolicyList : r.GroupPolicyList;
    const via: string[] = [];
    for (const p of inlineList ?? []) if (grantsAdmin(p.PolicyDocument)) via.push(`inline policy ${p.PolicyName}`);
    for (const p of r.AttachedManagedPolicies ?? []) if (adminPolicies.has(p.PolicyArn)) via.push(`attached policy ${p.PolicyArn}`);
    if (r.type === 'user') for (const g of r.GroupList ?? []) if (adminGroups.has(g)) via.push(`group ${g} (${adminGroups.get(g)})`);
    if (via.length) out.push({ resource: r.Arn, reason: `Allow * on * via ${via.join('; ')}` });
  }
  return out;
}

async function report(i: CheckInput): Promise<Report> {
  return i.artifacts.readJson<Report>('aws.iam.credential-report');
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
    reads: ['aws.iam.authorization-details'],
    async run(i) {
      const ex = await adminHolders(i);
      return result(ex, 'no user, group or role holds Allow * on *', (n) => `${n} principals hold Allow * on * (directly, via groups or attached policies)`);
    },
  },
  {
    id: 'aws-iam.user-inline-policies',
    title: 'Users have no inline policies',
    severity: 'low',
    reads: ['aws.iam.authorization-details'],
    async run(i) {
      const ex: Exception[] = [];
      for await (const r of i.artifacts.iterate<Principal>('aws.iam.authorization-details'))
        if (r.type === 'user' && (r.UserPolicyList?.length ?? 0) > 0) ex.push({ resource: r.Arn, reason: `inline policies: ${r.UserPolicyList!.map((p) => p.PolicyName).join(', ')}` });
      return result(ex, 'no user has inline policies', (n) => `${n} users have inline policies`);
    },
  },
  {
    id: 'aws-iam.external-trust',
    title: 'Roles assumable from outside the account are listed',
    severity: 'high',
    reads: ['aws.iam.authorization-details'],
    async run(i) {
      const own = i.target.account;
      const ex: Exception[] = [];
      let services = 0;
      for await (const r of i.artifacts.iterate<Principal>('aws.iam.authorization-details')) {
        if (r.type !== 'role') continue;
        const ps = trustPrincipals(r.AssumeRolePolicyDocument ?? null);
        services += ps.filter((p) => p.kind === 'service').length ? 1 : 0;
        const outside = ps.filter((p) => p.kind === 'aws-wildcard' || (p.kind === 'aws-account' && p.account && p.account !== own));
        if (outside.length) {
          const svc = ps.filter((p) => p.kind === 'service').map((p) => p.value);
          ex.push({
            resource: r.Arn,
            reason: `trusted by ${outside.map((p) => (p.kind === 'aws-wildcard' ? 'any AWS principal (*)' : `account ${p.account}`) + (p.conditional ? ' (conditional)' : '')).join(', ')}${svc.length ? `; services: ${svc.join(', ')}` : ''}`,
          });
        }
      }
      return result(ex, `no role is assumable from another account (${services} roles trust AWS services only)`, (n) => `${n} roles are assumable from outside the account`);
    },
  },
  {
    id: 'aws-iam.ml-privileges',
    title: 'Only approved principals can change ML assets (models, training, endpoints, training data)',
    severity: 'high',
    reads: ['aws.iam.ml-privileges'],
    async run(i) {
      const approved = (i.settings as IamSettings).mlApprovedPrincipals;
      const a = await i.artifacts.readJson<{ rows: { principal: string; action: string; resource: string; decision: string; via: string[] }[] }>('aws.iam.ml-privileges');
      const by = new Map<string, { actions: Set<string>; conditional: boolean }>();
      for (const r of a.rows) {
        const e = by.get(r.principal) ?? { actions: new Set<string>(), conditional: true };
        e.actions.add(r.resource === '*' ? r.action : `${r.action} on ${r.resource}`);
        if (r.decision === 'allowed') e.conditional = false;
        by.set(r.principal, e);
      }
      const ex: Exception[] = [];
      for (const [principal, e] of by) {
        if (approved.some((p) => matches(compilePattern(p, 'never'), principal))) continue;
        ex.push({ resource: principal, reason: `${e.conditional ? 'conditionally ' : ''}allowed: ${[...e.actions].sort().join(', ')}` });
      }
      const held = by.size;
      return ex.length
        ? { status: 'fail', summary: `${ex.length} of ${held} principals holding ML privileges are not in settings.aws-iam.mlApprovedPrincipals`, exceptions: ex }
        : { status: 'pass', summary: `${held} principals hold ML privileges, all approved` };
    },
  },
];
