import { existsSync } from 'node:fs';
import chalk from 'chalk';
import { loadPublicKey } from '../bundle/sign.js';
import { verifyPath } from '../bundle/verify.js';
import { ExitCode, UsageError } from '../core/errors.js';

export async function verifyCommand(target: string, o: { publicKey?: string; json?: boolean }): Promise<number> {
  if (!existsSync(target)) throw new UsageError(`${target}: no such bundle or evidence directory`);
  const publicKey = o.publicKey ? loadPublicKey(o.publicKey) : null;
  const r = await verifyPath(target, { publicKey });
  if (r.bundles.length === 0 && r.problems.length === 0) throw new UsageError(`${target}: no evidence bundles found`);
  if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    for (const p of r.problems) process.stdout.write(`${chalk.red('✗')} ${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}\n`);
    const signed = r.bundles.filter((b) => b.signed).length;
    const line = `${r.bundles.length} bundle(s), ${signed} signed${publicKey ? ' (checked against the trusted key)' : ''}: `;
    process.stdout.write(r.ok ? `${chalk.green('✓')} ${line}intact; every file, hash${r.bundles.length > 1 ? ', chain link' : ''} and signature checked\n` : `${chalk.red('✗')} ${line}${r.problems.length} problem(s)\n`);
  }
  return r.ok ? ExitCode.ok : ExitCode.verifyFailed;
}
