import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutcomeCounts, RecordOutcome } from './batch/outcomes.js';
import { DEFAULTS, METRICS } from './contract.js';
import { FailureKind } from './failures.js';
import type { PackSizeChange } from './model/coalesce/pack-size.js';

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE when set.
export const logger = new Logger({ serviceName: DEFAULTS.serviceName });
export const metrics = new Metrics({
  namespace: DEFAULTS.metricsNamespace,
  serviceName: DEFAULTS.serviceName,
});

/**
 * Most ModelLatency values published per batch: one EMF document's worth (Powertools flushes at
 * 100 values). A batch of 1,000 calls would otherwise cost 1,000 `addMetric` calls (~4% of the
 * handler's CPU on small records, measured) and 10 EMF log lines.
 */
const MAX_LATENCY_VALUES = 100;

/** Latencies of the batch in progress, published by `recordCounts` at its end. */
const latencies: number[] = [];

/**
 * The batch's latencies as at most `max` values with the same distribution: all of them, or `max`
 * evenly spaced order statistics (the 0.5%, 1.5%, … 99.5% quantiles for 100), so that the
 * dashboard's p50/p90/p99 still describe every call.
 */
export const latencySample = (values: readonly number[], max: number): number[] => {
  if (values.length <= max) return [...values];
  const sorted = [...values].sort((a, b) => a - b);
  return Array.from({ length: max }, (_, i) => sorted[Math.floor(((i + 0.5) * sorted.length) / max)]!);
};

export const recordCounts = (counts: OutcomeCounts): void => {
  for (const ms of latencySample(latencies, MAX_LATENCY_VALUES)) {
    metrics.addMetric(METRICS.modelLatency, MetricUnit.Milliseconds, ms);
  }
  latencies.length = 0;
  metrics.addMetric(METRICS.recordsIn, MetricUnit.Count, counts.in);
  metrics.addMetric(METRICS.recordsOut, MetricUnit.Count, counts.published);
  metrics.addMetric(METRICS.recordsDeadLettered, MetricUnit.Count, counts.deadLettered);
  metrics.addMetric(METRICS.recordsRetried, MetricUnit.Count, counts.retryLater);
};

/**
 * Counts the batch's records left for redelivery because the model refused the function's
 * credentials (kind `model-unauthorized`): the first of each partition held back, per batch.
 *
 * @example
 * recordModelUnauthorized(outcomes);
 */
export const recordModelUnauthorized = (outcomes: readonly RecordOutcome[]): void => {
  const refused = outcomes.filter(
    (o) => o.fate === 'retry-later' && o.failure.kind === FailureKind.modelUnauthorized,
  ).length;
  metrics.addMetric(METRICS.modelUnauthorized, MetricUnit.Count, refused);
};

/** Called per successful model call; kept until the batch's `recordCounts`. */
export const recordModelLatency = (ms: number): void => {
  latencies.push(ms);
};

/** Counts an event refused because it did not come from the configured cluster. */
export const recordEventRefused = (): void => {
  metrics.addMetric(METRICS.eventsRefused, MetricUnit.Count, 1);
};

/**
 * Logs a change of the pack size `COALESCE_MAX_RECORDS=auto` learned, and emits the new size (each
 * warm container learns its own; the latest value is the size its packs now have).
 *
 * @example
 * recordPackSize({ from: 16, to: 32, cause: 'grew' });
 */
export const recordPackSize = (change: PackSizeChange): void => {
  logger.info('coalesce pack size changed', { ...change });
  metrics.addMetric(METRICS.coalescePackSize, MetricUnit.Count, change.to);
};
