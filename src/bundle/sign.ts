// Ed25519 signatures over manifest.json's exact bytes (node:crypto; no extra package).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { UsageError } from '../core/errors.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return 'sha256:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/** From --sign-key FILE, or SOC2_SIGNING_KEY holding either the PEM itself (a CI secret) or a path. */
export function loadSigningKey(opts: { file?: string; env?: string }): SigningKey | null {
  let pem: string | undefined;
  let label: string;
  if (opts.file) {
    label = opts.file;
    try {
      pem = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new UsageError(`--sign-key ${opts.file}: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  } else if (opts.env) {
    label = 'SOC2_SIGNING_KEY';
    if (opts.env.includes('-----BEGIN')) pem = opts.env;
    else {
      try {
        pem = readFileSync(opts.env, 'utf8');
      } catch (e) {
        throw new UsageError(`SOC2_SIGNING_KEY: expected a PEM private key or the path of one; cannot read it as a file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
  } else return null;
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(pem);
  } catch {
    // never echo the key material
    throw new UsageError(`${label}: not a PEM private key (make one with "soc2 keygen")`);
  }
  if (privateKey.asymmetricKeyType !== 'ed25519') throw new UsageError(`${label}: expected an Ed25519 private key, got ${privateKey.asymmetricKeyType}`);
  const publicKey = createPublicKey(privateKey);
  return { privateKey, publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), keyId: keyIdOf(publicKey) };
}

export function signManifest(bytes: Buffer, key: SigningKey): string {
  return sign(null, bytes, key.privateKey).toString('base64');
}

export function verifySignature(bytes: Buffer, signatureB64: string, publicKey: KeyObject): boolean {
  try {
    return verify(null, bytes, publicKey, Buffer.from(signatureB64.trim(), 'base64'));
  } catch {
    return false;
  }
}

export function generateSigningKeyPair(): { privatePem: string; publicPem: string; keyId: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    keyId: keyIdOf(publicKey),
  };
}
