// Search filter / order_by / page token handling, written from MLflow's search grammar:
// `<identifier> <comparator> <value> [AND ...]`, identifiers optionally prefixed by an entity type
// (`tags.x`, `attributes.run_id`) and quoted with backticks or double quotes, string values in
// single or double quotes, `IN ('a', 'b')` lists. OR is not part of MLflow's grammar.

export class MlflowApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

export const invalidParameter = (message: string): MlflowApiError =>
  new MlflowApiError(400, 'INVALID_PARAMETER_VALUE', message);

export type Comparator = '=' | '!=' | '<' | '<=' | '>' | '>=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

export interface FilterClause {
  /** Entity prefix as written (`tags`, `attributes`, `metrics` …), undefined when unprefixed. */
  entity: string | undefined;
  key: string;
  comparator: Comparator;
  /** A string, a number, or a list of strings for IN / NOT IN. */
  value: string | number | string[];
}

type Token =
  | { t: 'ident'; v: string; entity: string | undefined; key: string }
  | { t: 'string'; v: string }
  | { t: 'number'; v: number }
  | { t: 'op'; v: string }
  | { t: 'punct'; v: '(' | ')' | ',' };

const IDENT_CHAR = /[A-Za-z0-9_.\-:/]/;

function tokenize(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const bad = (): never => {
    throw invalidParameter(`Invalid filter '${input}'. Could not be parsed.`);
  };
  const readQuoted = (q: string): string => {
    let s = '';
    i++; // opening quote
    while (i < input.length && input[i] !== q) {
      if (input[i] === '\\' && i + 1 < input.length) i++;
      s += input[i];
      i++;
    }
    if (i >= input.length) bad();
    i++; // closing quote
    return s;
  };
  while (i < input.length) {
    const c = input[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      out.push({ t: 'punct', v: c });
      i++;
      continue;
    }
    if (c === '!' || c === '<' || c === '>' || c === '=') {
      const two = input.slice(i, i + 2);
      if (two === '!=' || two === '<=' || two === '>=' || two === '==') {
        out.push({ t: 'op', v: two === '==' ? '=' : two });
        i += 2;
      } else if (c === '!') {
        bad();
      } else {
        out.push({ t: 'op', v: c });
        i++;
      }
      continue;
    }
    if (c === "'") {
      out.push({ t: 'string', v: readQuoted("'") });
      continue;
    }
    const prev = out[out.length - 1];
    const valuePosition = prev !== undefined && (prev.t === 'op' || prev.t === 'punct');
    if (c === '"' && valuePosition) {
      out.push({ t: 'string', v: readQuoted('"') });
      continue;
    }
    if (/[0-9]/.test(c) || ((c === '-' || c === '+' || c === '.') && valuePosition)) {
      const m = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(input.slice(i));
      if (m && valuePosition) {
        out.push({ t: 'number', v: Number(m[0]) });
        i += m[0].length;
        continue;
      }
    }
    if (IDENT_CHAR.test(c) || c === '`' || c === '"') {
      // identifier: word characters, dots and quoted segments, e.g. tags.`mlflow.data.context`
      let raw = '';
      const parts: string[] = [];
      let cur = '';
      let quotedAny = false;
      while (i < input.length) {
        const d = input[i]!;
        if (d === '`' || d === '"') {
          const q = readQuoted(d);
          raw += d + q + d;
          cur += q;
          quotedAny = true;
          continue;
        }
        if (d === '.' && parts.length === 0 && !quotedAny) {
          parts.push(cur);
          cur = '';
          raw += d;
          i++;
          continue;
        }
        if (!IDENT_CHAR.test(d)) break;
        raw += d;
        cur += d;
        i++;
      }
      parts.push(cur);
      const upper = raw.toUpperCase();
      if (upper === 'AND' || upper === 'OR' || upper === 'IN' || upper === 'NOT' || upper === 'LIKE' || upper === 'ILIKE' || upper === 'IS') {
        out.push({ t: 'op', v: upper });
      } else if (parts.length === 2) {
        out.push({ t: 'ident', v: raw, entity: parts[0], key: parts[1]! });
      } else {
        out.push({ t: 'ident', v: raw, entity: undefined, key: parts[0]! });
      }
      continue;
    }
    bad();
  }
  return out;
}

