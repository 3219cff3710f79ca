// Access reviews in process: the worksheet built from a signed bundle, every refusal rule of submit
// (one line, exit 2, nothing recorded), and the remediation of revoke decisions judged in the report.
import { chmodSync, existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listPending } from '../../src/bundle/manual.js';
import { signManifest } from '../../src/bundle/sign.js';
import { loadTrustedKey } from '../../src/bundle/trust.js';
import { evidenceDirOf, loadAll } from '../../src/commands/evidence.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport } from '../../src/report/aggregate.js';
import { REMEDIATION_CHECK } from '../../src/review/remediation.js';
import { startReview } from '../../src/review/start.js';
import { submitReview } from '../../src/review/submit.js';
import { readWorksheet, renderWorksheetCsv, type WorksheetRow } from '../../src/review/worksheet.js';
import { bundlePrincipals, SYSTEMS } from '../../src/review/principals.js';
import { NO_OWNERS } from '../../src/review/owners.js';
import { openBundle } from '../../src/review/review.js';
import { arn, BASE, day, reviewWorkspace, writeIamDay } from './fixtures.js';

type W = Awaited<ReturnType<typeof reviewWorkspace>>;

async function start(w: W, systems = [...SYSTEMS]) {
  const { loaded, register } = await loadAll(w.config);
  const trustedKeys = [loadTrustedKey(path.join(w.dir, 'key.pub.pem'), '--public-key')];
  const r = await startReview({ loaded, controls: register.controls, control: 'access-review', systems, evidenceDir: evidenceDirOf({}, loaded), trustedKeys, out: path.join(w.dir, 'review') });
  return { ...r, loaded, register, trustedKeys, original: readFileSync(r.csv, 'utf8') };
}

/** Fills the worksheet (edit gets every row), writes it back, submits it as `reviewer`. */
async function submit(w: W, s: Awaited<ReturnType<typeof start>>, edit: (rows: WorksheetRow[]) => WorksheetRow[], o: { reviewer?: string; now?: boolean; at?: Date } = {}) {
  const rows = edit(readWorksheet(s.original, s.csv));
  writeFileSync(s.csv, renderWorksheetCsv(rows));
  return submitReview(s.csv, { reviewer: o.reviewer ?? 'Sam', now: o.now, signKey: o.now ? path.join(w.dir, 'key.pem') : undefined, loaded: s.loaded, controls: s.register.controls, evidenceDir: w.evidence, trustedKeys: s.trustedKeys }, {}, () => o.at ?? day(1));
}

const keepAll = (rows: WorksheetRow[]) => rows.map((r) => ({ ...r, decision: 'keep', justification: 'needed' }));
const decide = (who: Record<string, string>) => (rows: WorksheetRow[]) => keepAll(rows).map((r) => (who[r.principal] ? { ...r, decision: who[r.principal]!, justification: 'not needed' } : r));

async function refusal(p: Promise<unknown>, w: W): Promise<string> {
  const e = (await p.then(() => null, (x) => x)) as (Error & { exitCode?: number }) | null;
  expect(e, 'expected a refusal').not.toBeNull();
  expect(e!.exitCode).toBe(2);
  expect(e!.message).not.toContain('\n');
  expect(listPending(w.evidence).entries).toHaveLength(0); // nothing recorded
  return e!.message;
}

