// Crashes: `soc2 collect` killed with SIGKILL at random points (seeded; the seed is printed and can
// be replayed with SOC2_CRASH_SEED=<n>), against an AWS sandbox company large enough to take
// seconds, served from this process while the CLI runs as a child. After every kill:
//   - every bundle directory without `.partial` passes verifyPath (no torn complete bundle), and the
//     evidence dir has no problem but the `.partial` leftovers;
//   - the next collect reports and removes the `.partial` dirs and the stale lock, and links its
//     manifest.previous to the last complete bundle (id and manifest SHA-256); the dir then verifies.
// Random delays seldom land in the last milliseconds of a run, so four more kills aim there: right
// after the manifest is written into `.partial`, and right after the rename.
// Then two collects started at once on one evidence dir: without --lock-wait one fails clearly
// (exit 1, "locked"), with --lock-wait both finish one after the other, also when a killed run left
// a stale lock; the chain stays linear. And the lock itself under contention, from 5 processes.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LOCK_FILE } from '../../src/bundle/lock.js';
import type { Manifest } from '../../src/bundle/manifest.js';
import { latestBundle, listBundleDirs } from '../../src/bundle/store.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { generateAwsCompany, startAwsSandbox, type AwsSandbox } from '../../src/sandbox/aws/index.js';
import { awsEnv, repoRoot, runCli, tmpDir, writeConfig, type CliResult } from '../helpers/cli.js';
import { collectInProcess, removeTempDirs } from './fault-helpers.js';
import { Rng } from './helpers.js';

const TRIALS = 20;
/**
 * How much slower than an idle 2-core machine this one runs now (the load average per core, at least
 * 1): the random trials' time budget (170 s idle) grows with it, since every trial is a CLI start and a
 * collect of seconds that a loaded machine stretches.
 */
const LOAD_FACTOR = Math.min(6, Math.max(1, os.loadavg()[0]! / os.availableParallelism()));
const TRIALS_BUDGET_MS = Math.round(170_000 * LOAD_FACTOR);
const SEED = process.env.SOC2_CRASH_SEED ? Number(process.env.SOC2_CRASH_SEED) : Date.now() % 2 ** 31;
// ~750 IAM entities (300 users, 300 roles, 40 groups, ~110 policies) and 60 secrets, 10 ms of
// latency on every call: one collect takes seconds (3–6 s here), most of it spent in the CLI.
const company = generateAwsCompany({ users: 300, roles: 300, groups: 40, policies: 100, secretsPerRegion: 60, regions: ['us-east-1'], seed: 3 });
// the CLI signs with this key id (awsEnv): listed on the account, the sandbox finds the caller at once
company.accounts[0]!.accessKeyIds = ['testing'];
const LATENCY_MS = 10;
const CONFIG = 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\ncollectors: [aws-iam, aws-secrets-manager]\n';
// the in-process recoveries: Secrets Manager only, its GetResourcePolicy pace (45/s by default, 1.3 s
// for the 60 secrets) raised — this sandbox sets no quota on it; the killed runs keep the default
const RECOVERY_CONFIG = CONFIG.replace('aws-iam, aws-secrets-manager', 'aws-secrets-manager') + 'settings:\n  aws-secrets-manager:\n    resourcePolicyCallsPerSecond: 1000\n';

type Outcome =
  | 'finished before the kill'
  | 'killed before taking the lock'
  | 'killed holding the lock, no bundle dir yet'
  | 'killed while collecting into .partial'
  | 'killed after the manifest, before the rename'
  | 'killed after the rename, before releasing the lock';

interface DirState {
  complete: string[];
  partial: string[];
  lock: { pid?: number } | null;
  manifestInPartial: boolean;
}

