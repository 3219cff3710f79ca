// The ML-privileges analysis against an independent IAM evaluator (@cloud-copilot/iam-simulate), decision
// by decision, on a generated account. Seed: IAM_EVAL_SEED (printed on every run; `random` draws one; default 1,
// so that the suite gives the same verdict on every run — explore with random seeds, then pin what they find).
// Each decision is "can principal P do action A on some resource of A's types" (or on some object of a
// training bucket). The account sits under a generated SCP path (root, two OUs, the account), given to both
// sides. Disagreements are put in the classes of issue 16 (A–H, S for SCPs), first matching class wins.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BUCKET_ACTIONS, DEFAULT_ML_ACTIONS, MlAccessAnalysis } from '../../../collectors/aws-iam/ml-access.js';
import { ACCT, BUCKETS, generateScenario, type Tag } from './iam-scenario.js';
import { allStatements, correlated, oracleDecision, principalPolicies, resourceTypeGroups, witnesses, type PrincipalPolicies, type Verdict } from './iam-oracle.js';

const SEED = process.env.IAM_EVAL_SEED === 'random' ? Math.floor(Math.random() * 2 ** 31) : Number(process.env.IAM_EVAL_SEED ?? 1);

const CLASSES = {
  G: 'ARN wildcard written across `:`',
  D: 'policy variable (or a 2008-10-17 policy, where it is literal)',
  B: 'several required resource types',
  A: 'statement on a resource type the action never uses',
  E: 'permission boundary',
  S: 'service control policy',
  F: 'two Denies that together cover an Allow',
  H: 'correlated conditions in a Deny and an Allow',
  C: 'condition (key absent for the action, negated, IfExists, Null)',
  X: 'other',
} as const;
type Class = keyof typeof CLASSES;

const glob = (p: string, flags = '') => new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, flags);
const list = (v: unknown) => (v === undefined ? [] : Array.isArray(v) ? (v as string[]) : [v as string]);
/** ARN matching by segment: the first five segments each on their own, the resource part as a whole. */
function arnMatches(pattern: string, arn: string): boolean {
  if (pattern === '*') return true;
  const p = pattern.split(':');
  const a = arn.split(':');
  while (p.length < 6) p.push('*');
  const seg = (xs: string[]) => [...xs.slice(0, 5), xs.slice(5).join(':')];
  const ps = seg(p);
  const as = seg(a);
  return ps.every((x, i) => glob(x).test(as[i] ?? ''));
}
const appliesTo = (s: Record<string, unknown>, action: string) =>
  s.Action !== undefined ? list(s.Action).some((x) => glob(x, 'i').test(action)) : !list(s.NotAction).some((x) => glob(x, 'i').test(action));

async function classify(p: PrincipalPolicies, action: string, bucket: string | undefined, ours: Verdict, oracle: Verdict, tags: Map<object, Set<Tag>>): Promise<Class> {
  const statements = allStatements(p).filter((s) => appliesTo(s, action));
  const has = (t: Tag) => statements.some((s) => tags.get(s)?.has(t));
  if (ours === 'none' && oracle === 'conditional' && correlated(statements)) return 'H';
  if (has('cross-segment')) return 'G';
  if (has('variable') || has('old-version')) return 'D';
  const groups = await resourceTypeGroups(action);
  if (groups.length > 1) return 'B';
  const ws = groups.flat().flatMap((t) => witnesses(t, p.name, bucket));
  const offType = statements.some((s) => s.Effect === 'Allow' && s.Resource !== undefined && !list(s.Resource).some((r) => ws.some((w) => arnMatches(r, w))));
  if (ours !== 'none' && oracle === 'none' && offType) return 'A';
  if (p.boundary) return 'E';
  if (has('scp')) return 'S';
  if (has('deny-pair')) return 'F';
  if (has('correlated')) return 'H';
  if (has('condition')) return 'C';
  return offType ? 'A' : 'X';
}

