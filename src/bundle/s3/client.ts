// The S3 client (the SDK's standard chain, path-style for an endpoint override), the workarounds for
// moto 5.2.1's wire quirks, request counting, and the error helpers every part of the store shares.
import { S3Client } from '@aws-sdk/client-s3';
import { awsRequestHandler, type CallCounter } from '../../clients/aws.js';
import { UsageError, describeError } from '../../core/errors.js';
import { formatS3Location, type S3Location } from './location.js';

// ---------------------------------------------------------------------------------------------
// client

/**
 * An S3 client from the SDK's standard chain (credentials, AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL).
 * With an endpoint override (moto, MinIO, LocalStack) it uses path-style addressing: the SDK already
 * does for an IP literal, but `http://localhost:PORT` would become `BUCKET.localhost`.
 * Connect and socket timeouts are the collectors' (awsRequestHandler, SOC2_AWS_SOCKET_TIMEOUT_MS): without
 * them an endpoint that accepts the connection and never answers would hang collect, verify and report.
 */
export function createS3Client(o: { region?: string; env?: NodeJS.ProcessEnv; counter?: CallCounter; maxAttempts?: number } = {}): { client: S3Client; counter: CallCounter } {
  const env = o.env ?? process.env;
  const counter = o.counter ?? { calls: 0, retries: 0 };
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const client = new S3Client({
    region: o.region || env.AWS_REGION || env.AWS_DEFAULT_REGION || 'us-east-1',
    maxAttempts: o.maxAttempts ?? 5,
    retryMode: 'adaptive',
    requestHandler: awsRequestHandler(env),
    // a bucket in another region than AWS_REGION still works when the config does not name it
    followRegionRedirects: !o.region,
    ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
  });
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      counter.calls++;
      return next(args);
    },
    { step: 'deserialize', name: 'soc2CountAttempts', priority: 'high' },
  );
  // S3 sends Last-Modified in RFC 7231 form; moto 5.2.1's GetObjectAttributes sends ISO 8601, which
  // the SDK refuses ("Invalid RFC7231 date-time value"). The header is not used by soc2; an ISO value
  // is rewritten to RFC 7231 before the SDK parses it (never the case against S3).
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const out = await next(args);
      const h = out?.response?.headers as Record<string, string> | undefined;
      const v = h?.['last-modified'];
      if (v && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) h!['last-modified'] = new Date(v).toUTCString();
      return out;
    },
    { step: 'deserialize', name: 'soc2IsoLastModified', priority: 'low' },
  );
  // x-amz-object-attributes as the AWS CLI (botocore) sends it, "Checksum,ObjectSize": the SDK joins
  // the list with ", ", which S3 accepts but moto 5.2.1 splits on "," alone, losing " ObjectSize"
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const h = args?.request?.headers as Record<string, string> | undefined;
      if (h?.['x-amz-object-attributes']) h['x-amz-object-attributes'] = h['x-amz-object-attributes'].replace(/,\s+/g, ',');
      return next(args);
    },
    { step: 'build', name: 'soc2ObjectAttributesList', priority: 'low' },
  );
  return { client, counter };
}

export const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
export const status = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
export const errCode = (e: unknown) => describeError(e).code;
export const isNotFound = (e: unknown) => ['NoSuchKey', 'NotFound'].includes(errCode(e)) || status(e) === 404;
export const describe = (e: unknown) => {
  const d = describeError(e);
  return d.message && d.message !== d.code ? `${d.code}: ${d.message}` : d.code;
};

/** A failure reading `location`: an error with a documented exit code passes through, any other is a one-line UsageError (exit 2) naming it. */
export function readFailure(location: string, e: unknown): never {
  if (typeof (e as { exitCode?: unknown })?.exitCode === 'number') throw e;
  throw new UsageError(`${location}: cannot read the evidence (${describe(e)})`);
}

export function bucketError(loc: S3Location, e: unknown): never {
  if (errCode(e) === 'NoSuchBucket') throw new UsageError(`${formatS3Location(loc)}: no such bucket`);
  throw e;
}

/** Counts the requests a client sends, by operation (GetObject, GetObjectAttributes, …): the bench and tests read them. */
export function countRequests(client: S3Client): Record<string, number> {
  const by: Record<string, number> = {};
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const op = String(context?.commandName ?? 'unknown').replace(/Command$/, '');
      by[op] = (by[op] ?? 0) + 1;
      return next(args);
    },
    { step: 'deserialize', name: 'soc2CountByOperation', priority: 'high' },
  );
  return by;
}

