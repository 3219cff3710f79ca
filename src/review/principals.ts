// The principals of one bundle an access review decides on, read from what the collectors recorded —
// no API call: IAM users and roles (console password and active keys from the credential report,
// Allow * on * from aws-iam.admin-principals, outside trusts from aws-iam.external-trust, ML-change
// access per asset from aws.iam.ml-privileges), MLflow users (the user_id of models, versions and
// prompts) and Vertex service accounts (those deployed models run as). The same function reads a later
// bundle to verify a revocation: a row is keyed by its principal, so its id is stable across bundles.
import { createHash } from 'node:crypto';
import path from 'node:path';
import type { ArtifactEntry, Manifest } from '../bundle/manifest.js';
import { UsageError } from '../core/errors.js';
import { iterateNdjson, readChecked } from '../report/read.js';
import { ownerOf, type Owners } from './owners.js';

export const SYSTEMS = ['aws', 'sagemaker', 'mlflow', 'vertex'] as const;
export type ReviewSystem = (typeof SYSTEMS)[number];

/** One principal as the worksheet shows it (the columns before decision and justification). */
export interface PrincipalRow {
  rowId: string;
  system: string;
  source: string;
  principal: string;
  type: string;
  owner: string;
  ownerFrom: string;
  access: string;
  reasons: string;
  /** false: the principal exists but cannot act (an IAM user without password or active key) */
  hasAccess: boolean;
}

export interface BundlePrincipals {
  rows: PrincipalRow[];
  /** `family\nsource` (familyOf) whose artifacts this bundle holds complete: only there does a missing row mean the principal is gone */
  complete: Set<string>;
  /** what was left out and why (service-linked roles, artifacts missing from the bundle) */
  notes: string[];
}

interface Contribution {
  system: ReviewSystem;
  access: string[];
  reasons: string[];
}

interface Draft {
  key: string;
  source: string;
  principal: string;
  type: string;
  names: string[];
  tagOwner: string | null;
  hasAccess: boolean;
  parts: Contribution[];
}

/** The evidence a row's access comes from: IAM (aws and sagemaker rows), MLflow or Vertex. */
export const familyOf = (system: string): 'aws' | 'mlflow' | 'vertex' => (system.startsWith('mlflow') ? 'mlflow' : system.startsWith('vertex') ? 'vertex' : 'aws');
const isComplete = (a: ArtifactEntry | undefined) => !!a && a.provenance?.complete !== false;

const rowIdOf = (key: string) => createHash('sha256').update(key).digest('hex').slice(0, 12);

/** `aws,mlflow` → the systems; an unknown one is a one-line usage error. */
export function parseSystems(v: string | undefined): ReviewSystem[] {
  if (v === undefined) return [...SYSTEMS];
  const list = v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (!list.length) throw new UsageError(`--systems: expected a comma-separated list of ${SYSTEMS.join(', ')}`);
  for (const s of list) if (!(SYSTEMS as readonly string[]).includes(s)) throw new UsageError(`--systems: unknown system "${s}"; expected some of ${SYSTEMS.join(', ')}`);
  return SYSTEMS.filter((s) => list.includes(s));
}

type Reader = { bundleDir: string; manifest: Manifest; findings: { check: string; status?: string; source?: string; scope?: Record<string, string>; exceptions?: { resource?: string; reason?: string }[] }[] };

const fileOf = (a: ArtifactEntry) => path.posix.basename(a.path);
const accountOf = (a: ArtifactEntry) => String((a.provenance?.scope as Record<string, unknown> | undefined)?.account ?? '');

async function json<T>(r: Reader, a: ArtifactEntry | undefined): Promise<T | null> {
  if (!a) return null;
  return JSON.parse((await readChecked(r.bundleDir, a.path, a.sha256)).text) as T;
}

/** The principals of a bundle for the chosen systems, owners applied, sorted by owner then principal. */
export async function bundlePrincipals(bundleDir: string, manifest: Manifest, findings: Reader['findings'], systems: ReviewSystem[], owners: Owners, ownerTag: string): Promise<BundlePrincipals> {
  const r: Reader = { bundleDir, manifest, findings };
  const drafts = new Map<string, Draft>();
  const notes: string[] = [];
  const complete = new Set<string>();
  if (systems.includes('aws') || systems.includes('sagemaker')) await awsPrincipals(r, ownerTag, drafts, notes, complete);
  if (systems.includes('mlflow')) await mlflowPrincipals(r, drafts, notes, complete);
  if (systems.includes('vertex')) await vertexPrincipals(r, drafts, notes, complete);
  const rows: PrincipalRow[] = [];
  for (const d of drafts.values()) {
    const parts = d.parts.filter((p) => systems.includes(p.system));
    if (!parts.length) continue;
    const o = ownerOf(owners, d.names, d.tagOwner);
    rows.push({
      rowId: rowIdOf(d.key),
      system: [...new Set(parts.map((p) => p.system))].join('+'),
      source: d.source,
      principal: d.principal,
      type: d.type,
      owner: o.owner ?? '(no owner)',
      ownerFrom: o.by === 'owners-file' ? `owners file` : o.by === 'tag' ? `tag ${ownerTag}` : 'none',
      access: [...new Set(parts.flatMap((p) => p.access))].join(', '),
      reasons: parts.flatMap((p) => p.reasons).join('; '),
      hasAccess: d.hasAccess,
    });
  }
  rows.sort((a, b) => a.owner.localeCompare(b.owner) || a.principal.localeCompare(b.principal) || a.rowId.localeCompare(b.rowId));
  return { rows, notes, complete };
}

