// Writes dist/build-info.json at build time: the git commit the tool was built from (and whether the
// work tree had uncommitted changes), which every bundle manifest then records as tool.build.
// "unknown" when not built from a git checkout (e.g. a source tarball).
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const git = (...args) => execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
let commit = 'unknown';
let dirty = null;
try {
  commit = git('rev-parse', 'HEAD');
  // tracked files only: an untracked scratch file does not change what was built
  dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
} catch {
  // not a git checkout, or no git: the build is unknown
}
mkdirSync(path.join(root, 'dist'), { recursive: true });
writeFileSync(path.join(root, 'dist', 'build-info.json'), JSON.stringify({ commit, dirty, builtAt: new Date().toISOString() }, null, 2) + '\n');
