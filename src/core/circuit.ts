// One circuit per source endpoint: once a call finds the endpoint unreachable (connection refused, name
// not resolved) after all its retries, every later call of any collector of that source fails at once
// with the same error. While one call is retrying an unreachable endpoint (the probe), the others wait
// for its outcome instead of retrying in parallel, so a dead server costs one call's retries per run.
//
// A client uses it around its own retry loop: `beforeAttempt` before every attempt, `attemptFailed` after
// an attempt fails, `settled` when the call ends (with its final gap, or null on success).
import type { Gap } from './types.js';

/** Error codes meaning the endpoint cannot be reached at all (retrying it again in this run cannot help). */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EAI_NONAME', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'UND_ERR_CONNECT_TIMEOUT']);

export function isUnreachable(code: string | undefined | null): boolean {
  return !!code && UNREACHABLE.has(code);
}

/**
 * The error a call gets when the circuit is open: the original failure (its code), said to be not
 * attempted. `retryable` is false: a client must not retry it.
 */
export class CircuitOpenError extends Error {
  readonly code: string;
  readonly retryable = false;
  constructor(
    readonly tripped: Gap,
    readonly api: string,
  ) {
    super(`not attempted: ${tripped.api} found the source unreachable earlier in this run (${tripped.code}: ${tripped.message})`);
    this.name = 'CircuitOpenError';
    this.code = tripped.code;
  }
}

export class Circuit {
  private gap: Gap | null = null;
  /** whether any call has had an answer from the endpoint in this run (then only an unreachable attempt starts a probe) */
  private answered = false;
  private probe: { call: symbol; done: Promise<void>; release: () => void } | null = null;

  constructor(readonly label: string) {}

  get tripped(): Gap | null {
    return this.gap;
  }

  private startProbe(call: symbol): void {
    let release!: () => void;
    const done = new Promise<void>((r) => (release = r));
    this.probe = { call, done, release };
  }

  /**
   * Before an attempt: throws when open; waits while another call probes the endpoint. Until the endpoint
   * has answered once, the first call is the probe: a healthy server costs the others one round trip of
   * waiting, a dead one costs them nothing.
   */
  async beforeAttempt(call: symbol, api: string): Promise<void> {
    for (;;) {
      if (this.gap) throw new CircuitOpenError(this.gap, api);
      if (!this.probe || this.probe.call === call) break;
      await this.probe.done;
    }
    if (!this.answered && !this.probe) this.startProbe(call);
  }

  /** After a failed attempt: an unreachable failure makes its call the probe. */
  attemptFailed(call: symbol, code: string | undefined): void {
    if (!this.gap && !this.probe && isUnreachable(code)) this.startProbe(call);
  }

  /**
   * When a call ends: an unreachable final failure opens the circuit (`unreachable` overrides the judgement
   * by code, for protocols such as gRPC that say UNAVAILABLE); any other end means the endpoint answered.
   * The probe's end releases the waiting calls.
   */
  settled(call: symbol, gap: Gap | null, unreachable = !!gap && isUnreachable(gap.code)): void {
    if (gap && unreachable) {
      if (!this.gap && !gap.message.startsWith('not attempted:')) this.gap = gap;
    } else this.answered = true;
    if (this.probe?.call === call) {
      const p = this.probe;
      this.probe = null;
      p.release();
    }
  }
}

/** Circuits by key (an endpoint host), made on first use: one set per source. */
export class Circuits {
  private readonly map = new Map<string, Circuit>();
  for(key: string): Circuit {
    let c = this.map.get(key);
    if (!c) this.map.set(key, (c = new Circuit(key)));
    return c;
  }
}
