/** What a scenario hands back: its figures (medians of runs) and its goals (ratios or limits). */
import { pairedRatio, type Series } from './stats.js';

export const SCENARIOS = ['adapter', 'rest', 'grpc', 'coalesce', 'cold-start'] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface Figure {
  /** e.g. `handler`, `direct HTTP (limit)`. */
  readonly label: string;
  /** e.g. `records/s`, `ms`, `KB`. */
  readonly unit: string;
  readonly series: Series;
}

export interface Goal {
  /** e.g. `handler / limit`. */
  readonly label: string;
  /** The measured value (a ratio of medians, or a median). */
  readonly value: number;
  readonly op: '>=' | '<=';
  readonly target: number;
  /** `x` for ratios. */
  readonly unit: string;
}

export interface ScenarioResult {
  readonly id: ScenarioId;
  readonly title: string;
  /** How it was measured (sizes, concurrency, batching), in one line. */
  readonly setup: string;
  readonly figures: readonly Figure[];
  readonly goals: readonly Goal[];
  /** Caveats measured in the run (e.g. records that went to the error topic). */
  readonly notes: readonly string[];
}

export const met = (goal: Goal): boolean =>
  goal.op === '>=' ? goal.value >= goal.target : goal.value <= goal.target;

/**
 * A ratio goal (`numerator / denominator`): the median of the per-round ratios of two series
 * measured in turn (see pairedRatio).
 */
export const ratioGoal = (label: string, numerator: Series, denominator: Series, target: number): Goal => ({
  label,
  value: pairedRatio(numerator, denominator),
  op: '>=',
  target,
  unit: 'x',
});
