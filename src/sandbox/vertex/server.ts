// Loopback gRPC server speaking Vertex AI v1 (ModelService, EndpointService, MetadataService,
// DatasetService, PipelineService) from the aiplatform package's own protos. A test oracle: it
// imports no project code, only @grpc/* and its own folder. Plaintext, 127.0.0.1 only, no auth
// check (it records whether an `authorization` entry arrived, never its value).
import * as grpc from '@grpc/grpc-js';
import { HANDLERS, type HandlerContext, type Req } from './handlers.js';
import { loadVertexServices, SERVICES, VERTEX_PACKAGE, type ServiceName } from './protos.js';
import { VertexState } from './state.js';
import type { VertexFaultKind, VertexFaultSpec, VertexRecordedRequest, VertexSeed } from './types.js';
import { VertexStatusError } from './wire.js';

export interface VertexSandboxOptions {
  seed: VertexSeed;
  /** Port on 127.0.0.1; 0 / absent picks a free one. */
  port?: number;
  /** Delay before every reply. */
  latencyMs?: number;
  /** QueryArtifactLineageSubgraph fails with FAILED_PRECONDITION above this many artifacts, executions or events. Default 1000 (the real limit). */
  lineageNodeLimit?: number;
  /** Clock for mutator timestamps and request recording. Default Date.now. */
  now?: () => number;
}

export interface VertexFaults {
  add(spec: VertexFaultSpec): void;
  clear(): void;
  /** Faults still armed, with the hits they have left. */
  pending(): Readonly<VertexFaultSpec & { remaining: number }>[];
}

export interface VertexSandbox {
  /** `127.0.0.1:PORT`: what the client factory takes as apiEndpoint. */
  endpoint: string;
  host: '127.0.0.1';
  port: number;
  state: VertexState;
  /** Every call received, in arrival order (live array; `requests.length = 0` clears it). */
  requests: VertexRecordedRequest[];
  faults: VertexFaults;
  /** Live settings; may be changed while the server runs. */
  settings: { latencyMs: number; lineageNodeLimit: number };
  close(): Promise<void>;
}

const FAULT_STATUS: Record<Exclude<VertexFaultKind, 'latency'>, { code: grpc.status; details: string }> = {
  unavailable: { code: grpc.status.UNAVAILABLE, details: 'The service is currently unavailable.' },
  permissionDenied: { code: grpc.status.PERMISSION_DENIED, details: "Permission denied on resource project (or it may not exist). IAM_PERMISSION_DENIED" },
  unauthenticated: {
    code: grpc.status.UNAUTHENTICATED,
    details:
      'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  deadline: { code: grpc.status.DEADLINE_EXCEEDED, details: 'Deadline Exceeded' },
  internal: { code: grpc.status.INTERNAL, details: 'Internal error encountered.' },
  failedPrecondition: { code: grpc.status.FAILED_PRECONDITION, details: 'Precondition check failed.' },
};

interface ArmedFault extends VertexFaultSpec {
  remaining: number;
}

function faultMatches(spec: VertexFaultSpec, service: string, method: string): boolean {
  if (spec.method === undefined) return true;
  return spec.method === method || spec.method === `${service}.${method}` || spec.method === `/${VERTEX_PACKAGE}.${service}/${method}`;
}

/** Starts the sandbox on 127.0.0.1. */
export async function startVertexSandbox(options: VertexSandboxOptions): Promise<VertexSandbox> {
  const now = options.now ?? Date.now;
  const state = new VertexState(options.seed, now);
  const settings = { latencyMs: options.latencyMs ?? 0, lineageNodeLimit: options.lineageNodeLimit ?? 1000 };
  const requests: VertexRecordedRequest[] = [];
  let armed: ArmedFault[] = [];
  let closed = false;
  const sleeping = new Set<{ timer: NodeJS.Timeout; wake: () => void }>();

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      if (ms <= 0 || closed) return resolve();
      const entry = {
        timer: setTimeout(() => {
          sleeping.delete(entry);
          resolve();
        }, ms),
        wake: resolve,
      };
      sleeping.add(entry);
    });

  const takeFault = (service: string, method: string): ArmedFault | undefined => {
    const f = armed.find((x) => x.remaining > 0 && faultMatches(x, service, method));
    if (!f) return undefined;
    f.remaining -= 1;
    armed = armed.filter((x) => x.remaining > 0);
    return f;
  };

  const ctx = (): HandlerContext => ({ state, lineageNodeLimit: settings.lineageNodeLimit });

  const unary = (service: ServiceName, method: string): grpc.handleUnaryCall<Req, unknown> => {
    const handler = HANDLERS[service][method];
    return (call, callback) => {
      const rec: VertexRecordedRequest = {
        service,
        method,
        request: call.request ?? {},
        code: -1,
        at: now(),
        authorization: call.metadata.get('authorization').length > 0,
      };
      requests.push(rec);
      const fail = (code: grpc.status, details: string) => {
        rec.code = code;
        callback({ code, details, metadata: new grpc.Metadata() });
      };
      void (async () => {
        await sleep(settings.latencyMs);
        const fault = takeFault(service, method);
        if (fault) {
          rec.fault = fault.kind;
          if (fault.kind === 'latency') await sleep(fault.ms ?? 1000);
          else {
            const s = FAULT_STATUS[fault.kind];
            return fail(s.code, s.details);
          }
        }
        if (closed) return fail(grpc.status.UNAVAILABLE, 'Server is shutting down.');
        if (!handler) return fail(grpc.status.UNIMPLEMENTED, `Method ${VERTEX_PACKAGE}.${service}.${method} is not implemented by the soc2 Vertex sandbox.`);
        let response: Record<string, unknown>;
        try {
          response = handler(call.request ?? {}, ctx());
        } catch (e) {
          if (e instanceof VertexStatusError) return fail(e.code, e.message);
          return fail(grpc.status.INTERNAL, `sandbox bug: ${(e as Error)?.stack ?? String(e)}`);
        }
        rec.code = grpc.status.OK;
        callback(null, response);
      })();
    };
  };

  const server = new grpc.Server();
  const defs = loadVertexServices();
  for (const service of SERVICES) {
    const def = defs[service];
    const impl: grpc.UntypedServiceImplementation = {};
    for (const [method, md] of Object.entries(def)) {
      if (md.requestStream || md.responseStream) continue; // none of the five services streams; left to grpc-js (UNIMPLEMENTED)
      impl[method] = unary(service, method);
    }
    server.addService(def, impl);
  }

  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`127.0.0.1:${options.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
  });

  return {
    endpoint: `127.0.0.1:${port}`,
    host: '127.0.0.1',
    port,
    state,
    requests,
    settings,
    faults: {
      add(spec) {
        armed.push({ ...spec, remaining: spec.times ?? 1 });
      },
      clear() {
        armed = [];
      },
      pending() {
        return armed.map((f) => ({ ...f }));
      },
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const s of sleeping) {
        clearTimeout(s.timer);
        s.wake();
      }
      sleeping.clear();
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      });
    },
  };
}
