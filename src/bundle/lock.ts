// One collect per evidence dir at a time. The lock file holds the owner's pid, host, start time and
// a random token. It appears with its whole content at once (written to a temp file, then
// hard-linked into place; the link fails when a lock exists), so no collect ever sees a live
// owner's lock empty or half-written and mistakes it for a dead one. A lock whose process is gone
// (same host) is stale and is taken over, and the caller is told. A takeover removes the lock only
// while holding a second, short-lived lock (`.soc2.lock.takeover`) and only if the file still holds
// the stale content it judged: two collects taking over the same stale lock cannot both remove
// something, and none can remove a live lock created meanwhile. (An earlier takeover moved the file
// away and put it back when it was not the stale one; in that window a third collect could create
// the lock, and the one put back was lost: two holders. The lock stress test found it.) A collect
// removes the lock on release only while it is still its own.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { closeSync, linkSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LockedError, asDiskFull } from '../core/errors.js';

export const LOCK_FILE = '.soc2.lock';
/** temp files of lock creation and takeover: `.soc2.lock[.takeover].<pid>.<hex>.tmp` */
const LOCK_TMP = /^\.soc2\.lock(\.takeover)?\.\d+\.[0-9a-f]+\.tmp$/;
/** held for the few file operations of a takeover; one older than this was left by a killed collect */
const TAKEOVER_STALE_MS = 10_000;
/** an unreadable lock younger than this may be one being written without hard links (see create) */
const UNREADABLE_GRACE_MS = 5_000;

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

interface Owner {
  pid?: number;
  host?: string;
  startedAt?: string;
  token?: string;
}

const tmpName = (file: string) => `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
const code = (e: unknown) => (e as NodeJS.ErrnoException).code;

/** Creates the lock file with its content in one step; false when a lock exists. */
function create(file: string, content: string): boolean {
  const tmp = tmpName(file);
  try {
    // inside the try: a write that fails (disk full) leaves no temp file behind
    writeFileSync(tmp, content, { flag: 'wx' });
    linkSync(tmp, file);
    return true;
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS'].includes(code(e) ?? '')) throw asDiskFull(e, file);
  } finally {
    rmSync(tmp, { force: true });
  }
  // a filesystem without hard links: exclusive create, then write (readers allow for the gap)
  let fd: number;
  try {
    fd = openSync(file, 'wx');
  } catch (e) {
    if (code(e) === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, content);
  } catch (e) {
    closeSync(fd);
    rmSync(file, { force: true });
    throw asDiskFull(e, file);
  }
  closeSync(fd);
  return true;
}

/** The lock's text, null when there is none. */
function readRaw(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if (code(e) === 'ENOENT') return null;
    return '';
  }
}

function parse(raw: string): Owner | null {
  try {
    const o = JSON.parse(raw) as unknown;
    return o && typeof o === 'object' && !Array.isArray(o) ? (o as Owner) : null;
  } catch {
    return null;
  }
}

/**
 * Removes the lock judged stale, under the takeover lock, if it still holds `judged`. While the
 * takeover lock is held nobody else removes the file, and nobody creates it (it exists), so what was
 * read is what is removed. False when another collect is taking over (the caller looks again).
 */
function takeOver(file: string, judged: string): boolean {
  const mutex = `${file}.takeover`;
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), token: randomBytes(12).toString('hex') });
  if (!create(mutex, mine)) {
    try {
      if (Date.now() - statSync(mutex).mtimeMs > TAKEOVER_STALE_MS) rmSync(mutex, { force: true });
    } catch {
      // gone meanwhile
    }
    return false;
  }
  try {
    if (readRaw(file) !== judged) return false;
    rmSync(file, { force: true });
    return true;
  } finally {
    if (readRaw(mutex) === mine) rmSync(mutex, { force: true });
  }
}

/** Temp files left by a collect killed while creating or taking over the lock. */
function removeOldTemps(evidenceDir: string): void {
  try {
    for (const n of readdirSync(evidenceDir)) {
      if (!LOCK_TMP.test(n)) continue;
      const p = path.join(evidenceDir, n);
      if (Date.now() - statSync(p).mtimeMs > 60_000) rmSync(p, { force: true });
    }
  } catch {
    // best effort
  }
}

export async function acquireLock(evidenceDir: string, opts: { waitMs?: number; sleep?: (ms: number) => Promise<void> } = {}): Promise<Lock> {
  const file = path.join(evidenceDir, LOCK_FILE);
  const deadline = Date.now() + (opts.waitMs ?? 0);
  const sleep = opts.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const token = randomBytes(12).toString('hex');
  let staleOwner: Lock['staleOwner'];
  for (;;) {
    if (create(file, JSON.stringify({ pid: process.pid, host: hostname(), startedAt: new Date().toISOString(), token }))) {
      removeOldTemps(evidenceDir);
      let released = false;
      return {
        ...(staleOwner ? { staleOwner } : {}),
        release: () => {
          if (released) return;
          released = true;
          const raw = readRaw(file);
          if (raw !== null && parse(raw)?.token === token) rmSync(file, { force: true });
        },
      };
    }
    const raw = readRaw(file);
    if (raw === null) continue; // released meanwhile
    const owner: Owner = parse(raw) ?? {};
    const sameHost = !owner.host || owner.host === hostname();
    let stale = sameHost && (!owner.pid || !alive(owner.pid));
    if (stale && parse(raw) === null) {
      // unreadable: left by a writer that died mid-write — or one writing right now without hard links
      try {
        stale = Date.now() - statSync(file).mtimeMs > UNREADABLE_GRACE_MS;
      } catch {
        continue;
      }
    }
    if (stale) {
      if (takeOver(file, raw)) staleOwner = { pid: owner.pid ?? 0, ...(owner.startedAt ? { startedAt: owner.startedAt } : {}) };
      else await sleep(5); // another collect is taking it over: look again shortly
      continue;
    }
    if (Date.now() >= deadline) {
      throw new LockedError(`${file}: evidence dir is locked by another collect (pid ${owner.pid ?? '?'} on ${owner.host ?? '?'} since ${owner.startedAt ?? '?'}); wait for it to finish`);
    }
    await sleep(200);
  }
}
