// Wire helpers: gRPC status errors, google.protobuf.Timestamp / Struct / Value encoding, and
// opaque page tokens.
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import type { JsonValue } from './types.js';

/** An error the sandbox answers with: a gRPC status code and the details string. */
export class VertexStatusError extends Error {
  constructor(
    readonly code: status,
    message: string,
  ) {
    super(message);
    this.name = 'VertexStatusError';
  }
}

export const invalidArgument = (m: string) => new VertexStatusError(status.INVALID_ARGUMENT, m);
export const notFound = (m: string) => new VertexStatusError(status.NOT_FOUND, m);
export const permissionDenied = (m: string) => new VertexStatusError(status.PERMISSION_DENIED, m);
export const failedPrecondition = (m: string) => new VertexStatusError(status.FAILED_PRECONDITION, m);

export interface WireTimestamp {
  seconds: string;
  nanos: number;
}

/** RFC 3339 → google.protobuf.Timestamp ({seconds: int64 as string, nanos}). */
export function timestamp(iso: string | undefined): WireTimestamp | undefined {
  if (!iso) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new Error(`vertex sandbox: not an RFC 3339 time: ${iso}`);
  const seconds = Math.floor(ms / 1000);
  return { seconds: String(seconds), nanos: (ms - seconds * 1000) * 1_000_000 };
}

export const isoNow = (ms: number) => new Date(ms).toISOString();

export type WireValue =
  | { nullValue: 'NULL_VALUE' }
  | { numberValue: number }
  | { stringValue: string }
  | { boolValue: boolean }
  | { structValue: WireStruct }
  | { listValue: { values: WireValue[] } };
export interface WireStruct {
  fields: Record<string, WireValue>;
}

/** JSON → google.protobuf.Value. */
export function toValue(v: JsonValue): WireValue {
  if (v === null) return { nullValue: 'NULL_VALUE' };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: { values: v.map(toValue) } };
  return { structValue: toStruct(v) };
}

/** JSON object → google.protobuf.Struct. */
export function toStruct(o: Record<string, JsonValue>): WireStruct {
  const fields: Record<string, WireValue> = {};
  for (const [k, v] of Object.entries(o)) fields[k] = toValue(v);
  return { fields };
}

// ---- page tokens ---------------------------------------------------------------------------

/**
 * Opaque page tokens: the offset plus a fingerprint of the query (method, parent, filter,
 * ordering). A token used with a different query is INVALID_ARGUMENT, as on the real service.
 */
export function makePageToken(query: string, offset: number): string {
  const h = createHash('sha256').update(query).digest('hex').slice(0, 12);
  return Buffer.from(JSON.stringify({ q: h, o: offset }), 'utf8').toString('base64url');
}

export function readPageToken(query: string, token: string | undefined): number {
  if (!token) return 0;
  const h = createHash('sha256').update(query).digest('hex').slice(0, 12);
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { q?: unknown; o?: unknown };
    if (parsed.q === h && typeof parsed.o === 'number' && Number.isInteger(parsed.o) && parsed.o >= 0) return parsed.o;
  } catch {
    // fall through
  }
  throw invalidArgument('Invalid page token: it does not belong to this request (the filter, parent or order may have changed).');
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;

/** One page of `items`, with the next token ('' on the last page, like the real service). */
export function paginate<T>(items: T[], query: string, pageSize: number | undefined, pageToken: string | undefined): { page: T[]; nextPageToken: string } {
  if (pageSize !== undefined && pageSize < 0) throw invalidArgument('page_size must not be negative.');
  const size = Math.min(pageSize && pageSize > 0 ? pageSize : DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  const offset = readPageToken(query, pageToken);
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? makePageToken(query, offset + size) : '';
  return { page, nextPageToken: next };
}