describe('soc2 review start', () => {
  it('lists every principal of the newest verified bundle with its access, owner and the bundle it came from', async () => {
    const w = await reviewWorkspace();
    const s = await start(w);
    const rows = readWorksheet(readFileSync(s.csv, 'utf8'), s.csv);
    const by = (p: string) => rows.find((r) => r.principal === p)!;
    expect(rows.map((r) => `${r.owner}: ${r.principal} [${r.access}]`)).toEqual([
      `alice@acme.example: ${arn('user', 'alice')} [console]`,
      `Dana: ${arn('role', 'AdminRole')} [assumable, privileged]`,
      `Priya: ${arn('user', 'bob')} [api]`,
      `Priya: ${arn('user', 'dave')} [console, ml-change]`,
      'Priya: dave@acme.example [ml-change]',
      'Priya: erin@acme.example [ml-change]',
    ]);
    expect(by(arn('user', 'alice')).owner_from).toBe('tag owner');
    expect(by(arn('user', 'dave')).owner_from).toBe('owners file');
    expect(by(arn('user', 'dave')).system).toBe('aws+sagemaker');
    expect(by(arn('role', 'AdminRole')).reasons).toContain('Allow * on * via attached policy');
    expect(s.notes.join()).toContain('1 service-linked role');
    // each row names the bundle and its manifest's SHA-256; decision and justification are empty
    const manifestSha = s.bundle.manifestSha256;
    for (const r of rows) expect([r.bundle, r.bundle_manifest_sha256, r.decision, r.justification]).toEqual([path.basename(w.first), manifestSha, '', '']);
    // the HTML is self-contained and groups by owner
    const html = readFileSync(s.html, 'utf8');
    expect(html).not.toMatch(/<script|<link|src=|https?:\/\//);
    expect(html.match(/<h2>/g)).toHaveLength(3);
    // row ids are stable: a later bundle with the same principals gives the same ids
    await writeIamDay(w.evidence, day(2), BASE, w.key);
    const again = readWorksheet(readFileSync((await start(w)).csv, 'utf8'), s.csv);
    expect(again.map((r) => r.row_id)).toEqual(rows.map((r) => r.row_id));
    expect(again[0]!.bundle).not.toBe(rows[0]!.bundle);
  });

  it('--systems limits the rows; a bad owners.yaml names the file and the path; no trusted key for signed bundles is refused', async () => {
    const w = await reviewWorkspace();
    const s = await start(w, ['mlflow']);
    expect(s.rows.map((r) => r.principal)).toEqual(['dave@acme.example', 'erin@acme.example']);
    writeFileSync(path.join(w.dir, 'owners.yaml'), 'owners:\n  - owner: Dana\n    principals: []\n');
    await expect(start(w)).rejects.toThrow(/owners\.yaml: owners\[0\]\.principals: /);
    const { loaded, register } = await loadAll(w.config);
    writeFileSync(path.join(w.dir, 'owners.yaml'), 'owners: []\n');
    await expect(startReview({ loaded, controls: register.controls, control: 'access-review', systems: ['aws'], evidenceDir: w.evidence, trustedKeys: [] })).rejects.toMatchObject({ exitCode: 4, message: expect.stringMatching(/no trusted key/) });
    await expect(startReview({ loaded, controls: register.controls, control: 'access-review', systems: ['aws'], evidenceDir: w.evidence, trustedKeys: s.trustedKeys, out: path.join(w.evidence, 'x') })).rejects.toMatchObject({ exitCode: 2 });
  });
});

describe('soc2 review submit', () => {
  it('records a fully decided worksheet as manual evidence of the quarter, with the reviewer and the decisions', async () => {
    const w = await reviewWorkspace();
    const s = await start(w);
    const r = await submit(w, s, decide({ [arn('user', 'bob')]: 'revoke', [arn('role', 'AdminRole')]: 'modify' }));
    expect(r.pending).toBe(true);
    const [p] = listPending(w.evidence).entries;
    expect(p!.meta).toMatchObject({ control: 'IAM-07', test: 'access-review', addedBy: 'Sam', covers: { from: '2026-01-01', to: '2026-03-31' }, mediaType: 'text/csv' });
    expect(p!.meta.review).toMatchObject({ bundle: path.basename(w.first), asOf: '2026-03-01', reviewer: 'Sam', rows: 6, decisions: { keep: 4, revoke: 1, modify: 1 }, remediationDays: 14 });
    // the file recorded is the worksheet as submitted
    expect(readFileSync(path.join(p!.dir, 'content'), 'utf8')).toBe(readFileSync(s.csv, 'utf8'));
  });

  it('refuses, with one line, exit 2 and nothing recorded: undecided, unknown decision, modify without why, removed, added, duplicated or edited rows, a reviewer who owns a principal', async () => {
    const w = await reviewWorkspace();
    const s = await start(w);
    const dave = arn('user', 'dave');
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r, i) => (i === 2 ? { ...r, decision: '' } : r))), w)).toMatch(/row 4 .*: no decision for .*user\/bob; every row needs one of keep, revoke, modify/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r) => ({ ...r, decision: 'remove' }))), w)).toMatch(/decision "remove" .* expected one of keep, revoke, modify/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r) => (r.principal === dave ? { ...r, decision: 'modify', justification: ' ' } : r))), w)).toMatch(/modify for .*dave needs a justification/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).slice(1)), w)).toMatch(/1 row of bundle .* missing \(removed from the worksheet\)/);
    expect(await refusal(submit(w, s, (rows) => [...keepAll(rows), { ...keepAll(rows)[0]!, row_id: 'aaaaaaaaaaaa', principal: 'arn:aws:iam::111122223333:user/mallory' }]), w)).toMatch(/row 8 \(aaaaaaaaaaaa\): not a row of bundle/);
    expect(await refusal(submit(w, s, (rows) => [...keepAll(rows), keepAll(rows)[0]!]), w)).toMatch(/the row appears twice/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r) => (r.principal === dave ? { ...r, access: 'console' } : r))), w)).toMatch(/column access was edited \("console", expected "console, ml-change"\); only decision and justification may change/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r) => (r.principal === dave ? { ...r, owner: 'Sam' } : r))), w)).toMatch(/column owner was edited/);
    expect(await refusal(submit(w, s, keepAll, { reviewer: 'priya' }), w)).toMatch(/reviewer "priya" owns .*user\/bob: a principal's owner may not review it \(config review\.selfReview: refuse\)/);
    expect(await refusal(submit(w, s, (rows) => keepAll(rows).map((r) => ({ ...r, systems: 'aws' }))), w)).toMatch(/column system was edited \("aws\+sagemaker", expected "aws"\)/);
    // a header changed (a column added) is not a worksheet
    writeFileSync(s.csv, readFileSync(s.csv, 'utf8').replace('justification', 'justification,extra'));
    expect(await refusal(submitReview(s.csv, { reviewer: 'Sam', loaded: s.loaded, controls: s.register.controls, evidenceDir: w.evidence, trustedKeys: s.trustedKeys }, {}, () => day(1)), w)).toMatch(/the header is not a review worksheet's/);
    expect(await refusal(submitReview(w.dir, { reviewer: 'Sam', loaded: s.loaded, controls: s.register.controls, evidenceDir: w.evidence, trustedKeys: s.trustedKeys }, {}, () => day(1)), w)).toMatch(/not a regular file/);
  });

  it('refuses a worksheet whose bundle no longer verifies; selfReview: allow lets an owner submit', async () => {
    const w = await reviewWorkspace({ review: '  selfReview: allow\n' });
    const s = await start(w);
    await submit(w, s, keepAll, { reviewer: 'Priya', now: true, at: day(2) });
    expect(listPending(w.evidence).entries).toHaveLength(0);
    const bundles = readdirSync(w.evidence).filter((n) => /^\d{4}-/.test(n));
    expect(bundles).toHaveLength(2); // the review's own signed bundle (--now)
    const s2 = await start(w);
    const f = path.join(w.first, 'artifacts', 'main', 'aws-iam', '111122223333', 'credential-report.json');
    expect(existsSync(f)).toBe(true);
    chmodSync(f, 0o644);
    writeFileSync(f, '{"rows":[]}');
    expect(await refusal(submit(w, s2, keepAll, { at: day(3) }), w)).toMatch(/bundle .* does not verify/);
  });
});

