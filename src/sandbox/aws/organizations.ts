// AWS Organizations over awsJson1.1 (X-Amz-Target AWSOrganizationsV20161128.*), written from
// the Organizations API reference: ListAccounts only.

import type { HandlerContext } from './types.js';
import { AwsError, awsId, decodeToken, encodeToken, epochSeconds } from './wire.js';

function listAccounts(body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const org = ctx.state.organization;
  if (!org) {
    throw new AwsError('AWSOrganizationsNotInUseException', 'Your account is not a member of an organization.');
  }
  const mgmt = org.managementAccountId ?? org.accounts[0]?.id ?? ctx.state.accounts[0]!.id;
  if (ctx.caller.account.id !== mgmt) {
    throw new AwsError('AccessDeniedException', "You don't have permissions to access this resource.");
  }
  const orgId = org.id ?? `o-${awsId('', `org:${mgmt}`, 10).toLowerCase()}`;
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
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
  }
}
