// What changed between two bundles: principals, admin/ML privileges, secrets, model versions,
// aliases and MLflow stages, and findings that started or stopped failing. Large populations are streamed; only keys
// and a few fields of bundle A are held in memory. Artifacts are compared path by path (a path names
// source, collector, account and region), so a source missing from one bundle is reported as
// "not compared" instead of as everything having been removed.
import path from 'node:path';
import { FINDINGS, type ArtifactEntry, type Manifest } from '../bundle/manifest.js';
import { readManifest } from '../bundle/store.js';
import type { Finding } from '../core/types.js';
import { PRIVILEGE_CHECKS, scopeLabel } from './aggregate.js';
import { iterateNdjson, readChecked } from './read.js';

export const PRINCIPALS_KIND = 'aws.iam.authorization-details';
export const SECRETS_KIND = 'aws.secretsmanager.secrets';
export const VERSIONS_SUFFIX = '.versions';

export interface Principal {
  arn: string;
  type: string;
  name: string | null;
  source: string;
}
export interface PrivilegeChange {
  check: string;
  privilege: 'admin' | 'ml';
  source: string;
  scope: string;
  principal: string;
  reason: string;
}
export interface SecretRow {
  arn: string;
  name: string | null;
  source: string;
}
export interface SecretChange extends SecretRow {
  field: 'RotationEnabled' | 'LastRotatedDate';
  from: unknown;
  to: unknown;
}
export interface ModelVersion {
  kind: string;
  source: string;
  model: string;
  version: string;
}
export interface AliasChange {
  kind: string;
  source: string;
  model: string;
  alias: string;
  from: string | null;
  to: string | null;
}
/** An MLflow stage transition (None/Staging/Production/Archived) of a version in both bundles. */
export interface StageChange {
  kind: string;
  source: string;
  model: string;
  version: string;
  from: string | null;
  to: string | null;
}
export interface FindingChange {
  check: string;
  source: string;
  scope: string;
  from: string;
  to: string;
  summary: string;
}

export interface DiffResult {
  a: { id: string; startedAt: string; status: string };
  b: { id: string; startedAt: string; status: string };
  principals: { compared: string[]; added: Principal[]; removed: Principal[] };
  privileges: { gained: PrivilegeChange[]; lost: PrivilegeChange[] };
  secrets: { compared: string[]; added: SecretRow[]; removed: SecretRow[]; changed: SecretChange[] };
  models: { compared: string[]; versionsAdded: ModelVersion[]; versionsRemoved: ModelVersion[]; aliases: AliasChange[]; stages: StageChange[] };
  findings: { startedFailing: FindingChange[]; stoppedFailing: FindingChange[] };
  /** what could not be compared, and why */
  notes: string[];
}

interface Side {
  dir: string;
  id: string;
  manifest: Manifest;
}

function open(dir: string): Side {
  const { manifest } = readManifest(dir);
  return { dir, id: path.basename(path.resolve(dir)), manifest };
}

/** Artifacts of a kind present in both bundles (matched by path), with notes for the rest. */
function pairs(a: Side, b: Side, match: (kind: string) => boolean, label: string, notes: string[]): [ArtifactEntry, ArtifactEntry][] {
  const inA = new Map(a.manifest.artifacts.filter((x) => match(x.kind)).map((x) => [x.path, x]));
  const inB = new Map(b.manifest.artifacts.filter((x) => match(x.kind)).map((x) => [x.path, x]));
  const out: [ArtifactEntry, ArtifactEntry][] = [];
  for (const [p, x] of inA) {
    const y = inB.get(p);
    if (!y) notes.push(`${label}: ${p} is only in ${a.id}; not compared`);
    else {
      out.push([x, y]);
      for (const [side, e] of [[a, x], [b, y]] as const) if (e.provenance?.complete !== true) notes.push(`${label}: ${p} is incomplete in ${side.id}; additions/removals there may be gaps, not changes`);
    }
  }
  for (const p of inB.keys()) if (!inA.has(p)) notes.push(`${label}: ${p} is only in ${b.id}; not compared`);
  return out;
}

