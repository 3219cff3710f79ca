// `soc2 report --evidence s3://…` downloads only the files the report reads and checks every other
// object by the SHA-256 S3 stored for it (moto 5.2.1, the real @aws-sdk/client-s3, in process). What
// went over the wire is read from a recording front between the SDK and moto, not from the client.
import { createPrivateKey } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { CreateBucketCommand, DeleteObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createS3Client, filesTheReportReads, reportReads, uploadBundle } from '../../src/bundle/s3.js';
import { firstReviewDay } from '../../src/bundle/s3/report-files.js';
import { generateSigningKeyPair } from '../../src/bundle/sign.js';
import { reportCommand, type ReportOptions } from '../../src/commands/report.js';
import { runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { motoAvailable, startMoto, type Moto } from '../helpers/moto.js';
import { writeScenario } from '../report/fixtures.js';

const moto = motoAvailable();
const BUCKET = 'soc2-report-reads';

/** A byte-forwarding front to moto recording "METHOD /path?query" of every request. */
async function recordingFront(port: number) {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${decodeURIComponent(req.url ?? '')}`);
    const up = request({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (a) => {
      res.writeHead(a.statusCode ?? 502, a.headers);
      a.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** reportCommand in this process; stdout and stderr captured. */
async function report(o: ReportOptions): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
  try {
    return { code: await reportCommand({ format: 'json', ...o }), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

/** report.json without what differs by where the evidence was read from: the time, the dir, the integrity method, files-checked line and write-once storage (local: none). */
function comparable(file: string, evidenceName: string): unknown {
  const m = JSON.parse(readFileSync(file, 'utf8').replaceAll(`${evidenceName}/`, 'EVIDENCE/'));
  delete m.generatedAt;
  delete m.evidence;
  delete m.integrity.method;
  delete m.integrity.filesChecked;
  delete m.integrity.writeOnce;
  return m;
}

/** Object GETs (not HEAD, attribute or listing requests) the front saw, as <bundle>/<path>. */
const bodiesFetched = (seen: string[], prefix: string) =>
  seen
    .filter((s) => s.startsWith(`GET /${BUCKET}/${prefix}/`) && (!s.includes('?') || s.endsWith('?x-id=GetObject')))
    .map((s) => s.slice(`GET /${BUCKET}/${prefix}/_default/`.length).replace(/\?x-id=GetObject$/, ''))
    .sort();

describe.skipIf(!moto.ok)('report from s3:// reads only the files it needs (moto)', () => {
  let m: Moto;
  let front: Awaited<ReturnType<typeof recordingFront>>;
  let s3: S3Client;
  let root: string;
  let evidence: string;
  let keyFile: string;
  let dirs: string[];
  let n = 0;
  beforeAll(async () => {
    m = await startMoto();
    front = await recordingFront(m.port);
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: front.url });
    s3 = createS3Client().client;
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    root = tmpDir('soc2-s3-report-');
    const k = generateSigningKeyPair();
    keyFile = path.join(root, 'owner.pub.pem');
    writeFileSync(keyFile, k.publicPem);
    evidence = path.join(root, 'evidence');
    dirs = Object.values(await writeScenario(evidence, { key: { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId } }));
  });
  afterAll(async () => {
    s3?.destroy();
    await front?.close();
    await m?.stop();
  });
  const upload = async (from: string[]) => {
    const prefix = `ev${++n}`;
    for (const d of from) await uploadBundle(s3, { bucket: BUCKET, prefix }, d);
    front.seen.length = 0;
    return prefix;
  };
  const manifestOf = (d: string) => JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as { id: string; files: { path: string; sha256: string; bytes: number }[] };

  it('equals the local report, GETs only manifests, signatures and the files it reads (one per distinct content), and says so', async () => {
    const prefix = await upload(dirs);
    const local = await report({ evidence, out: path.join(root, 'local'), publicKey: [keyFile] });
    expect(local.code, local.stderr).toBe(0);
    const remote = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'remote'), publicKey: [keyFile], json: true, format: 'json,md' });
    expect(remote.code, remote.stderr).toBe(0);
    const localJson = path.join(root, 'local', 'report.json');
    const remoteModel = JSON.parse(readFileSync(path.join(root, 'remote', 'report.json'), 'utf8'));
    expect(comparable(path.join(root, 'remote', 'report.json'), remoteModel.evidence.name)).toEqual(comparable(localJson, 'evidence'));

    // the wire: every manifest and signature, and of the rest only files the report reads, each content once
    const fetched = bodiesFetched(front.seen, prefix);
    const all = dirs.flatMap((d) => manifestOf(d).files.map((f) => ({ at: `${path.basename(d)}/${f.path}`, ...f })));
    const fetchedFiles = all.filter((f) => fetched.includes(f.at));
    expect(fetched.filter((f) => f.endsWith('/manifest.json') || f.endsWith('/manifest.sig'))).toHaveLength(2 * dirs.length);
    expect(fetchedFiles.length + 2 * dirs.length).toBe(fetched.length);
    expect(new Set(fetchedFiles.map((f) => f.sha256)).size).toBe(fetchedFiles.length);
    const kinds = (rel: string) => new Set(fetchedFiles.filter((f) => f.path.endsWith(rel)).length ? [rel] : []);
    // read by the report: findings, the populations' derived logs, the kinds vendors are read from
    for (const rel of ['findings.json', 'access-changes.json', 'rotations.json', 'promotions.json', 'authorization-details.ndjson']) expect(kinds(rel), rel).toEqual(new Set([rel]));
    // never read by the report (no access review in this evidence): never downloaded
    for (const rel of ['account-summary.json', 'credential-report.json', 'versions.ndjson']) expect(kinds(rel), rel).toEqual(new Set());

    const s = JSON.parse(remote.stdout).s3;
    expect(s.method).toBe('files-read');
    expect(s.downloaded).toBe(fetched.length);
    expect(s.downloaded + s.linked + s.byChecksum).toBe(all.length + 2 * dirs.length);
    expect(s.bytesDownloaded).toBe(fetchedFiles.reduce((t, f) => t + f.bytes, 0) + dirs.reduce((t, d) => t + readFileSync(path.join(d, 'manifest.json')).length + readFileSync(path.join(d, 'manifest.sig')).length, 0));
    expect(s.requests.GetObject).toBe(fetched.length);
    expect(remote.stderr).toContain(`S3: s3://${BUCKET}/${prefix}: ${s.downloaded} object(s) downloaded and hashed`);
    expect(remoteModel.integrity.filesChecked.remote).toEqual({ location: `s3://${BUCKET}/${prefix}`, downloaded: s.downloaded, bytesDownloaded: s.bytesDownloaded, linked: s.linked, byChecksum: s.byChecksum });
    expect(remoteModel.integrity.method).toMatch(/^soc2 verify over s3:\/\/.*, each object either downloaded and hashed or checked by the SHA-256 checksum and size S3 stored for it/);
    // Object Lock was read per object (HeadObject), as a report from S3 always stated: none here
    expect(remoteModel.integrity.writeOnce).toMatchObject({ source: 's3', objects: all.length + 2 * dirs.length, locked: 0 });
    const md = readFileSync(path.join(root, 'remote', 'report.md'), 'utf8');
    expect(md).toContain('the files read: now; the others: by S3 stored SHA-256');
    console.log(`[s3] report from s3:// of ${dirs.length} bundles: ${s.downloaded} downloaded (${s.bytesDownloaded} bytes), ${s.linked} same-content, ${s.byChecksum} by checksum of ${all.length + 2 * dirs.length} objects; ${s.calls} requests, ${s.ms} ms`);
  });

  it('an object it does not download, changed, deleted or stored without a checksum, fails the report (exit 4); --allow-unverified stamps it', async () => {
    const prefix = await upload(dirs);
    const key = (i: number, rel: string) => `${prefix}/_default/${path.basename(dirs[i]!)}/${rel}`;
    const unread = (i: number) => manifestOf(dirs[i]!).files.find((f) => f.path.endsWith('account-summary.json'))!.path;
    const body = readFileSync(path.join(dirs[0]!, unread(0)));
    const changed = Buffer.from(body);
    changed[2] = changed[2]! ^ 1;
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(0, unread(0)), Body: changed, ChecksumAlgorithm: 'SHA256' }));
    await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key(1, unread(1)) }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key(2, unread(2)), Body: readFileSync(path.join(dirs[2]!, unread(2))) }));
    const r = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'bad'), publicKey: [keyFile] });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toContain(`error: ${path.basename(dirs[0]!)}/${unread(0)}: content changed: the SHA-256 checksum S3 stored for the object does not match the manifest's`);
    expect(r.stderr).toContain(`error: ${path.basename(dirs[1]!)}/${unread(1)}: file listed in the manifest is missing`);
    expect(r.stderr).toContain(`error: ${path.basename(dirs[2]!)}/${unread(2)}: S3: object has no SHA-256 checksum (x-amz-checksum-sha256), so it cannot be checked without its bytes`);
    expect(existsSync(path.join(root, 'bad'))).toBe(false);
    expect(bodiesFetched(front.seen, prefix).some((f) => f.endsWith('account-summary.json'))).toBe(false);
    const stamped = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'stamped'), publicKey: [keyFile], allowUnverified: true });
    expect(stamped.code, stamped.stderr).toBe(0);
    expect(JSON.parse(readFileSync(path.join(root, 'stamped', 'report.json'), 'utf8')).integrity.stamp).toMatch(/^UNVERIFIED EVIDENCE: 3 integrity problems/);
  });

  it('a file it reads, changed in S3 with its own true checksum, is caught by hashing the download', async () => {
    const prefix = await upload(dirs);
    const id = path.basename(dirs[1]!);
    const k = `${prefix}/_default/${id}/findings.json`;
    const body = Buffer.from(readFileSync(path.join(dirs[1]!, 'findings.json'), 'utf8').replace('"fail"', '"pass"'));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: k, Body: body, ChecksumAlgorithm: 'SHA256' }));
    const r = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'bad-read'), publicKey: [keyFile] });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`error: ${id}/findings.json: (content changed: the SHA-256 of the downloaded bytes does not match the manifest|size changed: \\d+ bytes downloaded)`));
  });

  it('--download reads every object, as before; --download without s3:// is a usage error', async () => {
    const prefix = await upload(dirs);
    const r = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'full'), publicKey: [keyFile], download: true, json: true });
    expect(r.code, r.stderr).toBe(0);
    const objects = dirs.reduce((t, d) => t + manifestOf(d).files.length + 2, 0);
    expect(bodiesFetched(front.seen, prefix)).toHaveLength(objects);
    expect(JSON.parse(r.stdout).s3).toMatchObject({ method: 'download', downloaded: objects, linked: 0, byChecksum: 0 });
    expect(r.stderr).toContain(`S3: s3://${BUCKET}/${prefix}: every object downloaded and hashed (--download): ${objects} object(s)`);
    await expect(reportCommand({ evidence, out: path.join(root, 'x'), download: true })).rejects.toThrow(/^--download: only with --evidence s3:\/\/…/);
  });

  it('manual evidence (soc2 evidence add --now) is in the report from S3 as in the local one: the S3 reader hands the report the manifests it parsed', async () => {
    const ev = path.join(root, 'with-manual');
    const k = generateSigningKeyPair();
    const scenario = Object.values(await writeScenario(ev, { key: { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId } }));
    writeFileSync(path.join(root, 'manual.pem'), k.privatePem);
    writeFileSync(path.join(root, 'manual.pub.pem'), k.publicPem);
    const cfg = writeConfig(root, 'organization: Test ML\nevidence:\n  dir: with-manual\nsources: {}\n', 'manual.config.yaml');
    writeFileSync(path.join(root, 'q1-review.csv'), 'principal,decision\nalice,keep\n');
    const add = await runCli(['evidence', 'add', 'q1-review.csv', '--control', 'access-review', '--covers', '2026-01-01..2026-03-31', '--by', 'Dana Reviewer', '--now', '--sign-key', 'manual.pem', '-c', cfg], { cwd: root });
    expect(add.code, add.stderr).toBe(0);
    const bundles = readdirSync(ev).filter((x) => /^\d{4}-/.test(x)).map((x) => path.join(ev, x));
    expect(bundles).toHaveLength(scenario.length + 1);
    const prefix = await upload(bundles);
    const key = path.join(root, 'manual.pub.pem');
    const local = await report({ evidence: ev, out: path.join(root, 'manual-local'), publicKey: [key], cache: false });
    const remote = await report({ evidence: `s3://${BUCKET}/${prefix}`, out: path.join(root, 'manual-remote'), publicKey: [key], json: true });
    expect([local.code, remote.code], local.stderr + remote.stderr).toEqual([0, 0]);
    const name = JSON.parse(readFileSync(path.join(root, 'manual-remote', 'report.json'), 'utf8')).evidence.name;
    expect(readFileSync(path.join(root, 'manual-remote', 'report.json'), 'utf8')).toContain('q1-review.csv');
    expect(comparable(path.join(root, 'manual-remote', 'report.json'), name)).toEqual(comparable(path.join(root, 'manual-local', 'report.json'), 'with-manual'));
  });
});