function draft(drafts: Map<string, Draft>, d: Omit<Draft, 'parts'>): Draft {
  let x = drafts.get(d.key);
  if (!x) drafts.set(d.key, (x = { ...d, parts: [] }));
  return x;
}

function add(d: Draft, system: ReviewSystem, access: string, reason: string | null): void {
  let p = d.parts.find((x) => x.system === system);
  if (!p) d.parts.push((p = { system, access: [], reasons: [] }));
  if (!p.access.includes(access)) p.access.push(access);
  if (reason) p.reasons.push(reason);
}

interface AuthRecord {
  type: string;
  Arn: string;
  Path?: string;
  UserName?: string;
  RoleName?: string;
  Tags?: { Key: string; Value: string }[];
}
interface CredRow {
  arn: string;
  passwordEnabled: boolean | null;
  accessKeys?: { slot: number; active: boolean }[];
}
interface MlPrincipal {
  principal: string;
  assets: { asset: string; decision: string; actions: { action: string }[] }[];
}

async function awsPrincipals(r: Reader, ownerTag: string, drafts: Map<string, Draft>, notes: string[], complete: Set<string>): Promise<void> {
  const details = r.manifest.artifacts.filter((a) => a.kind === 'aws.iam.authorization-details');
  if (!details.length) notes.push('no aws.iam.authorization-details in the bundle: no AWS principal is listed');
  for (const ad of details) {
    const source = ad.source;
    const account = accountOf(ad);
    const dir = path.posix.dirname(ad.path);
    const sibling = (kind: string) => r.manifest.artifacts.find((a) => a.kind === kind && a.source === source && path.posix.dirname(a.path) === dir);
    const findingsOf = (check: string) => r.findings.filter((f) => f.check === check && f.source === source && (!account || f.scope?.account === account));
    const exceptionsOf = (check: string) => {
      const m = new Map<string, string>();
      for (const f of findingsOf(check)) for (const e of f.exceptions ?? []) if (e.resource) m.set(e.resource, String(e.reason ?? ''));
      return m;
    };
    // privileged and external-trust access are these checks' exceptions: a check that did not run, or
    // ended in error, cannot say who has them
    const unjudged = ['aws-iam.admin-principals', 'aws-iam.external-trust'].filter((check) => !findingsOf(check).some((f) => f.status !== 'error'));
    const admin = exceptionsOf('aws-iam.admin-principals');
    const trust = exceptionsOf('aws-iam.external-trust');
    if (unjudged.length) notes.push(`${source} ${account}: ${unjudged.join(' and ')} did not judge this bundle (missing or error): privileged or external-trust access may be missing from the list`);
    if (isComplete(ad) && isComplete(sibling('aws.iam.credential-report')) && isComplete(sibling('aws.iam.ml-privileges')) && !unjudged.length) complete.add(`aws\n${source}`);
    else notes.push(`${source} ${account}: the IAM evidence of this bundle is incomplete (a collection gap): principals or their access may be missing from the list`);
    const cred = await json<{ rows: CredRow[] }>(r, sibling('aws.iam.credential-report'));
    if (!cred) notes.push(`${source} ${account}: no credential report: console and key access cannot be told`);
    const creds = new Map((cred?.rows ?? []).map((c) => [c.arn, c]));
    const ml = await json<{ principals: MlPrincipal[] }>(r, sibling('aws.iam.ml-privileges'));
    if (!ml) notes.push(`${source} ${account}: no ml-privileges artifact: ML-change access cannot be told`);
    const mlOf = new Map((ml?.principals ?? []).map((p) => [p.principal, p]));
    let serviceLinked = 0;
    for await (const rec of iterateNdjson<AuthRecord>(r.bundleDir, ad.path, ad.sha256)) {
      if (rec.type !== 'user' && rec.type !== 'role') continue;
      if (rec.type === 'role' && rec.Path?.startsWith('/aws-service-role/')) {
        serviceLinked++; // AWS owns them and changes them with the service: nothing the company can revoke
        continue;
      }
      const name = (rec.type === 'user' ? rec.UserName : rec.RoleName) ?? rec.Arn;
      const c = creds.get(rec.Arn);
      const console_ = c?.passwordEnabled === true;
      const keys = (c?.accessKeys ?? []).filter((k) => k.active).map((k) => k.slot);
      const d = draft(drafts, { key: `aws\n${rec.Arn}`, source, principal: rec.Arn, type: rec.type === 'user' ? 'IAM user' : 'IAM role', names: [rec.Arn, name], tagOwner: rec.Tags?.find((t) => t.Key.toLowerCase() === ownerTag.toLowerCase())?.Value ?? null, hasAccess: rec.type === 'role' || console_ || keys.length > 0 || !c });
      if (rec.type === 'user') {
        if (console_) add(d, 'aws', 'console', 'console password enabled');
        if (keys.length) add(d, 'aws', 'api', `active access key${keys.length > 1 ? 's' : ''} ${keys.join(', ')}`);
        if (!console_ && !keys.length) add(d, 'aws', c ? 'none' : 'unknown', c ? 'no console password, no active access key' : 'not in the credential report');
      } else add(d, 'aws', 'assumable', null);
      if (admin.has(rec.Arn)) add(d, 'aws', 'privileged', admin.get(rec.Arn)!);
      if (trust.has(rec.Arn)) add(d, 'aws', 'external-trust', trust.get(rec.Arn)!);
      for (const asset of mlOf.get(rec.Arn)?.assets ?? []) {
        const system: ReviewSystem = asset.asset.startsWith('sagemaker ') || asset.actions.some((x) => x.action.startsWith('sagemaker:')) ? 'sagemaker' : 'aws';
        add(d, system, 'ml-change', `can change ${asset.asset}${asset.decision === 'allowed' ? '' : ` (${asset.decision})`}`);
      }
    }
    if (serviceLinked) notes.push(`${source} ${account}: ${serviceLinked} service-linked role${serviceLinked === 1 ? '' : 's'} (path /aws-service-role/) left out: AWS manages them`);
  }
}

