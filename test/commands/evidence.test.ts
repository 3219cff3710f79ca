// `soc2 evidence add` and `soc2 evidence due` as a user runs them: files staged for the next collect or
// written into a signed bundle of their own, bytes unmodified and verified like any artifact; bad input
// a one-line error with exit 2 and nothing recorded; `due` lists elapsed periods without evidence.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectors } from '../../collectors/registry.js';
import { listPending } from '../../src/bundle/manual.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { runCollection } from '../../src/core/runner.js';
import { loadMappings } from '../../src/mapping/index.js';
import { runCli, tmpDir, writeConfig } from '../helpers/cli.js';

function workspace() {
  const dir = tmpDir('soc2-evidence-');
  const config = writeConfig(dir, 'organization: Test ML\nevidence:\n  dir: evidence\nsources: {}\n');
  const pdf = path.join(dir, 'q3-access-review.pdf');
  writeFileSync(pdf, Buffer.from('%PDF-1.4 signed access review Q3\n\x00\x01\x02binary'));
  return { dir, config, pdf, evidence: path.join(dir, 'evidence') };
}

const bundlesOf = (evidence: string) => (existsSync(evidence) ? readdirSync(evidence).filter((n) => /^\d{4}-/.test(n)).sort() : []);
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');

describe('soc2 evidence add', () => {
  it('--now writes a signed bundle whose artifact is the file unmodified, with who, when and the period; verify checks it', async () => {
    const w = workspace();
    const keys = generateSigningKeyPair();
    writeFileSync(path.join(w.dir, 'key.pem'), keys.privatePem);
    writeFileSync(path.join(w.dir, 'key.pub.pem'), keys.publicPem);
    const r = await runCli(['evidence', 'add', w.pdf, '--control', 'access-review', '--covers', '2026-07-01..2026-09-30', '--by', 'Dana Reviewer', '--title', 'Q3 access review', '--note', 'signed by the CTO', '--now', '--sign-key', 'key.pem', '-c', w.config, '--json'], { cwd: w.dir });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { bundle: string };
    const manifest = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8'));
    expect(manifest.purpose).toBe('manual-evidence');
    expect(manifest.signing.keyId).toBe(keys.keyId);
    expect(manifest.artifacts).toHaveLength(1);
    const a = manifest.artifacts[0];
    expect(a.kind).toBe('manual.IAM-07');
    expect(a.sha256).toBe(sha(w.pdf));
    expect(a.criteria).toEqual(['CC6.2', 'CC6.3']);
    expect(a.manual).toMatchObject({ control: 'IAM-07', test: 'access-review', title: 'Q3 access review', note: 'signed by the CTO', addedBy: 'Dana Reviewer', covers: { from: '2026-07-01', to: '2026-09-30' }, mediaType: 'application/pdf', fileName: 'q3-access-review.pdf' });
    expect(Date.parse(a.manual.addedAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(readFileSync(path.join(out.bundle, a.path)).equals(readFileSync(w.pdf))).toBe(true);

    const v = await runCli(['verify', w.evidence, '--public-key', 'key.pub.pem'], { cwd: w.dir });
    expect(v.stdout).toContain('1 bundle verified');
    expect(v.code).toBe(0);
    // the copy in the bundle is evidence: changing it fails verification
    chmodSync(path.join(out.bundle, a.path), 0o644);
    writeFileSync(path.join(out.bundle, a.path), 'edited');
    const bad = await runCli(['verify', w.evidence, '--public-key', 'key.pub.pem'], { cwd: w.dir });
    expect(bad.code).toBe(4);
    expect(bad.stdout).toContain(a.path);
  });

  it('without --now the files wait in pending/ and the next collect takes them into its bundle, chained', async () => {
    const w = workspace();
    const second = path.join(w.dir, 'reviewers.csv');
    writeFileSync(second, 'principal,decision\nalice,keep\n');
    const r = await runCli(['evidence', 'add', w.pdf, second, '--control', 'IAM-07', '--covers', '2026-07-01..2026-09-30', '--by', 'dana', '-c', w.config], { cwd: w.dir });
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/staged q3-access-review\.pdf .* the next "soc2 collect" takes it/);
    expect(bundlesOf(w.evidence)).toEqual([]);
    expect(listPending(w.evidence).entries.map((p) => p.meta.fileName).sort()).toEqual(['q3-access-review.pdf', 'reviewers.csv']);

    const loaded = loadConfig(w.config, collectors);
    const run = await runCollection({ loaded, collectors: [], mappings: loadMappings(), evidenceDir: w.evidence, now: () => new Date(), signKey: null, log: createLogger({ quiet: true }), env: {} });
    const manual = run.manifest.artifacts.filter((a) => a.manual);
    expect(manual.map((a) => [a.kind, a.manual!.fileName, a.manual!.mediaType]).sort()).toEqual([
      ['manual.IAM-07', 'q3-access-review.pdf', 'application/pdf'],
      ['manual.IAM-07', 'reviewers.csv', 'text/csv'],
    ]);
    expect(listPending(w.evidence).entries).toEqual([]);
    const v = await runCli(['verify', w.evidence], { cwd: w.dir });
    expect(v.code).toBe(0);

    // the same file for the same control and period is a duplicate, now that it is in the chain
    const dup = await runCli(['evidence', 'add', w.pdf, '--control', 'IAM-07', '--covers', '2026-07-01..2026-09-30', '-c', w.config], { cwd: w.dir });
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(/^soc2: .*q3-access-review\.pdf: already recorded for control IAM-07 and 2026-07-01\.\.2026-09-30 \(same SHA-256 as q3-access-review\.pdf in bundle \d{4}-.*\); nothing was added\n$/);
    // the same file for another period is new evidence
    const other = await runCli(['evidence', 'add', w.pdf, '--control', 'IAM-07', '--covers', '2026-10-01..2026-12-31', '--now', '-c', w.config], { cwd: w.dir });
    expect(other.code).toBe(0);
    expect(bundlesOf(w.evidence)).toHaveLength(2);
    const second2 = JSON.parse(readFileSync(path.join(w.evidence, bundlesOf(w.evidence)[1]!, 'manifest.json'), 'utf8'));
    expect(second2.previous.id).toBe(bundlesOf(w.evidence)[0]);
  });

  it('bad input is one line naming it, exit 2, and nothing is recorded', async () => {
    const w = workspace();
    mkdirSync(path.join(w.dir, 'folder'));
    const cases: [string[], RegExp][] = [
      [[w.pdf, '--control', 'NOPE-9', '--covers', '2026-07-01'], /--control: unknown control "NOPE-9"; controls with manual tests: IAM-07/],
      [[w.pdf, '--control', 'IAM-01', '--covers', '2026-07-01'], /--control: control IAM-01 has no manual test/],
      [[w.pdf, '--control', 'IAM-07', '--covers', '2026-09-30..2026-07-01'], /--covers: the period is reversed \(2026-09-30 is after 2026-07-01\)/],
      [[w.pdf, '--control', 'IAM-07', '--covers', 'Q3-2026'], /--covers: "Q3-2026" is not a date; expected FROM\.\.TO or one date/],
      [[w.pdf, '--control', 'IAM-07', '--covers', '2026-02-30'], /--covers: "2026-02-30" is not a date/],
      [[w.pdf, '--control', 'IAM-07'], /--covers: required/],
      [[w.pdf, path.join(w.dir, 'missing.pdf'), '--control', 'IAM-07', '--covers', '2026-07-01'], /missing\.pdf: no such file/],
      [[path.join(w.dir, 'folder'), '--control', 'IAM-07', '--covers', '2026-07-01'], /folder: not a regular file \(a directory\)/],
      [[w.pdf, w.pdf, '--control', 'IAM-07', '--covers', '2026-07-01'], /already recorded for control IAM-07 and 2026-07-01\.\.2026-07-01 \(same SHA-256 as q3-access-review\.pdf in this command\)/],
    ];
    for (const [args, msg] of cases) {
      const r = await runCli(['evidence', 'add', ...args, '-c', w.config], { cwd: w.dir });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(msg);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(listPending(w.evidence).entries).toEqual([]);
    expect(bundlesOf(w.evidence)).toEqual([]);
  });

  it('an unreadable file is refused before anything is recorded', async () => {
    if (process.getuid?.() === 0) return; // root reads any file; the mode cannot make it unreadable
    const w = workspace();
    const locked = path.join(w.dir, 'locked.pdf');
    writeFileSync(locked, 'secret');
    chmodSync(locked, 0o000);
    const r = await runCli(['evidence', 'add', w.pdf, locked, '--control', 'IAM-07', '--covers', '2026-07-01', '-c', w.config], { cwd: w.dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/locked\.pdf: cannot be read \(EACCES\)/);
    expect(listPending(w.evidence).entries).toEqual([]);
  });
});

describe('soc2 evidence due', () => {
  it('lists elapsed periods without evidence as missing and periods ending soon as due; --fail-on-due exits 5', async () => {
    const w = workspace();
    writeFileSync(w.config, 'organization: Test ML\nevidence:\n  dir: evidence\nsources: {}\nobservationPeriod: {from: 2025-01-01, to: 2025-12-31}\n');
    const add = await runCli(['evidence', 'add', w.pdf, '--control', 'IAM-07', '--covers', '2025-01-01..2025-03-31', '--now', '-c', w.config], { cwd: w.dir });
    expect(add.code).toBe(0);
    const r = await runCli(['evidence', 'due', '-c', w.config, '--json'], { cwd: w.dir });
    expect(r.code).toBe(0);
    const items = (JSON.parse(r.stdout) as { items: { control: string; test: string; period: { from: string }; status: string }[] }).items;
    const access = items.filter((i) => i.test === 'access-review').map((i) => `${i.period.from} ${i.status}`);
    expect(access).toEqual(['2025-04-01 missing', '2025-07-01 missing', '2025-10-01 missing']);
    expect(items.some((i) => i.test === 'pentest' && i.status === 'missing')).toBe(true);
    const fail = await runCli(['evidence', 'due', '-c', w.config, '--fail-on-due'], { cwd: w.dir });
    expect(fail.code).toBe(5);
    expect(fail.stdout).toMatch(/^MISSING IAM-07\/access-review 2025-04-01\.\.2025-06-30 \(quarterly\) elapsed 2025-06-30; owner Security engineering$/m);
    const bad = await runCli(['evidence', 'due', '-c', w.config, '--within', 'soon'], { cwd: w.dir });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('soc2: --within: expected a whole number of days, got "soon"\n');
  });
});
