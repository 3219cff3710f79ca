// The AWS sandbox: one loopback HTTP server (node:http only) speaking IAM and STS (awsQuery) and
// Secrets Manager, Organizations and SageMaker (awsJson1.1), as the real AWS SDK v3 sends them: every call is
// `POST /`, routed on X-Amz-Target or on `Action=` of the form body. Signatures are not verified;
// the access key id of the SigV4 credential scope picks the account, its region the region.
// A test oracle: it imports nothing of the project but its own folder.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsAccountSeed, AwsSeed } from './seed.js';
import { IAM_XMLNS, accessKeyId, handleIam, userArn, userId } from './iam.js';
import { STS_XMLNS, handleSts, sessionArn } from './sts.js';
import { findAccount } from './accounts.js';
import { handleSecrets } from './secrets.js';
import { handleOrganizations } from './organizations.js';
import { handleSageMaker } from './sagemaker.js';
import { handleCloudTrail } from './cloudtrail.js';
import { backupAction, handleBackup, handleCloudWatch, handleEcr } from './monitoring.js';
import { ApiError, answerBedrock, bedrockAction } from './bedrock.js';
import { handleKms, handleS3, S3Error, s3Action, type XmlAnswer } from './datastores.js';
import type {
  AwsSandbox,
  AwsSandboxOptions,
  AwsService,
  Caller,
  Fault,
  FaultKind,
  HandlerContext,
  RecordedRequest,
  Runtime,
} from './types.js';
import { AwsError, awsId, queryEnvelope, queryErrorEnvelope, requestId as newRequestId, xmlEscape } from './wire.js';

const MAX_BODY = 16 * 1024 * 1024;
const SCOPE = /Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request/;

interface ParsedRequest {
  service: AwsService | 'unknown';
  protocol: 'query' | 'json' | 'rest' | 'xml';
  /** restJson1 (Backup, Bedrock) and restXml (S3): the plan and selection, the model or job, the bucket of the path */
  path?: { planId?: string; selectionId?: string; id?: string; bucket?: string };
  /** the query string of a REST request */
  query?: URLSearchParams;
  method?: string;
  action: string;
  form?: URLSearchParams;
  json?: Record<string, unknown>;
  params: Record<string, unknown>;
  accessKeyId: string | undefined;
  region: string;
  /** Set when the request itself cannot be parsed. */
  error?: AwsError;
}

interface Reply {
  status: number;
  contentType: string;
  body: string;
  error?: string;
  headers?: Record<string, string>;
}

