// IAM over awsQuery (form-encoded request, XML answer), written from the IAM API reference.
// Every policy document (inline, managed versions, trust policies, also inside instance profiles)
// is sent URL-encoded (RFC 3986), as real IAM does.

import type {
  AccessKeySeed,
  AwsAccountSeed,
  IamGroupSeed,
  IamRoleSeed,
  IamUserSeed,
  InlinePolicySeed,
  InstanceProfileSeed,
  ManagedPolicySeed,
  Tags,
  VirtualMfaSeed,
} from './seed.js';
import type { HandlerContext } from './types.js';
import {
  AwsError,
  awsId,
  decodeToken,
  encodeToken,
  encodedDocument,
  isoSeconds,
  normalisePath,
  policyNameFromArn,
  x,
  xlist,
  xmap,
  xmlEscape,
  xs,
} from './wire.js';

export const IAM_XMLNS = 'https://iam.amazonaws.com/doc/2010-05-08/';

// ---------------------------------------------------------------- naming

export function userArn(acct: AwsAccountSeed, u: IamUserSeed): string {
  return `arn:aws:iam::${acct.id}:user${normalisePath(u.path)}${u.name}`;
}
export function userId(acct: AwsAccountSeed, u: IamUserSeed): string {
  return u.id ?? awsId('AIDA', `${acct.id}:user:${u.name}`);
}
export function groupArn(acct: AwsAccountSeed, g: IamGroupSeed): string {
  return `arn:aws:iam::${acct.id}:group${normalisePath(g.path)}${g.name}`;
}
function groupId(acct: AwsAccountSeed, g: IamGroupSeed): string {
  return g.id ?? awsId('AGPA', `${acct.id}:group:${g.name}`);
}
export function roleArn(acct: AwsAccountSeed, r: IamRoleSeed): string {
  return `arn:aws:iam::${acct.id}:role${normalisePath(r.path)}${r.name}`;
}
export function roleId(acct: AwsAccountSeed, r: IamRoleSeed): string {
  return r.id ?? awsId('AROA', `${acct.id}:role:${r.name}`);
}
export function managedPolicyArn(acct: AwsAccountSeed, p: ManagedPolicySeed): string {
  return p.arn ?? `arn:aws:iam::${acct.id}:policy${normalisePath(p.path)}${p.name}`;
}
function managedPolicyId(acct: AwsAccountSeed, p: ManagedPolicySeed): string {
  return p.id ?? awsId('ANPA', `${acct.id}:policy:${managedPolicyArn(acct, p)}`);
}
export function accessKeyId(acct: AwsAccountSeed, owner: string, index: number, k: AccessKeySeed): string {
  return k.id ?? awsId('AKIA', `${acct.id}:key:${owner}:${index}`, 16);
}
function isAwsManaged(arn: string): boolean {
  return arn.startsWith('arn:aws:iam::aws:policy/');
}

// ---------------------------------------------------------------- request helpers

/** `Name.member.1`, `Name.member.2`, … */
function memberList(params: URLSearchParams, name: string): string[] {
  const out: string[] = [];
  for (let i = 1; ; i++) {
    const v = params.get(`${name}.member.${i}`);
    if (v === null) break;
    out.push(v);
  }
  return out;
}

function maxItems(params: URLSearchParams, ctx: HandlerContext, dflt = 100): number {
  const raw = params.get('MaxItems');
  let n = dflt;
  if (raw !== null) {
    n = Number(raw);
    if (!Number.isInteger(n)) {
      throw new AwsError('ValidationError', `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must be an integer`);
    }
    if (n < 1) {
      throw new AwsError('ValidationError', `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value greater than or equal to 1`);
    }
    if (n > 1000) {
      throw new AwsError('ValidationError', `1 validation error detected: Value '${raw}' at 'maxItems' failed to satisfy constraint: Member must have value less than or equal to 1000`);
    }
  }
  const cap = ctx.runtime.opts.maxPageItems;
  return cap !== undefined && cap > 0 ? Math.min(n, cap) : n;
}

function startOffset(params: URLSearchParams, scope: string): number {
  const marker = params.get('Marker');
  if (marker === null || marker === '') return 0;
  const off = decodeToken(marker, scope);
  if (off === undefined) throw new AwsError('InvalidInput', 'Invalid value for parameter Marker.');
  return off;
}

