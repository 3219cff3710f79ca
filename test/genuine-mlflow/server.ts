// Genuine MLflow servers for the tests: the real `mlflow server` from the vendored source tarballs
// (../shared/vendor/mlflow), started on a free loopback port with a sqlite store in a temp dir,
// seeded and read back through the genuine Python client of the same tarball (seed.py), and stopped
// by process group even when a test fails. When the vendored tarballs or the Debian packages they
// need are missing the suite is skipped with a printed reason; SOC2_REQUIRE_REAL_MLFLOW=1 (CI) turns
// that skip into a failure.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot, tmpDir } from '../helpers/cli.js';
import { freePort } from '../helpers/net.js';

export const vendorDir = path.resolve(repoRoot, '..', 'shared', 'vendor', 'mlflow');
const startScript = path.join(vendorDir, 'start-mlflow-server.sh');
const seedScript = path.join(path.dirname(fileURLToPath(import.meta.url)), 'seed.py');
const PYTHON = '/usr/bin/python3';

export const TARBALLS = {
  '2.22': path.join(vendorDir, 'mlflow-2.22.1.dev0-src.tar.gz'),
  '3.6': path.join(vendorDir, 'mlflow-3.6.1.dev0-src.tar.gz'),
} as const;
export type GenuineVersion = keyof typeof TARBALLS;

/** Python modules (from debian-packages.txt) each mode needs, and the binaries. */
const NEEDS: Record<GenuineVersion, string[]> = {
  '2.22': ['flask', 'sqlalchemy', 'alembic', 'google.protobuf', 'yaml', 'click', 'requests', 'packaging', 'cachetools', 'cloudpickle', 'pandas', 'scipy', 'numpy', 'sqlparse', 'pydantic', 'gunicorn', 'flask_wtf'],
  '3.6': ['flask_cors', 'dotenv', 'cryptography', 'fastapi', 'uvicorn'],
};

/** Whether the genuine servers can run here; prints why not (or throws under SOC2_REQUIRE_REAL_MLFLOW=1). */
export function genuineAvailable(): { ok: true } | { ok: false; reason: string } {
  const reason = ((): string | null => {
    for (const f of [startScript, ...Object.values(TARBALLS)]) if (!existsSync(f)) return `${f} is missing (the vendored MLflow servers live in ../shared/vendor/mlflow)`;
    if (!existsSync(PYTHON)) return `${PYTHON} is missing (Debian's python3 runs the vendored servers)`;
    const mods = [...NEEDS['2.22'], ...NEEDS['3.6']];
    const r = spawnSync(PYTHON, ['-c', `import ${mods.join(', ')}`], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) return `the Debian packages of ${path.join(vendorDir, 'debian-packages.txt')} are not installed (${(r.stderr || r.error?.message || '').trim().split('\n').pop()})`;
    if (spawnSync('protoc', ['--version'], { encoding: 'utf8' }).status !== 0) return 'protoc is missing (Debian package protobuf-compiler, needed by MLflow 3)';
    return null;
  })();
  if (reason === null) return { ok: true };
  if (process.env.SOC2_REQUIRE_REAL_MLFLOW === '1') throw new Error(`genuine MLflow suite cannot run: ${reason}; SOC2_REQUIRE_REAL_MLFLOW=1 requires it`);
  console.warn(`skipping the genuine MLflow suite: ${reason}`);
  return { ok: false, reason };
}

export interface GenuineServer {
  version: GenuineVersion;
  url: string;
  dataDir: string;
  /** the extracted source, for the Python client and further servers of this version */
  srcDir: string;
  pid: number;
  /** runs seed.py with this server's client: seed, promote, auth or truth */
  py<T = any>(cmd: 'seed' | 'promote' | 'auth' | 'truth', env?: Record<string, string>): Promise<T>;
  /** HTTP lines of the access log (gunicorn only): method, path, status */
  accessLog(): { method: string; path: string; status: number }[];
  stop(): Promise<void>;
}

