import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  AlarmStatusWidget,
  ComparisonOperator,
  Dashboard,
  GraphWidget,
  Metric,
  type MetricOptions,
  TextWidget,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { METRICS, type MetricName } from '../functions/stream-inference/contract.js';
import type { StreamAlarmThresholds } from './props.js';

/** The EMF metrics the handler emits, in `POWERTOOLS_METRICS_NAMESPACE` with dimension `service`. */
export const STREAM_METRICS: readonly MetricName[] = Object.values(METRICS);
export type StreamMetricName = MetricName;

/** The stream's alarms, one per failure signal. */
export interface StreamAlarms {
  /** Lambda `Errors`: a batch failed as a whole and will be retried. */
  readonly errors: Alarm;
  /** Lambda `Throttles`: no concurrency left for the mapping's invocations. */
  readonly throttles: Alarm;
  /** Lambda `OffsetLag` (maximum): the stream is falling behind its input topic. */
  readonly offsetLag: Alarm;
  /** `RecordsDeadLettered`: records are landing on the error topic. */
  readonly deadLettered: Alarm;
  /** `ModelUnauthorized`: the model refuses the function's credentials; records wait for redelivery. */
  readonly modelUnauthorized: Alarm;
  /** `EventsRefused`: the function was invoked with an event not from its own cluster or brokers. */
  readonly eventsRefused: Alarm;
  /**
   * The mapping's `DroppedEventCount`: records it gave up on with nowhere to send them. Only when the
   * mapping emits its event count metrics (`metricsConfig` with `MetricType.EVENT_COUNT`).
   */
  readonly droppedEvents?: Alarm;
}

/** What the monitoring needs from the stream. */
export interface StreamMonitoringProps {
  readonly fn: IFunction;
  readonly title: string;
  readonly metric: (name: StreamMetricName, options?: MetricOptions) => Metric;
  readonly thresholds?: StreamAlarmThresholds;
  readonly alarmTopic?: ITopic;
  readonly dashboardName?: string;
  /** The mapping's UUID, when it emits its event count metrics: they are dimensioned by it. */
  readonly eventSourceMappingId?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * The mapping's `DroppedEventCount` (event count metrics), in `AWS/Lambda` by `EventSourceMappingUUID`.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics
 */
const droppedEventCount = (eventSourceMappingId: string): Metric =>
  new Metric({
    namespace: 'AWS/Lambda',
    metricName: 'DroppedEventCount',
    dimensionsMap: { EventSourceMappingUUID: eventSourceMappingId },
    statistic: 'Sum',
    period: PERIOD,
  });

/**
 * Alarms on the ways a stream goes wrong and a dashboard of records, latency and the
 * function's health.
 *
 * @example
 * declare const fn: IFunction;
 * declare const metric: StreamMonitoringProps['metric'];
 * new StreamMonitoring(this, 'Monitoring', { fn, metric, title: 'iris' });
 */
export class StreamMonitoring extends Construct {
  public readonly alarms: StreamAlarms;
  public readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: StreamMonitoringProps) {
    super(scope, id);
    const { fn, metric, thresholds = {} } = props;
    const offsetLag = new Metric({
      namespace: 'AWS/Lambda',
      metricName: 'OffsetLag',
      dimensionsMap: { FunctionName: fn.functionName },
      statistic: 'Maximum',
      period: PERIOD,
    });
    const alarm = (alarmId: string, m: Metric, threshold: number, description: string, periods = 1) =>
      new Alarm(this, alarmId, {
        metric: m,
        threshold,
        evaluationPeriods: periods,
        datapointsToAlarm: periods,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `${props.title}: ${description}`,
      });

    this.alarms = {
      errors: alarm(
        'Errors',
        fn.metricErrors({ period: PERIOD, statistic: 'Sum' }),
        thresholds.errors ?? 1,
        'function errors; the mapping retries whole batches',
      ),
      throttles: alarm(
        'Throttles',
        fn.metricThrottles({ period: PERIOD, statistic: 'Sum' }),
        thresholds.throttles ?? 1,
        'throttled invocations; raise concurrency or lower pollers',
      ),
      offsetLag: alarm(
        'OffsetLag',
        offsetLag,
        thresholds.offsetLag ?? 1000,
        'offset lag on the input topic for 15 minutes',
        3,
      ),
      deadLettered: alarm(
        'DeadLettered',
        metric(METRICS.recordsDeadLettered, { period: PERIOD, statistic: 'Sum' }),
        thresholds.deadLettered ?? 1,
        'records published to the error topic',
      ),
      // No threshold prop: one refused credential already holds a partition back.
      modelUnauthorized: alarm(
        METRICS.modelUnauthorized,
        metric(METRICS.modelUnauthorized, { period: PERIOD, statistic: 'Sum' }),
        1,
        'the model refuses the function credentials; records wait for redelivery',
      ),
      eventsRefused: alarm(
        METRICS.eventsRefused,
        metric(METRICS.eventsRefused, { period: PERIOD, statistic: 'Sum' }),
        thresholds.eventsRefused ?? 1,
        'events refused: their source is not the configured cluster or brokers (a forged invocation?)',
      ),
      ...(props.eventSourceMappingId
        ? {
            droppedEvents: alarm(
              'DroppedEvents',
              droppedEventCount(props.eventSourceMappingId),
              thresholds.droppedEvents ?? 1,
              'records the event source mapping dropped (retries or record age exhausted, no on-failure destination)',
            ),
          }
        : {}),
    };
    const every = Object.values(this.alarms).filter((a): a is Alarm => a !== undefined);
    if (props.alarmTopic) {
      const action = new SnsAction(props.alarmTopic);
      for (const a of every) {
        a.addAlarmAction(action);
        a.addOkAction(action);
      }
    }

    this.dashboard = new Dashboard(this, 'Dashboard', {
      ...(props.dashboardName ? { dashboardName: props.dashboardName } : {}),
      defaultInterval: Duration.hours(3),
    });
    const sum = { period: Duration.minutes(1), statistic: 'Sum' };
    this.dashboard.addWidgets(
      new TextWidget({ markdown: `# ${props.title}\nKafka → model → Kafka`, width: 24, height: 1 }),
      new AlarmStatusWidget({ alarms: every, width: 24, height: 2 }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Records',
        left: [
          metric('RecordsIn', sum),
          metric('RecordsOut', sum),
          metric(METRICS.recordsDeadLettered, sum),
          metric('RecordsRetried', sum),
        ],
        width: 12,
      }),
      new GraphWidget({
        title: 'Model latency (ms)',
        left: ['p50', 'p90', 'p99'].map((statistic) =>
          metric('ModelLatency', { statistic, period: Duration.minutes(1), label: statistic }),
        ),
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new GraphWidget({
        title: 'Invocations',
        left: [fn.metricInvocations(sum), fn.metricErrors(sum), fn.metricThrottles(sum)],
        width: 8,
      }),
      new GraphWidget({
        title: 'Duration (ms)',
        left: [fn.metricDuration({ statistic: 'p99', period: Duration.minutes(1) })],
        width: 8,
      }),
      new GraphWidget({
        title: 'Offset lag',
        left: [offsetLag.with({ period: Duration.minutes(1) })],
        width: 8,
      }),
    );
  }
}
