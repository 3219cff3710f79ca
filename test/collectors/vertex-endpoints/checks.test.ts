// The Vertex checks as pure functions over hand-written artifacts: the edge cases the sandbox
// companies do not reach (logging never configured, sampling 0, nothing required, no approval labels).
import { describe, expect, it } from 'vitest';
import type { ArtifactReader, Check, CheckInput } from '../../../src/core/types.js';
import { checks as endpointChecks } from '../../../collectors/vertex-endpoints/checks.js';
import type { DeployedModelRecord, EndpointRecord } from '../../../collectors/vertex-endpoints/index.js';
import { checks as registryChecks } from '../../../collectors/vertex-registry/checks.js';
import type { VersionRecord } from '../../../collectors/vertex-registry/vertex.js';

function reader(data: Record<string, unknown>): ArtifactReader {
  return {
    has: (k) => k in data,
    complete: (k) => k in data,
    readJson: async <T>(k: string) => data[k] as T,
    readText: async (k) => String(data[k]),
    async *iterate<T>(k: string): AsyncIterable<T> {
      for (const x of data[k] as T[]) yield x;
    },
  };
}

const source = { name: 'ml-prod', project: 'acme-ml-prod', locations: ['us-central1'], insecure: true, productionAliases: ['production', 'champion'], approvalLabels: ['approved-by'], requireCmek: false, requirePrivateEndpoints: false, lineageMaxHops: 5 };
const input = (data: Record<string, unknown>, src: Partial<typeof source> = {}): CheckInput => ({
  target: { kind: 'vertex', source: 'ml-prod', region: 'us-central1', pathSegments: ['us-central1'] },
  source: { ...source, ...src },
  settings: undefined,
  now: new Date('2026-10-01T00:00:00Z'),
  artifacts: reader(data),
});
const byId = (list: Check[], id: string) => list.find((c) => c.id === id)!;

const dm = (o: Partial<DeployedModelRecord>): DeployedModelRecord => ({
  id: '1',
  model: 'projects/1/locations/us-central1/models/9',
  modelId: '9',
  modelVersionId: '1',
  displayName: 'm-v1',
  createTime: null,
  trafficPercent: 100,
  versionAliases: [],
  productionAliases: [],
  production: false,
  enableAccessLogging: false,
  disableContainerLogging: false,
  serviceAccount: null,
  machineType: null,
  ...o,
});
const ep = (id: string, o: Partial<EndpointRecord>): EndpointRecord => ({
  name: `projects/1/locations/us-central1/endpoints/${id}`,
  endpointId: id,
  displayName: `ep-${id}`,
  description: null,
  labels: {},
  createTime: null,
  updateTime: null,
  deployedModels: [],
  trafficSplit: {},
  servesProduction: false,
  predictRequestResponseLogging: null,
  encryptionSpec: null,
  network: null,
  privateServiceConnect: null,
  dedicatedEndpointEnabled: false,
  private: false,
  ...o,
});

