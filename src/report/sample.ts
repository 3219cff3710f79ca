// Reproducible sampling. Method `sha256-rank/1`: every row of a population has a stable key (its
// dedupe key); the rank of a row is SHA-256 over the UTF-8 bytes of `<seed>\n<population>\n<key>`
// (hex); the sample is the N rows with the lowest rank, in rank order. Anyone with the population
// CSV and the seed can re-perform it (e.g. `printf '%s\n%s\n%s' SEED promotions KEY | sha256sum`),
// it does not depend on row order, and adding rows never reshuffles the others.
import { createHash, randomBytes } from 'node:crypto';
import type { Sample } from './model.js';

export const SAMPLE_METHOD = 'sha256-rank/1';

export function sampleRank(seed: string, population: string, key: string): string {
  return createHash('sha256').update(`${seed}\n${population}\n${key}`, 'utf8').digest('hex');
}

export function drawSample<R extends { key: string }>(population: string, rows: R[], n: number, seed: string): Sample {
  const ranked = rows.map((r) => ({ key: r.key, rank: sampleRank(seed, population, r.key) })).sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
  const keys = ranked.slice(0, n).map((r) => r.key);
  return { method: SAMPLE_METHOD, seed, requested: n, populationSize: rows.length, size: keys.length, keys };
}

export function randomSeed(): string {
  return String(randomBytes(4).readUInt32BE(0));
}