async function mlflowPrincipals(r: Reader, drafts: Map<string, Draft>, notes: string[], complete: Set<string>): Promise<void> {
  const kinds = ['mlflow.registry.models', 'mlflow.registry.versions', 'mlflow.registry.prompts'];
  const arts = r.manifest.artifacts.filter((a) => kinds.includes(a.kind));
  if (!arts.length) return;
  for (const src of new Set(arts.map((a) => a.source))) if (arts.filter((a) => a.source === src).every(isComplete)) complete.add(`mlflow\n${src}`);
  const seen = new Map<string, { source: string; what: Map<string, number> }>();
  for (const a of arts) {
    for await (const rec of iterateNdjson<{ user_id?: string | null }>(r.bundleDir, a.path, a.sha256)) {
      const u = typeof rec.user_id === 'string' ? rec.user_id.trim() : '';
      if (!u) continue;
      const k = `${a.source}\n${u}`;
      let s = seen.get(k);
      if (!s) seen.set(k, (s = { source: a.source, what: new Map() }));
      const what = fileOf(a).replace(/\.ndjson$/, '');
      s.what.set(what, (s.what.get(what) ?? 0) + 1);
    }
  }
  if (!seen.size) notes.push('MLflow: no model, version or prompt names a user_id (open-source MLflow servers often store none): no MLflow user is listed');
  for (const [k, s] of seen) {
    const user = k.split('\n')[1]!;
    const d = draft(drafts, { key: `mlflow\n${k}`, source: s.source, principal: user, type: 'MLflow user', names: [user, `mlflow:${user}`], tagOwner: null, hasAccess: true });
    add(d, 'mlflow', 'ml-change', `created ${[...s.what].map(([w, n]) => `${n} ${w}`).join(', ')}`);
  }
}

async function vertexPrincipals(r: Reader, drafts: Map<string, Draft>, notes: string[], complete: Set<string>): Promise<void> {
  const arts = r.manifest.artifacts.filter((a) => a.kind === 'vertex.endpoints.endpoints');
  if (!arts.length) return;
  for (const src of new Set(arts.map((a) => a.source))) if (arts.filter((a) => a.source === src).every(isComplete)) complete.add(`vertex\n${src}`);
  let found = 0;
  for (const a of arts) {
    for await (const e of iterateNdjson<{ displayName?: string; deployedModels?: { serviceAccount?: string | null; displayName?: string }[] }>(r.bundleDir, a.path, a.sha256)) {
      for (const m of e.deployedModels ?? []) {
        if (!m.serviceAccount) continue;
        found++;
        const d = draft(drafts, { key: `vertex\n${a.source}\n${m.serviceAccount}`, source: a.source, principal: m.serviceAccount, type: 'service account', names: [m.serviceAccount], tagOwner: null, hasAccess: true });
        add(d, 'vertex', 'service-account', `runs ${m.displayName ?? 'a model'} on endpoint ${e.displayName ?? ''}`.trim());
      }
    }
  }
  if (!found) notes.push('Vertex: no deployed model names its own service account (they run as the project default): no Vertex service account is listed');
}
