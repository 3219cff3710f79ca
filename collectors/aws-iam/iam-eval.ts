// A small IAM identity-policy engine: wildcard patterns as token arrays, the three set questions the
// evaluation needs (does a string match, do two patterns share a string, does one pattern contain
// another), statements compiled against a fixed list of target actions, and the Allow/Deny decision
// for one action on one target resource pattern. No SCPs, resource policies or session policies.
import { asList, type PolicyDocument, type Statement } from './policy.js';

/** Pattern tokens: a UTF-16 code unit (>= 0) or one of these. */
const STAR = -1; // `*`: any run of characters, possibly empty
const QMARK = -2; // `?`: exactly one character
const NEVER = -3; // a token no character satisfies (a policy variable where over-approximation means "matches nothing")
export type Pattern = Int32Array;

/**
 * How an unresolved policy variable (`${aws:username}`, ...) in a Resource/NotResource is read. We never
 * know its value, so each position takes the reading that can only over-report access:
 * an Allow's Resource and a Deny's NotResource read it as `*`; an Allow's NotResource and a Deny's
 * Resource read it as matching nothing.
 */
export type VariableMode = 'star' | 'never';

/** Tokenizes an IAM wildcard pattern. `${*}`, `${?}`, `${$}` are the literal escapes IAM defines. */
export function compilePattern(text: string, variables: VariableMode = 'star'): Pattern {
  const out: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '$' && text[i + 1] === '{') {
      const end = text.indexOf('}', i + 2);
      if (end > 0) {
        const inner = text.slice(i + 2, end);
        if (inner === '*' || inner === '?' || inner === '$') out.push(inner.charCodeAt(0));
        else if (variables === 'star') out.push(STAR);
        else out.push(NEVER);
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

/** True when some string matches both patterns (the product of the two automata reaches its end). */
export function intersects(a: Pattern, b: Pattern): boolean {
  const la = a.length;
  const lb = b.length;
  const w = lb + 1;
  const seen = new Uint8Array((la + 1) * w);
  const stack: number[] = [0, 0];
  while (stack.length) {
    const j = stack.pop()!;
    const i = stack.pop()!;
    const k = i * w + j;
    if (seen[k]) continue;
    seen[k] = 1;
    if (i === la && j === lb) return true;
    const x = i < la ? a[i]! : undefined;
    const y = j < lb ? b[j]! : undefined;
    if (x === STAR) stack.push(i + 1, j);
    if (y === STAR) stack.push(i, j + 1);
    if (x === undefined || y === undefined || x === NEVER || y === NEVER) continue;
    // consume one character both sides accept: any two non-literals share one; literals must be equal
    if (x >= 0 && y >= 0 && x !== y) continue;
    const ni = x === STAR ? i : i + 1;
    const nj = y === STAR ? j : j + 1;
    if (ni !== i || nj !== j) stack.push(ni, nj);
  }
  return false;
}

/** True when the literal string `s` matches `p` (greedy glob matching with one backtrack point, no allocation). */
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

/**
 * True when every string matching `inner` also matches `outer`. Sound, not complete: it looks for a
 * token alignment in which each `*` of `inner` is absorbed by a `*` of `outer`, each `?` by a `?` or
 * `*`, each literal by itself, `?` or `*`. A false "no" only ever makes the analysis over-report.
 */
export function covers(outer: Pattern, inner: Pattern): boolean {
  if (inner.includes(NEVER)) return true; // inner matches nothing
  const lo = outer.length;
  const li = inner.length;
  const w = li + 1;
  const seen = new Uint8Array((lo + 1) * w);
  const stack: number[] = [0, 0];
  while (stack.length) {
    const j = stack.pop()!;
    const i = stack.pop()!;
    const k = i * w + j;
    if (seen[k]) continue;
    seen[k] = 1;
    if (i === lo && j === li) return true;
    if (i === lo) continue;
    const x = outer[i]!;
    if (x === STAR) {
      stack.push(i + 1, j);
      if (j < li) stack.push(i, j + 1);
      continue;
    }
    if (j === li) continue;
    const y = inner[j]!;
    if (x === QMARK ? y !== STAR : x >= 0 && y === x) stack.push(i + 1, j + 1);
  }
  return false;
}

/** A statement reduced to what the evaluation needs, against a fixed list of target actions and resources. */
export interface CompiledStatement {
  effect: 'Allow' | 'Deny';
  /** lower-cased patterns; with `notAction` the statement applies to every action none of them matches */
  actionPatterns: string[];
  notAction: boolean;
  resources: Pattern[];
  notResource: boolean;
  /** has a non-empty Condition block */
  conditional: boolean;
  /** per target action: 1 when the statement applies to it */
  actions: Uint8Array;
  /** per target resource: for an Allow, it reaches into the target; for a Deny, it contains the whole target */
  reach: Uint8Array;
}

const normalizeStatements = (doc: PolicyDocument | null | undefined): Statement[] => {
  const st = (doc as { Statement?: unknown } | null | undefined)?.Statement;
  return (Array.isArray(st) ? st : st && typeof st === 'object' ? [st] : []) as Statement[];
};

/** An Allow's resource set shares at least one resource with the target. */
function allowTouches(notResource: boolean, resources: Pattern[], target: Pattern): boolean {
  return notResource ? !resources.some((u) => covers(u, target)) : resources.some((p) => intersects(p, target));
}

/** A Deny's resource set contains `set` (a pattern). */
function denyContains(notResource: boolean, resources: Pattern[], set: Pattern): boolean {
  return notResource ? !resources.some((u) => intersects(u, set)) : resources.some((p) => covers(p, set));
}

/**
 * Compiles policy documents against fixed target actions (lower-cased `service:action`) and target
 * resource patterns, keeping only statements that apply to at least one target action, so an index of
 * thousands of policies stays small. Per-pattern results are memoized: accounts repeat patterns a lot.
 * Statements without Action/NotAction or without Resource/NotResource are invalid in IAM and dropped.
 */
export class PolicyCompiler {
  private readonly actionCache = new Map<string, Uint8Array>();
  private readonly resourceCache = new Map<string, { resources: Pattern[]; reach: Uint8Array }>();

  constructor(
    readonly targetActions: string[],
    readonly targetResources: Pattern[],
  ) {}

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

  compile(doc: PolicyDocument | null | undefined): CompiledStatement[] {
    const out: CompiledStatement[] = [];
    for (const s of normalizeStatements(doc)) {
      if (!s || (s.Effect !== 'Allow' && s.Effect !== 'Deny')) continue;
      if (s.Action === undefined && s.NotAction === undefined) continue;
      if (s.Resource === undefined && s.NotResource === undefined) continue;
      const notAction = s.Action === undefined;
      const actionPatterns = asList(notAction ? s.NotAction : s.Action).map((a) => a.toLowerCase());
      const actions = new Uint8Array(this.targetActions.length);
      for (const a of actionPatterns) {
        const hits = this.actionHits(a);
        for (let i = 0; i < hits.length; i++) actions[i] |= hits[i]!;
      }
      if (notAction) for (let i = 0; i < actions.length; i++) actions[i] ^= 1;
      if (!actions.includes(1)) continue;
      const notResource = s.Resource === undefined;
      const list = asList(notResource ? s.NotResource : s.Resource);
      const key = `${s.Effect}|${notResource}|${JSON.stringify(list)}`;
      let r = this.resourceCache.get(key);
      if (!r) {
        // see VariableMode: choose the reading of policy variables that can only over-report
        const mode: VariableMode = (s.Effect === 'Allow') !== notResource ? 'star' : 'never';
        const resources = list.map((x) => compilePattern(x, mode));
        const reach = Uint8Array.from(this.targetResources, (t) => ((s.Effect === 'Allow' ? allowTouches(notResource, resources, t) : denyContains(notResource, resources, t)) ? 1 : 0));
        r = { resources, reach };
        this.resourceCache.set(key, r);
      }
      const { resources, reach } = r;
      const cond = s.Condition;
      const conditional = !!cond && typeof cond === 'object' && Object.keys(cond).length > 0;
      out.push({ effect: s.Effect, actionPatterns, notAction, resources, notResource, conditional, actions, reach });
    }
    return out;
  }
}

/**
 * The Deny removes everything the Allow grants within target resource `r`: it contains the whole
 * target, or (for an Allow with a Resource list) every Allow pattern that reaches into the target.
 * Denies are judged one at a time, never as a union: two Denies that only together cover an Allow
 * leave it standing (over-reporting, never under-reporting).
 */
export function denyOverrides(d: CompiledStatement, a: CompiledStatement, r: number, target: Pattern): boolean {
  if (d.reach[r]) return true;
  if (a.notResource) return false;
  return a.resources.every((p) => !intersects(p, target) || denyContains(d.notResource, d.resources, p));
}

export interface Sourced {
  statement: CompiledStatement;
  /** where the statement comes from, e.g. `group G: attached policy ARN` */
  via: string;
}

export interface Decision {
  decision: 'allowed' | 'conditional' | 'none';
  /** the sources of the Allow statements that produce the decision, in first-seen order */
  via: string[];
  /** the Allow statements that produce the decision */
  grants: Sourced[];
}

/**
 * One target action on one target resource (by index; `target` is that resource's pattern). An Allow statement counts when it
 * applies to the action and reaches into the target; an unconditional Deny that overrides it (see
 * `denyOverrides`) removes it; a conditional Deny that would override it, or a Condition on the Allow,
 * makes it conditional. `allowed` when some unconditional Allow stands, else `conditional` when a
 * conditional one does, else `none` (implicit deny).
 */
export function decide(statements: Sourced[], actionIndex: number, resourceIndex: number, target: Pattern): Decision {
  const denies: CompiledStatement[] = [];
  for (const s of statements) if (s.statement.effect === 'Deny' && s.statement.actions[actionIndex]) denies.push(s.statement);
  const allowed: Sourced[] = [];
  const conditional: Sourced[] = [];
  for (const s of statements) {
    const a = s.statement;
    if (a.effect !== 'Allow' || !a.actions[actionIndex] || !a.reach[resourceIndex]) continue;
    if (denies.some((d) => !d.conditional && denyOverrides(d, a, resourceIndex, target))) continue;
    const cond = a.conditional || denies.some((d) => d.conditional && denyOverrides(d, a, resourceIndex, target));
    (cond ? conditional : allowed).push(s);
  }
  const grants = allowed.length ? allowed : conditional;
  return { decision: allowed.length ? 'allowed' : conditional.length ? 'conditional' : 'none', via: [...new Set(grants.map((g) => g.via))], grants };
}
