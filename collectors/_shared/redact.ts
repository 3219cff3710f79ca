// Credential redaction lives in src/core/redact.ts: the runner redacts every gap with it too.
export * from '../../src/core/redact.js';
