// Test helpers: the captured MLflow 2.12 responses, and a seed rebuilt from them so that the sandbox
// can be replayed against the real server's answers.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MlflowSeed, MlflowSeedRun } from '../../../src/sandbox/mlflow/index.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const refDir = path.resolve(repoRoot, 'fixtures', 'mlflow', 'recorded-2.12');

export function refText(name: string): string {
  return readFileSync(path.join(refDir, name), 'utf8');
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function ref(name: string): any {
  return JSON.parse(refText(name));
}

/** Every key path of a JSON value: `a.b`, `a.list[].c`; arrays are merged element-wise. */
export function keyPaths(v: unknown, prefix = ''): Set<string> {
  const out = new Set<string>();
  const walk = (x: unknown, p: string): void => {
    if (Array.isArray(x)) {
      for (const e of x) walk(e, `${p}[]`);
    } else if (x !== null && typeof x === 'object') {
      for (const [k, val] of Object.entries(x)) {
        const q = p ? `${p}.${k}` : k;
        out.add(q);
        walk(val, q);
      }
    }
  };
  walk(v, prefix);
  return out;
}

const parseJsonString = (s: string | undefined): Record<string, unknown> | undefined =>
  s === undefined ? undefined : (JSON.parse(s) as Record<string, unknown>);

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function runFromWire(w: any): MlflowSeedRun {
  return {
    info: { ...w.info },
    data: { metrics: w.data.metrics ?? [], params: w.data.params ?? [], tags: w.data.tags ?? [] },
    inputs: {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      dataset_inputs: (w.inputs.dataset_inputs ?? []).map((di: any) => ({
        tags: di.tags ?? [],
        dataset: {
          name: di.dataset.name,
          digest: di.dataset.digest,
          source_type: di.dataset.source_type,
          // objects in the seed: the sandbox must re-encode them exactly as Python's json.dumps did
          source: parseJsonString(di.dataset.source)!,
          ...(di.dataset.schema !== undefined ? { schema: parseJsonString(di.dataset.schema)! } : {}),
          ...(di.dataset.profile !== undefined ? { profile: parseJsonString(di.dataset.profile)! } : {}),
        },
      })),
    },
  };
}

/** The state of the real server when the read responses were captured. */
export function capturedSeed(): MlflowSeed {
  const rm = ref('registered-models-get.json').registered_model;
  const versions = ref('model-versions-search-by-name.json').model_versions;
  const runs = [
    ...ref('runs-search.json').runs,
    // train-2 as it was after log-inputs (3 dataset inputs), as runs/search page 2 shows it
    ...ref('runs-search-page2.json').runs,
  ].map(runFromWire);
  return {
    experiments: ref('experiments-search.json').experiments,
    registeredModels: [
      {
        name: rm.name,
        creation_timestamp: rm.creation_timestamp,
        last_updated_timestamp: rm.last_updated_timestamp,
        description: rm.description,
        tags: rm.tags,
        aliases: rm.aliases,
      },
    ],
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    modelVersions: versions.map((v: any) => ({ ...v })),
    runs,
  };
}

export async function getJson(url: string, init?: RequestInit): Promise<{ status: number; json: any; headers: Headers }> {
  const res = await fetch(url, init);
  const text = await res.text();
  return { status: res.status, json: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export const postJson = (url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers }> =>
  getJson(url, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
