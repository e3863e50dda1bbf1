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
