import type { KafkaAuthentication } from './authentication.js';
import { StreamConfigError } from './errors.js';
import type { KafkaInferenceStreamProps } from './props.js';
import type { StreamSource } from './validation.js';

/** What the environment is built from, once the props are validated and defaulted. */
export interface HandlerEnvironmentInputs {
  readonly source: StreamSource;
  readonly auth: KafkaAuthentication;
  readonly errorTopic: string;
  readonly modelEndpoint: string;
  readonly reportBatchItemFailures: boolean;
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
    // For MSK the handler takes the brokers from the event, which match the authentication's port.
    ...(source.kind === 'self-managed' ? { KAFKA_BROKER: source.bootstrapServers.join(',') } : {}),
    KAFKA_INPUT_TOPIC: props.inputTopic,
    KAFKA_OUTPUT_TOPIC: props.outputTopic,
    KAFKA_ERROR_TOPIC: inputs.errorTopic,
    KAFKA_AUTH: auth.kind,
    KAFKA_TLS: String(props.tls ?? auth.kind !== 'none'),
    ...(auth.secret ? { KAFKA_SECRET_ARN: auth.secret.secretArn } : {}),
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
  return { ...props.environment, ...environment };
};
