/** RSS growth over the second half of a soak: half-way level to end level, each a median of three. */
import { describe, expect, it } from 'vitest';
import { growthOverLastHalf } from '../../../scripts/soak/growth.js';

const series = (values: readonly number[], every = 10) => values.map((value, i) => ({ t: i * every, value }));

describe('growthOverLastHalf', () => {
  it('compares the level half-way in time with the level at the end', () => {
    // Prepare
    const points = series([100, 110, 120, 130, 140]);

    // Act
    const growth = growthOverLastHalf(points);

    // Assess
    expect(growth).toEqual({ mid: 120, end: 130, growth: 10 / 120 });
  });

  it('sees no growth in a warm-up followed by a flat level', () => {
    // Prepare
    const points = series([50, 90, 100, 100, 100, 100, 100, 100, 100]);

    // Act
    const growth = growthOverLastHalf(points);

    // Assess
    expect(growth?.growth).toBe(0);
  });

  it('is not moved by one sample caught at a GC peak, at the end or half-way', () => {
    // Prepare
    const peakAtEnd = series([100, 100, 100, 100, 100, 100, 100, 100, 180]);
    const peakHalfWay = series([100, 100, 100, 100, 30, 100, 100, 100, 100]);

    // Act
    const [atEnd, halfWay] = [growthOverLastHalf(peakAtEnd), growthOverLastHalf(peakHalfWay)];

    // Assess
    expect(atEnd?.growth).toBe(0);
    expect(halfWay?.growth).toBe(0);
  });

  it('finds half-way by time, not by sample count', () => {
    // Prepare: dense samples early, sparse later; half of 0…100 s is the sample at 50 s.
    const points = [0, 1, 2, 3, 4, 5, 40, 50, 60, 100].map((t) => ({ t, value: 100 + t }));

    // Act
    const growth = growthOverLastHalf(points);

    // Assess
    expect(growth?.mid).toBe(150);
    expect(growth?.end).toBe(160);
  });

  it('reports a steady leak', () => {
    // Prepare: +1% of the start per sample, 0 … 590 s; 290 s and 300 s are as near half-way
    const points = series(Array.from({ length: 60 }, (_, i) => 100 + i));

    // Act
    const growth = growthOverLastHalf(points);

    // Assess
    expect(growth).toEqual({ mid: 129, end: 158, growth: 29 / 129 });
  });

  it.each([
    ['no samples', []],
    ['four samples', series([1, 2, 3, 4])],
    ['nothing half-way', series([0, 0, 0, 0, 5])],
  ])('judges nothing with %s', (_, points) => {
    // Act
    const growth = growthOverLastHalf(points);

    // Assess
    expect(growth).toBeUndefined();
  });
});
