/** Medians and the warm-up-then-interleave loop every scenario measures with. */

/** The middle value (the mean of the two middle values for an even count). */
export const median = (values: readonly number[]): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** One thing measured several times: each run's value and their median. */
export interface Series {
  readonly runs: readonly number[];
  readonly median: number;
}

export const series = (runs: readonly number[]): Series => ({ runs, median: median(runs) });

/** A variant of a scenario: a name and one timed run that resolves with its figure (e.g. records/s). */
export interface Variant {
  readonly name: string;
  /** `warmup` is true for the untimed rounds, which may be smaller. */
  readonly run: (warmup: boolean) => Promise<number>;
}

export interface Rounds {
  /** Untimed rounds first: JIT, connection pools, producer ids, the model's own warm-up. */
  readonly warmup: number;
  readonly runs: number;
}

/**
 * Runs every variant once per round, round after round (in reverse order every other round, so that
 * no variant always runs first), so that each variant meets the same background load: the machines
 * are small and shared. Warm-up rounds come first and are not kept. Each variant's `runs[i]` is from
 * round i, so runs of two variants pair up (see {@link pairedRatio}).
 */
export const interleave = async (
  variants: readonly Variant[],
  rounds: Rounds,
  onRun?: (variant: string, value: number, round: number) => void,
): Promise<Map<string, Series>> => {
  const values = new Map<string, number[]>(variants.map((v) => [v.name, []]));
  for (let round = 0; round < rounds.warmup + rounds.runs; round++) {
    const order = round % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const value = await variant.run(round < rounds.warmup);
      if (round < rounds.warmup) continue;
      values.get(variant.name)!.push(value);
      onRun?.(variant.name, value, round - rounds.warmup);
    }
  }
  return new Map([...values].map(([name, runs]) => [name, series(runs)]));
};

/** Records per second of `count` records done in `ms`. */
export const perSecond = (count: number, ms: number): number => (count * 1000) / ms;

/** Runs `count` tasks with at most `concurrency` at once, in order of index. */
export const runBounded = async (
  count: number,
  concurrency: number,
  task: (index: number) => Promise<void>,
): Promise<void> => {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < count) await task(next++);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, lane));
};

/**
 * The median over rounds of `a[i] / b[i]`: each ratio compares two runs made one after the other,
 * so a burst of background load that slows one round does not skew it, as it can a ratio of medians.
 */
export const pairedRatio = (a: Series, b: Series): number =>
  median(a.runs.map((value, i) => value / b.runs[i]!));

export interface Calibration {
  /** Records of the warm-up run. */
  readonly warmup: number;
  /** Target length of a timed run. */
  readonly seconds: number;
  readonly min: number;
  readonly max: number;
  /** Run sizes are multiples of this (the poller's batch size, so that no batch waits for its window). */
  readonly step: number;
}

/**
 * Sizes each variant's timed runs from the speed of its warm-up run, so that every run lasts about
 * `seconds`: a fast variant on a run as small as a slow one's would be measured mostly on fixed
 * latencies (the first fetch, the last read), not on its throughput.
 */
export class RunSize {
  #count: number;

  constructor(readonly options: Calibration) {
    this.#count = options.min;
  }

  /** Records for this run. */
  of(warmup: boolean): number {
    return warmup ? this.options.warmup : this.#count;
  }

  /** Learns from a run's records/s (only the warm-up's counts); returns it, for chaining. */
  learn(warmup: boolean, perSecond: number): number {
    if (warmup) {
      const { seconds, min, max, step } = this.options;
      this.#count = Math.min(max, Math.max(min, Math.ceil((perSecond * seconds) / step) * step));
    }
    return perSecond;
  }

  /** Records per timed run, once learned. */
  get count(): number {
    return this.#count;
  }
}