function page<T>(items: readonly T[], params: URLSearchParams, ctx: HandlerContext, scope: string): { items: T[]; tail: string } {
  const size = maxItems(params, ctx);
  const from = startOffset(params, scope);
  const slice = items.slice(from, from + size);
  const next = from + slice.length;
  const truncated = next < items.length;
  const tail = truncated ? `<IsTruncated>true</IsTruncated>${x('Marker', encodeToken(next, scope))}` : '<IsTruncated>false</IsTruncated>';
  return { items: slice, tail };
}

// ---------------------------------------------------------------- element builders

function tagsXml(tags: Tags | undefined): string {
  return xlist('Tags', Object.entries(tags ?? {}), ([k, v]) => x('Key', k) + x('Value', v));
}

function inlineXml(name: string, policies: InlinePolicySeed[] | undefined): string {
  return xlist(name, policies ?? [], (p) => x('PolicyName', p.name) + x('PolicyDocument', encodedDocument(p.document)));
}

/** A managed policy's name is the last segment of its ARN (`arn:aws:iam::…:policy/path/Name`). */
function attachedXml(arns: string[] | undefined): string {
  return xlist('AttachedManagedPolicies', arns ?? [], (arn) => x('PolicyName', policyNameFromArn(arn)) + x('PolicyArn', arn));
}

function boundaryXml(arn: string | undefined): string {
  if (!arn) return '';
  return xs('PermissionsBoundary', x('PermissionsBoundaryType', 'PermissionsBoundaryPolicy') + x('PermissionsBoundaryArn', arn));
}

function roleCoreXml(acct: AwsAccountSeed, r: IamRoleSeed): string {
  return (
    x('Path', normalisePath(r.path)) +
    x('RoleName', r.name) +
    x('RoleId', roleId(acct, r)) +
    x('Arn', roleArn(acct, r)) +
    x('CreateDate', isoSeconds(r.created)) +
    x('AssumeRolePolicyDocument', encodedDocument(r.trustPolicy))
  );
}

function instanceProfileXml(acct: AwsAccountSeed, r: IamRoleSeed, ip: InstanceProfileSeed): string {
  const path = normalisePath(ip.path);
  return (
    x('Path', path) +
    x('InstanceProfileName', ip.name) +
    x('InstanceProfileId', ip.id ?? awsId('AIPA', `${acct.id}:instance-profile:${ip.name}`)) +
    x('Arn', `arn:aws:iam::${acct.id}:instance-profile${path}${ip.name}`) +
    x('CreateDate', isoSeconds(ip.created ?? r.created)) +
    xlist('Roles', [r], (role) => roleCoreXml(acct, role))
  );
}

function userDetailXml(acct: AwsAccountSeed, u: IamUserSeed): string {
  return (
    x('Path', normalisePath(u.path)) +
    x('UserName', u.name) +
    x('UserId', userId(acct, u)) +
    x('Arn', userArn(acct, u)) +
    x('CreateDate', isoSeconds(u.created)) +
    inlineXml('UserPolicyList', u.inlinePolicies) +
    xlist('GroupList', u.groups ?? [], (g) => xmlEscape(g)) +
    attachedXml(u.attachedPolicies) +
    boundaryXml(u.boundary) +
    tagsXml(u.tags)
  );
}

function groupDetailXml(acct: AwsAccountSeed, g: IamGroupSeed): string {
  return (
    x('Path', normalisePath(g.path)) +
    x('GroupName', g.name) +
    x('GroupId', groupId(acct, g)) +
    x('Arn', groupArn(acct, g)) +
    x('CreateDate', isoSeconds(g.created)) +
    inlineXml('GroupPolicyList', g.inlinePolicies) +
    attachedXml(g.attachedPolicies)
  );
}

function roleLastUsedXml(r: IamRoleSeed): string {
  if (!r.lastUsed) return '<RoleLastUsed/>';
  return xs('RoleLastUsed', x('LastUsedDate', isoSeconds(r.lastUsed.date)) + x('Region', r.lastUsed.region));
}

function roleDetailXml(acct: AwsAccountSeed, r: IamRoleSeed): string {
  return (
    roleCoreXml(acct, r) +
    xlist('InstanceProfileList', r.instanceProfiles ?? [], (ip) => instanceProfileXml(acct, r, ip)) +
    inlineXml('RolePolicyList', r.inlinePolicies) +
    attachedXml(r.attachedPolicies) +
    boundaryXml(r.boundary) +
    tagsXml(r.tags) +
    roleLastUsedXml(r)
  );
}

function defaultVersionId(p: ManagedPolicySeed): string {
  if (p.defaultVersionId) return p.defaultVersionId;
  const marked = p.versions.find((v) => v.default);
  if (marked) return marked.id;
  return p.versions[p.versions.length - 1]?.id ?? 'v1';
}

