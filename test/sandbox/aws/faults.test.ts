import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { GetAccountAuthorizationDetailsCommand, GetAccountSummaryCommand } from '@aws-sdk/client-iam';
import { ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { ListAccountsCommand } from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type AwsSandbox, loadAwsFixture, startAwsSandbox } from '../../../src/sandbox/aws/index.js';
import { iam, orgs, rejection, secrets, sts } from './helpers.js';

const seed = loadAwsFixture('small-company');
let sb: AwsSandbox;

beforeAll(async () => {
  sb = await startAwsSandbox({ seed });
});
afterAll(async () => {
  await sb.close();
});
beforeEach(() => sb.reset());

const calls = (action: string) => sb.requests.filter((r) => r.action === action);

describe('throttling', () => {
  test('IAM Throttling is retried by the SDK and the recording shows the extra calls', async () => {
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'throttle', times: 2 });
    const out = await iam(sb.url).send(new GetAccountAuthorizationDetailsCommand({ MaxItems: 1000 }));
    expect(out.$metadata.attempts).toBe(3);
    expect(out.UserDetailList!.length).toBeGreaterThan(0);
    expect(calls('GetAccountAuthorizationDetails').map((c) => [c.status, c.error ?? null, c.fault ?? null])).toEqual([
      [400, 'Throttling', 'throttle'],
      [400, 'Throttling', 'throttle'],
      [200, null, null],
    ]);
  });

  test('persistent throttling ends as a Throttling error after maxAttempts', async () => {
    sb.faults.add({ service: 'iam', kind: 'throttle' });
    const err = await rejection(iam(sb.url).send(new GetAccountSummaryCommand({})));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata?.attempts).toBe(3);
    expect(calls('GetAccountSummary')).toHaveLength(3);
  });

  test('Secrets Manager ThrottlingException and Organizations TooManyRequestsException are retried', async () => {
    sb.faults.add({ action: 'ListSecrets', kind: 'throttle', times: 1 });
    sb.faults.add({ action: 'ListAccounts', kind: 'throttle', times: 1 });
    const s = await secrets(sb.url).send(new ListSecretsCommand({}));
    expect(s.$metadata.attempts).toBe(2);
    expect(calls('ListSecrets')[0]!.error).toBe('ThrottlingException');
    const o = await orgs(sb.url).send(new ListAccountsCommand({}));
    expect(o.$metadata.attempts).toBe(2);
    expect(calls('ListAccounts')[0]!.error).toBe('TooManyRequestsException');
    const persistent = await startAwsSandbox({ seed });
    try {
      persistent.faults.add({ service: 'secretsmanager', kind: 'throttle' });
      const err = await rejection(secrets(persistent.url, 'us-east-1', undefined, 2).send(new ListSecretsCommand({})));
      expect(err.name).toBe('ThrottlingException');
      expect(err.$metadata?.attempts).toBe(2);
    } finally {
      await persistent.close();
    }
  });

  test('rateLimits throttles beyond N requests per second per action', async () => {
    const limited = await startAwsSandbox({ seed, rateLimits: { ListSecrets: 2 } });
    try {
      const c = secrets(limited.url, 'us-east-1', undefined, 1);
      const results = await Promise.allSettled(Array.from({ length: 6 }, () => c.send(new ListSecretsCommand({}))));
      const ok = results.filter((r) => r.status === 'fulfilled').length;
      expect(ok).toBeGreaterThanOrEqual(2);
      expect(ok).toBeLessThan(6);
      const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!;
      expect((rejected.reason as Error).name).toBe('ThrottlingException');
      // other actions are not limited
      await iam(limited.url, undefined, 1).send(new GetAccountSummaryCommand({}));
    } finally {
      await limited.close();
    }
  });
});

