// `soc2 review start` and `submit` through the CLI: the wiring, the output and the exit codes (the
// rules themselves are tested in process: test/review/review.test.ts).
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { readWorksheet, renderWorksheetCsv } from '../../src/review/worksheet.js';
import { reviewWorkspace } from '../review/fixtures.js';

describe('soc2 review', () => {
  it('start writes the worksheet; submit refuses a missing reviewer (exit 2, one line) and records a decided one', async () => {
    const w = await reviewWorkspace();
    const s = await runCli(['review', 'start', '--control', 'IAM-07', '--out', 'ws', '-c', w.config, '--json'], { cwd: w.dir });
    expect(s.stderr).toBe('');
    expect(s.code).toBe(0);
    const out = JSON.parse(s.stdout) as { csv: string; html: string; rows: number; owners: number };
    expect(out).toMatchObject({ rows: 6, owners: 3 });
    const none = await runCli(['review', 'submit', out.csv, '-c', w.config], { cwd: w.dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('soc2: --reviewer: required: the name of who reviewed the access\n');
    const undecided = await runCli(['review', 'submit', out.csv, '--reviewer', 'Sam', '-c', w.config], { cwd: w.dir });
    expect(undecided.code).toBe(2);
    expect(undecided.stderr).toMatch(/^soc2: \S+\.csv: row 2 \(\w+\): no decision for .*; nothing was recorded\n$/);
    writeFileSync(out.csv, renderWorksheetCsv(readWorksheet(readFileSync(out.csv, 'utf8'), out.csv).map((r) => ({ ...r, decision: 'keep' }))));
    const ok = await runCli(['review', 'submit', out.csv, '--reviewer', 'Sam', '-c', w.config], { cwd: w.dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^recorded the access review of 2026-03-01 by Sam for IAM-07\/access-review covering 2026-01-01\.\.2026-03-31: 6 keep, 0 revoke, 0 modify; .*within 14 days; the next "soc2 collect" takes it/);
    expect(ok.stdout).toMatch(/evidence\/pending\/\S+\n$/);
  });
});