describe('remediation in the report', () => {
  it('a bundle whose admin-principals check ended in error does not hold the AWS rows complete: privileged access could be missing', async () => {
    const w = await reviewWorkspace();
    const id = await writeIamDay(w.evidence, day(2), BASE, w.key, { adminCheckError: true });
    const rowsOf = async (bundle: string) => {
      const b = await openBundle(w.evidence, bundle);
      return bundlePrincipals(b.dir, b.manifest, b.findings, [...SYSTEMS], NO_OWNERS, 'owner');
    };
    const good = await rowsOf(path.basename(w.first));
    const errored = await rowsOf(path.basename(id));
    expect([...good.complete].some((k) => k.startsWith('aws\n'))).toBe(true);
    expect([...errored.complete].some((k) => k.startsWith('aws\n'))).toBe(false);
    expect(errored.notes.join('\n')).toMatch(/aws-iam\.admin-principals did not judge this bundle \(missing or error\)/);
  });

  it('a revocation still present in the first complete bundle after the deadline is an exception on the access-review control; one carried out is verified', async () => {
    const w = await reviewWorkspace({ review: '  remediationDays: 2\n' });
    const s = await start(w);
    const bob = arn('user', 'bob');
    const dave = arn('user', 'dave');
    await submit(w, s, decide({ [bob]: 'revoke', [dave]: 'revoke' }), { now: true, at: new Date(day(1).getTime() + 3_600_000) });
    // bob is removed on day 2; dave never
    const later = { ...BASE, users: BASE.users.filter((u) => u.name !== 'bob') };
    // day 4's IAM collection failed half-way (only alice listed): it cannot show dave gone, so day 5 judges
    for (const d of [2, 3, 4, 5]) await writeIamDay(w.evidence, day(d), later, w.key, { iamIncomplete: d === 4 });
    const r = await buildReport({ evidenceDir: w.evidence, window: { from: '2026-03-01', to: '2026-03-05' }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, trustedKeys: s.trustedKeys, now: new Date('2026-03-06T00:00:00Z') });
    if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
    const ex = r.model.exceptions.filter((e) => e.check === REMEDIATION_CHECK);
    expect(ex.map((e) => e.resource)).toEqual([dave]);
    expect(ex[0]).toMatchObject({ type: 'event', status: 'open', severity: 'high', criteria: ['CC6.2', 'CC6.3'], firstSeen: { date: '2026-03-05' }, lastSeen: { date: '2026-03-05' } });
    expect(ex[0]!.reason).toMatch(/^revoke decided in the access review of 2026-03-01 submitted 2026-03-01 by Sam .*deadline 2026-03-03 \(2 days\); still present in bundle 2026-03-05\S+ \(2026-03-05\)$/);
    const iam07 = r.model.controls.find((c) => c.id === 'IAM-07')!;
    expect(iam07.manualEvidence[0]!.remediation).toEqual({ decisions: 2, verified: 1, exceptions: 1, pending: 0, unverified: 0 });
    expect(iam07.period.conclusion).toBe('deviations');
    expect(iam07.period.text).toContain('access-review: 2 revoke/modify decisions, 1 carried out on time, 1 not carried out by the deadline (exceptions)');
    // dave removed on day 6: the exception stays (an event) and says the revocation came late
    await writeIamDay(w.evidence, day(6), { ...later, users: later.users.filter((u) => u.name !== 'dave'), ml: {} }, w.key);
    const r6 = await buildReport({ evidenceDir: w.evidence, window: { from: '2026-03-01', to: '2026-03-06' }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, trustedKeys: s.trustedKeys, now: new Date('2026-03-07T00:00:00Z') });
    if (!r6.ok) throw new Error('report failed');
    const late = r6.model.exceptions.filter((e) => e.check === REMEDIATION_CHECK);
    expect(late.map((e) => [e.resource, e.status, e.lastSeen.date])).toEqual([[dave, 'open', '2026-03-05']]);
    expect(late[0]!.reason).toMatch(/; carried out late: gone by the window's last bundle 2026-03-06\S+ \(2026-03-06\)$/);
  });

  it('modify is carried out only when some access or reason was taken away (added access is not); an MLflow revoke cannot be verified from authorship and says so', async () => {
    const w = await reviewWorkspace({ review: '  remediationDays: 2\n' });
    const s = await start(w);
    const alice = arn('user', 'alice');
    const dave = arn('user', 'dave');
    await submit(w, s, decide({ [alice]: 'modify', [dave]: 'modify', 'erin@acme.example': 'revoke' }), { now: true, at: new Date(day(1).getTime() + 3_600_000) });
    // alice keeps her console and gains an access key (access added, none removed); dave loses his ML-change access
    const later = { ...BASE, users: BASE.users.map((u) => (u.name === 'alice' ? { ...u, key: true } : u)), ml: {} };
    for (const d of [2, 3, 4, 5]) await writeIamDay(w.evidence, day(d), later, w.key);
    const r = await buildReport({ evidenceDir: w.evidence, window: { from: '2026-03-01', to: '2026-03-05' }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, trustedKeys: s.trustedKeys, now: new Date('2026-03-06T00:00:00Z') });
    if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
    const ex = r.model.exceptions.filter((e) => e.check === REMEDIATION_CHECK);
    expect(ex.map((e) => e.resource)).toEqual([alice, 'erin@acme.example']);
    expect(ex[1]!.reason).toMatch(/not verified: MLflow records who created a model, version or prompt \(user_id\), which stays after access is removed$/);
    const iam07 = r.model.controls.find((c) => c.id === 'IAM-07')!;
    expect(iam07.manualEvidence[0]!.remediation).toEqual({ decisions: 3, verified: 1, exceptions: 1, pending: 0, unverified: 1 });
    expect(iam07.period.text).toContain('1 not verified by the deadline (exceptions:');
  });

  it('a revocation not verified past its deadline (no later bundle holds the evidence complete) is a deviation and an event exception; one within its deadline is pending, not a deviation', async () => {
    const w = await reviewWorkspace({ review: '  remediationDays: 2\n' });
    const s = await start(w);
    const bob = arn('user', 'bob');
    await submit(w, s, decide({ [bob]: 'revoke' }), { now: true, at: new Date(day(1).getTime() + 3_600_000) });
    // every IAM collection after the review failed half-way: none can show bob gone (or still there)
    for (const d of [2, 3, 4, 5]) await writeIamDay(w.evidence, day(d), BASE, w.key, { iamIncomplete: true });
    const report = async (to: string, now: string) => {
      const r = await buildReport({ evidenceDir: w.evidence, window: { from: '2026-03-01', to }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, trustedKeys: s.trustedKeys, now: new Date(now) });
      if (!r.ok) throw new Error(JSON.stringify(r.integrity.problems));
      return { ex: r.model.exceptions.filter((e) => e.check === REMEDIATION_CHECK), iam07: r.model.controls.find((c) => c.id === 'IAM-07')! };
    };
    // deadline 2026-03-03 not passed by the window's last day: pending
    const within = await report('2026-03-02', '2026-03-03T00:00:00Z');
    expect(within.iam07.manualEvidence[0]!.remediation).toEqual({ decisions: 1, verified: 0, exceptions: 0, pending: 1, unverified: 0 });
    expect(within.ex).toEqual([]);
    expect(within.iam07.period.conclusion).toBe('effective');
    // the deadline passed with no bundle able to show it carried out: a deviation, never auto-resolved
    const past = await report('2026-03-05', '2026-03-06T00:00:00Z');
    expect(past.iam07.manualEvidence[0]!.remediation).toEqual({ decisions: 1, verified: 0, exceptions: 0, pending: 0, unverified: 1 });
    expect(past.iam07.period.conclusion).toBe('deviations');
    expect(past.ex.map((e) => e.resource)).toEqual([bob]);
    expect(past.ex[0]).toMatchObject({ type: 'event', status: 'open', resolved: null, severity: 'high', criteria: ['CC6.2', 'CC6.3'], firstSeen: { date: '2026-03-04' } });
    expect(past.ex[0]!.reason).toMatch(/deadline 2026-03-03 \(2 days\); not verified: no collected bundle after the deadline holds the aws evidence of this principal complete/);
    expect(past.iam07.period.text).toContain('1 not verified by the deadline (exceptions:');
  });

  it('a review bundle whose manifest carries malformed review metadata is an integrity problem naming the bundle and the field, never a crash', async () => {
    const w = await reviewWorkspace({ review: '  remediationDays: 2\n' });
    const s = await start(w);
    await submit(w, s, decide({ [arn('user', 'bob')]: 'revoke' }), { now: true, at: new Date(day(1).getTime() + 3_600_000) });
    const id = readdirSync(w.evidence).filter((n) => /^\d{4}-/.test(n)).sort().pop()!;
    // the review's own bundle, re-signed with the trusted key after remediationDays became a string
    const dir = path.join(w.evidence, id);
    const m = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const i = m.artifacts.findIndex((a: { manual?: { review?: unknown } }) => a.manual?.review);
    m.artifacts[i].manual.review.remediationDays = '14';
    const text = JSON.stringify(m, null, 2) + '\n';
    for (const f of ['manifest.json', 'manifest.sig']) chmodSync(path.join(dir, f), 0o644);
    writeFileSync(path.join(dir, 'manifest.json'), text);
    writeFileSync(path.join(dir, 'manifest.sig'), signManifest(Buffer.from(text), w.key) + '\n');
    const input = { evidenceDir: w.evidence, window: { from: '2026-03-01', to: '2026-03-05' }, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, trustedKeys: s.trustedKeys, now: new Date('2026-03-06T00:00:00Z') };
    const r = await buildReport(input);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.integrity.problems).toContainEqual(expect.objectContaining({ bundle: id, file: 'manifest.json', message: `manifest is malformed: artifacts[${i}].manual.review.remediationDays: expected a whole number ≥ 0, got "14"` }));
    // read anyway (--allow-unverified): the bundle is left out, nothing is judged from its metadata
    const anyway = await buildReport({ ...input, allowUnverified: true });
    if (!anyway.ok) throw new Error('report failed');
    expect(anyway.model.integrity.ok).toBe(false);
    expect(anyway.model.exceptions.filter((e) => e.check === REMEDIATION_CHECK)).toEqual([]);
  });

  it('refuses a worksheet that is not well-formed CSV with one line naming the file', async () => {
    const w = await reviewWorkspace();
    const s = await start(w);
    const broken = s.original.replace(/\r?\n$/, '') + ',"never closed\n';
    expect(() => readWorksheet(broken, 'ws.csv')).toThrow(/^ws\.csv: .*; expected CSV as review start wrote it$/);
    expect(() => readWorksheet(broken, 'ws.csv')).toThrow(expect.objectContaining({ exitCode: 2 }));
  });
});
