// The S3 evidence store with the real @aws-sdk/client-s3 against moto's S3 (Object Lock included):
// upload with checksums and retention, the chain continued from S3, verify from S3, tampering, streams.
import { createHash, createPrivateKey } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
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
import { createS3Client, findS3Tip, linkClaimKey, materializeEvidence, openS3Store, parseS3Location, uploadBundle, verifyS3 } from '../../src/bundle/s3.js';
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
      // by checksums (the default) the new version has none to compare; with --download its bytes are hashed
      const downloaded = await runCli(['verify', url, '--config', cfg, '--download'], { env: env() });
      expect(downloaded.code, downloaded.stdout + downloaded.stderr).toBe(4);
      expect(downloaded.stdout).toContain(`${id}/${art.path}: content changed: SHA-256 does not match the manifest`);
      expect(bad.stdout).not.toContain(`${id}/${art.path}: content changed`);
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
  // -------------------------------------------------------------------------------------------
  // the chain in S3 can neither stall nor fork (issue 14, part 2)

  /** Puts a local bundle's files into S3 as an attacker, or a soc2 without link claims, would: no claim, no checks. */
  const plant = async (bucket: string, prefix: string, bundleDir: string, stream = '_default') => {
    const id = path.basename(bundleDir);
    const files = readdirSync(bundleDir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    for (const f of files) {
      const rel = path.relative(bundleDir, path.join(f.parentPath, f.name)).split(path.sep).join('/');
      const body = readFileSync(path.join(bundleDir, rel));
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `${prefix}/${stream}/${id}/${rel}`, Body: body, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: createHash('sha256').update(body).digest('base64') }));
    }
    return id;
  };

  it('a tip dated in the future (wrong clock or planted) stops collect with exit 3 naming both ids, never a silent exit 0', async () => {
    const prefix = 'soc2/future';
    const cfg = config('future.yaml', { prefix });
    const out = path.join(dir, 'future');
    const r0 = await collect(cfg, out);
    expect(r0.code, r0.stderr).toBe(0);
    // a machine whose clock says 2099 collects once, linking to the real tip, and uploads
    const wrong = tmpDir();
    cpSync(r0.out.bundle, path.join(wrong, path.basename(r0.out.bundle)), { recursive: true });
    const futureDir = await writeTestBundle(wrong, new Date('2099-01-01T00:00:00Z'));
    const { client } = createS3Client();
    try {
      await uploadBundle(client, { bucket: LOCKED, prefix }, futureDir, { objectLock: { mode: 'COMPLIANCE', retainDays: 1 } });
    } finally {
      client.destroy();
    }
    const future = path.basename(futureDir);
    const keysBefore = await keysUnder(LOCKED, `${prefix}/`);
    for (const where of [out, path.join(dir, 'future-fresh')]) {
      const r = await collect(cfg, where);
      expect(r.code, r.stderr).toBe(3);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(new RegExp(`^soc2: the chain's tip ${future} in s3://${LOCKED}/${prefix} is dated more than 10 min after this machine's clock: a wrong clock where it was written, or a planted bundle; bundle \\S+ would sort before its previous, so nothing was collected`, 'm'));
      expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('soc2:'))).toHaveLength(1);
    }
    expect(listBundleDirs(out).complete).toEqual([path.basename(r0.out.bundle)]);
    expect(await keysUnder(LOCKED, `${prefix}/`)).toEqual(keysBefore);
    // the way out under COMPLIANCE: delete markers on the planted manifest and on the claim it made
    await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: `${prefix}/_default/${future}/manifest.json` }));
    await s3.send(new DeleteObjectCommand({ Bucket: LOCKED, Key: linkClaimKey({ bucket: LOCKED, prefix }, null, path.basename(r0.out.bundle)) }));
    const after = await collect(cfg, out);
    expect(after.code, after.stderr).toBe(0);
    expect(manifestOf(after.out.bundle).previous.id).toBe(path.basename(r0.out.bundle));
    expect(after.out.s3.bundles).toEqual([path.basename(after.out.bundle)]);

    // a few minutes of skew between two machines: still refused, since the new id would sort first
    const skewPrefix = 'soc2/skew';
    const skewed = tmpDir();
    const ahead = await writeTestBundle(skewed, new Date(Date.now() + 3 * 60_000));
    const { client: c2 } = createS3Client();
    try {
      await uploadBundle(c2, { bucket: LOCKED, prefix: skewPrefix }, ahead);
    } finally {
      c2.destroy();
    }
    const r = await collect(config('skew.yaml', { prefix: skewPrefix }), path.join(dir, 'skew'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toContain(`the chain's tip ${path.basename(ahead)} in s3://${LOCKED}/${skewPrefix} is not older than the bundle being written`);
  });

  it('two collects at once on one stream never fork the chain in S3: the loser keeps its bundle local and exits 3 (5 trials)', async () => {
    const outcomes: string[] = [];
    let loserDir: string | null = null;
    let loserPrefix = '';
    for (let t = 1; t <= 5; t++) {
      const prefix = `soc2/race-${t}`;
      const cfg = config(`race-${t}.yaml`, { prefix });
      // even trials start from an existing tip, odd ones from an empty stream (both claim the first link)
      if (t % 2 === 0) expect((await collect(cfg, path.join(dir, `race-${t}-seed`))).code).toBe(0);
      const dirs = [path.join(dir, `race-${t}-a`), path.join(dir, `race-${t}-b`)];
      const runs = await Promise.all(dirs.map((d) => collect(cfg, d)));
      const codes = runs.map((r) => r.code);
      outcomes.push(codes.join('/'));
      for (const r of runs) {
        expect([0, 3], r.stderr).toContain(r.code);
        expect(r.out.status).toBe('complete');
        if (r.code === 3) {
          expect(r.out.s3.ok).toBe(false);
          expect(r.out.s3.error).toMatch(/^bundle \S+ follows (\S+|\(the chain's start\)), but \S+ already follows it in S3 \(another collect got there first\); bundle \S+ is kept in \S+ only, not uploaded, so the chain in s3:\/\/\S+ does not fork; the next collect links to \S+$/);
          expect(r.stderr).toContain('error: S3 evidence store: bundle ');
          expect(listBundleDirs(path.dirname(r.out.bundle)).complete).toEqual([path.basename(r.out.bundle)]);
          loserDir ??= path.dirname(r.out.bundle);
          if (loserDir === path.dirname(r.out.bundle)) loserPrefix = prefix;
        }
      }
      expect(codes).toContain(0);
      const v = await verifyS3(`s3://${LOCKED}/${prefix}`, { requireObjectLock: 'COMPLIANCE' });
      expect(v.problems, `trial ${t}`).toEqual([]);
      expect(v.bundles).toHaveLength((t % 2 === 0 ? 1 : 0) + codes.filter((c) => c === 0).length);
    }
    console.log(`[s3] 5 trials of two concurrent collects on one stream (exit codes): ${outcomes.join(', ')}; no fork reached S3`);
    // the loser's next collect links to the winner's bundle and uploads; its lost bundle stays local only
    if (loserDir) {
      const again = await collect(config('race-again.yaml', { prefix: loserPrefix }), loserDir);
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/warning: local bundle\(s\) \S+ are not in the chain in s3:\/\/\S+ \(another collect continued it first\); they stay in \S+ and are never uploaded/);
      expect(again.out.s3.bundles).toEqual([path.basename(again.out.bundle)]);
      expect((await verifyS3(`s3://${LOCKED}/${loserPrefix}`)).problems).toEqual([]);
    }
  });

  it('a fork already in S3 makes collect say so and exit 3 without uploading', async () => {
    const prefix = 'soc2/forked';
    const a = tmpDir();
    const [first] = await writeChain(a, 1);
    const b = tmpDir();
    cpSync(first!, path.join(b, path.basename(first!)), { recursive: true });
    const left = await writeTestBundle(a, new Date('2026-01-02T02:00:00Z'));
    const right = await writeTestBundle(b, new Date('2026-01-02T03:00:00Z'));
    for (const d of [first!, left, right]) await plant(PLAIN, prefix, d);
    // soc2's own upload refuses the second branch: its link is claimed
    const { client } = createS3Client();
    try {
      await uploadBundle(client, { bucket: PLAIN, prefix: 'soc2/claimed' }, first!);
      await uploadBundle(client, { bucket: PLAIN, prefix: 'soc2/claimed' }, left);
      await expect(uploadBundle(client, { bucket: PLAIN, prefix: 'soc2/claimed' }, right)).rejects.toMatchObject({ name: 'LinkTaken', winner: path.basename(left) });
      const claim = await s3.send(new GetObjectCommand({ Bucket: PLAIN, Key: linkClaimKey({ bucket: PLAIN, prefix: 'soc2/claimed' }, null, path.basename(first!)) }));
      expect(JSON.parse(await claim.Body!.transformToString())).toMatchObject({ previous: path.basename(first!), next: path.basename(left) });
      expect(await keysUnder(PLAIN, `soc2/claimed/_default/${path.basename(right)}/`)).not.toContain(`soc2/claimed/_default/${path.basename(right)}/manifest.json`);
    } finally {
      client.destroy();
    }
    const keysBefore = await keysUnder(PLAIN, `${prefix}/`);
    const r = await collect(config('forked.yaml', { bucket: PLAIN, prefix, lock: false }), path.join(dir, 'forked'));
    expect(r.code, r.stderr).toBe(3);
    expect(r.out.s3.ok).toBe(false);
    expect(r.out.s3.error).toContain(`the chain in s3://${PLAIN}/${prefix} forks: its tip ${path.basename(right)} follows ${path.basename(first!)}, which ${path.basename(left)} also follows or comes after`);
    expect(await keysUnder(PLAIN, `${prefix}/`)).toEqual(keysBefore);
  });

  it('a claim whose upload stopped before its manifest: another machine is told which object blocks the link; the holder finishes it', async () => {
    const prefix = 'soc2/stalled-claim';
    const cfg = config('stalled-claim.yaml', { prefix, lock: false, bucket: PLAIN });
    const holder = path.join(dir, 'stalled-holder');
    const seed = await collect(cfg, holder);
    expect(seed.code, seed.stderr).toBe(0);
    // the holder's next collect was killed between claiming the link and writing manifest.json
    const x = await writeTestBundle(holder, new Date());
    const xid = path.basename(x);
    await plant(PLAIN, prefix, x);
    await s3.send(new DeleteObjectCommand({ Bucket: PLAIN, Key: `${prefix}/_default/${xid}/manifest.json` }));
    const claimKey = linkClaimKey({ bucket: PLAIN, prefix }, null, path.basename(seed.out.bundle));
    await s3.send(new PutObjectCommand({ Bucket: PLAIN, Key: claimKey, Body: JSON.stringify({ previous: path.basename(seed.out.bundle), next: xid }) }));

    const other = await collect(cfg, path.join(dir, 'stalled-other'));
    expect(other.code, other.stderr).toBe(3);
    expect(other.out.s3.error).toContain(`${xid} claimed the link but its upload never finished (no manifest.json): the chain in S3 cannot continue until the machine holding ${xid} runs collect again, or s3://${PLAIN}/${claimKey} is deleted`);
    const again = await collect(cfg, holder);
    expect(again.code, again.stderr).toBe(0);
    expect(again.out.s3.bundles).toEqual([xid, path.basename(again.out.bundle)]);
    expect((await verifyS3(`s3://${PLAIN}/${prefix}`)).problems).toEqual([]);
  });

  it("the copy of S3's tip lives inside the evidence dir, never in /tmp, and a crashed run's copy is removed", async () => {
    const prefix = 'soc2/temps';
    const cfg = config('temps.yaml', { prefix });
    expect((await collect(cfg, path.join(dir, 'temps-seed'))).code).toBe(0);
    const fresh = path.join(dir, 'temps-fresh');
    const leftover = path.join(fresh, '.soc2-s3-previous-Ab12Cd');
    mkdirSync(path.join(leftover, 'x'), { recursive: true });
    // no usable temp dir at all: a copy made in os.tmpdir() would fail
    const r = await runCli(['collect', '--config', cfg, '--out', fresh, '--json', '--verbose'], { env: { ...env(), TMPDIR: path.join(dir, 'no-such-tmp') } });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(r.stderr).toContain(`removing .soc2-s3-previous-Ab12Cd, left in ${fresh} by an interrupted collect`);
    expect(r.stderr).toContain('continuing the chain from');
    expect(r.stderr).not.toContain('could not fetch');
    expect(manifestOf(out.bundle).previous).not.toBeNull();
    expect(readdirSync(fresh).filter((n) => n.startsWith('.soc2-s3-previous-'))).toEqual([]);
  });
});
