// Information produced by the entity (IPE): what an auditor needs, per artifact, to rely on a report
// the tool produced — the system and scope read, the identity that read it, the API operations with
// their parameters and pages, completeness, the period covered, the tool's version and build, and the
// CI run that collected it. All of it comes from the bundle manifest (signed with the bundle).
import type { BuildInfo } from '../core/build-info.js';
import type { ArtifactEntry, Manifest } from '../bundle/manifest.js';
import type { ArtifactIpe } from './model.js';
import { sourceTimeOf } from './timeliness.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/**
 * The identity that collected an artifact: the caller ARN of its AWS source and account, the GCP
 * principal of its project, the MLflow user of its server; "unknown" when the manifest does not say.
 */
export function collectingIdentity(m: Manifest, a: ArtifactEntry): string {
  const id = m.identity ?? { aws: [], gcp: [], mlflow: [], ci: null };
  const scope = a.provenance?.scope ?? {};
  const system = a.provenance?.system ?? '';
  if (system === 'aws' || id.aws?.some((x) => x.source === a.source)) {
    const hit = (id.aws ?? []).find((x) => x.source === a.source && (!scope.account || x.account === scope.account)) ?? (id.aws ?? []).find((x) => x.source === a.source);
    if (hit) return hit.arn;
  }
  const g = (id.gcp ?? []).find((x) => x.source === a.source && (!scope.project || x.project === scope.project));
  if (g) return g.principal ?? 'unknown (GCP principal not recorded)';
  const f = (id.mlflow ?? []).find((x) => x.source === a.source);
  if (f) return f.user ? `${f.user} @ ${f.server}` : `anonymous @ ${f.server}`;
  return 'unknown';
}

const build = (b: BuildInfo | undefined): string => (b && b.commit !== 'unknown' ? `${b.commit}${b.dirty ? '+modified' : ''}` : 'unknown');

/** The IPE attributes of one artifact of one bundle. */
export function ipeOf(m: Manifest, a: ArtifactEntry): ArtifactIpe {
  const ci = m.identity?.ci ?? null;
  const collectedAt = String(a.provenance?.collectedAt ?? m.startedAt);
  const source = sourceTimeOf(a, collectedAt);
  return {
    system: str(a.provenance?.system) ?? 'unknown',
    identity: collectingIdentity(m, a),
    operations: (Array.isArray(a.provenance?.operations) ? a.provenance.operations : []).map((o) => ({ api: String(o.api), params: o.params ?? {}, pages: Number(o.pages ?? 0), ...(o.calls !== undefined ? { calls: Number(o.calls) } : {}) })),
    toolVersion: str(m.tool?.version) ?? 'unknown',
    toolBuild: build(m.tool?.build),
    ci: ci ? { provider: ci.provider, runId: ci.runId ?? null, url: ci.url ?? null } : null,
    sourceTime: source.time,
    sourceTimeField: source.field,
    sourceAgeHours: source.ageHours,
  };
}

/** one line per operation, for CSV cells: `iam:ListUsers {"MaxItems":1000} 3 page(s)` */
export function operationsLabel(ops: ArtifactIpe['operations']): string {
  return ops.map((o) => `${o.api} ${JSON.stringify(o.params)} ${o.pages} page(s)`).join('; ');
}
