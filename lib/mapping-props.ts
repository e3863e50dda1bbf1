import type { Duration } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { EventSourceMappingLogLevel, MetricsConfig, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { EventPollers } from './event-pollers.js';
import type { OnFailureDestination } from './on-failure.js';
import type { StreamSchemaRegistry } from './schema-registry.js';

/**
 * The Kafka event source mapping's settings: where a new consumer group starts, how records are
 * batched and filtered, how pollers scale, what happens to a failing batch, and what the mapping
 * reports. Part of {@link KafkaInferenceStreamProps}.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
 */
export interface EventSourceMappingOptions {
  /**
   * The consumer group the mapping joins. It cannot change after the mapping exists.
   *
   * @default - a name unique to this construct in its stack
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html#services-msk-consumer-group-id
   */
  readonly consumerGroupId?: string;
  /**
   * Where a new consumer group starts reading.
   *
   * @default StartingPosition.LATEST
   */
  readonly startingPosition?: StartingPosition;
  /**
   * With `StartingPosition.AT_TIMESTAMP`: where to start, in Unix time seconds.
   *
   * @default - none; required with AT_TIMESTAMP
   */
  readonly startingPositionTimestamp?: number;
  /**
   * Records per invocation, 1–10000 (and at most 6 MB together: Lambda's synchronous payload).
   *
   * @default 100
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html#msk-batching
   */
  readonly batchSize?: number;
  /**
   * How long the mapping gathers records before invoking, up to 5 minutes.
   *
   * @default - Duration.millis(500) for Kafka, set by Lambda
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * How the mapping's pollers scale: provisioned (dedicated pollers, billed in event poller units,
   * with the error-handling controls and the mapping's logging) or on demand (neither).
   *
   * @default EventPollers.provisioned() - 1 to 10 pollers
   * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-scaling-modes.html
   */
  readonly pollers?: EventPollers;
  /**
   * Event filters, each `FilterCriteria.filter(...)` output (`{ pattern: '<JSON>' }`); records that
   * match none are not delivered. Anything else is refused, since Lambda would get an empty filter.
   *
   * @default - every record is delivered
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-filtering.html
   */
  readonly filters?: Array<Record<string, unknown>>;
  /**
   * A customer managed KMS key Lambda encrypts `filters` with (`KmsKeyArn`). Only with `filters`.
   * A key of this stack lets `lambda.amazonaws.com` decrypt with it in its key policy; the policy of
   * an imported key must say so itself (a synth warning reminds you).
   *
   * @default - Lambda encrypts the filters with a key of its own
   * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
   */
  readonly filterEncryption?: IKey;
  /**
   * Whether the mapping polls.
   *
   * @default true
   */
  readonly enabled?: boolean;

  /**
   * Partial batch responses (`FunctionResponseTypes: [ReportBatchItemFailures]`): the handler reports
   * the records to retry and Lambda commits the rest. Also sets the handler's `REPORT_BATCH_ITEM_FAILURES`.
   * Lambda honours it in provisioned mode only, so it cannot be true with `EventPollers.onDemand()`.
   *
   * @default - true in provisioned mode, false on demand
   * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
   */
  readonly reportBatchItemFailures?: boolean;
  /**
   * Retries of a failed batch, -1 (infinite) or 0–10000. Provisioned mode only. With an
   * `onFailure` destination Lambda caps infinite retries at 10: -1 with `onFailure` is a synth
   * warning, and leaving this unset with `onFailure` means 10.
   *
   * @default - infinite, until the records expire; 10 with `onFailure`
   * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html
   */
  readonly retryAttempts?: number;
  /**
   * The oldest record the mapping still delivers (60 seconds to 7 days). Provisioned mode only.
   *
   * @default - no limit
   */
  readonly maxRecordAge?: Duration;
  /**
   * Split a failing batch in two and retry each half. Provisioned mode only.
   *
   * @default false
   */
  readonly bisectBatchOnError?: boolean;
  /**
   * Where the mapping sends batches it gives up on.
   *
   * @default - discarded
   */
  readonly onFailure?: OnFailureDestination;

  /**
   * The mapping's own CloudWatch metrics (`MetricsConfig`): `MetricType.EVENT_COUNT` (events polled,
   * filtered out, invoked, failed, dropped…), `ERROR_COUNT` and `KAFKA_METRICS`, each at most once.
   * With EVENT_COUNT the stream also alarms on `DroppedEventCount` (`alarms.droppedEvents`).
   *
   * @default - none (Lambda's default): no mapping metrics, no alarm on them
   * @see https://docs.aws.amazon.com/lambda/latest/api/API_EventSourceMappingMetricsConfig.html
   */
  readonly metricsConfig?: MetricsConfig;
  /**
   * The level of the system logs the mapping's pollers write to the function's log group
   * (`LoggingConfig.SystemLogLevel`), in a log stream of their own. Provisioned mode only.
   *
   * @default - no system logs from the pollers
   * @see https://docs.aws.amazon.com/lambda/latest/dg/esm-logging.html
   */
  readonly logLevel?: EventSourceMappingLogLevel;

  /**
   * A Glue or Confluent schema registry the mapping validates records with before the function
   * runs (`SchemaRegistryConfig`), with the role's grants to read it. With
   * `EventRecordFormat.JSON` (the default) each value arrives decoded to JSON, and that JSON is the
   * model request (`SCHEMA_RECORD_FORMAT=json`; needs `transport: 'rest'`). Provisioned mode only.
   * Lambda sends records that fail validation to `onFailure`, or drops them without it.
   *
   * @default - no schema registry: values reach the handler as the producer wrote them
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
   */
  readonly schemaRegistry?: StreamSchemaRegistry;
}
