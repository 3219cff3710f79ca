// Wire helpers of the AWS sandbox: XML building (awsQuery), RFC 3986 encoding of policy documents,
// AWS-style identifiers, dates and opaque paging tokens. Node built-ins only.

import { createHash, randomUUID } from 'node:crypto';
import type { PolicyDocument } from './seed.js';

/** An AWS service error; the protocol layer renders it as XML (awsQuery) or JSON (awsJson1.1). */
export class AwsError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly type: 'Sender' | 'Receiver' = status >= 500 ? 'Receiver' : 'Sender',
  ) {
    super(message);
    this.name = code;
  }
}

export function xmlEscape(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;',
  );
}

/** `<name>value</name>`, or nothing when the value is undefined/null. */
export function x(name: string, value: string | number | boolean | undefined | null): string {
  if (value === undefined || value === null) return '';
  return `<${name}>${xmlEscape(String(value))}</${name}>`;
}

/** `<name>inner</name>` with already-built XML inside. */
export function xs(name: string, inner: string): string {
  return `<${name}>${inner}</${name}>`;
}

/** An awsQuery list: `<name><member>…</member>…</name>` (empty element when no items, as AWS sends it). */
export function xlist<T>(name: string, items: readonly T[], member: (item: T) => string): string {
  if (items.length === 0) return `<${name}/>`;
  let out = `<${name}>`;
  for (const item of items) out += `<member>${member(item)}</member>`;
  return out + `</${name}>`;
}

/** An awsQuery map: `<name><entry><key>k</key><value>v</value></entry>…</name>`. */
export function xmap(name: string, entries: ReadonlyArray<[string, string | number]>): string {
  let out = `<${name}>`;
  for (const [k, v] of entries) out += `<entry>${x('key', k)}${x('value', v)}</entry>`;
  return out + `</${name}>`;
}

/** The awsQuery success envelope. */
export function queryEnvelope(action: string, xmlns: string, result: string, requestId: string): string {
  return (
    `<${action}Response xmlns="${xmlns}">` +
    `<${action}Result>${result}</${action}Result>` +
    `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>` +
    `</${action}Response>\n`
  );
}

export function queryErrorEnvelope(err: AwsError, requestId: string, xmlns: string): string {
  return (
    `<ErrorResponse xmlns="${xmlns}">` +
    `<Error><Type>${err.type}</Type>${x('Code', err.code)}${x('Message', err.message)}</Error>` +
    `<RequestId>${requestId}</RequestId></ErrorResponse>\n`
  );
}

/** RFC 3986 percent-encoding (encodeURIComponent plus `!'()*`), as IAM sends policy documents. */
export function rfc3986(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

export function documentText(doc: PolicyDocument): string {
  return typeof doc === 'string' ? doc : JSON.stringify(doc);
}

/** A policy document as IAM puts it on the wire: JSON text, URL-encoded. */
export function encodedDocument(doc: PolicyDocument): string {
  return rfc3986(documentText(doc));
}

const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

const idCache = new Map<string, string>();

/** Deterministic AWS-looking id: prefix + base32 of a hash, e.g. `AIDA` + 17 chars (memoised). */
export function awsId(prefix: string, key: string, length = 17): string {
  const cacheKey = `${prefix}|${length}|${key}`;
  const cached = idCache.get(cacheKey);
  if (cached !== undefined) return cached;
  const h = createHash('sha256').update(key).digest();
  let out = prefix;
  for (let i = 0; out.length < prefix.length + length; i++) out += ID_ALPHABET[h[i % h.length]! % 32];
  if (idCache.size > 500_000) idCache.clear();
  idCache.set(cacheKey, out);
  return out;
}

const SUFFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
/** The six random characters Secrets Manager appends to a secret ARN. */
export function arnSuffix(key: string): string {
  const h = createHash('sha256').update(key).digest();
  let out = '';
  for (let i = 0; i < 6; i++) out += SUFFIX_ALPHABET[h[i]! % SUFFIX_ALPHABET.length];
  return out;
}

export function requestId(): string {
  return randomUUID();
}

/** XML date-time as IAM sends it: `2024-05-06T07:08:09Z`. */
export function isoSeconds(d: string | Date): string {
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** JSON date as Secrets Manager / Organizations send it: epoch seconds (possibly fractional). */
export function epochSeconds(d: string | Date): number {
  const date = typeof d === 'string' ? new Date(d) : d;
  return date.getTime() / 1000;
}

/** Opaque paging token carrying an offset and the query it belongs to. */
export function encodeToken(offset: number, scope: string): string {
  return Buffer.from(JSON.stringify({ o: offset, s: scope, v: 1 }), 'utf8').toString('base64');
}

/** Returns the offset, or undefined when the token is not one of ours or belongs to another query. */
export function decodeToken(token: string, scope: string): number | undefined {
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { o?: unknown; s?: unknown };
    if (typeof parsed.o !== 'number' || !Number.isInteger(parsed.o) || parsed.o < 0) return undefined;
    if (parsed.s !== scope) return undefined;
    return parsed.o;
  } catch {
    return undefined;
  }
}

export function policyNameFromArn(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

export function normalisePath(path: string | undefined): string {
  if (!path) return '/';
  let p = path.startsWith('/') ? path : `/${path}`;
  if (!p.endsWith('/')) p += '/';
  return p;
}
