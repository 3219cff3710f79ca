// A seeded generator of IAM accounts for the differential test of the ML-privileges analysis:
// users, roles, groups, managed policies with several versions, inline policies, permission
// boundaries, conditions, policy variables, NotAction/NotResource, cross-segment ARN wildcards,
// correlated conditions and Deny pairs. Every statement carries the tags of the features it was
// built from, so a disagreement can be put in the class (A–H of issue 16) it exercises.
import type { AuthorizationRecord } from '../../../collectors/aws-iam/ml-access.js';

export const ACCT = '111122223333';
export const BUCKETS = ['training-data', 'features'];

/** mulberry32: small, fast, good enough to drive a generator; the same seed gives the same account. */
export function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
  const chance = (p: number) => next() < p;
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  return { next, pick, chance, int };
}
export type Rng = ReturnType<typeof rng>;

export type Tag = 'cross-segment' | 'variable' | 'condition' | 'deny-pair' | 'correlated' | 'old-version' | 'not-resource' | 'not-action' | 'scp';
export type Doc = { Version: string; Statement: Record<string, unknown>[] };

const SM_TYPES = ['model-package', 'model-package-group', 'training-job', 'model', 'endpoint', 'endpoint-config', 'pipeline'];
/** names the patterns and the witness resources share, so that patterns hit resources */
export const NAMES = ['prod-fraud', 'prod-x', 'dev-x'];
const NAME_PATTERNS = ['*', 'prod-*', 'prod-fraud', 'dev-*', '*fraud*', '?ev-x', 'prod-?'];
export const ROLE_NAMES = ['ml-release-a', 'sagemaker-exec', 'admin-x', 'team/ml-y'];
const ROLE_PATTERNS = ['*', 'ml-*', 'sagemaker-exec', 'admin-*', 'team/*', '*exec*'];
export const OBJECT_KEYS = ['raw/a', 'gold/a'];
const KEY_PATTERNS = ['*', 'raw/*', 'gold/*', 'gold/a', 'r*'];
const REGIONS = ['*', 'us-east-1', 'eu-west-1', 'us-*'];

const ACTIONS = [
  'sagemaker:CreateModelPackage',
  'sagemaker:UpdateModelPackage',
  'sagemaker:CreateEndpoint',
  'sagemaker:UpdateEndpoint',
  'sagemaker:CreateTrainingJob',
  'sagemaker:StartPipelineExecution',
  'sagemaker:*',
  'sagemaker:Create*',
  'sagemaker:*Model*',
  'sagemaker:*Endpoint*',
  'sagemaker:Delete*',
  'sagemaker:Describe*',
  'iam:PassRole',
  'iam:*',
  'iam:Pass*',
  's3:*',
  's3:Put*',
  's3:PutObject',
  's3:DeleteObject',
  '*',
];
const NOT_ACTIONS = [['iam:*'], ['s3:*'], ['sagemaker:Delete*'], ['sagemaker:*', 'iam:*']];

