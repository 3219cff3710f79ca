// A small subset of the AIP-160 filters and order_by strings the Vertex list methods accept:
//   field = "value" | field != "value" | labels.key = "value" | labels.key:* | labels:key
// joined with AND. Field names may be snake_case or camelCase. Anything else is INVALID_ARGUMENT,
// so a collector relying on an unsupported filter fails loudly instead of getting a wrong list.
import { invalidArgument } from './wire.js';

export interface FilterSubject {
  /** normalised field name (lowercase, no underscores) → value */
  fields: Record<string, string>;
  labels: Record<string, string>;
}

export type Predicate = (s: FilterSubject) => boolean;

const norm = (f: string) => f.replace(/_/g, '').toLowerCase();

/** Splits on top-level ` AND ` (outside quotes). */
function splitAnd(filter: string): string[] {
  const parts: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < filter.length; i++) {
    const c = filter[i]!;
    if (c === '"') quoted = !quoted;
    if (!quoted && filter.startsWith(' AND ', i)) {
      parts.push(cur);
      cur = '';
      i += 4;
      continue;
    }
    cur += c;
  }
  if (quoted) throw invalidArgument(`Unbalanced quotes in filter: ${filter}`);
  parts.push(cur);
  return parts.map((p) => p.trim());
}

const unquote = (v: string) => (v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1) : v);

/** Compiles a filter; `allowed` lists the (normalised) plain fields the method supports. */
export function compileFilter(filter: string | undefined, allowed: string[]): Predicate {
  if (!filter || !filter.trim()) return () => true;
  if (/\bOR\b|\bNOT\b|[()]/.test(filter.replace(/"[^"]*"/g, '""'))) {
    throw invalidArgument(`Unsupported filter (the sandbox supports AND-joined comparisons only): ${filter}`);
  }
  const preds = splitAnd(filter).map((clause): Predicate => {
    let m = /^labels:\s*("[^"]*"|[\w.-]+)$/.exec(clause);
    if (m) {
      const key = unquote(m[1]!);
      return (s) => key in s.labels;
    }
    m = /^labels\.("[^"]*"|[\w-]+)\s*:\s*\*$/.exec(clause);
    if (m) {
      const key = unquote(m[1]!);
      return (s) => key in s.labels;
    }
    m = /^labels\.("[^"]*"|[\w-]+)\s*(!=|=)\s*("[^"]*"|[^\s"]+)$/.exec(clause);
    if (m) {
      const key = unquote(m[1]!);
      const value = unquote(m[3]!);
      const eq = m[2] === '=';
      return (s) => (s.labels[key] === value) === eq;
    }
    m = /^([A-Za-z_][\w]*)\s*(!=|=)\s*("[^"]*"|[^\s"]+)$/.exec(clause);
    if (m) {
      const field = norm(m[1]!);
      if (!allowed.includes(field)) throw invalidArgument(`Unsupported filter field "${m[1]}" in: ${filter}`);
      const value = unquote(m[3]!);
      const eq = m[2] === '=';
      return (s) => (s.fields[field] === value) === eq;
    }
    throw invalidArgument(`Unable to parse filter clause "${clause}" in: ${filter}`);
  });
  return (s) => preds.every((p) => p(s));
}

export type SortKey<T> = (t: T) => string | number;

/** Parses `a, b desc` against the supported keys and returns a comparator (stable sort callers). */
export function compileOrderBy<T>(orderBy: string | undefined, keys: Record<string, SortKey<T>>): ((a: T, b: T) => number) | undefined {
  if (!orderBy || !orderBy.trim()) return undefined;
  const parts = orderBy.split(',').map((p) => {
    const m = /^\s*([A-Za-z_]+)(?:\s+(asc|desc))?\s*$/i.exec(p);
    const key = m ? keys[norm(m[1]!)] : undefined;
    if (!m || !key) throw invalidArgument(`Unsupported order_by: ${orderBy}`);
    return { key, dir: m[2]?.toLowerCase() === 'desc' ? -1 : 1 };
  });
  return (a, b) => {
    for (const { key, dir } of parts) {
      const x = key(a);
      const y = key(b);
      if (x < y) return -dir;
      if (x > y) return dir;
    }
    return 0;
  };
}