/** Parse an MLflow filter string into AND-ed clauses. Empty / undefined → no clauses. */
export function parseFilter(input: string | undefined): FilterClause[] {
  if (input === undefined || input.trim() === '') return [];
  const toks = tokenize(input);
  const bad = (): never => {
    throw invalidParameter(`Invalid filter '${input}'. Could not be parsed.`);
  };
  const clauses: FilterClause[] = [];
  let i = 0;
  for (;;) {
    const id = toks[i++];
    if (!id || id.t !== 'ident') bad();
    const ident = id as Extract<Token, { t: 'ident' }>;
    const op = toks[i++];
    if (!op || op.t !== 'op') bad();
    let comparator: Comparator;
    const opv = (op as Extract<Token, { t: 'op' }>).v;
    if (opv === 'NOT') {
      const nxt = toks[i++];
      if (!nxt || nxt.t !== 'op' || nxt.v !== 'IN') bad();
      comparator = 'NOT IN';
    } else if (['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IN'].includes(opv)) {
      comparator = opv as Comparator;
    } else {
      if (opv === 'OR') throw invalidParameter(`Invalid clause(s) in filter string: '${input}'. 'OR' is not supported.`);
      return bad();
    }
    let value: string | number | string[];
    if (comparator === 'IN' || comparator === 'NOT IN') {
      const open = toks[i++];
      if (!open || open.t !== 'punct' || open.v !== '(') bad();
      const list: string[] = [];
      for (;;) {
        const v = toks[i++];
        if (!v || v.t !== 'string') bad();
        list.push((v as { v: string }).v);
        const sep = toks[i++];
        if (sep && sep.t === 'punct' && sep.v === ',') continue;
        if (sep && sep.t === 'punct' && sep.v === ')') break;
        bad();
      }
      value = list;
    } else {
      const v = toks[i++];
      if (!v || (v.t !== 'string' && v.t !== 'number')) bad();
      value = (v as { v: string | number }).v;
    }
    clauses.push({ entity: ident.entity, key: ident.key, comparator, value });
    const next = toks[i];
    if (next === undefined) break;
    if (next.t === 'op' && next.v === 'AND') {
      i++;
      continue;
    }
    if (next.t === 'op' && next.v === 'OR') {
      throw invalidParameter(`Invalid clause(s) in filter string: '${input}'. 'OR' is not supported.`);
    }
    bad();
  }
  return clauses;
}

const likeCache = new Map<string, RegExp>();
/** SQL LIKE: % any run, _ one character. LIKE is case-sensitive (MLflow sets it so on SQLite), ILIKE not. */
export function likeMatch(value: string, pattern: string, caseInsensitive: boolean): boolean {
  const cacheKey = (caseInsensitive ? 'i:' : 's:') + pattern;
  let re = likeCache.get(cacheKey);
  if (!re) {
    let src = '';
    for (const ch of pattern) {
      if (ch === '%') src += '[\\s\\S]*';
      else if (ch === '_') src += '[\\s\\S]';
      else src += ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    }
    re = new RegExp(`^${src}$`, caseInsensitive ? 'i' : '');
    if (likeCache.size > 1000) likeCache.clear();
    likeCache.set(cacheKey, re);
  }
  return re.test(value);
}

const listSets = new WeakMap<FilterClause, Set<string>>();
function listSet(c: FilterClause): Set<string> {
  let set = listSets.get(c);
  if (!set) {
    set = new Set(c.value as string[]);
    listSets.set(c, set);
  }
  return set;
}

