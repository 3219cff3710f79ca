// How often aws-iam reads its largest artifact back (22 MB for a large account): the ml-privileges
// analysis is fed while the pages are written (no read), and the three checks over the authorization
// details share one pass through the runner's per-run memo. In process, through the real runner and
// bundle writer, against the sandbox.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectors as registry } from '../../../collectors/registry.js';
import { analyzeMlAccess, type AuthorizationRecord } from '../../../collectors/aws-iam/ml-access.js';
import { artifactReader } from '../../../src/bundle/store.js';
import { loadConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/core/log.js';
import { runCollection, type RunResult } from '../../../src/core/runner.js';
import type { ArtifactReader, Collector } from '../../../src/core/types.js';
import { loadMappings } from '../../../src/mapping/index.js';
import { loadAwsFixture, startAwsSandbox, type AwsSandbox } from '../../../src/sandbox/aws/index.js';
import { awsEnv, tmpDir, writeConfig } from '../../helpers/cli.js';
import '../../../src/clients/preparers.js';

const KIND = 'aws.iam.authorization-details';
const AUTH_CHECKS = ['aws-iam.admin-principals', 'aws-iam.user-inline-policies', 'aws-iam.external-trust'];

/** Counts the passes actually started over KIND (an iterate() never iterated reads nothing). */
function counting(r: ArtifactReader, passes: { n: number }): ArtifactReader {
  return {
    ...r,
    iterate: <T>(kind: string): AsyncIterable<T> => ({
      [Symbol.asyncIterator]: () => {
        if (kind === KIND) passes.n++;
        return r.iterate<T>(kind)[Symbol.asyncIterator]();
      },
    }),
  };
}

describe('aws-iam reads authorization-details back once', () => {
  let sb: AwsSandbox;
  let run: RunResult;
  const collectPasses = { n: 0 };
  const checkPasses = { n: 0 };
  const saved = { ...process.env };

  beforeAll(async () => {
    sb = await startAwsSandbox({ seed: loadAwsFixture('small-company'), maxPageItems: 4, credentialReportPolls: 1 });
    Object.assign(process.env, awsEnv(sb.url));
    const base = tmpDir('soc2-iam-passes-');
    const cfg = writeConfig(base, 'sources:\n  aws:\n    - name: main\n      regions: [us-east-1]\n      trainingDataBuckets: [training-data]\ncollectors: [aws-iam]\n');
    const real = registry.find((c) => c.meta.id === 'aws-iam')!;
    const iam: Collector = {
      ...real,
      collect: (ctx) => real.collect({ ...ctx, written: counting(ctx.written, collectPasses) }),
      checks: real.checks.map((c) => ({ ...c, run: (i) => c.run({ ...i, artifacts: counting(i.artifacts, checkPasses) }) })),
    };
    const log = createLogger({ quiet: true, secrets: [], write: () => undefined });
    run = await runCollection({ loaded: loadConfig(cfg, registry), collectors: [iam], mappings: loadMappings(), evidenceDir: path.join(base, 'evidence'), now: () => new Date(), signKey: null, log, env: process.env });
  }, 60_000);
  afterAll(async () => {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
    await sb?.close();
  });

  it('collects completely and evaluates the checks that read it', () => {
    expect(run.manifest.status).toBe('complete');
    for (const id of AUTH_CHECKS) expect(run.findings.find((f) => f.check === id)?.status, id).toMatch(/^(pass|fail)$/);
    expect(run.findings.find((f) => f.check === 'aws-iam.admin-principals')?.status).toBe('fail'); // the fixture seeds admins
  });

  it('the ml-privileges analysis reads nothing back; the checks make one pass between them', () => {
    expect(collectPasses.n).toBe(0);
    expect(checkPasses.n).toBe(1);
  });

  it('the analysis fed while writing equals the analysis of the artifact as written', async () => {
    const reader = artifactReader(run.dir, run.manifest.artifacts, 'artifacts/main/aws-iam');
    const written = await reader.readJson<{ actions: string[]; bucketActions: string[]; buckets: string[]; principalsEvaluated: number; unknown: unknown[]; notes: string[]; assets: unknown[]; unreadBucketPolicies: string[]; unreadGroupPolicies: string[]; principals: unknown[]; bucketPolicies: Record<string, { policy: never }>; rows: unknown[] }>('aws.iam.ml-privileges');
    expect(written.rows.length).toBeGreaterThan(0);
    const again = await analyzeMlAccess(() => reader.iterate<AuthorizationRecord>(KIND), {
      actions: written.actions,
      bucketActions: written.bucketActions,
      buckets: written.buckets,
      // the bucket policies the collector read are in the artifact too
      bucketPolicies: Object.fromEntries(Object.entries(written.bucketPolicies).map(([b, v]) => [b, v.policy])),
    });
    // the collector adds where the model package group policies came from (here: sagemaker-registry did not run)
    expect(written.notes.at(-1)).toMatch(/^model package group policies not evaluated: sagemaker-registry did not run/);
    expect({ principalsEvaluated: written.principalsEvaluated, unknown: written.unknown, unreadBucketPolicies: written.unreadBucketPolicies, unreadGroupPolicies: written.unreadGroupPolicies, notes: written.notes.slice(0, -1), assets: written.assets, principals: written.principals, rows: written.rows }).toEqual(again);
  });

  it('each check alone (no memo, its own pass) finds exactly what the shared pass found', async () => {
    const reader = artifactReader(run.dir, run.manifest.artifacts, 'artifacts/main/aws-iam');
    const real = registry.find((c) => c.meta.id === 'aws-iam')!;
    for (const id of AUTH_CHECKS) {
      const check = real.checks.find((c) => c.id === id)!;
      const f = run.findings.find((x) => x.check === id)!;
      const target = { kind: 'aws' as const, source: 'main', account: f.scope.account, pathSegments: [] };
      const alone = await check.run({ target, source: {}, settings: {}, now: new Date(), artifacts: reader });
      expect({ status: alone.status, summary: alone.summary, exceptions: alone.exceptions ?? [] }, id).toEqual({ status: f.status, summary: f.summary, exceptions: f.exceptions });
    }
  });
});
