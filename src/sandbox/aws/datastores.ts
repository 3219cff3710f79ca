// S3 (restXml, path style: the SDK puts the bucket in the path for an IP endpoint), S3 Control's
// account public access block (restXml, `GET /v20180820/configuration/publicAccessBlock` with
// `x-amz-account-id`) and KMS (awsJson1.1, `X-Amz-Target: TrentService.*`): the reads
// aws-data-stores makes, written from the S3, S3 Control and KMS API references. Buckets live per
// account (`accounts[].s3`, each with its region), keys per account and region (`accounts[].kms`).

import type { AwsAccountSeed, AwsSeed, KmsKeySeed, PublicAccessBlockSeed, S3BucketSeed } from './seed.js';
import type { HandlerContext } from './types.js';
import { AwsError, awsId, documentText, epochSeconds, isoSeconds, xmlEscape } from './wire.js';

export const S3_XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';
const S3CONTROL_XMLNS = 'http://awss3control.amazonaws.com/doc/2018-08-20/';

/** An S3 error with the headers (x-amz-bucket-region) and the elements after Message (Endpoint, Bucket) S3 sends with it. */
export class S3Error extends AwsError {
  constructor(
    code: string,
    message: string,
    status: number,
    readonly headers: Record<string, string>,
    readonly elements: Record<string, string> = {},
  ) {
    super(code, message, status);
  }
}

/** A restXml answer: status, body (XML, or the policy's JSON text), extra headers. */
export interface XmlAnswer {
  status: number;
  body: string;
  contentType?: string;
  headers?: Record<string, string>;
}

// the bucket subresources (`?encryption`) the reads of aws-data-stores name, by action
const SUBRESOURCES: Record<string, string> = {
  encryption: 'GetBucketEncryption',
  publicAccessBlock: 'GetPublicAccessBlock',
  policy: 'GetBucketPolicy',
  versioning: 'GetBucketVersioning',
  'object-lock': 'GetObjectLockConfiguration',
  logging: 'GetBucketLogging',
};

/** The S3 or S3 Control action of a request; `NotImplemented` for any other operation (S3 answers 501 to what it does not implement). */
export function s3Action(method: string, path: string, q: URLSearchParams): { service: 's3' | 's3control'; action: string; bucket?: string } {
  if (path.startsWith('/v20180820/')) {
    return { service: 's3control', action: method === 'GET' && path === '/v20180820/configuration/publicAccessBlock' ? 'GetAccountPublicAccessBlock' : 'NotImplemented' };
  }
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { service: 's3', action: method === 'GET' ? 'ListBuckets' : 'NotImplemented' };
  const bucket = decodeURIComponent(parts[0]!);
  if (parts.length > 1) return { service: 's3', action: 'NotImplemented', bucket };
  if (method === 'HEAD') return { service: 's3', action: 'HeadBucket', bucket };
  const subs = [...q.keys()].filter((k) => k !== 'x-id');
  const action = method === 'GET' && subs.length === 1 ? SUBRESOURCES[subs[0]!] : undefined;
  return { service: 's3', action: action ?? 'NotImplemented', bucket };
}

const el = (name: string, v: string | number | boolean | undefined | null) => (v === undefined || v === null ? '' : `<${name}>${xmlEscape(String(v))}</${name}>`);
const doc = (root: string, inner: string, ns = S3_XMLNS) => `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${ns}">${inner}</${root}>`;

function pabXml(p: PublicAccessBlockSeed, ns?: string): string {
  return doc('PublicAccessBlockConfiguration', el('BlockPublicAcls', p.BlockPublicAcls) + el('IgnorePublicAcls', p.IgnorePublicAcls) + el('BlockPublicPolicy', p.BlockPublicPolicy) + el('RestrictPublicBuckets', p.RestrictPublicBuckets), ns);
}

const ALL_BLOCKED: PublicAccessBlockSeed = { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true };

function findBucket(state: AwsSeed, name: string): { account: AwsAccountSeed; bucket: S3BucketSeed } | undefined {
  for (const account of state.accounts) {
    const bucket = account.s3?.buckets.find((b) => b.name === name);
    if (bucket) return { account, bucket };
  }
  return undefined;
}

const MAX_BUCKETS = 10_000;

