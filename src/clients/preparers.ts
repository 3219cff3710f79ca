// Registers the source preparers that live beside their clients (MLflow, Vertex), so the core
// runner does not import every client library.
import type { MlflowSourceConfig } from '../config/schema.js';
import { registerPreparer, type PreparedSource } from '../core/sources.js';
import { createMlflowClient, mlflowClientOptionsFromEnv, type MlflowClient } from './mlflow.js';

export interface MlflowContextExtras {
  mlflow: MlflowClient;
}

registerPreparer('mlflow', async (_config, _kind, source: MlflowSourceConfig, o): Promise<PreparedSource> => {
  // Resolved once so a bad URI or auth setting is a usage error before anything is written.
  const options = mlflowClientOptionsFromEnv(o.env, source.trackingUri ? { trackingUri: source.trackingUri } : {});
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
