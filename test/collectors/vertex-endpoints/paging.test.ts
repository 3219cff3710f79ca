// A generated company larger than one page (105 models and 105 endpoints per location, page size
// 100) through the real CLI: every list is followed to its last page, nothing is listed twice, and
// the findings agree with what the seed says — the seed is the oracle.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateVertexCompany, startVertexSandbox, type VertexSandbox, type VertexSeed } from '../../../src/sandbox/vertex/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { collect, countBy, LOCATIONS, PROJECT, READ_METHODS, vertexConfig, vertexEnv, type Collected } from '../vertex-registry/helpers.js';

const PRODUCTION = ['production', 'champion'];

describe('Vertex collectors: pagination over a company larger than a page', () => {
  let seed: VertexSeed;
  let sb: VertexSandbox;
  let r: Collected;

  beforeAll(async () => {
    seed = generateVertexCompany({ models: 210, versionsPerModel: 2, endpoints: 210, locations: LOCATIONS, project: PROJECT });
    sb = await startVertexSandbox({ seed });
    r = await collect(vertexConfig(tmpDir('soc2-vertex-paging-'), sb.endpoint, { source: ['requirePrivateEndpoints: true'] }), vertexEnv());
  }, 60_000);
  afterAll(() => sb?.close());

  it('collects completely, with read methods only, and counts every call', () => {
    expect(r.code, r.stderr).toBe(0);
    expect(r.manifest.status).toBe('complete');
    expect(sb.requests.filter((q) => !READ_METHODS.has(q.method) || q.code !== 0)).toEqual([]);
    expect(r.manifest.collectors.reduce((n: number, c: any) => n + c.apiCalls, 0)).toBe(sb.requests.length);
    const by = countBy(sb.requests);
    // the registry lists the models of each location in two pages (lineage reads its snapshot); endpoints in two pages
    expect(by.ListModels).toBe(4);
    expect(by.ListEndpoints).toBe(4);
  });

  it('follows page tokens to the last page of models and endpoints', () => {
    for (const l of LOCATIONS) {
      const models = r.ndjson(`vertex-registry/${l}/models.ndjson`);
      const expected = seed.models.filter((m) => m.location === l);
      expect(expected.length).toBe(105);
      expect(models).toHaveLength(105);
      expect(new Set(models.map((m) => m.modelId))).toEqual(new Set(expected.map((m) => m.id)));
      expect(r.ndjson(`vertex-registry/${l}/versions.ndjson`)).toHaveLength(210);
      expect(r.provenance(`vertex-registry/${l}/models.ndjson`).operations[0]).toMatchObject({ api: 'ModelService.ListModels', pages: 2, calls: 2 });

      const eps = r.ndjson(`vertex-endpoints/${l}/endpoints.ndjson`);
      expect(eps).toHaveLength(seed.endpoints.filter((e) => e.location === l).length);
      expect(new Set(eps.map((e) => e.endpointId)).size).toBe(eps.length);
      expect(r.provenance(`vertex-endpoints/${l}/endpoints.ndjson`).operations[0]).toMatchObject({ api: 'EndpointService.ListEndpoints', pages: 2 });
    }
    const pages = sb.requests.filter((q) => q.method === 'ListModels');
    expect(pages.filter((q) => q.request.pageToken).length).toBe(2);
  });

  it('agrees with the seed on production, approvals, lineage, logging and networking', () => {
    for (const l of LOCATIONS) {
      const models = seed.models.filter((m) => m.location === l);
      const prod = models.flatMap((m) => m.versions.filter((v) => v.aliases.some((a) => PRODUCTION.includes(a))).map((v) => ({ m, v })));
      const unapproved = prod.filter(({ v }) => !v.labels?.['approved-by']).map(({ m, v }) => `${m.displayName}@${v.versionId} (model ${m.id})`);
      expect(r.finding('vertex-registry.production-approved', l).exceptions.map((e: any) => e.resource).sort()).toEqual(unapproved.sort());

      const pipelinesWithDataset = new Set(seed.trainingPipelines.filter((t) => t.datasetId).map((t) => t.id));
      const ev = seed.metadata.events;
      const isDataset = (id: string) => seed.metadata.artifacts.find((a) => a.id === id)?.schemaTitle === 'system.Dataset';
      // one step upstream is enough for the generated company: dataset → INPUT → execution → OUTPUT → model
      const upstreamDataset = (art: string) => ev.some((o) => o.artifactId === art && o.type === 'OUTPUT' && ev.some((i) => i.executionId === o.executionId && i.type === 'INPUT' && isDataset(i.artifactId)));
      const untraced = prod
        .filter(({ v }) => !(v.trainingPipelineId && pipelinesWithDataset.has(v.trainingPipelineId)) && !(v.metadataArtifactId && upstreamDataset(v.metadataArtifactId)))
        .map(({ m, v }) => `${m.displayName}@${v.versionId} (model ${m.id})`);
      expect(r.finding('vertex-lineage.datasets-traced', l).exceptions.map((e: any) => e.resource).sort()).toEqual(untraced.sort());

      const isProd = (modelId: string, versionId: string) => models.find((m) => m.id === modelId)!.versions.find((v) => v.versionId === versionId)!.aliases.some((a) => PRODUCTION.includes(a));
      const eps = seed.endpoints.filter((e) => e.location === l);
      const unlogged = eps.filter((e) => e.deployedModels.some((d) => isProd(d.modelId, d.versionId)) && !(e.logging?.enabled && e.logging.samplingRate > 0));
      expect(r.finding('vertex-endpoints.inference-logging', l).exceptions.map((e: any) => e.resource).sort()).toEqual(unlogged.map((e) => `${e.displayName} (endpoint ${e.id})`).sort());
      const publicEps = eps.filter((e) => !e.network && !e.privateServiceConnect);
      expect(publicEps.length).toBeGreaterThan(0);
      expect(r.finding('vertex-endpoints.private-networking', l)).toMatchObject({ status: 'fail' });
      expect(r.finding('vertex-endpoints.private-networking', l).exceptions.map((e: any) => e.resource).sort()).toEqual(publicEps.map((e) => `${e.displayName} (endpoint ${e.id})`).sort());
    }
  });
});