const running = new Set<number>();
const killGroup = (pid: number, signal: NodeJS.Signals) => {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
};
// a test run that dies mid-way must not leave servers behind
process.once('exit', () => {
  for (const pid of running) killGroup(pid, 'SIGKILL');
});

export interface StartOptions {
  /** the tarball of the version, or the extracted source of an earlier server of this version */
  src?: string;
  /** a data dir that already holds a store (a copy of a seeded server's mlflow.db); default a new one */
  dataDir?: string;
  app?: 'basic-auth';
  server?: 'gunicorn' | 'uvicorn';
  args?: string[];
}

export async function startGenuine(version: GenuineVersion, o: StartOptions = {}): Promise<GenuineServer> {
  const dataDir = o.dataDir ?? tmpDir(`soc2-mlflow-${version}-`);
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { ...process.env, MLFLOW_PYTHON: PYTHON, MLFLOW_START_TIMEOUT: '90' };
  for (const k of Object.keys(env)) if (k.startsWith('MLFLOW_TRACKING_')) delete env[k];
  if (o.app) {
    env.MLFLOW_APP = o.app;
    env.MLFLOW_FLASK_SERVER_SECRET_KEY = 'soc2-genuine-suite';
  }
  if (o.server) env.MLFLOW_SERVER = o.server;
  const pid = await new Promise<number>((resolve, reject) => {
    const child = spawn('bash', [startScript, o.src ?? TARBALLS[version], String(port), dataDir, ...(o.args ?? [])], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      const pid = Number(out.trim().split('\n').pop());
      if (code === 0 && Number.isInteger(pid) && pid > 0) return resolve(pid);
      const log = existsSync(path.join(dataDir, 'server.log')) ? readFileSync(path.join(dataDir, 'server.log'), 'utf8').slice(-2000) : '';
      reject(new Error(`MLflow ${version} did not start (exit ${code}): ${err.trim()}\n${log}`));
    });
  });
  running.add(pid);
  const srcDir = o.src ?? path.join(dataDir, 'src');
  const url = `http://127.0.0.1:${port}`;
  return {
    version,
    url,
    dataDir,
    srcDir,
    pid,
    py: (cmd, extra = {}) => runSeed(cmd, url, srcDir, dataDir, extra),
    accessLog: () => {
      const f = path.join(dataDir, 'access.log');
      if (!existsSync(f)) return [];
      return readFileSync(f, 'utf8')
        .split('\n')
        .map((l) => /"(GET|POST|PATCH|DELETE|PUT) ([^ ?"]+)[^"]*" (\d{3})/.exec(l))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ method: m[1]!, path: m[2]!, status: Number(m[3]) }));
    },
    stop: async () => {
      if (!running.has(pid)) return;
      running.delete(pid);
      killGroup(pid, 'SIGTERM');
      for (let i = 0; i < 50; i++) {
        if (!killGroup(pid, 0)) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      killGroup(pid, 'SIGKILL');
    },
  };
}

function runSeed<T>(cmd: string, url: string, srcDir: string, dataDir: string, extra: Record<string, string>): Promise<T> {
  const out = path.join(dataDir, `${cmd}-${Date.now()}.json`);
  const env: NodeJS.ProcessEnv = { ...process.env, PYTHONPATH: `${srcDir}:${path.join(dataDir, 'stubs')}`, PYTHONWARNINGS: 'ignore', ...extra };
  for (const k of Object.keys(env)) if (k.startsWith('MLFLOW_TRACKING_') && !(k in extra)) delete env[k];
  return new Promise<T>((resolve, reject) => {
    const child = spawn(PYTHON, [seedScript, cmd, url, out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`seed.py ${cmd} failed (exit ${code}): ${err.slice(-3000)}`));
      resolve(JSON.parse(readFileSync(out, 'utf8')) as T);
    });
  });
}
