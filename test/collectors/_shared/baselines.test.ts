// Derived artifacts (promotion log, rotations) compare with the newest earlier bundle whose SNAPSHOT is
// complete — an unrelated gap of that run (a 403 on webhooks, one unreadable secret policy) must not turn
// every later bundle into a baseline, hide an unapproved promotion, or count a change twice.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../../helpers/cli.js';
import { collect, mlflowConfig, mlflowEnv, type Collected } from '../mlflow-registry/helpers.js';

const HOOK = 120_000;
const promotions = (c: Collected) => c.json('mlflow-registry/promotions.json');

describe('promotion log baselines under a persistent unrelated gap (webhooks answer 403)', () => {
  let sb: MlflowSandbox;
  let cfg: string;
  const runs: Collected[] = [];
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { ossWebhooks: true } });
    sb.faults.add({ path: '/webhooks', kind: 'status403', times: Infinity });
    cfg = mlflowConfig(tmpDir('soc2-baselines-'), { collectors: ['mlflow-registry'] });
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    // an unapproved champion move, an approval tag that says "pending", and a version created already carrying champion
    sb.state.setModelVersionTag('churn-model', 4, 'approved_by', 'pending');
    sb.state.setAlias('churn-model', 'champion', 4);
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    sb.state.addModelVersion('fraud-detector', { source: 's3://acme-models/fraud/6', user_id: 'bob@acme.ai' });
    sb.state.setModelVersionTag('fraud-detector', 6, 'approved_by', 'carol@acme.ai');
    sb.state.setAlias('fraud-detector', 'champion', 6);
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
  }, HOOK);
  afterAll(() => sb?.close());

  it('every run is partial (the 403 is a gap) but only the first is a baseline', () => {
    for (const r of runs) expect(r.manifest.status).toBe('partial');
    expect(runs.map((r) => promotions(r).baseline)).toEqual([true, false, false, false]);
    expect(promotions(runs[1]!).previousBundle).toBe(path.basename(runs[0]!.bundle));
    expect(promotions(runs[2]!).previousBundle).toBe(path.basename(runs[1]!.bundle));
  });

  it('reports the unapproved move, naming the tag value it relied on, instead of not_applicable', () => {
    const f = runs[1]!.finding('mlflow-registry.promotions-approved');
    expect(f.status).toBe('fail');
    expect(f.exceptions).toEqual([{ resource: 'churn-model/4', reason: expect.stringContaining('approved_by="pending" (means not approved)') }]);
  });

  it('never counts a change twice: the next bundle compares with the one before it', () => {
    expect(promotions(runs[2]!).events).toEqual([]);
    const keys = runs.flatMap((r) => promotions(r).events.map((e: any) => e.key));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('a version created already carrying the production alias is one promotion', () => {
    const log = promotions(runs[3]!);
    const toProd = log.events.filter((e: any) => e.toProduction);
    expect(toProd.map((e: any) => [e.type, e.model, e.version, e.alias, e.from, e.to])).toEqual([['alias_moved', 'fraud-detector', '6', 'champion', '3', '6']]);
    expect(log.events.map((e: any) => e.type)).toContain('version_created');
    expect(runs[3]!.finding('mlflow-registry.promotions-approved').status).toBe('pass');
  });
});

describe('a run with an unrelated gap, then a clean run', () => {
  let sb: MlflowSandbox;
  const runs: Collected[] = [];
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { ossWebhooks: true } });
    const cfg = mlflowConfig(tmpDir('soc2-baselines-'), { collectors: ['mlflow-registry'] });
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    sb.faults.add({ path: '/webhooks', kind: 'status403', times: 1 });
    sb.state.setAlias('ranker', 'production', 5);
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
  }, HOOK);
  afterAll(() => sb?.close());

  it('reports the change once, in the bundle that first saw it', () => {
    expect(runs.map((r) => r.manifest.status)).toEqual(['complete', 'partial', 'complete']);
    expect(promotions(runs[1]!).events.map((e: any) => [e.type, e.alias, e.to])).toEqual([['alias_moved', 'production', '5']]);
    expect(promotions(runs[2]!)).toMatchObject({ previousBundle: path.basename(runs[1]!.bundle), events: [] });
  });
});

describe('promotion log when the previous snapshot is incomplete', () => {
  let sb: MlflowSandbox;
  let cfg: string;
  const runs: Collected[] = [];
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
    cfg = mlflowConfig(tmpDir('soc2-baselines-'), { collectors: ['mlflow-registry'] });
    sb.faults.add({ path: 'model-versions/search', kind: 'status500', times: Infinity });
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    sb.faults.clear();
    sb.state.setAlias('ranker', 'production', 5);
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
    runs.push(await collect(cfg, mlflowEnv(sb.url)));
  }, HOOK);
  afterAll(() => sb?.close());

  it('reports error naming the bundle whose snapshot was incomplete, never not_applicable', () => {
    const f = runs[1]!.finding('mlflow-registry.promotions-approved');
    expect(f.status).toBe('error');
    expect(f.summary).toContain(path.basename(runs[0]!.bundle));
    expect(runs[1]!.manifest.collectors[0].gaps.map((g: any) => g.code)).toContain('PREVIOUS_SNAPSHOT_INCOMPLETE');
  });

  it('then starts from the first complete snapshot, as a comparison, not a fresh baseline', () => {
    const log = promotions(runs[2]!);
    expect(log).toMatchObject({ baseline: false, previousBundle: path.basename(runs[1]!.bundle), events: [] });
    expect(runs[2]!.manifest.status).toBe('complete');
  });
});

describe('secret rotations when one secret policy cannot be read', () => {
  let sb: AwsSandbox;
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company') });
  });
  afterAll(async () => sb?.close());

  it('still compares with that bundle: the secrets snapshot itself was complete', async () => {
    const cfg = writeConfig(tmpDir(), 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-secrets-manager]\n');
    const read = (bundle: string) => JSON.parse(readFileSync(path.join(bundle, 'artifacts/main/aws-secrets-manager/us-east-1/rotations.json'), 'utf8'));
    const collect = async () => JSON.parse((await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(sb.url) })).stdout);
    sb.faults.add({ service: 'secretsmanager', action: 'GetResourcePolicy', kind: 'deny', times: 1 });
    const first = await collect();
    expect(first.status).toBe('partial');
    const secret = sb.state.accounts[0]!.secrets['us-east-1']!.find((s) => s.name === 'prod/mlflow/db-password')!;
    secret.lastRotated = '2026-11-27T04:00:00Z';
    const second = await collect();
    const log = read(second.bundle);
    expect(log).toMatchObject({ baseline: false, previousBundle: path.basename(first.bundle) });
    expect(log.events.map((e: any) => e.name)).toEqual(['prod/mlflow/db-password']);
  });
});
