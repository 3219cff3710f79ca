// Adaptive concurrency per AWS account and region (AIMD, as TCP does for a congestion window): every
// attempt of an AWS call takes a slot of its (account, region) window; a throttling answer halves the
// window (once per window: the other throttled answers of the same round do not halve it again), each
// answer that is not throttled widens it by 1/window, so by one slot per round of answers, up to the
// config's `concurrency`. One throttled account slows only its own calls, never the organization's.
// IAM, STS and Organizations quotas are per account only: their window is the account's ('' region).

/** Error codes that mean "slow down" (the AWS SDK's own list, and S3's SlowDown). */
const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'PriorRequestNotComplete',
  'SlowDown',
  'EC2ThrottledException',
]);

export function isThrottling(e: unknown): boolean {
  const err = e as { name?: unknown; code?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: number }; $retryable?: { throttling?: boolean } } | null;
  if (!err || typeof err !== 'object') return false;
  // the SDK's own three tests: the status, the error code, and a service model's retryable-throttling trait
  if (err.$metadata?.httpStatusCode === 429 || err.$retryable?.throttling === true) return true;
  return [err.name, err.code, err.Code].some((c) => typeof c === 'string' && THROTTLING.has(c));
}

export interface WindowStats {
  attempts: number;
  throttled: number;
  /** the narrowest the window got (max when never throttled) */
  lowest: number;
}

/** One (account, region) window. */
export class AdaptiveWindow {
  private window: number;
  private inFlight = 0;
  /** bumped by every decrease: a throttled attempt started before it does not decrease again */
  private round = 0;
  private readonly waiting: (() => void)[] = [];
  readonly stats: WindowStats;

  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError(`AdaptiveWindow: max must be ≥ 1, got ${max}`);
    this.window = max;
    this.stats = { attempts: 0, throttled: 0, lowest: max };
  }

  /** the slots now allowed (whole) */
  get limit(): number {
    return Math.max(1, Math.floor(this.window));
  }

  /** Waits for a slot (first come, first served); returns the round the attempt started in, for `release`. */
  async acquire(): Promise<number> {
    if (this.inFlight < this.limit) this.inFlight++;
    // the releasing attempt hands its slot over: inFlight already counts this one when it wakes
    else await new Promise<void>((r) => this.waiting.push(r));
    this.stats.attempts++;
    return this.round;
  }

  release(startedRound: number, throttled: boolean): void {
    this.inFlight--;
    if (throttled) {
      this.stats.throttled++;
      if (startedRound === this.round) {
        this.window = Math.max(1, this.window / 2);
        this.round++;
        this.stats.lowest = Math.min(this.stats.lowest, this.limit);
      }
    } else {
      this.window = Math.min(this.max, this.window + 1 / this.window);
    }
    while (this.waiting.length && this.inFlight < this.limit) {
      this.inFlight++;
      this.waiting.shift()!();
    }
  }
}

/** The windows of one source, by account and region. */
export class AdaptiveLimits {
  private readonly windows = new Map<string, AdaptiveWindow>();
  constructor(readonly max: number) {}

  for(account: string, region: string): AdaptiveWindow {
    const key = `${account}|${region}`;
    let w = this.windows.get(key);
    if (!w) this.windows.set(key, (w = new AdaptiveWindow(this.max)));
    return w;
  }

  /** The account's windows summed: attempts, throttled answers, and the narrowest any window got. */
  account(account: string): WindowStats {
    const out: WindowStats = { attempts: 0, throttled: 0, lowest: this.max };
    for (const [key, w] of this.windows) {
      if (!key.startsWith(`${account}|`)) continue;
      out.attempts += w.stats.attempts;
      out.throttled += w.stats.throttled;
      out.lowest = Math.min(out.lowest, w.stats.lowest);
    }
    return out;
  }
}