async function findingsOf(s: Side): Promise<Finding[]> {
  const f = s.manifest.files.find((x) => x.path === (s.manifest.findings?.path ?? FINDINGS));
  if (!f) return [];
  const { text } = await readChecked(s.dir, f.path, f.sha256);
  const v = JSON.parse(text);
  return Array.isArray(v) ? v : [];
}

type Rec = Record<string, any>;

async function* records(s: Side, a: ArtifactEntry): AsyncGenerator<Rec> {
  if (a.path.endsWith('.ndjson')) {
    for await (const r of iterateNdjson<Rec>(s.dir, a.path, a.sha256)) if (r && typeof r === 'object') yield r;
    return;
  }
  const { text } = await readChecked(s.dir, a.path, a.sha256);
  const v = JSON.parse(text);
  const list = Array.isArray(v) ? v : Array.isArray(v?.versions) ? v.versions : Array.isArray(v?.records) ? v.records : Array.isArray(v?.items) ? v.items : [];
  for (const r of list) if (r && typeof r === 'object') yield r as Rec;
}

const PRINCIPAL_TYPES = new Set(['user', 'role', 'group']);
const principalName = (r: Rec) => (r.UserName ?? r.RoleName ?? r.GroupName ?? null) as string | null;

export async function diffBundles(dirA: string, dirB: string): Promise<DiffResult> {
  const a = open(dirA);
  const b = open(dirB);
  const notes: string[] = [];
  const res: DiffResult = {
    a: { id: a.id, startedAt: a.manifest.startedAt, status: a.manifest.status },
    b: { id: b.id, startedAt: b.manifest.startedAt, status: b.manifest.status },
    principals: { compared: [], added: [], removed: [] },
    privileges: { gained: [], lost: [] },
    secrets: { compared: [], added: [], removed: [], changed: [] },
    models: { compared: [], versionsAdded: [], versionsRemoved: [], aliases: [], stages: [] },
    findings: { startedFailing: [], stoppedFailing: [] },
    notes,
  };
  if (a.id > b.id) notes.push(`${a.id} is newer than ${b.id}: "added" means present in ${b.id} but not in ${a.id}`);

  // principals (streamed; only A's ARNs are kept)
  for (const [x, y] of pairs(a, b, (k) => k === PRINCIPALS_KIND, 'principals', notes)) {
    res.principals.compared.push(x.path);
    const before = new Map<string, Principal>();
    for await (const r of records(a, x)) if (PRINCIPAL_TYPES.has(r.type) && typeof r.Arn === 'string') before.set(r.Arn, { arn: r.Arn, type: r.type, name: principalName(r), source: x.source });
    for await (const r of records(b, y)) {
      if (!PRINCIPAL_TYPES.has(r.type) || typeof r.Arn !== 'string') continue;
      if (before.has(r.Arn)) before.delete(r.Arn);
      else res.principals.added.push({ arn: r.Arn, type: r.type, name: principalName(r), source: y.source });
    }
    res.principals.removed.push(...before.values());
  }

  // secrets
  for (const [x, y] of pairs(a, b, (k) => k === SECRETS_KIND, 'secrets', notes)) {
    res.secrets.compared.push(x.path);
    const before = new Map<string, { name: string | null; RotationEnabled: unknown; LastRotatedDate: unknown }>();
    for await (const r of records(a, x)) if (typeof r.ARN === 'string') before.set(r.ARN, { name: r.Name ?? null, RotationEnabled: r.RotationEnabled ?? null, LastRotatedDate: r.LastRotatedDate ?? null });
    for await (const r of records(b, y)) {
      if (typeof r.ARN !== 'string') continue;
      const p = before.get(r.ARN);
      const row = { arn: r.ARN, name: (r.Name ?? null) as string | null, source: y.source };
      if (!p) {
        res.secrets.added.push(row);
        continue;
      }
      before.delete(r.ARN);
      for (const field of ['RotationEnabled', 'LastRotatedDate'] as const) {
        const to = r[field] ?? null;
        if (JSON.stringify(p[field]) !== JSON.stringify(to)) res.secrets.changed.push({ ...row, field, from: p[field], to });
      }
    }
    for (const [arn, p] of before) res.secrets.removed.push({ arn, name: p.name, source: x.source });
  }

  // model versions, aliases and (MLflow) stages, from any *.versions snapshot
  for (const [x, y] of pairs(a, b, (k) => k.endsWith(VERSIONS_SUFFIX), 'model versions', notes)) {
    res.models.compared.push(x.path);
    const read = async (s: Side, e: ArtifactEntry) => {
      const versions = new Set<string>();
      const aliases = new Map<string, string>();
      // version → stage, only for records that carry one (Vertex versions have none)
      const stages = new Map<string, string | null>();
      for await (const r of records(s, e)) {
        const model = r.model ?? r.name ?? r.modelName ?? r.displayName;
        const version = r.version ?? r.versionId;
        if (model === undefined || version === undefined) continue;
        versions.add(`${model}\n${version}`);
        const list = Array.isArray(r.aliases) ? r.aliases : Array.isArray(r.versionAliases) ? r.versionAliases : [];
        for (const al of list) aliases.set(`${model}\n${al}`, String(version));
        if ('current_stage' in r) stages.set(`${model}\n${version}`, typeof r.current_stage === 'string' && r.current_stage !== '' ? r.current_stage : null);
      }
      return { versions, aliases, stages };
    };
    const A = await read(a, x);
    const B = await read(b, y);
    const mv = (k: string): ModelVersion => {
      const [model, version] = k.split('\n') as [string, string];
      return { kind: y.kind, source: y.source, model, version };
    };
    for (const k of B.versions) if (!A.versions.has(k)) res.models.versionsAdded.push(mv(k));
    for (const k of A.versions) if (!B.versions.has(k)) res.models.versionsRemoved.push(mv(k));
    for (const k of new Set([...A.aliases.keys(), ...B.aliases.keys()])) {
      const from = A.aliases.get(k) ?? null;
      const to = B.aliases.get(k) ?? null;
      if (from === to) continue;
      const [model, alias] = k.split('\n') as [string, string];
      res.models.aliases.push({ kind: y.kind, source: y.source, model, alias, from, to });
    }
    // a stage is compared only for a version both snapshots hold: a new version's stage is in versionsAdded
    for (const [k, to] of B.stages) {
      if (!A.stages.has(k)) continue;
      const from = A.stages.get(k)!;
      if ((from ?? 'None') === (to ?? 'None')) continue;
      const [model, version] = k.split('\n') as [string, string];
      res.models.stages.push({ kind: y.kind, source: y.source, model, version, from, to });
    }
  }

  // findings and privileges
  const fa = await findingsOf(a);
  const fb = await findingsOf(b);
  const key = (f: Finding) => `${f.check}\n${f.source}\n${scopeLabel(f.scope)}`;
  const mapA = new Map(fa.map((f) => [key(f), f]));
  const mapB = new Map(fb.map((f) => [key(f), f]));
  for (const k of new Set([...mapA.keys(), ...mapB.keys()])) {
    const x = mapA.get(k);
    const y = mapB.get(k);
    const base = { check: (x ?? y)!.check, source: String((x ?? y)!.source ?? ''), scope: scopeLabel((x ?? y)!.scope) };
    const from = x?.status ?? 'absent';
    const to = y?.status ?? 'absent';
    if (to === 'fail' && from !== 'fail') res.findings.startedFailing.push({ ...base, from, to, summary: y!.summary });
    if (from === 'fail' && to !== 'fail') res.findings.stoppedFailing.push({ ...base, from, to, summary: y?.summary ?? 'not run in the second bundle' });
    const privilege = PRIVILEGE_CHECKS[base.check];
    if (!privilege) continue;
    const ran = (f?: Finding) => f && (f.status === 'pass' || f.status === 'fail');
    if (!ran(x) || !ran(y)) {
      notes.push(`privileges: ${base.check} ${base.source} ${base.scope} did not run in both bundles (${from} → ${to}); not compared`);
      continue;
    }
    const ex = (f: Finding) => new Map((f.exceptions ?? []).map((e) => [e.resource, e.reason]));
    const ea = ex(x!);
    const eb = ex(y!);
    for (const [r, reason] of eb) if (!ea.has(r)) res.privileges.gained.push({ ...base, privilege, principal: r, reason });
    for (const [r, reason] of ea) if (!eb.has(r)) res.privileges.lost.push({ ...base, privilege, principal: r, reason });
  }
  return res;
}

