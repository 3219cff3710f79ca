// The order collectors run in within one bundle: a collector that reads another's artifacts of the
// same run (meta.reads) starts only after every run of that producer has finished.
import type { Collector } from './types.js';

/** For each selected collector, the selected collectors producing a kind it reads. */
export function producersOf(selected: Collector[]): Map<string, string[]> {
  const byKind = new Map<string, string[]>();
  for (const c of selected) for (const a of c.meta.artifacts) byKind.set(a.kind, [...(byKind.get(a.kind) ?? []), c.meta.id]);
  return new Map(selected.map((c) => [c.meta.id, [...new Set((c.meta.reads ?? []).flatMap((k) => byKind.get(k) ?? []))].filter((p) => p !== c.meta.id)]));
}

/**
 * Collectors in dependency order (producers first, otherwise the given order), so a bounded pool that
 * takes tasks in this order has started every producer before a reader waits on it. Throws on a cycle.
 */
export function dependencyOrder(selected: Collector[]): Collector[] {
  const producers = producersOf(selected);
  const done = new Set<string>();
  const visiting = new Set<string>();
  const out: Collector[] = [];
  const byId = new Map(selected.map((c) => [c.meta.id, c]));
  const visit = (id: string, chain: string[]) => {
    if (done.has(id)) return;
    if (visiting.has(id)) throw new Error(`collectors read each other's artifacts in a cycle: ${[...chain, id].join(' → ')}`);
    visiting.add(id);
    for (const p of producers.get(id) ?? []) visit(p, [...chain, id]);
    visiting.delete(id);
    done.add(id);
    out.push(byId.get(id)!);
  };
  for (const c of selected) visit(c.meta.id, []);
  return out;
}

/** Each selected collector's depth: 0 when it reads nothing of this run, else 1 + its deepest producer's. */
export function dependencyDepth(selected: Collector[]): Map<string, number> {
  const producers = producersOf(selected);
  const depth = new Map<string, number>();
  // dependencyOrder lists producers first, so each producer's depth is known when its reader comes
  for (const c of dependencyOrder(selected)) depth.set(c.meta.id, Math.max(-1, ...(producers.get(c.meta.id) ?? []).map((p) => depth.get(p)!)) + 1);
  return depth;
}
