// Shared by the reliability suites (faults, crashes): in-process collections against the sandbox
// servers and the evidence invariant ("never a silently shorter list").
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { collectors as registry } from '../../collectors/registry.js';
import type { Manifest } from '../../src/bundle/manifest.js';
import type { Finding } from '../../src/core/types.js';
import { verifyPath } from '../../src/bundle/verify.js';
import { loadConfig } from '../../src/config/load.js';
import { createLogger } from '../../src/core/log.js';
import { runCollection } from '../../src/core/runner.js';
import { loadMappings } from '../../src/mapping/index.js';
import { tmpDir, writeConfig } from '../helpers/cli.js';
import '../../src/clients/preparers.js';

export { registry };

let mappings: ReturnType<typeof loadMappings> | undefined;
const created: string[] = [];

/** Removes the temporary dirs of every collectInProcess so far. */
export function removeTempDirs(): void {
  for (const d of created.splice(0)) rmSync(d, { recursive: true, force: true });
}

export interface InProcessRun {
  dir: string;
  manifest: Manifest;
  /** what `soc2 collect` would exit with for this bundle (src/commands/collect.ts): 0 complete, 3 otherwise */
  exitCode: number;
  /** warnings the runner logged (gaps, stale locks, leftovers) */
  logs: string[];
  ms: number;
}

/**
 * One collection through the real runner, in this process (as `soc2 demo` does): the real
 * collectors, clients and bundle writer, against whatever endpoints the config and `env` name. The
 * AWS SDK reads its endpoint and credentials from process.env, so AWS suites set those there.
 */
export async function collectInProcess(configText: string, env: NodeJS.ProcessEnv, evidenceDir?: string): Promise<InProcessRun> {
  const base = tmpDir('soc2-rel-');
  created.push(base);
  const file = writeConfig(base, configText);
  const loaded = loadConfig(file, registry);
  mappings ??= loadMappings();
  const logs: string[] = [];
  const log = createLogger({ quiet: true, secrets: [], write: (s) => logs.push(s) });
  const t0 = Date.now();
  const r = await runCollection({ loaded, collectors: registry, mappings, evidenceDir: evidenceDir ?? path.join(base, 'evidence'), now: () => new Date(), signKey: null, log, env });
  return { dir: r.dir, manifest: r.manifest, exitCode: r.manifest.status === 'complete' && !r.quarantined?.length ? 0 : 3, logs, ms: Date.now() - t0 };
}

/** path → records of every artifact of a bundle. */
export function recordCounts(m: Manifest): Map<string, number> {
  return new Map(m.artifacts.map((a) => [a.path, a.records]));
}

/** Lines of an ndjson artifact, to check `records` against the file itself. */
export function ndjsonLines(bundleDir: string, rel: string): number {
  return readFileSync(path.join(bundleDir, ...rel.split('/')), 'utf8').split('\n').filter(Boolean).length;
}

/**
 * The evidence invariant, against a fault-free baseline whose counts equal the seed's:
 *  - an artifact that says `complete: true` holds exactly the baseline's records;
 *  - an artifact with fewer records, `complete: false`, or missing altogether belongs to a
 *    collector entry with `status: "error"` and at least one gap;
 *  - `records` in the manifest is what the ndjson file holds.
 * Returns the violations (empty = fine), each naming the artifact.
 */
export function silentShortLists(bundleDir: string, m: Manifest, baseline: Map<string, number>): string[] {
  const bad: string[] = [];
  const gapped = (collector: string) => m.collectors.some((c) => c.id === collector && c.status === 'error' && c.gaps.length > 0);
  for (const [p, n] of baseline) {
    const collector = p.split('/')[2]!;
    const a = m.artifacts.find((x) => x.path === p);
    if (!a) {
      if (!gapped(collector)) bad.push(`${p}: missing, and ${collector} recorded no gap`);
      continue;
    }
    if (a.provenance.complete === true && a.records !== n) bad.push(`${p}: says complete with ${a.records} records; the seed has ${n}`);
    if (a.records < n && !gapped(collector)) bad.push(`${p}: ${a.records} of ${n} records and no gap for ${collector}`);
    if (a.provenance.complete !== true && !gapped(collector)) bad.push(`${p}: complete:false without a gap for ${collector}`);
    if (p.endsWith('.ndjson') && ndjsonLines(bundleDir, p) !== a.records) bad.push(`${p}: manifest says ${a.records} records, the file holds ${ndjsonLines(bundleDir, p)}`);
  }
  for (const a of m.artifacts) if (!baseline.has(a.path)) bad.push(`${a.path}: not in the fault-free baseline`);
  return bad;
}

/**
 * "Checks that need missing evidence report error, never pass": every finding other than `error`
 * must rest on artifacts of every kind its check reads, present and complete, for its collector,
 * source and scope. Returns the violations.
 */
export function findingsOnIncompleteEvidence(bundleDir: string, m: Manifest): string[] {
  const findings = JSON.parse(readFileSync(path.join(bundleDir, 'findings.json'), 'utf8')) as Finding[];
  const bad: string[] = [];
  const sameScope = (a: Record<string, string>, b: Record<string, string>) => Object.entries(b).every(([k, v]) => a[k] === v);
  for (const f of findings) {
    if (f.status === 'error') continue;
    const check = registry.find((c) => c.meta.id === f.collector)?.checks.find((k) => k.id === f.check);
    if (!check) {
      bad.push(`${f.check}: no such check in ${f.collector}`);
      continue;
    }
    for (const kind of check.reads) {
      const a = m.artifacts.find((x) => x.kind === kind && x.collector === f.collector && x.source === f.source && sameScope(x.provenance.scope, f.scope));
      if (!a) bad.push(`${f.check} (${JSON.stringify(f.scope)}): ${f.status} without ${kind}`);
      else if (a.provenance.complete !== true) bad.push(`${f.check} (${JSON.stringify(f.scope)}): ${f.status} on incomplete ${a.path}`);
    }
  }
  return bad;
}

/** verifyPath of one bundle: its problems (empty = the bundle is intact). */
export async function bundleProblems(bundleDir: string): Promise<string[]> {
  const v = await verifyPath(bundleDir);
  return v.problems.map((p) => `${p.bundle}${p.file ? `/${p.file}` : ''}: ${p.message}`);
}