interface UsageCounts {
  attachments: Map<string, number>;
  boundaries: Map<string, number>;
}

function usageCounts(acct: AwsAccountSeed): UsageCounts {
  const attachments = new Map<string, number>();
  const boundaries = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  for (const u of acct.iam.users) {
    for (const a of u.attachedPolicies ?? []) bump(attachments, a);
    if (u.boundary) bump(boundaries, u.boundary);
  }
  for (const g of acct.iam.groups) for (const a of g.attachedPolicies ?? []) bump(attachments, a);
  for (const r of acct.iam.roles) {
    for (const a of r.attachedPolicies ?? []) bump(attachments, a);
    if (r.boundary) bump(boundaries, r.boundary);
  }
  return { attachments, boundaries };
}

function managedPolicyDetailXml(acct: AwsAccountSeed, p: ManagedPolicySeed, counts: UsageCounts): string {
  const arn = managedPolicyArn(acct, p);
  const def = defaultVersionId(p);
  return (
    x('PolicyName', p.name) +
    x('PolicyId', managedPolicyId(acct, p)) +
    x('Arn', arn) +
    x('Path', normalisePath(p.path)) +
    x('DefaultVersionId', def) +
    x('AttachmentCount', counts.attachments.get(arn) ?? 0) +
    x('PermissionsBoundaryUsageCount', counts.boundaries.get(arn) ?? 0) +
    x('IsAttachable', p.isAttachable ?? true) +
    x('Description', p.description) +
    x('CreateDate', isoSeconds(p.created)) +
    x('UpdateDate', isoSeconds(p.updated ?? p.created)) +
    xlist(
      'PolicyVersionList',
      p.versions,
      (v) =>
        x('Document', encodedDocument(v.document)) +
        x('VersionId', v.id) +
        x('IsDefaultVersion', v.id === def) +
        x('CreateDate', isoSeconds(v.created ?? p.created)),
    )
  );
}

// ---------------------------------------------------------------- actions

const GAAD_FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

function getAccountAuthorizationDetails(params: URLSearchParams, ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const filters = memberList(params, 'Filter');
  for (const f of filters) {
    if (!(GAAD_FILTERS as readonly string[]).includes(f)) {
      throw new AwsError(
        'ValidationError',
        `1 validation error detected: Value '[${filters.join(', ')}]' at 'filter' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [${GAAD_FILTERS.join(', ')}]]`,
      );
    }
  }
  const want = (f: (typeof GAAD_FILTERS)[number]) => filters.length === 0 || filters.includes(f);
  const users = want('User') ? acct.iam.users : [];
  const groups = want('Group') ? acct.iam.groups : [];
  const roles = want('Role') ? acct.iam.roles : [];
  const local = want('LocalManagedPolicy');
  const aws = want('AWSManagedPolicy');
  const policies =
    local && aws
      ? acct.iam.managedPolicies
      : local || aws
        ? acct.iam.managedPolicies.filter((p) => (isAwsManaged(managedPolicyArn(acct, p)) ? aws : local))
        : [];

  // One ordered population (users, groups, roles, policies) paged by offset.
  const total = users.length + groups.length + roles.length + policies.length;
  const scope = `gaad:${acct.id}:${[...filters].sort().join(',')}`;
  const size = maxItems(params, ctx);
  const from = startOffset(params, scope);
  const to = Math.min(total, from + size);
  const take = <T>(list: readonly T[], base: number): T[] =>
    list.slice(Math.max(0, from - base), Math.max(0, to - base));
  let base = 0;
  const pageUsers = take(users, base);
  base += users.length;
  const pageGroups = take(groups, base);
  base += groups.length;
  const pageRoles = take(roles, base);
  base += roles.length;
  const pagePolicies = take(policies, base);

  const counts: UsageCounts = pagePolicies.length > 0 ? usageCounts(acct) : { attachments: new Map(), boundaries: new Map() };
  const truncated = to < total;
  return (
    xlist('UserDetailList', pageUsers, (u) => userDetailXml(acct, u)) +
    xlist('GroupDetailList', pageGroups, (g) => groupDetailXml(acct, g)) +
    xlist('RoleDetailList', pageRoles, (r) => roleDetailXml(acct, r)) +
    xlist('Policies', pagePolicies, (p) => managedPolicyDetailXml(acct, p, counts)) +
    x('IsTruncated', truncated) +
    (truncated ? x('Marker', encodeToken(to, scope)) : '')
  );
}

