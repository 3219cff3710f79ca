// AWS client factory. Credentials and endpoints come only from the SDK's standard chain
// (env, profiles, SSO, web identity, instance roles; AWS_ENDPOINT_URL*), never from the config.
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@aws-sdk/types';
import type { AwsSourceConfig } from '../config/schema.js';
import { CircuitOpenError, type Circuit, type Circuits } from '../core/circuit.js';
import { describeError } from '../core/errors.js';
import { isThrottling, type AdaptiveLimits, type AdaptiveWindow } from '../core/adaptive.js';

export interface CallCounter {
  calls: number;
  retries: number;
}

export type Credentials = AwsCredentialIdentity | AwsCredentialIdentityProvider;

export interface AwsClientOptions {
  region: string;
  credentials: Credentials;
  counter: CallCounter;
  maxAttempts?: number;
  /** the source's circuits, by endpoint host: an unreachable endpoint is not retried again in this run */
  circuits?: Circuits;
  /** the account the credentials act in: with `limits`, its calls go through that account's adaptive window */
  account?: string;
  /** the source's adaptive concurrency windows per account and region (src/core/adaptive.ts) */
  limits?: AdaptiveLimits;
}

/** services whose quotas are per account, not per region: one window per account */
const ACCOUNT_WIDE = new Set(['IAM', 'STS', 'Organizations']);

// SDK clients share this constructor shape; the factory adds call counting to any of them.
type AnyClientCtor<T> = new (config: any) => T;

/**
 * How long an AWS call's connection may stay silent before the attempt is abandoned (a TimeoutError,
 * retried like any transient failure). The SDK sets no timeout at all by default, so an endpoint
 * that accepts the connection and never answers would hang the collect — and its lock — forever.
 * SOC2_AWS_SOCKET_TIMEOUT_MS overrides it (milliseconds).
 */
export const AWS_SOCKET_TIMEOUT_MS = 60_000;

function socketTimeoutMs(env: NodeJS.ProcessEnv): number {
  const v = Number(env.SOC2_AWS_SOCKET_TIMEOUT_MS);
  return Number.isFinite(v) && v > 0 ? v : AWS_SOCKET_TIMEOUT_MS;
}

/**
 * The HTTP handler settings of every AWS SDK client soc2 makes (the collectors' through makeClient,
 * the S3 evidence store's in src/bundle/s3.ts): connect within 10 s (or the socket timeout, if
 * shorter), and abandon an attempt whose connection stays silent for the socket timeout.
 */
export function awsRequestHandler(env: NodeJS.ProcessEnv = process.env): { connectionTimeout: number; socketTimeout: number } {
  const timeout = socketTimeoutMs(env);
  return { connectionTimeout: Math.min(10_000, timeout), socketTimeout: timeout };
}

/** Counts every HTTP attempt: the middleware sits below the retry loop, so retries are counted too. */
export function makeClient<T extends { middlewareStack: any }>(Ctor: AnyClientCtor<T>, o: AwsClientOptions): T {
  // 'standard' retries with jittered backoff; 'adaptive' throttles the client for seconds after a
  // single Throttling answer, which made large collections crawl (seen on Secrets Manager).
  // AWS_MAX_ATTEMPTS / AWS_RETRY_MODE (and the shared config file) still win when set.
  const client = new Ctor({
    region: o.region,
    credentials: o.credentials,
    requestHandler: awsRequestHandler(),
    ...(process.env.AWS_MAX_ATTEMPTS ? {} : { maxAttempts: o.maxAttempts ?? 5 }),
    ...(process.env.AWS_RETRY_MODE ? {} : { retryMode: 'standard' }),
  });
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      o.counter.calls++;
      return next(args);
    },
    { step: 'deserialize', name: 'soc2CountAttempts', priority: 'high' },
  );
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      try {
        const out = await next(args);
        const attempts = out?.output?.$metadata?.attempts ?? 1;
        o.counter.retries += Math.max(0, attempts - 1);
        return out;
      } catch (e: any) {
        const attempts = e?.$metadata?.attempts ?? 1;
        o.counter.retries += Math.max(0, attempts - 1);
        throw e;
      }
    },
    { step: 'initialize', name: 'soc2CountRetries' },
  );
  if (o.circuits) addCircuit(client, o.circuits);
  if (o.limits && o.account) {
    const serviceId = String((client as { config?: { serviceId?: string } }).config?.serviceId ?? '');
    addAdaptiveWindow(client, o.limits.for(o.account, ACCOUNT_WIDE.has(serviceId) ? '' : o.region));
  }
  return client;
}

