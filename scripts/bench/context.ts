/** What every scenario gets from the bench runner. */
import type { BenchKafka } from './kafka.js';

export interface BenchContext {
  readonly kafka: BenchKafka;
  /** Fewer and smaller runs (`--quick`). */
  readonly quick: boolean;
  /** `bench-results/` (ignored by git): bundles, logs, latest.json. */
  readonly dir: string;
  /** Progress on stderr. */
  log(line: string): void;
}

/** Model calls in flight per invocation (MODEL_CONCURRENCY's default); direct clients use the same. */
export const CONCURRENCY = 16;

/**
 * Timed rounds of an interleaved scenario, each giving one pair per ratio: seven pairs at least for
 * a goal (quartiles of fewer say little); `--quick` is a smoke test of the bench, not a measurement.
 */
export const timedRounds = (quick: boolean): number => (quick ? 3 : 7);
