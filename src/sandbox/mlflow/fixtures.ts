// Loads seeded companies from fixtures/mlflow/*.json (works from src/ under vitest/tsx and from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MlflowSeed } from './types.js';

/** Absolute path of fixtures/mlflow, found by walking up from this module. */
export function mlflowFixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'fixtures', 'mlflow');
    if (existsSync(candidate)) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('fixtures/mlflow not found above ' + fileURLToPath(import.meta.url));
}

/** Read a seed such as 'small-company' (fixtures/mlflow/small-company.json). A fresh copy each call. */
export function loadMlflowFixture(name = 'small-company'): MlflowSeed {
  const file = join(mlflowFixturesDir(), `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as MlflowSeed;
}
