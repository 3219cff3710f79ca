// Vertex AI client factory: the @google-cloud/aiplatform v1 gRPC clients a Vertex collector needs,
// for one project and location.
//
// - Real use: the regional endpoint `${location}-aiplatform.googleapis.com:443`, TLS, and
//   Application Default Credentials (GOOGLE_APPLICATION_CREDENTIALS, the gcloud ADC file, the
//   metadata server), resolved on the first call through LazyAdcClient (see there for why).
// - insecure (loopback testing only; needs apiEndpoint): plaintext gRPC AND a PassThroughClient as
//   the auth client, so no credential file is read, no token is fetched and the GCE metadata server
//   is never probed. `sslCreds` alone would still probe 169.254.169.254.
// - Retries: the generated clients retry nothing by default (every v1 method is configured
//   "non_idempotent"). We override the read methods to retry UNAVAILABLE, DEADLINE_EXCEEDED and
//   RESOURCE_EXHAUSTED with exponential backoff; every other code (PERMISSION_DENIED, NOT_FOUND,
//   FAILED_PRECONDITION, UNAUTHENTICATED …) surfaces at once.
// - Loading: only the five v1 service clients, each from its own module. The package index
//   (`import { v1 } from '@google-cloud/aiplatform'`) would also load every other v1 client, the
//   whole v1beta1 tree and the 16 MB static protos.js: ~1 s CPU and ~60-120 MB more. These deep
//   paths are package internals (the package has no `exports` map, so Node allows them); an upgrade
//   that moves them fails at import, loudly, and test/clients/vertex-imports.test.ts catches it.
//   From tsc's build each client still parses the package's single build/protos/protos.json (v1
//   and v1beta1 types, 4 MB), once per process: there is no per-service JSON. The bundled CLI
//   (scripts/bundle.mjs) answers that require with the lean protos of scripts/vertex-protos.mjs:
//   these five services and the types they reach, 170 kB.
import type { Circuit } from '../core/circuit.js';
import { DatasetServiceClient } from '@google-cloud/aiplatform/build/src/v1/dataset_service_client.js';
import { EndpointServiceClient } from '@google-cloud/aiplatform/build/src/v1/endpoint_service_client.js';
import { MetadataServiceClient } from '@google-cloud/aiplatform/build/src/v1/metadata_service_client.js';
import { ModelServiceClient } from '@google-cloud/aiplatform/build/src/v1/model_service_client.js';
import { PipelineServiceClient } from '@google-cloud/aiplatform/build/src/v1/pipeline_service_client.js';
import { googleAuthLibrary, grpc, type ClientConfig, type ClientOptions } from 'google-gax';

export type VertexRetryCode = 'UNAVAILABLE' | 'DEADLINE_EXCEEDED' | 'RESOURCE_EXHAUSTED' | 'INTERNAL' | 'ABORTED' | 'UNKNOWN';

export interface VertexRetryOptions {
  /** Status codes retried on read methods. Default UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED. */
  codes?: VertexRetryCode[];
  /** First backoff (the library sleeps a random time up to it). Default 500 ms. */
  initialDelayMs?: number;
  /** Default 2. */
  multiplier?: number;
  /** Default 16 000 ms. */
  maxDelayMs?: number;
  /**
   * Budget of one call (one page) including its retries; each attempt's deadline is what is left of
   * it. Default 60 000 ms. A per-call `{timeout}` option replaces it for that call. (google-gax
   * overwrites the total and per-attempt timeouts of a retry policy with the method timeout on
   * every call, so this one number is the whole story.)
   */
  timeoutMs?: number;
}

export interface VertexClientOptions {
  /** Project id (or number). */
  project: string;
  /** Region, e.g. us-central1: picks the regional endpoint. */
  location: string;
  /** HOST:PORT overriding the regional endpoint (e.g. the sandbox's 127.0.0.1:PORT). */
  apiEndpoint?: string;
  /** Plaintext and no credentials: loopback testing only; requires apiEndpoint. */
  insecure?: boolean;
  retry?: VertexRetryOptions;
  /** the source's circuit for this endpoint: once a call finds it unreachable, later calls fail at once */
  circuit?: Circuit;
}

export interface VertexClients {
  project: string;
  location: string;
  /** `projects/{project}/locations/{location}`: the parent of list calls. */
  parent: string;
  /** HOST:PORT the clients talk to. */
  apiEndpoint: string;
  model: ModelServiceClient;
  endpoint: EndpointServiceClient;
  metadata: MetadataServiceClient;
  dataset: DatasetServiceClient;
  pipeline: PipelineServiceClient;
  /** Closes every channel; safe to call twice. */
  close(): Promise<void>;
}

