// A small observation period written with the real BundleWriter, for report and diff tests:
// 2026-03-01 … 2026-03-07, one bundle a day except 03-04 (missing), 03-03 partial (an aws-iam gap),
// IAM principals and findings (an admin grant to a role named `<img src=x onerror=alert(1)>` that
// appears on 03-02 and is resolved on 03-05, a console-MFA exception resolved on 03-05, an admin
// grant to eve from 03-06, root MFA failing on 03-07), Secrets Manager secrets and rotation logs,
// MLflow version snapshots and promotion logs.
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { BUNDLE_FORMAT, type CollectorEntry, type Manifest } from '../../src/bundle/manifest.js';
import type { SigningKey } from '../../src/bundle/sign.js';
import { latestBundle } from '../../src/bundle/store.js';
import { BundleWriter } from '../../src/bundle/writer.js';
import { newBundleId } from '../../src/core/runner.js';
import { CONFIG_FORMAT, type ExpectedUnit, type StoredConfig } from '../../src/config/expected.js';
import type { Finding, FindingStatus, Gap } from '../../src/core/types.js';
import { loadMappings } from '../../src/mapping/index.js';

export const XSS = '<img src=x onerror=alert(1)>';
export const ACCOUNT = '111122223333';
export const ARN = {
  admin: `arn:aws:iam::${ACCOUNT}:role/AdminRole`,
  xss: `arn:aws:iam::${ACCOUNT}:role/${XSS}`,
  eve: `arn:aws:iam::${ACCOUNT}:user/eve`,
  bob: `arn:aws:iam::${ACCOUNT}:user/bob`,
  alice: `arn:aws:iam::${ACCOUNT}:user/alice`,
  root: `arn:aws:iam::${ACCOUNT}:root`,
  secretA: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:db-password-AbCdEf`,
  secretB: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:api-key-GhIjKl`,
  secretC: `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:=cmd|' /C calc'!A0-MnOpQr`,
};

const mappings = loadMappings();
/** kinds the shared mappings do not know yet (their collectors are in progress) */
const EXTRA_CRITERIA: Record<string, string[]> = {
  'aws.secretsmanager.secrets': ['CC6.1', 'C1.1'],
  'aws.secretsmanager.rotations': ['CC6.1'],
  'mlflow.registry.versions': ['CC8.1'],
  'mlflow.registry.promotions': ['CC8.1'],
};
const criteriaOfKind = (kind: string) => mappings.artifacts[kind]?.criteria ?? EXTRA_CRITERIA[kind] ?? [];
const criteriaOfCheck = (check: string) => mappings.checks[check]?.criteria ?? [];

export interface Target {
  collector: string;
  source: string;
  system: string;
  scope: Record<string, string>;
  segments: string[];
}
export const IAM: Target = { collector: 'aws-iam', source: 'main', system: 'aws', scope: { account: ACCOUNT }, segments: [ACCOUNT] };
export const SM: Target = { collector: 'aws-secrets-manager', source: 'main', system: 'aws', scope: { account: ACCOUNT, region: 'us-east-1' }, segments: [ACCOUNT, 'us-east-1'] };
export const MLF: Target = { collector: 'mlflow-registry', source: 'mlflow-main', system: 'mlflow', scope: { server: 'https://mlflow.example.com' }, segments: [] };

export interface DaySpec {
  at: Date;
  build(b: Builder): Promise<void>;
}

export class Builder {
  readonly findings: Finding[] = [];
  readonly collectors = new Map<string, CollectorEntry>();
  constructor(
    readonly w: BundleWriter,
    readonly at: Date,
    readonly id: string,
  ) {}

