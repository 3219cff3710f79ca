// soc2 controls: every criterion with the register controls addressing it.
import { describe, expect, it } from 'vitest';
import { runCli, tmpDir } from '../helpers/cli.js';

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
