// The calls of aws-iam (see index.ts): one paginated GetAccountAuthorizationDetails feeding the
// ML-privilege analysis (with, when enabled, each training bucket's policy), the credential report,
// and the account's settings and providers.
import { setTimeout as sleepFor } from 'node:timers/promises';
import {
  GenerateCredentialReportCommand,
  GetAccountAuthorizationDetailsCommand,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetCredentialReportCommand,
  IAMClient,
  ListOpenIDConnectProvidersCommand,
  ListSAMLProvidersCommand,
  ListVirtualMFADevicesCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type GetCredentialReportCommandOutput,
} from '@aws-sdk/client-iam';
import { GetBucketPolicyCommand, S3Client } from '@aws-sdk/client-s3';
import { makeClient, truncatedMarker } from '../../src/clients/aws.js';
import { describeError } from '../../src/core/errors.js';
import type { OperationRecord } from '../../src/core/types.js';
import type { AwsContext } from '../define.js';
import type { IamSettings } from './index.js';
import { MalformedCredentialReport, parseCredentialReport } from './credential-report.js';
import { MlAccessAnalysis, type AuthorizationRecord, type MlAccessOptions } from './ml-access.js';
import { decodePolicyDocument, type PolicyDocument } from './policy.js';
import { readScps, type ScpEvidence } from './scp.js';
import { AccessSnapshot, mlHoldersOf, writeAccessChanges, type MlHolders } from './access-changes.js';

const FILTERS = ['User', 'Role', 'Group', 'LocalManagedPolicy', 'AWSManagedPolicy'] as const;

const decodeList = (list: { PolicyDocument?: string; PolicyName?: string }[] | undefined) => (list ?? []).map((p) => ({ ...p, PolicyDocument: decodePolicyDocument(p.PolicyDocument) }));

function* records(page: GetAccountAuthorizationDetailsCommandOutput): Generator<Record<string, unknown>> {
  for (const u of page.UserDetailList ?? []) yield { type: 'user', ...u, UserPolicyList: decodeList(u.UserPolicyList) };
  for (const g of page.GroupDetailList ?? []) yield { type: 'group', ...g, GroupPolicyList: decodeList(g.GroupPolicyList) };
  for (const r of page.RoleDetailList ?? [])
    yield { type: 'role', ...r, AssumeRolePolicyDocument: decodePolicyDocument(r.AssumeRolePolicyDocument), RolePolicyList: decodeList(r.RolePolicyList) };
  for (const p of page.Policies ?? [])
    yield { type: 'policy', ...p, PolicyVersionList: (p.PolicyVersionList ?? []).map((v) => ({ ...v, Document: decodePolicyDocument(v.Document) })) };
}

// the timer and its abort listener both go away when the wait ends
const sleep = (ms: number, signal: AbortSignal) => sleepFor(ms, undefined, { signal });

/**
 * The ml-privileges analysis, fed every record while `aws.iam.authorization-details` is written, so that
 * artifact (22 MB for a large account) is never read back for it. Its settings are validated (iam-data)
 * while the first page is on its way. An error (settings, or a record the analysis cannot read) stops the
 * feed, never the collection, and becomes the ml-privileges gap, as when the analysis ran afterwards.
 */
function mlFeed(o: MlAccessOptions) {
  let analysis: MlAccessAnalysis | null = null;
  let error: unknown;
  const ready = MlAccessAnalysis.create(o).then(
    (a) => void (analysis = a),
    (e) => void (error = e),
  );
  return {
    ready,
    add(r: Record<string, unknown>): void {
      if (!analysis) return;
      try {
        // the written line is JSON.stringify(r); what the analysis reads of r (strings, booleans and
        // documents already JSON.parse'd) is the same after that round trip
        analysis.add(r as unknown as AuthorizationRecord);
      } catch (e) {
        error = e;
        analysis = null;
      }
    },
    /** a training bucket's policy (null: it has none), or `undefined` when it could not be read */
    bucketPolicy(bucket: string, doc: PolicyDocument | null | undefined): void {
      analysis?.setBucketPolicy(bucket, doc);
    },
    /** a model package group's resource policy (null: none; undefined: could not be read) */
    groupPolicy(arn: string, doc: PolicyDocument | null | undefined): void {
      analysis?.setGroupPolicy(arn, doc);
    },
    /** the account's SCPs, applied to the decisions */
    scps(e: ScpEvidence): void {
      analysis?.setScps(e);
    },
    /** once: hands the analysis over, so its index (about 10 MB for a large account) is freed with it */
    async result() {
      await ready;
      const a = analysis;
      analysis = null;
      if (!a) throw error;
      return a.result();
    },
  };
}
type MlFeed = ReturnType<typeof mlFeed>;

