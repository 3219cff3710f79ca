// Errors that the CLI turns into documented exit codes (src/cli.ts is the one place that exits).
import { redactString } from './redact.js';

export const ExitCode = {
  ok: 0,
  internal: 1,
  usage: 2,
  gaps: 3,
  verifyFailed: 4,
  findingsFailed: 5,
} as const;

/** Bad flags, bad config, unreadable input: exit 2 with one clear line. */
export class UsageError extends Error {
  readonly exitCode = ExitCode.usage;
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Verification of evidence failed: exit 4. */
export class VerificationError extends Error {
  readonly exitCode = ExitCode.verifyFailed;
  constructor(message: string) {
    super(message);
    this.name = 'VerificationError';
  }
}

/** The evidence dir is locked by another live collect. */
export class LockedError extends Error {
  readonly exitCode = ExitCode.internal;
  constructor(message: string) {
    super(message);
    this.name = 'LockedError';
  }
}

/**
 * The chain cannot continue as asked (a tip dated in the future, a link another collect already took):
 * exit 3, like a collection with gaps, with the bundle ids named.
 */
export class ChainError extends Error {
  readonly exitCode = ExitCode.gaps;
  constructor(message: string) {
    super(message);
    this.name = 'ChainError';
  }
}

/** The disk (or quota) is full: exit 1 with the path named, not an "internal error". */
export class DiskFullError extends Error {
  readonly exitCode = ExitCode.internal;
  constructor(
    readonly path: string,
    readonly code: string,
  ) {
    super(`no space left on device while writing ${path}${code === 'EDQUOT' ? ' (disk quota exceeded)' : ''}; free some space and run the command again`);
    this.name = 'DiskFullError';
  }
}

/** `e` as a DiskFullError naming `path` when it is ENOSPC or EDQUOT; otherwise `e` unchanged. */
export function asDiskFull(e: unknown, path: string): unknown {
  const code = (e as NodeJS.ErrnoException)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT' ? new DiskFullError(path, code) : e;
}

/** A command finished and wants a non-zero exit without an error message (e.g. partial bundle). */
export class CommandResult {
  constructor(readonly exitCode: number) {}
}

/** Pagination saw the same token twice: the server is looping; the list would never end or be short. */
export class RepeatedTokenError extends Error {
  readonly code = 'RepeatedPaginationToken';
  constructor(api: string, token: string) {
    super(`${api}: pagination token repeated (${token.slice(0, 16)}…); refusing to loop`);
    this.name = 'RepeatedTokenError';
  }
}

/**
 * Turns any thrown value into the `{code, message}` of a gap, without leaking request details: servers
 * put connection strings and tokens in error messages, so the message is redacted (before it is cut).
 */
export function describeError(e: unknown): { code: string; message: string } {
  if (e && typeof e === 'object') {
    const err = e as { name?: string; code?: string | number; Code?: string; errorCode?: string; message?: string; details?: string };
    const code = String(err.errorCode ?? err.Code ?? (typeof err.code === 'string' ? err.code : undefined) ?? err.name ?? 'Error');
    const message = redactString(String(err.details || err.message || code).split('\n')[0]!).slice(0, 500);
    return { code, message };
  }
  return { code: 'Error', message: redactString(String(e)).slice(0, 500) };
}
