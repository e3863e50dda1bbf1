import type { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IFunction, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { ProtocolName, SeldonApi, Transport } from '../functions/stream-inference/contract.js';
import type { KafkaAuthentication } from './authentication.js';
import type { EventPollers } from './event-pollers.js';
import type { OnFailureDestination } from './on-failure.js';

/**
 * Seldon's `spec.protocol` values (`kfserving` and `v2` are the same Open Inference Protocol),
 * `spec.transport` values, and for the seldon protocol a whole Seldon graph (`/api/v1.0/predictions`)
 * or one microservice (`/predict`): the handler's own lists.
 */
export { PROTOCOLS, SELDON_APIS, TRANSPORTS } from '../functions/stream-inference/contract.js';
export type Protocol = ProtocolName;
export type { SeldonApi, Transport };

/** Alarm thresholds; every alarm compares with `>=` over 5-minute periods. */
export interface StreamAlarmThresholds {
  /**
   * Function errors (each one makes Lambda retry the whole batch).
   * @default 1
   */
  readonly errors?: number;
  /**
   * Throttled invocations.
   * @default 1
   */
  readonly throttles?: number;
  /**
   * `OffsetLag` (records behind the end of the input topic), sustained for 3 periods.
   * @default 1000
   */
  readonly offsetLag?: number;
  /**
   * Records sent to the error topic (`RecordsDeadLettered`).
   * @default 1
   */
  readonly deadLettered?: number;
  /**
   * Invocations refused because the event's source ARN or brokers differ from the stream's own
   * (`EventsRefused`): someone invoked the function with an event of their making.
   * @default 1
   */
  readonly eventsRefused?: number;
}

/** Properties of a {@link KafkaInferenceStream}. */
export interface KafkaInferenceStreamProps {
  /**
   * The MSK cluster (provisioned or serverless) to consume from, `arn:…:cluster/<name>/<uuid>`.
   * Give exactly one of `clusterArn` and `bootstrapServers`.
   *
   * @default - none; `bootstrapServers` must be given
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html
   */
  readonly clusterArn?: string;
  /**
   * Self-managed Kafka brokers, `host:port` each. Also the handler's `KAFKA_BROKER`.
   *
   * @default - none; `clusterArn` must be given
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html
   */
  readonly bootstrapServers?: string[];
  /**
   * How the mapping and the handler's producer authenticate. Self-managed brokers without
   * authentication must be reached through `vpc`: Lambda (like the L2 `SelfManagedKafkaEventSource`)
   * wants a secret for brokers over the internet.
   *
   * @default - `KafkaAuthentication.iam()` for MSK, `KafkaAuthentication.none()` for self-managed Kafka
   * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-configure.html
   */
  readonly authentication?: KafkaAuthentication;
  /**
   * Whether the handler's producer uses TLS (`KAFKA_TLS`).
   *
   * @default - true unless the authentication is `none`
   */
  readonly tls?: boolean;
  /**
   * The VPC the function runs in; for self-managed Kafka also where the mapping's pollers reach the
   * brokers. Needed to publish to an MSK cluster without public access.
   *
   * @default - the function runs outside any VPC
   * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html
   */
  readonly vpc?: IVpc;
  /**
   * Subnets for the function (and the self-managed mapping) in `vpc`.
   *
   * @default - the VPC's private subnets with egress
   */
  readonly vpcSubnets?: SubnetSelection;
  /**
   * Security groups for the function (and the self-managed mapping) in `vpc`.
   *
   * @default - one new group: no inbound rules, all outbound (brokers, model, AWS APIs)
   */
  readonly securityGroups?: ISecurityGroup[];

  /** The topic of prediction requests (`KAFKA_INPUT_TOPIC`). */
  readonly inputTopic: string;
  /** The topic predictions are published to (`KAFKA_OUTPUT_TOPIC`). */
  readonly outputTopic: string;
  /**
   * The topic of records the handler could not turn into a prediction (`KAFKA_ERROR_TOPIC`).
   *
   * @default - `<inputTopic>-errors`
   */
  readonly errorTopic?: string;
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
   * with the error-handling controls) or on demand (partial batch responses off).
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
   * Retries of a failed batch, -1 (infinite) or 0–10000. Provisioned mode only.
   *
   * @default - infinite, until the records expire
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
   * The model: an `http(s)://` URL (REST), a gRPC address `grpc(s)://host:port` or `host:port`, a
   * `lambda:<name or ARN>` string, or a Lambda function (then the role may invoke that function only).
   */
  readonly modelEndpoint: string | IFunction;
  /**
   * The model's name (`MODEL_NAME`); part of the request path for tensorflow and v2.
   *
   * @default - none; required unless `protocol` is seldon
   */
  readonly modelName?: string;
  /**
   * The payload protocol (`PROTOCOL`).
   *
   * @default 'seldon'
   */
  readonly protocol?: Protocol;
  /**
   * REST or gRPC to the model (`TRANSPORT`); records on the topics use the same.
   *
   * @default 'rest'
   */
  readonly transport?: Transport;
  /**
   * For the seldon protocol, the API the endpoint serves (`SELDON_API`).
   *
   * @default 'graph'
   */
  readonly seldonApi?: SeldonApi;
  /**
   * One model call's timeout (`MODEL_TIMEOUT_MS`).
   *
   * @default - the handler's default, 10 seconds
   */
  readonly modelTimeout?: Duration;
  /**
   * Publish each batch's outputs and errors in one Kafka transaction (`KAFKA_TRANSACTIONAL`), so
   * `read_committed` consumers never see half a batch. Each warm container uses its own
   * transactional id `<clientId>-<uuid>`; with MSK IAM the role may describe and alter those ids.
   *
   * @default false
   */
  readonly transactional?: boolean;
  /**
   * Trace every record (`TRACING`): records without a W3C `traceparent` start a trace too, and the
   * function gets X-Ray active tracing (`TracingConfig: Active`, with the role's X-Ray write
   * permissions). A record with a `traceparent` is traced either way. Spans are recorded only by an
   * OpenTelemetry SDK in the function (e.g. the ADOT Lambda layer); Lambda itself records no X-Ray
   * segment for a Kafka event source mapping's invocations.
   *
   * @default false
   * @see https://docs.aws.amazon.com/lambda/latest/dg/services-xray.html
   */
  readonly tracing?: boolean;
  /**
   * The producer's Kafka client id (`KAFKA_CLIENT_ID`): letters, digits, '.', '_', '-'. It prefixes
   * the transactional ids, so with MSK IAM the role's `transactional-id/…/<clientId>-*` grant follows it.
   *
   * @default - `msk-inference-<8 hex digits>`, a hash of the construct path: each stream's own, so no
   * stream's role may use another's transactional ids
   */
  readonly clientId?: string;

  /**
   * Function memory in MB.
   *
   * @default 1024
   */
  readonly memorySize?: number;
  /**
   * Function timeout; more than the handler's 3-second safety margin, at most 14 minutes (Kafka
   * mappings take no longer functions; any function stops at 15).
   *
   * @default Duration.seconds(60)
   */
  readonly timeout?: Duration;
  /**
   * How long the function's log group keeps logs.
   *
   * @default RetentionDays.ONE_MONTH
   */
  readonly logRetention?: RetentionDays;
  /**
   * More environment variables for the handler; they may not replace the ones this construct sets.
   * With those, all of them must fit Lambda's 4 KB (measured as their JSON).
   *
   * @default - none
   */
  readonly environment?: Record<string, string>;
  /**
   * `POWERTOOLS_SERVICE_NAME`: the `service` dimension of the handler's metrics.
   *
   * @default - the construct's id
   */
  readonly serviceName?: string;
  /**
   * `POWERTOOLS_METRICS_NAMESPACE` of the handler's metrics.
   *
   * @default 'MskInference'
   */
  readonly metricsNamespace?: string;

  /**
   * An SNS topic notified when an alarm fires or clears.
   *
   * @default - alarms without actions
   */
  readonly alarmTopic?: ITopic;
  /**
   * Alarm thresholds.
   *
   * @default - see `StreamAlarmThresholds`
   */
  readonly alarmThresholds?: StreamAlarmThresholds;
  /**
   * The CloudWatch dashboard's name.
   *
   * @default - generated by CloudFormation
   */
  readonly dashboardName?: string;
}
