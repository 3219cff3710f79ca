// STS over awsQuery, written from the STS API reference: GetCallerIdentity and AssumeRole.
// AssumeRole hands out temporary credentials remembered by access key id, so that requests signed
// with them are served from the assumed role's account.

import { randomBytes } from 'node:crypto';
import type { AssumableRoleSeed, AwsSeed } from './seed.js';
import { roleId as seededRoleId } from './iam.js';
import { findAccount } from './accounts.js';
import type { HandlerContext, StsSession } from './types.js';
import { AwsError, awsId, isoSeconds, x, xs } from './wire.js';

export const STS_XMLNS = 'https://sts.amazonaws.com/doc/2011-06-15/';

const ROLE_ARN = /^arn:aws[a-z-]*:iam::(\d{12}):role\/(?:[\x21-\x7e]*\/)?([\w+=,.@-]+)$/;
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function randomKeyId(): string {
  const b = randomBytes(16);
  let out = 'ASIA';
  for (let i = 0; i < 16; i++) out += BASE32[b[i]! % 32];
  return out;
}

function assumable(seed: AwsSeed, arn: string): AssumableRoleSeed | undefined {
  if (!seed.assumableRoles) return undefined;
  for (const r of seed.assumableRoles) {
    const entry = typeof r === 'string' ? { arn: r } : r;
    if (entry.arn === arn) return entry;
  }
  return undefined;
}

function assumeRole(params: URLSearchParams, ctx: HandlerContext): string {
  const arn = params.get('RoleArn');
  const sessionName = params.get('RoleSessionName');
  if (!arn) throw new AwsError('ValidationError', "1 validation error detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null");
  if (!sessionName) {
    throw new AwsError('ValidationError', "1 validation error detected: Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null");
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${sessionName}' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*`);
  }
  const durationRaw = params.get('DurationSeconds');
  const duration = durationRaw === null ? 3600 : Number(durationRaw);
  if (!Number.isInteger(duration) || duration < 900 || duration > 43200) {
    throw new AwsError('ValidationError', `1 validation error detected: Value '${durationRaw}' at 'durationSeconds' failed to satisfy constraint: Member must have value between 900 and 43200`);
  }
  const m = ROLE_ARN.exec(arn);
  const denied = () =>
    new AwsError('AccessDenied', `User: ${ctx.caller.arn} is not authorized to perform: sts:AssumeRole on resource: ${arn}`, 403);
  if (!m) throw new AwsError('ValidationError', `${arn} is invalid`);
  const accountId = m[1]!;
  const roleName = m[2]!;
  const target = findAccount(ctx.state, ctx.runtime, accountId);
  if (!target) throw denied();
  const seededRole = target.iam.roles.find((r) => r.name === roleName);
  if (ctx.state.assumableRoles) {
    const entry = assumable(ctx.state, arn);
    if (!entry) throw denied();
    if (entry.externalId !== undefined && entry.externalId !== params.get('ExternalId')) throw denied();
  } else if (!seededRole) {
    throw denied();
  }
  const rid = seededRole ? seededRoleId(target, seededRole) : awsId('AROA', `${accountId}:role:${roleName}`);
  const session: StsSession = {
    accessKeyId: randomKeyId(),
    secretAccessKey: randomBytes(30).toString('base64'),
    sessionToken: 'IQoJb3JpZ2luX2VjE' + randomBytes(96).toString('base64'),
    accountId,
    roleArn: arn,
    roleName,
    roleId: rid,
    sessionName,
    expiration: new Date(ctx.now.getTime() + duration * 1000),
  };
  ctx.runtime.sessions.set(session.accessKeyId, session);
  return (
    xs(
      'Credentials',
      x('AccessKeyId', session.accessKeyId) +
        x('SecretAccessKey', session.secretAccessKey) +
        x('SessionToken', session.sessionToken) +
        x('Expiration', isoSeconds(session.expiration)),
    ) +
    xs('AssumedRoleUser', x('AssumedRoleId', `${rid}:${sessionName}`) + x('Arn', sessionArn(session))) +
    (params.get('Policy') ? x('PackedPolicySize', 6) : '')
  );
}

export function sessionArn(s: StsSession): string {
  return `arn:aws:sts::${s.accountId}:assumed-role/${s.roleName}/${s.sessionName}`;
}

function getCallerIdentity(ctx: HandlerContext): string {
  return x('Arn', ctx.caller.arn) + x('UserId', ctx.caller.userId) + x('Account', ctx.caller.account.id);
}

export function handleSts(action: string, params: URLSearchParams, ctx: HandlerContext): string {
  switch (action) {
    case 'GetCallerIdentity':
      return getCallerIdentity(ctx);
    case 'AssumeRole':
      return assumeRole(params, ctx);
    default:
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version 2011-06-15`);
  }
}
