// The real @google-cloud/aiplatform v1 clients (from createVertexClients, insecure loopback mode)
// against the Vertex sandbox seeded with fixtures/vertex/small-company.json.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createVertexClients, type VertexClients } from '../../../src/clients/vertex.js';
import { generateVertexCompany, loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../../src/sandbox/vertex/index.js';
import {
  artifactName,
  CHURN,
  codeOf,
  EP_CHURN,
  EP_FRAUD,
  EP_SUPPORT,
  FAST_RETRY,
  FRAUD,
  LOC,
  modelName,
  NUM_PARENT,
  PARENT,
  PROJECT,
  PROJECT_NUMBER,
  SUPPORT,
} from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */

describe('Vertex sandbox (small company) through the real v1 clients', () => {
  let sb: VertexSandbox;
  let c: VertexClients;

  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company') });
    c = createVertexClients({ project: PROJECT, location: LOC, apiEndpoint: sb.endpoint, insecure: true, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await c?.close();
    await sb?.close();
  });
  beforeEach(() => {
    sb.requests.length = 0;
    sb.faults.clear();
  });

  it('binds 127.0.0.1 and reports HOST:PORT', () => {
    expect(sb.host).toBe('127.0.0.1');
    expect(sb.endpoint).toBe(`127.0.0.1:${sb.port}`);
  });

  it('ListModels returns each model at its default version, named by project number', async () => {
    const [models] = await c.model.listModels({ parent: PARENT });
    expect(models.map((m) => m.displayName)).toEqual(['fraud-detector', 'churn-predictor', 'support-ticket-classifier']);
    const fraud = models[0]!;
    expect(fraud.name).toBe(`${NUM_PARENT}/models/${FRAUD}`);
    expect(fraud.versionId).toBe('3');
    expect(fraud.versionAliases).toEqual(['default', 'production']);
    expect(fraud.labels).toMatchObject({ 'approved-by': 'maria-chen' });
    expect(fraud.encryptionSpec?.kmsKeyName).toMatch(/cryptoKeys\/models$/);
    expect(fraud.modelSourceInfo?.sourceType).toBe('CUSTOM');
    expect(fraud.metadataArtifact).toBe(`${NUM_PARENT}/metadataStores/default/artifacts/fraud-detector-v3-model`);
    expect(fraud.deployedModels).toEqual([{ endpoint: `${NUM_PARENT}/endpoints/${EP_FRAUD}`, deployedModelId: '6713050498274721792' }]);
    expect(fraud.versionCreateTime).toEqual({ seconds: String(Date.parse('2026-09-02T14:12:00Z') / 1000), nanos: 0 });
    const churn = models[1]!;
    expect(churn.versionId).toBe('1'); // default stays on 1; champion is 2
    expect(churn.modelSourceInfo?.sourceType).toBe('AUTOML');
    const support = models[2]!;
    expect(support.encryptionSpec ?? null).toBeNull(); // no CMEK
    expect(support.labels?.['approved-by']).toBeUndefined();
    // every call arrived without credentials
    expect(sb.requests.every((r) => !r.authorization)).toBe(true);
  });

  it('ListModels auto-paginates over several pages (pageSize 1) and records each page', async () => {
    const [models] = await c.model.listModels({ parent: PARENT, pageSize: 1 });
    expect(models).toHaveLength(3);
    const calls = sb.requests.filter((r) => r.method === 'ListModels');
    expect(calls).toHaveLength(3);
    expect(calls[0]!.request.pageToken).toBeUndefined();
    expect(typeof calls[1]!.request.pageToken).toBe('string');
    expect(calls.every((r) => r.code === 0 && r.request.pageSize === 1)).toBe(true);
  });

  it('ListModels with {autoPaginate:false} returns one page and the next request; listModelsAsync iterates all', async () => {
    const [page, next, raw] = await c.model.listModels({ parent: PARENT, pageSize: 2 }, { autoPaginate: false });
    expect(page).toHaveLength(2);
    expect(next?.pageToken).toBe(raw?.nextPageToken);
    const [rest, after] = await c.model.listModels(next!, { autoPaginate: false });
    expect(rest).toHaveLength(1);
    expect(after).toBeNull();
    const names: string[] = [];
    for await (const m of c.model.listModelsAsync({ parent: PARENT, pageSize: 2 })) names.push(m.displayName!);
    expect(names).toHaveLength(3);
  });

  it('a page token used with another filter is INVALID_ARGUMENT', async () => {
    const [, next] = await c.model.listModels({ parent: PARENT, pageSize: 1 }, { autoPaginate: false });
    expect(await codeOf(c.model.listModels({ ...next!, filter: 'labels.team="risk"' }, { autoPaginate: false }))).toBe(3);
  });

  it('ListModels filters by label and display name; the other region has its own models', async () => {
    const [risk] = await c.model.listModels({ parent: PARENT, filter: 'labels.team = "risk"' });
    expect(risk.map((m) => m.displayName)).toEqual(['fraud-detector']);
    const [named] = await c.model.listModels({ parent: PARENT, filter: 'display_name="churn-predictor"' });
    expect(named.map((m) => m.versionId)).toEqual(['1']);
    const [eu] = await c.model.listModels({ parent: `projects/${PROJECT}/locations/europe-west4` });
    expect(eu.map((m) => m.displayName)).toEqual(['demand-forecast']);
  });

  it('ListModelVersions lists every version with its aliases and labels, paged', async () => {
    const [versions] = await c.model.listModelVersions({ name: modelName(SUPPORT), pageSize: 3 });
    expect(versions.map((v) => [v.versionId, v.versionAliases])).toEqual([
      ['1', []],
      ['2', []],
      ['3', []],
      ['4', ['default', 'production']],
    ]);
    expect(versions.every((v) => v.name === `${NUM_PARENT}/models/${SUPPORT}`)).toBe(true);
    expect(sb.requests.filter((r) => r.method === 'ListModelVersions')).toHaveLength(2);
    const [approved] = await c.model.listModelVersions({ name: modelName(FRAUD), filter: 'labels.approved-by:*' });
    expect(approved.map((v) => v.versionId)).toEqual(['2', '3']);
  });

  it('GetModel resolves @version and @alias; unknown ones are NOT_FOUND', async () => {
    const [byAlias] = await c.model.getModel({ name: `${modelName(CHURN)}@champion` });
    expect(byAlias.versionId).toBe('2');
    expect(byAlias.trainingPipeline).toBe(`${NUM_PARENT}/trainingPipelines/6921047385601228800`);
    const [byId] = await c.model.getModel({ name: `${modelName(FRAUD)}@2` });
    expect(byId.versionAliases).toEqual([]);
    expect(byId.deployedModels?.map((d) => d.deployedModelId)).toEqual(['2101364479847333888']);
    const [plain] = await c.model.getModel({ name: modelName(FRAUD) });
    expect(plain.versionId).toBe('3');
    expect(await codeOf(c.model.getModel({ name: `${modelName(FRAUD)}@9` }))).toBe(5);
    expect(await codeOf(c.model.getModel({ name: `${modelName(FRAUD)}@canary` }))).toBe(5);
    expect(await codeOf(c.model.getModel({ name: modelName('999') }))).toBe(5);
  });

  it('accepts the project number; another project is PERMISSION_DENIED (not retried)', async () => {
    const [m] = await c.model.getModel({ name: `${NUM_PARENT}/models/${FRAUD}` });
    expect(m.displayName).toBe('fraud-detector');
    sb.requests.length = 0;
    expect(await codeOf(c.model.listModels({ parent: `projects/someone-else/locations/${LOC}` }))).toBe(7);
    expect(sb.requests).toHaveLength(1);
  });

  it('ListEndpoints: deployed models, traffic split, network / PSC, logging config, CMEK', async () => {
    const [eps] = await c.endpoint.listEndpoints({ parent: PARENT });
    const by = new Map(eps.map((e) => [e.name!.split('/').pop()!, e]));
    expect([...by.keys()]).toEqual([EP_FRAUD, EP_SUPPORT, EP_CHURN]);

    const fraud = by.get(EP_FRAUD)!;
    expect(fraud.deployedModels?.map((d) => ({ id: d.id, model: d.model, modelVersionId: d.modelVersionId, displayName: d.displayName }))).toEqual([
      { id: '6713050498274721792', model: `${NUM_PARENT}/models/${FRAUD}`, modelVersionId: '3', displayName: 'fraud-detector-v3' },
      { id: '2101364479847333888', model: `${NUM_PARENT}/models/${FRAUD}`, modelVersionId: '2', displayName: 'fraud-detector-v2' },
    ]);
    expect(fraud.trafficSplit).toEqual({ '6713050498274721792': 90, '2101364479847333888': 10 });
    expect(fraud.network).toBe(`projects/${PROJECT_NUMBER}/global/networks/ml-prod-vpc`);
    expect(fraud.predictRequestResponseLoggingConfig).toMatchObject({ enabled: true, samplingRate: 1, bigqueryDestination: { outputUri: 'bq://acme-ml-prod.prediction_logs.fraud_detector' } });
    expect(fraud.encryptionSpec?.kmsKeyName).toMatch(/cryptoKeys\/endpoints$/);

    const support = by.get(EP_SUPPORT)!;
    expect(support.predictRequestResponseLoggingConfig?.enabled).toBe(false);
    expect(support.privateServiceConnectConfig).toMatchObject({ enablePrivateServiceConnect: true, projectAllowlist: ['acme-ml-prod', 'acme-support-prod'] });
    expect(support.network).toBe('');
    expect(support.deployedModels?.[0]).toMatchObject({ model: `${NUM_PARENT}/models/${SUPPORT}`, modelVersionId: '4' });

    const churn = by.get(EP_CHURN)!; // public: no network, no PSC
    expect(churn.network).toBe('');
    expect(churn.privateServiceConnectConfig ?? null).toBeNull();
    expect(churn.predictRequestResponseLoggingConfig?.samplingRate).toBe(0.25);

    const [paged] = await c.endpoint.listEndpoints({ parent: PARENT, pageSize: 2 });
    expect(paged).toHaveLength(3);
  });

  it('QueryArtifactLineageSubgraph walks from the production model artifact to its gs:// dataset', async () => {
    const [g] = await c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('fraud-detector-v3-model') });
    expect(g.artifacts?.map((a) => a.name!.split('/').pop()).sort()).toEqual(['fraud-detector-v3-metrics', 'fraud-detector-v3-model', 'fraud-features-2026-08-31', 'transactions-raw-2026-08-31']);
    expect(g.executions).toHaveLength(2);
    expect(g.events).toHaveLength(5);
    const raw = g.artifacts!.find((a) => a.name!.endsWith('/transactions-raw-2026-08-31'))!;
    expect(raw).toMatchObject({ schemaTitle: 'system.Dataset', uri: 'gs://acme-ml-data/transactions/raw/2026-08-31/', state: 'LIVE' });
    expect(raw.metadata?.fields?.data_classification).toMatchObject({ stringValue: 'confidential' });
    expect(new Set(g.events!.map((e) => e.type))).toEqual(new Set(['INPUT', 'OUTPUT']));
    const out = g.events!.find((e) => e.artifact!.endsWith('/fraud-detector-v3-model'))!;
    expect(out).toMatchObject({ type: 'OUTPUT', execution: `${NUM_PARENT}/metadataStores/default/executions/fraud-train-2026-09-02` });

    // max_hops counts artifact–execution edges
    const [two] = await c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('fraud-detector-v3-model'), maxHops: 2 });
    expect(two.artifacts).toHaveLength(3);
    expect(two.executions).toHaveLength(1);
    expect(two.events).toHaveLength(3);

    const [datasetsOnly] = await c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('fraud-detector-v3-model'), filter: 'schema_title = "system.Dataset"' });
    expect(datasetsOnly.artifacts?.map((a) => a.uri)).toEqual(['gs://acme-ml-data/transactions/raw/2026-08-31/', 'gs://acme-ml-data/fraud/features/2026-08-31/']);

    const [alone] = await c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('support-classifier-v4-model') });
    expect(alone.artifacts).toHaveLength(1);
    expect(alone.executions).toEqual([]);
    expect(await codeOf(c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('nope') }))).toBe(5);
  });

  it('QueryArtifactLineageSubgraph is FAILED_PRECONDITION above the node limit, and not retried', async () => {
    sb.settings.lineageNodeLimit = 3;
    try {
      const code = await codeOf(c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('fraud-detector-v3-model') }));
      expect(code).toBe(9);
      expect(sb.requests.map((r) => r.code)).toEqual([9]);
      const [small] = await c.metadata.queryArtifactLineageSubgraph({ artifact: artifactName('fraud-detector-v3-model'), maxHops: 1 });
      expect(small.artifacts).toHaveLength(1);
    } finally {
      sb.settings.lineageNodeLimit = 1000;
    }
  });

  it('TrainingPipeline → inputDataConfig.datasetId → Dataset', async () => {
    const [m] = await c.model.getModel({ name: `${modelName(CHURN)}@champion` });
    const [tp] = await c.pipeline.getTrainingPipeline({ name: m.trainingPipeline! });
    expect(tp.inputDataConfig?.datasetId).toBe('7741203947381932032');
    expect(tp.state).toBe('PIPELINE_STATE_SUCCEEDED');
    expect(tp.modelToUpload).toMatchObject({ name: `${NUM_PARENT}/models/${CHURN}`, versionId: '2' });
    const [ds] = await c.dataset.getDataset({ name: `${NUM_PARENT}/datasets/${tp.inputDataConfig!.datasetId}` });
    expect(ds.displayName).toBe('churn-training-2026-08');
    expect(ds.metadata?.structValue?.fields?.inputConfig).toBeDefined();
    expect(ds.dataItemCount).toBe('0');
    // a custom-training pipeline has no inputDataConfig
    const [eu] = await c.pipeline.getTrainingPipeline({ name: `projects/${PROJECT}/locations/europe-west4/trainingPipelines/8812390045671936000` });
    expect(eu.inputDataConfig ?? null).toBeNull();
  });

  it('faults: UNAVAILABLE once is retried by the client (2 calls); PERMISSION_DENIED / UNAUTHENTICATED surface at once', async () => {
    sb.faults.add({ method: 'ListModels', kind: 'unavailable' });
    const [models] = await c.model.listModels({ parent: PARENT });
    expect(models).toHaveLength(3);
    expect(sb.requests.map((r) => [r.method, r.code, r.fault])).toEqual([
      ['ListModels', 14, 'unavailable'],
      ['ListModels', 0, undefined],
    ]);

    sb.requests.length = 0;
    sb.faults.add({ method: 'ModelService.GetModel', kind: 'permissionDenied', times: 5 });
    const err = await c.model.getModel({ name: modelName(FRAUD) }).catch((e: any) => e);
    expect(err.code).toBe(7);
    expect(sb.requests).toHaveLength(1);
    expect(sb.faults.pending()[0]?.remaining).toBe(4);
    sb.faults.clear();

    sb.requests.length = 0;
    sb.faults.add({ kind: 'unauthenticated' });
    expect(await codeOf(c.endpoint.listEndpoints({ parent: PARENT }))).toBe(16);
    expect(sb.requests).toHaveLength(1);
  });

  it('faults: latency delays the reply; internal is not retried', async () => {
    sb.faults.add({ method: 'GetDataset', kind: 'latency', ms: 150 });
    const t0 = Date.now();
    await c.dataset.getDataset({ name: `${PARENT}/datasets/7741203947381932032` });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(sb.requests[0]?.fault).toBe('latency');
    sb.faults.add({ kind: 'internal' });
    expect(await codeOf(c.endpoint.getEndpoint({ name: `${PARENT}/endpoints/${EP_FRAUD}` }))).toBe(13);
  });

  it('methods the sandbox does not serve are UNIMPLEMENTED and still recorded', async () => {
    expect(await codeOf(c.model.updateModel({ model: { name: modelName(FRAUD), displayName: 'x' }, updateMask: { paths: ['display_name'] } }))).toBe(12);
    expect(sb.requests.map((r) => [r.service, r.method, r.code])).toEqual([['ModelService', 'UpdateModel', 12]]);
  });

  it('missing required fields are INVALID_ARGUMENT', async () => {
    expect(await codeOf(c.model.getModel({}))).toBe(3);
    expect(await codeOf(c.model.listModels({ parent: 'projects/x' }))).toBe(3);
  });
});

