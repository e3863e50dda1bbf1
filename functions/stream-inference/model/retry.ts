import { asFailure, FailureKind, outOfTime, type RecordFailure } from '../failures.js';

export interface RetryOptions {
  /** First backoff ceiling; doubles each attempt ("full jitter": the wait is random below it). */
  readonly baseMs: number;
  readonly maxMs: number;
  /** Epoch ms after which no attempt starts and no wait may end. */
  readonly deadline: number;
  /**
   * Attempts after which a failure judged by its record (policy `judge`: model error, timeout, not
   * found) is rethrown as is, so
   * the caller can decide whether the record is poison: a model that fails on the same input three
   * times will not stop doing so. A function decides per error (a budget kept across invocations).
   * @default 3
   */
  readonly suspectAttempts?: number | ((failure: RecordFailure) => number);
  /**
   * Handed to every attempt instead of a timeout signal of its own; it must fire at `deadline`. A
   * batch shares one (one timer), where a signal per attempt costs a timer per model call.
   */
  readonly signal?: AbortSignal;
  readonly now?: () => number;
  readonly random?: () => number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a model call's `attempt` until it succeeds or its failure's policy (failures.ts) says stop:
 * a `dead-letter` failure is rethrown at once, a `judge` one after `suspectAttempts`, and a `retry`
 * one when the deadline leaves no room for another try (then as `outOfTime`, keeping the last
 * failure as `cause`). Anything thrown that is not a `RecordFailure` is read by `asFailure`: a
 * programming error is never retried. Each attempt gets an AbortSignal that fires at the deadline.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * @example
 * const answer = await withRetry((signal) => transport.infer(body, signal), { baseMs: 100, maxMs: 5000, deadline });
 */
export const withRetry = async <T>(
  attempt: (signal: AbortSignal) => Promise<T>,
  options: RetryOptions,
): Promise<T> => {
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  // The model's last refusal, not the deadline, says why the records wait (its kind is what
  // ModelUnauthorized counts): an attempt the deadline cut short says nothing of the model.
  let last: RecordFailure | undefined;
  for (let n = 1; ; n++) {
    const remaining = options.deadline - now();
    if (remaining <= 0) throw outOfTime(n - 1, last ?? new Error('no time left for an attempt'));
    const signal = options.signal ?? AbortSignal.timeout(remaining);
    try {
      return await attempt(signal);
    } catch (error) {
      const failure = asFailure(error, 'the model call', FailureKind.modelUnavailable);
      if (failure.policy === 'dead-letter') throw failure;
      if (failure.policy === 'judge') {
        const limit = options.suspectAttempts ?? 3;
        if (n >= (typeof limit === 'number' ? limit : limit(failure))) throw failure;
      }
      if (signal.aborted) throw outOfTime(n, last ?? failure);
      last = failure;
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** (n - 1));
      const wait = Math.floor(random() * ceiling);
      if (now() + wait >= options.deadline) throw outOfTime(n, failure);
      await sleep(wait);
    }
  }
};
