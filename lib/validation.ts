import { Annotations, Token } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  BROKER_ADDRESS,
  CLIENT_ID,
  PROTOCOLS,
  SELDON_APIS,
  TOPIC_NAME,
  TOPIC_NAME_RULE,
  TRANSPORTS,
  topicsClash,
} from '../functions/stream-inference/contract.js';
import { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import type { EventPollers } from './event-pollers.js';
import type { KafkaSourceConfig } from './kafka-source.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import { checkRange, validateMapping } from './mapping-validation.js';
import type { KafkaInferenceStreamProps } from './props.js';
import { safetyMarginOf, validateTuning } from './tuning.js';

const fail = (prop: string, message: string): never => {
  throw new StreamConfigError(prop, message);
};

const checkTopic = (prop: string, topic: string): void => {
  if (!Token.isUnresolved(topic) && !TOPIC_NAME.test(topic)) {
    fail(prop, `'${topic}' is not a Kafka topic name (${TOPIC_NAME_RULE})`);
  }
};

const checkOneOf = (prop: string, value: string | undefined, allowed: readonly string[]): void => {
  if (value !== undefined && !Token.isUnresolved(value) && !allowed.includes(value)) {
    fail(prop, `'${value}' is not one of ${allowed.join(', ')}`);
  }
};

/**
 * Checks the source and the authentication that goes with it: the brokers' grammar, IAM for MSK
 * only, SCRAM-SHA-256 for self-managed Kafka only, no unauthenticated brokers over the internet.
 *
 * @example
 * const { source, auth } = validateSource(props); // auth: KafkaAuthentication.iam() for an MSK source
 */
export const validateSource = (
  props: KafkaInferenceStreamProps,
): { source: KafkaSourceConfig; auth: KafkaAuthentication } => {
  const source = props.source?.config;
  if (source === undefined) {
    return fail(
      'source',
      'is required: KafkaSource.msk(clusterArn) or KafkaSource.selfManaged({ bootstrapServers })',
    );
  }
  if (source.kind === 'msk') {
    const auth = props.authentication ?? KafkaAuthentication.iam();
    if (auth.kind === 'scram-sha-256')
      fail('authentication', 'SCRAM-SHA-256 is not offered by MSK; use sha-512');
    return { source, auth };
  }
  if (source.bootstrapServers.length === 0)
    fail('source', 'bootstrapServers must list at least one host:port');
  for (const server of source.bootstrapServers) {
    if (!Token.isUnresolved(server) && !BROKER_ADDRESS.test(server))
      fail('source', `bootstrapServers '${server}' is not host:port`);
  }
  const auth = props.authentication ?? KafkaAuthentication.none();
  if (auth.kind === 'iam')
    fail('authentication', 'IAM is only for MSK; use KafkaSource.msk(clusterArn), or SCRAM / mTLS');
  if (auth.kind === 'none' && props.vpc === undefined) {
    fail(
      'authentication',
      'and vpc: self-managed brokers without authentication must be reached through vpc; over the internet ' +
        'Lambda needs a secret (KafkaAuthentication.scram or .mtls), as SelfManagedKafkaEventSource does',
    );
  }
  if (source.rootCa !== undefined && props.tls === false) {
    fail(
      'tls',
      'cannot be false with a rootCaCertificate: the producer checks the brokers against it over TLS',
    );
  }
  return { source, auth };
};

/**
 * Throws for props that cannot deploy or would deploy a broken stream; warns for the doubtful.
 * The L2 `EventSourceMapping` re-checks some ranges, but its messages do not name our props.
 */
export const validateProps = (
  scope: Construct,
  props: KafkaInferenceStreamProps,
  resolved: {
    source: KafkaSourceConfig;
    auth: KafkaAuthentication;
    errorTopic: string;
    pollers: EventPollers;
  },
): void => {
  const { source, auth, errorTopic, pollers } = resolved;
  const warn = (id: string, message: string) =>
    Annotations.of(scope).addWarningV2(`msk-inference:${id}`, message);

  checkTopic('inputTopic', props.inputTopic);
  checkTopic('outputTopic', props.outputTopic);
  checkTopic('errorTopic', errorTopic);
  const clash = topicsClash({ input: props.inputTopic, output: props.outputTopic, error: errorTopic });
  if (clash !== undefined) fail(clash.topic === 'output' ? 'outputTopic' : 'errorTopic', clash.problem);

  validateMapping(props, pollers, warn);
  checkRange('memorySize', props.memorySize, LAMBDA_LIMITS.memoryMb);
  const clientId = props.clientId;
  if (clientId !== undefined && !Token.isUnresolved(clientId) && !CLIENT_ID.test(clientId)) {
    fail('clientId', `'${clientId}' may hold letters, digits, '.', '_', '-' only (1-200 characters)`);
  }
  const atTimestamp = props.startingPosition === StartingPosition.AT_TIMESTAMP;
  if (atTimestamp && props.startingPositionTimestamp === undefined) {
    fail('startingPositionTimestamp', 'is required when startingPosition is AT_TIMESTAMP');
  }
  if (!atTimestamp && props.startingPositionTimestamp !== undefined) {
    fail('startingPositionTimestamp', 'is only allowed when startingPosition is AT_TIMESTAMP');
  }

  checkOneOf('protocol', props.protocol, PROTOCOLS);
  checkOneOf('transport', props.transport, TRANSPORTS);
  checkOneOf('seldonApi', props.seldonApi, SELDON_APIS);
  validateTuning(props, props.transport ?? 'rest');
  if (props.schemaRegistry?.recordFormat === 'json' && (props.transport ?? 'rest') !== 'rest') {
    fail(
      'schemaRegistry',
      "delivers records decoded to JSON (EventRecordFormat.JSON), which are REST requests: it needs transport 'rest'",
    );
  }
  checkTimeouts(props, warn);

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
  if (source.kind === 'msk' && auth.kind.startsWith('scram')) checkScramKey(auth, warn);
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
};

/** The function's timeout against Lambda's limits for Kafka, the safety margin and the model's timeout. */
const checkTimeouts = (
  props: KafkaInferenceStreamProps,
  warn: (id: string, message: string) => void,
): void => {
  const timeoutMs = props.timeout?.toMilliseconds() ?? 60_000;
  const timeout = timeoutMs / 1000;
  const margin = safetyMarginOf(props);
  if (timeoutMs <= margin.toMilliseconds()) {
    fail('timeout', `must exceed the handler's ${margin.toHumanString()} safety margin (safetyMargin)`);
  }
  if (timeout > LAMBDA_LIMITS.kafkaFunctionTimeoutSeconds) {
    const over = timeout > LAMBDA_LIMITS.functionTimeoutSeconds ? ' (and Lambda stops any at 15)' : '';
    fail('timeout', `must be at most 14 minutes: Kafka event source mappings reject longer functions${over}`);
  }
  if (props.modelTimeout && props.modelTimeout.toMilliseconds() + margin.toMilliseconds() >= timeoutMs) {
    warn(
      'modelTimeout',
      `modelTimeout plus the ${margin.toHumanString()} safety margin leaves no time for a batch; raise timeout`,
    );
  }
};

/**
 * MSK refuses SCRAM secrets under the default `aws/secretsmanager` key, and the role can decrypt a
 * customer managed key only if the construct knows it. A `new Secret` without `encryptionKey` is
 * known to use the default key: that cannot work, so it fails. Of an imported secret without a key
 * nothing is known, so it warns.
 *
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/msk-password-limitations.html
 */
const checkScramKey = (auth: KafkaAuthentication, warn: (id: string, message: string) => void): void => {
  const { secret } = auth;
  if (secret && Secret.isSecret(secret) && secret.encryptionKey === undefined) {
    fail(
      'authentication',
      'the SCRAM secret is created with the default aws/secretsmanager key, which Amazon MSK refuses; ' +
        'create it with a customer managed encryptionKey',
    );
  }
  if (auth.encryptionKey === undefined) {
    warn(
      'scramSecretKey',
      'Amazon MSK requires the SCRAM secret to be encrypted with a customer managed KMS key, and the role ' +
        'needs kms:Decrypt on it: pass it as KafkaAuthentication.scram(secret, { encryptionKey })',
    );
  }
};
