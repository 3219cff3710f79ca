// Registers the source preparers that live beside their clients (MLflow, Vertex, Prometheus), so the core
// runner does not import every client library. An MLflow source gets one circuit shared by all its
// clients, and one target per workspace on a multi-tenant server.
import type { MlflowSourceConfig, PrometheusSourceConfig, VertexSourceConfig } from '../config/schema.js';
import { UsageError } from '../core/errors.js';
import { Circuit, Circuits } from '../core/circuit.js';
import { describeError } from '../core/errors.js';
import { registerPreparer, type PreparedSource, type PreparedTarget } from '../core/sources.js';
import type { Gap } from '../core/types.js';
import { createMlflowClient, MlflowEndpointNotSupported, mlflowClientOptionsFromEnv, type MlflowClient, type MlflowClientOptions } from './mlflow.js';
import type { VertexClients } from './vertex.js';
import { basicAuthorizer, bearerAuthorizer, createPrometheusClient, sigv4Authorizer, type Authorizer, type PrometheusClient } from './prometheus.js';

/** Which workspaces of the server this collection covers (multi-tenant servers only). */
export interface MlflowWorkspaceScope {
  /** this target's workspace; absent on a single-tenant server */
  name?: string;
  /** every workspace the server listed (GET workspaces), null on a single-tenant server */
  onServer: string[] | null;
  /** sources.mlflow[].workspaces, or null when every workspace is collected */
  configured: string[] | null;
}

export interface MlflowContextExtras {
  mlflow: MlflowClient;
  mlflowWorkspace: MlflowWorkspaceScope;
}

/**
 * Asks the server for its workspaces. A single-tenant server (upstream MLflow: HTML 404; the ODH
 * fork without --enable-workspaces: a plain-text 503) answers "not supported": then there is one
 * target, as before workspaces existed.
 */
async function listWorkspaces(options: MlflowClientOptions, circuit: Circuit): Promise<{ names: string[] | null } | { gap: Gap }> {
  const probe = createMlflowClient({ ...options, circuit });
  try {
    return { names: (await probe.listWorkspaces()).items.map((w) => w.name) };
  } catch (e) {
    if (e instanceof MlflowEndpointNotSupported) return { names: null };
    return { gap: { api: 'mlflow:ListWorkspaces', ...describeError(e) } };
  } finally {
    probe.close();
  }
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
  // one per source (its one server): the first unreachable failure is every collector's, at once
  const circuit = new Circuit(server);
  const clients: MlflowClient[] = [];
  const failures: PreparedSource['failures'] = [];
  const configured = source.workspaces ?? null;
  const listed = await listWorkspaces(options, circuit);
  let targets: { workspace?: string }[] = [];
  let onServer: string[] | null = null;
  if ('gap' in listed) {
    // the workspaces of the server are unknown, so is what to collect: every collector records this gap
    failures.push({ scope: { server }, regional: false, gap: listed.gap });
  } else if (listed.names === null) {
    if (configured) failures.push({ scope: { server }, regional: false, gap: { api: 'mlflow:ListWorkspaces', code: 'WORKSPACES_NOT_SUPPORTED', message: `sources.mlflow[${source.name}].workspaces names ${configured.join(', ')}, but ${server} is not a multi-tenant server (GET workspaces is not supported)` } });
    else targets = [{}];
  } else {
    onServer = listed.names;
    for (const w of configured ?? onServer) {
      if (onServer.includes(w)) targets.push({ workspace: w });
      else failures.push({ scope: { server, workspace: w }, regional: false, gap: { api: 'mlflow:ListWorkspaces', code: 'RESOURCE_DOES_NOT_EXIST', message: `workspace ${w} (sources.mlflow[${source.name}].workspaces) is not among the server's workspaces: ${onServer.join(', ')}` } });
    }
  }
  const target = (t: { workspace?: string }): PreparedTarget => ({
    target: { kind: 'mlflow', source: source.name, server, pathSegments: t.workspace !== undefined ? [t.workspace] : [] },
    scope: { server, ...(t.workspace !== undefined ? { workspace: t.workspace } : {}) },
    extras: (counter) => {
      const client = createMlflowClient({
        ...options,
        circuit,
        ...(t.workspace !== undefined ? { workspace: t.workspace } : {}),
        onCall: (c) => {
          counter.calls++;
          if (c.attempt > 1) counter.retries++;
        },
      });
      clients.push(client);
      const mlflowWorkspace: MlflowWorkspaceScope = { ...(t.workspace !== undefined ? { name: t.workspace } : {}), onServer, configured };
      return { mlflow: client, mlflowWorkspace } satisfies MlflowContextExtras;
    },
  });
  return {
    kind: 'mlflow',
    name: source.name,
    system: 'mlflow',
    settings: source,
    failures,
    setupCalls: { calls: 0, retries: 0 },
    targets: () => targets.map(target),
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

export interface PrometheusContextExtras {
  prometheus: PrometheusClient;
  /** the Alertmanager of the source, when alertmanagerUrl is configured */
  alertmanager: PrometheusClient | null;
}

/** The authorizer a Prometheus source's auth asks for; a missing environment variable is a usage error. */
async function prometheusAuthorizer(source: PrometheusSourceConfig, where: string, env: NodeJS.ProcessEnv): Promise<Authorizer | undefined> {
  const a = source.auth;
  if (!a) return undefined;
  const read = (key: string, name: string) => {
    const v = env[name];
    if (v === undefined || v === '') throw new UsageError(`${where}.auth.${key}: environment variable ${name} is not set (it must hold the credential)`);
    return v;
  };
  if (a.type === 'bearer') return bearerAuthorizer(read('tokenEnv', a.tokenEnv));
  if (a.type === 'basic') return basicAuthorizer(read('usernameEnv', a.usernameEnv), read('passwordEnv', a.passwordEnv));
  return sigv4Authorizer({ region: a.region, service: a.service, ...(a.profile ? { profile: a.profile } : {}) });
}

registerPreparer('prometheus', async (config, _kind, source: PrometheusSourceConfig, o): Promise<PreparedSource> => {
  const where = `sources.prometheus[${config.sources.prometheus.indexOf(source)}]`;
  const authorize = await prometheusAuthorizer(source, where, o.env);
  const base = { timeoutMs: source.requestTimeoutSeconds * 1000, ...(authorize ? { authorize } : {}) };
  const server = createPrometheusClient({ ...base, baseUrl: source.url }).server;
  return {
    kind: 'prometheus',
    name: source.name,
    system: 'prometheus',
    settings: source,
    failures: [],
    setupCalls: { calls: 0, retries: 0 },
    targets: () => [
      {
        target: { kind: 'prometheus', source: source.name, server, pathSegments: [] },
        scope: { server },
        extras: (counter) => {
          const onCall = (c: { attempt: number }) => {
            counter.calls++;
            if (c.attempt > 1) counter.retries++;
          };
          const prometheus = createPrometheusClient({ ...base, baseUrl: source.url, onCall });
          const alertmanager = source.alertmanagerUrl ? createPrometheusClient({ ...base, baseUrl: source.alertmanagerUrl, onCall }) : null;
          return { prometheus, alertmanager } satisfies PrometheusContextExtras;
        },
      },
    ],
    close: async () => undefined,
  };
});