/** ListBuckets with `max-buckets` (1–10000) and `continuation-token` (the name after which the page starts). */
function listBuckets(ctx: HandlerContext, q: URLSearchParams): XmlAnswer {
  const raw = q.get('max-buckets');
  const max = raw === null ? MAX_BUCKETS : Number(raw);
  if (!Number.isInteger(max) || max < 1 || max > MAX_BUCKETS) throw new AwsError('InvalidArgument', 'Argument max-buckets must be an integer between 1 and 10000.');
  const all = [...(ctx.caller.account.s3?.buckets ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
  const token = q.get('continuation-token');
  let from = 0;
  if (token !== null) {
    const after = Buffer.from(token, 'base64').toString('utf8');
    if (!after.startsWith('b:')) throw new AwsError('InvalidArgument', 'The continuation token provided is incorrect');
    from = all.findIndex((b) => b.name > after.slice(2));
    if (from < 0) from = all.length;
  }
  const cap = ctx.runtime.opts.maxPageItems;
  const page = all.slice(from, from + (cap !== undefined && cap > 0 ? Math.min(max, cap) : max));
  const more = from + page.length < all.length;
  const owner = el('ID', awsId('', `canonical|${ctx.caller.account.id}`, 64).toLowerCase()) + el('DisplayName', ctx.caller.account.alias ?? ctx.caller.account.id);
  const buckets = page.map((b) => `<Bucket>${el('Name', b.name)}${el('CreationDate', isoSeconds(b.created ?? '2026-01-01T00:00:00Z'))}${el('BucketRegion', b.region ?? 'us-east-1')}</Bucket>`).join('');
  const next = more ? el('ContinuationToken', Buffer.from(`b:${page[page.length - 1]!.name}`).toString('base64')) : '';
  return { status: 200, body: doc('ListAllMyBucketsResult', `<Owner>${owner}</Owner><Buckets>${buckets}</Buckets>${next}`) };
}

function bucketRead(action: string, b: S3BucketSeed): XmlAnswer {
  switch (action) {
    case 'GetBucketEncryption': {
      // every bucket has had SSE-S3 by default since January 2023; `null` is a bucket from before with none
      if (b.encryption === null) throw new AwsError('ServerSideEncryptionConfigurationNotFoundError', 'The server side encryption configuration was not found', 404);
      const e = b.encryption ?? { algorithm: 'AES256' as const };
      return { status: 200, body: doc('ServerSideEncryptionConfiguration', `<Rule><ApplyServerSideEncryptionByDefault>${el('SSEAlgorithm', e.algorithm)}${el('KMSMasterKeyID', e.kmsKeyId)}</ApplyServerSideEncryptionByDefault>${el('BucketKeyEnabled', e.bucketKey ?? false)}</Rule>`) };
    }
    case 'GetPublicAccessBlock':
      // new buckets have blocked all public access by default since April 2023
      if (b.publicAccessBlock === null) throw new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
      return { status: 200, body: pabXml(b.publicAccessBlock ?? ALL_BLOCKED) };
    case 'GetBucketPolicy':
      if (!b.policy) throw new AwsError('NoSuchBucketPolicy', 'The bucket policy does not exist', 404);
      // the payload is the policy's JSON text itself
      return { status: 200, body: documentText(b.policy), contentType: 'application/json' };
    case 'GetBucketVersioning':
      return { status: 200, body: doc('VersioningConfiguration', el('Status', b.versioning) + el('MfaDelete', b.mfaDelete)) };
    case 'GetObjectLockConfiguration': {
      if (!b.objectLock) throw new AwsError('ObjectLockConfigurationNotFoundError', 'Object Lock configuration does not exist for this bucket', 404);
      const r = b.objectLock;
      const rule = r.mode ? `<Rule><DefaultRetention>${el('Mode', r.mode)}${el('Days', r.days)}${el('Years', r.years)}</DefaultRetention></Rule>` : '';
      return { status: 200, body: doc('ObjectLockConfiguration', `<ObjectLockEnabled>Enabled</ObjectLockEnabled>${rule}`) };
    }
    case 'GetBucketLogging':
      return { status: 200, body: doc('BucketLoggingStatus', b.logging ? `<LoggingEnabled>${el('TargetBucket', b.logging.targetBucket)}${el('TargetPrefix', b.logging.targetPrefix ?? '')}</LoggingEnabled>` : '') };
    default:
      throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  }
}

export function handleS3(action: string, bucketName: string | undefined, q: URLSearchParams, ctx: HandlerContext): XmlAnswer {
  if (action === 'ListBuckets') return listBuckets(ctx, q);
  if (action === 'GetAccountPublicAccessBlock') {
    const p = ctx.caller.account.s3?.publicAccessBlock;
    if (!p) throw new AwsError('NoSuchPublicAccessBlockConfiguration', 'The public access block configuration was not found', 404);
    return { status: 200, body: pabXml(p, S3CONTROL_XMLNS) };
  }
  if (action === 'NotImplemented' || bucketName === undefined) throw new AwsError('NotImplemented', 'A header you provided implies functionality that is not implemented', 501);
  const hit = findBucket(ctx.state, bucketName);
  if (!hit) throw new AwsError('NoSuchBucket', 'The specified bucket does not exist', 404);
  const region = hit.bucket.region ?? 'us-east-1';
  const where = { 'x-amz-bucket-region': region };
  // a request signed for another region is sent on: 301 with the bucket's region (a HEAD without a body)
  if (region !== ctx.region) throw new S3Error('PermanentRedirect', 'The bucket you are attempting to access must be addressed using the specified endpoint. Please send all future requests to this endpoint.', 301, where, { Endpoint: `s3.${region}.amazonaws.com`, Bucket: bucketName });
  // another account's bucket: this sandbox grants no cross-account reads (no bucket policy is evaluated); S3 still names its region
  if (hit.account.id !== ctx.caller.account.id) throw new S3Error('AccessDenied', 'Access Denied', 403, where);
  if (action === 'HeadBucket') return { status: 200, body: '', headers: { 'x-amz-bucket-region': region } };
  return bucketRead(action, hit.bucket);
}

// ── KMS ──────────────────────────────────────────────────────────────────────────────────────

const keyArn = (account: string, region: string, id: string) => `arn:aws:kms:${region}:${account}:key/${id}`;

/** A KeyId as KMS takes it: key id, key ARN, alias name or alias ARN, in the caller's region. */
function findKey(ctx: HandlerContext, ref: unknown): KmsKeySeed {
  if (typeof ref !== 'string' || ref === '') throw new AwsError('ValidationException', "1 validation error detected: Value null at 'keyId' failed to satisfy constraint: Member must not be null");
  const acct = ctx.caller.account;
  const m = /^arn:aws[a-z-]*:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/.exec(ref);
  if (m && (m[1] !== ctx.region || m[2] !== acct.id)) {
    // another account's key (no key policy grants this sandbox's callers) or another region's
    if (m[2] !== acct.id) throw new AwsError('AccessDeniedException', `User: ${ctx.caller.arn} is not authorized to perform this operation on ${ref}`);
    throw new AwsError('NotFoundException', `Invalid keyId ${ref}`);
  }
  const keys = acct.kms?.[ctx.region] ?? [];
  const alias = m ? (m[3] === 'alias' ? `alias/${m[4]}` : undefined) : ref.startsWith('alias/') ? ref : undefined;
  const id = m && m[3] === 'key' ? m[4] : alias ? undefined : ref;
  const key = alias ? keys.find((k) => k.aliases?.includes(alias)) : keys.find((k) => k.id === id);
  if (!key) throw new AwsError('NotFoundException', alias ? `Alias ${keyArn(acct.id, ctx.region, alias).replace(':key/alias/', ':alias/')} is not found.` : `Key '${keyArn(acct.id, ctx.region, ref)}' does not exist`);
  return key;
}

export function handleKms(action: string, body: Record<string, unknown>, ctx: HandlerContext): unknown {
  const key = findKey(ctx, body['KeyId']);
  const account = ctx.caller.account.id;
  const arn = keyArn(account, ctx.region, key.id);
  const spec = key.spec ?? 'SYMMETRIC_DEFAULT';
  switch (action) {
    case 'DescribeKey':
      return {
        KeyMetadata: {
          AWSAccountId: account,
          KeyId: key.id,
          Arn: arn,
          CreationDate: epochSeconds(key.created ?? '2026-01-01T00:00:00Z'),
          Enabled: (key.state ?? 'Enabled') === 'Enabled',
          KeyUsage: spec.startsWith('HMAC') ? 'GENERATE_VERIFY_MAC' : 'ENCRYPT_DECRYPT',
          KeyState: key.state ?? 'Enabled',
          Origin: key.origin ?? 'AWS_KMS',
          KeyManager: key.manager ?? 'CUSTOMER',
          CustomerMasterKeySpec: spec,
          KeySpec: spec,
          EncryptionAlgorithms: spec === 'SYMMETRIC_DEFAULT' ? ['SYMMETRIC_DEFAULT'] : ['RSAES_OAEP_SHA_256'],
          MultiRegion: false,
        },
      };
    case 'GetKeyRotationStatus':
      if (spec !== 'SYMMETRIC_DEFAULT' || (key.origin ?? 'AWS_KMS') !== 'AWS_KMS') throw new AwsError('UnsupportedOperationException', `${arn} origin is ${key.origin ?? 'AWS_KMS'} which is not valid for this operation.`);
      // AWS managed keys rotate every year, and say so
      return { KeyRotationEnabled: key.manager === 'AWS' ? true : key.rotation === true, KeyId: arn, ...(key.rotation || key.manager === 'AWS' ? { RotationPeriodInDays: key.rotationPeriodDays ?? 365 } : {}) };
    case 'GetKeyPolicy': {
      if (body['PolicyName'] !== undefined && body['PolicyName'] !== 'default') throw new AwsError('NotFoundException', `No such policy exists: ${String(body['PolicyName'])}`);
      const policy = key.policy ?? { Version: '2012-10-17', Id: 'key-default-1', Statement: [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${account}:root` }, Action: 'kms:*', Resource: '*' }] };
      return { Policy: documentText(policy), PolicyName: 'default' };
    }
    default:
      throw new AwsError('UnknownOperationException', `Unknown operation ${action}`);
  }
}
