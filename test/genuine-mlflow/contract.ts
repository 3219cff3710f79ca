// The contract between the sandbox-based tests and the genuine server: every distinct request the
// MLflow collectors make against the sandbox — in every configuration those tests use (plain,
// MLflow 3 features, Databricks features, silently clamped pages, permission-filtered, multi-tenant)
// — is replayed against the genuine server, which must answer it 2xx, or with the documented
// "not supported" answer of an optional API. A request the genuine server would refuse cannot hide
// behind a lenient sandbox.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadMlflowFixture, startMlflowSandbox, type MlflowRecordedRequest, type MlflowSandboxOptions } from '../../src/sandbox/mlflow/index.js';
import { tmpDir } from '../helpers/cli.js';
import { mlflowConfig, mlflowEnv } from '../collectors/mlflow-registry/helpers.js';
import { collectInProcess, removeTempDirs } from '../reliability/fault-helpers.js';
import { addMlflow3 } from '../collectors/mlflow-registry/mlflow3.js';
import type { GenuineServer, GenuineVersion } from './server.js';
import type { Seeded, Truth } from './suite.js';

const API = '/api/2.0/mlflow/';

interface Shape {
  method: string;
  /** below /api/2.0/mlflow/, a LoggedModel id replaced by {model_id} */
  route: string;
  query: Record<string, string | string[]>;
  body: Record<string, unknown> | undefined;
}

/** The sandbox configurations the collector tests run against. */
const CONFIGS: { name: string; options: Omit<MlflowSandboxOptions, 'seed'>; mlflow3?: boolean; env?: Record<string, string>; source?: string }[] = [
  { name: 'plain', options: {} },
  { name: 'mlflow 3', options: { features: { loggedModels: true, ossWebhooks: true } }, mlflow3: true, source: 'lineageScope: all' },
  { name: 'databricks', options: { features: { databricks: true } } },
  { name: 'clamped pages', options: { pageClamp: { 'registered-models/search': 2, 'model-versions/search': 5, 'runs/search': 3 } }, source: 'lineageScope: all' },
  {
    name: 'permission-filtered',
    options: { auth: { basic: { username: 'u', password: 'p' }, denied: { models: ['ranker'], experiments: ['3'] } } },
    env: { MLFLOW_TRACKING_USERNAME: 'u', MLFLOW_TRACKING_PASSWORD: 'p' },
    source: 'lineageScope: all',
  },
];

function shapeOf(r: MlflowRecordedRequest): Shape {
  const route = r.path.slice(API.length).replace(/^logged-models\/m-[0-9a-f]+$/, 'logged-models/{model_id}');
  const query = { ...r.query };
  delete query.page_token; // opaque and the sandbox's own: the genuine pagination is tested by the collection suite
  let body = r.body && typeof r.body === 'object' ? { ...(r.body as Record<string, unknown>) } : undefined;
  if (body) delete body.page_token;
  return { method: r.method, route, query, body };
}

/** Distinct by method, route and parameter names (values of ids differ between the two servers). */
function distinct(shapes: Shape[]): Shape[] {
  const seen = new Map<string, Shape>();
  for (const s of shapes) {
    const key = JSON.stringify([s.method, s.route, Object.keys(s.query).sort(), s.query.max_results, s.query.order_by, s.query.filter ? String(s.query.filter).replace(/'[^']*'/g, "'…'") : null, s.body ? Object.keys(s.body).sort() : null, s.body?.max_results]);
    if (!seen.has(key)) seen.set(key, s);
  }
  return [...seen.values()];
}

/** What the genuine server is allowed to answer besides 2xx: the documented "not supported" of optional APIs. */
function documented(version: GenuineVersion, route: string, status: number, contentType: string): boolean {
  const html = contentType.startsWith('text/html');
  if (route === 'registry-webhooks/list' || route === 'transition-requests/list') return status === 404 && html; // Databricks only
  if (route === 'workspaces') return (status === 404 && html) || (version === '3.6' && status === 503); // upstream: no route; the fork: multi-tenancy off
  if (version === '2.22' && (route === 'webhooks' || route.startsWith('logged-models'))) return status === 404 && html; // MLflow 3 APIs
  return false;
}

export function describeContract(version: GenuineVersion, get: () => { server: GenuineServer; seed: Seeded; truth: Truth }): void {
  describe('contract: every request the collectors make against the sandbox is answered by the genuine server', () => {
    let shapes: Shape[] = [];
    beforeAll(async () => {
      // the collections only record requests: in this process (no CLI start-up), all five at once
      const perConfig = await Promise.all(
        CONFIGS.map(async (c) => {
          const sb = await startMlflowSandbox({ seed: loadMlflowFixture(), ...c.options });
          if (c.mlflow3) addMlflow3(sb.state);
          try {
            const config = readFileSync(mlflowConfig(tmpDir('soc2-contract-'), c.source ? { source: c.source } : {}), 'utf8');
            await collectInProcess(config, mlflowEnv(sb.url, c.env ?? {}));
            return sb.requests.map(shapeOf);
          } finally {
            await sb.close();
          }
        }),
      );
      removeTempDirs();
      shapes = distinct(perConfig.flat());
    }, 120_000);

    it('replays each distinct request (method, path, parameters) and gets 2xx or the documented "not supported"', async () => {
      const { server, seed, truth } = get();
      // identifiers of the genuine server's own objects, so a per-item read asks for something that exists
      const ids = { model: truth.models[0]!.name, run: seed.runs.fraud_a!, loggedModel: Object.values(seed.loggedModels ?? {})[0] ?? 'm-00000000000000000000000000000000' };
      const routes = new Set(shapes.map((s) => `${s.method} ${s.route}`));
      for (const must of ['GET workspaces', 'GET registered-models/search', 'GET registered-models/get', 'GET model-versions/search', 'GET experiments/search', 'POST runs/search', 'GET runs/get', 'POST logged-models/search', 'GET logged-models/{model_id}', 'GET webhooks', 'GET registry-webhooks/list', 'GET transition-requests/list'])
        expect(routes, must).toContain(must);
      const refused: string[] = [];
      for (const s of shapes) {
        const query = { ...s.query };
        if (s.route === 'registered-models/get') query.name = ids.model;
        if (s.route === 'runs/get') query.run_id = ids.run;
        const path = s.route === 'logged-models/{model_id}' ? `logged-models/${ids.loggedModel}` : s.route;
        const qs = new URLSearchParams();
        for (const [k, v] of Object.entries(query)) for (const one of Array.isArray(v) ? v : [v]) qs.append(k, one);
        const res = await fetch(`${server.url}${API}${path}${qs.size ? `?${qs}` : ''}`, {
          method: s.method,
          ...(s.method === 'POST' ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(s.body ?? {}) } : {}),
        });
        const text = await res.text();
        if ((res.status >= 200 && res.status < 300) || documented(version, s.route, res.status, res.headers.get('content-type') ?? '')) continue;
        refused.push(`${s.method} ${path}?${qs} ${JSON.stringify(s.body ?? {})} → ${res.status} ${text.slice(0, 200)}`);
      }
      expect(refused).toEqual([]);
      console.info(`contract ${version}: ${shapes.length} distinct requests replayed`);
    });
  });
}
