import { existsSync, writeFileSync } from 'node:fs';
import { generateSigningKeyPair } from '../bundle/sign.js';
import { ExitCode, UsageError } from '../core/errors.js';

export async function keygenCommand(o: { private: string; public: string; force?: boolean }): Promise<number> {
  for (const f of [o.private, o.public]) if (existsSync(f) && !o.force) throw new UsageError(`${f}: already exists; refusing to overwrite a key (use --force)`);
  const k = generateSigningKeyPair();
  writeFileSync(o.private, k.privatePem, { mode: 0o600 });
  writeFileSync(o.public, k.publicPem);
  process.stdout.write(`wrote ${o.private} (keep secret; give it to collect as --sign-key or SOC2_SIGNING_KEY)\nwrote ${o.public} (give it to auditors: soc2 verify --public-key ${o.public})\nkey id ${k.keyId}\n`);
  return ExitCode.ok;
}
