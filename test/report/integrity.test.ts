// The report's integrity section read from S3 (moto, Object Lock included): with the trusted key it
// states, per object read, whether S3 Object Lock mode and retention were seen; --require-object-lock
// fails evidence that was not stored write-once.
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, uploadBundle } from '../../src/bundle/s3.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { awsEnv, runCli, tmpDir } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';
import { writeScenario } from './fixtures.js';

const moto = motoAvailable();
const LOCKED = 'soc2-report-locked';
const PLAIN = 'soc2-report-plain';

describe.skipIf(!moto.ok)('report from s3://: write-once storage per object (moto)', () => {
  let m: Moto;
  let root: string;
  let keyFile: string;
  let keyId: string;
  let objects: number;
  beforeAll(async () => {
    m = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: m.url });
    root = tmpDir('soc2-report-s3-');
    const k = generateSigningKeyPair();
    keyId = k.keyId;
    keyFile = path.join(root, 'owner.pub.pem');
    writeFileSync(keyFile, k.publicPem);
    const dirs = Object.values(await writeScenario(path.join(root, 'evidence'), { key: { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId } }));
    const { client } = createS3Client();
    try {
      await client.send(new CreateBucketCommand({ Bucket: LOCKED, ObjectLockEnabledForBucket: true }));
      await client.send(new CreateBucketCommand({ Bucket: PLAIN }));
      objects = 0;
      for (const d of dirs) {
        objects += (await uploadBundle(client, { bucket: LOCKED, prefix: 'ev' }, d, { objectLock: { mode: 'COMPLIANCE', retainDays: 30 } })).objects;
        await uploadBundle(client, { bucket: PLAIN, prefix: 'ev' }, d);
      }
    } finally {
      client.destroy();
    }
  });
  afterAll(async () => m?.stop());

  it('states Object Lock mode and retention seen on every object, and the keys that signed', async () => {
    const out = path.join(root, 'locked');
    const r = await runCli(['report', '--evidence', `s3://${LOCKED}/ev`, '--out', out, '--public-key', keyFile, '--require-object-lock', '--json'], { env: awsEnv(m.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).integrity).toMatchObject({ ok: true, mode: 'trusted', keys: [{ keyId, bundles: 6 }], writeOnce: { source: 's3', objects, locked: objects, modes: { COMPLIANCE: objects, GOVERNANCE: 0 } } });
    const w = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8')).integrity.writeOnce;
    expect(w.bundles).toHaveLength(6);
    for (const b of w.bundles) expect(b).toMatchObject({ mode: 'COMPLIANCE', locked: b.objects, retainUntil: expect.stringMatching(/^\d{4}-/) });
    expect(w.unlocked).toEqual([]);
    expect(readFileSync(path.join(out, 'report.md'), 'utf8')).toContain(`read from S3: ${objects} of ${objects} object(s) under Object Lock (${objects} COMPLIANCE`);
  });

  it('says so when objects carry no retention, and --require-object-lock fails them (exit 4)', async () => {
    const out = path.join(root, 'plain');
    const r = await runCli(['report', '--evidence', `s3://${PLAIN}/ev`, '--out', out, '--public-key', keyFile, '--json'], { env: awsEnv(m.url) });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).integrity.writeOnce).toEqual({ source: 's3', objects, locked: 0, modes: { COMPLIANCE: 0, GOVERNANCE: 0 } });
    const req = await runCli(['report', '--evidence', `s3://${PLAIN}/ev`, '--out', out, '--public-key', keyFile, '--require-object-lock'], { env: awsEnv(m.url) });
    expect(req.code).toBe(4);
    expect(req.stderr).toContain('S3: object has no Object Lock retention (write-once storage is required)');
  });
});
