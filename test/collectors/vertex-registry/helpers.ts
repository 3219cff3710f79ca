// Runs the real CLI against the Vertex sandbox and reads the bundle it wrote. Shared by the three
// Vertex collector suites. Every CLI run parses the aiplatform protos (~2 s CPU), so suites collect
// few times and assert a lot on each bundle.
import path from 'node:path';
import type { VertexRecordedRequest } from '../../../src/sandbox/vertex/index.js';
import { cleanEnv, writeConfig } from '../../helpers/cli.js';
import { collectBundle, type CollectedBundle } from '../../helpers/collected.js';

export const SOURCE = 'ml-prod';
export const PROJECT = { id: 'acme-ml-prod', number: '412345678901' };
export const LOCATIONS = ['us-central1', 'europe-west4'];

export interface Collected extends CollectedBundle {
  finding(check: string, location?: string): any;
  collectors(id: string): any[];
}

export function vertexConfig(dir: string, endpoint: string, o: { collectors?: string[]; source?: string[]; extra?: string } = {}): string {
  const collectors = o.collectors ?? ['vertex-registry', 'vertex-lineage', 'vertex-endpoints'];
  return writeConfig(
    dir,
    [
      'evidence:',
      `  dir: ${JSON.stringify(path.join(dir, 'evidence'))}`,
      'sources:',
      '  vertex:',
      `    - name: ${SOURCE}`,
      `      project: ${PROJECT.id}`,
      `      locations: [${LOCATIONS.join(', ')}]`,
      `      apiEndpoint: ${endpoint}`,
      '      insecure: true',
      '      requireCmek: true',
      ...(o.source ?? []).map((l) => `      ${l}`),
      `collectors: [${collectors.join(', ')}]`,
      o.extra ?? '',
    ].join('\n') + '\n',
  );
}

export const vertexEnv = (extra: Record<string, string> = {}) => cleanEnv(extra);

export async function collect(config: string, env: NodeJS.ProcessEnv): Promise<Collected> {
  const c = await collectBundle(config, env, SOURCE);
  return {
    ...c,
    finding: (check, location = 'us-central1') => c.findings.find((f: any) => f.check === check && f.scope.location === location),
    collectors: (id) => c.manifest.collectors.filter((x: any) => x.id === id),
  };
}

/** The read methods the Vertex collectors may call. */
export const READ_METHODS = new Set(['ListModels', 'ListModelVersions', 'ListEndpoints', 'QueryArtifactLineageSubgraph', 'GetTrainingPipeline', 'GetDataset']);

export function countBy(requests: VertexRecordedRequest[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of requests) out[r.method] = (out[r.method] ?? 0) + 1;
  return out;
}

export const resources = (f: any) => f.exceptions.map((e: any) => e.resource).sort();
