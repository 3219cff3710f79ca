// Which key signs a bundle (collect, evidence add --now, review submit --now): --sign-key, else the
// config's signing.keyFile, else SOC2_SIGNING_KEY; each problem one line naming where the key came from.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { manualSigningKey } from '../../src/bundle/record-manual.js';
import { generateSigningKeyPair, resolveSigningKey } from '../../src/bundle/sign.js';
import { loadConfig } from '../../src/config/load.js';
import { tmpDir, writeConfig } from '../helpers/cli.js';

function workspace(signing = '') {
  const dir = tmpDir('soc2-sign-');
  const a = generateSigningKeyPair();
  const b = generateSigningKeyPair();
  writeFileSync(path.join(dir, 'a.pem'), a.privatePem);
  writeFileSync(path.join(dir, 'b.pem'), b.privatePem);
  const loaded = loadConfig(writeConfig(dir, `organization: Test ML\nevidence:\n  dir: evidence\n${signing}sources: {}\n`), []);
  return { dir, a, b, loaded };
}

describe('resolveSigningKey', () => {
  it('takes --sign-key, else signing.keyFile (relative to the config), else SOC2_SIGNING_KEY, else none', () => {
    const w = workspace('signing:\n  keyFile: a.pem\n');
    expect(resolveSigningKey({ flag: path.join(w.dir, 'b.pem'), loaded: w.loaded, env: { SOC2_SIGNING_KEY: w.a.privatePem } })!.keyId).toBe(w.b.keyId);
    expect(resolveSigningKey({ loaded: w.loaded, env: { SOC2_SIGNING_KEY: path.join(w.dir, 'b.pem') } })!.keyId).toBe(w.a.keyId);
    const bare = workspace();
    expect(resolveSigningKey({ loaded: bare.loaded, env: { SOC2_SIGNING_KEY: path.join(w.dir, 'b.pem') } })!.keyId).toBe(w.b.keyId);
    expect(resolveSigningKey({ loaded: bare.loaded, env: {} })).toBeNull();
  });

  it('names the flag, the config field or the variable in a one-line error, never the key material', () => {
    const w = workspace('signing:\n  keyFile: missing.pem\n');
    const missing = path.join(w.dir, 'nope.pem');
    expect(() => resolveSigningKey({ flag: missing, loaded: w.loaded, env: {} })).toThrow(`--sign-key ${missing}: cannot read the key file (ENOENT)`);
    expect(() => resolveSigningKey({ loaded: w.loaded, env: {} })).toThrow(`soc2.config.yaml: signing.keyFile ${path.join(w.dir, 'missing.pem')}: cannot read the key file (ENOENT)`);
    writeFileSync(path.join(w.dir, 'junk.pem'), 'not a key CANARY');
    expect(() => resolveSigningKey({ flag: path.join(w.dir, 'junk.pem'), loaded: w.loaded, env: {} })).toThrow(/^--sign-key \S+junk\.pem: not a PEM private key \(make one with "soc2 keygen"\)$/);
    const pem = '-----BEGIN PRIVATE KEY-----\nCANARY\n-----END PRIVATE KEY-----';
    const bare = workspace().loaded;
    expect(() => resolveSigningKey({ loaded: bare, env: { SOC2_SIGNING_KEY: pem } })).toThrow(expect.objectContaining({ exitCode: 2, message: 'SOC2_SIGNING_KEY: not a PEM private key (make one with "soc2 keygen")' }));
  });

  it('manual evidence is signed only with --now: --sign-key without it is refused before any key is read', () => {
    const w = workspace();
    expect(() => manualSigningKey({ signKey: path.join(w.dir, 'nope.pem') }, w.loaded, {})).toThrow('--sign-key: only with --now (pending evidence is signed with the bundle the next collect writes)');
    expect(manualSigningKey({}, w.loaded, { SOC2_SIGNING_KEY: w.a.privatePem })).toBeNull();
    expect(manualSigningKey({ now: true }, w.loaded, { SOC2_SIGNING_KEY: w.a.privatePem })!.keyId).toBe(w.a.keyId);
  });
});
