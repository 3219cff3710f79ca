// Auth, faults and gaps of the MLflow collectors through the real CLI against the sandbox.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { calls, collect, mlflowConfig, mlflowEnv, type Collected } from './helpers.js';
import { bundleText } from '../../helpers/collected.js';

const HOOK = 60_000;

describe('mlflow auth and faults through the CLI', () => {
  const PASS = 'pw-Zk39-never-in-evidence';
  const TOKEN = 'tok-Qm71-never-in-evidence';
  let sb: MlflowSandbox;
  let dir: string;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), auth: { basic: { username: 'auditor', password: PASS }, token: TOKEN } });
    dir = tmpDir('soc2-mlflow-auth-');
  });
  afterAll(() => sb?.close());
  const cfg = (name: string) => mlflowConfig(dir, { name: `${name}.yaml` });
  const leaks = (c: Collected) => [PASS, TOKEN, Buffer.from(`auditor:${PASS}`).toString('base64')].filter((s) => (c.stdout + c.stderr + bundleText(c.bundle)).includes(s));

  it('sends Basic auth from MLFLOW_TRACKING_USERNAME/PASSWORD (over a token, when both are set)', async () => {
    sb.requests.length = 0;
    const c = await collect(cfg('basic'), mlflowEnv(sb.url, { MLFLOW_TRACKING_USERNAME: 'auditor', MLFLOW_TRACKING_PASSWORD: PASS, MLFLOW_TRACKING_TOKEN: TOKEN }));
    expect(c.code, c.stderr).toBe(0);
    expect(new Set(sb.requests.map((r) => r.authScheme))).toEqual(new Set(['Basic']));
    expect(c.manifest.identity.mlflow).toEqual([expect.objectContaining({ source: 'registry', user: 'auditor' })]);
    expect(leaks(c)).toEqual([]);
  }, HOOK);

  it('sends Bearer auth from MLFLOW_TRACKING_TOKEN, and retries 429', async () => {
    sb.requests.length = 0;
    sb.faults.add({ kind: 'status429', path: 'model-versions/search', times: 2, retryAfter: 0 });
    const c = await collect(cfg('bearer'), mlflowEnv(sb.url, { MLFLOW_TRACKING_TOKEN: TOKEN }));
    expect(c.code, c.stderr).toBe(0);
    expect(sb.requests.length).toBeGreaterThan(5);
    expect(new Set(sb.requests.map((r) => r.authScheme))).toEqual(new Set(['Bearer']));
    expect(leaks(c)).toEqual([]);
    // throttled twice, retried, and the listing is whole
    const mv = calls(sb.requests, 'model-versions/search');
    expect(mv.filter((r) => r.status === 429)).toHaveLength(2);
    // the registry's versions and prompt versions; mlflow-lineage reads the registry's artifacts
    expect(mv.filter((r) => r.status === 200)).toHaveLength(2);
    expect(c.manifest.collectors.reduce((n: number, e: any) => n + e.retries, 0)).toBe(2);
    expect(c.ndjson('mlflow-registry/versions.ndjson')).toHaveLength(18);
  }, HOOK);

  it('turns 401 into one clear gap per collector, stops calling, and exits 3', async () => {
    sb.requests.length = 0;
    const c = await collect(cfg('wrong'), mlflowEnv(sb.url, { MLFLOW_TRACKING_TOKEN: 'not-the-token' }));
    expect(c.code).toBe(3);
    expect(c.manifest.status).not.toBe('complete');
    for (const id of ['mlflow-registry', 'mlflow-lineage']) {
      const e = c.collector(id);
      expect(e.status).toBe('error');
      expect(e.gaps).toEqual([{ api: 'mlflow:ListWorkspaces', code: 'UNAUTHENTICATED', message: expect.stringMatching(/HTTP 401 UNAUTHENTICATED/) }]);
    }
    // the source's first call is refused; nothing after it
    expect(sb.requests.map((r) => r.status)).toEqual([401]);
    expect(c.stderr).toMatch(/UNAUTHENTICATED/);
    for (const f of c.findings) expect(f.status, f.check).toBe('error');
    expect(leaks(c)).toEqual([]);
  }, HOOK);
});

describe('a version listing that fails, and the collection after it', () => {
  let sb: MlflowSandbox;
  let cfg: string;
  let failed: Collected;
  let after: Collected;
  let recovered: Collected;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture() });
    cfg = mlflowConfig(tmpDir('soc2-mlflow-gaps-'), { collectors: ['mlflow-registry'] });
    sb.faults.add({ kind: 'status403', path: 'model-versions/search' });
    failed = await collect(cfg, mlflowEnv(sb.url));
    after = await collect(cfg, mlflowEnv(sb.url));
    sb.state.setAlias('ranker', 'champion', 5);
    recovered = await collect(cfg, mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  it('records the denied listing as a gap, marks the snapshot incomplete, and still collects the rest', () => {
    expect(failed.code).toBe(3);
    expect(failed.manifest.status).toBe('partial');
    expect(failed.collector('mlflow-registry').gaps).toEqual([{ api: 'mlflow:SearchModelVersions', code: 'PERMISSION_DENIED', message: expect.stringContaining('HTTP 403') }]);
    expect(failed.provenance('mlflow-registry/versions.ndjson').complete).toBe(false);
    expect(failed.provenance('mlflow-registry/promotions.json').complete).toBe(false);
    expect(failed.provenance('mlflow-registry/webhooks.json').complete).toBe(true);
    expect(failed.finding('mlflow-registry.production-approved')).toMatchObject({ status: 'error', summary: expect.stringContaining('evidence incomplete') });
  });

  it('never diffs against the failed run, nor calls the next run a baseline: promotions since it are unknown, said as a gap', () => {
    // the only earlier run's versions snapshot is incomplete: no comparison is possible, and the first run was not this one
    expect(after.code, after.stderr).toBe(3);
    expect(after.collector('mlflow-registry').gaps).toEqual([{ api: 'mlflow.registry.promotions', code: 'PREVIOUS_SNAPSHOT_INCOMPLETE', message: expect.stringContaining(failed.manifest.id) }]);
    expect(after.json('mlflow-registry/promotions.json')).toMatchObject({ baseline: false, previousBundle: null, events: [] });
    expect(after.provenance('mlflow-registry/promotions.json').complete).toBe(false);
    expect(after.finding('mlflow-registry.promotions-approved')).toMatchObject({ status: 'error', summary: expect.stringContaining(failed.manifest.id) });
    expect(after.provenance('mlflow-registry/versions.ndjson').complete).toBe(true);
  });

  it('diffs against the next complete snapshot', () => {
    expect(recovered.code, recovered.stderr).toBe(0);
    const log = recovered.json('mlflow-registry/promotions.json');
    expect(log).toMatchObject({ baseline: false, previousBundle: after.manifest.id });
    expect(log.events.map((e: any) => [e.type, `${e.model}/${e.version}`, e.alias, e.toProduction])).toEqual([['alias_added', 'ranker/5', 'champion', true]]);
    expect(recovered.finding('mlflow-registry.promotions-approved').exceptions.map((e: any) => e.resource)).toEqual(['ranker/5']);
  });
});
