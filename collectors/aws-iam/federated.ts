// Judging a trust policy's Federated principals (sts:AssumeRoleWithWebIdentity / AssumeRoleWithSAML):
// who outside AWS can assume the role, and whether the statement's conditions pin that down.
// AWS: "Configuring a role for GitHub OIDC identity provider" (a `sub` condition is required: without it
// any repository on GitHub can assume the role); "IAM and AWS STS condition context keys" (`<provider>:sub`,
// `:aud`, `cognito-identity.amazonaws.com:amr`); Cognito "Role trust and permissions" (`amr` =
// `unauthenticated` admits guest identities, no `aud` admits every identity pool of every account).
import { asList } from './policy.js';

export interface FederatedJudgement {
  /** `GitHub OIDC (token.actions.githubusercontent.com)`, `Cognito identity pool`, `SAML provider okta`… */
  provider: string;
  /** why it is open to more identities than one subject, or null when the conditions pin it */
  risk: string | null;
  /** the conditions found, as `operator key=values`, or `no condition` */
  conditions: string;
}

type Conditions = Record<string, Record<string, unknown>>;

/** Operators whose values restrict what the key may be (negated and Null operators do not pin a value). */
const PINNING = /^(ForAnyValue:|ForAllValues:)?String(Equals|Like)(IgnoreCase)?(IfExists)?$/;

/** The values a key is restricted to by the statement's conditions, or null when none restricts it. */
function pinnedValues(cond: Conditions | undefined, key: string): string[] | null {
  let out: string[] | null = null;
  for (const [op, entries] of Object.entries(cond ?? {})) {
    if (!PINNING.test(op) || !entries || typeof entries !== 'object') continue;
    for (const [k, v] of Object.entries(entries)) if (k.toLowerCase() === key.toLowerCase()) out = [...(out ?? []), ...asList(v)];
  }
  return out;
}

function describeConditions(cond: Conditions | undefined): string {
  const parts: string[] = [];
  for (const [op, entries] of Object.entries(cond ?? {})) for (const [k, v] of Object.entries(entries ?? {})) parts.push(`${op} ${k}=${asList(v).join('|')}`);
  return parts.length ? parts.join('; ') : 'no condition';
}

const WILD = /[*?]/;

/** Subject formats of the common CI/CD issuers: the part before the first wildcard must name an owner. */
const ISSUERS: { host: RegExp; name: string; pins: RegExp }[] = [
  { host: /^token\.actions\.githubusercontent\.com/, name: 'GitHub Actions OIDC', pins: /^repo:[^*?/:]+\/[^:]*:/ },
  { host: /^gitlab\.|gitlab/, name: 'GitLab OIDC', pins: /^project_path:[^*?/:]+\/[^:]*:/ },
  { host: /^app\.terraform\.io/, name: 'Terraform Cloud OIDC', pins: /^organization:[^*?:]+:/ },
];

/** A subject value that names one subject, or at least one owner (organisation, group) of subjects. */
function pinsSubject(value: string, issuer: (typeof ISSUERS)[number] | undefined): boolean {
  if (!WILD.test(value)) return value.length > 0;
  if (issuer) return issuer.pins.test(value);
  return !WILD.test(value[0] ?? '*') && value.replace(/[*?]/g, '').length >= 3;
}

function judgeOidc(host: string, cond: Conditions | undefined): FederatedJudgement {
  const issuer = ISSUERS.find((i) => i.host.test(host));
  const provider = `${issuer?.name ?? 'OIDC provider'} (${host})`;
  const conditions = describeConditions(cond);
  const subs = pinnedValues(cond, `${host}:sub`);
  if (!subs) return { provider, risk: `no ${host}:sub condition: any identity the issuer signs a token for (any repository, project or workspace) can assume the role`, conditions };
  const open = subs.filter((v) => !pinsSubject(v, issuer));
  if (open.length) return { provider, risk: `${host}:sub allows ${open.map((v) => JSON.stringify(v)).join(', ')}, which does not pin an owner or subject`, conditions };
  return { provider, risk: null, conditions };
}

function judgeCognito(cond: Conditions | undefined): FederatedJudgement {
  const provider = 'Cognito identity pool (cognito-identity.amazonaws.com)';
  const conditions = describeConditions(cond);
  const aud = pinnedValues(cond, 'cognito-identity.amazonaws.com:aud');
  if (!aud || aud.some((v) => WILD.test(v))) return { provider, risk: 'no cognito-identity.amazonaws.com:aud condition naming the pool: identities of any identity pool, in any account, can assume the role', conditions };
  const amr = pinnedValues(cond, 'cognito-identity.amazonaws.com:amr');
  if (amr?.some((v) => /unauthenticated/i.test(v) || v === '*')) return { provider, risk: `unauthenticated (guest) identities of ${aud.join(', ')} can assume the role (amr ${amr.join('|')})`, conditions };
  if (!amr) return { provider, risk: `no cognito-identity.amazonaws.com:amr condition: guest identities of ${aud.join(', ')} are admitted if the pool allows unauthenticated access`, conditions };
  return { provider, risk: null, conditions };
}

/** Public identity providers (web identity federation): any of their users unless the app is pinned. */
const PUBLIC_IDPS: Record<string, string> = { 'accounts.google.com': 'accounts.google.com:aud', 'graph.facebook.com': 'graph.facebook.com:app_id', 'www.amazon.com': 'www.amazon.com:app_id' };

/** Judges one Federated principal of an Allow statement, with that statement's conditions. */
export function judgeFederated(value: string, cond: Conditions | undefined): FederatedJudgement {
  const saml = /:saml-provider\/(.+)$/.exec(value);
  if (saml) return { provider: `SAML provider ${saml[1]}`, risk: null, conditions: describeConditions(cond) };
  const oidc = /:oidc-provider\/(.+)$/.exec(value);
  if (oidc) return judgeOidc(oidc[1]!, cond);
  if (value === 'cognito-identity.amazonaws.com') return judgeCognito(cond);
  const key = PUBLIC_IDPS[value];
  if (key) {
    const pinned = pinnedValues(cond, key);
    return { provider: value, risk: pinned && !pinned.some((v) => WILD.test(v)) ? null : `no ${key} condition: any ${value} account can assume the role`, conditions: describeConditions(cond) };
  }
  return { provider: value, risk: `unrecognised federated principal ${value}: its conditions cannot be judged`, conditions: describeConditions(cond) };
}
