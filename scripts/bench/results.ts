/** What a scenario hands back: its figures, the goals it measured, other ratios, notes and charts. */
import type { BarChart } from './chart.js';
import type { GoalMeasure } from './goals.js';
import type { Series } from './stats.js';

export const SCENARIOS = [
  'adapter',
  'rest',
  'grpc',
  'coalesce',
  'cold-start',
  'memory',
  'scale-out',
  'kafka-client',
  'tracing',
] as const;
export type ScenarioId = (typeof SCENARIOS)[number];

export interface Figure {
  /** e.g. `handler`, `direct HTTP (limit)`. */
  readonly label: string;
  /** e.g. `records/s`, `ms`, `KB`, `MB`. */
  readonly unit: string;
  readonly series: Series;
}

/** A ratio of two variants measured in pairs that no goal sets a target for. */
export interface Ratio {
  /** e.g. `COALESCE_MAX_RECORDS=16 / per record`. */
  readonly label: string;
  /** The paired ratios. */
  readonly series: Series;
}

export interface ScenarioResult {
  readonly id: ScenarioId;
  readonly title: string;
  /** How it was measured (sizes, concurrency, batching, pairs), in one line. */
  readonly setup: string;
  readonly figures: readonly Figure[];
  /** Rows of the goal table this scenario measured. */
  readonly goals: readonly GoalMeasure[];
  readonly ratios: readonly Ratio[];
  /** Caveats and findings measured in the run (e.g. where the CPU went). */
  readonly notes: readonly string[];
  /** Charts written as SVG beside BENCHMARKS.md and shown in it. */
  readonly charts: readonly BarChart[];
}
