/**
 * Model timeouts per record, kept as long as the warm container, across invocations. A record the
 * model hangs on costs MODEL_TIMEOUT_MS per attempt, so an invocation may end before the record has
 * used its attempts; counted here, the redelivery resumes the count instead of starting over.
 * Lambda may redeliver to another container, which starts at zero: the budget is spent a little
 * later there, never lost.
 *
 * @example
 * const timeouts = new TimeoutBudget();
 * timeouts.timedOut('orders/0/42', startedAt, health.lastSuccessStartedAt);
 * if (timeouts.spent('orders/0/42')) ...
 */
export class TimeoutBudget {
  readonly #entries = new Map<string, { attempts: number; since: number; servedMeanwhile: boolean }>();

  /**
   * @param attempts Timed-out attempts after which a record is suspect.
   * @param capacity Records remembered; the oldest is forgotten first.
   */
  constructor(
    readonly attempts = 3,
    readonly capacity = 10_000,
  ) {}

  /**
   * Counts a timed-out attempt of the record that started at `startedAt` (epoch ms), as the model
   * looked when it timed out: `lastSuccessStartedAt` is when the latest call the model answered
   * began.
   */
  timedOut(source: string, startedAt: number, lastSuccessStartedAt: number): void {
    const entry = this.#entries.get(source);
    if (entry !== undefined) {
      entry.attempts++;
      entry.servedMeanwhile = lastSuccessStartedAt > entry.since;
      return;
    }
    if (this.#entries.size >= this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    this.#entries.set(source, {
      attempts: 1,
      since: startedAt,
      servedMeanwhile: lastSuccessStartedAt > startedAt,
    });
  }

  /** True once the record has timed out `attempts` times. */
  spent(source: string): boolean {
    return (this.#entries.get(source)?.attempts ?? 0) >= this.attempts;
  }

  /**
   * Whether, at the record's latest timeout, the model had answered a call that began after the
   * record's first timed-out attempt: it served others while this record kept timing out. Judged
   * then, not when the batch ends: a model that answers nothing for a while (a storm of
   * DEADLINE_EXCEEDED) and recovers later in the invocation proves nothing against the records it
   * timed out on meanwhile.
   */
  servedMeanwhile(source: string): boolean {
    return this.#entries.get(source)?.servedMeanwhile ?? false;
  }

  /** The record is done (published or dead-lettered). */
  forget(source: string): void {
    if (this.#entries.size > 0) this.#entries.delete(source);
  }
}
