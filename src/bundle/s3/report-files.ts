// Which files of a bundle `soc2 report` reads (src/report/aggregate.ts and what it feeds), so that a
// report from s3:// downloads only those and checks every other object by the SHA-256 S3 stored for
// it. Per bundle of the window: findings, the config copy, the derived logs of the declared
// populations and the audit logs that name their actors (populations.ts), the kinds third parties are
// extracted from (vendor-sightings.ts); in any bundle, the worksheets of access reviews, and — once a
// review exists — the artifacts its remediation check reads in the bundles after it
// (src/review/remediation.ts, principals.ts). manifest.json and manifest.sig are always read. A file
// the report reads but this list forgets is absent from the temp dir: the report names it "cannot be
// read" and refuses, never a quiet gap (test/bundle/s3-report.test.ts compares with the local report).
import { FINDINGS, type Manifest } from '../manifest.js';
import type { PopulationDecl } from '../../core/types.js';
import { EXTRACTORS } from '../../report/vendor-sightings.js';

/** the artifacts src/review/principals.ts reads for a bundle's principals (AWS, MLflow, Vertex) */
const REVIEW_KINDS = ['aws.iam.authorization-details', 'aws.iam.credential-report', 'aws.iam.ml-privileges', 'mlflow.registry.models', 'mlflow.registry.versions', 'mlflow.registry.prompts', 'vertex.endpoints.endpoints'];

export interface ReportReads {
  /** artifact kinds read in every bundle of the window */
  kinds: Set<string>;
  /** the days the report may visit, by bundle id; ids without a day are always visited */
  window: { from?: string; to?: string };
}

/** The kinds the report reads, from the collectors' population declarations and the vendor extractors. */
export function reportReads(populations: Pick<PopulationDecl, 'kind' | 'actorEvents'>[], window: ReportReads['window']): ReportReads {
  const kinds = new Set<string>(Object.keys(EXTRACTORS));
  for (const d of populations) {
    kinds.add(d.kind);
    if (d.actorEvents) kinds.add(d.actorEvents.kind);
  }
  return { kinds, window };
}

const dayOf = (id: string) => (/^\d{4}-\d{2}-\d{2}T/.test(id) ? id.slice(0, 10) : null);

/** The first day after which some access review's remediation is checked (its addedAt), or null when no bundle holds a review. */
export function firstReviewDay(manifests: Iterable<Manifest>): string | null {
  let first: string | null = null;
  for (const m of manifests)
    for (const a of m.artifacts ?? []) {
      const day = a?.manual?.review ? String(a.manual.addedAt ?? '').slice(0, 10) : null;
      if (day && (first === null || day < first)) first = day;
    }
  return first;
}

/** The files of one bundle (paths its manifest lists) the report reads. */
export function filesTheReportReads(id: string, m: Manifest, reads: ReportReads, reviewFrom: string | null): Set<string> {
  const listed = new Set((Array.isArray(m.files) ? m.files : []).map((f) => f?.path));
  const out = new Set<string>();
  const add = (p: unknown) => {
    if (typeof p === 'string' && listed.has(p)) out.add(p);
  };
  const artifacts = Array.isArray(m.artifacts) ? m.artifacts : [];
  for (const a of artifacts) if (a?.manual?.review) add(a.path);
  const day = dayOf(id);
  const { from, to } = reads.window;
  if (day !== null && ((from && day < from) || (to && day > to))) return out;
  add(m.findings?.path);
  add(FINDINGS);
  add(m.config?.path);
  const review = reviewFrom !== null && (day === null || day > reviewFrom);
  for (const a of artifacts) if (a && (reads.kinds.has(a.kind) || (review && REVIEW_KINDS.includes(a.kind)))) add(a.path);
  return out;
}
