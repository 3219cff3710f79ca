// Loads seeded companies from fixtures/vertex/*.json (works from src/ under vitest and from dist/).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { VertexSeed } from './types.js';

/** Absolute path of fixtures/vertex, found by walking up from this module. */
export function vertexFixturesDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'fixtures', 'vertex');
    if (existsSync(candidate)) return candidate;
    const parent = resolve(dir, '..');
    if (parent === dir) break;
    dir = parent;
  }
  throw new Error('fixtures/vertex not found above ' + fileURLToPath(import.meta.url));
}

/** Reads a seed such as 'small-company' (fixtures/vertex/small-company.json). A fresh copy each call. */
export function loadVertexFixture(name = 'small-company'): VertexSeed {
  const file = join(vertexFixturesDir(), `${name}.json`);
  return JSON.parse(readFileSync(file, 'utf8')) as VertexSeed;
}
