import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import {
  BatchGetSecretValueCommand,
  DescribeSecretCommand,
  GetResourcePolicyCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  type ListSecretsCommandOutput,
  type SecretListEntry,
  type SecretsManagerClient,
  paginateListSecrets,
} from '@aws-sdk/client-secrets-manager';
import { type AwsSandbox, loadAwsFixture, startAwsSandbox } from '../../../src/sandbox/aws/index.js';
import { rejection, secrets } from './helpers.js';

const seed = loadAwsFixture('small-company');
const main = seed.accounts[0]!;
let sb: AwsSandbox;
let east: SecretsManagerClient;
let west: SecretsManagerClient;

beforeAll(async () => {
  sb = await startAwsSandbox({ seed });
  east = secrets(sb.url, 'us-east-1');
  west = secrets(sb.url, 'eu-west-1');
});
afterAll(async () => {
  east.destroy();
  west.destroy();
  await sb.close();
});
beforeEach(() => sb.reset());

async function listAll(client: SecretsManagerClient, input: { MaxResults?: number; IncludePlannedDeletion?: boolean } = {}) {
  const pages: ListSecretsCommandOutput[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(new ListSecretsCommand({ ...input, ...(token ? { NextToken: token } : {}) }));
    pages.push(page);
    token = page.NextToken;
  } while (token && pages.length < 50);
  return { pages, secrets: pages.flatMap((p) => p.SecretList ?? []) };
}

describe('ListSecrets', () => {
  test('pages with NextToken; planned deletions only with IncludePlannedDeletion', async () => {
    const live = main.secrets['us-east-1']!.filter((s) => !s.deleted).map((s) => s.name);
    const { pages, secrets: got } = await listAll(east, { MaxResults: 2 });
    expect(pages.length).toBe(Math.ceil(live.length / 2));
    expect(pages.length).toBeGreaterThanOrEqual(2);
    expect(pages.at(-1)!.NextToken).toBeUndefined();
    expect(got.map((s) => s.Name)).toEqual(live);
    const calls = sb.requests.filter((r) => r.action === 'ListSecrets');
    expect(calls[0]!.params).toEqual({ MaxResults: 2 });
    expect(calls[1]!.params['NextToken']).toBe(pages[0]!.NextToken);
    expect(calls.every((c) => c.service === 'secretsmanager' && c.region === 'us-east-1')).toBe(true);

    const all = await listAll(east, { MaxResults: 100, IncludePlannedDeletion: true });
    expect(all.secrets).toHaveLength(main.secrets['us-east-1']!.length);
    expect(all.secrets.find((s) => s.Name === 'staging/wandb-token')!.DeletedDate).toEqual(new Date('2026-12-01T00:00:00Z'));

    const viaPaginator: string[] = [];
    for await (const p of paginateListSecrets({ client: east, pageSize: 1 }, {})) viaPaginator.push(...p.SecretList!.map((s) => s.Name!));
    expect(viaPaginator).toEqual(live);
  });

  test('regions are separate: each region lists its own secrets (and replicas of others)', async () => {
    const e = (await listAll(east)).secrets;
    const w = (await listAll(west)).secrets;
    expect(e.every((s) => s.ARN!.startsWith(`arn:aws:secretsmanager:us-east-1:${main.id}:secret:`))).toBe(true);
    expect(w.every((s) => s.ARN!.startsWith(`arn:aws:secretsmanager:eu-west-1:${main.id}:secret:`))).toBe(true);
    expect(e.map((s) => s.Name)).not.toContain('prod/eu/hf-token');
    expect(w.map((s) => s.Name)).toEqual(['prod/eu/inference-signing-key', 'prod/eu/hf-token', 'prod/feature-store/snowflake']);
    const replica = w.find((s) => s.Name === 'prod/feature-store/snowflake')!;
    expect(replica.PrimaryRegion).toBe('us-east-1');
    expect(replica.KmsKeyId).toBe('alias/ml-secrets-eu');
    expect(sb.requests.map((r) => r.region)).toEqual(['us-east-1', 'eu-west-1']);
    // a region without secrets is empty, not an error
    const none = await secrets(sb.url, 'ap-southeast-2').send(new ListSecretsCommand({}));
    expect(none.SecretList).toEqual([]);
  });

  test('entries: epoch dates parsed to Date, absent fields stay absent, no ReplicationStatus', async () => {
    const byName = new Map<string, SecretListEntry>((await listAll(east, { IncludePlannedDeletion: true })).secrets.map((s) => [s.Name!, s]));
    const db = byName.get('prod/mlflow/db-password')!;
    expect(db).toMatchObject({ RotationEnabled: true, RotationRules: { AutomaticallyAfterDays: 30 }, KmsKeyId: expect.stringContaining(':key/') });
    expect(db.LastRotatedDate).toEqual(new Date('2026-11-10T04:00:00Z'));
    expect(db.Tags).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'app', Value: 'mlflow' }]);
    const openai = byName.get('prod/openai/api-key')!;
    expect('KmsKeyId' in openai).toBe(false); // AWS managed key
    expect('RotationEnabled' in openai).toBe(false); // rotation never configured
    const rds = byName.get('rds!db-3f9c2a1b-7d4e-4c1a-9b2e-5a6f7c8d9e0f')!;
    expect('LastAccessedDate' in rds).toBe(false);
    expect(rds.OwningService).toBe('rds');
    expect(rds.RotationRules).toEqual({ ScheduleExpression: 'rate(7 days)' });
    for (const s of byName.values()) expect('ReplicationStatus' in s).toBe(false);
  });

  test('MaxResults outside 1..100 and foreign tokens are rejected', async () => {
    const big = await rejection(east.send(new ListSecretsCommand({ MaxResults: 101 })));
    expect(big.name).toBe('ValidationException');
    const tok = await rejection(east.send(new ListSecretsCommand({ NextToken: 'bogus' })));
    expect(tok.name).toBe('InvalidNextTokenException');
    // a token from one region is not valid in another
    const first = await east.send(new ListSecretsCommand({ MaxResults: 1 }));
    const cross = await rejection(west.send(new ListSecretsCommand({ MaxResults: 1, NextToken: first.NextToken! })));
    expect(cross.name).toBe('InvalidNextTokenException');
  });
});