/** Conditions on global keys (unknown at rest), on keys only some actions carry, negated, IfExists and Null operators. */
const CONDITIONS: Record<string, Record<string, string>>[] = [
  { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
  { StringEquals: { 'aws:RequestedRegion': 'us-east-1' } },
  { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  { StringNotEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
  { StringEquals: { 'sagemaker:ModelApprovalStatus': 'Approved' } },
  { StringEqualsIfExists: { 'sagemaker:InstanceTypes': 'ml.m5.large' } },
  { Null: { 's3:x-amz-server-side-encryption': 'true' } },
  { StringEquals: { 's3:x-amz-acl': 'private' } },
  { StringLike: { 'sagemaker:PipelineVersionId': '*' } },
];

function resourcePattern(r: Rng, tags: Set<Tag>): string {
  const k = r.next();
  if (k < 0.15) return '*';
  if (k < 0.5) return `arn:aws:sagemaker:${r.pick(REGIONS)}:${r.chance(0.85) ? ACCT : '*'}:${r.pick(SM_TYPES)}/${r.pick(NAME_PATTERNS)}`;
  if (k < 0.62) {
    tags.add('cross-segment');
    // wildcards written across `:` (they match inside one segment only) and short ARNs
    return r.pick([
      `arn:aws:sagemaker:us-east-1*${r.pick(SM_TYPES)}/*`,
      `arn:aws:sagemaker:*${r.pick(SM_TYPES)}/${r.pick(NAME_PATTERNS)}`,
      'arn:aws:sagemaker:*',
      `arn:aws:iam::*role/${r.pick(ROLE_PATTERNS)}`,
      'arn:aws:s3:::training-data*',
      `arn:aws:*:*:${ACCT}:*`,
      'arn:aws:iam::*',
    ]);
  }
  if (k < 0.75) return r.pick([`arn:aws:iam::${ACCT}:role/${r.pick(ROLE_PATTERNS)}`, `arn:aws:iam::${ACCT}:user/*`, `arn:aws:iam::*:role/${r.pick(ROLE_PATTERNS)}`]);
  if (k < 0.9) return r.pick([`arn:aws:s3:::${r.pick([...BUCKETS, 'training-*', '*', 'other'])}/${r.pick(KEY_PATTERNS)}`, `arn:aws:s3:::${r.pick(BUCKETS)}`, 'arn:aws:s3:::*']);
  tags.add('variable');
  return r.pick([
    'arn:aws:s3:::training-data/home/${aws:username}/*',
    `arn:aws:sagemaker:*:${ACCT}:model-package/\${aws:username}-*`,
    `arn:aws:iam::${ACCT}:role/\${aws:username}-*`,
    'arn:aws:s3:::features/${aws:username}/*',
  ]);
}

export interface GenStatement {
  statement: Record<string, unknown>;
  tags: Set<Tag>;
}

function statement(r: Rng, effect: 'Allow' | 'Deny'): GenStatement {
  const tags = new Set<Tag>();
  const s: Record<string, unknown> = { Effect: effect };
  if (r.chance(0.08)) {
    tags.add('not-action');
    s.NotAction = r.pick(NOT_ACTIONS);
  } else s.Action = r.chance(0.7) ? r.pick(ACTIONS) : [r.pick(ACTIONS), r.pick(ACTIONS)];
  const resources = Array.from({ length: r.chance(0.7) ? 1 : 2 }, () => resourcePattern(r, tags));
  if (r.chance(0.1) && !resources.includes('*')) {
    tags.add('not-resource');
    s.NotResource = resources;
  } else s.Resource = resources.length === 1 ? resources[0] : resources;
  if (r.chance(0.25)) {
    tags.add('condition');
    s.Condition = structuredClone(r.pick(CONDITIONS));
  }
  return { statement: s, tags };
}

/** A policy document of 1–4 statements, sometimes with a Deny pair or a correlated Allow/Deny. */
function document(r: Rng, registry: Map<object, Set<Tag>>, allowBias = 0.75): Doc {
  const out: GenStatement[] = [];
  for (let i = r.int(1, 4); i > 0; i--) out.push(statement(r, r.chance(allowBias) ? 'Allow' : 'Deny'));
  const first = out[0]!.statement;
  if (r.chance(0.08) && first.Effect === 'Allow' && first.Resource !== undefined) {
    // two Denies that only together cover the Allow's resources
    const cut = r.pick([`arn:aws:sagemaker:*:${ACCT}:*/prod-*`, 'arn:aws:s3:::training-data/raw/*', `arn:aws:iam::${ACCT}:role/ml-*`]);
    const base = { Effect: 'Deny', ...(first.Action !== undefined ? { Action: first.Action } : { NotAction: first.NotAction }) };
    out.push({ statement: { ...base, Resource: cut }, tags: new Set(['deny-pair']) }, { statement: { ...base, NotResource: cut }, tags: new Set(['deny-pair']) });
  }
  if (r.chance(0.08) && first.Effect === 'Allow' && first.Condition) {
    // the same condition on a Deny of the same scope: whenever the Allow applies, so does the Deny
    out.push({ statement: { ...structuredClone(first), Effect: 'Deny' }, tags: new Set(['correlated', 'condition']) });
  }
  let version = '2012-10-17';
  if (r.chance(0.04)) version = '2008-10-17';
  for (const s of out) {
    if (version !== '2012-10-17') s.tags.add('old-version');
    registry.set(s.statement, s.tags);
  }
  return { Version: version, Statement: out.map((s) => s.statement) };
}

/** One level of the account's OU path (root first) and its SCPs, as aws.iam.service-control-policies records it. */
export interface ScpLevelSeed {
  id: string;
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  policies: { id: string; name: string; content: Doc }[];
}

export const FULL_AWS_ACCESS: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };

/** Allow lists an OU may hold instead of FullAWSAccess: whole services, or a few actions. */
const SCP_ALLOW_LISTS = [['sagemaker:*', 's3:*'], ['sagemaker:*'], ['s3:*', 'iam:*'], ['sagemaker:Create*', 'sagemaker:Update*', 's3:Put*', 'iam:PassRole'], ['*']];

/**
 * The account's SCP path (root, two OUs, the account): FullAWSAccess at most levels, sometimes replaced
 * by an allow list, with generated SCPs (Denies mostly, conditions, NotResource, wildcards) added. Drawn
 * from its own stream, so the IAM side of a seed is the same with or without SCPs.
 */
export function generateScps(seed: number, registry: Map<object, Set<Tag>>): ScpLevelSeed[] {
  const r = rng(seed ^ 0x5c9a11);
  const levels: ScpLevelSeed[] = [
    { id: 'r-ab12', type: 'ROOT', policies: [] },
    { id: 'ou-ab12-11111111', type: 'ORGANIZATIONAL_UNIT', policies: [] },
    { id: 'ou-ab12-22222222', type: 'ORGANIZATIONAL_UNIT', policies: [] },
    { id: ACCT, type: 'ACCOUNT', policies: [] },
  ];
  let n = 0;
  for (const l of levels) {
    if (l.type === 'ROOT' || r.chance(0.7)) l.policies.push({ id: 'p-FullAWSAccess', name: 'FullAWSAccess', content: FULL_AWS_ACCESS });
    else {
      const Action = r.pick(SCP_ALLOW_LISTS);
      const content: Doc = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action, Resource: '*' }] };
      registry.set(content.Statement[0]!, new Set(['scp']));
      l.policies.push({ id: `p-allow${n}`, name: `allow${n++}`, content });
    }
    for (let k = r.int(0, 2); k > 0; k--) {
      const content = document(r, registry, 0.3);
      content.Version = '2012-10-17';
      for (const st of content.Statement) registry.get(st)?.add('scp');
      l.policies.push({ id: `p-scp${n}`, name: `scp${n++}`, content });
    }
  }
  return levels;
}

