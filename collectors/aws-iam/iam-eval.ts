// IAM request evaluation for "who can change ML assets": IAM wildcard patterns, ARN matching by
// segment, policy variables, conditions judged against the keys an action's request carries, and the
// decision "is some resource of the target allowed" computed exactly over the patterns (no sampling).
//
// AWS rules implemented (IAM User Guide):
// - ARNs match segment by segment (reference_policies_elements_resource): partition, service, region
//   and account are matched each on its own, so `*`/`?` there never match `:`; the resource part (the
//   sixth segment onwards) is matched as a whole. An ARN written with fewer than six segments has its
//   missing trailing segments read as `*`.
// - policy variables (reference_policies_variables) are replaced by the principal's value; one with no
//   value for this principal (`${aws:username}` for a role) makes that Resource entry match nothing; one
//   whose value comes with the request (`${aws:PrincipalTag/x}`) is read as a wildcard and makes the
//   statement depend on the request. In a `2008-10-17` policy variables are literal text.
// - a condition key the request of an action never carries is absent (reference_policies_condition-
//   single-vs-multi-valued / _elements_condition_operators): the operator is then false, except
//   `...IfExists`, `Null: true`, `ForAllValues:` and the negated operators (StringNotEquals, ArnNotLike,
//   ...), which are true. Keys the request may carry make the statement `conditional`.
import { asList, type PolicyDocument, type Statement } from './policy.js';

// ---- plain globs (action names, principal ARNs in settings) ----

/** Pattern tokens: a UTF-16 code unit (>= 0) or one of these. */
const STAR_SEG = -1; // `*` inside an ARN segment: any run of characters but `:`
const QMARK_SEG = -2; // `?` inside an ARN segment: one character but `:`
const NEVER = -3; // matches nothing (a policy variable without a value for the principal)
const STAR = -4; // `*`: any run of characters
const QMARK = -5; // `?`: exactly one character
const STAR_REGION = -6; // a region of a target: any run of `a-z`, `0-9`, `-`
const COLON = 58;
/** Characters no pattern spells: they stand for every character only wildcards accept, one that may be in a region name and one that may not. */
const OTHER = -100;
const OTHER_REGION = -101;
const regionChar = (c: number) => c === OTHER_REGION || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 45;
export type Pattern = Int32Array;

/**
 * Tokenizes a plain IAM wildcard pattern (action names, principal ARNs). `${*}`, `${?}`, `${$}` are the
 * literal escapes IAM defines; any other `${...}` is read as `*` ('star') or as matching nothing ('never').
 */
export function compilePattern(text: string, variables: 'star' | 'never' = 'star'): Pattern {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        const inner = text.slice(i + 2, end);
        if (inner === '*' || inner === '?' || inner === '$') out.push(inner.charCodeAt(0));
        else out.push(variables === 'star' ? STAR : NEVER);
        i = end;
        continue;
      }
    }
    if (c === '*') {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (c === '?') out.push(QMARK);
    else out.push(text.charCodeAt(i));
  }
  return Int32Array.from(out);
}

export const hasWildcard = (text: string) => /[*?]/.test(text);

/** True when the literal string `s` matches the plain glob `p` (greedy matching with one backtrack point). */
export function matches(p: Pattern, s: string): boolean {
  let i = 0;
  let j = 0;
  let star = -1;
  let mark = 0;
  while (j < s.length) {
    const t = i < p.length ? p[i]! : undefined;
    if (t === QMARK || (t !== undefined && t >= 0 && t === s.charCodeAt(j))) {
      i++;
      j++;
    } else if (t === STAR) {
      star = i++;
      mark = j;
    } else if (star >= 0) {
      i = star + 1;
      j = ++mark;
    } else return false;
  }
  while (i < p.length && p[i] === STAR) i++;
  return i === p.length;
}

// ---- resources ----

/** A principal's value for a policy variable: a string, `null` when it has none, `undefined` when it comes with the request. */
export type Resolver = (variable: string) => string | null | undefined;

export interface CompiledResource {
  tokens: Pattern;
  /** a variable whose value comes with the request was read as a wildcard */
  dependsOnRequest: boolean;
  /** an ARN written with fewer than six segments (padded with `*`) */
  short?: boolean;
}