interface ActiveFault {
  fault: Fault;
  remaining: number;
  /** matching calls still to let through before the fault starts */
  skip: number;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function parseRequest(req: IncomingMessage, body: string): ParsedRequest {
  const auth = header(req, 'authorization') ?? '';
  const scope = SCOPE.exec(auth);
  const accessKey = scope?.[1];
  const region = scope?.[3] ?? 'us-east-1';
  const scopeService = scope?.[4];
  const url = new URL(req.url ?? '/', 'http://sandbox');
  const method = req.method ?? 'GET';
  const rest = backupAction(method, url.pathname);
  if (rest) {
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    return { service: 'backup', protocol: 'rest', action: rest.action, path: { ...(rest.planId ? { planId: rest.planId } : {}), ...(rest.selectionId ? { selectionId: rest.selectionId } : {}) }, params, accessKeyId: accessKey, region };
  }
  if (scopeService === 's3') {
    const a = s3Action(method, url.pathname, url.searchParams);
    const params: Record<string, unknown> = { ...Object.fromEntries(url.searchParams), ...(a.bucket ? { Bucket: a.bucket } : {}), ...(a.service === 's3control' ? { AccountId: header(req, 'x-amz-account-id') } : {}) };
    return { service: a.service, protocol: 'xml', action: a.action, path: a.bucket ? { bucket: a.bucket } : {}, query: url.searchParams, method, params, accessKeyId: accessKey, region };
  }
  if (method !== 'POST') {
    // restJson1 reads: Bedrock's; any other path is no operation of this sandbox, answered as AWS's REST front does
    const b = bedrockAction(method, url.pathname);
    const params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const error = b ? undefined : new AwsError('UnknownOperationException', `No operation matches ${method} ${url.pathname}`, 404);
    return { service: b ? 'bedrock' : 'unknown', protocol: 'rest', action: b?.action ?? '', path: b?.id ? { id: b.id } : {}, query: url.searchParams, params, accessKeyId: accessKey, region, error };
  }
  const target = header(req, 'x-amz-target');
  if (target) {
    // the action follows the last dot (CloudTrail's prefix is dotted: com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101)
    const dot = target.lastIndexOf('.');
    const prefix = dot < 0 ? target : target.slice(0, dot);
    const action = dot < 0 ? '' : target.slice(dot + 1);
    const service: AwsService | 'unknown' =
      prefix === 'secretsmanager'
        ? 'secretsmanager'
        : prefix === 'AWSOrganizationsV20161128'
          ? 'organizations'
          : prefix === 'SageMaker'
            ? 'sagemaker'
            : prefix === 'CloudTrail_20131101' || prefix.endsWith('.CloudTrail_20131101')
              ? 'cloudtrail'
              : prefix === 'GraniteServiceVersion20100801'
                ? 'cloudwatch'
                : prefix === 'AmazonEC2ContainerRegistry_V20150921'
                  ? 'ecr'
                  : prefix === 'TrentService'
                    ? 'kms'
                    : 'unknown';
    let json: Record<string, unknown> = {};
    let error: AwsError | undefined;
    if (body.trim() !== '') {
      try {
        const parsed: unknown = JSON.parse(body);
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
        json = parsed as Record<string, unknown>;
      } catch {
        error = new AwsError('SerializationException', 'Start of structure or map found where not expected.');
      }
    }
    if (service === 'unknown') error = new AwsError('UnknownOperationException', `Unknown target ${target}`);
    return { service, protocol: 'json', action, json, params: json, accessKeyId: accessKey, region, error };
  }
  const form = new URLSearchParams(body);
  const action = form.get('Action') ?? '';
  const version = form.get('Version');
  const service: AwsService =
    version === '2011-06-15' ? 'sts' : version === '2010-05-08' ? 'iam' : scopeService === 'sts' ? 'sts' : 'iam';
  const params: Record<string, unknown> = {};
  for (const [k, v] of form) if (k !== 'Action' && k !== 'Version') params[k] = v;
  const error = action === '' ? new AwsError('MissingAction', 'Missing Action') : undefined;
  return { service, protocol: 'query', action, form, params, accessKeyId: accessKey, region, error };
}

/** Each service's own spelling of a fault. */
function faultError(kind: FaultKind, service: AwsService | 'unknown', action: string, caller: Caller | undefined): AwsError {
  const json = service !== 'iam' && service !== 'sts' && service !== 'unknown';
  const who = caller?.arn ?? 'arn:aws:iam::000000000000:user/unknown';
  if (service === 's3' || service === 's3control') return s3Fault(kind, who, action);
  switch (kind) {
    case 'throttle':
      if (service === 'bedrock') return new AwsError('ThrottlingException', 'Too many requests, please wait before trying again.', 429);
      if (service === 'organizations') {
        return new AwsError('TooManyRequestsException', "AWS Organizations can't complete your request because another request is already in progress. Try again later.");
      }
      return json ? new AwsError('ThrottlingException', 'Rate exceeded') : new AwsError('Throttling', 'Rate exceeded');
    case 'error500':
      if (service === 'secretsmanager') return new AwsError('InternalServiceError', 'An error occurred on the server side.', 500);
      if (service === 'organizations') return new AwsError('ServiceException', 'AWS Organizations can\'t complete your request because of an internal service error. Try again later.', 500);
      if (service === 'sts' || service === 'sagemaker' || service === 'cloudtrail' || service === 'cloudwatch' || service === 'ecr') return new AwsError('InternalFailure', 'An internal error has occurred.', 500);
      if (service === 'kms') return new AwsError('KMSInternalException', 'An internal error has occurred.', 500);
      if (service === 'bedrock') return new AwsError('InternalServerException', 'An internal server error occurred. Retry your request.', 500);
      return new AwsError('ServiceFailure', 'Request processing has failed because of an unknown error, exception or failure.', 500);
    case 'error503':
      return json
        ? new AwsError('ServiceUnavailableException', 'Service Unavailable', 503)
        : new AwsError('ServiceUnavailable', 'Service Unavailable', 503);
    case 'deny':
      if (service === 'organizations') return new AwsError('AccessDeniedException', "You don't have permissions to access this resource.");
      if (service === 'backup' || service === 'bedrock') return new AwsError('AccessDeniedException', `User: ${who} is not authorized to perform: ${service}:${action}`, 403);
      if (service === 'kms' || service === 'secretsmanager' || service === 'sagemaker' || service === 'cloudtrail' || service === 'cloudwatch' || service === 'ecr') {
        return new AwsError('AccessDeniedException', `User: ${who} is not authorized to perform: ${service}:${action} because no identity-based policy allows the ${service}:${action} action`);
      }
      return new AwsError('AccessDenied', `User: ${who} is not authorized to perform: ${service}:${action} on resource: *`, 403);
    case 'expiredToken':
      return json
        ? new AwsError('ExpiredTokenException', 'The security token included in the request is expired')
        : new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
    default:
      return new AwsError('InternalFailure', `fault ${kind}`, 500);
  }
}

/** S3's spelling (restXml, S3 and S3 Control alike): SlowDown 503, InternalError 500, AccessDenied 403, ExpiredToken 400. */
function s3Fault(kind: FaultKind, who: string, action: string): AwsError {
  switch (kind) {
    case 'throttle':
      return new AwsError('SlowDown', 'Please reduce your request rate.', 503);
    case 'error503':
      return new AwsError('ServiceUnavailable', 'Service is unable to handle request.', 503);
    case 'deny':
      return new AwsError('AccessDenied', `User: ${who} is not authorized to perform: s3:${action} because no identity-based policy allows the s3:${action} action`, 403);
    case 'expiredToken':
      return new AwsError('ExpiredToken', 'The provided token has expired.', 400);
    default:
      return new AwsError('InternalError', 'We encountered an internal error. Please try again.', 500);
  }
}

function defaultAccount(state: AwsSeed): AwsAccountSeed {
  const id = state.defaultAccountId;
  return (id ? state.accounts.find((a) => a.id === id) : undefined) ?? state.accounts[0]!;
}

function userIdForArn(account: AwsAccountSeed, arn: string): string {
  if (account.callerUserId) return account.callerUserId;
  if (arn.endsWith(':root')) return account.id;
  const assumed = /:assumed-role\/([^/]+)\/(.+)$/.exec(arn);
  if (assumed) return `${awsId('AROA', `${account.id}:role:${assumed[1]}`)}:${assumed[2]}`;
  return awsId('AIDA', arn);
}

/** Attributes a request to an account: STS session, seeded key of a user or account, else the default account. */
// user access key → owner, rebuilt when the number of users or keys changes (mutators add and remove
// them): a request signed with an unknown key (the common case against the sandbox) costs a count,
// not a lookup of every key of every user
const keyIndexes = new WeakMap<AwsSeed, { size: number; map: Map<string, { account: AwsSeed['accounts'][number]; user: AwsSeed['accounts'][number]['iam']['users'][number] }> }>();
function userKeyIndex(state: AwsSeed) {
  let size = state.accounts.length;
  for (const a of state.accounts) for (const u of a.iam.users) size += 1 + u.accessKeys.length;
  let idx = keyIndexes.get(state);
  if (!idx || idx.size !== size) {
    idx = { size, map: new Map() };
    for (const account of state.accounts) for (const user of account.iam.users) for (const [i, k] of user.accessKeys.entries()) idx.map.set(accessKeyId(account, user.name, i, k), { account, user });
    keyIndexes.set(state, idx);
  }
  return idx.map;
}

function resolveCaller(state: AwsSeed, runtime: Runtime, key: string | undefined, now: Date): Caller {
  if (key) {
    const session = runtime.sessions.get(key);
    if (session) {
      if (session.expiration.getTime() <= now.getTime()) {
        throw new AwsError('ExpiredToken', 'The security token included in the request is expired', 403);
      }
      const account = findAccount(state, runtime, session.accountId);
      if (!account) throw new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403);
      return { account, arn: sessionArn(session), userId: `${session.roleId}:${session.sessionName}`, accessKeyId: key };
    }
    for (const account of state.accounts) {
      if (account.accessKeyIds?.includes(key)) {
        return { account, arn: account.callerArn, userId: userIdForArn(account, account.callerArn), accessKeyId: key };
      }
    }
    const owner = userKeyIndex(state).get(key);
    if (owner) return { account: owner.account, arn: userArn(owner.account, owner.user), userId: userId(owner.account, owner.user), accessKeyId: key };
  }
  const account = defaultAccount(state);
  return { account, arn: account.callerArn, userId: userIdForArn(account, account.callerArn), accessKeyId: key };
}

