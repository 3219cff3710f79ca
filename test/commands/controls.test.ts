// soc2 controls: every criterion with the register controls addressing it.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot, runCli, tmpDir, writeConfig } from '../helpers/cli.js';
import { writeDay } from '../report/fixtures.js';

describe('soc2 controls', () => {
  it('lists the register controls of each criterion; CC4.1 comes from collection continuity, CC1.3 is manual', async () => {
    const r = await runCli(['controls', '--json'], { cwd: tmpDir() });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { criteria: { id: string; register: string[]; checks: string[] }[]; manual: string[] };
    const by = Object.fromEntries(out.criteria.map((c) => [c.id, c]));
    expect(by['CC4.1']).toMatchObject({ register: ['MON-02'], checks: ['soc2.collection-continuity'] });
    expect(by['CC6.1']!.register).toEqual(expect.arrayContaining(['IAM-01', 'IAM-02', 'SEC-01']));
    expect(by['CC1.3']!.checks).toEqual([]);
    expect(out.manual).toContain('CC1.3');
  });
});

describe('soc2 report with the config\'s control register', () => {
  it('an over-claiming register is a one-line usage error naming the config, the file and the control', async () => {
    const dir = tmpDir();
    await writeDay(path.join(dir, 'evidence'), { at: new Date(Date.UTC(2026, 4, 1, 2)), build: async () => undefined });
    const cfg = writeConfig(dir, `controls: ${path.join(repoRoot, 'fixtures', 'controls', 'over-claim.yaml')}\n`);
    const r = await runCli(['report', '--config', cfg, '--out', path.join(dir, 'report')], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`soc2: ${cfg}: controls: over-claim.yaml: control X-02: unknown check aws-iam.no-such-check (and 3 more)`);
  });
});