describe('vertex-endpoints checks', () => {
  const prod = dm({ versionAliases: ['production'], productionAliases: ['production'], production: true, trafficPercent: 0 });
  const endpoints = [
    ep('1', { servesProduction: true, deployedModels: [prod], predictRequestResponseLogging: null }),
    ep('2', { servesProduction: true, deployedModels: [prod], predictRequestResponseLogging: { enabled: true, samplingRate: 0, bigqueryDestination: 'bq://p.d.t' } }),
    ep('3', { servesProduction: true, deployedModels: [prod], predictRequestResponseLogging: { enabled: true, samplingRate: 0.1, bigqueryDestination: 'bq://p.d.t' }, network: 'projects/1/global/networks/v', private: true, encryptionSpec: { kmsKeyName: 'k' } }),
    ep('4', { servesProduction: false, deployedModels: [dm({})] }),
  ];
  const data = { 'vertex.endpoints.endpoints': endpoints };

  it('inference-logging: never configured and sampling 0 fail; a 0 % production deployment still counts; non-production endpoints are out of scope', async () => {
    const r = await byId(endpointChecks, 'vertex-endpoints.inference-logging').run(input(data));
    expect(r.status).toBe('fail');
    expect(r.exceptions!.map((e) => [e.resource, e.reason.split(';')[0]])).toEqual([
      ['ep-1 (endpoint 1)', 'request-response logging was never configured'],
      ['ep-2 (endpoint 2)', 'request-response logging is enabled with samplingRate 0: nothing is logged'],
    ]);
    expect(r.summary).toBe('2 of 3 endpoints serving (or possibly serving) a production version do not log requests and responses');
    expect((await byId(endpointChecks, 'vertex-endpoints.inference-logging').run(input({ 'vertex.endpoints.endpoints': [endpoints[3]] }))).status).toBe('not_applicable');
  });

  it('inference-logging: an endpoint whose deployed version is unknown is judged as possibly production, never skipped', async () => {
    const unknown = ep('5', { servesProduction: null, deployedModels: [dm({ modelVersionId: '7', versionAliases: null, production: null })] });
    const r = await byId(endpointChecks, 'vertex-endpoints.inference-logging').run(input({ 'vertex.endpoints.endpoints': [unknown] }));
    expect(r.status).toBe('fail');
    expect(r.exceptions).toEqual([{ resource: 'ep-5 (endpoint 5)', reason: 'request-response logging was never configured; may serve production: m-v1 (model 9@7) whose version and aliases are unknown' }]);
  });

  it('cmek and private-networking are not_applicable unless required, then judge every endpoint', async () => {
    expect((await byId(endpointChecks, 'vertex-endpoints.cmek').run(input(data))).status).toBe('not_applicable');
    expect((await byId(endpointChecks, 'vertex-endpoints.private-networking').run(input(data))).status).toBe('not_applicable');
    const cmek = await byId(endpointChecks, 'vertex-endpoints.cmek').run(input(data, { requireCmek: true }));
    expect(cmek.exceptions!.map((e) => e.resource)).toEqual(['ep-1 (endpoint 1)', 'ep-2 (endpoint 2)', 'ep-4 (endpoint 4)']);
    const net = await byId(endpointChecks, 'vertex-endpoints.private-networking').run(input(data, { requirePrivateEndpoints: true }));
    expect(net.status).toBe('fail');
    expect(net.exceptions!.map((e) => e.resource)).toEqual(['ep-1 (endpoint 1)', 'ep-2 (endpoint 2)', 'ep-4 (endpoint 4)']);
  });
});

describe('vertex-registry checks', () => {
  const v = (versionId: string, aliases: string[], labels: Record<string, string>): VersionRecord => ({
    model: 'projects/1/locations/us-central1/models/9',
    modelId: '9',
    displayName: 'm',
    versionId,
    versionAliases: aliases,
    production: aliases.some((a) => source.productionAliases.includes(a)),
    versionCreateTime: null,
    versionUpdateTime: null,
    versionDescription: null,
    labels,
    trainingPipeline: null,
    pipelineJob: null,
    metadataArtifact: null,
    modelSourceInfo: null,
    encryptionSpec: null,
    artifactUri: null,
    containerImageUri: null,
    deployedModels: [],
  });
  const data = { 'vertex.registry.versions': [v('1', ['default'], {}), v('2', ['champion'], { 'approved-by': '' }), v('3', ['production'], { 'approved-by': 'ada' })] };

  it('production-approved: an empty label counts as missing; no labels configured is not_applicable', async () => {
    const c = byId(registryChecks, 'vertex-registry.production-approved');
    const r = await c.run(input(data));
    expect(r.exceptions).toEqual([{ resource: 'm@2 (model 9)', reason: 'production (alias champion) without approval: approved-by="" (means not approved)' }]);
    expect((await c.run(input(data, { approvalLabels: [] }))).status).toBe('not_applicable');
    // production is recomputed from this run's configuration
    expect((await c.run(input(data, { productionAliases: ['production'] }))).status).toBe('pass');
  });
});
