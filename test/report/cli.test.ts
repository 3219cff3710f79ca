// soc2 report through the built CLI (dist/; `npm test` builds first): flags, exit codes, --json,
// the config, and tampering (exit 4, or a report stamped as unverified with --allow-unverified).
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { writeScenario } from './fixtures.js';

let root: string;
let ev: string;
let dirs: Record<number, string>;

beforeAll(async () => {
  root = tmpDir('soc2-report-cli-');
  ev = path.join(root, 'evidence');
  dirs = await writeScenario(ev);
});

/** A fresh copy of the scenario, for tests that alter evidence. */
async function freshEvidence(): Promise<{ root: string; ev: string; dirs: Record<number, string> }> {
  const r = tmpDir('soc2-report-cli-');
  const e = path.join(r, 'evidence');
  return { root: r, ev: e, dirs: await writeScenario(e) };
}

describe('report: flags and exit codes', () => {
  it('writes every output and prints {out, bundles, window, integrity, criteria} with --json', async () => {
    const out = path.join(root, 'out-json');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--json', '--sample', '2', '--seed', '42']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(Object.keys(j)).toEqual(['out', 'bundles', 'window', 'integrity', 'criteria']);
    expect(j).toMatchObject({ out, bundles: 6, window: { from: '2026-03-01', to: '2026-03-07', basis: 'bundles', days: 7 }, integrity: { ok: true, problems: 0 } });
    expect(j.criteria.covered).toBeGreaterThan(0);
    expect(j.criteria.inScope).toBeGreaterThanOrEqual(j.criteria.covered);
    for (const f of ['index.html', 'report.md', 'report.json', 'populations/promotions.csv', 'populations/promotions-sample.csv', 'oscal/assessment-results.json']) expect(existsSync(path.join(out, f)), f).toBe(true);
    const model = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(model.populations.promotions.sample).toMatchObject({ seed: '42', method: 'sha256-rank/1', size: 2, populationSize: 6 });
  });

  it('writes only the requested formats and prints a human summary without --json', async () => {
    const out = path.join(root, 'out-md');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--format', 'md,json', '--from', '2026-03-02', '--to', '2026-03-06']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Acme ML: 4 bundle(s), 2026-03-02 to 2026-03-06; integrity verified');
    expect(r.stdout).toContain('without: 2026-03-03, 2026-03-04');
    expect(readdirSync(out).sort()).toEqual(['report.json', 'report.md']);
  });

  it('exits 2 with one line naming the flag on bad flags and dates', async () => {
    const cases: [string[], string][] = [
      [['--from', '2026-13-01'], '--from: expected a date as YYYY-MM-DD, got "2026-13-01"'],
      [['--to', '2026-02-30'], '--to: expected a date as YYYY-MM-DD, got "2026-02-30"'],
      [['--from', '2026-03-05', '--to', '2026-03-01'], '--from: 2026-03-05 is after --to 2026-03-01'],
      [['--format', 'html,pdf'], '--format: unknown format "pdf"'],
      [['--sample', '0'], '--sample: expected a positive whole number of rows, got "0"'],
      [['--sample', 'ten'], '--sample: expected a positive whole number'],
      [['--seed', '7'], '--seed: only meaningful with --sample N'],
      [['--out', path.join(ev, 'x')], 'is inside the evidence directory'],
    ];
    const results = await Promise.all(cases.map(([flags]) => runCli(['report', '--evidence', ev, ...(flags.includes('--out') ? [] : ['--out', path.join(root, 'never')]), ...flags])));
    results.forEach((r, i) => {
      expect(r.code, cases[i]![1]).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(cases[i]![1]);
    });
    expect(existsSync(path.join(root, 'never'))).toBe(false);
    expect(existsSync(path.join(ev, 'x'))).toBe(false);
  });

  it('exits 2 when the evidence dir is missing or empty, or neither --evidence nor a config is given', async () => {
    const [r1, r2, r3] = await Promise.all([runCli(['report', '--evidence', path.join(root, 'nope')]), runCli(['report', '--evidence', tmpDir()]), runCli(['report'], { cwd: tmpDir() })]);
    expect(r1.code).toBe(2);
    expect(r1.stderr).toContain('no such directory');
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('no evidence bundles found');
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain('--evidence: give the evidence directory, or a config file with --config');
  });

  it('takes organization, scope, observationPeriod and evidence.dir from the config', async () => {
    const cfg = writeConfig(root, 'organization: Beta Corp\nscope: [security, availability]\nobservationPeriod: {from: 2026-03-01, to: 2026-03-05}\nevidence:\n  dir: evidence\nsources: {}\n', 'beta.yaml');
    const out = path.join(root, 'out-config');
    const r = await runCli(['report', '--config', cfg, '--out', out, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(m.organization).toBe('Beta Corp');
    expect(m.scope).toEqual(['security', 'availability']);
    expect(m.window).toMatchObject({ from: '2026-03-01', to: '2026-03-05', basis: 'config' });
    expect(m.bundles).toHaveLength(4);
    const ids = m.criteria.map((c: { id: string }) => c.id);
    expect(ids).toContain('A1.1');
    expect(ids).not.toContain('C1.1');
  });
});

describe('report: integrity', () => {
  it('exits 4 on a tampered bundle in the window and writes nothing', async () => {
    const f = await freshEvidence();
    const file = path.join(f.dirs[5]!, 'findings.json');
    writeFileSync(file, readFileSync(file, 'utf8').replace('"fail"', '"pass"'));
    const out = path.join(f.root, 'report');
    const r = await runCli(['report', '--evidence', f.ev, '--out', out]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${path.basename(f.dirs[5]!)}/findings.json`);
    expect(r.stderr).toContain('no report written');
    expect(existsSync(out)).toBe(false);
    const j = await runCli(['report', '--evidence', f.ev, '--out', out, '--json']);
    expect(j.code).toBe(4);
    expect(JSON.parse(j.stdout)).toMatchObject({ out: null, integrity: { ok: false } });
  });

  it('with --allow-unverified, stamps every output with the failure', async () => {
    const f = await freshEvidence();
    const file = path.join(f.dirs[5]!, 'artifacts', 'main', 'aws-iam', '111122223333', 'account-summary.json');
    writeFileSync(file, '{"AccountMFAEnabled": 0}\n');
    const out = path.join(f.root, 'report');
    const r = await runCli(['report', '--evidence', f.ev, '--out', out, '--allow-unverified', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).integrity).toEqual({ ok: false, problems: 1, allowUnverified: true });
    expect(r.stderr).toContain('warning:');
    const m = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(m.integrity).toMatchObject({ ok: false, allowUnverified: true, stamp: expect.stringMatching(/^UNVERIFIED EVIDENCE: 1 integrity problem in 1 bundle/) });
    expect(m.integrity.problems[0]).toMatchObject({ bundle: path.basename(f.dirs[5]!), file: 'artifacts/main/aws-iam/111122223333/account-summary.json' });
    expect(m.bundles.find((b: { id: string }) => b.id === path.basename(f.dirs[5]!)).verified).toBe(false);
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    const sections = html.match(/<section /g)!.length;
    expect(sections).toBeGreaterThanOrEqual(7);
    // the header, every section and the footer carry the stamp
    expect(html.match(/<div class="stamp"/g)!.length).toBe(sections + 2);
    expect(html).toContain('<title>[UNVERIFIED]');
    const md = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(md.startsWith('> **UNVERIFIED EVIDENCE')).toBe(true);
    const oscal = JSON.parse(readFileSync(path.join(out, 'oscal', 'assessment-results.json'), 'utf8'))['assessment-results'];
    expect(oscal.metadata.remarks).toContain('UNVERIFIED EVIDENCE');
    const csv = readFileSync(path.join(out, 'populations', 'promotions.csv'), 'utf8').split('\r\n');
    expect(csv[0]!.endsWith(',bundle_verified')).toBe(true);
    expect(csv.filter((l) => l.includes(path.basename(f.dirs[5]!))).every((l) => l.endsWith(',false'))).toBe(true);
  });

  it('a tampered bundle outside the window is reported but does not fail the report', async () => {
    const f = await freshEvidence();
    const file = path.join(f.dirs[1]!, 'findings.json');
    writeFileSync(file, readFileSync(file, 'utf8') + ' ');
    const out = path.join(f.root, 'report');
    const r = await runCli(['report', '--evidence', f.ev, '--out', out, '--from', '2026-03-05', '--format', 'json']);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(m.integrity.ok).toBe(true);
    expect(m.integrity.outsideWindow).toEqual([expect.objectContaining({ bundle: path.basename(f.dirs[1]!), file: 'findings.json' })]);
    // but a window that includes it fails
    expect((await runCli(['report', '--evidence', f.ev, '--out', out, '--format', 'json'])).code).toBe(4);
  });

  it('a broken chain link into the window fails it', async () => {
    const f = await freshEvidence();
    const m2 = path.join(f.dirs[2]!, 'manifest.json');
    writeFileSync(m2, readFileSync(m2, 'utf8').replace('"organization": "Acme ML"', '"organization": "Acme ML "'));
    const r = await runCli(['report', '--evidence', f.ev, '--out', path.join(f.root, 'r'), '--from', '2026-03-03']);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain('chain broken');
  });
});