describe('other faults', () => {
  test('deny: AccessDenied (IAM 403, not retried) and AccessDeniedException (JSON)', async () => {
    sb.faults.add({ service: 'iam', kind: 'deny' });
    const err = await rejection(iam(sb.url).send(new GetAccountAuthorizationDetailsCommand({})));
    expect(err.name).toBe('AccessDenied');
    expect(err.$metadata?.httpStatusCode).toBe(403);
    expect(err.message).toContain('iam:GetAccountAuthorizationDetails');
    expect(calls('GetAccountAuthorizationDetails')).toHaveLength(1);
    sb.faults.add({ service: 'secretsmanager', action: 'ListSecrets', kind: 'deny' });
    const serr = await rejection(secrets(sb.url).send(new ListSecretsCommand({})));
    expect(serr.name).toBe('AccessDeniedException');
    expect(calls('ListSecrets')).toHaveLength(1);
  });

  test('error500 / error503 are retried; ServiceFailure is the modeled IAM exception', async () => {
    sb.faults.add({ action: 'GetAccountSummary', kind: 'error500', times: 1 });
    sb.faults.add({ action: 'ListSecrets', kind: 'error503', times: 1 });
    const s = await iam(sb.url).send(new GetAccountSummaryCommand({}));
    expect(s.$metadata.attempts).toBe(2);
    expect(calls('GetAccountSummary')[0]!.status).toBe(500);
    const l = await secrets(sb.url).send(new ListSecretsCommand({}));
    expect(l.$metadata.attempts).toBe(2);
    sb.faults.add({ action: 'GetAccountSummary', kind: 'error500' });
    const err = await rejection(iam(sb.url, undefined, 1).send(new GetAccountSummaryCommand({})));
    expect(err.name).toBe('ServiceFailureException');
    expect(err.$metadata?.httpStatusCode).toBe(500);
  });

  test('reset destroys the socket; the SDK retries it as transient', async () => {
    sb.faults.add({ action: 'GetCallerIdentity', kind: 'reset', times: 1 });
    const out = await sts(sb.url).send(new GetCallerIdentityCommand({}));
    expect(out.Account).toBe(seed.accounts[0]!.id);
    expect(out.$metadata.attempts).toBe(2);
    expect(calls('GetCallerIdentity').map((c) => c.status)).toEqual([0, 200]);
    sb.faults.add({ action: 'GetCallerIdentity', kind: 'reset' });
    const err = await rejection(sts(sb.url, undefined, 1).send(new GetCallerIdentityCommand({})));
    expect((err as Error & { code?: string }).code ?? err.name).toMatch(/ECONNRESET|socket hang up/i);
  });

  test('truncate and malformed bodies fail the call instead of returning partial data', async () => {
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'truncate' });
    const t = await rejection(iam(sb.url, undefined, 1).send(new GetAccountAuthorizationDetailsCommand({})));
    expect(t).toBeInstanceOf(Error);
    expect(calls('GetAccountAuthorizationDetails')[0]!.fault).toBe('truncate');
    sb.faults.clear();
    sb.faults.add({ action: 'GetAccountAuthorizationDetails', kind: 'malformed', times: 1 });
    sb.faults.add({ action: 'ListSecrets', kind: 'malformed', times: 1 });
    const m = await rejection(iam(sb.url, undefined, 1).send(new GetAccountAuthorizationDetailsCommand({})));
    expect(m).toBeInstanceOf(Error);
    const j = await rejection(secrets(sb.url, 'us-east-1', undefined, 1).send(new ListSecretsCommand({})));
    expect(j).toBeInstanceOf(Error);
  });

  test('expiredToken: ExpiredToken (query) / ExpiredTokenException (JSON)', async () => {
    sb.faults.add({ kind: 'expiredToken' });
    const q = await rejection(iam(sb.url).send(new GetAccountSummaryCommand({})));
    expect(q.name).toBe('ExpiredToken');
    expect(q.$metadata?.httpStatusCode).toBe(403);
    const j = await rejection(secrets(sb.url).send(new ListSecretsCommand({})));
    expect(j.name).toBe('ExpiredTokenException');
  });

  test('latency delays the answer; times and clear() bound the faults', async () => {
    sb.faults.add({ action: 'GetAccountSummary', kind: 'latency', ms: 150, times: 1 });
    const t0 = Date.now();
    await iam(sb.url).send(new GetAccountSummaryCommand({}));
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(calls('GetAccountSummary')[0]!.fault).toBe('latency');
    const t1 = Date.now();
    await iam(sb.url).send(new GetAccountSummaryCommand({}));
    expect(Date.now() - t1).toBeLessThan(140);
    sb.faults.add({ kind: 'deny' });
    sb.faults.clear();
    await iam(sb.url).send(new GetAccountSummaryCommand({}));
  });
});
