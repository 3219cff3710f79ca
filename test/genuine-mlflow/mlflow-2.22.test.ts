// The genuine MLflow 2.22 server (vendored source, Debian's python3): seeded through its own Python
// client, collected by both MLflow collectors through the CLI, compared with what the client reports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tmpDir } from '../helpers/cli.js';
import { collect, mlflowEnv, type Collected } from '../collectors/mlflow-registry/helpers.js';
import type { GenuineServer } from './server.js';
import { available, notAnswered, seededServer, compareWithClient, expectPromotionEvents, genuineConfig, HOOK, leakedCanaries, type Seeded, type Truth } from './suite.js';
import { describeBasicAuth } from './basic-auth.js';
import { describeContract } from './contract.js';

describe.skipIf(!available)('genuine MLflow 2.22 (gunicorn, no auth)', () => {
  let server: GenuineServer;
  let seed: Seeded;
  let truth: Truth;
  let first: Collected;
  let second: Collected;
  let promoted: any;
  let evidence: string;
  /** the server's access log lines of each collection (the seeding client's requests left out) */
  const during: Record<string, ReturnType<GenuineServer['accessLog']>> = {};

  beforeAll(async () => {
    ({ server, seed, truth } = await seededServer('2.22'));
    const dir = tmpDir('soc2-genuine-222-');
    evidence = `${dir}/evidence`;
    const cfg = genuineConfig(dir, server.url);
    let before = server.accessLog().length;
    first = await collect(cfg, mlflowEnv(server.url));
    during.first = server.accessLog().slice(before);
    promoted = await server.py('promote');
    before = server.accessLog().length;
    second = await collect(cfg, mlflowEnv(server.url));
    during.second = server.accessLog().slice(before);
  }, HOOK);
  afterAll(() => server?.stop());

  compareWithClient(() => first, () => truth, () => seed, false);
  describeContract('2.22', () => ({ server, seed, truth }));

  it('never writes or prints a planted credential', () => {
    expect(seed.canaries.length).toBeGreaterThan(8);
    expect(leakedCanaries(seed.canaries, first, second)).toEqual([]);
  });

  it('logs exactly the promotion and the alias move made between the collections', () => {
    expectPromotionEvents(second, promoted);
  });

  it('verifies the chain of both bundles', async () => {
    const v = await runCli(['verify', evidence]);
    expect(v.code, v.stdout + v.stderr).toBe(0);
  });

  it('makes the calls the server logged, each answered 2xx or the documented not-supported 404', () => {
    for (const [which, c] of [['first', first], ['second', second]] as const) {
      const log = during[which]!;
      expect(notAnswered(log), which).toEqual([]);
      // every request the server received is counted by a collector, but the source's workspace probe
      const counted = c.manifest.collectors.reduce((n: number, e: any) => n + e.apiCalls, 0);
      expect(log.length, which).toBe(counted + 1);
    }
    console.info(`genuine 2.22: ${during.first!.length} HTTP requests for a collection (${first.manifest.collectors.map((e: any) => `${e.id} ${e.apiCalls}`).join(', ')}, workspace probe 1)`);
  });
});

describeBasicAuth('2.22');
