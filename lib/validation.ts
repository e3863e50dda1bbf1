import { Annotations, Duration, Token } from 'aws-cdk-lib';
import { StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import {
  BROKER_ADDRESS,
  CLIENT_ID,
  DEFAULTS,
  TOPIC_NAME,
  TOPIC_NAME_RULE,
  topicsClash,
} from '../functions/stream-inference/contract.js';
import { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import type { EventPollers } from './event-pollers.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import type { KafkaInferenceStreamProps } from './props.js';

/** The handler keeps this much of its deadline to publish and return (`SAFETY_MARGIN_MS` default). */
export const HANDLER_SAFETY_MARGIN = Duration.millis(DEFAULTS.safetyMarginMs);

/** Where the records come from, after validation. */
export type StreamSource =
  | { readonly kind: 'msk'; readonly clusterArn: string }
  | { readonly kind: 'self-managed'; readonly bootstrapServers: string[] };

const fail = (prop: string, message: string): never => {
  throw new StreamConfigError(prop, message);
};

const checkTopic = (prop: string, topic: string): void => {
  if (!Token.isUnresolved(topic) && !TOPIC_NAME.test(topic)) {
    fail(prop, `'${topic}' is not a Kafka topic name (${TOPIC_NAME_RULE})`);
  }
};

const checkRange = (
  prop: string,
  value: number | undefined,
  { min, max }: { readonly min: number; readonly max: number },
): void => {
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
    if (!Token.isUnresolved(server) && !BROKER_ADDRESS.test(server))
      fail('bootstrapServers', `'${server}' is not host:port`);
  }
  const auth = props.authentication ?? KafkaAuthentication.none();
  if (auth.kind === 'iam') fail('authentication', 'IAM is only for MSK; give clusterArn or use SCRAM / mTLS');
  if (auth.kind === 'none' && props.vpc === undefined) {
    fail(
      'authentication',
      'and vpc: self-managed brokers without authentication must be reached through vpc; over the internet ' +
        'Lambda needs a secret (KafkaAuthentication.scram or .mtls), as SelfManagedKafkaEventSource does',
    );
  }
  return { source: { kind: 'self-managed', bootstrapServers: servers }, auth };
};

/**
 * Throws for props that cannot deploy or would deploy a broken stream; warns for the doubtful.
 * The L2 `EventSourceMapping` re-checks some ranges, but its messages do not name our props.
 */
export const validateProps = (
  scope: Construct,
  props: KafkaInferenceStreamProps,
  resolved: { source: StreamSource; auth: KafkaAuthentication; errorTopic: string; pollers: EventPollers },
): void => {
  const { source, auth, errorTopic, pollers } = resolved;
  const warn = (id: string, message: string) =>
    Annotations.of(scope).addWarningV2(`msk-inference:${id}`, message);

  checkTopic('inputTopic', props.inputTopic);
  checkTopic('outputTopic', props.outputTopic);
  checkTopic('errorTopic', errorTopic);
  const clash = topicsClash({ input: props.inputTopic, output: props.outputTopic, error: errorTopic });
  if (clash !== undefined) fail(clash.topic === 'output' ? 'outputTopic' : 'errorTopic', clash.problem);

  checkRange('batchSize', props.batchSize, LAMBDA_LIMITS.batchSize);
  checkRange(
    'retryAttempts',
    props.retryAttempts === -1 ? undefined : props.retryAttempts,
    LAMBDA_LIMITS.retryAttempts,
  );
  checkRange('memorySize', props.memorySize, LAMBDA_LIMITS.memoryMb);
  const batchingWindow = props.maxBatchingWindow;
  if (
    batchingWindow &&
    !Token.isUnresolved(batchingWindow) &&
    batchingWindow.toSeconds() > LAMBDA_LIMITS.maxBatchingWindowSeconds
  ) {
    fail('maxBatchingWindow', `must be at most 5 minutes (got ${batchingWindow.toHumanString()})`);
  }
  checkPollers(props, pollers);
  checkFilters(props.filters);
  const clientId = props.clientId;
  if (clientId !== undefined && !Token.isUnresolved(clientId) && !CLIENT_ID.test(clientId)) {
    fail('clientId', `'${clientId}' may hold letters, digits, '.', '_', '-' only (1-200 characters)`);
  }
  const maxRecordBytes = props.environment?.['MAX_RECORD_BYTES'];
  if (maxRecordBytes !== undefined && Number(maxRecordBytes) > LAMBDA_LIMITS.invocationPayloadBytes) {
    fail(
      'environment',
      `MAX_RECORD_BYTES ${maxRecordBytes} exceeds Lambda's 6 MB (${LAMBDA_LIMITS.invocationPayloadBytes}-byte) ` +
        'invocation payload: no such record ever reaches the function',
    );
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
  if (timeout.toSeconds() > LAMBDA_LIMITS.kafkaFunctionTimeoutSeconds) {
    const over =
      timeout.toSeconds() > LAMBDA_LIMITS.functionTimeoutSeconds ? ' (and Lambda stops any at 15)' : '';
    fail('timeout', `must be at most 14 minutes: Kafka event source mappings reject longer functions${over}`);
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

/**
 * Provisioned mode's bounds, and on demand no error-handling control: Lambda offers those to
 * provisioned mappings only, and a handler reporting item failures to a mapping that ignores them
 * would have its failed records committed.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
const checkPollers = (props: KafkaInferenceStreamProps, pollers: EventPollers): void => {
  if (pollers.mode === 'on-demand') {
    const controls = {
      reportBatchItemFailures: props.reportBatchItemFailures === true,
      retryAttempts: props.retryAttempts !== undefined,
      maxRecordAge: props.maxRecordAge !== undefined,
      bisectBatchOnError: props.bisectBatchOnError === true,
    };
    for (const [prop, given] of Object.entries(controls)) {
      if (given)
        fail(
          prop,
          'needs provisioned pollers: Lambda offers Kafka error-handling controls in provisioned mode only (pollers is EventPollers.onDemand())',
        );
    }
    return;
  }
  const { minimumPollers, maximumPollers } = pollers.config ?? {};
  checkRange('pollers', minimumPollers, LAMBDA_LIMITS.minimumPollers);
  checkRange('pollers', maximumPollers, LAMBDA_LIMITS.maximumPollers);
  const known = (n: number | undefined): n is number => n !== undefined && !Token.isUnresolved(n);
  if (known(minimumPollers) && known(maximumPollers) && minimumPollers > maximumPollers) {
    fail('pollers', `minimumPollers (${minimumPollers}) must not exceed maximumPollers (${maximumPollers})`);
  }
};

/**
 * Each filter must be what `FilterCriteria.filter(...)` returns, `{ pattern: '<JSON object>' }`:
 * the L2 mapping passes any other object on as an empty filter.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_Filter.html
 */
const checkFilters = (filters: KafkaInferenceStreamProps['filters']): void => {
  (filters ?? []).forEach((filter, i) => {
    const prop = `filters[${i}]`;
    const hint = "must be FilterCriteria.filter(...) output, { pattern: '<JSON>' }";
    const keys = Object.keys(filter);
    const pattern = filter['pattern'];
    if (keys.length !== 1 || typeof pattern !== 'string') {
      fail(prop, `${hint}; got keys ${keys.join(', ') || '(none)'}`);
    }
    if (Token.isUnresolved(pattern)) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(pattern as string);
    } catch {
      fail(prop, `${hint}; its pattern is not JSON`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      fail(prop, `${hint}; its pattern is not a JSON object`);
    }
  });
};
