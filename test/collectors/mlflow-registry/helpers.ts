// Runs the real CLI against an MLflow sandbox and reads the bundle it wrote.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { MlflowRecordedRequest } from '../../../src/sandbox/mlflow/index.js';
import { cleanEnv, runCli, writeConfig, type CliResult } from '../../helpers/cli.js';

export interface Collected extends CliResult {
  bundle: string;
  manifest: any;
  findings: any[];
  /** artifact of this bundle by path below artifacts/<source>/ */
  json(rel: string): any;
  ndjson(rel: string): any[];
  /** provenance of an artifact, by path below artifacts/<source>/ */
  provenance(rel: string): any;
  finding(check: string): any;
  collector(id: string): any;
}

export function mlflowConfig(dir: string, o: { collectors?: string[]; source?: string; extra?: string; name?: string } = {}): string {
  const collectors = o.collectors ?? ['mlflow-registry', 'mlflow-lineage'];
  return writeConfig(
    dir,
    [
      'evidence:',
      `  dir: ${JSON.stringify(path.join(dir, 'evidence'))}`,
      'sources:',
      '  mlflow:',
      '    - name: registry',
      ...(o.source ? o.source.split('\n').map((l) => `      ${l}`) : []),
      `collectors: [${collectors.join(', ')}]`,
      o.extra ?? '',
    ].join('\n') + '\n',
    o.name,
  );
}

export const mlflowEnv = (url: string, extra: Record<string, string> = {}) => cleanEnv({ MLFLOW_TRACKING_URI: url, ...extra });

export async function collect(config: string, env: NodeJS.ProcessEnv): Promise<Collected> {
  const r = await runCli(['collect', '--config', config, '--json'], { env });
  let bundle: string;
  try {
    bundle = JSON.parse(r.stdout).bundle;
  } catch {
    throw new Error(`collect printed no JSON (exit ${r.code}): ${r.stdout}\n${r.stderr}`);
  }
  const read = (rel: string) => readFileSync(path.join(bundle, 'artifacts', 'registry', ...rel.split('/')), 'utf8');
  const manifest = JSON.parse(readFileSync(path.join(bundle, 'manifest.json'), 'utf8'));
  const findings = JSON.parse(readFileSync(path.join(bundle, 'findings.json'), 'utf8'));
  return {
    ...r,
    bundle,
    manifest,
    findings,
    json: (rel) => JSON.parse(read(rel)),
    ndjson: (rel) =>
      read(rel)
        .split('\n')
        .filter((l) => l)
        .map((l) => JSON.parse(l)),
    provenance: (rel) => manifest.artifacts.find((a: any) => a.path === `artifacts/registry/${rel}`)?.provenance,
    finding: (check) => findings.find((f: any) => f.check === check),
    collector: (id) => manifest.collectors.find((c: any) => c.id === id),
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

/** Requests to one API path (below /api/2.0/mlflow/). */
export const calls = (requests: MlflowRecordedRequest[], endpoint: string) => requests.filter((r) => r.path === `/api/2.0/mlflow/${endpoint}`);

/** The read APIs the MLflow collectors may call, with their only method. */
export const READ_APIS: Record<string, string> = {
  'registered-models/search': 'GET',
  'model-versions/search': 'GET',
  'experiments/search': 'GET',
  'runs/search': 'POST',
  webhooks: 'GET',
  'registry-webhooks/list': 'GET',
  'transition-requests/list': 'GET',
};

export function assertReadOnly(requests: MlflowRecordedRequest[]): string[] {
  const bad: string[] = [];
  for (const r of requests) {
    const api = r.path.replace(/^\/api\/2\.0\/mlflow\//, '');
    if (READ_APIS[api] !== r.method) bad.push(`${r.method} ${r.path}`);
  }
  return bad;
}
