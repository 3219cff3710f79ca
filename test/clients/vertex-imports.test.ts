// src/clients/vertex.ts imports the five v1 service clients from package-internal paths of
// @google-cloud/aiplatform (build/src/v1/<service>_client.js) instead of the package index, which
// would also load v1beta1 and the 16 MB static protos.js. An upgrade that moves or renames those
// files, or stops them being the classes the package exports, must fail here rather than in use.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { v1 } from '@google-cloud/aiplatform';
import { describe, expect, it } from 'vitest';
import { createVertexClients } from '../../src/clients/vertex.js';
import { repoRoot } from '../helpers/cli.js';

describe('Vertex clients: deep imports of @google-cloud/aiplatform', () => {
  it('are the very classes the package exports as v1.*ServiceClient', async () => {
    const c = createVertexClients({ project: 'p-123456', location: 'us-central1', apiEndpoint: '127.0.0.1:1', insecure: true });
    try {
      expect(c.model).toBeInstanceOf(v1.ModelServiceClient);
      expect(c.endpoint).toBeInstanceOf(v1.EndpointServiceClient);
      expect(c.metadata).toBeInstanceOf(v1.MetadataServiceClient);
      expect(c.dataset).toBeInstanceOf(v1.DatasetServiceClient);
      expect(c.pipeline).toBeInstanceOf(v1.PipelineServiceClient);
    } finally {
      await c.close();
    }
  });

  it('load neither the package index, nor v1beta1, nor the static protos.js (built CLI, fresh process)', () => {
    // the built module, as the CLI loads it (dist/ is made by `npm test`'s build step)
    const script = `
      const { createVertexClients } = await import(${JSON.stringify(path.join(repoRoot, 'dist', 'src', 'clients', 'vertex.js'))});
      const c = createVertexClients({ project: 'p', location: 'us-central1', apiEndpoint: '127.0.0.1:1', insecure: true });
      void [c.model, c.endpoint, c.metadata, c.dataset, c.pipeline];
      await c.close();
      const { createRequire } = await import('node:module');
      const keys = Object.keys(createRequire(import.meta.url)('module')._cache).filter((k) => k.includes('aiplatform'));
      process.stdout.write(JSON.stringify(keys.map((k) => k.slice(k.lastIndexOf('aiplatform') + 'aiplatform'.length))));
    `;
    const loaded = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 })) as string[];
    expect(loaded.filter((k) => k.includes('/v1/') && k.endsWith('_client.js')).sort()).toEqual(
      ['dataset', 'endpoint', 'metadata', 'model', 'pipeline'].map((s) => `/build/src/v1/${s}_service_client.js`),
    );
    expect(loaded).toContain('/build/protos/protos.json');
    expect(loaded.filter((k) => k.includes('v1beta1') || k.endsWith('/build/src/index.js') || k.endsWith('/build/src/v1/index.js') || k.endsWith('/protos/protos.js'))).toEqual([]);
  });
});
