// collect end to end through the CLI: exit codes, the chain, locks and crash leftovers.
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { hostname } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awsEnv, cleanEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';
import { writeTestBundle } from '../helpers/bundles.js';

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

  it('exits 2 on an empty selection: --only "," and sources: {} collect nothing', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    const only = await runCli(['collect', '--config', cfg, '--only', ','], { env: awsEnv('http://127.0.0.1:9') });
    expect(only.code, only.stderr).toBe(2);
    expect(only.stderr.trim()).toBe('soc2: --only: expected comma-separated collector ids, got ","');
    const empty = writeConfig(dir, 'sources: {}\n', 'empty.yaml');
    const r = await runCli(['collect', '--config', empty, '--out', path.join(dir, 'ev')], { env: awsEnv('http://127.0.0.1:9') });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim()).toMatch(new RegExp(`^soc2: ${empty}: sources: no aws, mlflow, vertex, prometheus source configured for the selected collectors \\(.+\\); nothing to collect$`));
    expect(existsSync(path.join(dir, 'ev'))).toBe(false);
  });

  it('exits 2 at once when the config is a FIFO, a device or a directory, reading nothing unbounded', async () => {
    const dir = tmpDir();
    const fifo = path.join(dir, 'soc2.config.yaml');
    expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
    for (const [file, what] of [[fifo, 'a FIFO'], ['/dev/zero', 'a device'], [dir, 'a directory']] as const) {
      const t0 = Date.now();
      const r = await runCli(['collect', '--config', file], { timeoutMs: 20_000 });
      expect(r.code, `${file}: ${r.stderr}`).toBe(2);
      expect(r.stderr.trim()).toBe(`soc2: ${file}: the config must be a regular file, not ${what}`);
      expect(Date.now() - t0).toBeLessThan(15_000);
    }
  });

  it('exits 2 naming the key when trackingUri carries userinfo, and never prints it', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  mlflow:\n    - name: m\n      trackingUri: https://alice:hunter2@mlflow.acme.example\n');
    const r = await runCli(['collect', '--config', cfg]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${cfg}: sources.mlflow[0].trackingUri: credentials are never read from the config file`);
    expect(r.stderr).not.toMatch(/alice|hunter2/);
    // an MLFLOW_TRACKING_URI that is not http(s): the message shows it with the whole userinfo masked
    const env = writeConfig(dir, 'sources:\n  mlflow:\n    - name: m\n', 'env.yaml');
    const bad = await runCli(['collect', '--config', env, '--out', path.join(dir, 'ev')], { env: cleanEnv({ MLFLOW_TRACKING_URI: 'ftp://alice:p@ss@mlflow.acme.example' }) });
    expect(bad.stderr).toContain('"ftp://***@mlflow.acme.example"');
    expect(bad.stderr).not.toMatch(/alice|p@ss|ss@/);
  });

  it('exits 3 naming both ids when the local tip is dated after the bundle it would write, and collects nothing', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n');
    const ev = path.join(dir, 'evidence');
    mkdirSync(ev);
    const future = path.basename(await writeTestBundle(ev, new Date('2099-06-01T00:00:00Z')));
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: awsEnv('http://127.0.0.1:9') });
    expect(r.code, r.stderr).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim()).toMatch(new RegExp(`^soc2: the chain's tip ${future} in ${ev} is dated more than 10 min after this machine's clock: .+; bundle \\S+ would sort before its previous, so nothing was collected`));
    expect(readdirSync(ev).filter((n) => !n.startsWith('.'))).toEqual([future]);
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
    // the collectors moto serves completely (it lacks SageMaker's GetModelPackageGroupPolicy and
    // ListMonitoringSchedules, which make the SageMaker collectors partial against it)
    cfg = writeConfig(dir, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam, aws-secrets-manager]\n');
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
    expect(r.stderr).toContain('removed unfinished bundle 2026-01-01T00-00-00Z-dead.partial (no manifest)');
    expect(existsSync(stale)).toBe(false);
    const mf = JSON.parse(readFileSync(path.join(JSON.parse(r.stdout).bundle, 'manifest.json'), 'utf8'));
    expect(mf.previous.id).toBe(path.basename(before));
  });

  it('never deletes a .partial that holds a manifest: moves it to quarantine/, reports a gap (exit 3), and verify names it', async () => {
    const out = path.join(dir, 'evidence-quarantine');
    const first = JSON.parse((await runCli(['collect', '--config', cfg, '--out', out, '--json'], { env: awsEnv(m.url) })).stdout).bundle;
    // a complete bundle renamed <id>.partial, as an attacker (or a confused operator) might
    renameSync(first, first + '.partial');
    const r = await runCli(['collect', '--config', cfg, '--out', out, '--json'], { env: awsEnv(m.url) });
    expect(r.code).toBe(3);
    const name = `${path.basename(first)}.partial`;
    expect(JSON.parse(r.stdout).quarantined).toEqual([name]);
    expect(existsSync(path.join(out, 'quarantine', name, 'manifest.json'))).toBe(true);
    const text = await runCli(['collect', '--config', cfg, '--out', out], { env: awsEnv(m.url) });
    expect(text.code).toBe(3);
    expect(text.stderr).toContain(`gap: evidence dir: quarantine/${name}: a leftover .partial bundle with a manifest, moved aside (never deleted)`);
    const v = await runCli(['verify', out]);
    expect(v.code).toBe(4);
    expect(v.stdout).toContain(`quarantine/${name}: moved aside by collect`);
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

  // A tiny tmpfs as the evidence dir (root can mount one): the collect runs out of space half way.
  it('disk full: exit 1 with one line naming the path, no "internal error", nothing that looks complete, no lock files', async (t) => {
    const mnt = tmpDir('soc2-full-');
    const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', mnt], { encoding: 'utf8' });
    if (mounted.status !== 0) {
      console.warn(`skipping the disk-full test: cannot mount a tmpfs (${(mounted.stderr || mounted.error?.message || '').trim()})`);
      t.skip();
      return;
    }
    try {
      // leave a few pages free: enough for the lock and the first files, not for the bundle
      const free = () => Number(spawnSync('df', ['--output=avail', '-B1', mnt], { encoding: 'utf8' }).stdout.trim().split('\n').pop());
      writeFileSync(path.join(mnt, 'filler'), Buffer.alloc(free() - 12 * 1024));
      const ev = path.join(mnt, 'evidence');
      mkdirSync(ev);
      const r = await runCli(['collect', '--config', cfg, '--out', ev, '--json'], { env: awsEnv(m.url) });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, r.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(new RegExp(`^soc2: no space left on device while writing ${ev}/\\S+; free some space and run the command again$`));
      expect(r.stderr).not.toContain('internal error');
      expect(readdirSync(ev)).toEqual([]);
      // no room even for the lock: the lock's temp file is removed too
      writeFileSync(path.join(mnt, 'filler-2'), Buffer.alloc(free()));
      const full = await runCli(['collect', '--config', cfg, '--out', ev, '--json'], { env: awsEnv(m.url) });
      expect(full.code, full.stderr).toBe(1);
      expect(full.stderr.trim()).toBe(`soc2: no space left on device while writing ${ev}/.soc2.lock; free some space and run the command again`);
      expect(readdirSync(ev)).toEqual([]);
    } finally {
      spawnSync('umount', [mnt]);
    }
  });

  it('stores the redacted config in force and what it expects, so an --only run is missing the rest in the report', async () => {
    const d = tmpDir();
    const c = writeConfig(
      d,
      'sources:\n  aws:\n    - name: main\n      regions: [us-east-1, eu-west-1]\n      assumeRoleArn: arn:aws:iam::123456789012:role/soc2-collector\n      externalId: CANARY-pw-42\n  mlflow:\n    - name: registry\n      trackingUri: https://mlflow.invalid\ncollectors: [aws-iam, aws-secrets-manager, mlflow-registry]\n',
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
    expect(stored.config.sources.aws[0].externalId).toBe('[REDACTED]');
    expect(stored.only).toEqual(['aws-iam']);
    // what the config selects, not what --only ran: IAM once, Secrets Manager per region, the registry
    expect(stored.expected).toEqual([
      { source: 'main', system: 'aws', collector: 'aws-iam', scope: { account: '123456789012' } },
      { source: 'main', system: 'aws', collector: 'aws-secrets-manager', scope: { account: '123456789012', region: 'us-east-1' } },
      { source: 'main', system: 'aws', collector: 'aws-secrets-manager', scope: { account: '123456789012', region: 'eu-west-1' } },
      { source: 'registry', system: 'mlflow', collector: 'mlflow-registry', scope: {} },
    ]);
    const rep = await runCli(['report', '--evidence', path.join(d, 'evidence'), '--out', path.join(d, 'report'), '--format', 'json']);
    expect(rep.code, rep.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path.join(d, 'report', 'report.json'), 'utf8'));
    expect(model.coverage.days[0]).toMatchObject({ basis: 'config', expected: 4, covered: 1, missing: 3, missingUnits: ['main/aws-secrets-manager account=123456789012 region=us-east-1', 'main/aws-secrets-manager account=123456789012 region=eu-west-1', 'registry/mlflow-registry'] });
    expect(model.controls.find((x: { id: string }) => x.id === 'MON-02').period.conclusion).toBe('deviations');
  });
});
