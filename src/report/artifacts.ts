// The artifact index: one row per artifact of every bundle in the window, with its provenance and
// the in-scope criteria it is evidence for.
import type { ArtifactEntry } from '../bundle/manifest.js';
import { ipeOf } from './ipe.js';
import type { ArtifactRow } from './model.js';
import { withoutSource, type BundleVisit } from './visit.js';

// built property by property in the row's order (report.json's key order): object spreads into one
// literal of ~30 keys cost more than the rest of the report's pass over an organization's year
export function artifactRow(v: BundleVisit, a: ArtifactEntry, criteria: string[]): ArtifactRow {
  const ref = v.ref(a.path, a.sha256);
  const ipe = ipeOf(v.manifest, a); // IPE attributes and source time (src/report/ipe.ts)
  return {
    bundle: ref.bundle,
    path: ref.path,
    href: ref.href,
    sha256: ref.sha256,
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
    system: ipe.system,
    identity: ipe.identity,
    operations: ipe.operations,
    toolVersion: ipe.toolVersion,
    toolBuild: ipe.toolBuild,
    ci: ipe.ci,
    sourceTime: ipe.sourceTime,
    sourceTimeField: ipe.sourceTimeField,
    sourceAgeHours: ipe.sourceAgeHours,
  };
}
