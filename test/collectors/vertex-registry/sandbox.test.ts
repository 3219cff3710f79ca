// The three Vertex collectors through the real CLI against the Vertex sandbox (real gRPC wire from
// the aiplatform protos): two collections of the small company, with an alias move, an endpoint's
// logging switched off and one UNAVAILABLE in between. The first collection runs with
// GOOGLE_APPLICATION_CREDENTIALS pointing at a missing file and a counting stand-in for the GCE
// metadata server: `insecure: true` must never look for credentials.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVertexFixture, startVertexSandbox, type VertexRecordedRequest, type VertexSandbox } from '../../../src/sandbox/vertex/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { collect, countBy, PROJECT, READ_METHODS, resources, SOURCE, vertexConfig, vertexEnv, type Collected } from './helpers.js';

const HOOK = 60_000;
const FRAUD = '1467238951083851776';
const CHURN = '2890145563217035264';
const SUPPORT = '3312987406650671104';
const DEMAND = '4405512398771879936';
const EP_FRAUD = '5580311923841662976';
const EP_SUPPORT = '6627183049176580096';
const EP_CHURN = '7738094011238850560';
const US = 'us-central1';
const EU = 'europe-west4';
const loc = (l: string) => `projects/${PROJECT.number}/locations/${l}`;

