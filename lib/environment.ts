import { Token } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import { LAMBDA_LIMITS } from './lambda-limits.js';
import type { KafkaInferenceStreamProps } from './props.js';
import type { StreamSource } from './validation.js';

/** The handler's `KAFKA_CLIENT_ID` default (functions/stream-inference/config.ts); the construct's prefix. */
export const DEFAULT_KAFKA_CLIENT_ID = 'msk-inference';

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
  `${DEFAULT_KAFKA_CLIENT_ID}-${scope.node.addr.slice(-8)}`;

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
  const protocol = props.protocol ?? 'seldon';
  const environment: Record<string, string> = {
    // Brokers come from configuration, never from an event (docs/security.md): for MSK the handler
    // looks them up once, for the authentication's listener, with the cluster's GetBootstrapBrokers.
    ...(source.kind === 'self-managed'
      ? { KAFKA_BROKER: source.bootstrapServers.join(',') }
      : { MSK_CLUSTER_ARN: source.clusterArn }),
    KAFKA_INPUT_TOPIC: props.inputTopic,
    KAFKA_OUTPUT_TOPIC: props.outputTopic,
    KAFKA_ERROR_TOPIC: inputs.errorTopic,
    KAFKA_AUTH: auth.kind,
    KAFKA_TLS: String(props.tls ?? auth.kind !== 'none'),
    ...(auth.secret ? { KAFKA_SECRET_ARN: auth.secret.secretArn } : {}),
    KAFKA_CLIENT_ID: inputs.clientId,
    ...(props.transactional ? { KAFKA_TRANSACTIONAL: 'true' } : {}),
    MODEL_ENDPOINT: inputs.modelEndpoint,
    ...(props.modelName ? { MODEL_NAME: props.modelName } : {}),
    PROTOCOL: protocol,
    TRANSPORT: props.transport ?? 'rest',
    ...(protocol === 'seldon' ? { SELDON_API: props.seldonApi ?? 'graph' } : {}),
    ...(props.modelTimeout ? { MODEL_TIMEOUT_MS: String(props.modelTimeout.toMilliseconds()) } : {}),
    REPORT_BATCH_ITEM_FAILURES: String(inputs.reportBatchItemFailures),
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
