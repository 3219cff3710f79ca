// Sampling the auditor can re-perform (docs/report.md, "Sampling"). Sizes follow the AICPA
// audit-sampling guidance for tests of controls, by how often the control operates: annually 1,
// quarterly 2, monthly 2–5, weekly 5–15, daily 20–40, many times a day (continuous) 25–60, per-event by
// the size of the population (the frequency its occurrences amount to). The default is the low end
// of each range (a control not relied on for more than its own criteria); a control of the register
// overrides it with `sampleSize`. Samples are drawn only with a seed (`--seed`), recorded with who
// chose it (`--sampled-by`) and when; the selection is sha256-rank/1 (sample.ts) over the population
// name and each row's key, so populations/*.csv and sampling.csv are enough to re-perform it.
import type { Control, Frequency } from '../mapping/controls.js';
import type { ControlReport, Sample } from './model.js';
import { drawSample, SAMPLE_METHOD } from './sample.js';

/** the AICPA ranges by frequency (continuous = "many times a day") */
export const SAMPLE_RANGES: Record<Exclude<Frequency, 'per-event'>, [number, number]> = {
  annually: [1, 1],
  quarterly: [2, 2],
  monthly: [2, 5],
  weekly: [5, 15],
  daily: [20, 40],
  continuous: [25, 60],
};

/** a per-event population of `n` occurrences in the period counts as the frequency it amounts to */
export function frequencyOfOccurrences(n: number): Exclude<Frequency, 'per-event'> {
  return n <= 1 ? 'annually' : n <= 4 ? 'quarterly' : n <= 12 ? 'monthly' : n <= 52 ? 'weekly' : n <= 365 ? 'daily' : 'continuous';
}

export interface SampleSize {
  size: number;
  /** how the size was set, as shown to the auditor */
  basis: string;
}

/** sample size for a control's population of `populationSize` occurrences (never more than the population) */
export function sampleSize(frequency: Frequency, populationSize: number, override?: { size: number; from: string }): SampleSize {
  if (override) return { size: Math.min(override.size, populationSize), basis: `${override.from}${override.size > populationSize ? `, capped at the population size ${populationSize}` : ''}` };
  const f = frequency === 'per-event' ? frequencyOfOccurrences(populationSize) : frequency;
  const [lo, hi] = SAMPLE_RANGES[f];
  const what = frequency === 'per-event' ? `per-event, ${populationSize} occurrence(s) ≈ ${f}` : f;
  return { size: Math.min(lo, populationSize), basis: `${what}: AICPA range ${lo === hi ? lo : `${lo}–${hi}`}, low end ${lo}${lo > populationSize ? `, capped at the population size ${populationSize}` : ''}` };
}

/** who asked for samples: without a seed nothing is drawn */
export interface SamplingRequest {
  seed: string;
  sampledBy: string;
  /** when the seed was chosen (the report's run time) */
  at: string;
  /** --sample N: one size for every population, instead of the frequency rule */
  n?: number;
}

export interface ControlSample extends Sample {
  control: string;
  frequency: string;
  /** the population name in the rank formula: `control:<id>` */
  population: string;
  basis: string;
}

export interface SamplingRecord {
  drawn: boolean;
  /** why nothing was drawn (no seed) */
  reason: string | null;
  method: string;
  formula: string;
  seed: string | null;
  sampledBy: string | null;
  at: string | null;
  /** one per control with an automated test: its tested days are its occurrences */
  controls: ControlSample[];
}

export const FORMULA =
  'rank(row) = lower-case hex SHA-256 of the UTF-8 bytes "<seed>\\n<population>\\n<key>" (no trailing newline); the sample is the <size> rows of the population with the lowest rank, in rank order. population and size are the columns of sampling.csv; key is the key column of the population CSV it names.';
export const NO_SEED = 'no --seed given: samples are drawn only with a seed chosen by the auditor (soc2 report --seed S --sampled-by NAME), which the report records with the time';

/** Which controls' checks test which population (its sample size follows the first such control). */
const POPULATION_CHECKS: Record<string, (check: string) => boolean> = {
  promotions: (c) => c.endsWith('.promotions-approved'),
  'privileged-access': (c) => c === 'aws-iam.admin-principals' || c === 'aws-iam.ml-privileges',
  'secret-rotations': (c) => c.startsWith('aws-secrets-manager.') && c.includes('rotat'),
};

const overrideOf = (c: Control | undefined, n: number | undefined): { size: number; from: string } | undefined =>
  n ? { size: n, from: `--sample ${n}` } : c?.sampleSize ? { size: c.sampleSize, from: `sampleSize ${c.sampleSize} of control ${c.id} (register)` } : undefined;

/** the sample of an event population (promotions, …), or null without a seed */
export function populationSample<R extends { key: string }>(name: string, rows: R[], req: SamplingRequest | undefined, register: Control[]): (Sample & { basis: string; control: string | null }) | null {
  if (!req) return null;
  const test = POPULATION_CHECKS[name];
  const control = test ? register.find((c) => c.tests.checks.some(test)) : undefined;
  const s = sampleSize('per-event', rows.length, overrideOf(control, req.n));
  return { ...drawSample(name, rows, s.size, req.seed), basis: `${control ? `control ${control.id}, ` : ''}${s.basis}`, control: control?.id ?? null };
}

/** a control's occurrences: the days of the window on which its tests ran (passed or failed) */
export const occurrenceKey = (control: string, date: string) => `${control}/${date}`;
export function controlOccurrences(c: ControlReport, days: string[]): { key: string; date: string; status: string }[] {
  return c.cells.flatMap((s, i) => (s === 'pass' || s === 'fail' ? [{ key: occurrenceKey(c.id, days[i]!), date: days[i]!, status: s }] : []));
}

export function samplingRecord(req: SamplingRequest | undefined, controls: ControlReport[], register: Control[], days: string[]): SamplingRecord {
  const base = { method: SAMPLE_METHOD, formula: FORMULA };
  if (!req) return { drawn: false, reason: NO_SEED, ...base, seed: null, sampledBy: null, at: null, controls: [] };
  const byId = new Map(register.map((c) => [c.id, c]));
  const out: ControlSample[] = [];
  for (const c of controls) {
    if (!c.checks.length) continue;
    const rows = controlOccurrences(c, days);
    const population = `control:${c.id}`;
    const s = sampleSize(c.frequency as Frequency, rows.length, overrideOf(byId.get(c.id), undefined));
    out.push({ ...drawSample(population, rows, s.size, req.seed), control: c.id, frequency: c.frequency, population, basis: s.basis });
  }
  return { drawn: true, reason: null, ...base, seed: req.seed, sampledBy: req.sampledBy, at: req.at, controls: out };
}
