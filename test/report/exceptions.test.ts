// The exception register over the period: state exceptions open, close and reopen; event exceptions
// (declared by the check) never resolve; an errored run's exceptions reach the register marked as found
// on incomplete evidence; management responses are joined and the unanswered old ones listed.
// Bundles are written with the real BundleWriter (test/report/fixtures.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport, type ReportInput } from '../../src/report/aggregate.js';
import { renderCsv } from '../../src/report/csv.js';
import { ExceptionsAggregator, eventChecksOf } from '../../src/report/exceptions.js';
import { renderMarkdown } from '../../src/report/markdown.js';
import type { ReportModel } from '../../src/report/model.js';
import { applyResponses, loadResponses } from '../../src/report/responses.js';
import { runCli, tmpDir } from '../helpers/cli.js';
import { MLF, writeDay, type Builder, type Target } from './fixtures.js';

const mappings = loadMappings();
const A = '111111111111';
const iam: Target = { collector: 'aws-iam', source: 'main', system: 'aws', scope: { account: A }, segments: [A] };
const at = (d: number) => new Date(Date.UTC(2026, 4, d, 2));
const date = (d: number) => `2026-05-${String(d).padStart(2, '0')}`;
const ROOT = `arn:aws:iam::${A}:root`;
const PROMO = 'fraud-model v7 → alias production (2026-05-01..2026-05-02)';

/** One bundle per day; `days[d]` writes that day's findings. */
async function evidence(days: Record<number, (b: Builder) => void>): Promise<string> {
  const ev = path.join(tmpDir('soc2-exc-'), 'evidence');
  for (const [d, build] of Object.entries(days)) await writeDay(ev, { at: at(Number(d)), build: async (b) => build(b) });
  return ev;
}

async function report(ev: string, extra: Partial<ReportInput> = {}): Promise<ReportModel> {
  const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security'], organization: null, mappings, allowUnverified: false, eventChecks: eventChecksOf(collectors), ...extra });
  if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
  return r.model;
}

const csvOf = (m: ReportModel, file: string) => {
  const [head, ...rows] = renderCsv(m).find((f) => f.path === file)!.text.trim().split('\r\n');
  const cols = head!.split(',');
  return rows.map((r) => Object.fromEntries(r.split(',').map((v, i) => [cols[i], v])));
};

describe('event exceptions', () => {
  it('the checks declare which exceptions are events: unapproved promotions and missed rotations', () => {
    expect([...eventChecksOf(collectors)].sort()).toEqual(['aws-secrets-manager.rotated-on-schedule', 'mlflow-registry.promotions-approved', 'vertex-registry.promotions-approved']);
  });

  it('an unapproved promotion followed by an approved one stays a deviation: it is never "resolved"', async () => {
    const ev = await evidence({
      2: (b) => b.finding(MLF, 'mlflow-registry.promotions-approved', 'fail', [{ resource: PROMO, reason: 'no approved_by tag' }]),
      3: (b) => b.finding(MLF, 'mlflow-registry.promotions-approved', 'pass'),
      4: (b) => b.finding(MLF, 'mlflow-registry.promotions-approved', 'pass'),
    });
    const m = await report(ev);
    expect(m.exceptions).toHaveLength(1);
    expect(m.exceptions[0]).toMatchObject({ resource: PROMO, type: 'event', status: 'open', resolved: null, occurrences: 1, firstSeen: { date: date(2) }, ageDays: 2 });
    expect(m.summary.exceptions).toMatchObject({ total: 1, open: 1, resolved: 0, events: 1 });
    expect(csvOf(m, 'exceptions.csv')[0]).toMatchObject({ status: 'open', type: 'event', resolved: '', period_intervals: `${date(2)}..event` });
    expect(renderMarkdown(m)).toContain('open (event: never resolves by itself)');
  });

  it('a finding that records exceptionType event is one, whatever the registry says', async () => {
    const ev = await evidence({
      1: (b) => {
        b.finding(iam, 'custom.privileged-grant', 'fail', [{ resource: 'bob', reason: 'granted AdministratorAccess' }]);
        b.findings[0]!.exceptionType = 'event';
      },
      2: (b) => b.finding(iam, 'custom.privileged-grant', 'pass'),
    });
    expect((await report(ev, { eventChecks: new Set() })).exceptions[0]).toMatchObject({ type: 'event', status: 'open', resolved: null });
  });
});

