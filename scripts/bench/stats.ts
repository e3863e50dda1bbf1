/**
 * The bench's statistics: medians and quartiles of runs, ratios of runs made back to back (pairs),
 * the goal check on the pessimistic quartile, and the warm-up-then-interleave loop every scenario
 * measures with.
 */

/**
 * The `p` quantile (0 ≤ p ≤ 1) by linear interpolation between the sorted values (Hyndman and Fan's
 * type 7, the default of numpy's `percentile` and R's `quantile`): for [1…7], p 0.25 gives 2.5.
 *
 * @example
 * quantile([4, 1, 3, 2], 0.5); // 2.5
 */
export const quantile = (values: readonly number[], p: number): number => {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * p;
  const low = Math.floor(at);
  const high = Math.ceil(at);
  return sorted[low]! + (sorted[high]! - sorted[low]!) * (at - low);
};

/** The middle value (the mean of the two middle values for an even count). */
export const median = (values: readonly number[]): number => quantile(values, 0.5);

/** One thing measured several times: each run's value, their median and quartiles. */
export interface Series {
  readonly runs: readonly number[];
  readonly median: number;
  /** Lower quartile. */
  readonly q1: number;
  /** Upper quartile. */
  readonly q3: number;
}

/**
 * @example
 * series([3, 1, 2]); // { runs: [3, 1, 2], median: 2, q1: 1.5, q3: 2.5 }
 */
export const series = (runs: readonly number[]): Series => ({
  runs,
  median: quantile(runs, 0.5),
  q1: quantile(runs, 0.25),
  q3: quantile(runs, 0.75),
});

/**
 * The ratio of each pair of runs, `a.runs[i] / b.runs[i]`: run i of both comes from the same round
 * of {@link interleave}, one right after the other, so a burst of background load that slows a round
 * slows both sides of its ratio alike.
 *
 * @example
 * pairedRatios(series([10, 20]), series([5, 40])); // [2, 0.5]
 */
export const pairedRatios = (a: Series, b: Series): number[] => {
  if (a.runs.length !== b.runs.length || a.runs.length === 0) {
    throw new Error(`cannot pair ${a.runs.length} runs with ${b.runs.length}`);
  }
  return a.runs.map((value, i) => value / b.runs[i]!);
};

/** The paired ratios of two series as a series of their own (median and quartiles of the ratios). */
export const ratioSeries = (a: Series, b: Series): Series => series(pairedRatios(a, b));

/** `>=`: at least the target; `<=`: at most. */
export type GoalOp = '>=' | '<=';

/**
 * Whether a measured series meets a target even on its unlucky side: the lower quartile for an
 * at-least goal, the upper quartile for an at-most goal. A median that meets it while a quarter of
 * the pairs fall short is not met: on these small shared machines it could be luck.
 *
 * @example
 * meets(series([0.9, 0.96, 0.97, 0.98, 1.0]), '>=', 0.95); // true: q1 is 0.96
 */
export const meets = (measured: Series, op: GoalOp, target: number): boolean =>
  op === '>=' ? measured.q1 >= target : measured.q3 <= target;

/**
 * The largest run over the smallest (1 when they are all alike); NaN without runs, Infinity when
 * the smallest is not positive.
 *
 * @example
 * spread([2, 3, 4]); // 2
 */
export const spread = (runs: readonly number[]): number => {
  if (runs.length === 0) return Number.NaN;
  const min = Math.min(...runs);
  return min > 0 ? Math.max(...runs) / min : Number.POSITIVE_INFINITY;
};

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
 * round i, so runs of two variants pair up (see {@link pairedRatios}); list the two sides of a ratio
 * next to each other (baseline, variant, baseline, variant …) and they run back to back in every
 * round, whichever way round it goes.
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
