/** The soak's steady feed: how many records are due at a time. */
import { describe, expect, it } from 'vitest';
import { dueBy } from '../../../scripts/soak/feeder.js';

describe('dueBy', () => {
  it.each([
    [0, 1_500, 10_000, 0],
    [99, 1_500, 10_000, 148],
    [1_000, 1_500, 10_000, 1_500],
    [2_500, 1_000, 10_000, 2_500],
    [60_000, 1_000, 10_000, 10_000],
    [-5, 1_000, 10_000, 0],
  ])('at %d ms and %d records/s, of %d records: %d', (elapsed, rate, total, expected) => {
    // Act
    const due = dueBy(elapsed, rate, total);

    // Assess
    expect(due).toBe(expected);
  });
});
