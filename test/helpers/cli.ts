// Runs the built CLI (dist/, made by `npm test`'s build step) as a user would.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Environment for a child CLI: no real AWS credentials or endpoints leak in from the developer's shell. */
export function cleanEnv(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(AWS_|MLFLOW_|GOOGLE_|DATABRICKS_|SOC2_|GITHUB_|GITLAB_|CI$)/.test(k)) env[k] = v;
  env.AWS_EC2_METADATA_DISABLED = 'true';
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  // the verified-bundle cache of a child CLI stays out of the developer's ~/.cache
  env.SOC2_CACHE_DIR = path.join(os.tmpdir(), 'soc2-test-cache');
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) env[k] = v;
  return env;
}

export function runCli(args: string[], o: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; user?: { uid: number; gid: number } } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(repoRoot, 'bin', 'soc2.js'), ...args], { cwd: o.cwd ?? repoRoot, env: o.env ?? cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'], ...(o.user ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const t = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

export function tmpDir(prefix = 'soc2-test-'): string {
  return mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function writeConfig(dir: string, text: string, name = 'soc2.config.yaml'): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

export function awsEnv(endpoint: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return cleanEnv({ AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing-secret-key', AWS_REGION: 'us-east-1', AWS_ENDPOINT_URL: endpoint, ...extra });
}

/** The uid:gid an unprivileged child runs as when the tests run as root (root reads files whatever their mode). */
export const UNPRIVILEGED = { uid: 65534, gid: 65534 };

/**
 * Runs the built CLI as a user file modes apply to: as is when the tests are not root, else as nobody.
 * The files it must read have to be readable by that user (mkdtemp makes 0700 folders: chmod them).
 */
export function runCliUnprivileged(args: string[], o: { timeoutMs?: number } = {}): Promise<CliResult> {
  return runCli(args, process.getuid?.() === 0 ? { ...o, cwd: os.tmpdir(), user: UNPRIVILEGED } : o);
}