/**
 * Expands variables into literal code units and wildcard markers (STAR / QMARK); null when the entry
 * can match nothing. A variable without a value for the principal is null in a Resource entry (`absent`
 * 'never') and a wildcard in a NotResource entry (`absent` 'star'): either way the entry never proves a
 * resource to be outside it.
 */
function expandVariables(text: string, resolve: Resolver | null, absent: 'never' | 'star'): { units: number[]; dependsOnRequest: boolean } | null {
  const units: number[] = [];
  let dependsOnRequest = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (resolve && c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        const inner = text.slice(i + 2, end);
        i = end;
        if (inner === '*' || inner === '?' || inner === '$') {
          units.push(inner.charCodeAt(0));
          continue;
        }
        const v = resolve(inner);
        if (v === null && absent === 'never') return null;
        if (v === null || v === undefined) {
          if (v === undefined) dependsOnRequest = true;
          units.push(STAR);
        } else for (let k = 0; k < v.length; k++) units.push(v.charCodeAt(k));
        continue;
      }
    }
    units.push(c === '*' ? STAR : c === '?' ? QMARK : text.charCodeAt(i));
  }
  return { units, dependsOnRequest };
}

const NOTHING: Pattern = Int32Array.of(NEVER);

const hasAbsentVariable = (text: string, resolve: Resolver) => [...text.matchAll(/\$\{([^}]*)\}/g)].some((m) => !['*', '?', '$'].includes(m[1]!) && resolve(m[1]!) === null);

/**
 * A NotResource entry whose variable has no value for the principal does not match, and does not prove
 * a resource outside it either, on every resource of its kind: the entry is widened to its ARN up to the
 * resource type (`arn:aws:sagemaker:*:111122223333:model-package/*`; an S3 entry to `arn:aws:s3:::*`),
 * so its statement applies to none of them.
 */
function productPrefix(text: string): string {
  const parts = text.split(':');
  if (parts.length < 6) return text;
  const head = parts.slice(0, 5);
  const rest = parts.slice(5).join(':');
  if (head[2] === 's3' && head[3] === '' && head[4] === '') return `${head.join(':')}:*`;
  const cut = rest.search(/[/:]/);
  const product = cut < 0 ? '' : rest.slice(0, cut + 1);
  return product.includes('${') ? text : `${head.join(':')}:${product}*`;
}

/**
 * Compiles one Resource/NotResource entry with ARN segment semantics: `*` alone is every resource; an
 * `arn:` entry has its wildcards confined to their segment in the first five segments; anything else
 * matches nothing. `resolve` is null for a `2008-10-17` policy (variables literal).
 */
export function compileResource(text: string, resolve: Resolver | null, notResource = false): CompiledResource {
  if (text === '*') return { tokens: Int32Array.of(STAR), dependsOnRequest: false };
  if (notResource && resolve && hasAbsentVariable(text, resolve)) text = productPrefix(text);
  const e = expandVariables(text, resolve, notResource ? 'star' : 'never');
  if (!e) return { tokens: NOTHING, dependsOnRequest: false };
  const u = e.units;
  if (!(u[0] === 97 && u[1] === 114 && u[2] === 110 && u[3] === COLON)) return { tokens: u.length === 1 && u[0] === STAR ? Int32Array.of(STAR) : NOTHING, dependsOnRequest: e.dependsOnRequest };
  const out: number[] = [];
  let segment = 0;
  for (const x of u) {
    if (x === COLON && segment < 5) segment++;
    if (x === STAR) {
      const t = segment < 5 ? STAR_SEG : STAR;
      if (out[out.length - 1] !== t) out.push(t);
    } else if (x === QMARK) out.push(segment < 5 ? QMARK_SEG : QMARK);
    else out.push(x);
  }
  // a short ARN: its missing trailing segments are `*`
  const short = segment < 5;
  for (; segment < 5; segment++) out.push(COLON, segment < 4 ? STAR_SEG : STAR);
  return { tokens: Int32Array.from(out), dependsOnRequest: e.dependsOnRequest, ...(short ? { short } : {}) };
}

