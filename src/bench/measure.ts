// Runs one command in a child process and measures it: wall time, peak RSS and CPU time.
// Peak RSS comes from GNU time (`/usr/bin/time -f %M`: the child's ru_maxrss) when it is installed,
// else from polling /proc/<pid>/status VmHWM (the kernel's own high-water mark) every 10 ms.
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export const GNU_TIME = '/usr/bin/time';

export interface Measured {
  code: number | null;
  wallMs: number;
  /** epoch ms when the process was started and when it ended */
  startedAt: number;
  endedAt: number;
  /** peak resident set size of the process, bytes */
  peakRssBytes: number | null;
  userMs: number | null;
  sysMs: number | null;
  stdout: string;
  stderr: string;
  /** bytes written to stdout (also when it went to a file) */
  stdoutBytes: number;
  method: 'gnu-time' | 'proc-vmhwm';
}

export interface MeasureOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** stdout goes to this file instead of memory */
  stdoutFile?: string;
  timeoutMs?: number;
  /** sees stderr as it arrives (progress of long runs) */
  onStderr?: (chunk: string) => void;
}

/** process groups of the children still running, so an interrupted benchmark leaves nothing behind */
const running = new Set<number>();
let timeDir: string | null = null;
let seq = 0;

/** Removes the directory of GNU time's output files. */
export function cleanupMeasure(): void {
  if (timeDir) rmSync(timeDir, { recursive: true, force: true });
  timeDir = null;
}

/** Ends every measured process (its whole group: GNU time and the command under it). */
export function killRunning(signal: NodeJS.Signals = 'SIGTERM'): void {
  for (const pid of running) {
    try {
      process.kill(-pid, signal);
    } catch {
      /* already gone */
    }
  }
}

export function hasGnuTime(): boolean {
  return existsSync(GNU_TIME);
}

export async function runMeasured(cmd: string, args: string[], o: MeasureOptions): Promise<Measured> {
  const gnu = hasGnuTime();
  timeDir ??= mkdtempSync(path.join(tmpdir(), 'soc2-bench-time-'));
  const timeFile = path.join(timeDir, `time-${++seq}.txt`);
  const argv = gnu ? ['-f', '%M %U %S', '-o', timeFile, cmd, ...args] : args;
  const started = process.hrtime.bigint();
  const startedAt = Date.now();
  // its own process group, so a timeout or an interrupt can end GNU time and the command together
  const child = spawn(gnu ? GNU_TIME : cmd, argv, { env: o.env, cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  if (child.pid) running.add(child.pid);
  let stdout = '';
  let stderr = '';
  let stdoutBytes = 0;
  const file = o.stdoutFile ? createWriteStream(o.stdoutFile) : null;
  child.stdout.on('data', (c: Buffer) => {
    stdoutBytes += c.length;
    if (file) file.write(c);
    else stdout += c.toString('utf8');
  });
  child.stderr.on('data', (c: Buffer) => {
    const text = c.toString('utf8');
    if (stderr.length < 1_000_000) stderr += text;
    o.onStderr?.(text);
  });
  let hwmKb = 0;
  let cpu: { user: number; sys: number } | null = null;
  const poll = gnu
    ? null
    : setInterval(() => {
        try {
          const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
          const m = /VmHWM:\s+(\d+) kB/.exec(status);
          if (m) hwmKb = Math.max(hwmKb, Number(m[1]));
          const stat = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
          cpu = { user: (Number(stat[11]) * 1000) / 100, sys: (Number(stat[12]) * 1000) / 100 };
        } catch {
          /* exited */
        }
      }, 10);
  const timer = o.timeoutMs
    ? setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          /* gone */
        }
      }, o.timeoutMs)
    : null;
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  if (child.pid) running.delete(child.pid);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  const endedAt = Date.now();
  if (poll) clearInterval(poll);
  if (timer) clearTimeout(timer);
  if (file) await new Promise<void>((resolve) => file.end(resolve));
  let peakRssBytes: number | null = hwmKb ? hwmKb * 1024 : null;
  let userMs: number | null = cpu ? (cpu as { user: number }).user : null;
  let sysMs: number | null = cpu ? (cpu as { sys: number }).sys : null;
  if (gnu) {
    try {
      // GNU time prefixes "Command exited with non-zero status N" when the command fails
      const line = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
      const [rss, user, sys] = line.split(' ').map(Number);
      peakRssBytes = Number.isFinite(rss) ? rss! * 1024 : null;
      userMs = Number.isFinite(user) ? Math.round(user! * 1000) : null;
      sysMs = Number.isFinite(sys) ? Math.round(sys! * 1000) : null;
    } catch {
      /* killed before GNU time wrote */
    }
  }
  rmSync(timeFile, { force: true });
  return { code, wallMs: Math.round(wallMs), startedAt, endedAt, peakRssBytes, userMs, sysMs, stdout, stderr, stdoutBytes, method: gnu ? 'gnu-time' : 'proc-vmhwm' };
}

/** Bytes and regular files under dir (0 and 0 when it does not exist). */
export function treeSize(dir: string): { bytes: number; files: number } {
  let bytes = 0;
  let files = 0;
  if (!existsSync(dir)) return { bytes, files };
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      const r = treeSize(p);
      bytes += r.bytes;
      files += r.files;
    } else if (e.isFile()) {
      bytes += statSync(p).size;
      files++;
    }
  }
  return { bytes, files };
}
