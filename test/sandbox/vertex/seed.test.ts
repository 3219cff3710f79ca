// Seeds of the Vertex sandbox: the small-company fixture has the cases collectors must tell apart,
// generateVertexCompany is deterministic and valid at benchmark size, and bad seeds are refused.
import { describe, expect, it } from 'vitest';
import { generateVertexCompany, loadVertexFixture, VertexState, type VertexSeed } from '../../../src/sandbox/vertex/index.js';
import { CHURN, DEMAND, FRAUD, SUPPORT } from './helpers.js';

describe('fixtures/vertex/small-company.json', () => {
  const seed = loadVertexFixture('small-company');
  const state = new VertexState(seed);
  const model = (id: string) => seed.models.find((m) => m.id === id)!;
  const version = (id: string, alias: string) => model(id).versions.find((v) => v.aliases.includes(alias));

  it('has 4 models with 2–4 versions each, exactly one default alias per model', () => {
    expect(seed.models).toHaveLength(4);
    for (const m of seed.models) {
      expect(m.versions.length).toBeGreaterThanOrEqual(2);
      expect(m.versions.length).toBeLessThanOrEqual(4);
      expect(m.versions.filter((v) => v.aliases.includes('default'))).toHaveLength(1);
    }
  });

  it('production / champion versions: approved ones and one without approval', () => {
    expect(version(FRAUD, 'production')?.labels?.['approved-by']).toBe('maria-chen');
    expect(version(CHURN, 'champion')?.labels?.['approved-by']).toBe('omar-haddad');
    expect(version(SUPPORT, 'production')?.labels?.['approved-by']).toBeUndefined();
    expect(version(DEMAND, 'production')).toBeUndefined();
  });

  it('one model without CMEK', () => {
    expect(seed.models.filter((m) => !m.kmsKeyName).map((m) => m.id)).toEqual([SUPPORT]);
  });

  it('three endpoints: one logging off serving a production version, one public', () => {
    expect(seed.endpoints).toHaveLength(3);
    const off = seed.endpoints.filter((e) => e.logging && !e.logging.enabled);
    expect(off.map((e) => e.deployedModels.map((d) => `${d.modelId}@${d.versionId}`))).toEqual([[`${SUPPORT}@4`]]);
    const pub = seed.endpoints.filter((e) => !e.network && !e.privateServiceConnect);
    expect(pub).toHaveLength(1);
  });

  it('three lineage routes: metadata → system.Dataset, pipeline → dataset, neither', () => {
    const fraud = version(FRAUD, 'production')!;
    const g = state.lineage('us-central1', fraud.metadataArtifactId!, 0, 1000, () => true);
    expect(g.artifacts.filter((a) => a.schemaTitle === 'system.Dataset').map((a) => a.uri)).toContain('gs://acme-ml-data/transactions/raw/2026-08-31/');
    const churn = version(CHURN, 'champion')!;
    const tp = seed.trainingPipelines.find((t) => t.id === churn.trainingPipelineId)!;
    expect(seed.datasets.some((d) => d.id === tp.datasetId)).toBe(true);
    const support = version(SUPPORT, 'production')!;
    expect(support.trainingPipelineId).toBeUndefined();
    expect(state.lineage('us-central1', support.metadataArtifactId!, 0, 1000, () => true).executions).toEqual([]);
  });
});

describe('generateVertexCompany', () => {
  it('is deterministic', () => {
    const a = generateVertexCompany({ models: 30, versionsPerModel: 4, endpoints: 7, locations: 2 });
    const b = generateVertexCompany({ models: 30, versionsPerModel: 4, endpoints: 7, locations: 2 });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(generateVertexCompany({ models: 30, versionsPerModel: 4, endpoints: 7, locations: 2, seed: 7 }))).not.toBe(JSON.stringify(a));
  });

  it('builds the benchmark company (300 models × 10 versions, 50 endpoints) as a valid seed', () => {
    const seed = generateVertexCompany({ models: 300, versionsPerModel: 10, endpoints: 50 });
    expect(seed.models).toHaveLength(300);
    expect(seed.models.every((m) => m.versions.length === 10)).toBe(true);
    expect(seed.endpoints).toHaveLength(50);
    expect(() => new VertexState(seed)).not.toThrow();
    // a realistic mix for the checks
    const promoted = seed.models.flatMap((m) => m.versions.filter((v) => v.aliases.includes('production') || v.aliases.includes('champion')));
    expect(promoted.length).toBeGreaterThan(150);
    expect(promoted.some((v) => !v.labels?.['approved-by'])).toBe(true);
    expect(seed.models.some((m) => !m.kmsKeyName)).toBe(true);
    expect(seed.endpoints.some((e) => e.logging?.enabled === false)).toBe(true);
    expect(seed.endpoints.some((e) => !e.network && !e.privateServiceConnect)).toBe(true);
    expect(seed.trainingPipelines.every((t) => t.datasetId)).toBe(true);
    expect(seed.metadata.events.length).toBeGreaterThan(0);
  });

  it('spreads models and endpoints over the locations', () => {
    const seed = generateVertexCompany({ models: 6, endpoints: 4, locations: ['us-central1', 'europe-west4'] });
    expect(new Set(seed.models.map((m) => m.location))).toEqual(new Set(['us-central1', 'europe-west4']));
    for (const e of seed.endpoints) for (const d of e.deployedModels) expect(seed.models.find((m) => m.id === d.modelId)?.location).toBe(e.location);
  });
});

describe('seed validation', () => {
  const base = (): VertexSeed => loadVertexFixture('small-company');
  it('refuses a model without exactly one default alias', () => {
    const s = base();
    s.models[0]!.versions[2]!.aliases = ['production'];
    expect(() => new VertexState(s)).toThrow(/exactly one version with the "default" alias/);
  });
  it('refuses an alias on two versions', () => {
    const s = base();
    s.models[0]!.versions[0]!.aliases = ['production'];
    expect(() => new VertexState(s)).toThrow(/more than one version/);
  });
  it('refuses dangling references and a traffic split not summing to 100', () => {
    const s1 = base();
    s1.endpoints[0]!.deployedModels[0]!.versionId = '42';
    expect(() => new VertexState(s1)).toThrow(/no version 42/);
    const s2 = base();
    s2.endpoints[0]!.trafficSplit = { '6713050498274721792': 50, '2101364479847333888': 10 };
    expect(() => new VertexState(s2)).toThrow(/sums to 60/);
    const s3 = base();
    s3.metadata.events[0]!.executionId = 'nope';
    expect(() => new VertexState(s3)).toThrow(/unknown execution nope/);
  });
  it('does not share state with the seed object', () => {
    const s = base();
    const st = new VertexState(s);
    st.moveAlias(FRAUD, 'production', '1');
    expect(s.models[0]!.versions[2]!.aliases).toContain('production');
  });
});