/** Writes `aws.iam.authorization-details` page by page, feeding each record to the ml-privileges analysis too. */
async function collectAuthorizationDetails(ctx: AwsContext, iam: IAMClient, ml: MlFeed, access: AccessSnapshot): Promise<void> {
  const out = await ctx.artifacts.ndjson('aws.iam.authorization-details');
  const params = { Filter: [...FILTERS], MaxItems: 1000 };
  const counts = { user: 0, group: 0, role: 0, policy: 0 };
  let op: OperationRecord = { api: 'iam:GetAccountAuthorizationDetails', params, pages: 0 };
  try {
    op = await ctx.paginate.all(
      { api: 'iam:GetAccountAuthorizationDetails', params },
      async (Marker) => {
        const page = await iam.send(new GetAccountAuthorizationDetailsCommand({ ...params, Marker }), { abortSignal: ctx.signal });
        op.pages++;
        return { page, next: truncatedMarker('iam:GetAccountAuthorizationDetails', page) };
      },
      async (page) => {
        await ml.ready;
        for (const r of records(page)) {
          counts[r.type as keyof typeof counts]++;
          await out.write(r);
          ml.add(r);
          access.add(r);
        }
      },
    );
    await out.finish({ operations: [op], complete: true, notes: { counts } });
  } catch (e) {
    ctx.gap({ api: 'iam:GetAccountAuthorizationDetails', ...describeError(e) });
    await out.finish({ operations: [op], complete: false, notes: { counts, stoppedAfterPages: op.pages } });
  }
}

/** S3 follows a bucket to its region: a training bucket need not be in the source's first region. */
class RegionFollowingS3 extends S3Client {
  constructor(config: ConstructorParameters<typeof S3Client>[0]) {
    super({ ...config, followRegionRedirects: true });
  }
}

/**
 * s3:GetBucketPolicy of each training-data bucket named without wildcards: the resource policy the
 * ml-privileges analysis adds to the identity side (a grant to a principal of this account or of
 * another, a Deny). NoSuchBucketPolicy is the answer "no policy"; any other failure is a gap, and the
 * analysis marks that bucket's rows incomplete.
 */
/** The answer's policy document; one without a Statement is not a bucket policy (a gap, never "grants nothing"). */
function bucketPolicy(text: string | undefined): PolicyDocument {
  let raw: unknown;
  try {
    raw = JSON.parse(text ?? '');
  } catch {
    raw = undefined;
  }
  if (!raw || typeof raw !== 'object' || !('Statement' in raw)) throw Object.assign(new Error('the answer is not a bucket policy (no Statement)'), { name: 'MalformedBucketPolicy' });
  return decodePolicyDocument(text)!;
}

interface BucketPolicies {
  policies: Record<string, { present: boolean; policy: PolicyDocument | null }>;
  operations: OperationRecord[];
  complete: boolean;
}

async function collectBucketPolicies(ctx: AwsContext, s: IamSettings, ml: MlFeed): Promise<BucketPolicies> {
  const buckets = s.readTrainingBucketPolicies ? ctx.source.trainingDataBuckets.filter((b) => !/[*?]/.test(b)) : [];
  if (!buckets.length) return { policies: {}, operations: [], complete: true };
  const s3 = makeClient(RegionFollowingS3, ctx.aws);
  const out: Record<string, { present: boolean; policy: PolicyDocument | null }> = {};
  const ops: OperationRecord[] = [];
  let complete = true;
  try {
    for (const Bucket of buckets) {
      ops.push({ api: 's3:GetBucketPolicy', params: { Bucket }, pages: 1 });
      try {
        const r = await s3.send(new GetBucketPolicyCommand({ Bucket }), { abortSignal: ctx.signal });
        out[Bucket] = { present: true, policy: bucketPolicy(r.Policy) };
      } catch (e) {
        if ((e as { name?: string }).name === 'NoSuchBucketPolicy') out[Bucket] = { present: false, policy: null };
        else {
          complete = false;
          const d = describeError(e);
          ctx.gap({ api: 's3:GetBucketPolicy', ...d, message: `${Bucket}: ${d.message}` });
          ml.bucketPolicy(Bucket, undefined);
          continue;
        }
      }
      ml.bucketPolicy(Bucket, out[Bucket]!.policy);
    }
    return { policies: out, operations: ops, complete };
  } finally {
    s3.destroy();
  }
}

