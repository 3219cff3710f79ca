// Registers the source preparers that live beside their clients (MLflow, Vertex), so the core
// runner does not import every client library.
import type { MlflowSourceConfig, VertexSourceConfig } from '../config/schema.js';
import { Circuits } from '../core/circuit.js';
import { registerPreparer, type PreparedSource } from '../core/sources.js';
import { createMlflowClient, mlflowClientOptionsFromEnv, type MlflowClient } from './mlflow.js';
import type { VertexClients } from './vertex.js';

export interface MlflowContextExtras {
  mlflow: MlflowClient;
}

registerPreparer('mlflow', async (_config, _kind, source: MlflowSourceConfig, o): Promise<PreparedSource> => {
  // Resolved once so a bad URI or auth setting is a usage error before anything is written.
  const options = {
    ...mlflowClientOptionsFromEnv(o.env, source.trackingUri ? { trackingUri: source.trackingUri } : {}),
    ...(source.requestTimeoutSeconds !== undefined ? { timeoutMs: source.requestTimeoutSeconds * 1000 } : {}),
  };
  const probe = createMlflowClient(options);
  const server = probe.server;
  probe.close();
  o.identity.mlflow.push({ source: source.name, server, ...(probe.user ? { user: probe.user } : {}) });
  const clients: MlflowClient[] = [];
  return {
    kind: 'mlflow',
    name: source.name,
    system: 'mlflow',
    settings: source,
    failures: [],
    setupCalls: { calls: 0, retries: 0 },
    targets: () => [
      {
        target: { kind: 'mlflow', source: source.name, server, pathSegments: [] },
        scope: { server },
        extras: (counter) => {
          const client = createMlflowClient({
            ...options,
            onCall: (c) => {
              counter.calls++;
              if (c.attempt > 1) counter.retries++;
            },
          });
          clients.push(client);
          return { mlflow: client };
        },
      },
    ],
    close: async () => {
      for (const c of clients) c.close();
    },
  };
});

export interface VertexContextExtras {
  /** clients bound to the target's project and location */
  vertex: VertexClients;
}

registerPreparer('vertex', async (_config, _kind, source: VertexSourceConfig, o): Promise<PreparedSource> => {
  // loaded only when a Vertex source is configured: the aiplatform package is large
  const { createVertexClients } = await import('./vertex.js');
  o.identity.gcp.push({ source: source.name, project: source.project, ...(source.insecure ? { principal: 'none (insecure loopback)' } : {}) });
  // one client set per location, shared by the collectors of this run
  const byLocation = new Map<string, VertexClients>();
  // one circuit per endpoint host:port: the regional endpoints are separate servers
  const circuits = new Circuits();
  const target = (location: string) => ({
    target: { kind: 'vertex' as const, source: source.name, project: source.project, region: location, pathSegments: [location] },
    scope: { project: source.project, location },
    extras: () => {
      let clients = byLocation.get(location);
      if (!clients) {
        const endpoint = source.apiEndpoint ?? `${location}-aiplatform.googleapis.com:443`;
        clients = createVertexClients({ project: source.project, location, ...(source.apiEndpoint ? { apiEndpoint: source.apiEndpoint } : {}), insecure: source.insecure, retry: { timeoutMs: source.requestTimeoutSeconds * 1000 }, circuit: circuits.for(endpoint) });
        byLocation.set(location, clients);
      }
      return { vertex: clients };
    },
  });
  return {
    kind: 'vertex',
    name: source.name,
    system: 'gcp-vertex-ai',
    settings: source,
    failures: [],
    setupCalls: { calls: 0, retries: 0 },
    // every Vertex collector is regional; a global one would run against the first location
    targets: (scope) => (scope === 'regional' ? source.locations : source.locations.slice(0, 1)).map(target),
    close: async () => {
      await Promise.all([...byLocation.values()].map((c) => c.close()));
    },
  };
});
