// Small, dependency-free retry helpers for HTTP clients written on Node's fetch / node:https.
// Pure functions, so the policy is testable without a server.

/** HTTP statuses worth retrying: throttling and transient server failures (501 is not transient). */
export function isRetriableStatus(status: number): boolean {
  return status === 429 || (status >= 500 && status <= 599 && status !== 501);
}

/**
 * Parses a `Retry-After` header (delta-seconds or an HTTP date) into milliseconds, capped at `capMs`.
 * Returns undefined when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(value: string | null | undefined, capMs: number, nowMs: number = Date.now()): number | undefined {
  if (value === null || value === undefined) return undefined;
  const v = value.trim();
  if (v === '') return undefined;
  let ms: number;
  if (/^\d+(\.\d+)?$/.test(v)) {
    ms = Math.round(Number(v) * 1000);
  } else {
    const at = Date.parse(v);
    if (Number.isNaN(at)) return undefined;
    ms = at - nowMs;
  }
  if (!Number.isFinite(ms)) return capMs;
  return Math.min(Math.max(0, ms), capMs);
}

/**
 * Exponential backoff with jitter for attempt `n` (1 = the delay after the first failure):
 * a random delay in [d/2, d] where d = min(maxMs, baseMs * 2^(n-1)). Keeps a floor so retries
 * never fire back to back, and spreads a fleet of clients apart.
 */
export function backoffDelay(n: number, baseMs: number, maxMs: number, random: () => number = Math.random): number {
  const d = Math.min(maxMs, baseMs * 2 ** Math.max(0, n - 1));
  return Math.round(d / 2 + random() * (d / 2));
}

/** A sleep that ends early (rejecting with the signal's reason) when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Error codes of network failures that are worth a retry (the peer or the path hiccupped). */
const TRANSIENT_NET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'EHOSTDOWN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ERR_STREAM_PREMATURE_CLOSE',
]);

/** TLS verification failures: retrying cannot help; the user must fix the trust configuration. */
const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_SSL_WRONG_VERSION_NUMBER',
]);

const NON_TRANSIENT_UNDICI = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED', 'UND_ERR_INVALID_RETURN_VALUE', 'UND_ERR_ABORTED']);

export type NetworkFailureKind = 'transient' | 'tls' | 'other';

/** Finds the errno-style code of a network error, looking through `cause` chains (fetch wraps them). */
export function networkErrorCode(e: unknown): string | undefined {
  let cur: unknown = e;
  for (let i = 0; i < 5 && cur && typeof cur === 'object'; i++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function classifyNetworkError(e: unknown): { kind: NetworkFailureKind; code: string | undefined } {
  const code = networkErrorCode(e);
  if (code && TLS_CODES.has(code)) return { kind: 'tls', code };
  if (code && (code.startsWith('ERR_SSL_') || code.startsWith('ERR_TLS_'))) return { kind: 'tls', code };
  if (code && TRANSIENT_NET_CODES.has(code)) return { kind: 'transient', code };
  // undici's own socket / body / timeout failures, except the ones that mean a programming error
  if (code && code.startsWith('UND_ERR_') && !NON_TRANSIENT_UNDICI.has(code)) return { kind: 'transient', code };
  // fetch's "terminated" / "fetch failed" without a recognisable code, or a body cut short:
  // a broken connection is the overwhelmingly likely cause, so treat as transient.
  if (code === undefined || code === 'ENOTFOUND') return { kind: code === 'ENOTFOUND' ? 'other' : 'transient', code };
  return { kind: 'other', code };
}
