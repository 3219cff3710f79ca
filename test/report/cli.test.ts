// soc2 report through the built CLI (dist/; `npm test` builds first): flags, exit codes, --json,
// the config, and tampering (exit 4, or a report stamped as unverified with --allow-unverified).
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey } from 'node:crypto';
import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { MANIFEST, SIGNATURE } from '../../src/bundle/manifest.js';
import { generateSigningKeyPair, signManifest, type SigningKey } from '../../src/bundle/sign.js';
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
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--json', '--sample', '2', '--seed', '42', '--sampled-by', 'A. Auditor']);
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
    // unsigned evidence is self-consistent at best: never "verified"
    expect(r.stdout).toContain('Acme ML: 4 bundle(s), 2026-03-02 to 2026-03-06; integrity self-consistent, not signed');
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
      [['--seed', '7'], '--seed: give --sampled-by NAME too'],
      [['--sample', '2'], '--sample: samples are drawn only with --seed S --sampled-by NAME'],
      [['--sampled-by', 'A. Auditor'], '--sampled-by: only meaningful with --seed S'],
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
    expect(JSON.parse(r.stdout).integrity).toMatchObject({ ok: false, problems: 1, allowUnverified: true, mode: 'self-consistent' });
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

function signingKey(dir: string, name: string): SigningKey & { file: string } {
  const k = generateSigningKeyPair();
  const file = path.join(dir, `${name}.pub.pem`);
  writeFileSync(file, k.publicPem);
  return { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId, file };
}