// IAM, STS (the global endpoint) and Organizations quotas are per account; the rest per region too
const GLOBAL_SERVICES = new Set(['iam', 'sts', 'organizations']);

class TokenBuckets {
  private buckets = new Map<string, { tokens: number; at: number }>();
  constructor(private limits: Record<string, number> | undefined) {}
  /** true when the call may proceed. Quotas are per account, and per region for regional services. */
  take(account: string, service: string, action: string, region: string, nowMs: number): boolean {
    if (!this.limits) return true;
    const rate = this.limits[action] ?? this.limits[`${service}:${action}`] ?? this.limits['*'];
    if (rate === undefined || rate <= 0) return true;
    const key = `${account}|${GLOBAL_SERVICES.has(service) ? '' : region}|${service}|${action}`;
    const cap = Math.max(1, rate);
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: cap, at: nowMs };
      this.buckets.set(key, b);
    }
    b.tokens = Math.min(cap, b.tokens + ((nowMs - b.at) / 1000) * rate);
    b.at = nowMs;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return true;
    }
    return false;
  }
  clear(): void {
    this.buckets.clear();
  }
}

function xmlns(service: AwsService | 'unknown'): string {
  return service === 'sts' ? STS_XMLNS : IAM_XMLNS;
}

function errorReply(p: ParsedRequest, err: AwsError, rid: string): Reply {
  if (p.protocol === 'xml') {
    // a HEAD answer has no body: the SDK knows the error by its status alone
    const s3 = err instanceof S3Error ? err : null;
    if (p.method === 'HEAD') return { status: err.status, contentType: 'application/xml', body: '', error: err.code, ...(s3 ? { headers: s3.headers } : {}) };
    const inner = `<Code>${err.code}</Code><Message>${xmlEscape(err.message)}</Message>${Object.entries(s3?.elements ?? {}).map(([k, v]) => `<${k}>${xmlEscape(v)}</${k}>`).join('')}`;
    const body = p.service === 's3control' ? `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse><Error>${inner}</Error><RequestId>${rid}</RequestId></ErrorResponse>` : `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${inner}${p.path?.bucket ? `<BucketName>${xmlEscape(p.path.bucket)}</BucketName>` : ''}<RequestId>${rid}</RequestId></Error>`;
    return { status: err.status, contentType: 'application/xml', body, error: err.code, headers: { 'x-amz-request-id': rid, ...s3?.headers } };
  }
  if (p.protocol === 'rest' && p.service !== 'backup') {
    return { status: err.status, contentType: 'application/json', body: JSON.stringify({ message: err.message }), error: err.code, headers: { 'x-amzn-ErrorType': err.code } };
  }
  if (p.protocol === 'rest') {
    return { status: err.status, contentType: 'application/json', body: JSON.stringify({ Code: err.code, Message: err.message }), error: err.code, headers: { 'x-amzn-ErrorType': err.code } };
  }
  if (p.protocol === 'json') {
    const messageKey = p.service === 'organizations' ? 'Message' : 'message';
    return {
      status: err.status,
      contentType: 'application/x-amz-json-1.1',
      body: JSON.stringify({ __type: err.code, [messageKey]: err.message }),
      error: err.code,
    };
  }
  return { status: err.status, contentType: 'text/xml', body: queryErrorEnvelope(err, rid, xmlns(p.service)), error: err.code };
}

