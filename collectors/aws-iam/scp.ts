// Service control policies on the path of one member account: root, each OU down to the account, and
// the account itself. Read with the organization's credentials (those that listed its accounts), never
// the assumed member role, which cannot see the organization. Answers are cached per source, so an
// organization of many accounts asks once per OU, root and policy.
import { DescribeOrganizationCommand, DescribePolicyCommand, ListParentsCommand, ListPoliciesForTargetCommand, OrganizationsClient } from '@aws-sdk/client-organizations';
import { makeClient } from '../../src/clients/aws.js';
import type { OrganizationAccess } from '../../src/core/sources.js';
import type { OperationRecord } from '../../src/core/types.js';
import { describeError } from '../../src/core/errors.js';
import { withApi, type AwsContext } from '../define.js';
import { decodePolicyDocument, type PolicyDocument } from './policy.js';

export interface ScpPolicy {
  id: string;
  name?: string;
  arn?: string;
  awsManaged?: boolean;
  content: PolicyDocument | null;
}

/** One level of the path: the root, an OU or the account, with the SCPs attached to it. */
export interface ScpLevel {
  id: string;
  type: 'ROOT' | 'ORGANIZATIONAL_UNIT' | 'ACCOUNT';
  policies: ScpPolicy[];
}

/**
 * What SCPs mean for this account's principals:
 * - `applied`: the levels (root first, the account last), each of which must allow a request;
 * - `management-account`: SCPs never restrict the management account;
 * - `not-enabled`: the SERVICE_CONTROL_POLICY type is not enabled in the organization (ListPoliciesForTarget
 *   answered PolicyTypeNotEnabledException, or some level has no SCP at all, which AWS allows only then);
 * - `error`: a call failed; the account's ML-privilege decisions are unknown.
 */
export type ScpEvidence =
  | { status: 'applied'; account: string; managementAccount: string; levels: ScpLevel[] }
  | { status: 'management-account' | 'not-enabled'; account: string; managementAccount?: string; levels: ScpLevel[] }
  | { status: 'error'; account: string; managementAccount?: string; levels: ScpLevel[]; error: { api: string; code: string; message: string } };

/** Parent steps above the account; an organization nests OUs at most five deep, so more is a loop. */
const MAX_DEPTH = 8;

class ScpReader {
  readonly operations: OperationRecord[] = [];
  private readonly client: OrganizationsClient;

  constructor(
    private readonly ctx: AwsContext,
    private readonly org: OrganizationAccess,
  ) {
    this.client = makeClient(OrganizationsClient, { region: org.region, credentials: org.credentials, counter: ctx.aws.counter, circuits: ctx.aws.circuits });
  }

  destroy(): void {
    this.client.destroy();
  }

  /** One answer per key per source; this account's operations list each use, `cached` when another account asked first. */
  private once<T>(key: string, op: OperationRecord, call: () => Promise<T>): Promise<T> {
    const hit = this.org.cache.get(`scp:${key}`) as Promise<{ value: T; pages: number }> | undefined;
    const p = hit ?? withApi(op.api, call()).then((value) => ({ value, pages: op.pages }));
    if (!hit) this.org.cache.set(`scp:${key}`, p);
    return p.then((r) => {
      this.operations.push({ ...op, pages: r.pages, ...(hit ? { params: { ...op.params, cached: true } } : {}) });
      return r.value;
    });
  }

  managementAccount(): Promise<string> {
    return this.once('DescribeOrganization', { api: 'organizations:DescribeOrganization', params: {}, pages: 1 }, async () => {
      const r = await this.client.send(new DescribeOrganizationCommand({}), { abortSignal: this.ctx.signal });
      const id = r.Organization?.MasterAccountId;
      if (!id) throw Object.assign(new Error('DescribeOrganization answered without MasterAccountId'), { name: 'MalformedAnswer' });
      return id;
    });
  }

  parent(childId: string): Promise<{ id: string; type: 'ROOT' | 'ORGANIZATIONAL_UNIT' }> {
    const op = { api: 'organizations:ListParents', params: { ChildId: childId }, pages: 1 };
    return this.once(`ListParents ${childId}`, op, async () => {
      const r = await this.client.send(new ListParentsCommand({ ChildId: childId }), { abortSignal: this.ctx.signal });
      const p = r.Parents ?? [];
      // an account or OU has exactly one parent
      if (p.length !== 1 || !p[0]!.Id || (p[0]!.Type !== 'ROOT' && p[0]!.Type !== 'ORGANIZATIONAL_UNIT')) throw Object.assign(new Error(`ListParents ${childId} answered ${p.length} parents (expected one ROOT or ORGANIZATIONAL_UNIT)`), { name: 'MalformedAnswer' });
      return { id: p[0]!.Id, type: p[0]!.Type };
    });
  }

