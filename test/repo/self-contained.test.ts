// A user's fresh clone has no ../shared beside it: the tests, the tool and its scripts must read their
// recorded facts from fixtures/. Only the genuine-MLflow suite may reach ../shared/vendor/mlflow (the
// real server's source), and it skips with a printed reason when that is absent.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const ROOTS = ['src', 'collectors', 'test', 'scripts', 'bin', 'bench'];
const SHARED = /\.\.\/shared\b|\/work\/shared\b|['"]\.\.['"],\s*['"]shared['"]|shared\/reference/;

function* files(dir: string): Generator<string> {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const p = path.join(dir, e);
    if (statSync(p).isDirectory()) yield* files(p);
    else if (/\.(ts|js|mjs|cjs|py|sh|json)$/.test(e)) yield p;
  }
}

/** files that mention ../shared, and whether each only reaches the vendored MLflow server */
function sharedReaders(): { file: string; vendorOnly: boolean }[] {
  const out: { file: string; vendorOnly: boolean }[] = [];
  for (const root of ROOTS)
    for (const f of files(path.join(repoRoot, root))) {
      if (f === __filename_) continue;
      const text = readFileSync(f, 'utf8');
      if (!SHARED.test(text)) continue;
      out.push({ file: path.relative(repoRoot, f), vendorOnly: /vendor/.test(text) && /mlflow/i.test(text) && !/reference/.test(text.replace(/\/\/.*$/gm, '')) });
    }
  return out;
}
const __filename_ = new URL(import.meta.url).pathname;

describe('a fresh clone needs nothing outside the repository', () => {
  it('no source, script or test reads ../shared, except the genuine-MLflow suite reaching vendor/mlflow', () => {
    const offenders = sharedReaders().filter((r) => !r.vendorOnly).map((r) => r.file);
    expect(offenders).toEqual([]);
  });

  it('the recorded facts the tests need are in fixtures/', () => {
    for (const f of ['fixtures/reference/tsc-2017.yaml', 'fixtures/mlflow/recorded-2.12/INDEX.txt', 'fixtures/oscal/oscal_assessment-results_schema-1.1.2.json', 'fixtures/oscal/oscal_assessment-plan_schema-1.1.2.json', 'fixtures/oscal/oscal_catalog_schema-1.1.2.json'])
      expect(statSync(path.join(repoRoot, f)).size, f).toBeGreaterThan(0);
  });
});
