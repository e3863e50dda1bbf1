import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import type { KafkaInferenceStreamProps } from './props.js';

/** The handler keeps this much of its deadline to publish and return (`SAFETY_MARGIN_MS` default). */
export const HANDLER_SAFETY_MARGIN = Duration.seconds(3);
/** Kafka event source mappings accept functions with timeouts up to 14 minutes. */
export const MAX_KAFKA_FUNCTION_TIMEOUT = Duration.minutes(14);

/** Where the records come from, after validation. */
export type StreamSource =
  | { readonly kind: 'msk'; readonly clusterArn: string }
  | { readonly kind: 'self-managed'; readonly bootstrapServers: string[] };

const TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
const BROKER = /^[^\s:/]+:\d{1,5}$/;

const fail = (prop: string, message: string): never => {
  throw new StreamConfigError(prop, message);
};

const checkTopic = (prop: string, topic: string): void => {
  if (!Token.isUnresolved(topic) && !TOPIC.test(topic)) {
    fail(prop, `'${topic}' is not a Kafka topic name (letters, digits, '.', '_', '-'; 1-249 characters)`);
  }
};

const checkRange = (prop: string, value: number | undefined, min: number, max: number): void => {
  if (value === undefined || Token.isUnresolved(value)) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    fail(prop, `must be an integer from ${min} to ${max} (got ${value})`);
  }
};

/** Checks the cluster choice and the authentication that goes with it. */
export const validateSource = (
  props: KafkaInferenceStreamProps,
): { source: StreamSource; auth: KafkaAuthentication } => {
  const { clusterArn, bootstrapServers } = props;
  if ((clusterArn === undefined) === (bootstrapServers === undefined)) {
    fail(
      'clusterArn',
      'and bootstrapServers: give exactly one, clusterArn for MSK or bootstrapServers for self-managed Kafka',
    );
  }
  if (clusterArn !== undefined) {
    const auth = props.authentication ?? KafkaAuthentication.iam();
    if (auth.kind === 'scram-sha-256')
      fail('authentication', 'SCRAM-SHA-256 is not offered by MSK; use sha-512');
    return { source: { kind: 'msk', clusterArn }, auth };
  }
  const servers = bootstrapServers ?? [];
  if (servers.length === 0) fail('bootstrapServers', 'must list at least one host:port');
  for (const server of servers) {
    if (!Token.isUnresolved(server) && !BROKER.test(server))
      fail('bootstrapServers', `'${server}' is not host:port`);
  }
  const auth = props.authentication ?? KafkaAuthentication.none();
  if (auth.kind === 'iam') fail('authentication', 'IAM is only for MSK; give clusterArn or use SCRAM / mTLS');
  return { source: { kind: 'self-managed', bootstrapServers: servers }, auth };
};

/**
 * Throws for props that cannot deploy or would deploy a broken stream; warns for the doubtful.
 * The L2 `EventSourceMapping` re-checks some ranges, but its messages do not name our props.
 */
export const validateProps = (
  scope: Construct,
  props: KafkaInferenceStreamProps,
  resolved: { source: StreamSource; auth: KafkaAuthentication; errorTopic: string },
): void => {
  const { source, auth, errorTopic } = resolved;
  const warn = (id: string, message: string) =>
    Annotations.of(scope).addWarningV2(`msk-inference:${id}`, message);

  checkTopic('inputTopic', props.inputTopic);
  checkTopic('outputTopic', props.outputTopic);
  checkTopic('errorTopic', errorTopic);
  if (new Set([props.inputTopic, props.outputTopic, errorTopic]).size !== 3) {
    fail('errorTopic', 'inputTopic, outputTopic and errorTopic must be three different topics');
  }

  checkRange('batchSize', props.batchSize, 1, 10_000);
  checkRange('retryAttempts', props.retryAttempts === -1 ? undefined : props.retryAttempts, 0, 10_000);
  checkRange('memorySize', props.memorySize, 128, 10_240);
  if (props.maxBatchingWindow && props.maxBatchingWindow.toSeconds() > 300) {
    fail('maxBatchingWindow', `must be at most 5 minutes (got ${props.maxBatchingWindow.toHumanString()})`);
  }
  const atTimestamp = props.startingPosition === StartingPosition.AT_TIMESTAMP;
  if (atTimestamp && props.startingPositionTimestamp === undefined) {
    fail('startingPositionTimestamp', 'is required when startingPosition is AT_TIMESTAMP');
  }
  if (!atTimestamp && props.startingPositionTimestamp !== undefined) {
    fail('startingPositionTimestamp', 'is only allowed when startingPosition is AT_TIMESTAMP');
  }

  const timeout = props.timeout ?? Duration.seconds(60);
  if (timeout.toMilliseconds() <= HANDLER_SAFETY_MARGIN.toMilliseconds()) {
    fail('timeout', `must exceed the handler's ${HANDLER_SAFETY_MARGIN.toHumanString()} safety margin`);
  }
  if (timeout.toSeconds() > MAX_KAFKA_FUNCTION_TIMEOUT.toSeconds()) {
    fail('timeout', 'must be at most 14 minutes: Kafka event source mappings reject longer functions');
  }
  if (
    props.modelTimeout &&
    props.modelTimeout.plus(HANDLER_SAFETY_MARGIN).toSeconds() >= timeout.toSeconds()
  ) {
    warn(
      'modelTimeout',
      'modelTimeout plus the 3-second safety margin leaves no time for a batch; raise timeout',
    );
  }

  const protocol = props.protocol ?? 'seldon';
  if (protocol !== 'seldon' && props.modelName === undefined) {
    fail('modelName', `is required for protocol ${protocol}: it is part of the model's request path`);
  }
  if (protocol !== 'seldon' && props.seldonApi !== undefined) {
    warn('seldonApi', `seldonApi applies to the seldon protocol only; ignored for ${protocol}`);
  }

  if (props.tls === false && source.kind === 'msk' && auth.kind !== 'none') {
    fail('tls', `cannot be false: MSK ${auth.kind} authentication runs over TLS only`);
  }
  const failure = props.onFailure;
  if (failure?.kind === 'kafka') {
    checkTopic('onFailure', failure.target);
    if (failure.target === props.inputTopic)
      fail('onFailure', 'topic must differ from inputTopic (Lambda refuses loops)');
  }

  if (props.vpc === undefined && (props.vpcSubnets !== undefined || props.securityGroups !== undefined)) {
    fail('vpcSubnets', 'and securityGroups need vpc');
  }
  if (source.kind === 'msk' && props.vpc === undefined) {
    warn(
      'mskWithoutVpc',
      'the handler publishes to MSK itself; outside a VPC it reaches only brokers with public access. Set vpc.',
    );
  }
  if (source.kind === 'self-managed' && props.vpc === undefined && auth.kind === 'none') {
    warn(
      'unauthenticatedInternetBrokers',
      'self-managed brokers reached over the internet without authentication',
    );
  }
  const errorControls =
    (props.reportBatchItemFailures ?? true) ||
    props.retryAttempts !== undefined ||
    props.maxRecordAge !== undefined ||
    props.bisectBatchOnError === true;
  if (errorControls && props.provisionedPollers === undefined) {
    warn(
      'errorHandlingNeedsProvisionedMode',
      'Lambda applies Kafka error-handling controls (reportBatchItemFailures, retryAttempts, maxRecordAge, ' +
        'bisectBatchOnError) to mappings in provisioned mode; set provisionedPollers. ' +
        'See https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html',
    );
  }
};
