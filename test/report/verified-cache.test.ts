// soc2 report with the verified-bundle cache, through the built CLI: the second report takes the
// bundles from the cache and says so, with when they were hashed; a byte flipped in a cached bundle
// still fails the report; --no-cache hashes everything.
import { readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, runCli, tmpDir } from '../helpers/cli.js';
import { writeScenario } from './fixtures.js';

let root: string;
let ev: string;
let dirs: Record<number, string>;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  root = tmpDir('soc2-report-vcache-');
  ev = path.join(root, 'evidence');
  dirs = await writeScenario(ev);
  env = cleanEnv({ SOC2_CACHE_DIR: path.join(root, 'cache') });
});

const report = async (out: string, ...flags: string[]) => {
  const r = await runCli(['report', '--evidence', ev, '--out', path.join(root, out), '--format', 'md,json', '--json', ...flags], { env });
  return { ...r, model: r.code === 0 ? JSON.parse(readFileSync(path.join(root, out, 'report.json'), 'utf8')) : null, md: r.code === 0 ? readFileSync(path.join(root, out, 'report.md'), 'utf8') : '' };
};

describe('report: verified-bundle cache', () => {
  it('hashes every bundle the first time, takes them from the cache the next, says so; --no-cache and a flipped byte re-hash', async () => {
    const first = await report('first');
    expect(first.code, first.stderr).toBe(0);
    expect(first.model.integrity.filesChecked).toMatchObject({ hashedNow: 6, fromCache: 0, cached: [] });
    expect(first.md).toContain('every file of the 6 bundle(s) hashed in this run');

    const second = await report('second');
    expect(second.code, second.stderr).toBe(0);
    const fc = second.model.integrity.filesChecked;
    expect(fc).toMatchObject({ hashedNow: 0, fromCache: 6, cacheDir: path.join(root, 'cache', 'verified') });
    expect(fc.cached.map((c: { verifiedAt: string }) => Date.parse(c.verifiedAt) <= Date.now())).toEqual(Array(6).fill(true));
    expect(second.md).toMatch(/0 bundle\(s\) hashed in this run; 6 from the verified-bundle cache .*: their files are the same inodes, sizes, mtimes and ctimes as when hashed between /);
    expect(second.md).toMatch(/\| cache \(\d{4}-\d{2}-\d{2}T/);

    const full = await report('full', '--no-cache');
    expect(full.code, full.stderr).toBe(0);
    expect(full.model.integrity.filesChecked).toMatchObject({ hashedNow: 6, fromCache: 0, cacheDir: null });

    // one byte of a cached bundle's findings.json flipped in place, its mtime put back
    const f = path.join(dirs[2]!, 'findings.json');
    const st = statSync(f);
    const b = readFileSync(f);
    const at = b.indexOf('"status"') + 2;
    b[at] = b[at]! ^ 1;
    writeFileSync(f, b);
    utimesSync(f, st.atime, st.mtime);
    const bad = await report('bad');
    expect(bad.code).toBe(4);
    expect(bad.stderr).toContain(`${path.basename(dirs[2]!)}/findings.json: content changed: SHA-256 does not match the manifest`);
  });
});
