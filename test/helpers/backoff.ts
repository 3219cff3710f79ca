// A time scale for the retry back-off of the real clients, in this test process only, so that suites
// that make them retry hundreds of times (test/reliability/faults.test.ts) wait milliseconds instead
// of seconds. The clients still retry exactly as shipped — same attempts, same retryable errors, same
// exponential growth and jitter — only the base delays are multiplied by `factor`.
import { createRequire } from 'node:module';

// @smithy/core is the AWS SDK's own (not a dependency of ours): resolved from the STS client, the one
// every AWS source uses, so that it is the very module instance the collectors' clients run on.
const sdkRequire = createRequire(createRequire(import.meta.url).resolve('@aws-sdk/client-sts'));

interface SmithyRetry {
  delay(): number;
  throttlingDelay(): number;
}

/**
 * Multiplies the AWS SDK's standard-mode back-off bases (50 ms for transient errors, 1 s for
 * throttling, in this SDK) by `factor` for every client created until `restore()` is called.
 * Throws when the SDK no longer exposes them, so that an SDK upgrade fails loudly here instead of
 * silently making the suite slow again.
 */
export function scaleAwsBackoff(factor: number): { restore(): void; bases(): { transient: number; throttling: number } } {
  const { Retry } = sdkRequire('@smithy/core/retry') as { Retry?: SmithyRetry };
  if (!Retry || typeof Retry.delay !== 'function' || typeof Retry.throttlingDelay !== 'function') throw new Error('@smithy/core/retry no longer exports Retry.delay/throttlingDelay: update test/helpers/backoff.ts');
  const delay = Retry.delay;
  const throttlingDelay = Retry.throttlingDelay;
  Retry.delay = () => delay.call(Retry) * factor;
  Retry.throttlingDelay = () => throttlingDelay.call(Retry) * factor;
  return {
    restore: () => {
      Retry.delay = delay;
      Retry.throttlingDelay = throttlingDelay;
    },
    bases: () => ({ transient: Retry.delay(), throttling: Retry.throttlingDelay() }),
  };
}
