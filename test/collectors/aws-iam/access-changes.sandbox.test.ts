// aws-iam's access-changes log and the privileged-access population, against the AWS sandbox: three
// collections (days 1, 2 and 4; day 3 skipped) with IAM changed between them, through the real
// runner, bundle writer and report. The actor and exact time come from CloudTrail LookupEvents when
// aws-audit-trail ran in the same bundle; otherwise "unknown". The skipped day is a blind window.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors as registry } from '../../../collectors/registry.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/core/log.js';
import { runCollection, type RunResult } from '../../../src/core/runner.js';
import { loadMappings } from '../../../src/mapping/index.js';
import { buildReport } from '../../../src/report/aggregate.js';
import type { ReportModel } from '../../../src/report/model.js';
import { startAwsSandbox, type AwsSandbox, type AwsSeed } from '../../../src/sandbox/aws/index.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import '../../../src/clients/preparers.js';

const ACCOUNT = '111122223333';
// CloudTrail keeps 90 days of history (the sandbox too, by its own clock): days of the test lie 10 days back
const DAY0 = Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate()) - 10 * 86_400_000;
/** day n of the test (1-based) at hh:mm UTC, ISO */
const at = (n: number, hh = 10, mm = 0) => new Date(DAY0 + (n - 1) * 86_400_000 + (hh * 60 + mm) * 60_000).toISOString();
const day = (n: number) => at(n).slice(0, 10);
const ADMIN = 'arn:aws:iam::aws:policy/AdministratorAccess';
const READ = 'arn:aws:iam::aws:policy/ReadOnlyAccess';
const arn = (k: string) => `arn:aws:iam::${ACCOUNT}:${k}`;
const mallory = { type: 'IAMUser', arn: arn('user/mallory'), userName: 'mallory', principalId: 'AIDAMALLORY', accountId: ACCOUNT };
const trust = (principal: Record<string, unknown>) => ({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole' }] });
const policy = (name: string, a: string, action: string) => ({ name, arn: a, created: '2015-02-06T18:39:46Z', versions: [{ id: 'v1', document: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] } }] });
const user = (name: string, extra: Record<string, unknown> = {}) => ({ name, created: '2026-01-02T09:00:00Z', mfa: true, password: null, accessKeys: [], ...extra });

function seed(): AwsSeed {
  return {
    accounts: [
      {
        id: ACCOUNT,
        callerArn: arn('assumed-role/soc2-evidence-collector/ci'),
        iam: {
          users: [user('alice'), user('bob', { attachedPolicies: [READ] }), user('mallory')],
          groups: [{ name: 'admins', created: '2026-01-02T09:00:00Z', attachedPolicies: [ADMIN] }],
          roles: [{ name: 'deployer', created: '2026-01-02T09:00:00Z', trustPolicy: trust({ AWS: arn('root') }), attachedPolicies: [ADMIN] }],
          managedPolicies: [policy('AdministratorAccess', ADMIN, '*'), policy('ReadOnlyAccess', READ, 's3:Get*')],
          passwordPolicy: null,
          root: { mfa: true, accessKeys: [] },
          samlProviders: [],
          oidcProviders: [],
        },
        secrets: {},
        cloudtrail: { trails: [{ name: 'org-trail', homeRegion: 'us-east-1', bucket: 'trail-logs', multiRegion: true, logFileValidation: true }], events: { 'us-east-1': [] } },
      },
    ],
  } as AwsSeed;
}

