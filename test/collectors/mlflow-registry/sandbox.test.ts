// mlflow-registry through the real CLI against the MLflow sandbox (real wire shapes and quirks:
// aliases absent from search results, HTML 404 for unknown routes): two collections and the promotion log.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { runCli, tmpDir } from '../../helpers/cli.js';
import { assertReadOnly, calls, collect, mlflowConfig, mlflowEnv, type Collected } from './helpers.js';

const HOOK = 60_000;
const names = (f: any) => f.exceptions.map((e: any) => e.resource).sort();

describe('mlflow-registry: two collections of the small company', () => {
  let sb: MlflowSandbox;
  let dir: string;
  let cfg: string;
  let first: Collected;
  let second: Collected;
  let firstRequests: typeof sb.requests;

  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
    dir = tmpDir('soc2-mlflow-registry-');
    cfg = mlflowConfig(dir, { collectors: ['mlflow-registry'] });
    first = await collect(cfg, mlflowEnv(sb.url));
    firstRequests = [...sb.requests];
    sb.requests.length = 0;

    // between the two collections: promotions the way teams make them
    sb.state.setModelVersionTag('fraud-detector', 4, 'approved_by', 'erin@acme.ai');
    sb.state.setAlias('fraud-detector', 'champion', 4); // approved alias move
    sb.state.setAlias('churn-model', 'champion', 4); // unapproved alias move
    sb.state.transitionStage('ranker', 5, 'Production'); // unapproved stage change, by a pipeline that tags itself
    sb.state.setModelVersionTag('ranker', 5, 'promoted_by', 'deploy-bot');
    sb.state.addModelVersion('embeddings', { source: 's3://acme-models/embeddings/4', user_id: 'frank@acme.ai' });
    sb.state.deleteAlias('embeddings', 'challenger');
    second = await collect(cfg, mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  it('writes a complete first bundle with the six artifacts and exits 0', () => {
    expect(first.code, first.stderr).toBe(0);
    expect(first.manifest.status).toBe('complete');
    const kinds = first.manifest.artifacts.map((a: any) => a.kind).sort();
    expect(kinds).toEqual(['mlflow.registry.models', 'mlflow.registry.promotions', 'mlflow.registry.prompts', 'mlflow.registry.transition-requests', 'mlflow.registry.versions', 'mlflow.registry.webhooks']);
    expect(first.ndjson('mlflow-registry/models.ndjson').map((m) => m.name)).toEqual(['churn-model', 'embeddings', 'fraud-detector', 'ranker']);
  });

  it('records every version with stage, status, creator, run and timestamps', () => {
    const versions = first.ndjson('mlflow-registry/versions.ndjson');
    expect(versions).toHaveLength(18);
    const fd3 = versions.find((v) => v.name === 'fraud-detector' && v.version === '3');
    expect(fd3).toMatchObject({ current_stage: 'Production', aliases: ['champion', 'production'], production: true, status: 'READY', user_id: 'bob@acme.ai', run_id: 'c3b6b3546a930802d17c51beb503cf40', tags: { approved_by: 'carol@acme.ai' } });
    expect(typeof fd3.creation_timestamp).toBe('number');
    expect(typeof fd3.last_updated_timestamp).toBe('number');
    expect(fd3.source).toBe('runs:/c3b6b3546a930802d17c51beb503cf40/model');
  });

  it('takes aliases from the registered model (search results carry none)', () => {
    // the sandbox, like MLflow 2.12, sends no aliases in model-versions/search
    const e2 = first.ndjson('mlflow-registry/versions.ndjson').find((v) => v.name === 'embeddings' && v.version === '2');
    expect(e2).toMatchObject({ current_stage: 'None', aliases: ['champion'], production: true, user_id: null });
  });

  it('calls only read APIs, each once, and stops asking for transition requests after "not supported"', () => {
    expect(assertReadOnly(firstRequests)).toEqual([]);
    expect(firstRequests.map((r) => `${r.method} ${r.path.replace('/api/2.0/mlflow/', '')} ${r.status}`)).toEqual([
      // the source asks once whether the server is multi-tenant (it is not: the route does not exist)
      'GET workspaces 404',
      'GET registered-models/search 200',
      'GET model-versions/search 200',
      // prompts, which the default searches hide
      'GET registered-models/search 200',
      'GET model-versions/search 200',
      'GET webhooks 404',
      'GET registry-webhooks/list 404',
      'GET transition-requests/list 404',
    ]);
    expect(calls(firstRequests, 'model-versions/search')[0]!.query.order_by).toEqual(['name ASC', 'version_number ASC']);
    // the largest pages the server allows, so a large registry takes the fewest calls
    expect(calls(firstRequests, 'registered-models/search')[0]!.query.max_results).toBe('1000');
    expect(calls(firstRequests, 'model-versions/search')[0]!.query.max_results).toBe('50000');
    expect(calls(firstRequests, 'registered-models/search')[1]!.query.filter).toBe("tags.`mlflow.prompt.is_prompt` = 'true'");
    expect(first.collector('mlflow-registry')).toMatchObject({ status: 'ok', apiCalls: 7, gaps: [] });
  });

  it('records unsupported webhooks and transition requests as "not supported by this server"', () => {
    expect(first.json('mlflow-registry/webhooks.json')).toEqual({
      oss: { supported: false, reason: 'not supported by this server' },
      databricks: { supported: false, reason: 'not supported by this server' },
    });
    expect(first.json('mlflow-registry/transition-requests.json')).toMatchObject({ supported: false, reason: 'not supported by this server', items: [] });
  });

  it('writes the first promotion log as a baseline and says so', () => {
    const log = first.json('mlflow-registry/promotions.json');
    expect(log).toEqual({ baseline: true, window: { from: null, to: expect.any(String) }, previousBundle: null, events: [] });
    expect(Date.parse(log.window.to)).toBeGreaterThanOrEqual(Date.parse(first.manifest.startedAt));
    expect(first.provenance('mlflow-registry/promotions.json').notes.baseline).toMatch(/first bundle.*baseline/);
    expect(first.finding('mlflow-registry.promotions-approved')).toMatchObject({ status: 'not_applicable', criteria: ['CC8.1'] });
  });

  it('flags exactly the seeded registry problems', () => {
    expect(first.finding('mlflow-registry.production-approved').status).toBe('fail');
    expect(names(first.finding('mlflow-registry.production-approved'))).toEqual(['ranker/4']);
    expect(names(first.finding('mlflow-registry.separation-of-duties'))).toEqual(['churn-model/3']);
    expect(first.finding('mlflow-registry.separation-of-duties').summary).toContain('no user_id');
    expect(first.finding('mlflow-registry.production-traceable').status).toBe('pass');
    const failed = first.finding('mlflow-registry.failed-registrations');
    expect(failed.status).toBe('fail');
    expect(failed.exceptions).toEqual([{ resource: 'fraud-detector/5', reason: expect.stringMatching(/^FAILED_REGISTRATION: .*AccessDenied/) }]);
    expect(first.finding('mlflow-registry.separation-of-duties').criteria).toEqual(['CC8.1', 'CC5.1', 'CC6.3']);
  });

  it('derives the promotions between the two collections, with the window previous bundle start → this collection', () => {
    expect(second.code, second.stderr).toBe(0);
    const log = second.json('mlflow-registry/promotions.json');
    // the window starts where the runner says the previous collection of this collector was made
    // the window opens when the previous bundle started: the earliest moment its snapshot can describe
    const prevCollectedAt = first.manifest.startedAt;
    expect(log.baseline).toBe(false);
    expect(log.previousBundle).toBe(first.manifest.id);
    expect(log.window.from).toBe(prevCollectedAt);
    expect(Date.parse(log.window.to)).toBeGreaterThanOrEqual(Date.parse(second.manifest.startedAt));
    expect(Date.parse(log.window.to)).toBeLessThanOrEqual(Date.parse(second.manifest.finishedAt));
    expect(Date.parse(log.window.to)).toBeLessThanOrEqual(Date.parse(second.provenance('mlflow-registry/promotions.json').collectedAt));
    expect(second.provenance('mlflow-registry/promotions.json').periodCovered).toEqual(log.window);

    const row = (e: any) => [e.type, `${e.model}/${e.version}`, e.alias ?? null, e.from, e.to, e.toProduction, e.approval.approved];
    expect(log.events.map(row)).toEqual([
      ['alias_moved', 'churn-model/4', 'champion', '3', '4', true, false],
      ['alias_removed', 'embeddings/3', 'challenger', '3', null, false, false],
      ['version_created', 'embeddings/4', null, null, '4', false, false],
      ['alias_moved', 'fraud-detector/4', 'champion', '3', '4', true, true],
      ['stage_changed', 'ranker/5', null, 'Staging', 'Production', true, false],
    ]);
    for (const e of log.events) expect([e.windowFrom, e.windowTo]).toEqual([log.window.from, log.window.to]);
    expect(log.events.find((e: any) => e.type === 'version_created').actor).toEqual({ user: 'frank@acme.ai', source: expect.stringContaining('user_id') });
    expect(log.events.find((e: any) => e.model === 'ranker').actor).toEqual({ user: 'deploy-bot', source: 'version tag promoted_by' });
    expect(log.events.find((e: any) => e.model === 'churn-model').actor).toBeNull();
    expect(log.events.find((e: any) => e.model === 'fraud-detector').approval).toEqual({ tags: { approved_by: 'erin@acme.ai' }, approved: true, approver: 'erin@acme.ai', relied: [{ tag: 'approved_by', value: 'erin@acme.ai', accepted: true }] });
  });

  it('fails promotions-approved for exactly the unapproved promotions, naming the window', () => {
    const f = second.finding('mlflow-registry.promotions-approved');
    expect(f.status).toBe('fail');
    // the runner records the check's declaration: the report keeps these as deviations that never resolve
    expect(f.exceptionType).toBe('event');
    expect(names(f)).toEqual(['churn-model/4', 'ranker/5']);
    expect(f.exceptions[0].reason).toContain(first.manifest.startedAt);
    const fd4 = second.ndjson('mlflow-registry/versions.ndjson').find((v) => v.name === 'fraud-detector' && v.version === '4');
    expect(fd4.aliases).toEqual(['challenger', 'champion']);
  });

  it('chains the bundles and both verify', async () => {
    expect(second.manifest.previous.id).toBe(first.manifest.id);
    const v = await runCli(['verify', path.dirname(second.bundle)]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });
});
