import type { Duration } from 'aws-cdk-lib';
import type { ISecurityGroup, IVpc, SubnetSelection } from 'aws-cdk-lib/aws-ec2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { ITopic } from 'aws-cdk-lib/aws-sns';
import type { ProtocolName, SeldonApi, Transport } from '../functions/stream-inference/contract.js';
import type { KafkaAuthentication } from './authentication.js';
import type { KafkaSource } from './kafka-source.js';
import type { EventSourceMappingOptions } from './mapping-props.js';
import type { HandlerTuning } from './tuning.js';

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
  /**
   * Records the mapping dropped (`DroppedEventCount`): given up on with no on-failure destination
   * to take them. Only with `metricsConfig` holding `MetricType.EVENT_COUNT`.
   * @default 1
   */
  readonly droppedEvents?: number;
}

/**
 * Properties of a {@link KafkaInferenceStream}: the cluster and how to reach it, the topics, the
 * model, the function, and (from the interfaces it extends) the mapping's settings and the
 * handler's tuning.
 */
export interface KafkaInferenceStreamProps extends EventSourceMappingOptions, HandlerTuning {
  /**
   * The cluster: `KafkaSource.msk(clusterArn)` or `KafkaSource.selfManaged({ bootstrapServers, … })`.
   * Also the handler's `MSK_CLUSTER_ARN` or `KAFKA_BROKER`.
   */
  readonly source: KafkaSource;
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
   * @default - true unless the authentication is `none` and the source has no root CA certificate
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
   * Publish exactly once for `read_committed` consumers (`KAFKA_TRANSACTIONAL`): each input
   * partition's outputs and errors of a batch in one Kafka transaction under the transactional id
   * `<clientId>-<input topic>-<partition>`, which commits the partition's next offset to the group
   * `<clientId>-published`. The broker aborts a transaction left open after the function's `timeout`
   * (at most 60 s, `KAFKA_TRANSACTION_TIMEOUT_MS`). With MSK IAM the role may describe and alter
   * those ids and that group.
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
   * Function timeout; more than `safetyMargin`, at most 14 minutes (Kafka mappings take no longer
   * functions; any function stops at 15).
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
   * More environment variables for the handler. They may not set a variable a prop stands for
   * (every handler variable but `KAFKA_COMPRESSION` and `LOG_PAYLOADS`), whether or not the prop is
   * given. With the construct's, all of them must fit Lambda's 4 KB (measured as their JSON).
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
