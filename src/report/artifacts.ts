// The artifact index: one row per artifact of every bundle in the window, with its provenance and
// the in-scope criteria it is evidence for.
import type { ArtifactEntry } from '../bundle/manifest.js';
import { ipeOf } from './ipe.js';
import type { ArtifactRow } from './model.js';
import { withoutSource, type BundleVisit } from './visit.js';

export function artifactRow(v: BundleVisit, a: ArtifactEntry, criteria: string[]): ArtifactRow {
  return {
    ...v.ref(a.path, a.sha256),
    date: v.date,
    kind: a.kind,
    source: a.source,
    collector: a.collector,
    scope: withoutSource(a.provenance?.scope),
    bytes: a.bytes,
    records: a.records,
    complete: a.provenance?.complete === true,
    collectedAt: String(a.provenance?.collectedAt ?? v.manifest.startedAt),
    periodCovered: a.provenance?.periodCovered ?? null,
    criteria,
    ...ipeOf(v.manifest, a), // IPE attributes and source time (src/report/ipe.ts)
  };
}
