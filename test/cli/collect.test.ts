// collect end to end through the CLI: exit codes, the chain, locks and crash leftovers.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, cleanEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();

describe('collect: usage errors', () => {
  it('exits 2 with one line naming the config file when it is missing', async () => {
    const r = await runCli(['collect', '--config', '/nonexistent/soc2.config.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('soc2: /nonexistent/soc2.config.yaml: config file not found (give one with --config, or run "soc2 init")');
  });

  it('exits 2 naming the key path on a bad config', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: 7\n');
    const r = await runCli(['collect', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}: sources.aws[0].regions: Invalid input: expected array, received number`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('exits 2 on an unknown --only id and on an unknown flag', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    const r = await runCli(['collect', '--config', cfg, '--only', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--only: unknown collector "nope"');
    expect((await runCli(['collect', '--bogus'])).code).toBe(2);
  });

  it('exits 2 on an unreadable signing key without echoing it', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    const r = await runCli(['collect', '--config', cfg], { env: cleanEnv({ SOC2_SIGNING_KEY: '-----BEGIN PRIVATE KEY-----\nnot-a-real-key-CANARY42\n-----END PRIVATE KEY-----' }) });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SOC2_SIGNING_KEY: not a PEM private key');
    expect(r.stderr).not.toContain('CANARY42');
  });

  it('prints help and version with exit 0', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe.skipIf(!moto.ok)('collect: chain, locks and leftovers (moto)', () => {
  let m: Moto;
  let dir: string;
  let cfg: string;
  const ev = () => path.join(dir, 'evidence');
  beforeAll(async () => {
    m = await startMoto();
    dir = tmpDir();
    cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
  });
  afterAll(async () => m?.stop());

  it('chains each bundle to the previous one and signs when given a key', async () => {
    const keys = await runCli(['keygen', '--private', path.join(dir, 'k.pem'), '--public', path.join(dir, 'k.pub.pem')]);
    expect(keys.code).toBe(0);
    const a = await runCli(['collect', '--config', cfg, '--json', '--sign-key', path.join(dir, 'k.pem')], { env: awsEnv(m.url) });
    const b = await runCli(['collect', '--config', cfg, '--json', '--sign-key', path.join(dir, 'k.pem')], { env: awsEnv(m.url) });
    expect([a.code, b.code]).toEqual([0, 0]);
    const first = JSON.parse(a.stdout).bundle;
    const second = JSON.parse(b.stdout).bundle;
    expect(path.dirname(first)).toBe(ev());
    const m2 = JSON.parse(readFileSync(path.join(second, 'manifest.json'), 'utf8'));
    expect(m2.previous.id).toBe(path.basename(first));
    expect(existsSync(path.join(second, 'manifest.sig'))).toBe(true);
    const v = await runCli(['verify', ev(), '--public-key', path.join(dir, 'k.pub.pem')]);
    expect(v.code, v.stdout).toBe(0);
  });

  it('removes a crashed run\'s .partial dir, takes over a dead process\'s lock, and links to the last finished bundle', async () => {
    const before = JSON.parse((await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv(m.url) })).stdout).bundle;
    const stale = path.join(ev(), '2026-01-01T00-00-00Z-dead.partial');
    mkdirSync(stale);
    writeFileSync(path.join(ev(), '.soc2.lock'), JSON.stringify({ pid: 999999, host: hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    const r = await runCli(['collect', '--config', cfg, '--json', '--verbose'], { env: awsEnv(m.url) });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('took over a stale lock left by pid 999999');
    expect(r.stderr).toContain('removing unfinished bundle 2026-01-01T00-00-00Z-dead.partial');
    expect(existsSync(stale)).toBe(false);
    const mf = JSON.parse(readFileSync(path.join(JSON.parse(r.stdout).bundle, 'manifest.json'), 'utf8'));
    expect(mf.previous.id).toBe(path.basename(before));
  });

  it('fails clearly when a live process holds the lock', async () => {
    writeFileSync(path.join(ev(), '.soc2.lock'), JSON.stringify({ pid: process.pid, host: hostname(), startedAt: '2026-01-01T00:00:00Z' }));
    try {
      const r = await runCli(['collect', '--config', cfg], { env: awsEnv(m.url) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`evidence dir is locked by another collect (pid ${process.pid}`);
    } finally {
      writeFileSync(path.join(ev(), '.soc2.lock'), '');
      const { rmSync } = await import('node:fs');
      rmSync(path.join(ev(), '.soc2.lock'));
    }
  });

  it('exits 3 with a gap when the AWS endpoint cannot be reached, and never writes an empty list', async () => {
    const d = tmpDir();
    const c = writeConfig(d, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    const r = await runCli(['collect', '--config', c, '--json'], { env: awsEnv('http://127.0.0.1:9') });
    expect(r.code).toBe(3);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('failed');
    expect(out.collectors[0].gaps[0].api).toBe('sts:GetCallerIdentity');
    const mf = JSON.parse(readFileSync(path.join(out.bundle, 'manifest.json'), 'utf8'));
    expect(mf.artifacts).toEqual([]);
  });

  it('stores the redacted config in force and what it expects, so an --only run is missing the rest in the report', async () => {
    const d = tmpDir();
    const c = writeConfig(
      d,
      'sources:\n  aws:\n    - name: main\n      regions: [us-east-1, eu-west-1]\n  mlflow:\n    - name: registry\n      trackingUri: https://ci-user:CANARY-pw-42@mlflow.invalid\ncollectors: [aws-iam, aws-secrets-manager, mlflow-registry]\n',
    );
    const r = await runCli(['collect', '--config', c, '--json', '--only', 'aws-iam'], { env: awsEnv(m.url) });
    expect(r.code, r.stderr).toBe(0);
    const bundle = JSON.parse(r.stdout).bundle;
    const mf = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
    expect(mf.config.path).toBe('config.json');
    expect(mf.files.map((f: { path: string }) => f.path)).toContain('config.json');
    const text = readFileSync(path.join(bundle, 'config.json'), 'utf8');
    expect(text).not.toContain('CANARY-pw-42');
    const stored = JSON.parse(text);
    expect(stored.config.sources.mlflow[0].trackingUri).toBe('https://ci-user:[REDACTED]@mlflow.invalid');
    expect(stored.only).toEqual(['aws-iam']);
    // what the config selects, not what --only ran: IAM once, Secrets Manager per region, the registry
    expect(stored.expected).toEqual([
      { source: 'main', system: 'aws', collector: 'aws-iam', scope: {} },
      { source: 'main', system: 'aws', collector: 'aws-secrets-manager', scope: { region: 'us-east-1' } },
      { source: 'main', system: 'aws', collector: 'aws-secrets-manager', scope: { region: 'eu-west-1' } },
      { source: 'registry', system: 'mlflow', collector: 'mlflow-registry', scope: {} },
    ]);
    const rep = await runCli(['report', '--evidence', path.join(d, 'evidence'), '--out', path.join(d, 'report'), '--format', 'json']);
    expect(rep.code, rep.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path.join(d, 'report', 'report.json'), 'utf8'));
    expect(model.coverage.days[0]).toMatchObject({ basis: 'config', expected: 4, covered: 1, missing: 3, missingUnits: ['main/aws-secrets-manager region=us-east-1', 'main/aws-secrets-manager region=eu-west-1', 'registry/mlflow-registry'] });
    expect(model.controls.find((x: { id: string }) => x.id === 'MON-02').period.conclusion).toBe('deviations');
  });
});