function state(ev: string): DirState {
  const { complete, partial } = listBundleDirs(ev);
  let lock: DirState['lock'] = null;
  const lf = path.join(ev, LOCK_FILE);
  if (existsSync(lf)) {
    try {
      lock = JSON.parse(readFileSync(lf, 'utf8'));
    } catch {
      lock = {};
    }
  }
  return { complete, partial, lock, manifestInPartial: partial.some((p) => existsSync(path.join(ev, p, 'manifest.json'))) };
}

function classify(before: DirState, after: DirState, exited: boolean): Outcome {
  if (exited) return 'finished before the kill';
  if (after.complete.length > before.complete.length) return 'killed after the rename, before releasing the lock';
  if (after.manifestInPartial) return 'killed after the manifest, before the rename';
  if (after.partial.length > 0) return 'killed while collecting into .partial';
  if (after.lock) return 'killed holding the lock, no bundle dir yet';
  return 'killed before taking the lock';
}

/** Collects still running: a test that times out or fails kills them (afterEach), so none runs on into the next test. */
const live = new Set<ChildProcess>();
/** SIGKILL to the child's process group (each collect leads its own: whatever it started dies with it). */
function killGroup(child: ChildProcess): void {
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    // already gone
  }
}
afterEach(() => {
  for (const c of live) killGroup(c);
  live.clear();
});

