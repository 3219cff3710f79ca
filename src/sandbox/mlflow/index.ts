// MLflow REST sandbox: a loopback server with MLflow 2.12's real shapes and quirks, used as a test
// oracle, by `soc2 demo` and by the benchmark. Imports only node built-ins (never src/clients,
// src/core or collectors), so it cannot share a bug with the client it tests.
export { startMlflowSandbox, API_PREFIX, HTML_404, HTML_405 } from './server.js';
export type { MlflowSandbox, MlflowSandboxOptions, MlflowFaults } from './server.js';
export { MlflowState, canonicalStage } from './state.js';
export type { ModelRecord, ModelVersionRecord, AddModelVersionInput, AddRegisteredModelInput } from './state.js';
export { generateMlflowCompany } from './generate.js';
export type { GenerateMlflowCompanyOptions } from './generate.js';
export { loadMlflowFixture, mlflowFixturesDir } from './fixtures.js';
export { createPageToken } from './filter.js';
export type * from './types.js';