/**
 * With `organization` configured: the SCPs on the account's OU path (scp.ts), written as
 * `aws.iam.service-control-policies` and handed to the analysis. A failed call is a gap, and the
 * artifact (incomplete) says which; the analysis then makes every decision `error`.
 */
async function collectScps(ctx: AwsContext, ml: MlFeed): Promise<{ operations: OperationRecord[]; complete: boolean }> {
  const r = await readScps(ctx);
  if (!r) return { operations: [], complete: true };
  const { evidence, operations } = r;
  const complete = evidence.status !== 'error';
  if (evidence.status === 'error') ctx.gap(evidence.error);
  ml.scps(evidence);
  const policies = new Set(evidence.levels.flatMap((l) => l.policies.map((p) => p.id))).size;
  await ctx.artifacts.json('aws.iam.service-control-policies', evidence, { operations, complete, records: evidence.levels.length, notes: { levels: evidence.levels.length, policies } });
  return { operations, complete };
}

export const GROUPS_KIND = 'aws.sagemaker.model-package-groups';

/**
 * The model package groups' resource policies, as sagemaker-registry recorded them in this bundle for
 * this account (every region it ran in): no call of aws-iam's own. A group whose policy read failed, or
 * a region whose listing is incomplete, leaves grants unknown (the artifact says so and is incomplete);
 * sagemaker-registry not running is stated in the notes.
 */
async function collectGroupPolicies(ctx: AwsContext, ml: MlFeed): Promise<{ complete: boolean; notes: string[] }> {
  const found = ctx.run.find(GROUPS_KIND, { source: ctx.target.source, account: ctx.aws.account });
  if (!found.length) return { complete: true, notes: ['model package group policies not evaluated: sagemaker-registry did not run for this account in this bundle'] };
  let complete = true;
  const notes: string[] = [];
  for (const art of found) {
    if (!art.complete) {
      complete = false;
      notes.push(`the model package groups of ${art.scope.region ?? 'a region'} are incomplete (${art.path}): grants of the groups missing from it are unknown`);
    }
    for await (const g of art.iterate<{ ModelPackageGroupName: string; ModelPackageGroupArn: string | null; resourcePolicy: Record<string, unknown> | null }>()) {
      const arn = g.ModelPackageGroupArn ?? `arn:aws:sagemaker:${art.scope.region}:${ctx.aws.account}:model-package-group/${g.ModelPackageGroupName}`;
      const rp = g.resourcePolicy;
      if (rp && 'error' in rp) complete = false;
      ml.groupPolicy(arn, rp && 'error' in rp ? undefined : (rp as PolicyDocument | null));
    }
  }
  return { complete, notes };
}

/** Derived from the authorization details just written (fed to `ml` while writing them): no extra API call, no re-read. */
/** The ML holders for the access-changes log: null when the artifact is not written or incomplete. */
async function collectMlPrivileges(ctx: AwsContext, s: IamSettings, ml: MlFeed, buckets: BucketPolicies, scps: { operations: OperationRecord[]; complete: boolean }): Promise<MlHolders | null> {
  if (!ctx.written.complete('aws.iam.authorization-details')) return null; // the gap is already recorded
  try {
    const groups = await collectGroupPolicies(ctx, ml);
    const r = await ml.result();
    r.notes.push(...groups.notes);
    const operations = [...buckets.operations, ...scps.operations];
    const complete = buckets.complete && scps.complete && groups.complete;
    await ctx.artifacts.json(
      'aws.iam.ml-privileges',
      { actions: s.mlActions, bucketActions: s.mlBucketActions, buckets: ctx.source.trainingDataBuckets, principalsEvaluated: r.principalsEvaluated, unknown: r.unknown, unreadBucketPolicies: r.unreadBucketPolicies, unreadGroupPolicies: r.unreadGroupPolicies, bucketPolicies: buckets.policies, ...(r.scp ? { scp: r.scp } : {}), notes: r.notes, assets: r.assets, principals: r.principals, rows: r.rows },
      { operations, complete, records: r.rows.length, notes: { derivedFrom: ['aws.iam.authorization-details', ...(r.scp ? ['aws.iam.service-control-policies'] : []), ...(ctx.run.find(GROUPS_KIND, { source: ctx.target.source, account: ctx.aws.account }).length ? [GROUPS_KIND] : [])].join(', '), apiCalls: operations.length } },
    );
    return complete ? mlHoldersOf(r) : null;
  } catch (e) {
    ctx.gap({ api: 'settings.aws-iam.mlActions', ...describeError(e) });
    return null;
  }
}