/**
 * The target ARNs of a resource type: its ARN format with partition and account filled, the region any
 * region name (`a-z`, `0-9`, `-`: a pattern such as `us-east-1*model/*` in the region segment reaches no
 * real region), every other `${...}` a wildcard.
 */
export function resourceTypeTarget(format: string, partition: string, account: string): Pattern {
  const text = format.replace(/\$\{Partition\}/g, partition).replace(/\$\{Account\}/g, account).replace(/\$\{Region\}/g, '\u0000').replace(/\$\{[^}]*\}/g, '*');
  return Int32Array.from(compileResource(text, null).tokens, (t) => (t === 0 ? STAR_REGION : t));
}

// ---- exact existence over patterns ----

/** A constraint on the request's resource: it matches one of `patterns`, or (negated) none of them. */
export interface ResourceSet {
  patterns: Pattern[];
  negated: boolean;
}

const closeInto = (p: Pattern, pos: number, out: Set<number>, base: number) => {
  for (;;) {
    out.add(base + pos);
    const t = p[pos];
    if (t === STAR || t === STAR_SEG || t === STAR_REGION) pos++;
    else return;
  }
};

const STRIDE = 4096; // positions per pattern in a state code (patterns are far shorter)
/** Search budget: beyond it the answer is "yes" (a principal is listed, never hidden). */
const MAX_STATES = 20_000;

/**
 * True when some string satisfies every set (positive: matches one of its patterns; negated: matches
 * none). Breadth-first over the product of the sets' pattern automata, one subset per set; the
 * alphabet is the literal characters the active tokens name, `:` and one character no pattern spells,
 * which stands for all the others. Exact; a search over MAX_STATES states answers true.
 */
export function someResource(sets: ResourceSet[]): boolean {
  if (sets.some((s) => !s.negated && s.patterns.length === 0)) return false;
  const start: number[][] = sets.map((s) => {
    const st = new Set<number>();
    s.patterns.forEach((p, k) => closeInto(p, 0, st, k * STRIDE));
    return [...st].sort((a, b) => a - b);
  });
  const key = (state: number[][]) => state.map((x) => x.join(',')).join('|');
  const seen = new Set<string>([key(start)]);
  const queue: number[][][] = [start];
  const accepts = (s: ResourceSet, active: number[]) => active.some((c) => s.patterns[Math.floor(c / STRIDE)]!.length === c % STRIDE);
  for (let q = 0; q < queue.length; q++) {
    const state = queue[q]!;
    if (sets.every((s, i) => accepts(s, state[i]!) !== s.negated)) return true;
    if (seen.size > MAX_STATES) return true;
    const alphabet = new Set<number>([OTHER, OTHER_REGION, COLON]);
    for (let i = 0; i < sets.length; i++)
      for (const c of state[i]!) {
        const t = sets[i]!.patterns[Math.floor(c / STRIDE)]![c % STRIDE];
        if (t !== undefined && t >= 0) alphabet.add(t);
      }
    next: for (const ch of alphabet) {
      const nextState: number[][] = [];
      for (let i = 0; i < sets.length; i++) {
        const s = sets[i]!;
        const out = new Set<number>();
        for (const c of state[i]!) {
          const k = Math.floor(c / STRIDE);
          const p = s.patterns[k]!;
          const pos = c % STRIDE;
          const t = p[pos];
          if (t === undefined || t === NEVER) continue;
          const ok = t >= 0 ? t === ch : t === STAR_REGION ? regionChar(ch) : t === STAR || t === QMARK || ch !== COLON;
          if (ok) closeInto(p, t === STAR || t === STAR_SEG || t === STAR_REGION ? pos : pos + 1, out, k * STRIDE);
        }
        if (!s.negated && out.size === 0) continue next; // a positive set that can no longer match
        nextState.push([...out].sort((a, b) => a - b));
      }
      const k = key(nextState);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push(nextState);
      }
    }
  }
  return false;
}

// ---- conditions ----

/** The condition keys an action's request can carry (lower-cased; `.../${TagKey}` style keys as prefixes). */
export interface RequestKeys {
  exact: Set<string>;
  prefixes: string[];
}