function generateCredentialReport(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const polls = ctx.runtime.opts.credentialReportPolls ?? 0;
  const st = ctx.runtime.credentialReports.get(acct.id);
  if (!st) {
    ctx.runtime.credentialReports.set(acct.id, { pollsAfterStart: 0, started: ctx.now });
    return x('State', 'STARTED') + x('Description', 'No report exists. Starting a new report generation task');
  }
  if (st.pollsAfterStart < polls) {
    st.pollsAfterStart++;
    return x('State', 'INPROGRESS') + x('Description', 'Report generation in progress');
  }
  return x('State', 'COMPLETE');
}

const CR_COLUMNS = [
  'user', 'arn', 'user_creation_time', 'password_enabled', 'password_last_used', 'password_last_changed',
  'password_next_rotation', 'mfa_active',
  'access_key_1_active', 'access_key_1_last_rotated', 'access_key_1_last_used_date', 'access_key_1_last_used_region', 'access_key_1_last_used_service',
  'access_key_2_active', 'access_key_2_last_rotated', 'access_key_2_last_used_date', 'access_key_2_last_used_region', 'access_key_2_last_used_service',
  'cert_1_active', 'cert_1_last_rotated', 'cert_2_active', 'cert_2_last_rotated',
];

/** RFC 4180: a field holding a comma, quote or line break is quoted, quotes doubled (IAM user names may contain commas). */
function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** Credential-report date: `2024-01-02T03:04:05+00:00`. */
function crDate(d: string | Date): string {
  return isoSeconds(d).replace(/Z$/, '+00:00');
}

function keyColumns(k: AccessKeySeed | undefined): string[] {
  if (!k) return ['false', 'N/A', 'N/A', 'N/A', 'N/A'];
  const used = k.lastUsed ?? null;
  return [
    String((k.status ?? 'Active') === 'Active'),
    crDate(k.created),
    used ? crDate(used.date) : 'N/A',
    used ? (used.region ?? 'us-east-1') : 'N/A',
    used ? (used.service ?? 'iam') : 'N/A',
  ];
}

export function credentialReportCsv(acct: AwsAccountSeed): string {
  const rows: string[][] = [CR_COLUMNS];
  const iam = acct.iam;
  const root = iam.root;
  const firstDate = [...iam.users.map((u) => u.created), ...iam.roles.map((r) => r.created)].sort()[0] ?? '2015-01-01T00:00:00Z';
  rows.push([
    '<root_account>',
    `arn:aws:iam::${acct.id}:root`,
    crDate(root.created ?? firstDate),
    'not_supported',
    root.passwordLastUsed ? crDate(root.passwordLastUsed) : 'no_information',
    'not_supported',
    'not_supported',
    String(root.mfa),
    ...keyColumns(root.accessKeys[0]),
    ...keyColumns(root.accessKeys[1]),
    'false', 'N/A', 'false', 'N/A',
  ]);
  const maxAge = iam.passwordPolicy?.maxPasswordAge;
  for (const u of iam.users) {
    const pw = u.password;
    const changed = pw ? (pw.lastChanged ?? u.created) : undefined;
    rows.push([
      u.name,
      userArn(acct, u),
      crDate(u.created),
      String(pw !== null),
      pw ? (pw.lastUsed ? crDate(pw.lastUsed) : 'no_information') : 'N/A',
      changed ? crDate(changed) : 'N/A',
      changed && maxAge ? crDate(new Date(new Date(changed).getTime() + maxAge * 86_400_000)) : 'N/A',
      String(u.mfa),
      ...keyColumns(u.accessKeys[0]),
      ...keyColumns(u.accessKeys[1]),
      'false', 'N/A', 'false', 'N/A',
    ]);
  }
  return rows.map((r) => r.map(csvField).join(',')).join('\n');
}

function getCredentialReport(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const st = ctx.runtime.credentialReports.get(acct.id);
  if (!st) {
    throw new AwsError('ReportNotPresent', 'Credential report does not exist. Use GenerateCredentialReport to generate a credential report.', 410);
  }
  if (st.pollsAfterStart < (ctx.runtime.opts.credentialReportPolls ?? 0)) {
    st.pollsAfterStart++; // a poll, like an INPROGRESS answer of GenerateCredentialReport
    throw new AwsError('ReportInProgress', 'Credential report is being generated.', 404);
  }
  const content = Buffer.from(credentialReportCsv(acct), 'utf8').toString('base64');
  return x('Content', content) + x('ReportFormat', 'text/csv') + x('GeneratedTime', isoSeconds(st.started));
}