/** GetCredentialReport's answers while a report is being generated, or when none is there to get. */
const REPORT_NOT_READY = 'CredentialReportNotReadyException'; // ReportInProgress
const REPORT_ABSENT = new Set(['CredentialReportNotPresentException', 'CredentialReportExpiredException']); // ReportNotPresent, ReportExpired

/**
 * GenerateCredentialReport once (it answers COMPLETE when a report under four hours old exists),
 * then GetCredentialReport until the report is there: polling with Get instead of Generate saves the
 * call that would only say COMPLETE. A report that vanished meanwhile is generated again.
 */
async function collectCredentialReport(ctx: AwsContext, iam: IAMClient, s: IamSettings): Promise<void> {
  const ops: OperationRecord[] = [];
  let generates = 0;
  let gets = 0;
  const record = () => {
    ops.length = 0;
    ops.push({ api: 'iam:GenerateCredentialReport', params: {}, pages: generates, calls: generates }, { api: 'iam:GetCredentialReport', params: {}, pages: 1, calls: gets });
  };
  try {
    const deadline = Date.now() + s.credentialReportWaitSeconds * 1000;
    let delay = 100;
    let state: string | undefined;
    const generate = async () => {
      state = (await iam.send(new GenerateCredentialReportCommand({}), { abortSignal: ctx.signal })).State;
      generates++;
    };
    await generate();
    let rep: GetCredentialReportCommandOutput | undefined;
    while (!rep) {
      // wait before every poll but a first Get of a report said to be COMPLETE: a server that keeps
      // answering COMPLETE to Generate and "not present" to Get must not be asked in a tight loop
      if (gets > 0 || state !== 'COMPLETE') {
        if (Date.now() + delay > deadline) throw Object.assign(new Error(`no report after ${generates + gets} calls in ${s.credentialReportWaitSeconds}s (last state ${state})`), { name: 'ReportNotReady' });
        await sleep(delay, ctx.signal);
        delay = Math.min(delay * 2, 4000);
      }
      try {
        gets++;
        rep = await iam.send(new GetCredentialReportCommand({}), { abortSignal: ctx.signal });
      } catch (e) {
        const name = (e as { name?: string }).name ?? '';
        if (name === REPORT_NOT_READY) state = 'INPROGRESS';
        else if (REPORT_ABSENT.has(name)) await generate();
        else throw e;
      }
    }
    record();
    // a report always holds its header and the root row: no content is a failed answer, not "no users"
    if (!rep.Content || rep.Content.length === 0) throw new MalformedCredentialReport('GetCredentialReport answered without Content');
    const csv = Buffer.from(rep.Content).toString('utf8');
    const { rows, problems } = parseCredentialReport(csv);
    for (const p of problems) ctx.gap({ api: 'iam:GetCredentialReport', code: 'MalformedCredentialReportRow', message: p.message });
    const complete = problems.length === 0;
    const generatedAt = rep.GeneratedTime?.toISOString();
    const notes = { generatedAt, ...(complete ? {} : { incomplete: `${problems.length} unreadable record(s): ${problems.map((p) => p.message).join('; ')}`, unreadableRecords: problems.map((p) => p.line) }) };
    await ctx.artifacts.text('aws.iam.credential-report-csv', csv, { operations: ops, complete, records: rows.length, notes });
    await ctx.artifacts.json('aws.iam.credential-report', { generatedAt, rows }, { operations: ops, complete, records: rows.length, notes });
  } catch (e) {
    ctx.gap({ api: gets ? 'iam:GetCredentialReport' : 'iam:GenerateCredentialReport', ...describeError(e) });
  }
}

async function collectPasswordPolicy(ctx: AwsContext, iam: IAMClient): Promise<void> {
  const op = { api: 'iam:GetAccountPasswordPolicy', params: {}, pages: 1 };
  try {
    const r = await iam.send(new GetAccountPasswordPolicyCommand({}), { abortSignal: ctx.signal });
    await ctx.artifacts.json('aws.iam.password-policy', { present: true, policy: r.PasswordPolicy ?? null }, { operations: [op], complete: true });
  } catch (e) {
    // NoSuchEntity is the answer "this account has no password policy": evidence, not a failure.
    if ((e as { name?: string }).name === 'NoSuchEntityException' || (e as { Code?: string }).Code === 'NoSuchEntity') {
      await ctx.artifacts.json('aws.iam.password-policy', { present: false, policy: null }, { operations: [op], complete: true, notes: { answer: 'NoSuchEntity: no password policy is set' } });
    } else ctx.gap({ api: op.api, ...describeError(e) });
  }
}