  private entry(t: Target): CollectorEntry {
    const k = `${t.collector}|${t.source}|${JSON.stringify(t.scope)}`;
    let e = this.collectors.get(k);
    if (!e) this.collectors.set(k, (e = { id: t.collector, source: t.source, scope: t.scope, status: 'ok', gaps: [], durationMs: 5, apiCalls: 3, retries: 0 }));
    return e;
  }
  private sink(t: Target, kind: string, file: string) {
    this.entry(t);
    return this.w.sink({
      collector: t.collector,
      target: { kind: t.system as 'aws', source: t.source, pathSegments: t.segments },
      declared: [{ kind, file, description: '' }],
      system: t.system,
      scope: { source: t.source, ...t.scope },
      criteriaFor: criteriaOfKind,
      now: () => this.at,
    });
  }
  async json(t: Target, kind: string, file: string, value: unknown, complete = true, notes?: Record<string, unknown>): Promise<void> {
    await this.sink(t, kind, file).json(kind, value, { operations: [{ api: `${t.collector}:Read`, params: {}, pages: 1 }], complete, ...(notes ? { notes } : {}) });
  }
  async ndjson(t: Target, kind: string, file: string, records: unknown[], complete = true): Promise<void> {
    const nd = await this.sink(t, kind, file).ndjson(kind);
    for (const r of records) await nd.write(r);
    await nd.finish({ operations: [{ api: `${t.collector}:List`, params: {}, pages: 1 }], complete });
  }
  gap(t: Target, g: Gap): void {
    const e = this.entry(t);
    e.status = 'error';
    e.gaps.push(g);
  }
  finding(t: Target, check: string, status: FindingStatus, exceptions: { resource: string; reason: string }[] = [], summary?: string): void {
    this.entry(t);
    this.findings.push({
      check,
      title: check,
      severity: 'high',
      criteria: criteriaOfCheck(check),
      status,
      summary: summary ?? (status === 'pass' ? `${check}: no exceptions` : status === 'fail' ? `${check}: ${exceptions.length} exception(s)` : `${check}: evidence incomplete`),
      exceptions,
      artifacts: [],
      collector: t.collector,
      source: t.source,
      scope: t.scope,
    });
  }
}

export interface DayOptions {
  key?: SigningKey | null;
  organization?: string | null;
  /** write config.json expecting these units (as `soc2 collect` does); without it, a bundle of before config.json */
  expected?: ExpectedUnit[];
  stream?: string | null;
  only?: string[];
  /** the manifest's tool (default soc2 0.1.0 without a build) and CI run (default none) */
  tool?: Manifest['tool'];
  ci?: Manifest['identity']['ci'];
}

