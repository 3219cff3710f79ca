// `evidence add --now` with evidence.s3 configured: the manual-evidence bundle is chained after S3's
// tip and uploaded like a collected one (moto's S3 with Object Lock, the real SDK, through the CLI).
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { awsEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();
const BUCKET = 'soc2-manual-locked';

describe.skipIf(!moto.ok)('soc2 evidence add --now with an S3 store (moto)', () => {
  let m: Moto;
  let s3: S3Client;
  beforeAll(async () => {
    m = await startMoto();
    s3 = new S3Client({ region: 'us-east-1', endpoint: m.url, forcePathStyle: true, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing-secret-key' } });
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET, ObjectLockEnabledForBucket: true }));
  });
  afterAll(async () => {
    s3?.destroy();
    await m?.stop();
  });

  it('uploads the bundle with checksums and retention; a second machine chains its bundle after S3\'s tip', async () => {
    const dir = tmpDir('soc2-manual-s3-');
    const keys = generateSigningKeyPair();
    writeFileSync(path.join(dir, 'key.pem'), keys.privatePem);
    const config = writeConfig(dir, `evidence:\n  dir: evidence\n  s3:\n    bucket: ${BUCKET}\n    prefix: soc2\n    objectLock: {mode: COMPLIANCE, retainDays: 1}\nsources: {}\n`);
    const add = async (file: string, evidence: string) => {
      writeFileSync(path.join(dir, file), `report ${file}\n`);
      const r = await runCli(['evidence', 'add', file, '--control', 'pentest', '--covers', '2026-01-05', '--now', '--sign-key', 'key.pem', '-c', config, '-e', evidence, '--json'], { cwd: dir, env: awsEnv(m.url) });
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout) as { bundle: string; s3: { ok: boolean; bundles: string[]; objects: number; calls: number } };
    };
    const first = await add('pentest-a.pdf', 'ci-1');
    const id = path.basename(first.bundle);
    expect(first.s3).toMatchObject({ ok: true, bundles: [id] });
    const key = `soc2/_default/${id}/manifest.json`;
    const h = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key, ChecksumMode: 'ENABLED' }));
    expect(h.ObjectLockMode).toBe('COMPLIANCE');
    const local = readFileSync(path.join(first.bundle, 'manifest.json'));
    expect(h.ChecksumSHA256).toBe(createHash('sha256').update(local).digest('base64'));
    // another checkout with an empty evidence dir: its bundle links to the one in S3
    const second = await add('pentest-b.pdf', 'ci-2');
    const m2 = JSON.parse(readFileSync(path.join(second.bundle, 'manifest.json'), 'utf8'));
    const remote = Buffer.from(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }))).Body!.transformToByteArray());
    expect(m2.previous).toEqual({ id, manifestSha256: createHash('sha256').update(remote).digest('hex') });
    expect(second.s3).toMatchObject({ ok: true, bundles: [path.basename(second.bundle)] });
    console.log(`[s3] evidence add --now: ${first.s3.objects} objects, ${first.s3.calls} S3 calls; from an empty dir ${second.s3.calls} S3 calls`);
  });
});
