// The differential test's oracle, @cloud-copilot/iam-simulate, is AGPL: it may be a devDependency and
// be imported from test/ only, never from the code that ships (src/, collectors/, bin/).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/cli.js';

const ORACLE = '@cloud-copilot/iam-simulate';

function sources(dir: string): string[] {
  return readdirSync(path.join(repoRoot, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.(ts|js|mjs|cjs)$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

describe(`${ORACLE} stays out of the product`, () => {
  it('is a devDependency, not a dependency', () => {
    const pkg = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8'));
    expect(pkg.devDependencies?.[ORACLE]).toBeDefined();
    expect(pkg.dependencies?.[ORACLE]).toBeUndefined();
  });

  it('is absent from the production dependency tree', () => {
    const tree = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: repoRoot, encoding: 'utf8' });
    expect(tree).not.toContain('iam-simulate');
  });

  it('is imported from no file of src/, collectors/ or bin/', () => {
    const offenders = ['src', 'collectors', 'bin'].flatMap(sources).filter((f) => readFileSync(f, 'utf8').includes(ORACLE));
    expect(offenders).toEqual([]);
  });
});
