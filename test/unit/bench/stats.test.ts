/** The bench's statistics: quartiles, paired ratios, the goal check and the interleaved rounds. */
import { describe, expect, it } from 'vitest';
import { GOALS, goalMet } from '../../../scripts/bench/goals.js';
import {
  interleave,
  meets,
  pairedRatios,
  quantile,
  ratioSeries,
  series,
  spread,
  type Variant,
} from '../../../scripts/bench/stats.js';

describe('quantile', () => {
  // Expected values are numpy.percentile's (linear interpolation, its default).
  it.each([
    [[1, 2, 3, 4, 5, 6, 7], 0.25, 2.5],
    [[1, 2, 3, 4, 5, 6, 7], 0.5, 4],
    [[1, 2, 3, 4, 5, 6, 7], 0.75, 5.5],
    [[1, 2, 3, 4], 0.25, 1.75],
    [[1, 2, 3, 4], 0.5, 2.5],
    [[1, 2, 3, 4], 0.75, 3.25],
    [[10], 0.25, 10],
  ])('of %j at %d is %d', (values, p, expected) => {
    const result = quantile(values, p);

    expect(result).toBeCloseTo(expected, 10);
  });

  it('sorts a copy: the runs keep the order they were measured in', () => {
    const runs = [5, 1, 4, 2, 3];

    const result = series(runs);

    expect(result).toEqual({ runs: [5, 1, 4, 2, 3], median: 3, q1: 2, q3: 4 });
    expect(runs).toEqual([5, 1, 4, 2, 3]);
  });

  it('is NaN without values, rather than a figure made up', () => {
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe('pairedRatios', () => {
  it('divides run i by run i: each ratio compares two runs of the same round', () => {
    const variant = series([10, 30, 8]);
    const baseline = series([5, 20, 16]);

    const result = pairedRatios(variant, baseline);

    expect(result).toEqual([2, 1.5, 0.5]);
  });

  it('differs from the ratio of medians when a round is slowed for both sides', () => {
    // Round 2 ran under load: both sides slowed alike, the paired ratio stays 0.9.
    const variant = series([90, 90, 45, 90, 90]);
    const baseline = series([100, 100, 50, 100, 100]);

    const result = ratioSeries(variant, baseline);

    expect(result.median).toBeCloseTo(0.9, 10);
    expect(result.q1).toBeCloseTo(0.9, 10);
    expect(result.q3).toBeCloseTo(0.9, 10);
  });

  it.each([
    [[1, 2], [1]],
    [[], []],
  ])('refuses runs that do not pair up (%j with %j)', (a, b) => {
    expect(() => pairedRatios(series(a), series(b))).toThrow(/cannot pair/);
  });
});

describe('meets', () => {
  // Median 0.96, lower quartile 0.93: the median alone would pass a 0.95 target.
  const lucky = series([0.9, 0.93, 0.96, 0.97, 0.98]);

  it('judges an at-least goal on the lower quartile, not the median', () => {
    expect(lucky.median).toBeGreaterThanOrEqual(0.95);

    expect(meets(lucky, '>=', 0.95)).toBe(false);
    expect(meets(lucky, '>=', 0.93)).toBe(true);
  });

  it('judges an at-most goal on the upper quartile', () => {
    const ms = series([120, 130, 140, 160, 300]);

    expect(meets(ms, '<=', 150)).toBe(false);
    expect(meets(ms, '<=', 160)).toBe(true);
  });
});

describe('goalMet', () => {
  const adapter = GOALS.find((g) => g.id === 'adapter')!;

  it('needs the spread within its bound as well, when the goal has one', () => {
    const steady = series([0.92, 0.93, 0.94, 0.95, 0.96]);
    const wild = series([0.6, 0.92, 0.93, 0.94, 0.95, 0.96, 0.97]);

    expect(goalMet(adapter, steady)).toBe(true);
    expect(spread(wild.runs)).toBeGreaterThan(1.5);
    expect(goalMet(adapter, wild)).toBe(false);
  });
});

describe('spread', () => {
  it.each([
    [[2, 3, 4], 2],
    [[5, 5], 1],
    [[0, 1], Number.POSITIVE_INFINITY],
  ])('of %j is %d', (runs, expected) => {
    expect(spread(runs)).toBe(expected);
  });
});

describe('interleave', () => {
  const recorder = () => {
    const calls: string[] = [];
    const variant = (name: string, values: number[]): Variant => ({
      name,
      run: async (warmup) => {
        calls.push(`${name}${warmup ? '(warm-up)' : ''}`);
        return values.shift()!;
      },
    });
    return { calls, variant };
  };

  it('runs each round in turn, reversed every other round, and keeps only the timed rounds', async () => {
    const { calls, variant } = recorder();
    const variants = [variant('a', [0, 11, 12, 13]), variant('b', [0, 21, 22, 23])];

    const result = await interleave(variants, { warmup: 1, runs: 3 });

    expect(calls).toEqual(['a(warm-up)', 'b(warm-up)', 'b', 'a', 'a', 'b', 'b', 'a']);
    expect(result.get('a')!.runs).toEqual([11, 12, 13]);
    expect(result.get('b')!.runs).toEqual([21, 22, 23]);
  });

  it('runs the two sides of each listed pair back to back, whichever way a round goes', async () => {
    const { calls, variant } = recorder();
    const names = ['direct', 'poller', 'own-kafka', 'coalesced'];
    const variants = names.map((n) => variant(n, [1, 1, 1, 1, 1]));

    await interleave(variants, { warmup: 0, runs: 4 });

    for (let round = 0; round < 4; round++) {
      const order = calls.slice(round * 4, round * 4 + 4);
      const apart = (x: string, y: string) => Math.abs(order.indexOf(x) - order.indexOf(y));
      expect(apart('direct', 'poller')).toBe(1);
      expect(apart('poller', 'own-kafka')).toBe(1);
      expect(apart('own-kafka', 'coalesced')).toBe(1);
    }
  });
});