export async function writeDay(evidenceDir: string, spec: DaySpec, o: DayOptions = {}): Promise<string> {
  mkdirSync(evidenceDir, { recursive: true });
  const stream = o.stream ?? null;
  const prev = latestBundle(evidenceDir, stream);
  const id = newBundleId(spec.at);
  const w = await BundleWriter.create(evidenceDir, id);
  const b = new Builder(w, spec.at, id);
  await spec.build(b);
  await w.writeFindings(b.findings);
  if (o.expected) await w.writeConfig({ format: CONFIG_FORMAT, sha256: createHash('sha256').update('config').digest('hex'), config: { sources: {} }, only: o.only ?? null, expected: o.expected } satisfies StoredConfig);
  const collectors = [...b.collectors.values()];
  const anyGap = collectors.some((c) => c.status === 'error');
  const anyOk = collectors.some((c) => c.status === 'ok');
  const summary = { pass: 0, fail: 0, error: 0, not_applicable: 0 };
  for (const f of b.findings) summary[f.status]++;
  const { dir } = await w.finalize(
    {
      format: BUNDLE_FORMAT,
      id,
      stream,
      tool: o.tool ?? { name: 'soc2', version: '0.1.0' },
      organization: o.organization === undefined ? 'Acme ML' : o.organization,
      startedAt: spec.at.toISOString(),
      finishedAt: new Date(spec.at.getTime() + 60_000).toISOString(),
      status: !anyGap ? 'complete' : anyOk ? 'partial' : 'failed',
      config: { sha256: createHash('sha256').update('config').digest('hex'), scope: ['security', 'confidentiality'], ...(o.expected ? { path: 'config.json' } : {}) },
      identity: { aws: [{ source: 'main', account: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:role/soc2-collector` }], gcp: [], mlflow: [], ci: o.ci ?? null },
      collectors,
      findings: { path: 'findings.json', summary },
      previous: prev ? { id: prev.id, manifestSha256: prev.manifestSha256 } : null,
      signing: o.key ? { algorithm: 'ed25519', keyId: o.key.keyId, publicKey: o.key.publicKeyPem } : null,
    },
    o.key ?? null,
  );
  return dir;
}

const day = (d: number, hour = 2) => new Date(Date.UTC(2026, 2, d, hour, 0, 0));
const iso = (d: number, hour = 2) => day(d, hour).toISOString();

type Rec = Record<string, unknown>;
const user = (name: string): Rec => ({ type: 'user', UserName: name, Arn: `arn:aws:iam::${ACCOUNT}:user/${name}`, GroupList: [], AttachedManagedPolicies: [] });
const role = (name: string): Rec => ({ type: 'role', RoleName: name, Arn: `arn:aws:iam::${ACCOUNT}:role/${name}`, AttachedManagedPolicies: [] });
const secret = (arn: string, name: string, lastRotated: string | null, rotationEnabled = true): Rec => ({ ARN: arn, Name: name, RotationEnabled: rotationEnabled, LastRotatedDate: lastRotated, kms: 'customer-managed' });
const version = (model: string, v: string, aliases: string[] = [], stage = 'None'): Rec => ({ model, version: v, aliases, stage, tags: {} });

interface PromoEvent {
  type: string;
  model: string;
  version: string;
  alias?: string;
  from: string | null;
  to: string | null;
  toProduction: boolean;
  actor: string | null;
  approver: string | null;
}

/** aws.iam.access-changes (collectors/aws-iam/access-changes.ts): an admin policy attached to or detached from a user. */
function accessLog(prevId: string | null, from: number | null, to: number, changes: { principal: string; change: 'policy_attached' | 'policy_detached' }[]): Rec {
  const w = { from: from === null ? null : iso(from), to: iso(to) };
  const admin = 'arn:aws:iam::aws:policy/AdministratorAccess';
  return {
    baseline: prevId === null,
    window: w,
    previousBundle: prevId,
    account: ACCOUNT,
    events: changes.map((c) => {
      const on = c.change === 'policy_attached';
      return { key: `${ACCOUNT}|${c.principal}|${c.change}`, account: ACCOUNT, principal: c.principal, principalType: 'user', principalName: c.principal.split('/').pop(), change: c.change, item: admin, before: on ? null : admin, after: on ? admin : null, itemAdmin: true, privilegeBefore: on ? 'none' : 'admin', privilegeAfter: on ? 'admin' : 'none', grants: on ? 'admin' : null, removes: on ? null : 'admin', windowFrom: w.from, windowTo: w.to, actor: null };
    }),
    otherChanges: [],
  };
}

function promoLog(prevId: string | null, from: number | null, to: number, events: PromoEvent[]): Rec {
  const w = { from: from === null ? null : iso(from), to: iso(to) };
  return {
    baseline: prevId === null,
    window: w,
    previousBundle: prevId,
    events: events.map((e) => ({
      type: e.type,
      model: e.model,
      version: e.version,
      ...(e.alias ? { alias: e.alias } : {}),
      from: e.from,
      to: e.to,
      windowFrom: w.from,
      windowTo: w.to,
      lastUpdated: null,
      actor: e.actor ? { user: e.actor, source: 'mlflow.user_id' } : null,
      toProduction: e.toProduction,
      approval: { tags: e.approver ? { approved_by: e.approver } : {}, approved: !!e.approver, approver: e.approver },
    })),
  };
}

function rotationLog(from: number | null, to: number, events: { arn: string; name: string; rotatedAt: string; previousRotatedAt: string | null }[]): Rec {
  return { baseline: from === null, window: { from: from === null ? null : iso(from), to: iso(to) }, events: events.map((e) => ({ ...e, account: ACCOUNT, region: 'us-east-1' })) };
}

/** Writes the scenario; returns the bundle dirs by day of March (4 is missing). */
export async function writeScenario(evidenceDir: string, o: { key?: SigningKey | null; organization?: string | null } = {}): Promise<Record<number, string>> {
  mkdirSync(evidenceDir, { recursive: true });
  const dirs: Record<number, string> = {};
  const id = (d: number) => path.basename(dirs[d]!);
  const admins: Record<number, string[] | 'error'> = { 1: [ARN.admin], 2: [ARN.admin, ARN.xss], 3: 'error', 5: [ARN.admin], 6: [ARN.admin, ARN.eve], 7: [ARN.admin, ARN.eve] };
  // the same grants as aws-iam's access-changes log sees them (day 4 has no bundle: a blind window)
  const access: Record<number, { principal: string; change: 'policy_attached' | 'policy_detached' }[]> = { 2: [{ principal: ARN.xss, change: 'policy_attached' }], 5: [{ principal: ARN.xss, change: 'policy_detached' }], 6: [{ principal: ARN.eve, change: 'policy_attached' }] };
  const principals: Record<number, Rec[]> = {
    1: [user('alice'), user('bob'), role('AdminRole')],
    2: [user('alice'), user('bob'), role('AdminRole'), role(XSS)],
    3: [user('alice'), user('bob'), role('AdminRole'), role(XSS)],
    5: [user('alice'), role('AdminRole'), role(XSS)],
    6: [user('alice'), user('eve'), role('AdminRole'), role(XSS)],
    7: [user('alice'), user('eve'), role('AdminRole'), role(XSS)],
  };
  const secrets: Record<number, Rec[]> = {
    1: [secret(ARN.secretA, 'db-password', '2026-02-01T00:00:00.000Z'), secret(ARN.secretB, 'api-key', null, false)],
    2: [secret(ARN.secretA, 'db-password', '2026-02-01T00:00:00.000Z'), secret(ARN.secretB, 'api-key', null, false)],
    3: [secret(ARN.secretA, 'db-password', '2026-03-02T12:00:00.000Z'), secret(ARN.secretB, 'api-key', null, false)],
    5: [secret(ARN.secretA, 'db-password', '2026-03-02T12:00:00.000Z'), secret(ARN.secretB, 'api-key', '2026-03-04T09:00:00.000Z', true), secret(ARN.secretC, "=cmd|' /C calc'!A0", null, false)],
    6: [secret(ARN.secretA, 'db-password', '2026-03-02T12:00:00.000Z'), secret(ARN.secretC, "=cmd|' /C calc'!A0", null, false)],
    7: [secret(ARN.secretA, 'db-password', '2026-03-06T08:00:00.000Z'), secret(ARN.secretC, "=cmd|' /C calc'!A0", null, false)],
  };
  const rotations: Record<number, Rec> = {
    1: rotationLog(null, 1, []),
    2: rotationLog(1, 2, []),
    3: rotationLog(2, 3, [{ arn: ARN.secretA, name: 'db-password', rotatedAt: '2026-03-02T12:00:00.000Z', previousRotatedAt: '2026-02-01T00:00:00.000Z' }]),
    5: rotationLog(3, 5, [{ arn: ARN.secretB, name: 'api-key', rotatedAt: '2026-03-04T09:00:00.000Z', previousRotatedAt: null }]),
    6: rotationLog(5, 6, []),
    7: rotationLog(6, 7, [{ arn: ARN.secretA, name: 'db-password', rotatedAt: '2026-03-06T08:00:00.000Z', previousRotatedAt: '2026-03-02T12:00:00.000Z' }]),
  };
  const versions: Record<number, Rec[]> = {
    1: [version('fraud', '1', ['champion'])],
    2: [version('fraud', '1'), version('fraud', '2', ['champion'])],
    3: [version('fraud', '1'), version('fraud', '2', ['champion'])],
    5: [version('fraud', '1'), version('fraud', '2', ['champion']), version('fraud', '3')],
    6: [version('fraud', '1'), version('fraud', '2'), version('fraud', '3', ['champion'])],
    7: [version('fraud', '1'), version('fraud', '2'), version('fraud', '3', ['champion']), version('churn', '1', ['production'])],
  };
  const ev = (type: string, model: string, v: string, x: Partial<PromoEvent> = {}): PromoEvent => ({ type, model, version: v, from: null, to: v, toProduction: false, actor: 'dave@acme.ml', approver: null, ...x });
  const promos: Record<number, PromoEvent[]> = {
    2: [ev('version_created', 'fraud', '2'), ev('alias_moved', 'fraud', '2', { alias: 'champion', from: '1', to: '2', toProduction: true, approver: 'carol@acme.ml' })],
    3: [],
    5: [ev('version_created', 'fraud', '3', { actor: XSS })],
    6: [ev('alias_moved', 'fraud', '3', { alias: 'champion', from: '2', to: '3', toProduction: true, actor: 'mallory@acme.ml' })],
    7: [ev('version_created', 'churn', '1', { actor: '=HYPERLINK("http://evil.example","x")' }), ev('alias_added', 'churn', '1', { alias: 'production', toProduction: true, approver: 'carol@acme.ml' })],
  };
  let prevDay: number | null = null;
  for (const d of [1, 2, 3, 5, 6, 7]) {
    const pd: number | null = prevDay;
    dirs[d] = await writeDay(
      evidenceDir,
      {
        at: day(d),
        async build(b) {
          await b.ndjson(IAM, 'aws.iam.authorization-details', 'authorization-details.ndjson', principals[d]!);
          await b.json(IAM, 'aws.iam.account-summary', 'account-summary.json', { AccountMFAEnabled: d === 7 ? 0 : 1 });
          await b.json(IAM, 'aws.iam.access-changes', 'access-changes.json', accessLog(pd === null ? null : id(pd), pd, d, access[d] ?? []));
          if (d === 3) b.gap(IAM, { api: 'iam:GenerateCredentialReport', code: 'AccessDenied', message: 'User is not authorized to perform: iam:GenerateCredentialReport' });
          else await b.json(IAM, 'aws.iam.credential-report', 'credential-report.json', { rows: [] });
          b.finding(IAM, 'aws-iam.root-mfa', d === 7 ? 'fail' : 'pass', d === 7 ? [{ resource: ARN.root, reason: 'AccountMFAEnabled = 0' }] : []);
          const a = admins[d]!;
          if (a === 'error') b.finding(IAM, 'aws-iam.admin-principals', 'error');
          else b.finding(IAM, 'aws-iam.admin-principals', a.length ? 'fail' : 'pass', a.map((r) => ({ resource: r, reason: 'Allow * on * via attached policy arn:aws:iam::aws:policy/AdministratorAccess' })));
          if (d === 3) b.finding(IAM, 'aws-iam.console-users-mfa', 'error');
          else if (d <= 2) b.finding(IAM, 'aws-iam.console-users-mfa', 'fail', [{ resource: ARN.bob, reason: 'console password enabled, no MFA device' }]);
          else b.finding(IAM, 'aws-iam.console-users-mfa', 'pass');
          await b.ndjson(SM, 'aws.secretsmanager.secrets', 'secrets.ndjson', secrets[d]!);
          await b.json(SM, 'aws.secretsmanager.rotations', 'rotations.json', rotations[d]!);
          await b.ndjson(MLF, 'mlflow.registry.versions', 'versions.ndjson', versions[d]!);
          await b.json(MLF, 'mlflow.registry.promotions', 'promotions.json', promoLog(pd === null ? null : id(pd), pd, d, promos[d] ?? []));
        },
      },
      o,
    );
    prevDay = d;
  }
  return dirs;
}

/** `n` daily bundles (for timing): IAM + rotation + promotion artifacts and three findings each. */
export async function writeYear(evidenceDir: string, n: number, start = new Date(Date.UTC(2025, 10, 1, 2))): Promise<void> {
  mkdirSync(evidenceDir, { recursive: true });
  let prev: { id: string; at: Date } | null = null;
  for (let i = 0; i < n; i++) {
    const at = new Date(start.getTime() + i * 86_400_000);
    const p: { id: string; at: Date } | null = prev;
    const dir = await writeDay(evidenceDir, {
      at,
      async build(b) {
        const users = Array.from({ length: 200 }, (_, k) => user(`u${k}`));
        await b.ndjson(IAM, 'aws.iam.authorization-details', 'authorization-details.ndjson', users);
        await b.json(IAM, 'aws.iam.account-summary', 'account-summary.json', { AccountMFAEnabled: 1 });
        b.finding(IAM, 'aws-iam.root-mfa', 'pass');
        b.finding(IAM, 'aws-iam.admin-principals', 'fail', [{ resource: ARN.admin, reason: 'Allow * on *' }, ...(i % 30 < 3 ? [{ resource: `arn:aws:iam::${ACCOUNT}:user/temp${Math.floor(i / 30)}`, reason: 'Allow * on *' }] : [])]);
        b.finding(IAM, 'aws-iam.console-users-mfa', i % 50 === 0 ? 'fail' : 'pass', i % 50 === 0 ? [{ resource: ARN.bob, reason: 'no MFA' }] : []);
        await b.json(SM, 'aws.secretsmanager.rotations', 'rotations.json', {
          baseline: !p,
          window: { from: p ? p.at.toISOString() : null, to: at.toISOString() },
          events: i % 7 === 0 ? [{ arn: ARN.secretA, name: 'db-password', account: ACCOUNT, region: 'us-east-1', rotatedAt: at.toISOString(), previousRotatedAt: null }] : [],
        });
        await b.json(MLF, 'mlflow.registry.promotions', 'promotions.json', {
          baseline: !p,
          window: { from: p ? p.at.toISOString() : null, to: at.toISOString() },
          previousBundle: p?.id ?? null,
          events: p && i % 3 === 0 ? [{ type: 'version_created', model: 'fraud', version: String(i), from: null, to: String(i), windowFrom: p.at.toISOString(), windowTo: at.toISOString(), lastUpdated: null, actor: { user: 'ci', source: 'mlflow' }, toProduction: false, approval: { tags: {}, approved: false, approver: null } }] : [],
        });
      },
    });
    prev = { id: path.basename(dir), at };
  }
}