/** Strips terminal control characters from collected strings before they reach a terminal. */
const t = (v: unknown) => String(v ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');

export function renderDiffText(d: DiffResult): string {
  const L: string[] = [];
  L.push(`diff ${d.a.id} (${d.a.status}) → ${d.b.id} (${d.b.status})`, '');
  const section = (title: string, counts: string, compared: boolean, lines: string[]) => {
    L.push(`${title}: ${compared ? counts : 'not compared (not in both bundles)'}`);
    for (const l of lines) L.push('  ' + l);
    L.push('');
  };
  const P = d.principals;
  section('Principals', `${P.added.length} added, ${P.removed.length} removed`, P.compared.length > 0, [
    ...P.added.map((p) => `+ ${t(p.type).padEnd(5)} ${t(p.arn)}`),
    ...P.removed.map((p) => `- ${t(p.type).padEnd(5)} ${t(p.arn)}`),
  ]);
  const G = d.privileges;
  section('Admin / ML privileges', `${G.gained.length} gained, ${G.lost.length} lost`, true, [
    ...G.gained.map((g) => `+ ${g.privilege.padEnd(5)} ${t(g.principal)} (${t(g.source)} ${t(g.scope)}): ${t(g.reason)}`),
    ...G.lost.map((g) => `- ${g.privilege.padEnd(5)} ${t(g.principal)} (${t(g.source)} ${t(g.scope)})`),
  ]);
  const S = d.secrets;
  section('Secrets', `${S.added.length} added, ${S.removed.length} removed, ${S.changed.length} rotation change(s)`, S.compared.length > 0, [
    ...S.added.map((s) => `+ ${t(s.arn)}`),
    ...S.removed.map((s) => `- ${t(s.arn)}`),
    ...S.changed.map((s) => `~ ${t(s.arn)} ${s.field}: ${t(JSON.stringify(s.from))} → ${t(JSON.stringify(s.to))}`),
  ]);
  const M = d.models;
  section('Model versions and aliases', `${M.versionsAdded.length} version(s) added, ${M.versionsRemoved.length} removed, ${M.aliases.length} alias change(s), ${M.stages.length} stage change(s)`, M.compared.length > 0, [
    ...M.versionsAdded.map((v) => `+ ${t(v.model)} v${t(v.version)} (${t(v.kind)})`),
    ...M.versionsRemoved.map((v) => `- ${t(v.model)} v${t(v.version)} (${t(v.kind)})`),
    ...M.aliases.map((x) => `~ ${t(x.model)} @${t(x.alias)}: ${x.from === null ? '∅' : 'v' + t(x.from)} → ${x.to === null ? '∅' : 'v' + t(x.to)}`),
    ...M.stages.map((x) => `~ ${t(x.model)} v${t(x.version)} stage: ${t(x.from ?? 'None')} → ${t(x.to ?? 'None')}`),
  ]);
  const F = d.findings;
  section('Findings', `${F.startedFailing.length} started failing, ${F.stoppedFailing.length} stopped failing`, true, [
    ...F.startedFailing.map((f) => `✗ ${t(f.check)} ${t(f.source)} ${t(f.scope)}: ${f.from} → ${f.to}: ${t(f.summary)}`),
    ...F.stoppedFailing.map((f) => `✓ ${t(f.check)} ${t(f.source)} ${t(f.scope)}: ${f.from} → ${f.to}`),
  ]);
  if (d.notes.length) {
    L.push('Notes:');
    for (const n of d.notes) L.push('  ' + t(n));
    L.push('');
  }
  return L.join('\n');
}
