import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DEFAULTS, ENV } from '../functions/stream-inference/contract.js';
import type { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import type { KafkaSourceConfig } from './kafka-source.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import type { KafkaInferenceStreamProps } from './props.js';
import { tuningEnvironment } from './tuning.js';

/**
 * The prop that stands for each of the handler's variables; `environment` may not set those, given
 * or not. Null for the two without a prop, which `environment` may set. Typed over the whole
 * contract, so a variable added there must be placed here.
 */
const PROP_OF_VARIABLE = {
  kafkaBroker: 'source',
  mskClusterArn: 'source',
  kafkaRootCaSecretArn: 'source',
  inputTopic: 'inputTopic',
  outputTopic: 'outputTopic',
  errorTopic: 'errorTopic',
  kafkaAuth: 'authentication',
  kafkaTls: 'tls',
  kafkaSecretArn: 'authentication',
  kafkaClientId: 'clientId',
  kafkaCompression: null,
  kafkaTransactional: 'transactional',
  kafkaTransactionTimeoutMs: 'timeout',
  modelEndpoint: 'modelEndpoint',
  modelName: 'modelName',
  protocol: 'protocol',
  transport: 'transport',
  seldonApi: 'seldonApi',
  modelTimeoutMs: 'modelTimeout',
  modelConcurrency: 'modelConcurrency',
  coalesceMaxRecords: 'coalesce',
  reportBatchItemFailures: 'reportBatchItemFailures',
  safetyMarginMs: 'safetyMargin',
  retryBaseMs: 'retryBaseDelay',
  retryMaxMs: 'retryMaxDelay',
  maxRecordBytes: 'maxRecordBytes',
  logPayloads: null,
  tracing: 'tracing',
  schemaRecordFormat: 'schemaRegistry',
} as const satisfies Record<keyof typeof ENV, keyof KafkaInferenceStreamProps | null>;

const PROP_BY_NAME: ReadonlyMap<string, string> = new Map(
  Object.entries(PROP_OF_VARIABLE).flatMap(([key, prop]) =>
    prop === null ? [] : [[ENV[key as keyof typeof ENV], prop]],
  ),
);

/**
 * The stream's own client id, `msk-inference-<8 hex digits of the construct's address>`. The
 * transactional ids start with it, and so does the role's transactional-id grant under MSK IAM: one
 * default shared by every stream would let each use the others' ids. The address is a hash of the
 * construct path, so the id stays put while the path does.
 *
 * @example
 * defaultClientId(stream); // 'msk-inference-3f9a0c12'
 */
export const defaultClientId = (scope: IConstruct): string =>
  `${DEFAULTS.clientId}-${scope.node.addr.slice(-8)}`;

/**
 * The producer's transaction timeout: no longer than the function's timeout, since a transaction
 * never outlives the invocation that opens it (its publish ends before the function times out), and
 * no longer than Kafka's default. A transaction nobody fences (its partition gets no more batches)
 * is aborted by the broker after it, so read_committed readers of the output are not held longer.
 *
 * @example
 * transactionTimeoutMs(30_000); // 30_000
 */
export const transactionTimeoutMs = (functionTimeoutMs: number): number =>
  Math.min(functionTimeoutMs, DEFAULTS.transactionTimeoutMs);

/** What the environment is built from, once the props are validated and defaulted. */
export interface HandlerEnvironmentInputs {
  readonly source: KafkaSourceConfig;
  readonly auth: KafkaAuthentication;
  readonly errorTopic: string;
  readonly modelEndpoint: string;
  readonly reportBatchItemFailures: boolean;
  readonly clientId: string;
  /** The function's timeout, in milliseconds. */
  readonly timeoutMs: number;
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

/**
 * The handler's configuration, in the variable names it reads at cold start
 * (functions/stream-inference/config.ts); only the ones that apply are set. The user's extra
 * `environment` may add variables, but none a prop stands for.
 *
 * @example
 * const env = handlerEnvironment(props, inputs); // { KAFKA_INPUT_TOPIC: 'iris-input', … }
 */
export const handlerEnvironment = (
  props: KafkaInferenceStreamProps,
  inputs: HandlerEnvironmentInputs,
): Record<string, string> => {
  const { source, auth } = inputs;
  const protocol = props.protocol ?? DEFAULTS.protocol;
  const environment: Record<string, string> = {
    // Brokers come from configuration, never from an event (docs/security.md): for MSK the handler
    // looks them up once, for the authentication's listener, with the cluster's GetBootstrapBrokers.
    ...(source.kind === 'self-managed'
      ? { [ENV.kafkaBroker]: source.bootstrapServers.join(',') }
      : { [ENV.mskClusterArn]: source.clusterArn }),
    ...(source.kind === 'self-managed' && source.rootCa
      ? { [ENV.kafkaRootCaSecretArn]: source.rootCa.secret.secretArn }
      : {}),
    [ENV.inputTopic]: props.inputTopic,
    [ENV.outputTopic]: props.outputTopic,
    [ENV.errorTopic]: inputs.errorTopic,
    [ENV.kafkaAuth]: auth.kind,
    [ENV.kafkaTls]: String(props.tls ?? defaultTls(source, auth)),
    ...(auth.secret ? { [ENV.kafkaSecretArn]: auth.secret.secretArn } : {}),
    [ENV.kafkaClientId]: inputs.clientId,
    ...(props.transactional
      ? {
          [ENV.kafkaTransactional]: 'true',
          [ENV.kafkaTransactionTimeoutMs]: String(transactionTimeoutMs(inputs.timeoutMs)),
        }
      : {}),
    ...(props.tracing ? { [ENV.tracing]: 'true' } : {}),
    ...(props.schemaRegistry ? { [ENV.schemaRecordFormat]: props.schemaRegistry.recordFormat } : {}),
    [ENV.modelEndpoint]: inputs.modelEndpoint,
    ...(props.modelName ? { [ENV.modelName]: props.modelName } : {}),
    [ENV.protocol]: protocol,
    [ENV.transport]: props.transport ?? DEFAULTS.transport,
    ...(protocol === 'seldon' ? { [ENV.seldonApi]: props.seldonApi ?? DEFAULTS.seldonApi } : {}),
    ...tuningEnvironment(props),
    [ENV.reportBatchItemFailures]: String(inputs.reportBatchItemFailures),
    POWERTOOLS_SERVICE_NAME: inputs.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: inputs.metricsNamespace,
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const name of Object.keys(props.environment ?? {})) {
    const prop = PROP_BY_NAME.get(name);
    if (prop !== undefined)
      throw new StreamConfigError('environment', `may not set ${name}: the construct sets it from ${prop}`);
    if (name in environment)
      throw new StreamConfigError('environment', `may not set ${name}: the construct sets it`);
  }
  const all = { ...props.environment, ...environment };
  const bytes = environmentBytes(all);
  if (bytes > LAMBDA_LIMITS.environmentBytes) {
    throw new StreamConfigError(
      'environment',
      `and the construct's variables measure at least ${bytes} bytes as Lambda counts them (their JSON), ` +
        `over Lambda's ${LAMBDA_LIMITS.environmentBytes}-byte (4 KB) limit`,
    );
  }
  return all;
};

/**
 * TLS whenever something is there to protect or verify: credentials, or a private root CA the
 * brokers' certificates chain to (which only TLS can check).
 */
const defaultTls = (source: KafkaSourceConfig, auth: KafkaAuthentication): boolean =>
  auth.kind !== 'none' || (source.kind === 'self-managed' && source.rootCa !== undefined);

/**
 * The size Lambda checks against its 4 KB limit: the UTF-8 JSON of the whole map (its error quotes
 * that string as "String measured"). A value known only at deploy time counts as empty, so this
 * is a lower bound.
 */
const environmentBytes = (env: Record<string, string>): number =>
  Buffer.byteLength(
    JSON.stringify(
      Object.fromEntries(Object.entries(env).map(([k, v]) => [k, Token.isUnresolved(v) ? '' : v])),
    ),
    'utf8',
  );
