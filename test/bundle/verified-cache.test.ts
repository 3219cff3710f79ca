// The verified-bundle cache (src/bundle/verified-cache.ts) with the real verifier over real bundles:
// a bundle whose files are unchanged since a run hashed them is taken from the cache, and ANY change —
// a byte flipped (even with the mtime put back), a manifest edit, a removed or added file, another
// trusted key — sends it back to full hashing, and the change is reported.
import { createPrivateKey } from 'node:crypto';
import { appendFileSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKeyPair, type SigningKey } from '../../src/bundle/sign.js';
import { trustedKeyFromPem, type TrustedKey } from '../../src/bundle/trust.js';
import { openVerifiedCache } from '../../src/bundle/verified-cache.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { writeChain } from '../helpers/bundles.js';
import { tmpDir } from '../helpers/cli.js';

const AD = 'artifacts/main/aws-iam/authorization-details.ndjson';
const FIRST = new Date('2026-03-01T10:00:00Z');
const LATER = new Date('2026-03-02T10:00:00Z');

function key(): SigningKey & { trusted: TrustedKey } {
  const k = generateSigningKeyPair();
  return { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId, trusted: trustedKeyFromPem(k.publicPem, 'test') };
}

/** Flips one byte in place: same size, and the mtime put back as it was. */
function flipByte(file: string): void {
  const st = statSync(file);
  const b = readFileSync(file);
  b[5] = b[5]! ^ 1;
  writeFileSync(file, b);
  utimesSync(file, st.atime, st.mtime);
}