/** Global keys that are not on every request: present only when the action (or resource type) lists them. */
const ACTION_SPECIFIC_GLOBAL = /^aws:(requesttag\/|tagkeys$|resourcetag\/)/;

function keyMayBePresent(key: string, keys: RequestKeys): boolean {
  const k = key.toLowerCase();
  if (k.startsWith('aws:') && !ACTION_SPECIFIC_GLOBAL.test(k)) return true;
  return keys.exact.has(k) || keys.prefixes.some((p) => k.startsWith(p));
}

export type Truth = 'true' | 'false' | 'unknown';

/** The value of an operator whose key is absent from the request. */
function absentKey(operator: string, values: unknown): boolean {
  const op = operator.toLowerCase();
  if (op === 'null') return asList(values).some((v) => v.toLowerCase() === 'true');
  if (op.endsWith('ifexists')) return true;
  if (op.startsWith('forallvalues:')) return true;
  if (op.startsWith('foranyvalue:')) return false;
  return /^(string|arn|numeric|date|binary)not|^notipaddress/.test(op);
}

/**
 * `Null: true` on a key of the request's own parameters (not a global `aws:` key): the caller can always
 * send the request without it, so it holds for an Allow. Never for a Deny: the caller can as well send the
 * key and escape the Deny, which then only makes the access conditional.
 */
const callerCanOmit = (op: string, key: string, values: unknown) =>
  op.toLowerCase() === 'null' && !key.toLowerCase().startsWith('aws:') && asList(values).every((v) => v.toLowerCase() === 'true');

/** A Condition block for one action's request: every operator/key pair must hold. */
export function conditionTruth(condition: unknown, keys: RequestKeys, effect: 'Allow' | 'Deny'): Truth {
  if (!condition || typeof condition !== 'object') return 'true';
  let out: Truth = 'true';
  for (const [op, block] of Object.entries(condition as Record<string, unknown>)) {
    if (!block || typeof block !== 'object') continue;
    for (const [key, values] of Object.entries(block as Record<string, unknown>)) {
      if (effect === 'Allow' && callerCanOmit(op, key, values)) continue;
      if (keyMayBePresent(key, keys)) out = 'unknown';
      else if (!absentKey(op, values)) return 'false';
    }
  }
  return out;
}

/** True when every operator/key/values of `inner` also appears in `outer`: whenever `outer` holds, so does `inner`. */
export function conditionImplies(outer: unknown, inner: unknown): boolean {
  if (!inner || typeof inner !== 'object') return true;
  if (!outer || typeof outer !== 'object') return false;
  const o = outer as Record<string, Record<string, unknown>>;
  for (const [op, block] of Object.entries(inner as Record<string, Record<string, unknown>>)) {
    for (const [key, values] of Object.entries(block ?? {})) {
      const mine = o[op]?.[key];
      if (mine === undefined || JSON.stringify(asList(mine).sort()) !== JSON.stringify(asList(values).sort())) return false;
    }
  }
  return true;
}

// ---- statements ----

export const normalizeStatements = (doc: PolicyDocument | null | undefined): Statement[] => {
  const st = (doc as { Statement?: unknown } | null | undefined)?.Statement;
  return (Array.isArray(st) ? st : st && typeof st === 'object' ? [st] : []) as Statement[];
};

/** A statement reduced to what the evaluation needs, for a fixed list of target actions. */
export interface CompiledStatement {
  /** unique per compiled statement: memoization key */
  id: number;
  effect: 'Allow' | 'Deny';
  /** lower-cased patterns; with `notAction` the statement applies to every action none of them matches */
  actionPatterns: string[];
  notAction: boolean;
  /** per target action: 1 when the statement applies to it */
  actions: Uint8Array;
  resources: ResourceSet;
  /** a policy variable read from the request */
  dependsOnRequest: boolean;
  condition: Record<string, unknown> | undefined;
  /** the raw Resource/NotResource entries contain `${` (compiled per principal) */
  variables: boolean;
  /** the Resource/NotResource entries as written, and which of the two */
  entries: string[];
  notResource: boolean;
  /** 1-based position in its document, and its Sid */
  index: number;
  sid?: string;
}

