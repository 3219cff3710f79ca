// `soc2 diff A B`: what changed between two bundles. Both are verified first (exit 4 on tampering).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { MANIFEST } from '../bundle/manifest.js';
import { verifyPath } from '../bundle/verify.js';
import { ExitCode, UsageError } from '../core/errors.js';
import { diffBundles, renderDiffText } from '../report/diff.js';

export async function diffCommand(a: string, b: string, o: { json?: boolean }): Promise<number> {
  for (const [name, dir] of [['A', a], ['B', b]] as const)
    if (!existsSync(path.join(dir, MANIFEST))) throw new UsageError(`${dir}: not an evidence bundle (no ${MANIFEST}); give two bundle directories as ${name === 'A' ? 'the first' : 'the second'} and other argument`);
  let bad = 0;
  for (const dir of [a, b]) {
    const r = await verifyPath(dir);
    for (const p of r.problems) process.stderr.write(`error: ${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}\n`);
    bad += r.problems.length;
  }
  if (bad) {
    process.stderr.write(`soc2: verification failed: ${bad} problem(s); not comparing altered evidence\n`);
    return ExitCode.verifyFailed;
  }
  const d = await diffBundles(a, b);
  process.stdout.write(o.json ? JSON.stringify(d) + '\n' : renderDiffText(d));
  return ExitCode.ok;
}