/** Compare a string field. Numbers given for a string field compare as their text. */
export function compareString(actual: string | undefined, c: FilterClause): boolean {
  if (actual === undefined) return c.comparator === '!=' || c.comparator === 'NOT IN';
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return actual === String(v);
    case '!=':
      return actual !== String(v);
    case 'LIKE':
      return likeMatch(actual, String(v), false);
    case 'ILIKE':
      return likeMatch(actual, String(v), true);
    case 'IN':
      return listSet(c).has(actual);
    case 'NOT IN':
      return !listSet(c).has(actual);
    default:
      throw invalidParameter(`Invalid comparator '${c.comparator}' for a string value`);
  }
}

export function compareNumber(actual: number | undefined, c: FilterClause): boolean {
  if (actual === undefined) return false;
  const v = typeof c.value === 'number' ? c.value : Number(c.value);
  if (Array.isArray(c.value) || Number.isNaN(v)) {
    throw invalidParameter(`Expected a numeric value for '${c.key}', found ${JSON.stringify(c.value)}`);
  }
  switch (c.comparator) {
    case '=':
      return actual === v;
    case '!=':
      return actual !== v;
    case '<':
      return actual < v;
    case '<=':
      return actual <= v;
    case '>':
      return actual > v;
    case '>=':
      return actual >= v;
    default:
      throw invalidParameter(`Invalid comparator '${c.comparator}' for a numeric value`);
  }
}

export interface OrderBy {
  entity: string | undefined;
  key: string;
  ascending: boolean;
}

export function parseOrderBy(clause: string): OrderBy {
  const m = /^\s*(.+?)(?:\s+(ASC|DESC))?\s*$/i.exec(clause);
  if (!m || !m[1]) throw invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  const ident = m[1].trim();
  if (/\s/.test(ident.replace(/`[^`]*`/g, ''))) {
    throw invalidParameter(`Invalid order_by clause '${clause}'. Could not be parsed.`);
  }
  const dot = ident.indexOf('.');
  const strip = (s: string): string => s.replace(/^[`"](.*)[`"]$/, '$1');
  const entity = dot >= 0 && !ident.startsWith('`') ? ident.slice(0, dot) : undefined;
  const key = strip(entity !== undefined ? ident.slice(dot + 1) : ident);
  return { entity, key, ascending: (m[2] ?? 'ASC').toUpperCase() === 'ASC' };
}

// ---- page tokens: base64(json.dumps({"offset": N})), exactly as MLflow writes them ----

export function createPageToken(offset: number): string {
  return Buffer.from(`{"offset": ${offset}}`, 'utf8').toString('base64');
}

export function parsePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(token) || token.length % 4 !== 0) {
    throw invalidParameter('Invalid page token, could not base64-decode');
  }
  const decoded = Buffer.from(token, 'base64').toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(decoded);
  } catch {
    throw invalidParameter(`Invalid page token, decoded value=b'${decoded}'`);
  }
  const offset = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>)['offset'] : undefined;
  if (!offset) throw invalidParameter(`Invalid page token, parsed value=${decoded}`);
  const n = Number(offset);
  if (!Number.isInteger(n) || n < 0) throw invalidParameter(`Invalid page token, not stringable ${String(offset)}`);
  return n;
}

// ---- request parameter validation, with MLflow's handler messages ----

export function missingParameter(name: string): MlflowApiError {
  return invalidParameter(
    `Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`,
  );
}

export function badParameterValue(name: string, value: unknown): MlflowApiError {
  const pyType = typeof value === 'string' ? 'str' : typeof value === 'number' ? (Number.isInteger(value) ? 'int' : 'float') : typeof value === 'boolean' ? 'bool' : 'NoneType';
  const shown = typeof value === 'string' ? value : JSON.stringify(value);
  return invalidParameter(
    `Invalid value ${shown} for parameter '${name}' supplied. Hint: Value was of type '${pyType}'. See the API docs for more information about request parameters.`,
  );
}

/** max_results as MLflow's handlers check it: int-like and at most `max`; absent → default. */
export function readMaxResults(raw: unknown, def: number, max: number): number {
  if (raw === undefined || raw === null || raw === '') return def;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^[+-]?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n > max) throw badParameterValue('max_results', raw);
  if (n < 1) {
    throw invalidParameter(`Invalid value for max_results. It must be a positive integer, but got ${n}`);
  }
  return n;
}
