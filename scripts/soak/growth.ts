/**
 * Memory growth over the second half of a soak: a leak shows as a level that keeps rising after the
 * warm-up (JIT, pools, buffers) is over, so the first half is left out.
 */
import { median } from '../bench/stats.js';

export interface Point {
  /** Time, in any unit (the soak uses seconds since its start). */
  readonly t: number;
  readonly value: number;
}

export interface Growth {
  /** The level at the middle of the run. */
  readonly mid: number;
  /** The level at its end. */
  readonly end: number;
  /** `(end - mid) / mid`: 0.1 is 10% more at the end than half way. */
  readonly growth: number;
}

/** Fewer samples than this leave no second half to judge. */
export const MIN_SAMPLES = 5;

/** Samples each level is the median of, so that one sample caught at a GC peak does not decide. */
const WINDOW = 3;

/**
 * The growth from the middle of the run (the sample nearest half-way in time) to its end (the last
 * sample), each level the median of {@link WINDOW} neighbouring samples; undefined with fewer than
 * {@link MIN_SAMPLES} samples, or no level half-way (0) to grow from.
 *
 * @example
 * growthOverLastHalf([0, 10, 20, 30, 40].map((t) => ({ t, value: 100 + t }))); // { mid: 120, end: 130, growth: 0.083… }
 */
export const growthOverLastHalf = (points: readonly Point[]): Growth | undefined => {
  if (points.length < MIN_SAMPLES) return undefined;
  const first = points[0]!.t;
  const half = first + (points.at(-1)!.t - first) / 2;
  let nearest = 0;
  for (let i = 1; i < points.length; i++) {
    if (Math.abs(points[i]!.t - half) < Math.abs(points[nearest]!.t - half)) nearest = i;
  }
  const around = Math.min(Math.max(nearest - 1, 0), points.length - WINDOW);
  const mid = median(points.slice(around, around + WINDOW).map((p) => p.value));
  const end = median(points.slice(-WINDOW).map((p) => p.value));
  if (!(mid > 0)) return undefined;
  return { mid, end, growth: (end - mid) / mid };
};