describe('report: integrity only against a trusted key', () => {
  let root: string;
  let ev: string;
  let dirs: Record<number, string>;
  let owner: ReturnType<typeof signingKey>;
  beforeAll(async () => {
    root = tmpDir('soc2-report-trust-');
    owner = signingKey(root, 'owner');
    ev = path.join(root, 'evidence');
    dirs = await writeScenario(ev, { key: owner });
  });

  it('exits 4 with one line on signed evidence without a trusted key, and writes nothing', async () => {
    const out = path.join(root, 'no-key');
    const r = await runCli(['report', '--evidence', ev, '--out', out]);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      'soc2: verification failed: 6 signed bundle(s) in 2026-03-01 to 2026-03-07, but no trusted key to check who signed them; give --public-key FILE (or signing.trustedKeys in the config), or --allow-unverified to produce a report stamped as unverified\n',
    );
    expect(existsSync(out)).toBe(false);
  });

  it('with --allow-unverified and no key, stamps every page as unverified', async () => {
    const out = path.join(root, 'allow');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--allow-unverified', '--format', 'json,md']);
    expect(r.code).toBe(0);
    const m = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(m.integrity).toMatchObject({ ok: false, untrusted: true, stamp: 'UNVERIFIED EVIDENCE: 6 signed bundles checked against no trusted key: nothing shows who signed them. Produced with --allow-unverified; do not rely on it as audit evidence.' });
    expect(readFileSync(path.join(out, 'report.md'), 'utf8').startsWith('> **UNVERIFIED EVIDENCE: 6 signed bundles')).toBe(true);
  });

  it('with the trusted key states the key ids and the bundles each signed, in the report and report.json', async () => {
    const other = signingKey(root, 'other');
    const out = path.join(root, 'keyed');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--public-key', owner.file, '--public-key', other.file, '--json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const keys = [{ keyId: owner.keyId, bundles: 6 }, { keyId: other.keyId, bundles: 0 }];
    expect(JSON.parse(r.stdout).integrity).toMatchObject({ ok: true, mode: 'trusted', keys, writeOnce: { source: 'local' } });
    const m = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(m.integrity.trust).toEqual({ mode: 'trusted', keys, signed: 6, unsigned: 0 });
    expect(m.integrity.method).toContain(`against the trusted key(s) ${owner.keyId}, ${other.keyId}`);
    const html = readFileSync(path.join(out, 'index.html'), 'utf8');
    expect(html).toContain('<strong>Integrity verified against trusted keys</strong>');
    expect(html).toContain(`${owner.keyId} signed 6 bundles`);
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toContain(`verified against trusted key(s): ${owner.keyId} signed 6 bundles`);
  });

  it('takes the trusted keys from signing.trustedKeys of the config', async () => {
    const cfg = writeConfig(root, 'organization: Acme ML\nevidence:\n  dir: evidence\nsources:\n  mlflow:\n    - name: main\n      trackingUri: http://127.0.0.1:9\nsigning:\n  trustedKeys: [owner.pub.pem]\n', 'trusted.yaml');
    const r = await runCli(['report', '--config', cfg, '--out', path.join(root, 'via-config'), '--format', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('fails a chain re-signed with another key, and the newest bundle edited with its signature removed', async () => {
    const f = tmpDir('soc2-report-trust-');
    const e = path.join(f, 'evidence');
    const d = await writeScenario(e, { key: owner });
    const attacker = signingKey(f, 'attacker');
    const last = d[Math.max(...Object.keys(d).map(Number))]!;
    const m = JSON.parse(readFileSync(path.join(last, MANIFEST), 'utf8'));
    m.signing = null;
    writeFileSync(path.join(last, MANIFEST), JSON.stringify(m, null, 2) + '\n');
    rmSync(path.join(last, SIGNATURE));
    const r = await runCli(['report', '--evidence', e, '--out', path.join(f, 'r'), '--public-key', owner.file]);
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`${path.basename(last)}/manifest.json: bundle is not signed`);
    // the same bundle re-signed by the attacker, embedding the attacker's key
    m.signing = { algorithm: 'ed25519', keyId: attacker.keyId, publicKey: attacker.publicKeyPem };
    const text = JSON.stringify(m, null, 2) + '\n';
    writeFileSync(path.join(last, MANIFEST), text);
    writeFileSync(path.join(last, SIGNATURE), signManifest(Buffer.from(text), attacker) + '\n');
    const again = await runCli(['report', '--evidence', e, '--out', path.join(f, 'r'), '--public-key', owner.file]);
    expect(again.code).toBe(4);
    expect(again.stderr).toContain(`${path.basename(last)}/manifest.sig: not signed by a trusted key`);
  });

  it('refuses --require-object-lock for a local evidence dir', async () => {
    const r = await runCli(['report', '--evidence', ev, '--out', path.join(root, 'lock'), '--public-key', owner.file, '--require-object-lock']);
    expect(r.code).toBe(4);
    expect(r.stderr).toBe('soc2: --require-object-lock: the evidence is read from a local directory, which is not write-once storage; read it from s3://bucket/prefix\n');
  });

  it('refuses --out through a symlink into a signed bundle, or inside another evidence dir', async () => {
    const link = path.join(root, 'link-into-bundle');
    symlinkSync(dirs[3]!, link);
    const r = await runCli(['report', '--evidence', ev, '--out', path.join(link, 'r'), '--public-key', owner.file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^soc2: --out: .*link-into-bundle\/r \(.*\/evidence\/.*\/r through a symbolic link\) is inside the evidence directory/);
    const otherEvidence = path.join(tmpDir('soc2-report-trust-'), 'evidence');
    await writeScenario(otherEvidence);
    const inOther = await runCli(['report', '--evidence', ev, '--out', path.join(otherEvidence, path.basename(dirs[1]!), 'r'), '--public-key', owner.file]);
    expect(inOther.code).toBe(2);
    expect(inOther.stderr).toContain('which holds evidence bundles');
    expect(existsSync(path.join(otherEvidence, path.basename(dirs[1]!), 'r'))).toBe(false);
    // a symlink planted inside the output folder is replaced, never written through
    const out = path.join(root, 'planted');
    mkdirSync(out);
    symlinkSync(path.join(dirs[2]!, 'findings.json'), path.join(out, 'report.json'));
    const before = readFileSync(path.join(dirs[2]!, 'findings.json'), 'utf8');
    expect((await runCli(['report', '--evidence', ev, '--out', out, '--public-key', owner.file, '--format', 'json'])).code).toBe(0);
    expect(readFileSync(path.join(dirs[2]!, 'findings.json'), 'utf8')).toBe(before);
  });
});
