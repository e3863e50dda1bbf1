import type { GetBootstrapBrokersCommandOutput } from '@aws-sdk/client-kafka';
import type { KafkaConfig } from '../config.js';
import { ConfigError, FailureKind, RecordFailure } from '../failures.js';

/** The fields of GetBootstrapBrokers' answer this function can connect through. */
export type ListenerField = keyof Pick<
  GetBootstrapBrokersCommandOutput,
  | 'BootstrapBrokerString'
  | 'BootstrapBrokerStringTls'
  | 'BootstrapBrokerStringSaslScram'
  | 'BootstrapBrokerStringSaslIam'
>;

/**
 * The cluster's listener the producer's authentication speaks to. MSK runs one listener per
 * authentication, each on its own port (plaintext 9092, TLS 9094, SCRAM 9096, IAM 9098), and
 * GetBootstrapBrokers answers one broker string per listener.
 *
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/port-info.html
 * @example
 * listenerFor({ auth: 'iam', tls: true }); // 'BootstrapBrokerStringSaslIam'
 */
export const listenerFor = (kafka: Pick<KafkaConfig, 'auth' | 'tls'>): ListenerField => {
  switch (kafka.auth) {
    case 'iam':
      return 'BootstrapBrokerStringSaslIam';
    case 'scram-sha-256':
    case 'scram-sha-512':
      return 'BootstrapBrokerStringSaslScram';
    case 'mtls':
      return 'BootstrapBrokerStringTls';
    case 'none':
      return kafka.tls ? 'BootstrapBrokerStringTls' : 'BootstrapBrokerString';
  }
};

/** The SDK makes this many attempts per lookup (its own backoff); the handler retries a failed lookup once more. */
const SDK_ATTEMPTS = 3;

/**
 * Asks Amazon MSK for the cluster's bootstrap brokers on the listener `listenerFor` names. A
 * refusal that retrying cannot cure (no such listener, no permission, no such cluster) is a
 * `ConfigError` naming MSK_CLUSTER_ARN or KAFKA_AUTH; anything else (throttling, 5xx, network) is
 * a `RecordFailure` of kind `publish`.
 *
 * @see https://docs.aws.amazon.com/msk/1.0/apireference/clusters-clusterarn-bootstrap-brokers.html
 * @example
 * const brokers = await lookupBootstrapBrokers(clusterArn, { auth: 'iam', tls: true });
 * // ['b-1.demo.abc123.c2.kafka.us-east-1.amazonaws.com:9098', …]
 */
export const lookupBootstrapBrokers = async (
  clusterArn: string,
  kafka: Pick<KafkaConfig, 'auth' | 'tls'>,
): Promise<string[]> => {
  // Set at bundling (lib/bundling.ts): a deployment with KAFKA_BROKER leaves the Kafka client out.
  // The import sits inside the check, not after a throw: esbuild drops a dead branch, not the code
  // that follows a throw.
  if (process.env.MSK_INFERENCE_BUNDLE_CLUSTER_LOOKUP !== 'false') {
    return askForBrokers(clusterArn, kafka, await import('@aws-sdk/client-kafka'));
  }
  throw new ConfigError(
    'MSK_CLUSTER_ARN',
    'asks for a broker lookup, but this function was bundled with KAFKA_BROKER set: deploy it again',
  );
};

const askForBrokers = async (
  clusterArn: string,
  kafka: Pick<KafkaConfig, 'auth' | 'tls'>,
  { GetBootstrapBrokersCommand, KafkaClient }: typeof import('@aws-sdk/client-kafka'),
): Promise<string[]> => {
  // The cluster's own region: the API answers only there. AWS_ENDPOINT_URL_KAFKA still overrides the endpoint.
  const region = clusterArn.split(':')[3];
  const client = new KafkaClient({
    ...(region === undefined ? {} : { region }),
    maxAttempts: SDK_ATTEMPTS,
    requestHandler: { connectionTimeout: 3_000, requestTimeout: 5_000 },
  });
  let answer: GetBootstrapBrokersCommandOutput;
  try {
    answer = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
  } catch (cause) {
    throw classifyLookupError(cause);
  } finally {
    client.destroy();
  }
  const field = listenerFor(kafka);
  const brokers = (answer[field] ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b !== '');
  if (brokers.length === 0) {
    throw new ConfigError(
      'KAFKA_AUTH',
      `the cluster MSK_CLUSTER_ARN names has no listener for KAFKA_AUTH ${kafka.auth}` +
        `${kafka.auth === 'none' ? ` with KAFKA_TLS ${kafka.tls}` : ''} (GetBootstrapBrokers answered no ${field})`,
    );
  }
  return brokers;
};

/** Programming errors fail fast instead of being retried (as KafkaJS' `isErrorRetriable`). */
const BUGS = [TypeError, RangeError, ReferenceError, SyntaxError];

const classifyLookupError = (cause: unknown): Error => {
  if (BUGS.some((kind) => cause instanceof kind)) return cause as Error;
  const name = cause instanceof Error ? cause.name : 'Error';
  const message = cause instanceof Error ? cause.message : String(cause);
  const status = (cause as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    const hint =
      status === 401 || status === 403
        ? "; the function's role needs kafka:GetBootstrapBrokers on this cluster"
        : status === 404
          ? '; no such cluster in that account and region'
          : '';
    return Object.assign(
      new ConfigError(
        'MSK_CLUSTER_ARN',
        `GetBootstrapBrokers was refused (${name}, HTTP ${status}: ${message})${hint}`,
      ),
      { cause },
    );
  }
  return new RecordFailure(`GetBootstrapBrokers failed (${name}): ${message}`, {
    kind: FailureKind.publish,
    cause,
  });
};
