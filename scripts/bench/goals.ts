/**
 * The goals of performance round two, one row each, as the issue sets them: what BENCHMARKS.md
 * measured before ("today"), the target, and which scenario measures it. A scenario hands back a
 * series per goal it measures (paired ratios, or runs); the table is built from these rows, so a
 * goal whose scenario did not run shows as not measured instead of disappearing.
 */
import { type GoalOp, meets, type Series, spread } from './stats.js';

export interface GoalRow {
  readonly id: string;
  readonly label: string;
  /** The figure before this round, as BENCHMARKS.md gave it (text: it was measured another way). */
  readonly today: string;
  readonly op: GoalOp;
  readonly target: number;
  /** `x` for ratios. */
  readonly unit: 'x' | 'ms' | 'MB' | 'KB';
  /** Largest spread (max/min) of the pairs that still meets the goal. */
  readonly maxSpread?: number;
}

/** The rows of the goal table, in the order. */
export const GOALS = [
  {
    id: 'rest-direct',
    label: 'per record, REST, poller / MLServer direct (same concurrency)',
    today: '0.77×',
    op: '>=',
    target: 0.95,
    unit: 'x',
  },
  {
    id: 'grpc-direct',
    label: 'per record, gRPC, poller / MLServer direct',
    today: '0.92×',
    op: '>=',
    target: 0.95,
    unit: 'x',
  },
  {
    id: 'coalesced-mlserver-kafka',
    label: "coalesced (COALESCE_MAX_RECORDS=64), poller / MLServer's own Kafka server",
    today: '7.7×',
    op: '>=',
    target: 10,
    unit: 'x',
  },
  {
    id: 'adapter',
    label: 'adapter overhead (instant model), handler / limit',
    today: '0.83×',
    op: '>=',
    target: 0.9,
    unit: 'x',
    maxSpread: 1.5,
  },
  {
    id: 'cold-start',
    label: 'import → first record handled (REST bundle)',
    today: '231 ms',
    op: '<=',
    target: 150,
    unit: 'ms',
  },
  {
    id: 'bundle',
    label: 'REST bundle, minified',
    today: '384 KB',
    op: '<=',
    target: 400,
    unit: 'KB',
  },
  {
    id: 'memory',
    label: 'peak RSS handling one 6 MB / 10,000-record batch',
    today: '—',
    op: '<=',
    target: 200,
    unit: 'MB',
  },
] as const satisfies readonly GoalRow[];

export type GoalId = (typeof GOALS)[number]['id'];

/** What a scenario measured for one goal row. */
export interface GoalMeasure {
  readonly id: GoalId;
  /** Paired ratios for a ratio goal, else the runs themselves. */
  readonly series: Series;
}

/**
 * Whether a goal is met: on its pessimistic quartile (see `meets`), and within its spread when it
 * has one.
 *
 * @example
 * goalMet(GOALS[0], series([0.96, 0.97, 0.99])); // true
 */
export const goalMet = (row: GoalRow, measured: Series): boolean =>
  meets(measured, row.op, row.target) &&
  (row.maxSpread === undefined || spread(measured.runs) <= row.maxSpread);
