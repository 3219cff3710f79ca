// vertex-lineage reads vertex-registry's versions snapshot of the same bundle instead of listing the
// registry again; alone (--only) or after an incomplete snapshot it lists by itself, and says which.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadVertexFixture, startVertexSandbox, type VertexSandbox } from '../../../src/sandbox/vertex/index.js';
import { tmpDir } from '../../helpers/cli.js';
import { collect, countBy, vertexConfig, vertexEnv, type Collected } from '../vertex-registry/helpers.js';

const US = 'us-central1';

describe('vertex-lineage and the registry snapshot of the same run', () => {
  let sb: VertexSandbox;
  let both: Collected;
  let alone: Collected;
  let bothCalls: Record<string, number>;
  beforeAll(async () => {
    sb = await startVertexSandbox({ seed: loadVertexFixture() });
    both = await collect(vertexConfig(tmpDir('soc2-vertex-reads-'), sb.endpoint, { collectors: ['vertex-lineage', 'vertex-registry'] }), vertexEnv());
    bothCalls = countBy(sb.requests);
    sb.requests.length = 0;
    alone = await collect(vertexConfig(tmpDir('soc2-vertex-reads-'), sb.endpoint, { collectors: ['vertex-lineage'] }), vertexEnv());
  }, 90_000);
  afterAll(() => sb?.close());

  it('runs the registry first and reads its snapshot: the registry is listed once', () => {
    expect(both.manifest.status).toBe('complete');
    const lineage = both.provenance(`vertex-lineage/${US}/production-versions.ndjson`);
    expect(lineage.notes.productionVersionsFrom).toBe(`artifacts/ml-prod/vertex-registry/${US}/versions.ndjson (vertex-registry, this bundle)`);
    expect(lineage.operations[0]).toMatchObject({ api: 'bundle:read', calls: 0 });
    expect(bothCalls.ListModels).toBe(2);
  });

  it('alone, lists the registry itself and traces the same production versions', () => {
    expect(alone.manifest.status).toBe('complete');
    const lineage = alone.provenance(`vertex-lineage/${US}/production-versions.ndjson`);
    expect(lineage.notes.productionVersionsFrom).toBe('listed here: vertex-registry did not run in this bundle');
    expect(lineage.operations[0]).toMatchObject({ api: 'ModelService.ListModels' });
    const ids = (c: Collected) => c.ndjson(`vertex-lineage/${US}/production-versions.ndjson`).map((r) => `${r.modelId}@${r.versionId}:${r.traced}`);
    expect(ids(alone)).toEqual(ids(both));
  });
});