describe('Vertex sandbox state helpers', () => {
  let sb: VertexSandbox;
  let c: VertexClients;
  beforeAll(async () => {
    let t = Date.parse('2026-10-01T00:00:00Z');
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company'), now: () => (t += 1000) });
    c = createVertexClients({ project: PROJECT, location: LOC, apiEndpoint: sb.endpoint, insecure: true, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await c?.close();
    await sb?.close();
  });

  it('moveAlias moves production to another version', async () => {
    sb.state.moveAlias(FRAUD, 'production', '2');
    const [m] = await c.model.getModel({ name: `${modelName(FRAUD)}@production` });
    expect(m.versionId).toBe('2');
    expect(m.versionUpdateTime?.seconds).toBe(String(Date.parse('2026-10-01T00:00:01Z') / 1000));
    const [v3] = await c.model.getModel({ name: `${modelName(FRAUD)}@3` });
    expect(v3.versionAliases).toEqual(['default']);
  });

  it('addVersion appends a version and can take aliases', async () => {
    const v = sb.state.addVersion(SUPPORT, { aliases: ['production'], labels: { team: 'support', 'approved-by': 'li-wei' } });
    expect(v.versionId).toBe('5');
    const [versions] = await c.model.listModelVersions({ name: modelName(SUPPORT) });
    expect(versions.map((x) => [x.versionId, x.versionAliases])).toEqual([
      ['1', []],
      ['2', []],
      ['3', []],
      ['4', ['default']],
      ['5', ['production']],
    ]);
  });

  it('setEndpointLogging switches request-response logging', async () => {
    sb.state.setEndpointLogging(EP_SUPPORT, true, 0.5);
    const [ep] = await c.endpoint.getEndpoint({ name: `${PARENT}/endpoints/${EP_SUPPORT}` });
    expect(ep.predictRequestResponseLoggingConfig).toMatchObject({ enabled: true, samplingRate: 0.5 });
  });

  it('deployModel / undeployModel update deployments, traffic and the model’s deployedModels', async () => {
    sb.state.deployModel(EP_CHURN, { id: '1234', modelId: CHURN, versionId: '1', trafficSplit: { '3390417756120498176': 50, '1234': 50 } });
    const [ep] = await c.endpoint.getEndpoint({ name: `${PARENT}/endpoints/${EP_CHURN}` });
    expect(ep.trafficSplit).toEqual({ '3390417756120498176': 50, '1234': 50 });
    const [v1] = await c.model.getModel({ name: `${modelName(CHURN)}@1` });
    expect(v1.deployedModels).toEqual([{ endpoint: `${NUM_PARENT}/endpoints/${EP_CHURN}`, deployedModelId: '1234' }]);
    sb.state.undeployModel(EP_CHURN, '1234');
    const [after] = await c.endpoint.getEndpoint({ name: `${PARENT}/endpoints/${EP_CHURN}` });
    expect(after.trafficSplit).toEqual({ '3390417756120498176': 100 });
    expect(() => sb.state.moveAlias(CHURN, 'champion', '7')).toThrow(/no version 7/);
  });
});

describe('Vertex sandbox at benchmark size (300 models × 10 versions, 50 endpoints)', () => {
  let sb: VertexSandbox;
  let c: VertexClients;
  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: generateVertexCompany({ models: 300, versionsPerModel: 10, endpoints: 50 }) });
    c = createVertexClients({ project: 'synthetic-ml-prod', location: 'us-central1', apiEndpoint: sb.endpoint, insecure: true, retry: FAST_RETRY });
  });
  afterAll(async () => {
    await c?.close();
    await sb?.close();
  });

  it('lists every model (default page size 100: 3 calls), every version of one, every endpoint', async () => {
    const [models] = await c.model.listModels({ parent: c.parent });
    expect(models).toHaveLength(300);
    expect(sb.requests.filter((r) => r.method === 'ListModels')).toHaveLength(3);
    const [versions] = await c.model.listModelVersions({ name: models[7]!.name! });
    expect(versions.map((v) => v.versionId)).toEqual(['1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    const [eps] = await c.endpoint.listEndpoints({ parent: c.parent, pageSize: 1000 });
    expect(eps).toHaveLength(50);
  });
});
