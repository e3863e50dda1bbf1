import { describe, expect, it } from 'vitest';
import { latencySample } from '../../../functions/stream-inference/telemetry.js';

describe('latencySample', () => {
  it('keeps every latency of a batch of at most the limit', () => {
    // Prepare
    const values = [5, 1, 3];

    // Act
    const sample = latencySample(values, 100);

    // Assess
    expect(sample).toEqual([5, 1, 3]);
  });

  it('keeps evenly spaced order statistics of a larger batch, so its percentiles stay the batch’s', () => {
    // Prepare: 1..1000 ms, shuffled
    const values = Array.from({ length: 1_000 }, (_, i) => ((i * 7919) % 1_000) + 1);

    // Act
    const sample = latencySample(values, 100);

    // Assess
    expect(sample).toHaveLength(100);
    expect(sample[0]).toBe(6); // the 0.5% quantile
    expect(sample[49]).toBe(496); // ~ the median
    expect(sample[98]).toBe(986); // ~ p99
    expect(sample.toSorted((a, b) => a - b)).toEqual(sample);
  });
});