let nextId = 1;

/**
 * A NotResource holding an ARN of fewer than six segments never proves a resource to be outside it (the
 * entry is malformed), so its statement applies to no resource: a Deny that denies nothing, an Allow
 * that grants nothing (see README, "remaining differences").
 */
const resourceSet = (compiled: CompiledResource[], negated: boolean): ResourceSet =>
  negated && compiled.some((c) => c.short) ? { patterns: [], negated: false } : { patterns: compiled.map((c) => c.tokens), negated };

/**
 * Compiles statements for fixed target actions (lower-cased `service:action`), keeping only those that
 * apply to at least one, so an index of thousands of policies stays small. Statements without
 * Action/NotAction or without Resource/NotResource are invalid in IAM and dropped.
 */
export class PolicyCompiler {
  private readonly actionCache = new Map<string, Uint8Array>();

  constructor(readonly targetActions: string[]) {}

  /** Which target actions a lower-cased action pattern matches (1 per index). */
  actionHits(pattern: string): Uint8Array {
    let hits = this.actionCache.get(pattern);
    if (!hits) {
      const p = compilePattern(pattern);
      hits = Uint8Array.from(this.targetActions, (t) => (matches(p, t) ? 1 : 0));
      this.actionCache.set(pattern, hits);
    }
    return hits;
  }

  /** `resolve` is used for statements with variables in a `2012-10-17` document; without one they are kept for `bind`. */
  compile(doc: PolicyDocument | null | undefined, resolve?: Resolver): CompiledStatement[] {
    const out: CompiledStatement[] = [];
    const literal = (doc as { Version?: string } | null | undefined)?.Version !== '2012-10-17';
    normalizeStatements(doc).forEach((s, i) => {
      if (!s || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) return;
      if (s.Action === undefined && s.NotAction === undefined) return;
      if (s.Resource === undefined && s.NotResource === undefined) return;
      const notAction = s.Action === undefined;
      const actionPatterns = asList(notAction ? s.NotAction : s.Action).map((a) => a.toLowerCase());
      const actions = new Uint8Array(this.targetActions.length);
      for (const a of actionPatterns) {
        const hits = this.actionHits(a);
        for (let k = 0; k < hits.length; k++) actions[k] |= hits[k]!;
      }
      if (notAction) for (let k = 0; k < actions.length; k++) actions[k] ^= 1;
      if (!actions.includes(1)) return;
      const negated = s.Resource === undefined;
      const entries = asList(negated ? s.NotResource : s.Resource);
      const variables = !literal && entries.some((e) => e.includes('${'));
      const compiled = entries.map((e) => compileResource(e, literal ? null : (resolve ?? (() => undefined)), negated));
      const resources = resourceSet(compiled, negated);
      const cond = s.Condition && typeof s.Condition === 'object' && Object.keys(s.Condition).length ? (s.Condition as Record<string, unknown>) : undefined;
      out.push({
        id: nextId++,
        effect: s.Effect,
        actionPatterns,
        notAction,
        actions,
        resources,
        dependsOnRequest: compiled.some((c) => c.dependsOnRequest),
        condition: cond,
        variables,
        entries,
        notResource: negated,
        index: i + 1,
        ...(typeof s.Sid === 'string' && s.Sid ? { sid: s.Sid } : {}),
      });
    });
    return out;
  }

  /** The statement with its variables replaced by one principal's values (the same object when it has none). */
  bind(st: CompiledStatement, resolve: Resolver): CompiledStatement {
    if (!st.variables) return st;
    const compiled = st.entries.map((e) => compileResource(e, resolve, st.notResource));
    return { ...st, id: nextId++, resources: resourceSet(compiled, st.notResource), dependsOnRequest: compiled.some((c) => c.dependsOnRequest) };
  }
}

// ---- decisions ----

export interface Sourced {
  statement: CompiledStatement;
  /** where the statement comes from, e.g. `group G: attached policy ARN` */
  via: string;
}

export type Verdict = 'allowed' | 'conditional' | 'none';

