import { execFileSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, keyIdOf, signManifest, type SigningKey } from '../../src/bundle/sign.js';
import { trustedKeyFromPem } from '../../src/bundle/trust.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { writeChain, writeTestBundle } from '../helpers/bundles.js';
import { runCli, runCliUnprivileged, tmpDir } from '../helpers/cli.js';

function key(): SigningKey & { publicPem: string } {
  const k = generateSigningKeyPair();
  const privateKey = createPrivateKey(k.privatePem);
  return { privateKey, publicKeyPem: k.publicPem, keyId: k.keyId, publicPem: k.publicPem };
}

const AD = 'artifacts/main/aws-iam/authorization-details.ndjson';

describe('verify', () => {
  let ev: string;
  let dirs: string[];
  let k: ReturnType<typeof key>;
  beforeEach(async () => {
    ev = tmpDir();
    k = key();
    dirs = await writeChain(ev, 3, { key: k });
  });
  const problems = async (o: { publicKey?: boolean } = {}) => (await verifyPath(ev, { trustedKeys: o.publicKey ? [trustedKeyFromPem(k.publicPem, 'test')] : [] })).problems;
  const name = (i: number) => path.basename(dirs[i]!);

  it('passes an intact signed chain, with and without the trusted key', async () => {
    expect(await problems()).toEqual([]);
    expect(await problems({ publicKey: true })).toEqual([]);
    const r = await verifyPath(ev);
    expect(r.bundles.map((b) => b.signed)).toEqual([true, true, true]);
  });

  it('hands back each manifest it parsed, with its SHA-256, only when asked (the report reads manifests once)', async () => {
    expect((await verifyPath(ev)).manifests).toBeUndefined();
    const r = await verifyPath(ev, { keepManifests: true });
    expect([...r.manifests!.keys()]).toEqual(dirs.map((d) => path.basename(d)));
    for (const d of dirs) {
      const bytes = readFileSync(path.join(d, 'manifest.json'));
      expect(r.manifests!.get(path.basename(d))).toEqual({ manifest: JSON.parse(bytes.toString('utf8')), sha256: createHash('sha256').update(bytes).digest('hex') });
    }
    // a manifest that is not JSON is a problem, and nothing is handed back for it
    writeFileSync(path.join(dirs[1]!, 'manifest.json'), '{ not json');
    expect((await verifyPath(ev, { keepManifests: true })).manifests!.has(name(1))).toBe(false);
  });

  it('finds a changed byte and names the bundle and file', async () => {
    const f = path.join(dirs[1]!, AD);
    const buf = readFileSync(f);
    buf[10] = buf[10]! ^ 1;
    writeFileSync(f, buf);
    expect(await problems()).toEqual([{ bundle: name(1), file: AD, message: 'content changed: SHA-256 does not match the manifest' }]);
  });

  it('finds a truncated file', async () => {
    const f = path.join(dirs[0]!, AD);
    writeFileSync(f, readFileSync(f).subarray(0, 5));
    expect((await problems())[0]).toMatchObject({ bundle: name(0), file: AD, message: expect.stringContaining('size changed') });
  });

  it('finds a deleted file', async () => {
    rmSync(path.join(dirs[2]!, 'findings.json'));
    expect(await problems()).toEqual([{ bundle: name(2), file: 'findings.json', message: 'file listed in the manifest is missing' }]);
  });

  it('finds an added file', async () => {
    writeFileSync(path.join(dirs[0]!, 'artifacts', 'extra.json'), '{}');
    expect(await problems()).toEqual([{ bundle: name(0), file: 'artifacts/extra.json', message: expect.stringContaining('not listed in the manifest') }]);
  });

  it('finds an edited manifest through its signature and the next bundle\'s chain link', async () => {
    const f = path.join(dirs[1]!, 'manifest.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"complete"', '"partial" '));
    const p = await problems();
    expect(p).toContainEqual({ bundle: name(1), file: 'manifest.sig', message: expect.stringContaining('signature does not match') });
    expect(p).toContainEqual({ bundle: name(2), file: 'manifest.json', message: expect.stringContaining(`${name(1)}/manifest.json changed`) });
  });

  it('finds an unsigned manifest edit through the chain alone', async () => {
    const ev2 = tmpDir();
    const d = await writeChain(ev2, 2);
    const f = path.join(d[0]!, 'manifest.json');
    appendFileSync(f, ' ');
    const r = await verifyPath(ev2);
    expect(r.problems).toEqual([{ bundle: path.basename(d[1]!), file: 'manifest.json', message: expect.stringContaining('changed since this bundle linked to it') }]);
  });

  it('finds a bundle removed from the middle of the chain', async () => {
    rmSync(dirs[1]!, { recursive: true });
    expect(await problems()).toEqual([{ bundle: name(2), file: 'manifest.json', message: `chain broken: links to ${name(1)} but the bundle before it is ${name(0)}` }]);
  });

  it('finds a bundle renamed to reorder the chain', async () => {
    renameSync(dirs[0]!, path.join(ev, '2027-01-01T00-00-00Z-abcd'));
    const p = await problems();
    expect(p).toContainEqual({ bundle: '2027-01-01T00-00-00Z-abcd', file: 'manifest.json', message: expect.stringContaining('does not match the directory name') });
  });

  it('finds a signature made with another key', async () => {
    const other = key();
    const bytes = readFileSync(path.join(dirs[0]!, 'manifest.json'));
    writeFileSync(path.join(dirs[0]!, 'manifest.sig'), signManifest(bytes, other));
    expect(await problems()).toContainEqual({ bundle: name(0), file: 'manifest.sig', message: expect.stringContaining('signature does not match') });
  });

  it('rejects a bundle signed by a key that is not the trusted one', async () => {
    const ev2 = tmpDir();
    const other = key();
    await writeChain(ev2, 1, { key: other });
    const r = await verifyPath(ev2, { trustedKeys: [trustedKeyFromPem(k.publicPem, 'test')] });
    expect(r.problems[0]!.message).toContain(`not signed by a trusted key (the manifest names ${other.keyId}; trusted: ${keyIdOf(createPublicKey(k.publicPem))})`);
  });

  it('finds a deleted signature', async () => {
    rmSync(path.join(dirs[2]!, 'manifest.sig'));
    expect(await problems()).toEqual([{ bundle: name(2), file: 'manifest.sig', message: expect.stringContaining('signature is missing') }]);
  });

  it('reports a leftover .partial directory', async () => {
    mkdirSync(path.join(ev, '2026-02-01T00-00-00Z-0000.partial'));
    expect(await problems()).toEqual([{ bundle: '2026-02-01T00-00-00Z-0000.partial', message: expect.stringContaining('unfinished bundle') }]);
  });

  it('refuses paths that leave the bundle and symlinks inside it', async () => {
    const f = path.join(dirs[0]!, 'manifest.json');
    const m = JSON.parse(readFileSync(f, 'utf8'));
    m.files.push({ path: '../../etc/passwd', sha256: 'x', bytes: 1 }, { path: '/etc/passwd', sha256: 'x', bytes: 1 });
    writeFileSync(f, JSON.stringify(m));
    symlinkSync('/etc/passwd', path.join(dirs[1]!, 'artifacts', 'link'));
    const p = await problems();
    expect(p).toContainEqual({ bundle: name(0), file: 'manifest.json', message: expect.stringContaining('unsafe path "../../etc/passwd"') });
    expect(p).toContainEqual({ bundle: name(0), file: 'manifest.json', message: expect.stringContaining('unsafe path "/etc/passwd"') });
    expect(p).toContainEqual({ bundle: name(1), file: 'artifacts/link', message: expect.stringContaining('symbolic link') });
  });

  it('reports malformed manifest JSON instead of crashing', async () => {
    writeFileSync(path.join(dirs[0]!, 'manifest.json'), '{"format": ');
    expect(await problems()).toContainEqual({ bundle: name(0), file: 'manifest.json', message: expect.stringContaining('not valid JSON') });
  });

  it('exits 4 from the CLI naming the file, 0 when intact, 2 for a missing path', async () => {
    const ok = await runCli(['verify', ev]);
    expect(ok.code).toBe(0);
    rmSync(path.join(dirs[1]!, AD));
    const bad = await runCli(['verify', ev, '--json']);
    expect(bad.code).toBe(4);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({ bundle: name(1), file: AD });
    const missing = await runCli(['verify', path.join(ev, 'nope')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope: no such bundle or evidence directory/);
  });
});