function spawnCollect(cfg: string, env: NodeJS.ProcessEnv, extra: string[] = []): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'soc2.js'), 'collect', '--config', cfg, '--json', ...extra], { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  live.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve) =>
    child.on('close', (code, signal) => {
      live.delete(child);
      resolve({ code: code ?? (signal ? -1 : -2), stdout, stderr });
    }),
  );
  return { child, done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Resolves when `until` holds (polled every 2 ms) or the child exits; true when `until` held first. */
async function waitFor(until: () => boolean, done: Promise<unknown>, limitMs: number): Promise<boolean> {
  let exited = false;
  void done.then(() => (exited = true));
  const end = Date.now() + limitMs;
  while (!exited && Date.now() < end) {
    if (until()) return true;
    await sleep(2);
  }
  return false;
}

const manifestOf = (ev: string, id: string): Manifest => JSON.parse(readFileSync(path.join(ev, id, 'manifest.json'), 'utf8'));

describe('crashes: SIGKILL at random points, then the next collect', () => {
  let sb: AwsSandbox;
  let dir: string;
  let cfg: string;
  let env: NodeJS.ProcessEnv;
  let fullMs = 0;
  const ev = () => path.join(dir, 'evidence');
  const outcomes = new Map<string, number>();
  const count = (o: string) => outcomes.set(o, (outcomes.get(o) ?? 0) + 1);
  const log: string[] = [];

  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: company, latencyMs: LATENCY_MS });
    dir = tmpDir('soc2-crash-');
    cfg = writeConfig(dir, CONFIG);
    env = awsEnv(sb.url);
  });
  afterAll(async () => {
    console.log(`crash seed ${SEED} (replay with SOC2_CRASH_SEED=${SEED}); full collect ${fullMs} ms\n${log.join('\n')}\n${[...outcomes].map(([o, n]) => `${String(n).padStart(3)}  ${o}`).join('\n')}`);
    await sb?.close();
    removeTempDirs();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * After a kill: no torn complete bundle; then the next collect cleans up and links to the chain's
   * tip. It collects only Secrets Manager (to keep the suite short); the random trials run it in this
   * process through the same runner (no CLI start-up), the first of each pair of aimed ones through the CLI.
   */
  async function checkAndRecover(label: string, after: DirState, via: 'cli' | 'in-process'): Promise<void> {
    // verifyPath of the dir checks every complete bundle as verifyPath of that bundle alone would, then the chain
    const whole = await verifyPath(ev());
    expect(whole.bundles.map((b) => b.id).sort(), label).toEqual(after.complete);
    expect(whole.problems.filter((p) => !p.bundle.endsWith('.partial')), label).toEqual([]);
    expect(whole.problems.map((p) => p.bundle).sort(), label).toEqual([...after.partial].sort());

    const tip = latestBundle(ev(), null);
    // a leftover that holds a manifest (killed between writing it and the rename) is moved to quarantine/, a gap
    const kept = after.partial.filter((p) => existsSync(path.join(ev(), p, 'manifest.json')));
    const expectedCode = kept.length ? 3 : 0;
    let reported: string;
    let bundle: string;
    if (via === 'cli') {
      const r = await runCli(['collect', '--config', cfg, '--json', '--only', 'aws-secrets-manager'], { env });
      expect(r.code, `${label}: ${r.stderr}`).toBe(expectedCode);
      reported = r.stderr;
      bundle = JSON.parse(r.stdout).bundle;
    } else {
      const saved = { ...process.env };
      Object.assign(process.env, env);
      try {
        const r = await collectInProcess(RECOVERY_CONFIG, env, ev());
        expect(r.exitCode, `${label}: ${r.logs.join('')}`).toBe(expectedCode);
        reported = r.logs.join('');
        bundle = r.dir;
      } finally {
        for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
        Object.assign(process.env, saved);
      }
    }
    for (const p of after.partial)
      expect(reported, label).toContain(kept.includes(p) ? `moved unfinished bundle ${p} to quarantine/` : `removed unfinished bundle ${p} (no manifest) left by an interrupted collect`);
    // the person's decision: a crash leftover never joined the chain, so it is removed
    for (const p of kept) rmSync(path.join(ev(), 'quarantine', p), { recursive: true });
    if (after.lock) expect(reported, label).toContain(`took over a stale lock left by pid ${after.lock.pid ?? 0}`);
    else expect(reported).not.toContain('stale lock');
    const m = manifestOf(ev(), path.basename(bundle));
    expect(m.previous, label).toEqual(tip ? { id: tip.id, manifestSha256: tip.manifestSha256 } : null);
    const now = state(ev());
    expect(now.partial, label).toEqual([]);
    expect(now.lock, label).toBeNull();
    const v = await verifyPath(ev());
    expect(v.problems, label).toEqual([]);
  }

  it('measures one uninterrupted collect (the range of the random kill delays)', async () => {
    const t0 = Date.now();
    const r = await runCli(['collect', '--config', cfg, '--json'], { env });
    fullMs = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).status).toBe('complete');
    expect(fullMs).toBeGreaterThan(1000); // "large enough to take seconds"
  });

  it(`${TRIALS} kills at random delays in [0, full duration), each followed by a recovering collect`, async ({ signal }) => {
    const rng = new Rng(SEED);
    let kills = 0;
    // a run that ends before its delay is no kill: draw again (at most 10 extra draws); on a timeout
    // (signal) no further trial starts
    for (let i = 0; kills < TRIALS && i < TRIALS + 10 && !signal.aborted; i++) {
      const delay = rng.int(fullMs);
      const before = state(ev());
      const { child, done } = spawnCollect(cfg, env);
      let exited = false;
      void done.then(() => (exited = true));
      await Promise.race([sleep(delay), done]);
      if (!exited) killGroup(child);
      const res = await done;
      if (signal.aborted) return; // timed out: the test has failed, nothing more runs on
      const after = state(ev());
      const outcome = classify(before, after, exited && res.code !== -1);
      if (outcome === 'finished before the kill') expect(res.code, res.stderr).toBe(0);
      else kills++;
      count(outcome);
      log.push(`run ${String(i + 1).padStart(2)}: kill at ${String(delay).padStart(5)} ms → ${outcome}`);
      await checkAndRecover(`run ${i + 1} (${delay} ms, ${outcome})`, after, 'in-process');
    }
    expect(kills).toBe(TRIALS);
  }, TRIALS_BUDGET_MS);

  // Random delays rarely land in the last milliseconds of a run; these trials aim at them.
  /** Kills a collect twice, each time as soon as `hit` sees the moment aimed at. */
  async function aimedKills(what: string, label: string, hit: (before: ReturnType<typeof state>) => boolean): Promise<void> {
    for (let i = 0; i < 2; i++) {
      const before = state(ev());
      const { child, done } = spawnCollect(cfg, env);
      const hitIt = await waitFor(() => hit(before), done, 60_000);
      killGroup(child);
      const res = await done;
      const after = state(ev());
      const outcome = classify(before, after, !hitIt && res.code !== -1);
      count(`${outcome} (aimed)`);
      log.push(`${what} ${i + 1}: ${outcome}`);
      // the first recovery through the CLI (its exit code and stderr), the second in this process
      await checkAndRecover(`${label} ${i + 1} (${outcome})`, after, i === 0 ? 'cli' : 'in-process');
    }
  }

  it('kills right after the manifest is written into .partial (before the rename), twice', async () => {
    await aimedKills('aimed at the rename', 'rename trial', () => state(ev()).manifestInPartial);
  });

  it('kills right after the rename (the bundle is complete, the lock still held), twice', async () => {
    await aimedKills('aimed after the rename', 'after-rename trial', (before) => listBundleDirs(ev()).complete.length > before.complete.length);
  });
});

