// `soc2 verify s3://…` by S3's stored checksums (GetObjectAttributes Checksum,ObjectSize), against moto
// with the real @aws-sdk/client-s3: no artifact body is downloaded, and every kind of change to an
// object is still found. What moto does and does not do is asserted here, not assumed.
import { createHash, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CompleteMultipartUploadCommand,
  CreateBucketCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectAttributesCommand,
  PutObjectCommand,
  UploadPartCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createS3Client, uploadBundle, verifyS3 } from '../../src/bundle/s3.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { trustedKeyFromPem, type TrustedKey } from '../../src/bundle/trust.js';
import { writeChain } from '../helpers/bundles.js';
import { awsEnv, runCli, tmpDir } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';

const moto = motoAvailable();
const BUCKET = 'soc2-checksums';
const AD = 'artifacts/main/aws-iam/authorization-details.ndjson';
const b64 = (b: Buffer) => createHash('sha256').update(b).digest('base64');

describe.skipIf(!moto.ok)('verify s3:// by stored checksums (moto)', () => {
  let m: Moto;
  let s3: S3Client;
  let trusted: TrustedKey;
  let dirs: string[];
  let objects: number;
  let smallBytes: number;
  let n = 0;
  beforeAll(async () => {
    m = await startMoto();
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: m.url });
    s3 = createS3Client().client;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    const k = generateSigningKeyPair();
    trusted = trustedKeyFromPem(k.publicPem, 'test');
    dirs = await writeChain(tmpDir('soc2-s3sum-'), 3, { key: { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId } });
    objects = 0;
    smallBytes = 0;
    for (const d of dirs) smallBytes += readFileSync(path.join(d, 'manifest.json')).length + readFileSync(path.join(d, 'manifest.sig')).length;
  });
  afterAll(async () => {
    s3?.destroy();
    await m?.stop();
  });
  /** a fresh prefix holding the three bundles */
  const upload = async () => {
    const prefix = `ev${++n}`;
    objects = 0;
    for (const d of dirs) objects += (await uploadBundle(s3, { bucket: BUCKET, prefix }, d)).objects;
    return prefix;
  };
  const keyOf = (prefix: string, i: number, rel: string) => `${prefix}/_default/${path.basename(dirs[i]!)}/${rel}`;

  it('moto returns the SHA-256 and size stored for an object uploaded with x-amz-checksum-sha256', async () => {
    const prefix = await upload();
    const body = readFileSync(path.join(dirs[0]!, AD));
    const a = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: keyOf(prefix, 0, AD), ObjectAttributes: ['Checksum', 'ObjectSize'] }));
    expect(a.Checksum?.ChecksumSHA256).toBe(b64(body));
    expect(a.ObjectSize).toBe(body.length);
  });

  it('passes an intact chain making no GET of an artifact: one attribute request per other object, two small GETs per bundle', async () => {
    const prefix = await upload();
    const r = await verifyS3(`s3://${BUCKET}/${prefix}`, { trustedKeys: [trusted] });
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.trust.mode).toBe('trusted');
    expect(r.bundles.map((b) => b.keyId)).toEqual(Array(3).fill(trusted.keyId));
    expect(r.s3).toMatchObject({ method: 'checksums', objects, bytes: smallBytes });
    // GetObject only for manifest.json and manifest.sig (not also their attributes); the artifacts and findings by their attributes
    expect(r.s3!.requests).toEqual({ ListObjectVersions: 1, GetObjectAttributes: objects - 2 * 3, GetObject: 2 * 3 });
    expect(r.writeOnce).toBeNull(); // retention is not read without --require-object-lock
  });

  it('finds an object replaced (unversioned bucket: no second version) by its checksum and size, and a missing and an added object', async () => {
    const prefix = await upload();
    const body = readFileSync(path.join(dirs[1]!, AD));
    const same = Buffer.from(body);
    same[5] = same[5]! ^ 1;
    // replaced with its own true checksum: S3 accepts it, and the stored checksum is of the new bytes
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(prefix, 1, AD), Body: same, ChecksumAlgorithm: 'SHA256', ChecksumSHA256: b64(same) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(prefix, 2, AD), Body: Buffer.concat([body, Buffer.from('{}\n')]), ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: keyOf(prefix, 0, 'findings.json') }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(prefix, 0, 'planted.txt'), Body: 'x', ChecksumAlgorithm: 'SHA256' }));
    const r = await verifyS3(`s3://${BUCKET}/${prefix}`, { trustedKeys: [trusted] });
    const ids = dirs.map((d) => path.basename(d));
    expect(r.problems).toEqual([
      { bundle: ids[0], file: 'findings.json', message: 'file listed in the manifest is missing' },
      { bundle: ids[0], file: 'planted.txt', message: 'file is not listed in the manifest (added after the bundle was written)' },
      { bundle: ids[1], file: AD, message: "content changed: the SHA-256 checksum S3 stored for the object does not match the manifest's" },
      { bundle: ids[2], file: AD, message: `size changed: ${body.length + 3} bytes, manifest says ${body.length}` },
    ]);
    expect(r.bundles.map((b) => b.ok)).toEqual([false, false, false]);
    expect(r.s3!.requests.GetObject).toBe(6);
  });

  it('an object without a stored SHA-256 cannot be checked without its bytes: a problem, found by --download too', async () => {
    const prefix = await upload();
    const body = readFileSync(path.join(dirs[0]!, AD));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: keyOf(prefix, 0, AD), Body: body }));
    const r = await verifyS3(`s3://${BUCKET}/${prefix}`, { trustedKeys: [trusted] });
    expect(r.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([`${AD}: S3: object has no SHA-256 checksum (x-amz-checksum-sha256), so it cannot be checked without its bytes (soc2 uploads every object with one; run verify --download)`]);
    const d = await verifyS3(`s3://${BUCKET}/${prefix}`, { trustedKeys: [trusted], download: true });
    expect(d.s3!.method).toBe('download');
    expect(d.problems.map((p) => p.message)).toContain('S3: object has no SHA-256 checksum (x-amz-checksum-sha256); soc2 uploads every object with one');
  });

  it('a multipart upload: moto stores a COMPOSITE checksum (of the parts\' checksums), which verify refuses to compare with a whole-file SHA-256', async () => {
    const prefix = await upload();
    const key = keyOf(prefix, 0, AD);
    const body = readFileSync(path.join(dirs[0]!, AD));
    const up = await s3.send(new CreateMultipartUploadCommand({ Bucket: BUCKET, Key: key, ChecksumAlgorithm: 'SHA256' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, PartNumber: 1, Body: body, ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new CompleteMultipartUploadCommand({ Bucket: BUCKET, Key: key, UploadId: up.UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag, ChecksumSHA256: part.ChecksumSHA256 }] } }));
    const a = await s3.send(new GetObjectAttributesCommand({ Bucket: BUCKET, Key: key, ObjectAttributes: ['Checksum', 'ObjectSize'] }));
    // as S3's GetObjectAttributes: the checksum of the part checksums, without the "-N" suffix HeadObject shows; only the type tells
    expect(a.Checksum?.ChecksumType).toBe('COMPOSITE');
    expect(a.Checksum?.ChecksumSHA256).not.toBe(b64(body));
    expect(a.Checksum?.ChecksumSHA256).not.toMatch(/-\d+$/);
    const r = await verifyS3(`s3://${BUCKET}/${prefix}`, { trustedKeys: [trusted] });
    expect(r.problems.map((p) => `${p.file}: ${p.message}`)).toEqual([`${AD}: S3: object has a composite (multipart) checksum, not the SHA-256 of the whole object; check it with verify --download`]);
  });

  it('soc2 verify s3://… says how the objects were checked, with the requests by operation', async () => {
    const prefix = await upload();
    const r = await runCli(['verify', `s3://${BUCKET}/${prefix}`], { env: awsEnv(m.url) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain(`S: ${objects} object(s) checked by the SHA-256 checksum and size S3 stored for them; only manifests and signatures downloaded (${smallBytes} bytes)`.slice(1));
    expect(r.stdout).toMatch(/\d+ request\(s\): 6 GetObject, \d+ GetObjectAttributes, 1 ListObjectVersions/);
    expect(r.stdout).toContain('write-once storage: Object Lock retention not read per object');
    const local = await runCli(['verify', path.dirname(dirs[0]!), '--download'], { env: awsEnv(m.url) });
    expect(local.code).toBe(2);
    expect(local.stderr.trim()).toBe(`soc2: --download: only with an s3:// location; ${path.dirname(dirs[0]!)} is a local directory, whose files are always hashed`);
  });
});
