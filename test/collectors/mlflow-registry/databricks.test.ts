// mlflow-registry against a sandbox serving the optional APIs: OSS webhooks (MLflow >= 3.3) and
// the Databricks-only registry webhooks and transition requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { calls, collect, mlflowConfig, mlflowEnv, type Collected } from './helpers.js';
import { bundleText } from '../../helpers/collected.js';

const HOOK = 60_000;

describe('mlflow-registry on a server with webhooks and Databricks transition requests', () => {
  let sb: MlflowSandbox;
  let first: Collected;
  let second: Collected;
  let trCalls: number;

  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: loadMlflowFixture(), features: { databricks: true, ossWebhooks: true } });
    const cfg = mlflowConfig(tmpDir('soc2-mlflow-dbx-'), { collectors: ['mlflow-registry'] });
    first = await collect(cfg, mlflowEnv(sb.url));
    trCalls = calls(sb.requests, 'transition-requests/list').length;
    // alice's open request (Staging → Production) is applied
    sb.state.transitionStage('fraud-detector', 4, 'Production', { archiveExistingVersions: true });
    second = await collect(cfg, mlflowEnv(sb.url));
  }, HOOK);
  afterAll(() => sb?.close());

  it('collects both webhook flavours with secret URL parts redacted', () => {
    expect(first.code, first.stderr).toBe(0);
    const hooks = first.json('mlflow-registry/webhooks.json');
    expect(hooks.oss.supported).toBe(true);
    expect(hooks.oss.items.map((w: any) => w.url)).toEqual(['https://hooks.acme.ai/mlflow/registry-audit', 'https://hooks.slack.com/services/T000/B000/[REDACTED]']);
    expect(hooks.databricks.supported).toBe(true);
    expect(hooks.databricks.items.map((w: any) => w.status)).toEqual(['ACTIVE', 'TEST_MODE']);
    expect(bundleText(first.bundle)).not.toContain('/B000/XXXX');
    expect(first.provenance('mlflow-registry/webhooks.json').notes.redactions).toEqual({ webhooks: 1 });
  });

  it('asks a server that caps max_results at 10,000 (Databricks) again with its default page size, and says so', () => {
    // a loopback URI is not recognised as Databricks, so the first page asks for 50,000 and is refused
    const versionPages = calls(sb.requests, 'model-versions/search').slice(0, 2);
    expect(versionPages.map((r) => [r.status, r.query.max_results])).toEqual([
      [400, '50000'],
      [200, undefined],
    ]);
    const op = first.provenance('mlflow-registry/versions.ndjson').operations.find((o: any) => o.api === 'mlflow:SearchModelVersions');
    expect(op.params).toMatchObject({ max_results: 'server default', fallback: expect.stringMatching(/max_results rejected with HTTP 400/) });
    expect(first.manifest.status).toBe('complete');
  });

  it('asks for transition requests once per production and staging version', () => {
    expect(trCalls).toBe(6);
    const tr = first.json('mlflow-registry/transition-requests.json');
    expect(tr).toMatchObject({ supported: true, versionsQueried: 6 });
    expect(tr.items).toEqual([
      { model: 'fraud-detector', version: '4', current_stage: 'Staging', requests: [expect.objectContaining({ activity_type: 'REQUESTED_TRANSITION', to_stage: 'Production', user_id: 'alice@acme.ai' })] },
    ]);
  });

  it('takes the actor of a stage change from the matching transition request', () => {
    const events = second.json('mlflow-registry/promotions.json').events;
    const toProd = events.find((e: any) => e.model === 'fraud-detector' && e.version === '4');
    expect(toProd).toMatchObject({ type: 'stage_changed', from: 'Staging', to: 'Production', toProduction: true, actor: { user: 'alice@acme.ai', source: 'databricks transition request REQUESTED_TRANSITION' } });
    const archived = events.find((e: any) => e.model === 'fraud-detector' && e.version === '3');
    expect(archived).toMatchObject({ type: 'stage_changed', from: 'Production', to: 'Archived', toProduction: false, actor: null });
  });
});