describe('per-secret reads', () => {
  test('GetResourcePolicy: a JSON string when set, absent when none', async () => {
    const withPolicy = await east.send(new GetResourcePolicyCommand({ SecretId: 'prod/openai/api-key' }));
    expect(JSON.parse(withPolicy.ResourcePolicy!)).toEqual(main.secrets['us-east-1']![1]!.policy);
    expect(withPolicy.ARN).toMatch(/:secret:prod\/openai\/api-key-[A-Za-z0-9]{6}$/);
    const none = await east.send(new GetResourcePolicyCommand({ SecretId: withPolicy.ARN!.replace('openai/api-key', 'mlflow/db-password').slice(0, -7) }));
    expect(none.Name).toBe('prod/mlflow/db-password');
    expect(none.ResourcePolicy).toBeUndefined();
    const missing = await rejection(east.send(new GetResourcePolicyCommand({ SecretId: 'prod/eu/hf-token' })));
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  test('DescribeSecret carries ReplicationStatus on the primary', async () => {
    const d = await east.send(new DescribeSecretCommand({ SecretId: 'prod/feature-store/snowflake' }));
    expect(d.ReplicationStatus).toEqual([
      { Region: 'eu-west-1', KmsKeyId: 'alias/ml-secrets-eu', Status: 'InSync', StatusMessage: 'Replication succeeded', LastAccessedDate: new Date('2026-11-25T00:00:00Z') },
    ]);
    expect(d.VersionIdsToStages).toBeDefined();
  });

  test('GetSecretValue / BatchGetSecretValue work and are recorded, so tests can prove nobody calls them', async () => {
    const v = await east.send(new GetSecretValueCommand({ SecretId: 'prod/openai/api-key' }));
    expect(v.SecretString).toBe('sk-test-not-a-real-key');
    const b = await east.send(new BatchGetSecretValueCommand({ SecretIdList: ['prod/openai/api-key', 'nope'] }));
    expect(b.SecretValues).toHaveLength(1);
    expect(b.Errors).toEqual([{ SecretId: 'nope', ErrorCode: 'ResourceNotFoundException', Message: "Secrets Manager can't find the specified secret." }]);
    expect(sb.requests.map((r) => r.action)).toEqual(['GetSecretValue', 'BatchGetSecretValue']);
  });

  test('state changes between two collections are visible', async () => {
    sb.state.accounts[0]!.secrets['us-east-1']!.push({ name: 'prod/new', value: 'x', created: '2026-11-26T00:00:00Z' });
    const names = (await listAll(east)).secrets.map((s) => s.Name);
    expect(names).toContain('prod/new');
    sb.reset();
    expect((await listAll(east)).secrets.map((s) => s.Name)).not.toContain('prod/new');
  });
});