/** Read methods (proto names) that get the retry policy, per service. */
export const VERTEX_READ_METHODS = {
  ModelService: ['GetModel', 'ListModels', 'ListModelVersions', 'ListModelVersionCheckpoints', 'GetModelEvaluation', 'ListModelEvaluations', 'GetModelEvaluationSlice', 'ListModelEvaluationSlices'],
  EndpointService: ['GetEndpoint', 'ListEndpoints'],
  MetadataService: [
    'GetMetadataStore',
    'ListMetadataStores',
    'GetArtifact',
    'ListArtifacts',
    'GetContext',
    'ListContexts',
    'GetExecution',
    'ListExecutions',
    'QueryContextLineageSubgraph',
    'QueryExecutionInputsAndOutputs',
    'QueryArtifactLineageSubgraph',
    'GetMetadataSchema',
    'ListMetadataSchemas',
  ],
  DatasetService: ['GetDataset', 'ListDatasets', 'GetDatasetVersion', 'ListDatasetVersions', 'ListDataItems', 'SearchDataItems', 'ListSavedQueries', 'GetAnnotationSpec', 'ListAnnotations'],
  PipelineService: ['GetTrainingPipeline', 'ListTrainingPipelines', 'GetPipelineJob', 'ListPipelineJobs'],
} as const;

const DEFAULT_RETRY: Required<VertexRetryOptions> = {
  codes: ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED'],
  initialDelayMs: 500,
  multiplier: 2,
  maxDelayMs: 16_000,
  timeoutMs: 60_000,
};

/** The gax clientConfig override giving the read methods of one service our retry policy. */
export function vertexRetryConfig(service: keyof typeof VERTEX_READ_METHODS, retry: VertexRetryOptions = {}): ClientConfig {
  const r = { ...DEFAULT_RETRY, ...retry };
  return {
    interfaces: {
      [`google.cloud.aiplatform.v1.${service}`]: {
        retry_codes: { soc2_read: [...r.codes] },
        retry_params: {
          soc2_read: {
            initial_retry_delay_millis: r.initialDelayMs,
            retry_delay_multiplier: r.multiplier,
            max_retry_delay_millis: r.maxDelayMs,
            initial_rpc_timeout_millis: r.timeoutMs,
            rpc_timeout_multiplier: 1,
            max_rpc_timeout_millis: r.timeoutMs,
            total_timeout_millis: r.timeoutMs,
          },
        },
        methods: Object.fromEntries(VERTEX_READ_METHODS[service].map((m) => [m, { retry_codes_name: 'soc2_read', retry_params_name: 'soc2_read', timeout_millis: r.timeoutMs }])),
      },
    },
  };
}

/** `host:port` → parts; a bare host gets port 443. Accepts `[v6]:port`. */
export function parseApiEndpoint(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:\s]+))(?::(\d{1,5}))?$/.exec(value.trim());
  const port = m?.[3] === undefined ? 443 : Number(m[3]);
  if (!m || !(port > 0 && port < 65536)) throw new Error(`vertex: apiEndpoint must be HOST or HOST:PORT, got "${value}"`);
  return { host: (m[1] ?? m[2])!, port };
}

const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

/**
 * Application Default Credentials, resolved on the first call instead of when the clients are built.
 *
 * Left to itself, google-gax resolves ADC while creating each client's channel, including the ones
 * its constructors create eagerly (operations, locations); when that fails (no ADC, unreadable key
 * file) the rejection is unhandled and the pending call never settles — a hang, then a crash. With
 * this client in place channel creation cannot fail: a credential problem fails the call itself
 * ("Getting metadata from plugin failed with error: …", gRPC code UNKNOWN), which a collector
 * records as a gap. One instance is shared by the five clients, so ADC is looked up once.
 */
export class LazyAdcClient extends googleAuthLibrary.AuthClient {
  private resolved?: Promise<googleAuthLibrary.AuthClient>;
  private readonly adc: googleAuthLibrary.GoogleAuth;

  constructor(adc: googleAuthLibrary.GoogleAuth = new googleAuthLibrary.GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] })) {
    super();
    this.adc = adc;
  }

  /** The resolved ADC client; a failure is kept, so a missing credential is not probed for again on every call. */
  client(): Promise<googleAuthLibrary.AuthClient> {
    this.resolved ??= this.adc.getClient();
    return this.resolved;
  }

  override async getRequestHeaders(url?: string | URL): Promise<Headers> {
    return (await this.client()).getRequestHeaders(url);
  }

  override async getAccessToken() {
    return (await this.client()).getAccessToken();
  }

  override async request<T>(options: Parameters<googleAuthLibrary.AuthClient['request']>[0]) {
    return (await this.client()).request<T>(options);
  }
}