describe('verified-bundle cache', () => {
  let ev: string;
  let cacheDir: string;
  let dirs: string[];
  let k: ReturnType<typeof key>;
  beforeEach(async () => {
    ev = tmpDir('soc2-vcache-ev-');
    cacheDir = tmpDir('soc2-vcache-');
    k = key();
    dirs = await writeChain(ev, 3, { key: k });
  });
  const run = (o: { read?: boolean; keys?: TrustedKey[]; at?: Date } = {}) => {
    const keys = o.keys ?? [k.trusted];
    const cache = openVerifiedCache({ dir: cacheDir, trustedKeyIds: keys.map((x) => x.keyId), read: o.read ?? true });
    return verifyPath(ev, { trustedKeys: keys, cache, now: () => o.at ?? LATER });
  };
  const by = (r: Awaited<ReturnType<typeof run>>) => r.bundles.map((b) => b.files?.by);

  it('hashes every bundle the first time, then takes them from the cache with the time they were hashed', async () => {
    const first = await run({ at: FIRST });
    expect(first.ok).toBe(true);
    expect(by(first)).toEqual(['now', 'now', 'now']);
    const second = await run();
    expect(second.ok).toBe(true);
    expect(by(second)).toEqual(['cache', 'cache', 'cache']);
    expect(second.bundles.map((b) => b.files?.verifiedAt)).toEqual(Array(3).fill(FIRST.toISOString()));
    expect(second.cache).toMatchObject({ read: true, hashedNow: 0, fromCache: 3 });
  });

  it('a byte flipped in an artifact of a cached bundle (same size, mtime restored) is re-hashed and reported', async () => {
    await run({ at: FIRST });
    flipByte(path.join(dirs[1]!, AD));
    const r = await run();
    expect(by(r)).toEqual(['cache', 'now', 'cache']);
    expect(r.ok).toBe(false);
    expect(r.problems).toEqual([{ bundle: path.basename(dirs[1]!), file: AD, message: 'content changed: SHA-256 does not match the manifest' }]);
    // and it stays so: a bundle with a problem is never recorded
    expect(by(await run())).toEqual(['cache', 'now', 'cache']);
  });

  it('a manifest edit is a different manifest: no cache entry, the bundle is hashed and its problems reported', async () => {
    await run({ at: FIRST });
    const mf = path.join(dirs[2]!, 'manifest.json');
    writeFileSync(mf, readFileSync(mf, 'utf8').replace('"status": "complete"', '"status": "partial"'));
    const r = await run();
    expect(by(r)).toEqual(['cache', 'cache', 'now']);
    expect(r.problems.map((p) => p.message).join('\n')).toMatch(/signature/i);
  });

  it('a removed file and an added file are reported, whatever the cache holds', async () => {
    await run({ at: FIRST });
    rmSync(path.join(dirs[0]!, AD));
    appendFileSync(path.join(dirs[2]!, 'extra.txt'), 'planted');
    const r = await run();
    expect(by(r)).toEqual(['now', 'cache', 'cache']);
    expect(r.problems).toEqual([
      { bundle: path.basename(dirs[0]!), file: AD, message: 'file listed in the manifest is missing' },
      { bundle: path.basename(dirs[2]!), file: 'extra.txt', message: 'file is not listed in the manifest (added after the bundle was written)' },
    ]);
  });

  it('a file added deep inside a cached bundle is found: its directory changed, so the bundle is walked again', async () => {
    await run({ at: FIRST });
    expect(by(await run())).toEqual(['cache', 'cache', 'cache']);
    writeFileSync(path.join(dirs[1]!, 'artifacts/main/aws-iam/planted.json'), '{}');
    const r = await run();
    expect(r.problems).toEqual([{ bundle: path.basename(dirs[1]!), file: 'artifacts/main/aws-iam/planted.json', message: 'file is not listed in the manifest (added after the bundle was written)' }]);
  });

  it('a directory swapped for a copy (same names, same bytes, other inodes) is walked and re-hashed, and passes', async () => {
    await run({ at: FIRST });
    const { cpSync, renameSync } = await import('node:fs');
    const sub = path.join(dirs[0]!, 'artifacts', 'main');
    cpSync(sub, `${sub}.copy`, { recursive: true, preserveTimestamps: true });
    rmSync(sub, { recursive: true });
    renameSync(`${sub}.copy`, sub);
    const r = await run();
    expect(r.ok).toBe(true);
    expect(by(r)).toEqual(['now', 'cache', 'cache']);
  });

  it('a file replaced by an identical copy (another inode) is re-hashed, and passes', async () => {
    await run({ at: FIRST });
    const f = path.join(dirs[1]!, AD);
    const bytes = readFileSync(f);
    rmSync(f);
    writeFileSync(f, bytes);
    const r = await run();
    expect(r.ok).toBe(true);
    expect(by(r)).toEqual(['cache', 'now', 'cache']);
  });

  it('another trusted key, or self-consistency only, never uses entries made against a key', async () => {
    await run({ at: FIRST });
    const other = key();
    const r = await run({ keys: [other.trusted] });
    expect(by(r)).toEqual(['now', 'now', 'now']);
    expect(r.ok).toBe(false); // signed by a key the reader does not trust
    expect(by(await run({ keys: [] }))).toEqual(['now', 'now', 'now']);
  });

  it('read: false (--no-cache) hashes everything and refreshes the entries', async () => {
    await run({ at: FIRST });
    const r = await run({ read: false });
    expect(by(r)).toEqual(['now', 'now', 'now']);
    expect(r.cache).toMatchObject({ read: false, hashedNow: 3, fromCache: 0 });
    expect((await run()).bundles.map((b) => b.files?.verifiedAt)).toEqual(Array(3).fill(LATER.toISOString()));
  });

  it('an entry edited in the cache that no longer says what it vouches for is ignored', async () => {
    await run({ at: FIRST });
    const { readdirSync } = await import('node:fs');
    const base = path.join(cacheDir, 'verified');
    for (const d of readdirSync(base))
      for (const f of readdirSync(path.join(base, d))) {
        const p = path.join(base, d, f);
        writeFileSync(p, readFileSync(p, 'utf8').replace(/"verifierVersion":\d+/, '"verifierVersion":0'));
      }
    expect(by(await run())).toEqual(['now', 'now', 'now']);
  });
});