describe('the files the report reads of a bundle (report-files.ts)', () => {
  const reads = reportReads([{ kind: 'aws.secretsmanager.rotations', actorEvents: { kind: 'aws.cloudtrail.events', eventNames: [], resource: '' } as never }], { from: '2026-03-02', to: '2026-03-31' });
  const art = (kind: string, p: string, extra: object = {}) => ({ kind, path: p, sha256: 'a'.repeat(64), bytes: 1, ...extra });
  const manifest = (artifacts: object[]) =>
    ({ files: [{ path: 'findings.json' }, { path: 'config.json' }, ...artifacts], findings: { path: 'findings.json' }, config: { path: 'config.json' }, artifacts }) as never;
  const arts = [art('aws.secretsmanager.rotations', 'a/rotations.json'), art('aws.cloudtrail.events', 'a/events.ndjson'), art('aws.iam.authorization-details', 'a/ad.ndjson'), art('aws.iam.credential-report', 'a/cred.json'), art('aws.iam.account-summary', 'a/summary.json')];
  const review = art('manual.evidence', 'manual/review.csv', { manual: { control: 'access-review', review: { remediationDays: 7 }, addedAt: '2026-03-10T09:00:00Z' } });

  it('in the window: findings, the config copy, population logs, their audit logs and vendor kinds; never the others', () => {
    expect([...filesTheReportReads('2026-03-05T02-00-00.000Z-aaaa', manifest(arts), reads, null)].sort()).toEqual(['a/ad.ndjson', 'a/events.ndjson', 'a/rotations.json', 'config.json', 'findings.json']);
  });

  it('outside the window only access-review worksheets; after a review, what its remediation check reads', () => {
    expect([...filesTheReportReads('2026-03-01T02-00-00.000Z-aaaa', manifest([...arts, review]), reads, null)]).toEqual(['manual/review.csv']);
    const from = firstReviewDay([manifest([review])]);
    expect(from).toBe('2026-03-10');
    expect(filesTheReportReads('2026-03-10T02-00-00.000Z-aaaa', manifest(arts), reads, from).has('a/cred.json')).toBe(false);
    expect(filesTheReportReads('2026-03-11T02-00-00.000Z-aaaa', manifest(arts), reads, from).has('a/cred.json')).toBe(true);
    expect(filesTheReportReads('2026-03-11T02-00-00.000Z-aaaa', manifest(arts), reads, from).has('a/summary.json')).toBe(false);
  });
});