describe('verify: many bundles, files hashed several at a time', () => {
  it('reports the same problems in the same order as one file after another: bundle order, then manifest order', async () => {
    const ev = tmpDir();
    const dirs: string[] = [];
    const start = Date.parse('2026-03-01T02:00:00Z');
    // the first bundle's artifact spans several read chunks and hashes last; the others are small
    for (let i = 0; i < 12; i++) dirs.push(await writeTestBundle(ev, new Date(start + i * 86_400_000), { records: i === 0 ? 20_000 : 3 }));
    expect((await verifyPath(ev)).problems).toEqual([]);
    const flip = (f: string, at: number) => {
      const buf = readFileSync(f);
      buf[at] = buf[at]! ^ 1;
      writeFileSync(f, buf);
    };
    flip(path.join(dirs[0]!, AD), 1_000_000); // in the large file, past the first chunk
    rmSync(path.join(dirs[0]!, 'findings.json'));
    appendFileSync(path.join(dirs[5]!, 'artifacts/main/aws-iam/account-summary.json'), ' ');
    flip(path.join(dirs[5]!, AD), 3);
    writeFileSync(path.join(dirs[5]!, 'artifacts', 'extra.json'), '{}');
    rmSync(path.join(dirs[11]!, AD));
    // expected: per bundle, its files in the manifest's order, then the added files
    const expected: { bundle: string; file: string; message: string }[] = [];
    const byFile: Record<string, Record<string, string>> = {
      0: { [AD]: 'content changed: SHA-256 does not match the manifest', 'findings.json': 'file listed in the manifest is missing' },
      5: { 'artifacts/main/aws-iam/account-summary.json': 'size changed', [AD]: 'content changed: SHA-256 does not match the manifest' },
      11: { [AD]: 'file listed in the manifest is missing' },
    };
    for (const [i, files] of Object.entries(byFile)) {
      const d = dirs[Number(i)]!;
      const order = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')).files.map((f: { path: string }) => f.path) as string[];
      for (const f of order) if (files[f]) expected.push({ bundle: path.basename(d), file: f, message: files[f]! });
      if (i === '5') expected.push({ bundle: path.basename(d), file: 'artifacts/extra.json', message: 'file is not listed in the manifest (added after the bundle was written)' });
    }
    for (let run = 0; run < 3; run++) {
      const got = (await verifyPath(ev)).problems.map((q) => ({ ...q, message: q.message.startsWith('size changed') ? 'size changed' : q.message }));
      expect(got).toEqual(expected);
    }
  });
});

