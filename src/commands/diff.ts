// `soc2 diff A B`: what changed between two bundles. Both are verified first (exit 4 on tampering),
// against the trusted keys when given.
import { existsSync, lstatSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST } from '../bundle/manifest.js';
import { verifyPath } from '../bundle/verify.js';
import { loadConfig } from '../config/load.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { diffBundles, renderDiffText } from '../report/diff.js';
import { trustedKeysFor } from './verify.js';

export async function diffCommand(a: string, b: string, o: { json?: boolean; publicKey?: string[]; config?: string }): Promise<number> {
  for (const [name, dir] of [['A', a], ['B', b]] as const)
    if (!existsSync(path.join(dir, MANIFEST)) || !lstatSync(dir).isDirectory())
      throw new UsageError(`${dir}: not an evidence bundle (no ${MANIFEST}); give two bundle directories as ${name === 'A' ? 'the first' : 'the second'} and other argument`);
  const loaded = o.config ? loadConfig(o.config, (await import('../../collectors/registry.js')).collectors) : null;
  const trustedKeys = trustedKeysFor(o.publicKey, loaded);
  let bad = 0;
  let signed = 0;
  for (const dir of [a, b]) {
    const r = await verifyPath(dir, { trustedKeys });
    // an evidence dir (bundle dirs inside) is never compared as a bundle
    if (r.bundles.length !== 1 && !r.problems.length) throw new UsageError(`${dir}: holds bundle directories; give two bundle directories`);
    for (const p of r.problems) process.stderr.write(`error: ${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}\n`);
    bad += r.problems.length;
    signed += r.trust.signed;
  }
  if (bad) {
    process.stderr.write(`soc2: verification failed: ${bad} problem(s); not comparing altered evidence\n`);
    return ExitCode.verifyFailed;
  }
  if (!trustedKeys.length && signed) process.stderr.write('note: both bundles are self-consistent; signatures checked only against the keys the manifests carry — give --public-key to check who signed them\n');
  const d = await diffBundles(a, b);
  process.stdout.write(o.json ? JSON.stringify(d) + '\n' : renderDiffText(d));
  return ExitCode.ok;
}
