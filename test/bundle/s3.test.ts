// The S3 evidence store with the real @aws-sdk/client-s3 against moto's S3 (Object Lock included):
// upload with checksums and retention, the chain continued from S3, verify from S3, tampering, streams.
import { createHash, createPrivateKey } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, findS3Tip, materializeEvidence, openS3Store, parseS3Location, uploadBundle, verifyS3 } from '../../src/bundle/s3.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { listBundleDirs } from '../../src/bundle/store.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { writeChain, writeTestBundle } from '../helpers/bundles.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();
const LOCKED = 'soc2-evidence-locked';
const PLAIN = 'soc2-evidence-plain';
const b64 = (hex: string) => Buffer.from(hex, 'hex').toString('base64');
const sha = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('s3 locations', () => {
  it('parses s3://bucket/prefix and rejects a bad bucket', () => {
    expect(parseS3Location('s3://my-bucket/a/b/')).toEqual({ bucket: 'my-bucket', prefix: 'a/b' });
    expect(parseS3Location('s3://my-bucket')).toEqual({ bucket: 'my-bucket', prefix: '' });
    expect(parseS3Location('evidence')).toBeNull();
    expect(() => parseS3Location('s3://A_bad/x')).toThrow(/valid bucket name/);
  });
});

// An endpoint that accepts the connection and never answers: the store's client has the collectors'
// socket timeout (src/clients/aws.ts, SOC2_AWS_SOCKET_TIMEOUT_MS), so every attempt ends, and with them
// the command, with a clear error instead of a hang.
describe('S3 evidence store: an endpoint that never answers', () => {
  let server: Server;
  let url: string;
  const sockets = new Set<Socket>();
  const env = () => awsEnv(url, { SOC2_AWS_SOCKET_TIMEOUT_MS: '300' });
  const saved = { AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY };
  beforeAll(async () => {
    // in-process, the SDK's credential chain reads process.env (the endpoint and timeout come from `env`)
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key' });
    server = createServer((s) => {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    for (const s of sockets) s.destroy();
    await new Promise((r) => server?.close(r));
  });

  it('soc2 verify s3://… exits 2 naming the timeout within seconds', async () => {
    const t0 = Date.now();
    const r = await runCli(['verify', 's3://soc2-stalled/evidence'], { env: env(), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/s3:\/\/soc2-stalled\/evidence: cannot read the evidence \(TimeoutError: .*timed out after 300 ms/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  });

  it('the store used by collect gives up on the chain\'s tip with a warning, not a hang', async () => {
    const warnings: string[] = [];
    const store = openS3Store({ bucket: 'soc2-stalled', prefix: 'evidence' }, { env: env(), log: { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) } });
    const t0 = Date.now();
    try {
      expect(await store.remotePrevious(null, null)).toBeNull();
    } finally {
      await store.close();
    }
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(warnings.join('\n')).toMatch(/cannot read the chain's tip from s3:\/\/soc2-stalled\/evidence \(TimeoutError: /);
  });
});

describe.skipIf(!moto.ok)('S3 evidence store (moto)', () => {
  let m: Moto;
  let s3: S3Client;
  let dir: string;
  const env = () => awsEnv(m.url);
  const config = (name: string, o: { bucket?: string; prefix: string; stream?: string; lock?: boolean }) =>
    writeConfig(
      dir,
      [
        'sources:',
        '  aws:',
        '    - name: main',
        '      regions: [us-east-1]',
        'collectors: [aws-iam]',
        'evidence:',
        '  dir: evidence',
        ...(o.stream ? [`  stream: ${o.stream}`] : []),
        '  s3:',
        `    bucket: ${o.bucket ?? LOCKED}`,
        `    prefix: ${o.prefix}`,
        ...(o.lock === false ? [] : ['    objectLock: {mode: COMPLIANCE, retainDays: 1}']),
        '',
      ].join('\n'),
      name,
    );
  const collect = async (cfg: string, out: string, extra: string[] = []) => {
    const r = await runCli(['collect', '--config', cfg, '--out', out, '--json', ...extra], { env: env() });
    return { ...r, out: r.stdout.trim() ? JSON.parse(r.stdout) : null };
  };
  const manifestOf = (bundleDir: string) => JSON.parse(readFileSync(path.join(bundleDir, 'manifest.json'), 'utf8'));
  const keysUnder = async (bucket: string, prefix: string) => {
    const out: string[] = [];
    let token: string | undefined;
    do {
      const p = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      out.push(...(p.Contents ?? []).map((c) => c.Key!));
      token = p.NextContinuationToken;
    } while (token);
    return out.sort();
  };

  beforeAll(async () => {
    m = await startMoto();
    // in-process calls (materializeEvidence, uploadBundle) use the SDK's standard chain, like the CLI
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: m.url });
    s3 = new S3Client({ region: 'us-east-1', endpoint: m.url, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret-key' } });
    await s3.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
    await s3.send(new CreateBucketCommand({ Bucket: PLAIN }));
    dir = tmpDir();
  });
  afterAll(async () => {
    s3?.destroy();
    await m?.stop();
  });

  describe('one stream, Object Lock in COMPLIANCE mode', () => {
    let cfg: string;
    let first: string;
    let firstManifest: any;
    let second: string;
    const prefix = 'soc2/prod';

    it('collect uploads every file with its SHA-256 checksum and retention, manifest included', async () => {
      cfg = config('prod.yaml', { prefix });
      const t0 = Date.now();
      const r = await collect(cfg, path.join(dir, 'ci-1'));
      expect(r.code, r.stderr).toBe(0);
      first = r.out.bundle;
      firstManifest = manifestOf(first);
      const id = path.basename(first);
      expect(r.out.s3).toMatchObject({ ok: true, location: `s3://${LOCKED}/${prefix}`, bundles: [id] });
      const base = `${prefix}/_default/${id}/`;
      const keys = await keysUnder(LOCKED, base);
      const expected = [...firstManifest.files.map((f: { path: string }) => f.path), 'manifest.json'].sort();
      expect(keys.map((k) => k.slice(base.length))).toEqual(expected);
      expect(r.out.s3.objects).toBe(expected.length);
      const bytes = new Map<string, string>(firstManifest.files.map((f: { path: string; sha256: string }) => [f.path, f.sha256]));
      bytes.set('manifest.json', sha(readFileSync(path.join(first, 'manifest.json'))));
      for (const k of keys) {
        const h = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: k, ChecksumMode: 'ENABLED' }));
        expect(h.ChecksumSHA256, k).toBe(b64(bytes.get(k.slice(base.length))!));
        expect(h.ObjectLockMode, k).toBe('COMPLIANCE');
        const until = h.ObjectLockRetainUntilDate!.getTime();
        expect(until).toBeGreaterThan(t0 + 86_400_000 - 5_000);
        expect(until).toBeLessThan(Date.now() + 86_400_000 + 5_000);
      }
      expect(r.out.s3.calls).toBe(1 + expected.length + 1); // one ListObjectsV2 for the tip (none yet), one PutObject per file, one for the link's claim
      console.log(`[s3] collect of one bundle: ${r.out.s3.objects} objects, ${r.out.s3.bytes} bytes; tip lookup ${r.out.s3.lookupMs} ms, upload ${r.out.s3.ms} ms, ${r.out.s3.calls} S3 calls`);
    });

    it('refuses to delete or replace a locked version', async () => {
      const key = `${prefix}/_default/${path.basename(first)}/manifest.json`;
      const h = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key }));
      const del = s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: key, VersionId: h.VersionId }));
      await expect(del).rejects.toMatchObject({ name: 'AccessDenied' });
      const bypass = s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: key, VersionId: h.VersionId, BypassGovernanceRetention: true }));
      await expect(bypass).rejects.toMatchObject({ name: 'AccessDenied' });
      // soc2's own writes never replace a key: a second upload of the bundle finds the same bytes and moves on
      const { client } = createS3Client();
      try {
        const again = await uploadBundle(client, { bucket: LOCKED, prefix }, first, { objectLock: { mode: 'COMPLIANCE', retainDays: 1 } });
        expect(again.objects).toBe(firstManifest.files.length + 1);
        const put = client.send(new PutObjectCommand({ Bucket: LOCKED, Key: key, Body: 'x', IfNoneMatch: '*' }));
        await expect(put).rejects.toMatchObject({ $metadata: { httpStatusCode: 412 } });
      } finally {
        client.destroy();
      }
      const still = await s3.send(new HeadObjectCommand({ Bucket: LOCKED, Key: key }));
      expect(still.VersionId).toBe(h.VersionId);
    });

    it('a collect from an empty evidence dir continues the chain from S3', async () => {
      const fresh = path.join(dir, 'ci-2');
      const r = await collect(cfg, fresh, ['--verbose']);
      expect(r.code, r.stderr).toBe(0);
      second = path.basename(r.out.bundle);
      const mf = manifestOf(r.out.bundle);
      const s3Manifest = await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: `${prefix}/_default/${path.basename(first)}/manifest.json` }));
      const bytes = Buffer.from(await s3Manifest.Body!.transformToByteArray());
      expect(mf.previous).toEqual({ id: path.basename(first), manifestSha256: sha(bytes) });
      expect(bytes.equals(readFileSync(path.join(first, 'manifest.json')))).toBe(true);
      expect(listBundleDirs(fresh).complete).toEqual([path.basename(r.out.bundle)]);
      expect(r.out.s3.bundles).toEqual([path.basename(r.out.bundle)]);
      // the previous bundle's artifacts were fetched (checked) for the collectors to compare with
      expect(r.stderr).toContain(`continuing the chain from s3://${LOCKED}/${prefix}: ${path.basename(first)}`);
      expect(r.stderr).not.toContain('could not fetch');
      // ListObjectsV2 + the tip's manifest + each of its files, then one PutObject per object uploaded and the link's claim
      expect(r.out.s3.calls).toBe(2 + firstManifest.files.length + r.out.s3.objects + 1);
      console.log(`[s3] collect from an empty dir: tip lookup + previous bundle fetched in ${r.out.s3.lookupMs} ms, upload ${r.out.s3.ms} ms, ${r.out.s3.calls} S3 calls`);
    });

    it('verify s3://… passes, then names the bundle and file after an object is replaced by a new version', async () => {
      const url = `s3://${LOCKED}/${prefix}`;
      const t0 = Date.now();
      const ok = await runCli(['verify', url, '--config', cfg, '--json'], { env: env() });
      const ms = Date.now() - t0;
      expect(ok.code, ok.stdout + ok.stderr).toBe(0);
      const res = JSON.parse(ok.stdout);
      expect(res.bundles).toHaveLength(2);
      console.log(`[s3] verify s3:// of 2 bundles: ${res.s3.objects} objects, ${res.s3.bytes} bytes, ${res.s3.calls} S3 calls, ${res.s3.ms} ms download, ${ms} ms CLI wall time`);

      const id = path.basename(first);
      const art = firstManifest.artifacts.find((a: { bytes: number }) => a.bytes > 16);
      const key = `${prefix}/_default/${id}/${art.path}`;
      // the attacker writes a new version with one byte changed (allowed: the locked version stays
      // underneath), and a reader now gets that one
      const orig = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: LOCKED, Key: key }))).Body!.transformToByteArray());
      orig[8] = orig[8]! ^ 1;
      await s3.send(new PutObjectCommand({ Bucket: LOCKED, Key: key, Body: orig }));
      // and hides the newest bundle: a plain DeleteObject is allowed under Object Lock (it adds a delete marker)
      await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: `${prefix}/_default/${second}/manifest.json` }));
      const bad = await runCli(['verify', url, '--config', cfg], { env: env() });
      expect(bad.code, bad.stdout + bad.stderr).toBe(4);
      expect(bad.stdout).toContain(`${id}/${art.path}: content changed: SHA-256 does not match the manifest`);
      expect(bad.stdout).toContain(`${id}/${art.path}: S3: overwritten after upload: the key has 2 versions`);
      expect(bad.stdout).toContain(`${id}/${art.path}: S3: object has no Object Lock retention`);
      expect(bad.stdout).toContain(`${id}/${art.path}: S3: object has no SHA-256 checksum`);
      expect(bad.stdout).toContain(`${second}/manifest.json: S3: deleted after upload: a delete marker hides the bundle`);
      // and the report's entry point refuses to hand out the tampered copy
      await expect(materializeEvidence(url)).rejects.toThrow(new RegExp(`${id}/${art.path.replace(/[.]/g, '\\.')}`));
    });
  });

  it('two streams share one prefix, each with a linear chain; materializeEvidence lays them out flat', async () => {
    const prefix = 'soc2/multi';
    const a = config('a.yaml', { prefix, stream: 'iam-a' });
    const b = config('b.yaml', { prefix, stream: 'iam-b' });
    // two CI jobs running at the same time, each day, each on a fresh machine with no local evidence
    const ids: Record<string, string[]> = { 'iam-a': [], 'iam-b': [] };
    for (const day of [1, 2]) {
      const runs = await Promise.all(([['iam-a', a], ['iam-b', b]] as const).map(async ([stream, cfg]) => ({ stream, r: await collect(cfg, path.join(dir, `multi-${stream}-${day}`)) })));
      for (const { stream, r } of runs) {
        expect(r.code, r.stderr).toBe(0);
        const mf = manifestOf(r.out.bundle);
        expect(mf.stream).toBe(stream);
        expect(mf.previous?.id ?? null).toBe(ids[stream]!.at(-1) ?? null);
        ids[stream]!.push(mf.id);
      }
    }
    const folders = new Set((await keysUnder(LOCKED, `${prefix}/`)).map((k) => k.split('/')[2]));
    expect([...folders].sort()).toEqual(['iam-a', 'iam-b']);

    const v = await verifyS3(`s3://${LOCKED}/${prefix}`, { requireObjectLock: 'COMPLIANCE' });
    expect(v.problems).toEqual([]);
    expect(v.bundles).toHaveLength(4);

    const mat = await materializeEvidence(`s3://${LOCKED}/${prefix}`, { requireObjectLock: 'COMPLIANCE' });
    try {
      expect(mat.source).toBe('s3');
      expect(mat.problems).toEqual([]);
      expect(mat.unfinished).toEqual([]);
      expect(listBundleDirs(mat.dir).complete).toEqual([...ids['iam-a']!, ...ids['iam-b']!].sort());
      const r = await verifyPath(mat.dir);
      expect(r.ok).toBe(true);
      expect(r.bundles.map((x) => x.stream).sort()).toEqual(['iam-a', 'iam-a', 'iam-b', 'iam-b']);
    } finally {
      await mat.cleanup();
    }
    expect(existsSync(mat.dir)).toBe(false);
    const local = await materializeEvidence(dir);
    expect(local).toMatchObject({ dir, source: 'local', problems: [] });
  });

  it('uploads the manifest last, finds the tip across pages, and skips an unfinished upload', async () => {
    const loc = { bucket: PLAIN, prefix: 'paged' };
    const ev = tmpDir();
    const k = generateSigningKeyPair();
    const key = { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId };
    const dirs = [...(await writeChain(ev, 3)), await writeTestBundle(ev, new Date('2026-01-05T02:00:00Z'), { key })];
    const { client, counter } = createS3Client();
    const order: string[] = [];
    client.middlewareStack.add((next: any) => async (args: any) => {
      if (args.input?.Body !== undefined && args.input?.Key) order.push(args.input.Key);
      return next(args);
    }, { step: 'initialize', name: 'recordPuts' });
    try {
      for (const d of dirs.slice(0, 3)) await uploadBundle(client, loc, d);
      const calls = counter.calls;
      await uploadBundle(client, loc, dirs[3]!);
      const signedOrder = order.slice(-5).map((x) => x.split('/').slice(2).join('/'));
      // the link is claimed after every other object, just before the manifest that finishes the bundle
      expect(signedOrder.slice(-3)).toEqual([`${path.basename(dirs[3]!)}/manifest.sig`, `_links/${path.basename(dirs[2]!)}.json`, `${path.basename(dirs[3]!)}/manifest.json`]);
      expect(counter.calls - calls).toBe(6); // 2 artifacts + findings + signature + claim + manifest: one PutObject each
      // an upload that stopped before its manifest: the tip stays at the last finished bundle
      await client.send(new PutObjectCommand({ Bucket: PLAIN, Key: 'paged/_default/2026-01-09T00-00-00Z-abcd/findings.json', Body: '[]\n' }));
      const tip = await findS3Tip(client, loc, null, { pageSize: 1 });
      expect(tip?.id).toBe(path.basename(dirs[3]!));
      expect(tip?.manifestSha256).toBe(sha(readFileSync(path.join(dirs[3]!, 'manifest.json'))));
      expect(await findS3Tip(client, loc, 'other')).toBeNull();
      const mat = await materializeEvidence(`s3://${PLAIN}/paged`, { strict: false });
      try {
        expect(mat.problems).toEqual([]);
        expect(mat.unfinished).toEqual([{ bundle: '2026-01-09T00-00-00Z-abcd', stream: '_default', message: expect.stringContaining('unfinished upload in S3') }]);
        expect(listBundleDirs(mat.dir).complete).toEqual(dirs.map((d) => path.basename(d)));
        expect((await verifyPath(mat.dir)).ok).toBe(true);
      } finally {
        await mat.cleanup();
      }
      // verify notes the unfinished upload but passes: no finished bundle links to it
      const v = await verifyS3(`s3://${PLAIN}/paged`);
      expect(v.ok).toBe(true);
      expect(v.notes.map((n) => n.bundle)).toEqual(['2026-01-09T00-00-00Z-abcd']);
      expect(v.bundles.map((b) => b.signed)).toEqual([false, false, false, true]);
    } finally {
      client.destroy();
    }
  });

  it('a failed upload exits 3 with one error line and an intact local bundle; the next collect uploads both', async () => {
    // Object Lock requested on a bucket without it: S3 refuses the retention headers
    const bad = config('nolock.yaml', { bucket: PLAIN, prefix: 'retry' });
    const out = path.join(dir, 'retry');
    const r1 = await collect(bad, out);
    expect(r1.code).toBe(3);
    expect(r1.out.status).toBe('complete');
    expect(r1.out.s3.ok).toBe(false);
    expect(r1.stderr).toMatch(/error: S3 evidence store: upload of bundle \S+ to s3:\/\/soc2-evidence-plain\/retry failed at retry\/_default\/\S+: .+; the local bundle is intact and the next collect uploads it/);
    expect((await verifyPath(out)).ok).toBe(true);
    const fixed = config('nolock-fixed.yaml', { bucket: PLAIN, prefix: 'retry', lock: false });
    const r2 = await collect(fixed, out);
    expect(r2.code, r2.stderr).toBe(0);
    expect(r2.out.s3.bundles).toEqual([path.basename(r1.out.bundle), path.basename(r2.out.bundle)]);
    const v = await verifyS3(`s3://${PLAIN}/retry`);
    expect(v.problems).toEqual([]);
    expect(v.bundles).toHaveLength(2);
    // and a missing bucket is a usage error (exit 2)
    await expect(materializeEvidence('s3://no-such-evidence-bucket/x')).rejects.toMatchObject({ exitCode: 2, message: 's3://no-such-evidence-bucket/x: no such bucket' });
  });
});