export interface Decision {
  decision: Verdict;
  /** the identity Allow statements that produce the decision, in first-seen order */
  grants: Sourced[];
  /** the boundary Allow statements that admit it */
  boundary: Sourced[];
  /** per SCP level (root first), the SCP Allow statements that admit it */
  scp: Sourced[][];
}

/** A statement for one action and one resource type: kept, kept as conditional, or dropped (its condition is false). */
interface Judged {
  s: Sourced;
  conditional: boolean;
}

function judge(list: Sourced[], actionIndex: number, keys: RequestKeys, effect: 'Allow' | 'Deny'): Judged[] {
  const out: Judged[] = [];
  for (const s of list) {
    const st = s.statement;
    if (st.effect !== effect || !st.actions[actionIndex]) continue;
    const t = conditionTruth(st.condition, keys, effect);
    if (t === 'false') continue;
    out.push({ s, conditional: t === 'unknown' || st.dependsOnRequest });
  }
  return out;
}

const avoid = (r: ResourceSet): ResourceSet => ({ patterns: r.patterns, negated: !r.negated });

const NONE: Decision = { decision: 'none', grants: [], boundary: [], scp: [] };

/** Every choice of one element per list (the lists are short: a few Allows per policy level). */
function* product<T>(lists: T[][], prefix: T[] = []): Generator<T[]> {
  if (prefix.length === lists.length) {
    yield prefix;
    return;
  }
  for (const x of lists[prefix.length]!) yield* product(lists, [...prefix, x]);
}

/**
 * "Can the principal perform action `actionIndex` on some resource of `target`?" with identity statements
 * and the limits on them: the principal's permission boundary, when it has one, and the SCPs of each level
 * of its account's OU path (`scp`, root first). Some request must be allowed by an identity Allow, by an
 * Allow of the boundary and of every SCP level, and denied by no Deny of any of them. `allowed` when such
 * a request exists with unconditional Allows and no Deny that could apply; `conditional` when it exists
 * with no unconditional Deny (a conditional Deny whose condition an Allow of the request implies counts as
 * unconditional).
 */
export function decide(identity: Sourced[], boundary: Sourced[] | undefined, actionIndex: number, target: Pattern, keys: RequestKeys, scp: Sourced[][] = []): Decision {
  const allows = judge(identity, actionIndex, keys, 'Allow');
  if (!allows.length) return NONE;
  const limits = [...(boundary ? [boundary] : []), ...scp];
  const limitAllows = limits.map((l) => judge(l, actionIndex, keys, 'Allow'));
  if (limitAllows.some((l) => !l.length)) return NONE;
  const denies = [identity, ...limits].flatMap((l) => judge(l, actionIndex, keys, 'Deny'));
  const t: ResourceSet = { patterns: [target], negated: false };
  const found = (only: (j: Judged) => boolean, denying: (chosen: Judged[]) => Judged[]) => {
    const lists = [allows, ...limitAllows].map((l) => l.filter(only));
    const hit = lists.map(() => new Set<Sourced>());
    for (const chosen of product(lists)) {
      if (chosen.every((j, i) => hit[i]!.has(j.s))) continue;
      const sets = [t, ...chosen.map((j) => j.s.statement.resources), ...denying(chosen).map((d) => avoid(d.s.statement.resources))];
      if (someResource(sets)) chosen.forEach((j, i) => hit[i]!.add(j.s));
    }
    const keep = (list: Judged[], i: number) => list.map((j) => j.s).filter((s) => hit[i]!.has(s));
    const limitHits = limitAllows.map((l, i) => keep(l, i + 1));
    return { grants: keep(allows, 0), boundary: boundary ? limitHits[0]! : [], scp: boundary ? limitHits.slice(1) : limitHits };
  };
  const sure = found(
    (j) => !j.conditional,
    () => denies,
  );
  if (sure.grants.length) return { decision: 'allowed', ...sure };
  const maybe = found(
    () => true,
    (chosen) => denies.filter((d) => !d.conditional || (d.s.statement.condition && chosen.some((c) => conditionImplies(c.s.statement.condition, d.s.statement.condition)))),
  );
  if (maybe.grants.length) return { decision: 'conditional', ...maybe };
  return NONE;
}
