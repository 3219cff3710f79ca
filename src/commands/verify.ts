import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import chalk from 'chalk';
import { loadTrustedKeys, type TrustedKey, type WriteOnceSummary } from '../bundle/trust.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { verifyPath, type VerifyResult } from '../bundle/verify.js';
import { openVerifiedCache } from '../bundle/verified-cache.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { writeOnceLine } from '../report/integrity.js';
import type { S3VerifyResult } from '../bundle/s3.js';

export interface VerifyOptions {
  publicKey?: string[];
  json?: boolean;
  requireObjectLock?: boolean;
  /** with s3://: download every object and hash it, instead of comparing S3's stored checksums */
  download?: boolean;
  config?: string;
}

/** The keys a command trusts: its --public-key flags, else signing.trustedKeys of the config (relative to it). */
export function trustedKeysFor(flags: string[] | undefined, loaded: LoadedConfig | null): TrustedKey[] {
  const files = loaded?.config.signing?.trustedKeys?.map((f) => path.resolve(loaded.baseDir, f));
  return loadTrustedKeys(flags, files ? { files } : null);
}

export async function verifyCommand(target: string, o: VerifyOptions): Promise<number> {
  const remote = /^s3:\/\//i.test(target);
  if (o.download && !remote) throw new UsageError(`--download: only with an s3:// location; ${target} is a local directory, whose files are always hashed`);
  if (!remote && !existsSync(target)) throw new UsageError(`${target}: no such bundle or evidence directory`);
  if (!remote && !statSync(target).isDirectory()) throw new UsageError(`${target}: not a directory; give a bundle directory or an evidence directory`);
  const loaded = o.config ? loadConfig(o.config, (await import('../../collectors/registry.js')).collectors) : null;
  const trustedKeys = trustedKeysFor(o.publicKey, loaded);
  let r: VerifyResult & { notes?: { bundle: string; message: string }[]; writeOnce?: WriteOnceSummary | null; s3?: S3VerifyResult['s3'] };
  if (remote) {
    // s3://bucket/prefix: by S3's stored checksums (only manifests and signatures downloaded), or with --download every object
    const s3cfg = loaded?.config.evidence.s3;
    const requireObjectLock = s3cfg?.objectLock?.mode ?? (o.requireObjectLock ? true : undefined);
    r = await (await import('../bundle/s3.js')).verifyS3(target, { trustedKeys, requireObjectLock, region: s3cfg?.region, download: !!o.download });
  } else r = await verifyPath(target, { trustedKeys, cache: openVerifiedCache({ trustedKeyIds: trustedKeys.map((k) => k.keyId), read: false }) });
  for (const n of r.notes ?? []) process.stderr.write(`${chalk.yellow('note')}: ${n.bundle}: ${n.message}\n`);
  if (r.bundles.length === 0 && r.problems.length === 0) throw new UsageError(`${target}: no evidence bundles found`);
  if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
  else {
    for (const p of r.problems) process.stdout.write(`${chalk.red('✗')} ${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}\n`);
    process.stdout.write(r.ok ? `${chalk.green('✓')} ${summaryLine(r)}\n` : `${chalk.red('✗')} ${r.bundles.length} bundle(s): ${r.problems.length} problem(s)\n`);
    if (r.s3) process.stdout.write(`  S3: ${s3MethodLine(r.s3)}\n`);
    if (r.writeOnce) process.stdout.write(`  write-once storage: ${writeOnceLine({ writeOnce: r.writeOnce })}\n`);
    else if (r.s3?.method === 'checksums') process.stdout.write('  write-once storage: Object Lock retention not read per object (give --require-object-lock, or a config with evidence.s3.objectLock)\n');
  }
  return r.ok ? ExitCode.ok : ExitCode.verifyFailed;
}

/** How the objects in S3 were checked, with the requests by operation. */
export function s3MethodLine(s3: NonNullable<S3VerifyResult['s3']>): string {
  const req = Object.entries(s3.requests).sort(([a], [b]) => a.localeCompare(b)).map(([op, n]) => `${n} ${op}`).join(', ');
  return s3.method === 'checksums'
    ? `${s3.objects} object(s) checked by the SHA-256 checksum and size S3 stored for them; only manifests and signatures downloaded (${s3.bytes} bytes); ${s3.calls} request(s)${req ? `: ${req}` : ''}`
    : `${s3.objects} object(s) downloaded (${s3.bytes} bytes) and hashed; ${s3.calls} request(s)`;
}

/** The one line of an intact result: "verified" only against trusted keys, else "self-consistent". */
export function summaryLine(r: VerifyResult): string {
  const n = r.bundles.length;
  const what = `${n} bundle${n === 1 ? '' : 's'}`;
  const chain = n > 1 ? ', chain link' : '';
  if (r.trust.mode === 'trusted')
    return `${what} verified: every file, hash${chain} and signature checked; signed by ${r.trust.keys.filter((k) => k.bundles > 0).map((k) => `${k.keyId} (${k.bundles})`).join(', ')}`;
  if (r.trust.signed === 0) return `${what} self-consistent; none is signed, so nothing shows who wrote them`;
  return `${what} self-consistent; signatures checked only against the keys the manifests carry — give --public-key to check who signed them`;
}
