import { existsSync, statSync } from 'node:fs';
import chalk from 'chalk';
import { loadPublicKey } from '../bundle/sign.js';
import { loadConfig } from '../config/load.js';
import { verifyPath } from '../bundle/verify.js';
import { ExitCode, UsageError } from '../core/errors.js';

export async function verifyCommand(target: string, o: { publicKey?: string; json?: boolean; requireObjectLock?: boolean; config?: string }): Promise<number> {
  const remote = /^s3:\/\//i.test(target);
  if (!remote && !existsSync(target)) throw new UsageError(`${target}: no such bundle or evidence directory`);
  if (!remote && !statSync(target).isDirectory()) throw new UsageError(`${target}: not a directory; give a bundle directory or an evidence directory`);
  const publicKey = o.publicKey ? loadPublicKey(o.publicKey) : null;
  let r: Awaited<ReturnType<typeof verifyPath>> & { notes?: { bundle: string; message: string }[] };
  if (remote) {
    // s3://bucket/prefix: download every bundle (checking S3's checksums and retention), then verify that copy
    const s3cfg = o.config ? loadConfig(o.config, (await import('../../collectors/registry.js')).collectors).config.evidence.s3 : undefined;
    const requireObjectLock = s3cfg?.objectLock?.mode ?? (o.requireObjectLock ? true : undefined);
    r = await (await import('../bundle/s3.js')).verifyS3(target, { publicKey, requireObjectLock, region: s3cfg?.region });
  } else r = await verifyPath(target, { publicKey });
  for (const n of r.notes ?? []) process.stderr.write(`${chalk.yellow('note')}: ${n.bundle}: ${n.message}\n`);
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
