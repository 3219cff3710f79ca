// One collect per evidence dir at a time. The lock file holds the owner's pid and host; a lock
// whose process is gone (same host) is stale and is taken over, and the caller is told.
import { hostname } from 'node:os';
import { openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import path from 'node:path';
import { LockedError } from '../core/errors.js';

export const LOCK_FILE = '.soc2.lock';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface Lock {
  release(): void;
  /** set when a stale lock of a dead process was taken over */
  staleOwner?: { pid: number; startedAt?: string };
}

export async function acquireLock(evidenceDir: string, opts: { waitMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<Lock> {
  const file = path.join(evidenceDir, LOCK_FILE);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let staleOwner: Lock['staleOwner'];
  for (;;) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString() }));
      closeSync(fd);
      let released = false;
      return {
        staleOwner,
        release: () => {
          if (released) return;
          released = true;
          rmSync(file, { force: true });
        },
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner: { pid?: number; host?: string; startedAt?: string } = {};
    try {
      owner = JSON.parse(readFileSync(file, 'utf8'));
    } catch {
      // half-written lock: its writer died between open and write
    }
    const sameHost = !owner.host || owner.host === hostname();
    if (sameHost && (!owner.pid || !alive(owner.pid))) {
      staleOwner = { pid: owner.pid ?? 0, startedAt: owner.startedAt };
      rmSync(file, { force: true });
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockedError(`${file}: evidence dir is locked by another collect (pid ${owner.pid ?? '?'} on ${owner.host ?? '?'} since ${owner.startedAt ?? '?'}); wait for it to finish`);
    }
    await sleep(200);
  }
}
