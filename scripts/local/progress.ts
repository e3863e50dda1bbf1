/** Counters of a poller run and the one-line progress report printed on long runs. */

export interface PollerStats {
  /** Handler invocations, retries included. */
  invocations: number;
  /** Records handed to the handler, redeliveries included. */
  recordsIn: number;
  /** Records done and committed. */
  recordsDone: number;
  /** Records sent back for redelivery (a partial batch response or a failed invocation). */
  redelivered: number;
  /** Invocations that threw, timed out or returned an invalid response. */
  errors: number;
}

export const emptyStats = (): PollerStats => ({
  invocations: 0,
  recordsIn: 0,
  recordsDone: 0,
  redelivered: 0,
  errors: 0,
});

const count = (n: number): string => n.toLocaleString('en-US');

/**
 * @example
 * formatProgress(stats, { elapsedMs: 10_000, doneSince: 5_000, sinceMs: 10_000, lag: 12 });
 * // 'poller: 5,000 records done (500/s), 0 redelivered, 0 errors, lag 12, 51 invocations in 10 s'
 */
export const formatProgress = (
  stats: PollerStats,
  window: { elapsedMs: number; doneSince: number; sinceMs: number; lag: number | undefined },
): string => {
  const rate = window.sinceMs > 0 ? Math.round((window.doneSince * 1000) / window.sinceMs) : 0;
  const lag = window.lag === undefined ? 'lag ?' : `lag ${count(window.lag)}`;
  return (
    `poller: ${count(stats.recordsDone)} records done (${count(rate)}/s), ` +
    `${count(stats.redelivered)} redelivered, ${count(stats.errors)} errors, ${lag}, ` +
    `${count(stats.invocations)} invocations in ${Math.round(window.elapsedMs / 1000)} s`
  );
};

export interface ProgressReporterOptions {
  readonly intervalMs: number;
  readonly log: (line: string) => void;
  readonly stats: () => Readonly<PollerStats>;
  /** The group's lag now; undefined when it cannot be read. */
  readonly lag: () => Promise<number | undefined>;
}

/**
 * Prints a progress line every interval while something happens (records done, errors, lag), and a
 * last one on `stop()` if it printed any: short runs stay quiet.
 */
export class ProgressReporter {
  readonly #options: ProgressReporterOptions;
  readonly #startedAt = Date.now();
  #last = { at: this.#startedAt, done: 0, errors: 0 };
  #printed = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: ProgressReporterOptions) {
    this.#options = options;
    this.#schedule();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    if (this.#printed) await this.#print(true);
  }

  #schedule(): void {
    this.#timer = setTimeout(() => {
      void this.#print(false).finally(() => {
        if (!this.#stopped) this.#schedule();
      });
    }, this.#options.intervalMs);
    this.#timer.unref();
  }

  async #print(final: boolean): Promise<void> {
    const lag = await this.#options.lag();
    const stats = this.#options.stats();
    const now = Date.now();
    const last = this.#last;
    const quiet = stats.recordsDone === last.done && stats.errors === last.errors && !lag;
    if (quiet && !final) return;
    this.#printed = true;
    this.#options.log(
      formatProgress(stats, {
        elapsedMs: now - this.#startedAt,
        doneSince: final ? stats.recordsDone : stats.recordsDone - last.done,
        sinceMs: final ? now - this.#startedAt : now - last.at,
        lag,
      }),
    );
    this.#last = { at: now, done: stats.recordsDone, errors: stats.errors };
  }
}