describe('privileged-access population from aws.iam.access-changes (sandbox, three collections)', () => {
  let sb: AwsSandbox;
  let base: string;
  const runs: RunResult[] = [];
  let m: ReportModel;
  const saved = { ...process.env };

  const collect = async (at: string, collectors: string[]) => {
    const cfg = writeConfig(base, `sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [${collectors.join(', ')}]\nsettings:\n  aws-audit-trail:\n    settleMinutes: 0\n`);
    const log = createLogger({ quiet: true, secrets: [], write: () => undefined });
    const r = await runCollection({ loaded: loadConfig(cfg, registry), collectors: registry, mappings: loadMappings(), evidenceDir: path.join(base, 'evidence'), now: () => new Date(at), signKey: null, log, env: process.env });
    runs.push(r);
    return r;
  };
  const accessLog = async (r: RunResult) => {
    const { artifactReader } = await import('../../../src/bundle/store.js');
    return artifactReader(r.dir, r.manifest.artifacts, `artifacts/main/aws-iam`).readJson<any>('aws.iam.access-changes');
  };

  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: seed(), credentialReportPolls: 0 });
    Object.assign(process.env, awsEnv(sb.url));
    base = tmpDir('soc2-access-changes-');
    await collect(at(1), ['aws-iam']);

    // between day 1 and day 2: admin policy to bob, alice into admins, the admin role trusts another account
    const iam = sb.state.accounts[0]!.iam;
    iam.users.find((u) => u.name === 'bob')!.attachedPolicies!.push(ADMIN);
    iam.users.find((u) => u.name === 'alice')!.groups = ['admins'];
    iam.roles[0]!.trustPolicy = trust({ AWS: ['arn:aws:iam::999988887777:root', arn('root')] });
    iam.users.push(user('temp'));
    sb.state.accounts[0]!.cloudtrail!.events!['us-east-1']!.push(
      { id: 'evt-attach', name: 'AttachUserPolicy', source: 'iam.amazonaws.com', time: at(1, 14, 5), userIdentity: mallory, resources: [{ type: 'AWS::IAM::Policy', name: ADMIN }, { type: 'AWS::IAM::User', name: 'bob' }] },
      { id: 'evt-group', name: 'AddUserToGroup', source: 'iam.amazonaws.com', time: at(1, 15), userIdentity: mallory, resources: [{ type: 'AWS::IAM::Group', name: 'admins' }, { type: 'AWS::IAM::User', name: 'alice' }] },
      { id: 'evt-trust', name: 'UpdateAssumeRolePolicy', source: 'iam.amazonaws.com', time: at(1, 16), userIdentity: mallory, resources: [{ type: 'AWS::IAM::Role', name: 'deployer' }] },
      // the same user changed before the window: not this row's actor
      { id: 'evt-old', name: 'AttachUserPolicy', source: 'iam.amazonaws.com', time: at(0, 9), userIdentity: { ...mallory, arn: arn('user/old') }, resources: [{ type: 'AWS::IAM::User', name: 'bob' }] },
    );
    await collect(at(2), ['aws-iam', 'aws-audit-trail']);

    // day 3: no collection. Before day 4: alice leaves admins (no CloudTrail run: actor unknown)
    iam.users.find((u) => u.name === 'alice')!.groups = [];
    await collect(at(4), ['aws-iam']);

    const r = await buildReport({ evidenceDir: path.join(base, 'evidence'), window: { from: day(1), to: day(4) }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: true, now: new Date(at(5, 0)) });
    if (!r.ok) throw new Error('integrity');
    m = r.model;
  }, 90_000);
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await sb?.close();
  });

  it('the first bundle of the stream is a baseline; the next compares with it', async () => {
    const first = await accessLog(runs[0]!);
    expect(first).toMatchObject({ baseline: true, previousBundle: null, events: [], otherChanges: [] });
    const second = await accessLog(runs[1]!);
    expect(second).toMatchObject({ baseline: false, previousBundle: runs[0]!.manifest.id, account: ACCOUNT });
    // a user created without privileges is a change, but not a privileged one
    expect(second.otherChanges.map((c: any) => [c.principalName, c.change])).toEqual([['temp', 'principal_created']]);
    expect(second.events).toHaveLength(3);
  });

  it('lists each grant with the privilege before and after, and the actor and time from CloudTrail', () => {
    const p = m.populations.privilegedAccess;
    const rows = p.rows.map((r) => ({ principal: r.principalName, change: r.change, item: r.item, before: r.privilegeBefore, after: r.privilegeAfter, grants: r.grants, removes: r.removes, actor: r.actor, at: r.actorEventTime ?? null, date: r.date }));
    // by window end, then key (account, principal ARN: role/… before user/…)
    expect(rows).toEqual([
      { principal: 'deployer', change: 'trust_policy_changed', item: null, before: 'admin, ml', after: 'admin, ml', grants: null, removes: null, actor: mallory.arn, at: at(1, 16), date: day(2) },
      { principal: 'alice', change: 'group_added', item: 'admins', before: 'none', after: 'admin, ml', grants: 'admin, ml', removes: null, actor: mallory.arn, at: at(1, 15), date: day(2) },
      { principal: 'bob', change: 'policy_attached', item: ADMIN, before: 'none', after: 'admin, ml', grants: 'admin, ml', removes: null, actor: mallory.arn, at: at(1, 14, 5), date: day(2) },
      { principal: 'alice', change: 'group_removed', item: 'admins', before: 'admin, ml', after: 'none', grants: null, removes: 'admin, ml', actor: 'unknown', at: null, date: day(4) },
    ]);
    const trustRow = p.rows.find((r) => r.change === 'trust_policy_changed')!;
    expect(trustRow.after).toContain('arn:aws:iam::999988887777:root');
    expect(trustRow.actorSource).toMatch(/^UpdateAssumeRolePolicy evt-trust \(/);
    expect(p.rows.find((r) => r.principalName === 'bob')!).toMatchObject({ itemAdmin: true, account: ACCOUNT, windowFrom: at(1), windowTo: at(2) });
    expect(new Set(p.rows.map((r) => r.key)).size).toBe(p.rows.length);
    expect(p.info).toContain('actor "unknown" on 1 of 4 rows: the system does not record who made the change (an audit-log source such as CloudTrail would); the change is known to the window between two collections.');
  });

  it('the skipped day is a blind window, so the population is not complete', () => {
    const p = m.populations.privilegedAccess;
    expect(p.blindWindows).toEqual([{ series: `main/aws-iam (account=${ACCOUNT})`, from: at(2), to: at(4), reason: `no collection on ${day(3)}: a change made and undone between the two collections is not seen` }]);
    expect(p.complete).toBe(false);
    expect(p.baselines.map((b) => b.date)).toEqual([day(1)]);
  });
});