describe('Vertex collectors: two collections of the small company', () => {
  let sb: VertexSandbox;
  let metadata: http.Server;
  let metadataHits = 0;
  let dir: string;
  let first: Collected;
  let second: Collected;
  let firstRequests: VertexRecordedRequest[];
  let secondRequests: VertexRecordedRequest[];

  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company') });
    metadata = http.createServer((_req, res) => {
      metadataHits++;
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => metadata.listen(0, '127.0.0.1', r));
    const metadataHost = `127.0.0.1:${(metadata.address() as AddressInfo).port}`;
    dir = tmpDir('soc2-vertex-');
    const cfg = vertexConfig(dir, sb.endpoint);
    first = await collect(
      cfg,
      vertexEnv({ GOOGLE_APPLICATION_CREDENTIALS: path.join(dir, 'no-such-key.json'), GCE_METADATA_HOST: metadataHost, GCE_METADATA_IP: metadataHost, HOME: dir, CLOUDSDK_CONFIG: path.join(dir, 'gcloud') }),
    );
    firstRequests = [...sb.requests];
    sb.requests.length = 0;

    // between the collections: the production alias of fraud-detector moves back to version 2
    // (which carries approved-by), churn-scoring stops logging, and the service blips once
    sb.state.moveAlias(FRAUD, 'production', '2');
    sb.state.setEndpointLogging(EP_CHURN, false);
    sb.faults.add({ method: 'ListEndpoints', kind: 'unavailable', times: 1 });
    second = await collect(cfg, vertexEnv());
    secondRequests = [...sb.requests];
  }, HOOK);
  afterAll(async () => {
    await sb?.close();
    await new Promise((r) => metadata?.close(r));
  });

  describe('first collection (baseline)', () => {
    it('is complete and exits 0 although GOOGLE_APPLICATION_CREDENTIALS names a missing file', () => {
      expect(first.code, first.stderr).toBe(0);
      expect(first.manifest.status).toBe('complete');
      expect(first.manifest.collectors.map((c: any) => `${c.id} ${c.scope.location} ${c.status}`).sort()).toEqual([
        `vertex-endpoints ${EU} ok`,
        `vertex-endpoints ${US} ok`,
        `vertex-lineage ${EU} ok`,
        `vertex-lineage ${US} ok`,
        `vertex-registry ${EU} ok`,
        `vertex-registry ${US} ok`,
      ]);
    });

    it('never looked for credentials: no authorization header, no metadata-server probe', () => {
      expect(firstRequests.length).toBeGreaterThan(0);
      expect(firstRequests.filter((r) => r.authorization)).toEqual([]);
      expect(metadataHits).toBe(0);
    });

    it('calls only read methods and counts every call (12 for the small company: lineage and endpoints read the registry’s snapshot)', () => {
      expect(firstRequests.filter((r) => !READ_METHODS.has(r.method))).toEqual([]);
      expect(countBy(firstRequests)).toEqual({ ListModels: 2, ListModelVersions: 4, ListEndpoints: 2, QueryArtifactLineageSubgraph: 2, GetTrainingPipeline: 1, GetDataset: 1 });
      const calls = (id: string, l: string) => first.collectors(id).find((c: any) => c.scope.location === l).apiCalls;
      expect([calls('vertex-registry', US), calls('vertex-registry', EU), calls('vertex-lineage', US), calls('vertex-lineage', EU), calls('vertex-endpoints', US), calls('vertex-endpoints', EU)]).toEqual([4, 2, 4, 0, 1, 1]);
      expect(first.manifest.collectors.reduce((n: number, c: any) => n + c.apiCalls, 0)).toBe(firstRequests.length);
      for (const r of firstRequests.filter((x) => x.method.startsWith('List'))) expect(r.request.pageSize, r.method).toBe(100);
    });

    it('records every model and version with aliases, labels, lineage pointers and encryption', () => {
      const models = first.ndjson(`vertex-registry/${US}/models.ndjson`);
      expect(models.map((m) => m.displayName)).toEqual(['fraud-detector', 'churn-predictor', 'support-ticket-classifier']);
      expect(models.find((m) => m.modelId === SUPPORT)).toMatchObject({ name: `${loc(US)}/models/${SUPPORT}`, encryptionSpec: null, defaultVersionId: '4', modelSourceInfo: { sourceType: 'CUSTOM', copy: false } });
      const versions = first.ndjson(`vertex-registry/${US}/versions.ndjson`);
      expect(versions).toHaveLength(9);
      expect(versions.find((v) => v.modelId === FRAUD && v.versionId === '3')).toEqual({
        model: `${loc(US)}/models/${FRAUD}`,
        modelId: FRAUD,
        displayName: 'fraud-detector',
        versionId: '3',
        versionAliases: ['default', 'production'],
        production: true,
        versionCreateTime: '2026-09-02T14:12:00.000Z',
        versionUpdateTime: '2026-09-03T08:15:00.000Z',
        versionDescription: 'Retrained on the August 2026 snapshot.',
        labels: { 'approved-by': 'maria-chen', 'change-ticket': 'chg-1042', team: 'risk' },
        trainingPipeline: null,
        pipelineJob: null,
        metadataArtifact: `${loc(US)}/metadataStores/default/artifacts/fraud-detector-v3-model`,
        modelSourceInfo: { sourceType: 'CUSTOM', copy: false },
        encryptionSpec: { kmsKeyName: 'projects/acme-ml-prod/locations/us-central1/keyRings/ml-prod/cryptoKeys/models' },
        artifactUri: 'gs://acme-ml-models/fraud-detector/v3/',
        containerImageUri: 'us-docker.pkg.dev/vertex-ai/prediction/xgboost-cpu.1-7:latest',
        deployedModels: [{ endpoint: `${loc(US)}/endpoints/${EP_FRAUD}`, deployedModelId: '6713050498274721792' }],
      });
      expect(versions.find((v) => v.modelId === CHURN && v.versionId === '2')).toMatchObject({ versionAliases: ['champion'], production: true, trainingPipeline: `${loc(US)}/trainingPipelines/6921047385601228800` });
      expect(first.ndjson(`vertex-registry/${EU}/versions.ndjson`).map((v) => `${v.modelId}@${v.versionId} ${v.versionAliases.join(',')}`)).toEqual([`${DEMAND}@1 default`, `${DEMAND}@2 staging`]);
      expect(first.provenance(`vertex-registry/${US}/versions.ndjson`)).toMatchObject({
        complete: true,
        operations: [
          { api: 'ModelService.ListModels', params: { parent: `projects/${PROJECT.id}/locations/${US}`, pageSize: 100 }, pages: 1 },
          { api: 'ModelService.ListModelVersions', pages: 3 },
        ],
        notes: { versions: 9, production: 3 },
      });
    });

    it('writes the first promotion log as a baseline and says so', () => {
      const log = first.json(`vertex-registry/${US}/promotions.json`);
      expect(log).toEqual({ baseline: true, window: { from: null, to: expect.any(String) }, previousBundle: null, events: [] });
      expect(first.provenance(`vertex-registry/${US}/promotions.json`).notes.baseline).toMatch(/first bundle.*baseline/);
      expect(first.finding('vertex-registry.promotions-approved')).toMatchObject({ status: 'not_applicable', criteria: ['CC8.1'] });
    });

    it('flags the unapproved production version and the model without CMEK', () => {
      const approved = first.finding('vertex-registry.production-approved');
      expect(approved.status).toBe('fail');
      expect(approved.exceptions).toEqual([{ resource: `support-ticket-classifier@4 (model ${SUPPORT})`, reason: 'production (alias production) without approval: approved-by absent' }]);
      expect(first.finding('vertex-registry.production-approved', EU).status).toBe('not_applicable');
      expect(first.finding('vertex-registry.cmek')).toMatchObject({ status: 'fail', criteria: ['CC6.1'] });
      expect(resources(first.finding('vertex-registry.cmek'))).toEqual([`support-ticket-classifier (model ${SUPPORT})`]);
      expect(first.finding('vertex-registry.cmek', EU).status).toBe('pass');
    });

    it('traces lineage through ML Metadata (upstream datasets and executions)', () => {
      const lineage = first.ndjson(`vertex-lineage/${US}/production-versions.ndjson`);
      expect(lineage.map((r) => `${r.displayName}@${r.versionId}`)).toEqual(['fraud-detector@3', 'churn-predictor@2', 'support-ticket-classifier@4']);
      const fd = lineage.find((r) => r.modelId === FRAUD);
      expect(fd).toMatchObject({ versionId: '3', productionAliases: ['production'], traced: true, untracedReason: null, errors: [], pipeline: null, dataset: null });
      expect(fd.metadata).toMatchObject({ maxHops: 5, artifacts: 4, events: 5 });
      expect(fd.metadata.datasets.map((d: any) => [d.uri, d.schemaTitle, d.createTime, d.upstream])).toEqual([
        ['gs://acme-ml-data/fraud/features/2026-08-31/', 'system.Dataset', '2026-09-01T05:40:00.000Z', true],
        ['gs://acme-ml-data/transactions/raw/2026-08-31/', 'system.Dataset', '2026-09-01T02:00:00.000Z', true],
      ]);
      expect(fd.metadata.datasets[1].metadata).toEqual({ format: 'parquet', rows: 18234112, data_classification: 'confidential' });
      expect(fd.metadata.executions.map((x: any) => [x.displayName, x.state, x.upstream])).toEqual([
        ['preprocess-transactions', 'COMPLETE', true],
        ['train-fraud-detector', 'COMPLETE', true],
      ]);
      expect(fd.datasets.map((d: any) => d.via)).toEqual(['metadata', 'metadata']);
      const q = firstRequests.filter((r) => r.method === 'QueryArtifactLineageSubgraph').map((r) => r.request);
      expect(q).toContainEqual({ artifact: `${loc(US)}/metadataStores/default/artifacts/fraud-detector-v3-model`, maxHops: 5 });
    });

    it('traces lineage through the training pipeline’s input Dataset', () => {
      const cp = first.ndjson(`vertex-lineage/${US}/production-versions.ndjson`).find((r) => r.modelId === CHURN);
      expect(cp).toMatchObject({ versionId: '2', metadata: null, traced: true, errors: [] });
      expect(cp.pipeline).toMatchObject({ name: `${loc(US)}/trainingPipelines/6921047385601228800`, displayName: 'churn-automl-2026-08', state: 'PIPELINE_STATE_SUCCEEDED', datasetId: '7741203947381932032' });
      expect(cp.dataset).toMatchObject({
        name: `${loc(US)}/datasets/7741203947381932032`,
        displayName: 'churn-training-2026-08',
        source: { gcsUris: [], bigqueryUri: 'bq://acme-ml-prod.churn.training_2026_08' },
        labels: { data_classification: 'confidential', team: 'growth' },
      });
      expect(cp.datasets).toEqual([
        { via: 'training-pipeline', name: `${loc(US)}/datasets/7741203947381932032`, displayName: 'churn-training-2026-08', uri: 'bq://acme-ml-prod.churn.training_2026_08', schema: 'gs://google-cloud-aiplatform/schema/dataset/metadata/tabular_1.0.0.yaml', createTime: '2026-08-16T07:00:00.000Z' },
      ]);
    });

    it('flags the production version with no lineage, saying why', () => {
      const f = first.finding('vertex-lineage.datasets-traced');
      expect(f).toMatchObject({ status: 'fail', criteria: ['CC8.1', 'CC2.1', 'PI1.2'] });
      expect(f.exceptions).toHaveLength(1);
      expect(f.exceptions[0].resource).toBe(`support-ticket-classifier@4 (model ${SUPPORT})`);
      expect(f.exceptions[0].reason).toMatch(/ML Metadata lineage \(1 artifacts, 0 executions within 5 hops .*\) holds no dataset artifact upstream/);
      expect(first.finding('vertex-lineage.datasets-traced', EU).status).toBe('not_applicable');
      expect(first.provenance(`vertex-lineage/${US}/production-versions.ndjson`).notes).toMatchObject({ productionVersions: 3, traced: 2, untraced: 1, unknown: 0, viaMetadata: 1, viaTrainingPipeline: 1 });
    });

    it('records endpoints with deployments, traffic, logging, encryption and networking', () => {
      const eps = first.ndjson(`vertex-endpoints/${US}/endpoints.ndjson`);
      expect(eps.map((e) => e.displayName)).toEqual(['fraud-detector-prod', 'support-classifier-prod', 'churn-scoring']);
      const fd = eps.find((e) => e.endpointId === EP_FRAUD);
      expect(fd).toMatchObject({
        servesProduction: true,
        trafficSplit: { '6713050498274721792': 90, '2101364479847333888': 10 },
        predictRequestResponseLogging: { enabled: true, samplingRate: 1, bigqueryDestination: 'bq://acme-ml-prod.prediction_logs.fraud_detector' },
        encryptionSpec: { kmsKeyName: 'projects/acme-ml-prod/locations/us-central1/keyRings/ml-prod/cryptoKeys/endpoints' },
        network: 'projects/412345678901/global/networks/ml-prod-vpc',
        privateServiceConnect: null,
        private: true,
      });
      expect(fd.deployedModels.map((d: any) => [d.modelId, d.modelVersionId, d.trafficPercent, d.versionAliases, d.production])).toEqual([
        [FRAUD, '3', 90, ['default', 'production'], true],
        [FRAUD, '2', 10, [], false],
      ]);
      expect(eps.find((e) => e.endpointId === EP_SUPPORT)).toMatchObject({
        servesProduction: true,
        predictRequestResponseLogging: { enabled: false, samplingRate: 0, bigqueryDestination: null },
        encryptionSpec: null,
        network: null,
        privateServiceConnect: { enabled: true, projectAllowlist: ['acme-ml-prod', 'acme-support-prod'] },
        private: true,
      });
      expect(eps.find((e) => e.endpointId === EP_CHURN)).toMatchObject({ servesProduction: true, network: null, privateServiceConnect: null, private: false });
      expect(first.ndjson(`vertex-endpoints/${EU}/endpoints.ndjson`)).toEqual([]);
      // the versions of the three distinct deployed models come from the registry's snapshot of this run (fraud-detector is deployed twice)
      expect(first.provenance(`vertex-endpoints/${US}/endpoints.ndjson`).operations).toEqual([
        { api: 'EndpointService.ListEndpoints', params: { parent: `projects/${PROJECT.id}/locations/${US}`, pageSize: 100 }, pages: 1, calls: 1 },
        { api: 'bundle:read', params: { artifact: `artifacts/${SOURCE}/vertex-registry/${US}/versions.ndjson`, kind: 'vertex.registry.versions', models: 3 }, pages: 1, calls: 0 },
        { api: 'ModelService.ListModelVersions', params: { name: '<each distinct deployed model>', pageSize: 100, models: 0 }, pages: 0, calls: 0 },
      ]);
    });

    it('flags the endpoint serving production without request-response logging, and the one without CMEK', () => {
      const f = first.finding('vertex-endpoints.inference-logging');
      expect(f).toMatchObject({ status: 'fail', criteria: ['CC7.2'] });
      expect(f.exceptions).toEqual([
        { resource: `support-classifier-prod (endpoint ${EP_SUPPORT})`, reason: `request-response logging is disabled; serves support-ticket-classifier-v4 (model ${SUPPORT}@4, production, 100% traffic)` },
      ]);
      expect(resources(first.finding('vertex-endpoints.cmek'))).toEqual([`support-classifier-prod (endpoint ${EP_SUPPORT})`]);
      expect(first.finding('vertex-endpoints.private-networking')).toMatchObject({ status: 'not_applicable', criteria: ['CC6.6', 'CC6.1', 'CC6.7'] });
      expect(first.finding('vertex-endpoints.inference-logging', EU).status).toBe('not_applicable');
    });
  });

  describe('second collection', () => {
    it('retried the UNAVAILABLE ListEndpoints and is complete', () => {
      expect(second.code, second.stderr).toBe(0);
      expect(second.manifest.status).toBe('complete');
      const eps = secondRequests.filter((r) => r.method === 'ListEndpoints');
      expect(eps.map((r) => r.code).sort()).toEqual([0, 0, 14]);
      expect(eps.filter((r) => r.fault === 'unavailable')).toHaveLength(1);
      expect(second.manifest.collectors.every((c: any) => c.status === 'ok' && c.gaps.length === 0)).toBe(true);
      expect(second.manifest.previous.id).toBe(first.manifest.id);
    });

    it('derives one promotion event for the alias move, with the window previous collection → this one', () => {
      const log = second.json(`vertex-registry/${US}/promotions.json`);
      expect(log.baseline).toBe(false);
      expect(log.previousBundle).toBe(first.manifest.id);
      // the runner's previous.collectedAt: the previous bundle's start, the earliest moment its snapshot can describe
      expect(log.window.from).toBe(first.manifest.startedAt);
      expect(Date.parse(log.window.to)).toBeGreaterThanOrEqual(Date.parse(second.manifest.startedAt));
      expect(Date.parse(log.window.to)).toBeLessThanOrEqual(Date.parse(second.manifest.finishedAt));
      expect(second.provenance(`vertex-registry/${US}/promotions.json`).periodCovered).toEqual(log.window);
      expect(log.events).toEqual([
        {
          key: `alias_moved|${FRAUD}|2|production|3|2|since ${first.manifest.id}`,
          type: 'alias_moved',
          model: FRAUD,
          modelDisplayName: 'fraud-detector',
          version: '2',
          alias: 'production',
          from: '3',
          to: '2',
          windowFrom: log.window.from,
          windowTo: log.window.to,
          lastUpdated: expect.any(String),
          actor: null,
          toProduction: true,
          approval: { tags: { 'approved-by': 'maria-chen' }, approved: true, approver: 'maria-chen', relied: [{ tag: 'approved-by', value: 'maria-chen', accepted: true }] },
        },
      ]);
      expect(second.finding('vertex-registry.promotions-approved')).toMatchObject({ status: 'pass' });
      expect(second.json(`vertex-registry/${EU}/promotions.json`)).toMatchObject({ baseline: false, events: [] });
      expect(second.finding('vertex-registry.promotions-approved', EU).status).toBe('not_applicable');
    });

    it('re-evaluates lineage for the new production version (no metadata artifact, no pipeline)', () => {
      const f = second.finding('vertex-lineage.datasets-traced');
      expect(resources(f)).toEqual([`fraud-detector@2 (model ${FRAUD})`, `support-ticket-classifier@4 (model ${SUPPORT})`]);
      expect(f.exceptions.find((e: any) => e.resource.startsWith('fraud-detector')).reason).toMatch(/neither a metadataArtifact nor a trainingPipeline/);
    });

    it('flags the endpoint whose logging was switched off', () => {
      expect(resources(second.finding('vertex-endpoints.inference-logging'))).toEqual([`churn-scoring (endpoint ${EP_CHURN})`, `support-classifier-prod (endpoint ${EP_SUPPORT})`]);
      const fd = second.ndjson(`vertex-endpoints/${US}/endpoints.ndjson`).find((e) => e.endpointId === EP_FRAUD);
      expect(fd.deployedModels.map((d: any) => [d.modelVersionId, d.production])).toEqual([
        ['3', false],
        ['2', true],
      ]);
    });
  });
});
