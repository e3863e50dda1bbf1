import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { OutcomeCounts } from './outcome.js';

/** Metric names the CDK construct alarms on; change both together. */
export const MetricName = {
  recordsIn: 'RecordsIn',
  recordsOut: 'RecordsOut',
  recordsDeadLettered: 'RecordsDeadLettered',
  recordsRetried: 'RecordsRetried',
  modelLatency: 'ModelLatency',
} as const;

// Service name and namespace come from POWERTOOLS_SERVICE_NAME / POWERTOOLS_METRICS_NAMESPACE when set.
export const logger = new Logger({ serviceName: 'msk-inference' });
export const metrics = new Metrics({ namespace: 'MskInference', serviceName: 'msk-inference' });

export const recordCounts = (counts: OutcomeCounts): void => {
  metrics.addMetric(MetricName.recordsIn, MetricUnit.Count, counts.in);
  metrics.addMetric(MetricName.recordsOut, MetricUnit.Count, counts.published);
  metrics.addMetric(MetricName.recordsDeadLettered, MetricUnit.Count, counts.deadLettered);
  metrics.addMetric(MetricName.recordsRetried, MetricUnit.Count, counts.retryLater);
};

export const recordModelLatency = (ms: number): void => {
  metrics.addMetric(MetricName.modelLatency, MetricUnit.Milliseconds, ms);
};