/** The root checks read these two keys: an answer without them is a failed answer, never "0 = no MFA / no keys". */
const SUMMARY_KEYS = ['AccountMFAEnabled', 'AccountAccessKeysPresent'] as const;

function accountSummary(r: { SummaryMap?: Record<string, number> }): Record<string, number> {
  const missing = SUMMARY_KEYS.filter((k) => typeof r.SummaryMap?.[k] !== 'number');
  if (missing.length) throw Object.assign(new Error(r.SummaryMap ? `SummaryMap lacks ${missing.join(', ')}` : 'GetAccountSummary answered without a SummaryMap'), { name: 'MalformedAccountSummary' });
  return r.SummaryMap!;
}

async function collectSimple(ctx: AwsContext, kind: string, api: string, call: () => Promise<unknown>, records?: (v: any) => number): Promise<void> {
  try {
    const v = await call();
    await ctx.artifacts.json(kind, v, { operations: [{ api, params: {}, pages: 1 }], complete: true, ...(records ? { records: records(v) } : {}) });
  } catch (e) {
    ctx.gap({ api, ...describeError(e) });
  }
}

async function collectListPaged<T>(ctx: AwsContext, api: string, fetch: (marker?: string) => Promise<{ items: T[]; next?: string }>): Promise<{ items: T[]; op: OperationRecord }> {
  const items: T[] = [];
  const op = await ctx.paginate.all({ api, params: {} }, async (m) => {
    const r = await fetch(m);
    return { page: r.items, next: r.next };
  }, (page) => {
    items.push(...page);
  });
  return { items, op };
}

export async function collect(ctx: AwsContext): Promise<void> {
  const s = ctx.settings as IamSettings;
  const iam = makeClient(IAMClient, ctx.aws);
  const ml = mlFeed({ actions: s.mlActions, bucketActions: s.mlBucketActions, buckets: ctx.source.trainingDataBuckets });
  const access = new AccessSnapshot();
  try {
    await Promise.all([
      ml.ready
        .then(() => Promise.all([collectAuthorizationDetails(ctx, iam, ml, access), collectBucketPolicies(ctx, s, ml), collectScps(ctx, ml)]))
        .then(([, buckets, scps]) => collectMlPrivileges(ctx, s, ml, buckets, scps))
        .then((holders) => writeAccessChanges(ctx, access, holders, ctx.now().toISOString())),
      collectCredentialReport(ctx, iam, s),
      collectPasswordPolicy(ctx, iam),
      collectSimple(ctx, 'aws.iam.account-summary', 'iam:GetAccountSummary', async () => accountSummary(await iam.send(new GetAccountSummaryCommand({}), { abortSignal: ctx.signal }))),
      (async () => {
        try {
          const { items, op } = await collectListPaged(ctx, 'iam:ListVirtualMFADevices', async (Marker) => {
            const r = await iam.send(new ListVirtualMFADevicesCommand({ Marker, MaxItems: 1000 }), { abortSignal: ctx.signal });
            return { items: r.VirtualMFADevices ?? [], next: truncatedMarker('iam:ListVirtualMFADevices', r) };
          });
          await ctx.artifacts.json('aws.iam.virtual-mfa-devices', items, { operations: [op], complete: true });
        } catch (e) {
          ctx.gap({ api: 'iam:ListVirtualMFADevices', ...describeError(e) });
        }
      })(),
      (async () => {
        const ops: OperationRecord[] = [];
        try {
          const saml = await iam.send(new ListSAMLProvidersCommand({}), { abortSignal: ctx.signal });
          ops.push({ api: 'iam:ListSAMLProviders', params: {}, pages: 1 });
          const oidc = await iam.send(new ListOpenIDConnectProvidersCommand({}), { abortSignal: ctx.signal });
          ops.push({ api: 'iam:ListOpenIDConnectProviders', params: {}, pages: 1 });
          const v = { saml: saml.SAMLProviderList ?? [], oidc: oidc.OpenIDConnectProviderList ?? [] };
          await ctx.artifacts.json('aws.iam.identity-providers', v, { operations: ops, complete: true, records: v.saml.length + v.oidc.length });
        } catch (e) {
          ctx.gap({ api: ops.length ? 'iam:ListOpenIDConnectProviders' : 'iam:ListSAMLProviders', ...describeError(e) });
        }
      })(),
    ]);
  } finally {
    iam.destroy();
  }
}
