// IAM policy documents: decoding (AWS URL-encodes them; moto sends trust policies raw) and the
// small amount of statement logic the checks need.

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  NotPrincipal?: unknown;
  Condition?: Record<string, unknown>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Statement[];
}

/** AWS returns documents URL-encoded (RFC 3986); some emulators send raw JSON. Never form-decode ('+' is not a space). */
export function decodePolicyDocument(doc: string | undefined | null): PolicyDocument | null {
  if (doc === undefined || doc === null || doc === '') return null;
  let parsed: any;
  try {
    parsed = JSON.parse(doc);
  } catch {
    parsed = JSON.parse(decodeURIComponent(doc));
  }
  const st = parsed?.Statement;
  return { ...parsed, Statement: Array.isArray(st) ? st : st ? [st] : [] };
}

export const asList = (v: unknown): string[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v.map(String) : [String(v)]);

/** A statement that allows every action on every resource. */
export function isAdminStatement(s: Statement): boolean {
  return s.Effect === 'Allow' && !s.NotAction && !s.NotResource && asList(s.Action).some((a) => a === '*' || a === '*:*') && asList(s.Resource).includes('*');
}

export function grantsAdmin(doc: PolicyDocument | null): boolean {
  return !!doc && doc.Statement.some(isAdminStatement);
}

export interface TrustPrincipal {
  kind: 'aws-account' | 'aws-wildcard' | 'service' | 'federated';
  value: string;
  account?: string;
  conditional: boolean;
  /** Federated only: the statement's conditions, judged by federated.ts */
  condition?: Record<string, Record<string, unknown>>;
}

/** Principals a trust policy admits through its Allow statements. */
export function trustPrincipals(doc: PolicyDocument | null): TrustPrincipal[] {
  const out: TrustPrincipal[] = [];
  for (const s of doc?.Statement ?? []) {
    if (s.Effect !== 'Allow') continue;
    const conditional = !!s.Condition && Object.keys(s.Condition).length > 0;
    const p = s.Principal as any;
    if (p === '*') {
      out.push({ kind: 'aws-wildcard', value: '*', conditional });
      continue;
    }
    if (!p || typeof p !== 'object') continue;
    for (const v of asList(p.AWS)) {
      if (v === '*') out.push({ kind: 'aws-wildcard', value: '*', conditional });
      else {
        const account = /^\d{12}$/.test(v) ? v : /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(v)?.[1];
        out.push({ kind: 'aws-account', value: v, ...(account ? { account } : {}), conditional });
      }
    }
    for (const v of asList(p.Service)) out.push({ kind: 'service', value: v, conditional });
    for (const v of asList(p.Federated)) out.push({ kind: 'federated', value: v, conditional, ...(s.Condition ? { condition: s.Condition as Record<string, Record<string, unknown>> } : {}) });
  }
  return out;
}