function bedrockReply(p: ParsedRequest, ctx: HandlerContext): Reply {
  const seed = ctx.caller.account.bedrock?.[ctx.region] ?? { logging: null, models: [] };
  try {
    const body = answerBedrock({ account: ctx.caller.account.id, region: ctx.region, ...seed }, p.action, p.path?.id, p.query ?? new URLSearchParams(), ctx.runtime.opts.maxPageItems);
    return { status: 200, contentType: 'application/json', body: JSON.stringify(body) };
  } catch (e) {
    if (e instanceof ApiError) throw new AwsError(e.type, e.message, e.status);
    throw e;
  }
}

function xmlReply(a: XmlAnswer): Reply {
  return { status: a.status, contentType: a.contentType ?? 'application/xml', body: a.body, ...(a.headers ? { headers: a.headers } : {}) };
}

function dispatch(p: ParsedRequest, ctx: HandlerContext): Reply {
  if (p.protocol === 'xml') return xmlReply(handleS3(p.action, p.path?.bucket, p.query ?? new URLSearchParams(), ctx));
  if (p.service === 'bedrock') return bedrockReply(p, ctx);
  if (p.protocol === 'rest') return { status: 200, contentType: 'application/json', body: JSON.stringify(handleBackup(p.action, p.params, ctx, p.path?.planId, p.path?.selectionId)) };
  if (p.protocol === 'json') {
    const json = p.json ?? {};
    const result = p.service === 'secretsmanager' ? handleSecrets(p.action, json, ctx) : p.service === 'sagemaker' ? handleSageMaker(p.action, json, ctx) : p.service === 'cloudtrail' ? handleCloudTrail(p.action, json, ctx) : p.service === 'cloudwatch' ? handleCloudWatch(p.action, json, ctx) : p.service === 'ecr' ? handleEcr(p.action, json, ctx) : p.service === 'kms' ? handleKms(p.action, json, ctx) : handleOrganizations(p.action, json, ctx);
    return { status: 200, contentType: p.service === 'cloudwatch' ? 'application/x-amz-json-1.0' : 'application/x-amz-json-1.1', body: JSON.stringify(result) };
  }
  const form = p.form ?? new URLSearchParams();
  const inner = p.service === 'sts' ? handleSts(p.action, form, ctx) : handleIam(p.action, form, ctx);
  return { status: 200, contentType: 'text/xml', body: queryEnvelope(p.action, xmlns(p.service), inner, ctx.requestId) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function startAwsSandbox(opts: AwsSandboxOptions): Promise<AwsSandbox> {
  // The seed is JSON by definition; a JSON copy is several times faster than structuredClone on big seeds.
  const original = JSON.stringify(opts.seed);
  let state = JSON.parse(original) as AwsSeed;
  const runtime: Runtime = { opts, sessions: new Map(), credentialReports: new Map() };
  const requests: RecordedRequest[] = [];
  let faults: ActiveFault[] = [];
  // CloudTrail's LookupEvents quota (2 per second per account and region) holds unless a test sets its own
  const buckets = new TokenBuckets({ 'cloudtrail:LookupEvents': 2, ...opts.rateLimits });

  /** Consumes matching faults: the summed latency, and the first other fault. */
  function takeFaults(service: string, action: string): { delay: number; fault?: Fault } {
    let delay = 0;
    let chosen: Fault | undefined;
    for (const f of faults) {
      if (f.remaining <= 0) continue;
      if (f.fault.action !== undefined && f.fault.action !== action) continue;
      if (f.fault.service !== undefined && f.fault.service !== service) continue;
      if (f.skip > 0) {
        f.skip--;
        continue;
      }
      if (f.fault.kind === 'latency') {
        f.remaining--;
        delay += f.fault.ms ?? 1000;
      } else if (!chosen) {
        f.remaining--;
        chosen = f.fault;
      }
    }
    return { delay, fault: chosen };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = Date.now();
    const raw = await readBody(req);
    const p = parseRequest(req, raw);
    const rid = newRequestId();
    const now = new Date(arrived);
    const record: RecordedRequest = {
      service: p.service,
      action: p.action,
      params: p.params,
      account: '',
      region: p.region,
      status: 0,
      at: arrived,
    };
    if (p.accessKeyId !== undefined) record.accessKeyId = p.accessKeyId;
    requests.push(record);

    let caller: Caller | undefined;
    let callerError: AwsError | undefined;
    try {
      caller = resolveCaller(state, runtime, p.accessKeyId, now);
      record.account = caller.account.id;
    } catch (err) {
      if (!(err instanceof AwsError)) throw err;
      callerError = err;
    }

    const { delay, fault } = takeFaults(p.service, p.action);
    const totalDelay = (opts.latencyMs ?? 0) + delay;
    if (totalDelay > 0) await sleep(totalDelay);
    if (delay > 0 && !fault) record.fault = 'latency';

    if (fault?.kind === 'reset') {
      record.fault = 'reset';
      record.status = 0;
      req.socket.resetAndDestroy();
      return;
    }

    let reply: Reply;
    if (p.error) {
      reply = errorReply(p, p.error, rid);
    } else if (callerError || !caller) {
      reply = errorReply(p, callerError ?? new AwsError('InvalidClientTokenId', 'The security token included in the request is invalid.', 403), rid);
    } else if (fault && fault.kind !== 'truncate' && fault.kind !== 'malformed' && fault.kind !== 'rewrite') {
      record.fault = fault.kind;
      reply = errorReply(p, faultError(fault.kind, p.service, p.action, caller), rid);
    } else if (!buckets.take(caller.account.id, p.service, p.action, p.region, Date.now())) {
      reply = errorReply(p, faultError('throttle', p.service, p.action, caller), rid);
    } else {
      const ctx: HandlerContext = { state, runtime, caller, region: p.region, requestId: rid, now };
      try {
        reply = dispatch(p, ctx);
      } catch (err) {
        if (!(err instanceof AwsError)) throw err;
        reply = errorReply(p, err, rid);
      }
    }

    record.status = reply.status;
    if (reply.error) record.error = reply.error;
    const headers: Record<string, string | number> = {
      'Content-Type': reply.contentType,
      'x-amzn-RequestId': rid,
      Date: new Date().toUTCString(),
      ...(reply.headers ?? {}),
    };
    if (fault?.kind === 'malformed' && reply.status === 200) {
      record.fault = 'malformed';
      const body = p.protocol === 'json' ? reply.body.slice(0, Math.max(1, Math.floor(reply.body.length / 3))) + '<html>' : `<${p.action}Response><${p.action}Result><Unclosed attr="x></`;
      headers['Content-Length'] = Buffer.byteLength(body);
      res.writeHead(200, headers);
      res.end(body);
      return;
    }
    if (fault?.kind === 'rewrite' && reply.status === 200 && fault.body) {
      record.fault = 'rewrite';
      reply = { ...reply, body: fault.body(reply.body) };
    }
    const bytes = Buffer.from(reply.body, 'utf8');
    headers['Content-Length'] = bytes.length;
    if (fault?.kind === 'truncate') {
      record.fault = 'truncate';
      res.writeHead(reply.status, headers);
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => {
        req.socket.destroy();
      });
      return;
    }
    res.writeHead(reply.status, headers);
    res.end(bytes);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) {
        const body = `<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code><Message>${message.replace(/[<&>]/g, '')}</Message></Error><RequestId>${newRequestId()}</RequestId></ErrorResponse>`;
        res.writeHead(500, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
      } else {
        res.destroy();
      }
    });
  });
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host ?? '127.0.0.1';

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    requests,
    faults: {
      add(f: Fault) {
        faults.push({ fault: f, remaining: f.times ?? Infinity, skip: f.after ?? 0 });
      },
      clear() {
        faults = [];
      },
    },
    get state() {
      return state;
    },
    reset() {
      state = JSON.parse(original) as AwsSeed;
      requests.length = 0;
      faults = [];
      runtime.sessions.clear();
      runtime.credentialReports.clear();
      buckets.clear();
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
