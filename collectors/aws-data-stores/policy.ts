// What a bucket policy says about transport and the public: a Deny of every principal when
// aws:SecureTransport is false (encryption in transit), and unconditional Allows to everyone.
import { list as asList } from '../_shared/resource-policy.js';

interface Statement {
  Sid?: unknown;
  Effect?: unknown;
  Principal?: unknown;
  Action?: unknown;
  Resource?: unknown;
  Condition?: unknown;
}

const statements = (doc: unknown): Statement[] => asList((doc as { Statement?: unknown } | null)?.Statement).filter((s): s is Statement => !!s && typeof s === 'object');
const strings = (v: unknown): string[] => asList(v).filter((x): x is string => typeof x === 'string');

/** an IAM wildcard pattern (* and ?) as a whole-string RegExp */
const glob = (p: string, flags = '') => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);

const everyone = (p: unknown) => p === '*' || (!!p && typeof p === 'object' && strings((p as { AWS?: unknown }).AWS).includes('*'));

/** the actions cover object reads and writes: s3:*, *, or both s3:GetObject and s3:PutObject (wildcards allowed) */
function coversObjectIo(actions: string[]): boolean {
  return ['s3:GetObject', 's3:PutObject'].every((w) => actions.some((a) => glob(a, 'i').test(w)));
}

/** the resources cover the bucket's objects: arn:aws:s3:::bucket/* or a wildcard over it */
function coversObjects(resources: string[], bucket: string): boolean {
  return resources.some((r) => glob(r).test(`arn:aws:s3:::${bucket}/key`));
}

/** `Bool: {aws:SecureTransport: false}` (any case of the key, "false" or false, alone or in a list) */
function deniesInsecure(cond: unknown): boolean {
  const block = (cond as Record<string, unknown> | null)?.Bool ?? (cond as Record<string, unknown> | null)?.BoolIfExists;
  if (!block || typeof block !== 'object') return false;
  return Object.entries(block as Record<string, unknown>).some(([k, v]) => k.toLowerCase() === 'aws:securetransport' && asList(v).some((x) => String(x).toLowerCase() === 'false'));
}

/** The Sid (or index) of a statement that denies every principal object access over plain HTTP, or null. */
export function secureTransportStatement(doc: unknown, bucket: string): string | null {
  const st = statements(doc);
  const i = st.findIndex((s) => s.Effect === 'Deny' && everyone(s.Principal) && coversObjectIo(strings(s.Action)) && coversObjects(strings(s.Resource), bucket) && deniesInsecure(s.Condition));
  return i < 0 ? null : typeof st[i]!.Sid === 'string' ? (st[i]!.Sid as string) : `#${i}`;
}

/** condition keys that pin the calling principal to an account (AWS managed keys use kms:CallerAccount with Principal "*") */
const ACCOUNT_KEYS = new Set(['kms:calleraccount', 'aws:principalaccount']);

/** An Allow whose StringEquals on the caller's account names only `accounts`: not a grant outside them. */
function pinnedTo(s: Statement, accounts: Set<string>): boolean {
  const block = (s.Condition as Record<string, unknown> | null)?.StringEquals;
  if (!block || typeof block !== 'object') return false;
  return Object.entries(block as Record<string, unknown>).some(([k, v]) => ACCOUNT_KEYS.has(k.toLowerCase()) && strings(v).length > 0 && strings(v).every((a) => accounts.has(a)));
}

/** The policy without the Allow statements pinned to `accounts` (for externalGrants). */
export function withoutPinned(doc: unknown, accounts: Set<string>): unknown {
  if (!doc || typeof doc !== 'object') return doc;
  return { ...(doc as object), Statement: statements(doc).filter((s) => !(s.Effect === 'Allow' && pinnedTo(s, accounts))) };
}