describe('verify: hostile trees are problems naming the file, never a crash', () => {
  let ev: string;
  let dirs: string[];
  beforeEach(async () => {
    ev = tmpDir();
    dirs = await writeChain(ev, 3);
  });
  const name = (i: number) => path.basename(dirs[i]!);

  it('never reads an evidence dir as one bundle: a planted manifest.json at its root is a problem, and the chain is still checked', async () => {
    // the planted pair is a valid one-bundle manifest for the evidence dir itself
    writeFileSync(path.join(ev, 'findings.json'), '[]');
    writeFileSync(path.join(ev, 'manifest.json'), JSON.stringify({ format: 'soc2-evidence-bundle/1', id: path.basename(ev), startedAt: '2026-01-01T00:00:00Z', files: [], artifacts: [], signing: null }));
    rmSync(dirs[1]!, { recursive: true });
    const r = await runCli(['verify', ev, '--json']);
    expect(r.code).toBe(4);
    const p = JSON.parse(r.stdout).problems;
    expect(p).toContainEqual({ bundle: path.basename(ev), file: 'manifest.json', message: expect.stringContaining('beside bundle directories: an evidence dir is never read as one bundle') });
    expect(p).toContainEqual({ bundle: path.basename(ev), file: 'findings.json', message: expect.stringContaining('beside bundle directories') });
    expect(p).toContainEqual({ bundle: name(2), file: 'manifest.json', message: expect.stringContaining('chain broken') });
  });

  it('reports FIFOs as manifest.json and as a listed file without blocking on them', async () => {
    rmSync(path.join(dirs[0]!, 'manifest.json'));
    execFileSync('mkfifo', [path.join(dirs[0]!, 'manifest.json')]);
    rmSync(path.join(dirs[1]!, AD));
    execFileSync('mkfifo', [path.join(dirs[1]!, AD)]);
    const r = await runCli(['verify', ev, '--json'], { timeoutMs: 20_000 });
    expect(r.code).toBe(4);
    const p = JSON.parse(r.stdout).problems;
    expect(p).toContainEqual({ bundle: name(0), file: 'manifest.json', message: 'is not a regular file' });
    expect(p).toContainEqual({ bundle: name(1), file: AD, message: 'is not a regular file' });
  });

  it('refuses an oversize manifest (> 64 MiB) and signature (> 4 KiB) without reading them', async () => {
    const k = key();
    const signed = tmpDir();
    const s = await writeChain(signed, 2, { key: k });
    truncateSync(path.join(s[0]!, 'manifest.json'), 3 * 1024 ** 3); // sparse: 3 GiB on paper, nothing on disk
    truncateSync(path.join(s[1]!, 'manifest.sig'), 1024 ** 3);
    const rss = process.memoryUsage().rss;
    const r = await verifyPath(signed);
    expect(process.memoryUsage().rss - rss).toBeLessThan(100 * 1024 * 1024);
    expect(r.problems).toContainEqual({ bundle: path.basename(s[0]!), file: 'manifest.json', message: 'is too large (3221225472 bytes; the limit is 64 MiB)' });
    expect(r.problems).toContainEqual({ bundle: path.basename(s[1]!), file: 'manifest.sig', message: 'is too large (1073741824 bytes; the limit is 4096 bytes)' });
    // the bundle is there, only unreadable: its successor's link is unchecked, not "missing"
    expect(r.problems).toContainEqual({ bundle: path.basename(s[1]!), file: 'manifest.json', message: `chain link not checked: previous bundle ${path.basename(s[0]!)} could not be read` });
    expect((await runCli(['verify', signed])).code).toBe(4);
  });

  it('reports a symlinked newest bundle, in verify and in the report', async () => {
    const elsewhere = path.join(tmpDir(), 'moved');
    renameSync(dirs[2]!, elsewhere);
    symlinkSync(elsewhere, dirs[2]!);
    expect((await verifyPath(ev)).problems).toContainEqual({ bundle: name(2), message: 'bundle directory is a symbolic link' });
    const rep = await runCli(['report', '--evidence', ev, '--out', path.join(tmpDir(), 'report')]);
    expect(rep.code).toBe(4);
    expect(rep.stderr).toContain(`${name(2)}: bundle directory is a symbolic link`);
  });

  it('names unreadable files and folders (exit 4), for verify, report and diff', async () => {
    // an unprivileged user must reach the evidence; then one file and one folder are closed to it
    chmodSync(path.dirname(ev), 0o755);
    chmodSync(ev, 0o755);
    chmodSync(path.join(dirs[0]!, AD), 0o000);
    chmodSync(path.join(dirs[1]!, 'artifacts'), 0o000);
    const v = await runCliUnprivileged(['verify', ev, '--json']);
    expect(v.stderr).toBe('');
    expect(v.code).toBe(4);
    const p = JSON.parse(v.stdout).problems;
    expect(p).toContainEqual({ bundle: name(0), file: AD, message: 'cannot be read (EACCES)' });
    expect(p).toContainEqual({ bundle: name(1), file: 'artifacts', message: 'cannot list the directory (EACCES)' });
    const out = tmpDir();
    chmodSync(out, 0o777);
    const rep = await runCliUnprivileged(['report', '--evidence', ev, '--out', path.join(out, 'r')]);
    expect(rep.code).toBe(4);
    expect(rep.stderr).not.toContain('internal error');
    const d = await runCliUnprivileged(['diff', dirs[0]!, dirs[1]!]);
    expect(d.code).toBe(4);
    expect(d.stderr).toContain(`${name(0)}/${AD}: cannot be read (EACCES)`);
    chmodSync(ev, 0o000);
    const closed = await runCliUnprivileged(['verify', ev]);
    expect(closed.code).toBe(4);
    expect(closed.stderr + closed.stdout).not.toContain('internal error');
    chmodSync(ev, 0o755);
    chmodSync(path.join(dirs[1]!, 'artifacts'), 0o755);
  });

  it('reports a .partial with a manifest that collect moved to quarantine/', async () => {
    mkdirSync(path.join(ev, 'quarantine'));
    renameSync(dirs[2]!, path.join(ev, 'quarantine', `${name(2)}.partial`));
    const r = await verifyPath(ev);
    expect(r.problems).toContainEqual({ bundle: `quarantine/${name(2)}.partial`, message: expect.stringContaining('moved aside by collect') });
  });
});
