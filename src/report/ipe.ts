// Information produced by the entity (IPE): what an auditor needs, per artifact, to rely on a report
// the tool produced — the system and scope read, the identity that read it, the API operations with
// their parameters and pages, completeness, the period covered, the tool's version and build, and the
// CI run that collected it. All of it comes from the bundle manifest (signed with the bundle).
import type { BuildInfo } from '../core/build-info.js';
import type { ArtifactEntry, Identity, Manifest } from '../bundle/manifest.js';
import type { ArtifactIpe } from './model.js';
import { sourceTimeOf } from './timeliness.js';

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** The first entry of `list` per key (and per key and sub-key): what Array.find over it would return. */
function firstBy<T>(list: readonly T[], key: (x: T) => unknown, sub: (x: T) => unknown): Map<unknown, { first: T; bySub: Map<unknown, T> }> {
  const out = new Map<unknown, { first: T; bySub: Map<unknown, T> }>();
  for (const x of list) {
    let e = out.get(key(x));
    if (!e) out.set(key(x), (e = { first: x, bySub: new Map() }));
    if (!e.bySub.has(sub(x))) e.bySub.set(sub(x), x);
  }
  return out;
}

type IdentityIndex = {
  aws: ReturnType<typeof firstBy<Identity['aws'][number]>>;
  gcp: ReturnType<typeof firstBy<Identity['gcp'][number]>>;
  mlflow: ReturnType<typeof firstBy<Identity['mlflow'][number]>>;
};

// one index per manifest: an organization's bundle names an identity per account, for each of its artifacts
const indexes = new WeakMap<Manifest, IdentityIndex>();

function identityIndex(m: Manifest): IdentityIndex {
  let ix = indexes.get(m);
  if (!ix) {
    const id = m.identity ?? { aws: [], gcp: [], mlflow: [], ci: null };
    ix = { aws: firstBy(id.aws ?? [], (x) => x.source, (x) => x.account), gcp: firstBy(id.gcp ?? [], (x) => x.source, (x) => x.project), mlflow: firstBy(id.mlflow ?? [], (x) => x.source, () => null) };
    indexes.set(m, ix);
  }
  return ix;
}

/**
 * The identity that collected an artifact: the caller ARN of its AWS source and account, the GCP
 * principal of its project, the MLflow user of its server; "unknown" when the manifest does not say.
 */
export function collectingIdentity(m: Manifest, a: ArtifactEntry): string {
  const ix = identityIndex(m);
  const scope = a.provenance?.scope ?? {};
  const aws = ix.aws.get(a.source);
  if (aws) {
    const hit = (scope.account && aws.bySub.get(scope.account)) || aws.first;
    return hit.arn;
  }
  const gcp = ix.gcp.get(a.source);
  const g = gcp && (scope.project ? gcp.bySub.get(scope.project) : gcp.first);
  if (g) return g.principal ?? 'unknown (GCP principal not recorded)';
  const f = ix.mlflow.get(a.source)?.first;
  if (f) return f.user ? `${f.user} @ ${f.server}` : `anonymous @ ${f.server}`;
  return 'unknown';
}

const build = (b: BuildInfo | undefined): string => (b && b.commit !== 'unknown' ? `${b.commit}${b.dirty ? '+modified' : ''}` : 'unknown');

/** What every artifact of a bundle shares: the tool and the CI run (one object per bundle, read-only). */
interface BundleIpe {
  toolVersion: string;
  toolBuild: string;
  ci: ArtifactIpe['ci'];
}
const bundleIpes = new WeakMap<Manifest, BundleIpe>();

function bundleIpe(m: Manifest): BundleIpe {
  let b = bundleIpes.get(m);
  if (!b) {
    const ci = m.identity?.ci ?? null;
    b = { toolVersion: str(m.tool?.version) ?? 'unknown', toolBuild: build(m.tool?.build), ci: ci ? { provider: ci.provider, runId: ci.runId ?? null, url: ci.url ?? null } : null };
    bundleIpes.set(m, b);
  }
  return b;
}

/** The IPE attributes of one artifact of one bundle. */
export function ipeOf(m: Manifest, a: ArtifactEntry): ArtifactIpe {
  const collectedAt = String(a.provenance?.collectedAt ?? m.startedAt);
  const source = sourceTimeOf(a, collectedAt);
  const b = bundleIpe(m);
  return {
    system: str(a.provenance?.system) ?? 'unknown',
    identity: collectingIdentity(m, a),
    operations: operationsOf(a),
    toolVersion: b.toolVersion,
    toolBuild: b.toolBuild,
    ci: b.ci,
    sourceTime: source.time,
    sourceTimeField: source.field,
    sourceAgeHours: source.ageHours,
  };
}

function operationsOf(a: ArtifactEntry): ArtifactIpe['operations'] {
  const ops = Array.isArray(a.provenance?.operations) ? a.provenance.operations : [];
  return ops.map((o) => {
    const op: ArtifactIpe['operations'][number] = { api: String(o.api), params: o.params ?? {}, pages: Number(o.pages ?? 0) };
    if (o.calls !== undefined) op.calls = Number(o.calls);
    return op;
  });
}

/** one line per operation, for CSV cells: `iam:ListUsers {"MaxItems":1000} 3 page(s)` */
export function operationsLabel(ops: ArtifactIpe['operations']): string {
  return ops.map((o) => `${o.api} ${JSON.stringify(o.params)} ${o.pages} page(s)`).join('; ');
}