describe('state exceptions', () => {
  it('open while failing, close when the resource passes, reopen on recurrence, each interval recorded', async () => {
    const fail = (b: Builder) => b.finding(iam, 'aws-iam.root-mfa', 'fail', [{ resource: ROOT, reason: 'root has no MFA' }]);
    const pass = (b: Builder) => b.finding(iam, 'aws-iam.root-mfa', 'pass');
    const m = await report(await evidence({ 1: fail, 2: fail, 3: pass, 4: fail, 5: fail }));
    const [e] = m.exceptions;
    expect(e).toMatchObject({ type: 'state', status: 'open', resolved: null, occurrences: 4, firstSeen: { date: date(1) }, lastSeen: { date: date(5) } });
    expect(e!.periods.map((p) => [p.firstSeen.date, p.lastSeen.date, p.resolved?.date ?? null])).toEqual([
      [date(1), date(2), date(3)],
      [date(4), date(5), null],
    ]);
    expect(csvOf(m, 'exceptions.csv')[0]).toMatchObject({ periods: '2', period_intervals: `${date(1)}..${date(3)} ${date(4)}..open` });
  });

  it('a resource that is gone (no longer listed) closes its exception', async () => {
    const m = await report(
      await evidence({
        1: (b) => b.finding(iam, 'aws-iam.console-users-mfa', 'fail', [{ resource: 'alice', reason: 'no MFA' }, { resource: 'bob', reason: 'no MFA' }]),
        2: (b) => b.finding(iam, 'aws-iam.console-users-mfa', 'fail', [{ resource: 'bob', reason: 'no MFA' }]),
      }),
    );
    expect(m.exceptions.map((e) => [e.resource, e.status, e.resolved?.date ?? null])).toEqual([
      ['alice', 'resolved', date(2)],
      ['bob', 'open', null],
    ]);
  });
});

describe('exceptions found on incomplete evidence', () => {
  it('an error finding carries its exceptions into the register, marked, and resolves nothing', async () => {
    const m = await report(
      await evidence({
        1: (b) => b.finding(iam, 'aws-iam.external-trust', 'fail', [{ resource: 'role/Vendor', reason: 'trusts 999999999999' }]),
        // one trust policy unreadable: the check errs, but the external grants it did read are real
        2: (b) => b.finding(iam, 'aws-iam.external-trust', 'error', [{ resource: 'role/Auditor', reason: 'trusts 888888888888' }], 'role/Locked: policy unreadable'),
        3: (b) => b.finding(iam, 'aws-iam.external-trust', 'fail', [{ resource: 'role/Vendor', reason: 'trusts 999999999999' }]),
      }),
    );
    const by = Object.fromEntries(m.exceptions.map((e) => [e.resource, e]));
    expect(by['role/Auditor']).toMatchObject({ incompleteEvidence: 1, occurrences: 1, status: 'resolved', resolved: { date: date(3) } });
    // the errored day did not list Vendor, yet could not show it was gone: still one period
    expect(by['role/Vendor']).toMatchObject({ incompleteEvidence: 0, status: 'open', occurrences: 2 });
    expect(by['role/Vendor']!.periods).toHaveLength(1);
    expect(m.summary.exceptions.incompleteEvidence).toBe(1);
    expect(renderMarkdown(m)).toContain('found on incomplete evidence (1 of 1)');
  });
});

