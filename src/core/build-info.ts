// The build the running tool came from: dist/build-info.json, written by scripts/build-info.mjs at
// `npm run build` (git commit, dirty flag, build time). A tool not built from git, or run without a
// build, reports the commit "unknown" rather than a guess.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { packageRoot } from './paths.js';

export interface BuildInfo {
  /** full git commit hash, or "unknown" */
  commit: string;
  /** true when tracked files differed from the commit at build time; null when unknown */
  dirty: boolean | null;
  builtAt: string | null;
}

export const BUILD_INFO_FILE = path.join(packageRoot, 'dist', 'build-info.json');
export const UNKNOWN_BUILD: BuildInfo = { commit: 'unknown', dirty: null, builtAt: null };

export function readBuildInfo(file = BUILD_INFO_FILE): BuildInfo {
  try {
    const j = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildInfo>;
    const commit = typeof j.commit === 'string' && /^[0-9a-f]{7,64}$/.test(j.commit) ? j.commit : 'unknown';
    return { commit, dirty: commit === 'unknown' ? null : typeof j.dirty === 'boolean' ? j.dirty : null, builtAt: typeof j.builtAt === 'string' ? j.builtAt : null };
  } catch {
    return UNKNOWN_BUILD;
  }
}

/** "0.1.0 (abc1234)", "0.1.0 (abc1234, modified)" or "0.1.0 (build unknown)" */
export function buildLabel(version: string, b: BuildInfo | undefined): string {
  if (!b || b.commit === 'unknown') return `${version} (build unknown)`;
  return `${version} (${b.commit.slice(0, 12)}${b.dirty ? ', modified' : ''})`;
}
