/**
 * Model timeouts per record, kept as long as the warm container, across invocations. A record the
 * model hangs on costs MODEL_TIMEOUT_MS per attempt, so an invocation may end before the record has
 * used its attempts; counted here, the redelivery resumes the count instead of starting over.
 * Lambda may redeliver to another container, which starts at zero: the budget is spent a little
 * later there, never lost.
 *
 * Two counts: every timeout (after 3, a record gives up its call slot at its next timeout, so that
 * the model can show it answers others), and the timeouts during which the model answered another
 * call, begun no earlier than the record's previous timed-out attempt (this one, for the first).
 * Only the second convicts a record: a model that answers nothing for a while (down, frozen, a storm
 * of DEADLINE_EXCEEDED) never makes a good record look like one that hangs it.
 *
 * @example
 * const timeouts = new TimeoutBudget();
 * timeouts.timedOut('orders/0/42', startedAt, health.lastSuccessStartedAt);
 * if (timeouts.spent('orders/0/42')) ...
 */
export class TimeoutBudget {
  readonly #entries = new Map<string, { all: number; whileServing: number; lastAttemptAt: number }>();

  /**
   * @param attempts Timeouts after which a record gives up its slot at once, and timeouts while the
   * model answered others after which it is judged to hang the model.
   * @param capacity Records remembered; the oldest is forgotten first.
   */
  constructor(
    readonly attempts = 3,
    readonly capacity = 10_000,
  ) {}

  /**
   * A timed-out attempt of the record, begun at `startedAt` (epoch ms); `lastSuccessStartedAt` is
   * when the latest call the model answered began.
   */
  timedOut(source: string, startedAt: number, lastSuccessStartedAt: number): void {
    let entry = this.#entries.get(source);
    if (entry === undefined) {
      if (this.#entries.size >= this.capacity) {
        this.#entries.delete(this.#entries.keys().next().value!);
      }
      entry = { all: 0, whileServing: 0, lastAttemptAt: startedAt };
      this.#entries.set(source, entry);
    }
    entry.all++;
    // A call begun in the same millisecond ran side by side with this attempt: it counts.
    if (lastSuccessStartedAt >= entry.lastAttemptAt) entry.whileServing++;
    entry.lastAttemptAt = startedAt;
  }

  /** True once the record has timed out `attempts` times, whatever the model did meanwhile. */
  exhausted(source: string): boolean {
    return (this.#entries.get(source)?.all ?? 0) >= this.attempts;
  }

  /** True once the record has timed out `attempts` times while the model answered other calls. */
  spent(source: string): boolean {
    return (this.#entries.get(source)?.whileServing ?? 0) >= this.attempts;
  }

  /** The record is done (published or dead-lettered). */
  forget(source: string): void {
    if (this.#entries.size > 0) this.#entries.delete(source);
  }
}
