// A gap stores the server's error message in the manifest and prints it to the log: a credential the
// server leaks into that message (a backend store URI, a token) must be redacted there too.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleText } from '../helpers/collected.js';
import { cleanEnv, runCli, tmpDir, writeConfig } from '../helpers/cli.js';

const LEAK = 'postgresql://mlflow:Hunter2-db-pass@db.internal:5432/mlflow';
const TOKEN = 'dapi0123456789abcdef0123456789abcdef';

describe('gaps are redacted before they reach the manifest and the log', () => {
  let server: http.Server;
  let url: string;
  beforeAll(async () => {
    server = http.createServer((_req, res) => {
      const body = JSON.stringify({ error_code: 'INTERNAL_ERROR', message: `(psycopg2.OperationalError) could not connect to ${LEAK} using token ${TOKEN}` });
      res.writeHead(500, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('keeps the gap, drops the password and the token', async () => {
    const dir = tmpDir();
    const cfg = writeConfig(dir, `evidence:\n  dir: ${dir}/evidence\nsources:\n  mlflow:\n    - name: reg\n      trackingUri: ${url}\n      requestTimeoutSeconds: 2\ncollectors: [mlflow-registry]\n`);
    const r = await runCli(['collect', '--config', cfg, '--json'], { env: cleanEnv({ MLFLOW_HTTP_REQUEST_TIMEOUT: '2' }) });
    expect(r.code).toBe(3);
    const bundle = JSON.parse(r.stdout).bundle;
    const text = bundleText(bundle) + r.stderr;
    expect(text).toContain('could not connect to postgresql://mlflow:[REDACTED]@db.internal');
    expect(text).not.toContain('Hunter2-db-pass');
    expect(text).not.toContain(TOKEN);
  }, 60_000);
});
