// The organization-year part of the benchmark at a tiny size (3 accounts × 3 days): the synthesized
// year verifies against its key, the first report hashes every bundle and the second takes them all
// from the verified-bundle cache — the figures `npm run bench` reports are of those two runs — and
// the goals judge them. Runs the built CLI (dist/) twice.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benchOrgReport, orgReportGoals } from '../../src/bench/org-report.js';
import { trustedKeyFromPem } from '../../src/bundle/trust.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { tmpDir } from '../helpers/cli.js';
import { readFileSync, readdirSync } from 'node:fs';

describe('bench: report over an organization\'s year', () => {
  it('writes a signed chain, reports it first by hashing and then from the cache, and judges the goals', async () => {
    const root = tmpDir('soc2-bench-org-');
    const r = await benchOrgReport({ accounts: 3, days: 3, cacheDir: path.join(root, 'cache'), work: root, timeoutMs: 60_000, log: () => undefined });
    expect(r).toMatchObject({ accounts: 3, days: 3, bundles: 3, generation: { cached: false } });
    // 3 bundles × (3 accounts × 2 artifacts + findings.json + manifest.json + manifest.sig)
    expect(r.evidenceFiles).toBe(3 * (3 * 2 + 3));
    expect(r.first).toMatchObject({ exitCode: 0, filesChecked: { hashedNow: 3, fromCache: 0 } });
    expect(r.cached).toMatchObject({ exitCode: 0, filesChecked: { hashedNow: 0, fromCache: 3 } });
    expect(r.first.bytesRead).toBeGreaterThan(r.evidenceBytes);
    const year = path.join(root, 'cache', readdirSync(path.join(root, 'cache'))[0]!);
    const v = await verifyPath(path.join(year, 'evidence'), { trustedKeys: [trustedKeyFromPem(readFileSync(path.join(year, 'owner.pub.pem'), 'utf8'), 'bench')] });
    expect(v.problems).toEqual([]);
    expect(v.trust.mode).toBe('trusted');
    const goals = orgReportGoals(r);
    expect(goals.map((g) => g.target)).toEqual(['≤ 60 s', '≤ 1 GB', '≤ 10 s']);
    expect(goals.every((g) => g.met !== false)).toBe(true);
    // a second bench run reuses the year
    expect((await benchOrgReport({ accounts: 3, days: 3, cacheDir: path.join(root, 'cache'), work: root, timeoutMs: 60_000, log: () => undefined })).generation.cached).toBe(true);
    expect(existsSync(path.join(year, 'generation.json'))).toBe(true);
  });
});