function getAccountPasswordPolicy(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const p = acct.iam.passwordPolicy;
  if (!p) {
    throw new AwsError('NoSuchEntity', `The Password Policy with domain name ${acct.id} cannot be found.`, 404);
  }
  return xs(
    'PasswordPolicy',
    x('MinimumPasswordLength', p.minimumPasswordLength) +
      x('RequireSymbols', p.requireSymbols) +
      x('RequireNumbers', p.requireNumbers) +
      x('RequireUppercaseCharacters', p.requireUppercaseCharacters) +
      x('RequireLowercaseCharacters', p.requireLowercaseCharacters) +
      x('AllowUsersToChangePassword', p.allowUsersToChangePassword) +
      x('ExpirePasswords', (p.maxPasswordAge ?? 0) > 0) +
      x('MaxPasswordAge', p.maxPasswordAge) +
      x('PasswordReusePrevention', p.passwordReusePrevention) +
      x('HardExpiry', p.hardExpiry),
  );
}

function virtualDevices(acct: AwsAccountSeed): VirtualMfaSeed[] {
  if (acct.iam.virtualMfaDevices) return acct.iam.virtualMfaDevices;
  const out: VirtualMfaSeed[] = [];
  if (acct.iam.root.mfa) {
    out.push({ serial: `arn:aws:iam::${acct.id}:mfa/root-account-mfa-device`, user: '<root>', enabled: acct.iam.root.created });
  }
  for (const u of acct.iam.users) {
    if (u.mfa) out.push({ serial: `arn:aws:iam::${acct.id}:mfa/${u.name}`, user: u.name, enabled: u.created });
  }
  return out;
}

function getAccountSummary(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const iam = acct.iam;
  const devices = virtualDevices(acct);
  const mfaInUse = iam.users.filter((u) => u.mfa).length + (iam.root.mfa ? 1 : 0);
  const local = iam.managedPolicies.filter((p) => !isAwsManaged(managedPolicyArn(acct, p)));
  const profiles = iam.roles.reduce((n, r) => n + (r.instanceProfiles?.length ?? 0), 0);
  const summary: Record<string, number> = {
    Users: iam.users.length,
    UsersQuota: 5000,
    Groups: iam.groups.length,
    GroupsQuota: 300,
    Roles: iam.roles.length,
    RolesQuota: 1000,
    Policies: local.length,
    PoliciesQuota: 1500,
    PolicySizeQuota: 6144,
    PolicyVersionsInUse: local.reduce((n, p) => n + p.versions.length, 0),
    PolicyVersionsInUseQuota: 10000,
    VersionsPerPolicyQuota: 5,
    ServerCertificates: 0,
    ServerCertificatesQuota: 20,
    MFADevices: Math.max(devices.length, mfaInUse),
    MFADevicesInUse: mfaInUse,
    AccountMFAEnabled: iam.root.mfa ? 1 : 0,
    AccountAccessKeysPresent: iam.root.accessKeys.length > 0 ? 1 : 0,
    AccountSigningCertificatesPresent: 0,
    AccessKeysPerUserQuota: 2,
    SigningCertificatesPerUserQuota: 2,
    GroupsPerUserQuota: 10,
    AttachedPoliciesPerUserQuota: 10,
    AttachedPoliciesPerGroupQuota: 10,
    AttachedPoliciesPerRoleQuota: 10,
    UserPolicySizeQuota: 2048,
    GroupPolicySizeQuota: 5120,
    RolePolicySizeQuota: 10240,
    AssumeRolePolicySizeQuota: 2048,
    InstanceProfiles: profiles,
    InstanceProfilesQuota: 1000,
    Providers: iam.samlProviders.length + iam.oidcProviders.length,
    GlobalEndpointTokenVersion: 1,
    ...(iam.accountSummary ?? {}),
  };
  return xmap('SummaryMap', Object.entries(summary));
}

