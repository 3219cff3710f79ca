// Runs the real CLI against an MLflow sandbox and reads the bundle it wrote.
import path from 'node:path';
import type { MlflowRecordedRequest } from '../../../src/sandbox/mlflow/index.js';
import { cleanEnv, writeConfig } from '../../helpers/cli.js';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';

export interface Collected extends CollectedBundle {
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
  const c = await collectBundle(config, env, 'registry');
  return {
    ...c,
    finding: (check) => c.findings.find((f: any) => f.check === check),
    collector: (id) => c.manifest.collectors.find((x: any) => x.id === id),
  };
}

/** Requests to one API path (below /api/2.0/mlflow/). */
export const calls = (requests: MlflowRecordedRequest[], endpoint: string) => requests.filter((r) => r.path === `/api/2.0/mlflow/${endpoint}`);

/** The read APIs the MLflow collectors may call, with their only method. */
export const READ_APIS: Record<string, string> = {
  workspaces: 'GET',
  'registered-models/search': 'GET',
  'registered-models/get': 'GET',
  'model-versions/search': 'GET',
  'experiments/search': 'GET',
  'runs/search': 'POST',
  'runs/get': 'GET',
  'logged-models/search': 'POST',
  'logged-models/{model_id}': 'GET',
  webhooks: 'GET',
  'registry-webhooks/list': 'GET',
  'transition-requests/list': 'GET',
};

export function assertReadOnly(requests: MlflowRecordedRequest[]): string[] {
  const bad: string[] = [];
  for (const r of requests) {
    const api = r.path.replace(/^\/api\/2\.0\/mlflow\//, '').replace(/^logged-models\/m-[0-9a-f]+$/, 'logged-models/{model_id}');
    if (READ_APIS[api] !== r.method) bad.push(`${r.method} ${r.path}`);
  }
  return bad;
}
