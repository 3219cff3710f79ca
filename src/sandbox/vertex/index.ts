// Vertex AI sandbox: a loopback gRPC server built from @google-cloud/aiplatform's own v1 protos,
// seeded from fixtures/vertex or generateVertexCompany(), with request recording and fault
// injection. A test oracle: imports only @grpc/* and node built-ins (never src/clients, src/core
// or collectors), so it cannot share a bug with the client it tests.
export { startVertexSandbox } from './server.js';
export type { VertexSandbox, VertexSandboxOptions, VertexFaults } from './server.js';
export { VertexState } from './state.js';
export type { AddVersionInput, DeployModelInput, LineageResult } from './state.js';
export { generateVertexCompany } from './generate.js';
export type { GenerateVertexCompanyOptions } from './generate.js';
export { loadVertexFixture, vertexFixturesDir } from './fixtures.js';
export { loadVertexServices, protoIncludeDirs, LOADER_OPTIONS, SERVICES as VERTEX_SERVICES } from './protos.js';
export type * from './types.js';
