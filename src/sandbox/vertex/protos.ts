// Loads the Vertex AI v1 service definitions from the .proto files that ship inside
// @google-cloud/aiplatform (plus google-gax's common protos), so the sandbox speaks exactly the
// wire format the real client was generated from. Loaded once per process.
import { createRequire } from 'node:module';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const require = createRequire(import.meta.url);

export const VERTEX_PACKAGE = 'google.cloud.aiplatform.v1';

export const SERVICES = ['ModelService', 'EndpointService', 'MetadataService', 'DatasetService', 'PipelineService'] as const;
export type ServiceName = (typeof SERVICES)[number];

const PROTO_FILES: Record<ServiceName, string> = {
  ModelService: 'google/cloud/aiplatform/v1/model_service.proto',
  EndpointService: 'google/cloud/aiplatform/v1/endpoint_service.proto',
  MetadataService: 'google/cloud/aiplatform/v1/metadata_service.proto',
  DatasetService: 'google/cloud/aiplatform/v1/dataset_service.proto',
  PipelineService: 'google/cloud/aiplatform/v1/pipeline_service.proto',
};

/** Package roots: both have exports maps or no package.json subpath, so walk up from their entry points. */
export function protoIncludeDirs(): string[] {
  const gaxRoot = path.resolve(path.dirname(require.resolve('google-gax')), '../..');
  const aiplatformRoot = path.resolve(path.dirname(require.resolve('@google-cloud/aiplatform')), '../..');
  return [path.join(aiplatformRoot, 'build', 'protos'), path.join(gaxRoot, 'build', 'protos')];
}

/**
 * Loader options. Field names are camelCase (keepCase false, the same convention the gapic client
 * uses); enums travel as their names, int64 as strings, unset fields stay absent in decoded
 * requests (defaults false) so "not given" and "zero" can be told apart where proto3 allows it.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
};

let cached: Record<ServiceName, grpc.ServiceDefinition> | undefined;

export function loadVertexServices(): Record<ServiceName, grpc.ServiceDefinition> {
  if (cached) return cached;
  const def = protoLoader.loadSync(
    SERVICES.map((s) => PROTO_FILES[s]),
    { ...LOADER_OPTIONS, includeDirs: protoIncludeDirs() },
  );
  const out = {} as Record<ServiceName, grpc.ServiceDefinition>;
  for (const s of SERVICES) {
    const ctor = def[`${VERTEX_PACKAGE}.${s}`];
    if (!ctor) throw new Error(`vertex sandbox: ${VERTEX_PACKAGE}.${s} not found in the aiplatform protos`);
    out[s] = ctor as unknown as grpc.ServiceDefinition;
  }
  cached = out;
  return out;
}