describe('management responses', () => {
  const dir = tmpDir('soc2-resp-');
  const write = (name: string, text: string) => {
    const f = path.join(dir, name);
    writeFileSync(f, text);
    return f;
  };

  it('are joined by exception id or by check and resource; old unanswered ones are listed; unmatched entries are named', async () => {
    const ev = await evidence({
      1: (b) => {
        b.finding(iam, 'aws-iam.root-mfa', 'fail', [{ resource: ROOT, reason: 'root has no MFA' }]);
        b.finding(iam, 'aws-iam.console-users-mfa', 'fail', [{ resource: 'alice', reason: 'no MFA' }, { resource: 'bob', reason: 'no MFA' }]);
      },
      20: (b) => b.finding(iam, 'aws-iam.root-mfa', 'fail', [{ resource: ROOT, reason: 'root has no MFA' }]),
    });
    const first = await report(ev);
    const rootId = first.exceptions.find((e) => e.resource === ROOT)!.id;
    const file = write(
      'responses.yaml',
      `responses:
  - exception: ${rootId}
    response: Root MFA hardware key ordered; root is locked in the vault meanwhile.
    owner: Security (J. Doe)
    rootCause: Account created before the MFA policy
    remediation: Enable hardware MFA on root
    ticket: https://jira.example.com/browse/SEC-42
    respondedAt: 2026-05-03
  - check: aws-iam.console-users-mfa
    resource: alice
    response: alice left; user to be removed
    owner: IT
  - check: aws-iam.console-users-mfa
    resource: carol
    response: nothing to see
    owner: IT
`,
    );
    const m = await report(ev, { responses: { file, entries: loadResponses(file) }, responseDueDays: 14 });
    const by = Object.fromEntries(m.exceptions.map((e) => [e.resource, e]));
    expect(by[ROOT]!.response).toEqual({ response: 'Root MFA hardware key ordered; root is locked in the vault meanwhile.', owner: 'Security (J. Doe)', rootCause: 'Account created before the MFA policy', remediation: 'Enable hardware MFA on root', ticket: 'https://jira.example.com/browse/SEC-42', respondedAt: '2026-05-03', entry: 'responses[0]' });
    expect(by['alice']!.response).toMatchObject({ owner: 'IT', entry: 'responses[1]' });
    expect(by['bob']).toMatchObject({ response: null, ageDays: 19, responseOverdue: true });
    expect(m.responses).toEqual({ file, dueDays: 14, answered: 2, overdue: [by['bob']!.id], unmatched: ['responses[2]: check aws-iam.console-users-mfa resource carol'] });
    expect(m.summary.exceptions.withoutResponseOverdue).toBe(1);
    const rows = Object.fromEntries(csvOf(m, 'exceptions.csv').map((r) => [r.resource, r]));
    expect(rows[ROOT]).toMatchObject({ owner: 'Security (J. Doe)', ticket: 'https://jira.example.com/browse/SEC-42', response_overdue: 'false', root_cause: 'Account created before the MFA policy' });
    expect(rows['bob']).toMatchObject({ response: '', response_overdue: 'true', age_days: '19' });
    expect(renderMarkdown(m)).toContain(`**1 exception(s) without a response older than 14 days:** \`${by['bob']!.id}\``);
  });

  it('a bad responses file is one line naming the file and the path in it, exit 2, and no report', async () => {
    const ev = await evidence({ 1: (b) => b.finding(iam, 'aws-iam.root-mfa', 'pass') });
    const cases: [string, string, RegExp][] = [
      ['no-owner.yaml', 'responses:\n  - exception: 0123456789abcdef\n    response: fixed\n', /no-owner\.yaml: responses\[0\]\.owner: /],
      ['bad-ticket.yaml', 'responses:\n  - check: a.b\n    resource: r\n    response: fixed\n    owner: me\n    ticket: "javascript:alert(1)"\n', /bad-ticket\.yaml: responses\[0\]\.ticket: expected an http\(s\) URL of the ticket$/],
      ['both.yaml', 'responses:\n  - exception: 0123456789abcdef\n    check: a.b\n    response: fixed\n    owner: me\n', /both\.yaml: responses\[0\]: expected either exception \(an id\) or both check and resource$/],
      ['not-yaml.yaml', 'responses: [\n', /not-yaml\.yaml: not valid YAML: /],
      ['missing.yaml', '', /missing\.yaml: responses file not found$/],
    ];
    for (const [name, text, want] of cases) {
      const f = name === 'missing.yaml' ? path.join(dir, name) : write(name, text);
      const out = path.join(dir, `out-${name}`);
      const r = await runCli(['report', '--evidence', ev, '--out', out, '--responses', f, '--format', 'json']);
      expect(r.code, name).toBe(2);
      expect(r.stderr.trim().split('\n'), name).toHaveLength(1);
      expect(r.stderr.trim(), name).toMatch(want);
      expect(r.stderr, name).toContain(`--responses: ${f}`);
      expect(() => readFileSync(path.join(out, 'report.json')), name).toThrow();
    }
  });
});

describe('ExceptionsAggregator', () => {
  const ref = (b: string) => ({ bundle: b, path: 'findings.json', href: `ev/${b}/findings.json`, sha256: '0'.repeat(64) });
  const run = (d: number, status: string, listed: string[], type: 'state' | 'event' = 'state') => ({
    check: 'x.y',
    title: 'x',
    severity: 'high',
    source: 's',
    scope: {},
    status,
    type,
    criteria: [],
    exceptions: new Map(listed.map((r) => [r, 'why'])),
    date: date(d),
    bundle: `b${d}`,
    findingsFile: ref(`b${d}`),
  });

  it('a not_applicable run neither shows nor resolves; an error run shows and does not resolve', () => {
    const a = new ExceptionsAggregator();
    a.addRun(run(1, 'fail', ['r1']));
    a.addRun(run(2, 'not_applicable', []));
    a.addRun(run(3, 'error', []));
    a.addRun(run(4, 'error', ['r2']));
    a.addRun(run(5, 'pass', []));
    const rows = a.finish(date(6));
    expect(rows.map((r) => [r.resource, r.status, r.resolved?.date ?? null, r.incompleteEvidence, r.ageDays])).toEqual([
      ['r1', 'resolved', date(5), 0, 5],
      ['r2', 'resolved', date(5), 1, 2],
    ]);
  });

  it('overdue means no response and older than the due days, counted to the last day of the window', () => {
    const a = new ExceptionsAggregator();
    a.addRun(run(1, 'fail', ['r1'], 'event'));
    const rows = a.finish(date(31));
    expect(rows[0]!.ageDays).toBe(30);
    expect(applyResponses(rows, [], { file: null, dueDays: 29 }).overdue).toEqual([rows[0]!.id]);
    expect(applyResponses(rows, [], { file: null, dueDays: 30 }).overdue).toEqual([]);
  });
});
