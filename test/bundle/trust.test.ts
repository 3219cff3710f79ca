// The trust policy as an attacker with write access to the evidence meets it: a chain re-signed with
// another key, signatures stripped, the newest bundle edited and left unsigned, a key change, an RSA
// key under "ed25519". With a trusted key each is a problem naming the bundle (exit 4); without one,
// verify says "self-consistent", never "verified", and still catches what the chain itself shows.
import { createHash, createPrivateKey, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { MANIFEST, SIGNATURE } from '../../src/bundle/manifest.js';
import { generateSigningKeyPair, signManifest, type SigningKey } from '../../src/bundle/sign.js';
import { trustedKeyFromPem } from '../../src/bundle/trust.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { writeChain, writeTestBundle } from '../helpers/bundles.js';
import { runCli, tmpDir } from '../helpers/cli.js';

function key(): SigningKey & { publicPem: string } {
  const k = generateSigningKeyPair();
  return { privateKey: createPrivateKey(k.privatePem), publicKeyPem: k.publicPem, keyId: k.keyId, publicPem: k.publicPem };
}

/** Rewrites a bundle's manifest as an attacker would: edit it, then re-sign it with `by` (embedding that key), or leave it unsigned. */
function rewrite(dir: string, edit: (m: any) => void, by: SigningKey | null): void {
  const m = JSON.parse(readFileSync(path.join(dir, MANIFEST), 'utf8'));
  edit(m);
  m.signing = by ? { algorithm: 'ed25519', keyId: by.keyId, publicKey: by.publicKeyPem } : null;
  const text = JSON.stringify(m, null, 2) + '\n';
  writeFileSync(path.join(dir, MANIFEST), text);
  if (by) writeFileSync(path.join(dir, SIGNATURE), signManifest(Buffer.from(text), by) + '\n');
  else rmSync(path.join(dir, SIGNATURE), { force: true });
}

/** Re-links every bundle to the rewritten one before it, so the chain stays self-consistent. */
function rewriteChain(dirs: string[], by: SigningKey | null): void {
  let prev: { id: string; manifestSha256: string } | null = null;
  for (const d of dirs) {
    rewrite(d, (m) => (m.previous = prev), by);
    prev = { id: path.basename(d), manifestSha256: createHash('sha256').update(readFileSync(path.join(d, MANIFEST))).digest('hex') };
  }
}

describe('trust: with a trusted key every bundle must be signed by it', () => {
  let ev: string;
  let dirs: string[];
  let owner: ReturnType<typeof key>;
  let keyFile: string;
  beforeEach(async () => {
    ev = tmpDir();
    owner = key();
    dirs = await writeChain(ev, 3, { key: owner });
    keyFile = path.join(tmpDir(), 'owner.pub.pem');
    writeFileSync(keyFile, owner.publicPem);
  });
  const names = () => dirs.map((d) => path.basename(d));
  const trusted = () => [trustedKeyFromPem(owner.publicPem, 'test')];

  it('names every bundle of a chain re-signed end to end with another key, whatever the manifests embed', async () => {
    rewriteChain(dirs, key());
    expect((await verifyPath(ev)).ok).toBe(true); // self-consistent: the attacker's key is embedded everywhere
    const r = await verifyPath(ev, { trustedKeys: trusted() });
    for (const n of names()) expect(r.problems).toContainEqual({ bundle: n, file: SIGNATURE, message: expect.stringContaining('not signed by a trusted key') });
    const cli = await runCli(['verify', ev, '--public-key', keyFile]);
    expect(cli.code).toBe(4);
    expect(cli.stdout).toContain(`${names()[0]}/manifest.sig: not signed by a trusted key`);
  });

  it('names every bundle of a chain with every signature stripped', async () => {
    rewriteChain(dirs, null);
    const r = await verifyPath(ev, { trustedKeys: trusted() });
    expect(r.problems.filter((p) => p.message.includes('bundle is not signed')).map((p) => p.bundle)).toEqual(names());
  });

  it('finds the newest bundle edited and left unsigned, with the key and without it', async () => {
    rewrite(dirs[2]!, (m) => (m.status = 'complete'), null);
    const withKey = await verifyPath(ev, { trustedKeys: trusted() });
    expect(withKey.problems).toContainEqual({ bundle: names()[2], file: MANIFEST, message: expect.stringContaining('bundle is not signed') });
    const without = await verifyPath(ev);
    expect(without.problems).toEqual([{ bundle: names()[2], file: MANIFEST, message: `not signed, but ${names()[1]} before it in the chain is: a signature was removed or signing was turned off` }]);
  });

  it('finds a key change inside the chain, even when both keys are trusted', async () => {
    const other = key();
    const next = await writeTestBundle(ev, new Date('2026-01-10T02:00:00Z'), { key: other });
    const both = [...trusted(), trustedKeyFromPem(other.publicPem, 'test')];
    for (const r of [await verifyPath(ev), await verifyPath(ev, { trustedKeys: both })])
      expect(r.problems).toEqual([{ bundle: path.basename(next), file: SIGNATURE, message: `signing key changed inside the chain: signed with ${other.keyId}, ${names()[2]} before it with ${owner.keyId}` }]);
  });

  it('accepts a chain that starts signing midway, but only when every bundle is signed once a key is trusted', async () => {
    const ev2 = tmpDir();
    await writeChain(ev2, 2);
    await writeTestBundle(ev2, new Date('2026-01-10T02:00:00Z'), { key: owner });
    expect((await verifyPath(ev2)).problems).toEqual([]);
    expect((await verifyPath(ev2, { trustedKeys: trusted() })).problems.map((p) => p.message)).toEqual([expect.stringContaining('bundle is not signed'), expect.stringContaining('bundle is not signed')]);
  });

  it('refuses an RSA key under algorithm ed25519, in a manifest and as a trusted key', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const rsaPub = rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const d = dirs[0]!;
    const m = JSON.parse(readFileSync(path.join(d, MANIFEST), 'utf8'));
    m.signing = { algorithm: 'ed25519', keyId: 'sha256:00', publicKey: rsaPub };
    const text = JSON.stringify(m, null, 2) + '\n';
    writeFileSync(path.join(d, MANIFEST), text);
    writeFileSync(path.join(d, SIGNATURE), sign('sha256', Buffer.from(text), rsa.privateKey).toString('base64') + '\n');
    expect((await verifyPath(ev)).problems).toContainEqual({ bundle: names()[0], file: MANIFEST, message: expect.stringContaining('not an Ed25519 public key') });
    const rsaFile = path.join(tmpDir(), 'rsa.pub.pem');
    writeFileSync(rsaFile, rsaPub);
    const cli = await runCli(['verify', ev, '--public-key', rsaFile]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toBe(`soc2: --public-key ${rsaFile}: expected an Ed25519 public key in PEM (only Ed25519 is accepted)\n`);
  });

  it('takes --public-key more than once, and signing.trustedKeys from the config', async () => {
    const other = key();
    const otherFile = path.join(path.dirname(keyFile), 'other.pub.pem');
    writeFileSync(otherFile, other.publicPem);
    const r = await runCli(['verify', ev, '--public-key', otherFile, '--public-key', keyFile, '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).trust).toEqual({ mode: 'trusted', keys: [{ keyId: other.keyId, bundles: 0 }, { keyId: owner.keyId, bundles: 3 }], signed: 3, unsigned: 0 });
    const cfg = path.join(path.dirname(keyFile), 'soc2.config.yaml');
    // a config that could run (one source), whose trusted key is not the one that signed
    writeFileSync(cfg, 'sources:\n  mlflow:\n    - name: main\n      trackingUri: http://127.0.0.1:9\nsigning:\n  trustedKeys: [other.pub.pem]\n');
    const viaConfig = await runCli(['verify', ev, '--config', cfg]);
    expect(viaConfig.code).toBe(4);
    expect(viaConfig.stdout).toContain('not signed by a trusted key');
  });

  it('prints "verified" only against a trusted key, "self-consistent" otherwise, and never "every signature checked" for none signed', async () => {
    const withKey = await runCli(['verify', ev, '--public-key', keyFile]);
    expect(withKey.stdout).toBe(`✓ 3 bundles verified: every file, hash, chain link and signature checked; signed by ${owner.keyId} (3)\n`);
    const without = await runCli(['verify', ev]);
    expect(without.stdout).toBe('✓ 3 bundles self-consistent; signatures checked only against the keys the manifests carry — give --public-key to check who signed them\n');
    const ev2 = tmpDir();
    await writeChain(ev2, 2);
    const unsigned = await runCli(['verify', ev2]);
    expect(unsigned.code).toBe(0);
    expect(unsigned.stdout).toBe('✓ 2 bundles self-consistent; none is signed, so nothing shows who wrote them\n');
  });
});
