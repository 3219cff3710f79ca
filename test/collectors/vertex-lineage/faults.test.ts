// Gaps through the real CLI: ListEndpoints denied (PERMISSION_DENIED, never retried) and a lineage
// subgraph above the service's node limit (FAILED_PRECONDITION) in one collection of the small
// company → explicit gaps, the version's record says why, the bundle is partial and exit 3.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../../src/sandbox/vertex/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { collect, PROJECT, vertexConfig, vertexEnv, type Collected } from '../vertex-registry/helpers.js';

const FRAUD = '1467238951083851776';
const CHURN = '2890145563217035264';
const US = 'us-central1';
const EU = 'europe-west4';
const artifact = `projects/${PROJECT.number}/locations/${US}/metadataStores/default/artifacts/fraud-detector-v3-model`;

describe('Vertex collectors: permission denied and a lineage subgraph too large', () => {
  let sb: VertexSandbox;
  let r: Collected;

  beforeAll(async () => {
    // fraud-detector@3's lineage holds 4 artifacts; support-ticket-classifier@4's only 1
    sb = await startVertexSandbox({ seed: loadVertexFixture('small-company'), lineageNodeLimit: 3 });
    sb.faults.add({ method: 'ListEndpoints', kind: 'permissionDenied', times: Infinity });
    r = await collect(vertexConfig(tmpDir('soc2-vertex-faults-'), sb.endpoint), vertexEnv());
  }, 60_000);
  afterAll(() => sb?.close());

  it('exits 3 with a partial bundle', () => {
    expect(r.code, r.stderr).toBe(3);
    expect(r.manifest.status).toBe('partial');
    expect(r.collectors('vertex-registry').map((c: any) => c.status)).toEqual(['ok', 'ok']);
  });

  it('records PERMISSION_DENIED as a gap per location, after exactly one call each (no retry)', () => {
    const eps = r.collectors('vertex-endpoints');
    expect(eps.map((c: any) => c.scope.location).sort()).toEqual([EU, US]);
    for (const c of eps) {
      expect(c.status).toBe('error');
      expect(c.gaps).toEqual([{ api: 'EndpointService.ListEndpoints', code: 'PERMISSION_DENIED', message: expect.stringContaining('Permission denied') }]);
      expect(c.apiCalls).toBe(1);
    }
    expect(sb.requests.filter((q) => q.method === 'ListEndpoints').map((q) => q.code)).toEqual([7, 7]);
    // nothing was listed: no artifact that could pass for "no endpoints"
    expect(r.manifest.artifacts.filter((a: any) => a.kind === 'vertex.endpoints.endpoints')).toEqual([]);
    for (const check of ['vertex-endpoints.inference-logging', 'vertex-endpoints.cmek', 'vertex-endpoints.private-networking']) {
      expect(r.finding(check).status, check).toBe('error');
      expect(r.finding(check, EU).status, check).toBe('error');
    }
  });

  it('records the oversized lineage subgraph as a gap with the reason, and the version’s record says so', () => {
    const [lin] = r.collectors('vertex-lineage').filter((c: any) => c.scope.location === US);
    expect(lin.status).toBe('error');
    expect(lin.gaps).toEqual([
      { api: `MetadataService.QueryArtifactLineageSubgraph ${artifact} (fraud-detector@3)`, code: 'FAILED_PRECONDITION', message: expect.stringMatching(/lineage subgraph \(4\) exceeds the limit of 3/) },
    ]);
    expect(r.collectors('vertex-lineage').find((c: any) => c.scope.location === EU).status).toBe('ok');

    const records = r.ndjson(`vertex-lineage/${US}/production-versions.ndjson`);
    const fd = records.find((x) => x.modelId === FRAUD);
    expect(fd.traced).toBe(false);
    expect(fd.untracedReason).toBeNull();
    expect(fd.errors).toEqual([{ api: 'MetadataService.QueryArtifactLineageSubgraph', code: 'FAILED_PRECONDITION', message: expect.any(String) }]);
    expect(fd.metadata).toMatchObject({ maxHops: 5, artifacts: null, datasets: [], error: { code: 'FAILED_PRECONDITION' } });
    expect(fd.metadata.error.reason).toMatch(/too large for the service .* Lower lineageMaxHops/);
    // the other versions are still traced
    expect(records.find((x) => x.modelId === CHURN).traced).toBe(true);

    const prov = r.provenance(`vertex-lineage/${US}/production-versions.ndjson`);
    expect(prov.complete).toBe(false);
    expect(prov.notes).toMatchObject({ productionVersions: 3, lineageTooLarge: 1, unknown: 1 });
    // incomplete evidence is not judged
    expect(r.finding('vertex-lineage.datasets-traced')).toMatchObject({ status: 'error', summary: expect.stringContaining('evidence incomplete') });
  });
});
