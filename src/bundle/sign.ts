// Ed25519 signatures over manifest.json's exact bytes (node:crypto; no extra package).
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadedConfig } from '../config/load.js';
import { UsageError } from '../core/errors.js';

export interface SigningKey {
  privateKey: KeyObject;
  publicKeyPem: string;
  keyId: string;
}

export function keyIdOf(publicKey: KeyObject): string {
  return 'sha256:' + createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex');
}

/**
 * The key that signs a bundle: `--sign-key FILE`, else the config's `signing.keyFile` (relative to the
 * config), else SOC2_SIGNING_KEY; null when none is given. A bad key is one line naming where it came
 * from (the flag, the config field, or the variable), never the key material.
 */
export function resolveSigningKey(o: { flag?: string; loaded: LoadedConfig; env: NodeJS.ProcessEnv }): SigningKey | null {
  if (o.flag) return loadSigningKey({ file: o.flag, label: `--sign-key ${o.flag}` });
  const keyFile = o.loaded.config.signing?.keyFile;
  if (keyFile) {
    const file = path.resolve(o.loaded.baseDir, keyFile);
    return loadSigningKey({ file, label: `${path.basename(o.loaded.file)}: signing.keyFile ${file}` });
  }
  return loadSigningKey({ env: o.env.SOC2_SIGNING_KEY });
}

/** From a key file (`label` names it in errors), or SOC2_SIGNING_KEY holding either the PEM itself (a CI secret) or a path. */
function loadSigningKey(opts: { file?: string; label?: string; env?: string }): SigningKey | null {
  let pem: string | undefined;
  let label: string;
  if (opts.file) {
    label = opts.label ?? opts.file;
    try {
      pem = readFileSync(opts.file, 'utf8');
    } catch (e) {
      throw new UsageError(`${label}: cannot read the key file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
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
