import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { DEFAULTS, ENV } from '../functions/stream-inference/contract.js';
import type { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import type { KafkaInferenceStreamProps } from './props.js';
import type { StreamSource } from './validation.js';

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

/** What the environment is built from, once the props are validated and defaulted. */
export interface HandlerEnvironmentInputs {
  readonly source: StreamSource;
  readonly auth: KafkaAuthentication;
  readonly errorTopic: string;
  readonly modelEndpoint: string;
  readonly reportBatchItemFailures: boolean;
  readonly clientId: string;
  readonly serviceName: string;
  readonly metricsNamespace: string;
}

/**
 * The handler's configuration, in the variable names it reads at cold start
 * (functions/stream-inference/config.ts); only the ones that apply are set. The user's extra
 * `environment` may add variables but not replace these.
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
    [ENV.inputTopic]: props.inputTopic,
    [ENV.outputTopic]: props.outputTopic,
    [ENV.errorTopic]: inputs.errorTopic,
    [ENV.kafkaAuth]: auth.kind,
    [ENV.kafkaTls]: String(props.tls ?? auth.kind !== 'none'),
    ...(auth.secret ? { [ENV.kafkaSecretArn]: auth.secret.secretArn } : {}),
    [ENV.kafkaClientId]: inputs.clientId,
    ...(props.transactional ? { [ENV.kafkaTransactional]: 'true' } : {}),
    ...(props.tracing ? { [ENV.tracing]: 'true' } : {}),
    [ENV.modelEndpoint]: inputs.modelEndpoint,
    ...(props.modelName ? { [ENV.modelName]: props.modelName } : {}),
    [ENV.protocol]: protocol,
    [ENV.transport]: props.transport ?? DEFAULTS.transport,
    ...(protocol === 'seldon' ? { [ENV.seldonApi]: props.seldonApi ?? DEFAULTS.seldonApi } : {}),
    ...(props.modelTimeout ? { [ENV.modelTimeoutMs]: String(props.modelTimeout.toMilliseconds()) } : {}),
    [ENV.reportBatchItemFailures]: String(inputs.reportBatchItemFailures),
    POWERTOOLS_SERVICE_NAME: inputs.serviceName,
    POWERTOOLS_METRICS_NAMESPACE: inputs.metricsNamespace,
    NODE_OPTIONS: '--enable-source-maps',
  };
  for (const name of Object.keys(props.environment ?? {})) {
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