describe('ml-privileges against an independent IAM evaluator', () => {
  // the oracle asks each witness request through four SCP levels too: about 750 s on a loaded 2-core machine
  it(`agrees on generated accounts (seed ${SEED})`, { timeout: 1_200_000 }, async () => {
    const scenario = generateScenario(SEED);
    const analysis = await MlAccessAnalysis.create({ actions: DEFAULT_ML_ACTIONS, bucketActions: DEFAULT_BUCKET_ACTIONS, buckets: BUCKETS });
    for (const r of scenario.records) analysis.add(r);
    analysis.setScps({ status: 'applied', account: ACCT, managementAccount: '999999999999', levels: scenario.scps });
    const result = await analysis.result();
    const scps = scenario.scps.map((l) => ({ orgIdentifier: l.id, policies: l.policies.map((x) => ({ name: x.name, policy: x.content })) }));
    const ours = new Map<string, Verdict>(result.rows.map((r) => [`${r.principal} ${r.action} ${r.resource}`, r.decision as Verdict]));
    const tally = new Map<Class, { n: number; hidden: number; examples: string[] }>();
    let decisions = 0;
    let agree = 0;
    let hidden = 0;
    for (const p of principalPolicies(scenario.records).map((x) => ({ ...x, scps }))) {
      const jobs: { action: string; bucket?: string; target: string }[] = [
        ...DEFAULT_ML_ACTIONS.map((action) => ({ action, target: '*' })),
        ...DEFAULT_BUCKET_ACTIONS.flatMap((action) => BUCKETS.map((bucket) => ({ action, bucket, target: `arn:aws:s3:::${bucket}/*` }))),
      ];
      for (const j of jobs) {
        decisions++;
        const mine = ours.get(`${p.arn} ${j.action} ${j.target}`) ?? 'none';
        const theirs = await oracleDecision(p, j.action, j.bucket);
        if (mine === theirs) {
          agree++;
          continue;
        }
        const c = await classify(p, j.action, j.bucket, mine, theirs, scenario.tags);
        // H with ours `none`: the oracle leaves the Allow conditional where the Deny's identical condition always fires with it (README: the oracle is wrong there)
        const isHidden = mine === 'none' && c !== 'H';
        if (isHidden) hidden++;
        const t = tally.get(c) ?? tally.set(c, { n: 0, hidden: 0, examples: [] }).get(c)!;
        t.n++;
        if (isHidden) t.hidden++;
        if (t.examples.length < 2) t.examples.push(`${p.arn.replace(`arn:aws:iam::${ACCT}:`, '')} ${j.action} ${j.target}: ours ${mine}, oracle ${theirs}\n      ${JSON.stringify(p.identity.map((i) => i.doc.Statement))}${p.boundary ? `\n      boundary ${JSON.stringify(p.boundary.Statement)}` : ''}\n      scps ${JSON.stringify(scenario.scps.map((l) => l.policies.map((x) => (x.id === 'p-FullAWSAccess' ? 'FullAWSAccess' : x.content.Statement))))}`);
      }
    }
    const pct = (n: number) => `${((100 * n) / decisions).toFixed(2)} %`;
    const lines = [`differential seed=${SEED}: ${decisions} decisions, agreement ${pct(agree)}, ${hidden} hidden (ours none, oracle access; H excepted)`];
    for (const c of Object.keys(CLASSES) as Class[]) {
      const t = tally.get(c);
      if (t) lines.push(`  ${c} ${CLASSES[c]}: ${t.n} (${pct(t.n)}), ${t.hidden} hidden${process.env.IAM_EVAL_VERBOSE ? `\n    ${t.examples.join('\n    ')}` : ''}`);
    }
    console.log(lines.join('\n'));
    expect(decisions).toBeGreaterThanOrEqual(5000);
    expect(agree / decisions, lines.join('\n')).toBeGreaterThanOrEqual(0.99);
    expect(hidden, lines.join('\n')).toBe(0);
  });
});
