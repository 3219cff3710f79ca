// Collectors that read each other's artifacts of the same run: producers run first; a cycle is refused.
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { dependencyDepth, dependencyOrder, producersOf } from '../../src/core/order.js';
import type { Collector } from '../../src/core/types.js';

const c = (id: string, writes: string[], reads: string[] = []): Collector =>
  ({ meta: { id, title: id, source: 'aws', scope: 'global', permissions: [], artifacts: writes.map((kind) => ({ kind, file: `${kind}.json`, description: '' })), reads }, checks: [], collect: async () => undefined }) as Collector;

describe('collector order within a run', () => {
  it('puts producers before their readers, keeping the given order otherwise', () => {
    const list = [c('lineage', ['l'], ['v']), c('other', ['o']), c('registry', ['v'])];
    expect(dependencyOrder(list).map((x) => x.meta.id)).toEqual(['registry', 'lineage', 'other']);
    expect(producersOf(list).get('lineage')).toEqual(['registry']);
  });

  it('depth: 0 for a collector reading nothing of the run, else one more than its deepest producer', () => {
    const list = [c('monitoring', ['m'], ['e', 'l']), c('lineage', ['l'], ['v']), c('registry', ['v']), c('endpoints', ['e']), c('other', ['o'])];
    expect(Object.fromEntries(dependencyDepth(list))).toEqual({ registry: 0, endpoints: 0, other: 0, lineage: 1, monitoring: 2 });
  });

  it('a reader whose producer is not selected runs alone', () => {
    expect(dependencyOrder([c('lineage', ['l'], ['v'])]).map((x) => x.meta.id)).toEqual(['lineage']);
  });

  it('refuses a cycle, naming it', () => {
    expect(() => dependencyOrder([c('a', ['x'], ['y']), c('b', ['y'], ['x'])])).toThrow('collectors read each other’s artifacts in a cycle: a → b → a'.replace('’', "'"));
  });

  it('the registered collectors form no cycle and read only kinds some collector writes', () => {
    expect(() => dependencyOrder(collectors)).not.toThrow();
    const written = new Set(collectors.flatMap((x) => x.meta.artifacts.map((a) => a.kind)));
    for (const x of collectors) for (const k of x.meta.reads ?? []) expect(written.has(k), `${x.meta.id} reads ${k}`).toBe(true);
  });
});