export interface Scenario {
  seed: number;
  records: AuthorizationRecord[];
  /** the SCP path of the account (generateScps) */
  scps: ScpLevelSeed[];
  /** the tags of each generated statement object (by identity, as it appears in `records`) */
  tags: Map<object, Set<Tag>>;
}

/** An account: `principals` users and roles, 8 groups, 20 managed policies of 1–3 versions. */
export function generateScenario(seed: number, principals = 260): Scenario {
  const r = rng(seed);
  const tags = new Map<object, Set<Tag>>();
  const records: AuthorizationRecord[] = [];
  const policyArns: string[] = [];
  const policyRecords: AuthorizationRecord[] = [];
  for (let i = 0; i < 20; i++) {
    const arn = `arn:aws:iam::${ACCT}:policy/p${i}`;
    policyArns.push(arn);
    const n = r.int(1, 3);
    const def = r.int(1, n);
    policyRecords.push({
      type: 'policy',
      Arn: arn,
      PolicyName: `p${i}`,
      DefaultVersionId: `v${def}`,
      PolicyVersionList: Array.from({ length: n }, (_, k) => ({ VersionId: `v${k + 1}`, IsDefaultVersion: k + 1 === def, Document: document(r, tags) as never })),
    });
  }
  // boundaries: mostly broad Allows the identity side is intersected with
  for (let i = 0; i < 4; i++) {
    const arn = `arn:aws:iam::${ACCT}:policy/boundary${i}`;
    policyArns.push(arn);
    policyRecords.push({ type: 'policy', Arn: arn, PolicyName: `boundary${i}`, DefaultVersionId: 'v1', PolicyVersionList: [{ VersionId: 'v1', IsDefaultVersion: true, Document: document(r, tags, 0.85) as never }] });
  }
  const managed = policyArns.slice(0, 20);
  const boundaries = policyArns.slice(20);
  const inline = (n: number) => Array.from({ length: n }, (_, k) => ({ PolicyName: `inline${k}`, PolicyDocument: document(r, tags) as never }));
  const attached = (n: number) => [...new Set(Array.from({ length: n }, () => r.pick(managed)))].map((PolicyArn) => ({ PolicyArn, PolicyName: PolicyArn.split('/').pop()! }));
  const groups = Array.from({ length: 8 }, (_, i) => `g${i}`);
  for (const g of groups) records.push({ type: 'group', Arn: `arn:aws:iam::${ACCT}:group/${g}`, GroupName: g, GroupPolicyList: inline(r.int(0, 1)), AttachedManagedPolicies: attached(r.int(0, 2)) });
  for (let i = 0; i < principals; i++) {
    const boundary = r.chance(0.2) ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: r.pick(boundaries) } } : {};
    if (r.chance(0.5)) {
      const name = `u${i}`;
      records.push({
        type: 'user',
        Arn: `arn:aws:iam::${ACCT}:user/${name}`,
        UserName: name,
        GroupList: [...new Set(Array.from({ length: r.int(0, 2) }, () => r.pick(groups)))],
        UserPolicyList: inline(r.int(0, 1)),
        AttachedManagedPolicies: attached(r.int(0, 2)),
        ...boundary,
      });
    } else {
      const name = r.pick(['ml-release-', 'pipeline-', 'admin-', 'svc-']) + i;
      records.push({ type: 'role', Arn: `arn:aws:iam::${ACCT}:role/${name}`, RoleName: name, RolePolicyList: inline(r.int(0, 2)), AttachedManagedPolicies: attached(r.int(0, 2)), ...boundary });
    }
  }
  // NDJSON order of the artifact: principals first, then policies
  records.push(...policyRecords);
  return { seed, records, scps: generateScps(seed, tags), tags };
}
