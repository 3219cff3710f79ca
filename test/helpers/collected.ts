// Runs `soc2 collect --json` through the real CLI and reads the bundle it wrote: the one helper the
// collector suites share (each adds its own lookups of findings and collectors).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { runCli, type CliResult } from './cli.js';

export interface CollectedBundle extends CliResult {
  bundle: string;
  manifest: any;
  findings: any[];
  /** artifact by path below artifacts/<source>/ */
  json(rel: string): any;
  ndjson(rel: string): any[];
  /** provenance of an artifact, by path below artifacts/<source>/ */
  provenance(rel: string): any;
}

export async function collectBundle(config: string, env: NodeJS.ProcessEnv, source: string): Promise<CollectedBundle> {
  const r = await runCli(['collect', '--config', config, '--json'], { env });
  let bundle: string;
  try {
    bundle = JSON.parse(r.stdout).bundle;
  } catch {
    throw new Error(`collect printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  return readBundle(r, bundle, source);
}

/** A finished collect's result with its bundle's manifest, findings and artifacts (by path below artifacts/<source>/). */
function readBundle(r: CliResult, bundle: string, source: string): CollectedBundle {
  const read = (rel: string) => readFileSync(path.join(bundle, 'artifacts', source, ...rel.split('/')), 'utf8');
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
  return {
    ...r,
    bundle,
    manifest,
    findings: JSON.parse(readFileSync(path.join(bundle, 'findings.json'), 'utf8')),
    json: (rel) => JSON.parse(read(rel)),
    ndjson: (rel) =>
      read(rel)
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l)),
    provenance: (rel) => manifest.artifacts.find((a: any) => a.path === `artifacts/${source}/${rel}`)?.provenance,
  };
}

/** Every file of a bundle, concatenated (to search for values that must never be written). */
export function bundleText(dir: string): string {
  let out = '';
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    out += statSync(p).isDirectory() ? bundleText(p) : readFileSync(p, 'utf8');
  }
  return out;
}

/**
 * What collectBundle gives, from a collection run in this process through the real runner
 * (test/reliability/fault-helpers.ts) instead of a child CLI: for suites about a collector rather
 * than the CLI, and for those that put the collector's waits on a time scale (vi.mock works in this
 * process only). `code` is what `soc2 collect` would exit with, `stderr` the runner's log, `stdout`
 * empty. AWS suites set the endpoint and credentials in process.env (the SDK reads them there).
 */
export async function collectBundleInProcess(configText: string, env: NodeJS.ProcessEnv, source: string, evidenceDir?: string): Promise<CollectedBundle> {
  const { collectInProcess } = await import('../reliability/fault-helpers.js');
  const r = await collectInProcess(configText, env, evidenceDir);
  return readBundle({ code: r.exitCode, stdout: '', stderr: r.logs.join('') }, r.dir, source);
}