  /** Every SCP attached to the target, to the last page. */
  attached(targetId: string): Promise<{ id: string; name?: string; arn?: string; awsManaged?: boolean }[]> {
    const op: OperationRecord = { api: 'organizations:ListPoliciesForTarget', params: { TargetId: targetId, Filter: 'SERVICE_CONTROL_POLICY' }, pages: 0 };
    return this.once(`ListPoliciesForTarget ${targetId}`, op, async () => {
      const out: { id: string; name?: string; arn?: string; awsManaged?: boolean }[] = [];
      await this.ctx.paginate.all(
        { api: op.api, params: op.params },
        async (NextToken) => {
          const page = await this.client.send(new ListPoliciesForTargetCommand({ TargetId: targetId, Filter: 'SERVICE_CONTROL_POLICY', NextToken }), { abortSignal: this.ctx.signal });
          op.pages++;
          return { page, next: page.NextToken || undefined };
        },
        (page) => {
          for (const p of page.Policies ?? []) if (p.Id) out.push({ id: p.Id, ...(p.Name ? { name: p.Name } : {}), ...(p.Arn ? { arn: p.Arn } : {}), ...(p.AwsManaged !== undefined ? { awsManaged: p.AwsManaged } : {}) });
        },
      );
      return out;
    });
  }

  content(policyId: string): Promise<PolicyDocument | null> {
    return this.once(`DescribePolicy ${policyId}`, { api: 'organizations:DescribePolicy', params: { PolicyId: policyId }, pages: 1 }, async () => {
      const r = await this.client.send(new DescribePolicyCommand({ PolicyId: policyId }), { abortSignal: this.ctx.signal });
      const text = r.Policy?.Content;
      const doc = decodePolicyDocument(text);
      if (!doc || typeof doc !== 'object' || !('Statement' in doc)) throw Object.assign(new Error(`DescribePolicy ${policyId}: the content is not a policy document`), { name: 'MalformedPolicy' });
      return doc;
    });
  }

  /** The account's path, root first, with each level's policies and their content. */
  async levels(account: string): Promise<ScpLevel[]> {
    const path: { id: string; type: ScpLevel['type'] }[] = [{ id: account, type: 'ACCOUNT' }];
    for (let child = account, depth = 0; ; depth++) {
      if (depth >= MAX_DEPTH) throw Object.assign(new Error(`ListParents: no root within ${MAX_DEPTH} levels above ${account}`), { name: 'MalformedAnswer' });
      const p = await this.parent(child);
      path.unshift(p);
      if (p.type === 'ROOT') break;
      child = p.id;
    }
    return Promise.all(
      path.map(async (l) => {
        const attached = await this.attached(l.id);
        return { ...l, policies: await Promise.all(attached.map(async (p) => ({ ...p, content: await this.content(p.id) }))) };
      }),
    );
  }
}

/**
 * The SCP evidence of the context's account, or undefined without `organization`. Never throws: a failed
 * call is the `error` status (with the call), which the caller records as a gap.
 */
export async function readScps(ctx: AwsContext): Promise<{ evidence: ScpEvidence; operations: OperationRecord[] } | undefined> {
  const org = ctx.aws.organization;
  if (!org) return undefined;
  const reader = new ScpReader(ctx, org);
  const account = ctx.aws.account;
  let managementAccount: string | undefined;
  try {
    managementAccount = await reader.managementAccount();
    if (managementAccount === account) return { evidence: { status: 'management-account', account, managementAccount, levels: [] }, operations: reader.operations };
    const levels = await reader.levels(account);
    // with SCPs enabled no root, OU or account can be left without one (AWS refuses to detach the last):
    // a level without any means the policy type is off, not "nothing is allowed"
    if (levels.some((l) => !l.policies.length)) return { evidence: { status: 'not-enabled', account, managementAccount, levels }, operations: reader.operations };
    return { evidence: { status: 'applied', account, managementAccount, levels }, operations: reader.operations };
  } catch (e) {
    const name = (e as { name?: string }).name ?? '';
    if (name === 'PolicyTypeNotEnabledException') return { evidence: { status: 'not-enabled', account, ...(managementAccount ? { managementAccount } : {}), levels: [] }, operations: reader.operations };
    const error = { api: (e as { api?: string }).api ?? 'organizations:ListParents', ...describeError(e) };
    return { evidence: { status: 'error', account, ...(managementAccount ? { managementAccount } : {}), levels: [], error }, operations: reader.operations };
  } finally {
    reader.destroy();
  }
}
