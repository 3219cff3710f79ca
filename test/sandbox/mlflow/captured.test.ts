// Replays the requests of fixtures/mlflow/recorded-2.12/INDEX.txt against a sandbox
// seeded with the captured server's state, and expects the captured bodies back (deep equality),
// byte-exact page tokens and error bodies, and the HTML 404 page.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowSandbox, type MlflowSandbox } from '../../../src/sandbox/mlflow/index.js';
import { capturedSeed, getJson, keyPaths, postJson, ref, refText } from './helpers.js';

const A = '/api/2.0/mlflow';

describe('sandbox reproduces the captured MLflow 2.12 responses', () => {
  let sb: MlflowSandbox;
  let api: string;
  beforeAll(async () => {
    sb = await startMlflowSandbox({ seed: capturedSeed() });
    api = sb.url + A;
  });
  afterAll(() => sb.close());

  const gets: [string, string][] = [
    ['registered-models-search.json', '/registered-models/search?max_results=100'],
    ['registered-models-search-filter.json', '/registered-models/search?filter=name%20LIKE%20%27fraud%25%27&order_by=last_updated_timestamp%20DESC'],
    ['registered-models-get.json', '/registered-models/get?name=fraud-detector'],
    ['model-versions-search-by-name.json', '/model-versions/search?filter=name%3D%27fraud-detector%27'],
    ['model-versions-search-page1.json', '/model-versions/search?filter=name%3D%27fraud-detector%27&max_results=2&order_by=version_number%20ASC'],
    ['model-versions-search-page2.json', '/model-versions/search?filter=name%3D%27fraud-detector%27&max_results=2&order_by=version_number%20ASC&page_token=eyJvZmZzZXQiOiAyfQ%3D%3D'],
    ['model-versions-search-run-id-in.json', '/model-versions/search?filter=run_id%20IN%20%28%2724abedc40ae44fca9794904a3c69f366%27%2C%2748624c8f95c84810acf5959587647215%27%29'],
    ['model-versions-get.json', '/model-versions/get?name=fraud-detector&version=2'],
    ['registered-models-alias-get.json', '/registered-models/alias?name=fraud-detector&alias=champion'],
    ['runs-get.json', '/runs/get?run_id=48624c8f95c84810acf5959587647215'],
    ['runs-get-after-rest-log-inputs.json', '/runs/get?run_id=f4bf0c68d5f3441bba928989985d503b'],
    ['experiments-get.json', '/experiments/get?experiment_id=1'],
    ['experiments-search.json', '/experiments/search?max_results=10'],
    ['experiments-get-by-name.json', '/experiments/get-by-name?experiment_name=soc2-evidence-demo'],
    ['model-versions-get-download-uri.json', '/model-versions/get-download-uri?name=fraud-detector&version=2'],
  ];
  it.each(gets)('%s', async (file, target) => {
    const r = await getJson(api + target);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.json).toEqual(ref(file));
  });

  it('registered-models-get-latest-versions.json (POST, no aliases)', async () => {
    const r = await postJson(`${api}/registered-models/get-latest-versions`, { name: 'fraud-detector' });
    expect(r.status).toBe(200);
    expect(r.json).toEqual(ref('registered-models-get-latest-versions.json'));
  });

  it('runs-search.json and runs-search-page2.json (POST, token, last page without token)', async () => {
    const p1 = await postJson(`${api}/runs/search`, { experiment_ids: ['1'], max_results: 2, order_by: ['attributes.start_time ASC'] });
    expect(p1.status).toBe(200);
    expect(p1.json).toEqual(ref('runs-search.json'));
    const p2 = await postJson(`${api}/runs/search`, {
      experiment_ids: ['1'],
      max_results: 2,
      order_by: ['attributes.start_time ASC'],
      page_token: p1.json.next_page_token,
    });
    expect(p2.json).toEqual(ref('runs-search-page2.json'));
    expect('next_page_token' in p2.json).toBe(false);
  });

  it('runs-search-filter.json (params and metrics filter, default order start_time DESC)', async () => {
    const r = await postJson(`${api}/runs/search`, { experiment_ids: ['1'], filter: "params.solver = 'lbfgs' and metrics.auc > 0.82" });
    const want = ref('runs-search-filter.json');
    expect(r.json.runs.map((x: any) => x.info.run_id)).toEqual(want.runs.map((x: any) => x.info.run_id));
    // the capture predates log-inputs on train-2: compare everything but that run's inputs
    expect(keyPaths(r.json)).toEqual(keyPaths(want));
    expect(r.json.runs.map((x: any) => ({ ...x, inputs: undefined }))).toEqual(want.runs.map((x: any) => ({ ...x, inputs: undefined })));
  });

  const errors: [string, string, number][] = [
    ['error-registered-model-not-found.json', '/registered-models/get?name=does-not-exist', 404],
    ['error-model-version-not-found.json', '/model-versions/get?name=fraud-detector&version=99', 404],
    ['error-alias-not-found.json', '/registered-models/alias?name=fraud-detector&alias=nope', 400],
    ['error-run-not-found.json', '/runs/get?run_id=00000000000000000000000000000000', 404],
    ['error-max-results-too-big.json', '/registered-models/search?max_results=5000', 400],
    ['error-bad-filter.json', '/model-versions/search?filter=stage%3D%27Production%27', 400],
    ['error-missing-param.json', '/registered-models/get', 400],
  ];
  it.each(errors)('%s', async (file, target, status) => {
    const r = await getJson(api + target);
    expect(r.status).toBe(status);
    expect(r.json).toEqual(ref(file));
  });

  it('error-unknown-endpoint.json: the HTML 404 page, byte for byte', async () => {
    const res = await fetch(`${api}/registered-models/history?name=fraud-detector`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toBe(refText('error-unknown-endpoint.json'));
  });
});