describe('two collects started at once on one evidence dir', () => {
  let sb: AwsSandbox;
  let dir: string;
  let cfg: string;
  let env: NodeJS.ProcessEnv;
  const ev = () => path.join(dir, 'evidence');
  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: company, latencyMs: LATENCY_MS });
    dir = tmpDir('soc2-race-');
    cfg = writeConfig(dir, CONFIG);
    env = awsEnv(sb.url);
  });
  afterAll(async () => sb?.close());

  it('without --lock-wait: one finishes, the other exits 1 naming the lock; the chain stays linear', async () => {
    const a = spawnCollect(cfg, env);
    const b = spawnCollect(cfg, env);
    const results = await Promise.all([a.done, b.done]);
    const codes = results.map((r) => r.code).sort();
    expect(codes, results.map((r) => r.stderr).join('\n')).toEqual([0, 1]);
    const loser = results.find((r) => r.code === 1)!;
    expect(loser.stderr).toMatch(/evidence dir is locked by another collect \(pid \d+ on .+ since .+\); wait for it to finish/);
    expect(loser.stderr).not.toMatch(/\n\s+at /);
    expect(loser.stdout).toBe('');
    expect(listBundleDirs(ev())).toEqual({ complete: [path.basename(JSON.parse(results.find((r) => r.code === 0)!.stdout).bundle)], partial: [] });
    expect((await verifyPath(ev())).problems).toEqual([]);
  });

  it('with --lock-wait: the second waits and chains to the first; no fork', async () => {
    const tip = latestBundle(ev(), null)!;
    const a = spawnCollect(cfg, env, ['--lock-wait', '120']);
    const b = spawnCollect(cfg, env, ['--lock-wait', '120']);
    const results = await Promise.all([a.done, b.done]);
    expect(results.map((r) => r.code), results.map((r) => r.stderr).join('\n')).toEqual([0, 0]);
    const ids = results.map((r) => path.basename(JSON.parse(r.stdout).bundle)).sort();
    const [first, second] = ids.map((id) => manifestOf(ev(), id));
    expect(first!.previous).toEqual({ id: tip.id, manifestSha256: tip.manifestSha256 });
    expect(second!.previous?.id).toBe(first!.id);
    expect(new Date(second!.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(first!.finishedAt).getTime());
    const v = await verifyPath(ev());
    expect(v.problems).toEqual([]);
    expect(v.bundles).toHaveLength(3);
  });

  it('with a stale lock left by a killed run: both take turns, one takes the stale lock over, the chain stays linear', async () => {
    const killed = spawnCollect(cfg, env);
    await waitFor(() => existsSync(path.join(ev(), LOCK_FILE)), killed.done, 30_000);
    killGroup(killed.child);
    await killed.done;
    expect(existsSync(path.join(ev(), LOCK_FILE))).toBe(true);
    const tip = latestBundle(ev(), null)!;
    const a = spawnCollect(cfg, env, ['--lock-wait', '120']);
    const b = spawnCollect(cfg, env, ['--lock-wait', '120']);
    const results = await Promise.all([a.done, b.done]);
    expect(results.map((r) => r.code), results.map((r) => r.stderr).join('\n')).toEqual([0, 0]);
    expect(results.filter((r) => r.stderr.includes(`took over a stale lock left by pid ${killed.child.pid}`)), `killed ${killed.child.pid}: ` + results.map((r) => r.stderr).join('\n---\n')).toHaveLength(1);
    const [first, second] = results.map((r) => path.basename(JSON.parse(r.stdout).bundle)).sort().map((id) => manifestOf(ev(), id));
    expect(first!.previous).toEqual({ id: tip.id, manifestSha256: tip.manifestSha256 });
    expect(second!.previous?.id).toBe(first!.id);
    const v = await verifyPath(ev());
    expect(v.problems).toEqual([]);
    rmSync(dir, { recursive: true, force: true });
  });

  // The lock itself, hammered: processes that each take and release it many times, and sometimes
  // "die" holding it (leaving a dead pid's lock behind). The shared marker file shows two holders.
  it('the lock is never held twice: 8 processes × 100 acquisitions, some dying with the lock', async () => {
    const lockDir = tmpDir('soc2-lock-');
    const script = `
      import { acquireLock } from ${JSON.stringify(path.join(repoRoot, 'dist/src/bundle/lock.js'))};
      import { closeSync, openSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
      import { hostname } from 'node:os';
      const dir = process.argv[1];
      const out = { violations: 0, stale: 0, died: 0, held: 0 };
      for (let i = 0; i < 100; i++) {
        const l = await acquireLock(dir, { waitMs: 60000, sleep: () => new Promise((r) => setTimeout(r, Math.random() * 3)) });
        out.held++;
        if (l.staleOwner) out.stale++;
        let fd;
        try { fd = openSync(dir + '/holder', 'wx'); } catch { out.violations++; }
        await new Promise((r) => setTimeout(r, 1));
        if (fd !== undefined) { closeSync(fd); unlinkSync(dir + '/holder'); }
        if (Math.random() < 0.15) {
          // die holding it: a dead process's lock stays behind
          writeFileSync(dir + '/dead' + process.pid, JSON.stringify({ pid: 2147483646, host: hostname(), startedAt: 'x' }));
          renameSync(dir + '/dead' + process.pid, dir + '/.soc2.lock');
          out.died++;
          continue;
        }
        l.release();
      }
      console.log(JSON.stringify(out));`;
    const runs = await Promise.all(
      Array.from({ length: 8 }, () => new Promise<{ code: number | null; out: string }>((resolve) => {
        const c = spawn(process.execPath, ['--input-type=module', '-e', script, lockDir], { stdio: ['ignore', 'pipe', 'inherit'] });
        let out = '';
        c.stdout.on('data', (d) => (out += d));
        c.on('close', (code) => resolve({ code, out }));
      })),
    );
    const stats = runs.map((r) => {
      expect(r.code).toBe(0);
      return JSON.parse(r.out) as { violations: number; stale: number; died: number; held: number };
    });
    const sum = (k: keyof (typeof stats)[number]) => stats.reduce((n, x) => n + x[k], 0);
    console.log(`lock stress: ${sum('held')} acquisitions, ${sum('died')} deaths holding the lock, ${sum('stale')} stale takeovers, ${sum('violations')} double holds`);
    expect(sum('held')).toBe(800);
    expect(sum('stale')).toBeGreaterThan(0);
    expect(sum('violations')).toBe(0);
    rmSync(lockDir, { recursive: true, force: true });
  }, 120_000);
});