function listVirtualMfaDevices(params: URLSearchParams, ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const status = params.get('AssignmentStatus') ?? 'Any';
  if (!['Assigned', 'Unassigned', 'Any'].includes(status)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${status}' at 'assignmentStatus' failed to satisfy constraint: Member must satisfy enum value set: [Unassigned, Any, Assigned]`);
  }
  const all = virtualDevices(acct).filter((d) => status === 'Any' || (status === 'Assigned') === (d.user !== undefined));
  const { items, tail } = page(all, params, ctx, `vmfa:${acct.id}:${status}`);
  const usersByName = new Map(acct.iam.users.map((u) => [u.name, u]));
  const member = (d: VirtualMfaSeed): string => {
    let user = '';
    if (d.user === '<root>') {
      user = xs('User', x('Path', '/') + x('UserId', acct.id) + x('Arn', `arn:aws:iam::${acct.id}:root`) + x('CreateDate', isoSeconds(acct.iam.root.created ?? '2015-01-01T00:00:00Z')));
    } else if (d.user !== undefined) {
      const u = usersByName.get(d.user);
      if (u) {
        user = xs(
          'User',
          x('Path', normalisePath(u.path)) +
            x('UserName', u.name) +
            x('UserId', userId(acct, u)) +
            x('Arn', userArn(acct, u)) +
            x('CreateDate', isoSeconds(u.created)) +
            (u.password?.lastUsed ? x('PasswordLastUsed', isoSeconds(u.password.lastUsed)) : ''),
        );
      }
    }
    return x('SerialNumber', d.serial) + user + (d.user !== undefined && d.enabled ? x('EnableDate', isoSeconds(d.enabled)) : '');
  };
  return xlist('VirtualMFADevices', items, member) + tail;
}

function listSamlProviders(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  return xlist(
    'SAMLProviderList',
    acct.iam.samlProviders,
    (p) =>
      x('Arn', `arn:aws:iam::${acct.id}:saml-provider/${p.name}`) +
      x('ValidUntil', p.validUntil ? isoSeconds(p.validUntil) : undefined) +
      x('CreateDate', isoSeconds(p.created)),
  );
}

function listOidcProviders(ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  return xlist('OpenIDConnectProviderList', acct.iam.oidcProviders, (p) =>
    x('Arn', `arn:aws:iam::${acct.id}:oidc-provider/${p.url.replace(/^https:\/\//, '')}`),
  );
}

function pathFilter<T extends { path?: string }>(items: readonly T[], params: URLSearchParams): readonly T[] {
  const prefix = params.get('PathPrefix');
  if (!prefix) return items;
  return items.filter((i) => normalisePath(i.path).startsWith(prefix));
}

function listUsers(params: URLSearchParams, ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const prefix = params.get('PathPrefix') ?? '';
  const { items, tail } = page(pathFilter(acct.iam.users, params), params, ctx, `users:${acct.id}:${prefix}`);
  return (
    xlist('Users', items, (u) =>
      x('Path', normalisePath(u.path)) +
        x('UserName', u.name) +
        x('UserId', userId(acct, u)) +
        x('Arn', userArn(acct, u)) +
        x('CreateDate', isoSeconds(u.created)) +
        (u.password?.lastUsed ? x('PasswordLastUsed', isoSeconds(u.password.lastUsed)) : ''),
    ) + tail
  );
}

function listRoles(params: URLSearchParams, ctx: HandlerContext): string {
  const acct = ctx.caller.account;
  const prefix = params.get('PathPrefix') ?? '';
  const { items, tail } = page(pathFilter(acct.iam.roles, params), params, ctx, `roles:${acct.id}:${prefix}`);
  // ListRoles does not return RoleLastUsed, Tags or PermissionsBoundary (only GetRole does).
  return (
    xlist('Roles', items, (r) =>
      roleCoreXml(acct, r) + x('Description', r.description) + x('MaxSessionDuration', r.maxSessionDuration ?? 3600),
    ) + tail
  );
}

/** Runs one IAM action; returns the XML inside `<ActionResult>`. */
export function handleIam(action: string, params: URLSearchParams, ctx: HandlerContext): string {
  switch (action) {
    case 'GetAccountAuthorizationDetails':
      return getAccountAuthorizationDetails(params, ctx);
    case 'GenerateCredentialReport':
      return generateCredentialReport(ctx);
    case 'GetCredentialReport':
      return getCredentialReport(ctx);
    case 'GetAccountPasswordPolicy':
      return getAccountPasswordPolicy(ctx);
    case 'GetAccountSummary':
      return getAccountSummary(ctx);
    case 'ListVirtualMFADevices':
      return listVirtualMfaDevices(params, ctx);
    case 'ListSAMLProviders':
      return listSamlProviders(ctx);
    case 'ListOpenIDConnectProviders':
      return listOidcProviders(ctx);
    case 'ListUsers':
      return listUsers(params, ctx);
    case 'ListRoles':
      return listRoles(params, ctx);
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2010-05-08`);
  }
}