/** Every attempt (inside the retry loop, so a retry waits for a slot too) holds a slot of the window. */
function addAdaptiveWindow(client: { middlewareStack: any }, w: AdaptiveWindow): void {
  client.middlewareStack.add(
    (next: any) => async (args: any) => {
      const round = await w.acquire();
      let throttled = false;
      try {
        return await next(args);
      } catch (e) {
        throttled = isThrottling(e);
        throw e;
      } finally {
        w.release(round, throttled);
      }
    },
    { step: 'finalizeRequest', name: 'soc2AdaptiveWindow', priority: 'low' },
  );
}

/** Signals, inside the SDK's retry loop, that the circuit is open: a code the SDK does not retry. */
class CircuitSignal extends Error {
  override readonly name = 'Soc2CircuitOpen';
  constructor(readonly open: CircuitOpenError) {
    super(open.message);
  }
}

/**
 * The source's circuit around every call (see src/core/circuit.ts): one middleware outside the retry loop
 * marks the call and settles it, one inside checks and reports each attempt.
 */
function addCircuit(client: { middlewareStack: any }, circuits: Circuits): void {
  client.middlewareStack.addRelativeTo(
    (next: any, context: any) => async (args: any) => {
      const circuit = circuits.for(String(args.request?.hostname ?? ''));
      const call = Symbol('aws call');
      const api = `${String(context?.clientName ?? 'aws').replace(/Client$/, '').toLowerCase()}:${String(context?.commandName ?? '').replace(/Command$/, '')}`;
      context.soc2Call = { circuit, call, api };
      try {
        const out = await next(args);
        circuit.settled(call, null);
        return out;
      } catch (e) {
        const open = e instanceof CircuitSignal ? e.open : null;
        circuit.settled(call, open ? null : { api, ...describeError(e) });
        throw open ?? e;
      }
    },
    { relation: 'before', toMiddleware: 'retryMiddleware', name: 'soc2Circuit' },
  );
  client.middlewareStack.add(
    (next: any, context: any) => async (args: any) => {
      const c = context.soc2Call as { circuit: Circuit; call: symbol; api: string } | undefined;
      if (!c) return next(args);
      try {
        await c.circuit.beforeAttempt(c.call, c.api);
      } catch (e) {
        throw e instanceof CircuitOpenError ? new CircuitSignal(e) : e;
      }
      try {
        return await next(args);
      } catch (e) {
        c.circuit.attemptFailed(c.call, describeError(e).code);
        throw e;
      }
    },
    { step: 'finalizeRequest', name: 'soc2CircuitAttempt', priority: 'low' },
  );
}

export class TruncatedWithoutMarkerError extends Error {
  readonly code = 'TruncatedWithoutMarker';
  constructor(api: string) {
    super(`${api}: the answer says IsTruncated but carries no Marker; the rest of the list cannot be read`);
    this.name = 'TruncatedWithoutMarkerError';
  }
}

/** The next page's Marker of an IAM-style listing; a truncated page without one is an error, never the end of the list. */
export function truncatedMarker(api: string, page: { IsTruncated?: boolean; Marker?: string }): string | undefined {
  if (!page.IsTruncated) return undefined;
  if (!page.Marker) throw new TruncatedWithoutMarkerError(api);
  return page.Marker;
}

export function baseCredentials(source: AwsSourceConfig): AwsCredentialIdentityProvider {
  return fromNodeProviderChain(source.profile ? { profile: source.profile } : {});
}

export async function assumeRole(base: Credentials, region: string, counter: CallCounter, circuits: Circuits | undefined, p: { roleArn: string; externalId?: string; sessionName: string }): Promise<AwsCredentialIdentity> {
  const sts = makeClient(STSClient, { region, credentials: base, counter, circuits });
  try {
    const out = await sts.send(
      new AssumeRoleCommand({ RoleArn: p.roleArn, RoleSessionName: p.sessionName.slice(0, 64), DurationSeconds: 3600, ...(p.externalId ? { ExternalId: p.externalId } : {}) }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw Object.assign(new Error('AssumeRole returned no credentials'), { name: 'InvalidResponse' });
    return { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
  } finally {
    sts.destroy();
  }
}

export async function callerIdentity(creds: Credentials, region: string, counter: CallCounter, circuits?: Circuits): Promise<{ account: string; arn: string; userId?: string }> {
  const sts = makeClient(STSClient, { region, credentials: creds, counter, circuits });
  try {
    const out = await sts.send(new GetCallerIdentityCommand({}));
    return { account: out.Account ?? '', arn: out.Arn ?? '', ...(out.UserId ? { userId: out.UserId } : {}) };
  } finally {
    sts.destroy();
  }
}

/** The organization's accounts (ListAccounts, every page). Organizations' client loads on first use: only organization sources need it. */
export async function listOrganizationAccounts(creds: Credentials, region: string, counter: CallCounter, circuits?: Circuits): Promise<{ id: string; name?: string; status?: string }[]> {
  return (await import('./organizations.js')).listAccounts(creds, region, counter, circuits);
}
