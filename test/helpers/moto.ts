// Starts moto (the AWS emulator on the machine image) on a free loopback port for a suite.
// When moto cannot be imported the suite is skipped with a printed reason, unless
// SOC2_REQUIRE_MOTO=1 (set by .ci/run), under which a missing moto fails.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from './net.js';

export interface Moto {
  url: string;
  port: number;
  reset(): Promise<void>;
  stop(): Promise<void>;
}

export function motoAvailable(): { ok: boolean; reason?: string } {
  const r = spawnSync('python3', ['-c', 'import moto.server'], { encoding: 'utf8', timeout: 30_000 });
  if (r.status === 0) return { ok: true };
  const reason = `moto is not importable (python3 -c "import moto.server": ${(r.stderr || r.error?.message || 'failed').trim().split('\n').pop()})`;
  if (process.env.SOC2_REQUIRE_MOTO === '1') throw new Error(`${reason}; SOC2_REQUIRE_MOTO=1 requires it`);
  console.warn(`skipping moto suite: ${reason}`);
  return { ok: false, reason };
}

export async function startMoto(): Promise<Moto> {
  const port = await freePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto exited early: ${stderr.slice(-500)}`);
    try {
      const r = await fetch(`${url}/moto-api/`);
      if (r.status < 500) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto did not start within 30 s: ${stderr.slice(-500)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
  return {
    url,
    port,
    reset: async () => {
      await fetch(`${url}/moto-api/reset`, { method: 'POST' });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3000).unref();
      }),
  };
}