/** gRPC gives UNAVAILABLE for a dead server and for an overloaded one alike: the details tell them apart. */
function unreachableDetails(e: unknown): boolean {
  const err = e as { code?: unknown; details?: unknown; message?: unknown } | null;
  // gax reports a retried UNAVAILABLE that ran out of time as DEADLINE_EXCEEDED "… retrying error Error: 14 UNAVAILABLE: …"
  const text = String(err?.details ?? err?.message ?? '');
  return (err?.code === 14 || /\b14 UNAVAILABLE\b/.test(text)) && /ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Name resolution failed|DNS resolution failed/i.test(text);
}

/**
 * A service client whose calls go through the source's circuit: a call started after another found the
 * endpoint unreachable (after gax's retries) fails at once with that error (gRPC code 14, UNAVAILABLE).
 */
function withCircuit<T extends object>(client: T, circuit: Circuit): T {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (typeof v !== 'function' || typeof prop !== 'string' || !/^(get|list|query)[A-Z]/.test(prop)) return v;
      return async (...args: unknown[]) => {
        const call = Symbol(prop);
        try {
          await circuit.beforeAttempt(call, prop);
        } catch (e) {
          throw Object.assign(new Error((e as Error).message), { code: 14, details: (e as Error).message });
        }
        try {
          const out = await (v as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          circuit.settled(call, null);
          return out;
        } catch (e) {
          const err = e as { details?: unknown; message?: unknown };
          circuit.settled(call, { api: prop, code: 'UNAVAILABLE', message: String(err.details || err.message || '').split('\n')[0]! }, unreachableDetails(e));
          throw e;
        }
      };
    },
  });
}

export function createVertexClients(opts: VertexClientOptions): VertexClients {
  if (!opts.project) throw new Error('vertex: project is required');
  if (!opts.location) throw new Error('vertex: location is required');
  if (opts.insecure && !opts.apiEndpoint) throw new Error('vertex: insecure needs apiEndpoint (loopback testing only)');
  const apiEndpoint = opts.apiEndpoint ?? `${opts.location}-aiplatform.googleapis.com:443`;
  const { host, port } = parseApiEndpoint(apiEndpoint);

  const base: ClientOptions = { apiEndpoint: host, port };
  if (opts.insecure) {
    // grpc from google-gax: the very @grpc/grpc-js instance the clients' channels are built with.
    base.sslCreds = grpc.credentials.createInsecure();
    // PassThroughClient from the google-auth-library copy google-gax itself depends on (re-exported
    // as googleAuthLibrary): gax nests its own version, and the top-level one is a different class.
    base.authClient = new googleAuthLibrary.PassThroughClient();
  } else {
    base.authClient = new LazyAdcClient();
  }
  const withRetry = (service: keyof typeof VERTEX_READ_METHODS): ClientOptions => ({ ...base, clientConfig: vertexRetryConfig(service, opts.retry) });

  // Each service client is built on first use: building one parses the package's protos (tens of
  // milliseconds of CPU), and most collectors need one or two of the five.
  type Clients = { model: ModelServiceClient; endpoint: EndpointServiceClient; metadata: MetadataServiceClient; dataset: DatasetServiceClient; pipeline: PipelineServiceClient };
  const made: Partial<Clients> = {};
  const make: { [K in keyof Clients]: () => Clients[K] } = {
    model: () => new ModelServiceClient(withRetry('ModelService')),
    endpoint: () => new EndpointServiceClient(withRetry('EndpointService')),
    metadata: () => new MetadataServiceClient(withRetry('MetadataService')),
    dataset: () => new DatasetServiceClient(withRetry('DatasetService')),
    pipeline: () => new PipelineServiceClient(withRetry('PipelineService')),
  };
  const get = <K extends keyof Clients>(k: K): Clients[K] => (made[k] ??= opts.circuit ? withCircuit(make[k](), opts.circuit) : make[k]()) as Clients[K];

  let closing: Promise<void> | undefined;
  return {
    project: opts.project,
    location: opts.location,
    parent: `projects/${opts.project}/locations/${opts.location}`,
    apiEndpoint: `${host.includes(':') ? `[${host}]` : host}:${port}`,
    get model() {
      return get('model');
    },
    get endpoint() {
      return get('endpoint');
    },
    get metadata() {
      return get('metadata');
    },
    get dataset() {
      return get('dataset');
    },
    get pipeline() {
      return get('pipeline');
    },
    close() {
      closing ??= Promise.allSettled(Object.values(made).map((c) => c.close())).then(() => undefined);
      return closing;
    },
  };
}
