// AWS Organizations over awsJson1.1 (X-Amz-Target AWSOrganizationsV20161128.*), written from
// the Organizations API reference: ListAccounts, and for SCPs DescribeOrganization, ListParents,
// ListPoliciesForTarget and DescribePolicy of a flat organization (every account under the root, no OUs),
// with AWS's default SCP FullAWSAccess attached to the root and to every account.

import type { HandlerContext } from './types.js';
import { AwsError, awsId, decodeToken, encodeToken, epochSeconds } from './wire.js';

/** The organization as its management account sees it (the only caller allowed these reads). */
function managed(ctx: HandlerContext) {
  const org = ctx.state.organization;
  if (!org) {
    throw new AwsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
  const mgmt = org.managementAccountId ?? org.accounts[0]?.id ?? ctx.state.accounts[0]!.id;
  if (ctx.caller.account.id !== mgmt) {
    throw new AwsError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
  const orgId = org.id ?? `o-${awsId('', `org:${mgmt}`, 10).toLowerCase()}`;
  const rootId = `r-${awsId('', `root:${mgmt}`, 4).toLowerCase()}`;
  return { org, mgmt, orgId, rootId };
}

const FULL_ACCESS = {
  Id: 'p-FullAWSAccess',
  Arn: 'arn:aws:organizations::aws:policy/service_control_policy/p-FullAWSAccess',
  Name: 'FullAWSAccess',
  Description: 'Allows access to every operation',
  Type: 'SERVICE_CONTROL_POLICY',
  AwsManaged: true,
};
const FULL_ACCESS_CONTENT = JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] });

function describeOrganization(ctx: HandlerContext): unknown {
  const { org, mgmt, orgId } = managed(ctx);
  const email = org.accounts.find((a) => a.id === mgmt)?.email ?? `aws+${mgmt}@example.com`;
  return {
    Organization: {
      Id: orgId,
      Arn: `arn:aws:organizations::${mgmt}:organization/${orgId}`,
      FeatureSet: 'ALL',
      MasterAccountArn: `arn:aws:organizations::${mgmt}:account/${orgId}/${mgmt}`,
      MasterAccountId: mgmt,
      MasterAccountEmail: email,
      AvailablePolicyTypes: [{ Type: 'SERVICE_CONTROL_POLICY', Status: 'ENABLED' }],
    },
  };
}

function listParents(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const { org, rootId } = managed(ctx);
  const child = body['ChildId'];
  if (typeof child !== 'string' || !/^(\d{12}|ou-[0-9a-z]{4,32}-[a-z0-9]{8,32})$/.test(child)) throw new AwsError('InvalidInputException', 'You specified an invalid value.');
  if (!org.accounts.some((a) => a.id === child)) throw new AwsError('ChildNotFoundException', 'We can\'t find an organizational unit (OU) or AWS account with the ChildId that you specified.');
  return { Parents: [{ Id: rootId, Type: 'ROOT' }] };
}

function listPoliciesForTarget(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const { org, rootId } = managed(ctx);
  const target = body['TargetId'];
  if (body['Filter'] !== 'SERVICE_CONTROL_POLICY') throw new AwsError('InvalidInputException', 'You specified an invalid value.');
  if (target !== rootId && !org.accounts.some((a) => a.id === target)) throw new AwsError('TargetNotFoundException', 'We can\'t find a root, OU, account, or policy with the TargetId that you specified.');
  return { Policies: [FULL_ACCESS] };
}

function describePolicy(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  managed(ctx);
  if (body['PolicyId'] !== FULL_ACCESS.Id) throw new AwsError('PolicyNotFoundException', 'We can\'t find a policy with the PolicyId that you specified.');
  return { Policy: { PolicySummary: FULL_ACCESS, Content: FULL_ACCESS_CONTENT } };
}

function listAccounts(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const { org, mgmt, orgId } = managed(ctx);
  const raw = body['MaxResults'];
  let size = 20;
  if (raw !== undefined && raw !== null) {
    if (typeof raw !== 'number' || !Number.isInteger(raw) || raw < 1 || raw > 20) {
      throw new AwsError('InvalidInputException', 'You provided a value that does not match the required pattern.');
    }
    size = raw;
  }
  const cap = ctx.runtime.opts.maxPageItems;
  if (cap !== undefined && cap > 0) size = Math.min(size, cap);
  const scope = `orgs:${mgmt}`;
  let from = 0;
  const token = body['NextToken'];
  if (typeof token === 'string' && token !== '') {
    const off = decodeToken(token, scope);
    if (off === undefined) throw new AwsError('InvalidInputException', 'The provided pagination token is invalid.');
    from = off;
  }
  const slice = org.accounts.slice(from, from + size);
  const out: Record<string, unknown> = {
    Accounts: slice.map((a) => {
      const status = a.status ?? 'ACTIVE';
      return {
        Id: a.id,
        Arn: `arn:aws:organizations::${mgmt}:account/${orgId}/${a.id}`,
        Email: a.email,
        Name: a.name,
        Status: status,
        State: status === 'PENDING_CLOSURE' ? 'PENDING_CLOSURE' : status,
        JoinedMethod: a.joinedMethod ?? (a.id === mgmt ? 'INVITED' : 'CREATED'),
        JoinedTimestamp: epochSeconds(a.joined),
      };
    }),
  };
  if (from + slice.length < org.accounts.length) out['NextToken'] = encodeToken(from + slice.length, scope);
  return out;
}

export function handleOrganizations(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  switch (action) {
    case 'ListAccounts':
      return listAccounts(body, ctx);
    case 'DescribeOrganization':
      return describeOrganization(ctx);
    case 'ListParents':
      return listParents(body, ctx);
    case 'ListPoliciesForTarget':
      return listPoliciesForTarget(body, ctx);
    case 'DescribePolicy':
      return describePolicy(body, ctx);
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
  }
}
