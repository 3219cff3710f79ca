// Reads a resource policy (a secret's, a bucket's, a KMS key's) for grants that reach outside the account: Allow statements
// whose principal is `*`, another account (12-digit id or an IAM/STS ARN of another account), a
// principal id AWS could not resolve to an account, or any Allow with NotPrincipal.

export interface ExternalGrant {
  sid: string | null;
  /** the principal as written */
  principal: string;
  kind: 'wildcard' | 'account' | 'unresolved' | 'not-principal';
  account: string | null;
  actions: string[];
  /** condition keys narrowing the grant (e.g. aws:PrincipalOrgID); empty = unconditional */
  conditions: string[];
}

type Statement = {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: unknown;
};

export const list = (v: unknown): unknown[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v : [v]);
const strings = (v: unknown): string[] => list(v).filter((x): x is string => typeof x === 'string');

/** The account id a principal string belongs to, or null when it names no account. */
export function principalAccount(p: string): string | null {
  if (/^\d{12}$/.test(p)) return p;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p);
  return m ? m[1]! : null;
}

function conditionKeys(c: unknown): string[] {
  if (!c || typeof c !== 'object') return [];
  const keys: string[] = [];
  for (const block of Object.values(c as Record<string, unknown>)) if (block && typeof block === 'object') keys.push(...Object.keys(block as object));
  return [...new Set(keys)].sort();
}

/** AWS principals of a statement (`"*"`, `{AWS: ...}`); service/federated/canonical principals are not accounts. */
function awsPrincipals(p: unknown): string[] {
  if (p === '*') return ['*'];
  if (p && typeof p === 'object') return strings((p as Record<string, unknown>).AWS);
  return [];
}

export function externalGrants(doc: unknown, ownAccount: string | undefined): ExternalGrant[] {
  if (!doc || typeof doc !== 'object') return [];
  const out: ExternalGrant[] = [];
  for (const raw of list((doc as { Statement?: unknown }).Statement)) {
    if (!raw || typeof raw !== 'object') continue;
    const s = raw as Statement;
    if (s.Effect !== 'Allow') continue;
    const base = {
      sid: typeof s.Sid === 'string' ? s.Sid : null,
      actions: s.Action !== undefined ? strings(s.Action) : strings(s.NotAction).map((a) => `NotAction ${a}`),
      conditions: conditionKeys(s.Condition),
    };
    if (s.NotPrincipal !== undefined) {
      out.push({ ...base, principal: `NotPrincipal ${JSON.stringify(s.NotPrincipal)}`, kind: 'not-principal', account: null });
      continue;
    }
    for (const p of awsPrincipals(s.Principal)) {
      if (p === '*') {
        out.push({ ...base, principal: p, kind: 'wildcard', account: null });
        continue;
      }
      const account = principalAccount(p);
      if (account === null) out.push({ ...base, principal: p, kind: 'unresolved', account: null });
      else if (account !== ownAccount) out.push({ ...base, principal: p, kind: 'account', account });
    }
  }
  return out;
}

export function describeGrant(g: ExternalGrant): string {
  const who =
    g.kind === 'wildcard'
      ? 'any principal (*)'
      : g.kind === 'account'
        ? `account ${g.account} (${g.principal})`
        : g.kind === 'unresolved'
          ? `principal ${g.principal} (no account in the id: a deleted principal or an unresolved unique id)`
          : `everyone except ${g.principal.replace(/^NotPrincipal /, '')} (Allow with NotPrincipal)`;
  const what = g.actions.length ? g.actions.join(', ') : 'no action listed';
  const cond = g.conditions.length ? `, conditional on ${g.conditions.join(', ')}` : '';
  return `${g.sid ? `statement ${g.sid}: ` : ''}${who} allowed ${what}${cond}`;
}
