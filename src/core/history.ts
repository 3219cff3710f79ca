// Earlier bundles of a stream, as the collectors of one run see them: the previous run of a collector
// on a target, and the baseline of a derived artifact (promotions, rotations), which is judged by the
// completeness of the snapshot it compares with, never by unrelated gaps of that run.
import path from 'node:path';
import type { Manifest } from '../bundle/manifest.js';
import { artifactReader, listBundleDirs, readManifest } from '../bundle/store.js';
import type { ArtifactReader, Baseline } from './types.js';

export interface Who {
  collector: string;
  source: string;
  scope: Record<string, string>;
}

interface Earlier {
  id: string;
  dir: string;
}

const scopeKey = (s: Record<string, string>) => JSON.stringify(Object.entries(s).sort(([a], [b]) => a.localeCompare(b)));

export class EvidenceHistory {
  private readonly bundles: Earlier[];
  /** manifests read so far (null: unreadable, which verify reports): every collector × target of the run scans the same ones */
  private readonly manifests = new Map<string, Manifest | null>();

  /**
   * @param dirs the local evidence dir, plus a copy of the store's newest bundle when the store is ahead (fresh CI machine)
   * @param before the id of the bundle being written: only bundles before it count
   */
  constructor(
    dirs: string[],
    private readonly stream: string | null,
    before: string,
  ) {
    this.bundles = dirs
      .flatMap((d) => listBundleDirs(d).complete.map((id) => ({ id, dir: path.join(d, id) })))
      .filter((b) => b.id < before)
      .sort((a, b) => b.id.localeCompare(a.id));
  }

  private manifest(b: Earlier): Manifest | null {
    if (!this.manifests.has(b.dir)) {
      let m: Manifest | null = null;
      try {
        m = readManifest(b.dir).manifest;
        if ((m.stream ?? null) !== this.stream) m = null;
      } catch {
        m = null;
      }
      this.manifests.set(b.dir, m);
    }
    return this.manifests.get(b.dir)!;
  }

  /** earlier bundles of the stream in which `who` ran (any status), newest first */
  private *runs(who: Who): Generator<{ b: Earlier; m: Manifest }> {
    const key = scopeKey(who.scope);
    for (const b of this.bundles) {
      const m = this.manifest(b);
      if (m && m.collectors.some((c) => c.id === who.collector && c.source === who.source && scopeKey(c.scope ?? {}) === key)) yield { b, m };
    }
  }

  private reader(b: Earlier, m: Manifest, prefix: string): ArtifactReader {
    // collectedAt is the bundle's start: the earliest moment its snapshot can describe, so windows derived from it contain the change
    return artifactReader(b.dir, m.artifacts, prefix, { collectedAt: m.startedAt, bundleId: b.id });
  }

  previous(who: Who, prefix: string): ArtifactReader | null {
    for (const { b, m } of this.runs(who)) return this.reader(b, m, prefix);
    return null;
  }

  baseline(who: Who, prefix: string, kind: string): Baseline {
    const skipped: string[] = [];
    for (const { b, m } of this.runs(who)) {
      const r = this.reader(b, m, prefix);
      if (r.complete(kind)) return { reader: r, skipped };
      skipped.push(b.id);
    }
    return { reader: null, skipped };
  }
}
