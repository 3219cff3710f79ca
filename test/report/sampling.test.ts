// Sampling the auditor can re-perform: sizes by control frequency (AICPA guidance for tests of
// controls), overridable per control in the register; samples only with --seed, recorded with
// --sampled-by and the time; and a selection re-performed from the CSVs alone.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadRegister } from '../../src/mapping/controls.js';
import { loadMappings } from '../../src/mapping/index.js';
import { buildReport } from '../../src/report/aggregate.js';
import { sampleSize } from '../../src/report/sampling.js';
import { repoRoot, runCli, tmpDir } from '../helpers/cli.js';
import { writeScenario } from './fixtures.js';
import { csvRecords } from '../helpers/csv.js';

let root: string;
let ev: string;
beforeAll(async () => {
  root = tmpDir('soc2-sampling-');
  ev = path.join(root, 'evidence');
  await writeScenario(ev);
});

describe('sample size by control frequency', () => {
  it('follows the AICPA ranges (low end), per-event by population size, never more than the population', () => {
    const size = (f: Parameters<typeof sampleSize>[0], n: number) => sampleSize(f, n).size;
    expect([size('annually', 365), size('quarterly', 365), size('monthly', 365), size('weekly', 365), size('daily', 365), size('continuous', 365)]).toEqual([1, 2, 2, 5, 20, 25]);
    expect([size('per-event', 1), size('per-event', 4), size('per-event', 12), size('per-event', 52), size('per-event', 300), size('per-event', 5000)]).toEqual([1, 2, 2, 5, 20, 25]);
    expect(size('daily', 7)).toBe(7);
    expect(sampleSize('daily', 7).basis).toBe('daily: AICPA range 20–40, low end 20, capped at the population size 7');
    expect(sampleSize('per-event', 30).basis).toBe('per-event, 30 occurrence(s) ≈ weekly: AICPA range 5–15, low end 5');
  });

  it('a control of the register overrides it with sampleSize', async () => {
    const dir = tmpDir('soc2-register-');
    const reg = readFileSync(path.join(repoRoot, 'controls/access.yaml'), 'utf8').replace('    frequency: continuous\n    criteria: [CC6.1]\n    supports: [CC6.6]\n    tests:\n      checks: [aws-iam.console-users-mfa]', '    frequency: continuous\n    sampleSize: 3\n    criteria: [CC6.1]\n    supports: [CC6.6]\n    tests:\n      checks: [aws-iam.console-users-mfa]');
    expect(reg).toContain('sampleSize: 3');
    writeFileSync(path.join(dir, 'access.yaml'), reg);
    const r = await buildReport({ evidenceDir: ev, window: {}, scope: ['security'], organization: null, mappings: loadMappings(), allowUnverified: false, register: loadRegister(dir), sampling: { seed: 's', sampledBy: 'me', at: '2026-03-08T00:00:00.000Z' } });
    if (!r.ok) throw new Error('integrity');
    const iam02 = r.model.sampling.controls.find((c) => c.control === 'IAM-02')!;
    expect(iam02.populationSize).toBeGreaterThan(3);
    expect(iam02).toMatchObject({ size: 3, basis: 'sampleSize 3 of control IAM-02 (register)' });
    expect(r.model.sampling.controls.find((c) => c.control === 'IAM-01')!.basis).toMatch(/^continuous: AICPA range 25–60/);
  });
});

describe('soc2 report --seed --sampled-by', () => {
  it('without --seed draws no sample and says why', async () => {
    const out = path.join(root, 'no-seed');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--format', 'json,csv,html']);
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(j.sampling).toMatchObject({ drawn: false, seed: null, sampledBy: null, controls: [], reason: expect.stringContaining('no --seed given') });
    expect(j.populations.promotions.sample).toBeNull();
    expect(existsSync(path.join(out, 'populations/promotions-sample.csv'))).toBe(false);
    expect(readFileSync(path.join(out, 'index.html'), 'utf8')).toContain('No samples: no --seed given');
  });

  it('records the seed, who chose it and when, and the selection is re-performed from the CSVs alone', async () => {
    const out = path.join(root, 'seeded');
    const r = await runCli(['report', '--evidence', ev, '--out', out, '--seed', 'fieldwork-7', '--sampled-by', 'Jane Auditor (Big4 LLP)']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const j = JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'));
    expect(j.sampling).toMatchObject({ drawn: true, seed: 'fieldwork-7', sampledBy: 'Jane Auditor (Big4 LLP)', method: 'sha256-rank/1' });
    expect(Math.abs(Date.parse(j.sampling.at) - Date.now())).toBeLessThan(120_000);

    // the auditor's re-performance: sampling.csv names each population, its CSV and the size
    const samples = csvRecords(readFileSync(path.join(out, 'sampling.csv'), 'utf8'));
    expect(samples.map((s) => s.population)).toEqual(expect.arrayContaining(['promotions', 'secret-rotations', 'control:IAM-01', 'control:CHG-01']));
    const selected = (s: Record<string, string>) =>
      s.population_csv === 'populations/control-occurrences.csv'
        ? csvRecords(readFileSync(path.join(out, 'populations/control-occurrences-sample.csv'), 'utf8')).filter((x) => x.population === s.population).map((x) => x.key)
        : csvRecords(readFileSync(path.join(out, s.population_csv.replace('.csv', '-sample.csv')), 'utf8')).map((x) => x.key);
    let drawn = 0;
    for (const s of samples) {
      expect(s).toMatchObject({ seed: 'fieldwork-7', sampled_by: 'Jane Auditor (Big4 LLP)', drawn_at: j.sampling.at });
      const population = csvRecords(readFileSync(path.join(out, s.population_csv), 'utf8')).filter((x) => !('population' in x) || x.population === s.population);
      expect(population).toHaveLength(Number(s.population_size));
      const rank = (k: string) => createHash('sha256').update(`${s.seed}\n${s.population}\n${k}`, 'utf8').digest('hex');
      const mine = population.map((x) => x.key).sort((a, b) => (rank(a) < rank(b) ? -1 : 1)).slice(0, Number(s.size));
      expect(mine, s.population).toEqual(selected(s));
      drawn += mine.length;
    }
    expect(drawn).toBeGreaterThan(10);
    // a daily-collected continuous control over 7 days: every tested day (the AICPA 25 is more than the population)
    const iam01 = samples.find((s) => s.population === 'control:IAM-01')!;
    expect(iam01.size).toBe(iam01.population_size);
    expect(iam01.size_basis).toMatch(/capped at the population size/);
  });
});
