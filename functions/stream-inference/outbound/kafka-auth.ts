import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from '../config.js';
import { ENV } from '../contract.js';
import { ConfigError } from '../failures.js';
import { described, parseJson } from '../reason.js';

type ConnectionOptions = Pick<KafkaJsConfig, 'ssl' | 'sasl'>;

/** The Secrets Manager client, imported on first use: only SCRAM, mTLS and a root CA need it. */
const loadSecretsManager = async (
  variable: string,
): Promise<typeof import('@aws-sdk/client-secrets-manager')> => {
  // Set at bundling to the deployment's KAFKA_AUTH and root CA (lib/bundling.ts): the bundle of a
  // deployment without a secret leaves the client out, so its cold start does not parse it.
  if (
    (process.env.MSK_INFERENCE_BUNDLE_KAFKA_AUTH !== 'none' &&
      process.env.MSK_INFERENCE_BUNDLE_KAFKA_AUTH !== 'iam') ||
    process.env.MSK_INFERENCE_BUNDLE_ROOT_CA !== 'false'
  ) {
    return import('@aws-sdk/client-secrets-manager');
  }
  throw new ConfigError(
    variable,
    'needs a secret, but this function was bundled without one: deploy it again',
  );
};

/** The MSK IAM signer, imported on first use: only KAFKA_AUTH iam needs it. */
const loadIamSigner = async (): Promise<typeof import('aws-msk-iam-sasl-signer-js')> => {
  // As above: only a bundle for IAM (or no bundle) holds the signer and its SDK credential chain.
  if (
    process.env.MSK_INFERENCE_BUNDLE_KAFKA_AUTH === undefined ||
    process.env.MSK_INFERENCE_BUNDLE_KAFKA_AUTH === 'iam'
  ) {
    return import('aws-msk-iam-sasl-signer-js');
  }
  throw new ConfigError('KAFKA_AUTH', 'is iam, but this function was bundled for another: deploy it again');
};

/** A Kafka secret's JSON object; errors name `variable`, the variable that gave its ARN. */
const readSecret = async (arn: string, variable = 'KAFKA_SECRET_ARN'): Promise<Record<string, unknown>> => {
  const { GetSecretValueCommand, SecretsManagerClient } = await loadSecretsManager(variable);
  const client = new SecretsManagerClient({});
  let text: string;
  try {
    text = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString ?? '{}';
  } finally {
    client.destroy();
  }
  // Neither the parse message (V8 quotes the input in it) nor the parse error as a cause: the
  // error becomes a publish failure's reason, and a cause travels with it.
  const parsed = parseJson(text);
  if (!parsed.ok) throw new ConfigError(variable, `the secret is not JSON (${parsed.reason})`);
  const secret = parsed.value;
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigError(variable, `the secret is ${described(secret)}, not a JSON object`);
  }
  return secret as Record<string, unknown>;
};

const field = (secret: Record<string, unknown>, name: string, variable = 'KAFKA_SECRET_ARN'): string => {
  const v = secret[name];
  if (typeof v !== 'string' || v === '') throw new ConfigError(variable, `the secret has no '${name}'`);
  return v;
};

/**
 * With KAFKA_ROOT_CA_SECRET_ARN, TLS trusts that root CA only (Node's `ca` replaces its defaults):
 * the same secret, in the same format, the event source mapping's `SERVER_ROOT_CA_CERTIFICATE` reads.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-cluster-auth.html#smaa-auth-ca-cert
 */
const withRootCa = async (kafka: KafkaConfig, options: ConnectionOptions): Promise<ConnectionOptions> => {
  if (kafka.rootCaSecretArn === undefined || options.ssl === false || options.ssl === undefined)
    return options;
  const variable = ENV.kafkaRootCaSecretArn;
  const ca = field(await readSecret(kafka.rootCaSecretArn, variable), 'certificate', variable);
  return { ...options, ssl: { ...(options.ssl === true ? {} : options.ssl), ca: [ca] } };
};

const authOptions = async (kafka: KafkaConfig): Promise<ConnectionOptions> => {
  switch (kafka.auth) {
    case 'none':
      return { ssl: kafka.tls };
    case 'iam': {
      const { generateAuthToken } = await loadIamSigner();
      const region = process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
      if (region === undefined) throw new ConfigError('AWS_REGION', 'is required for KAFKA_AUTH iam');
      const sasl: SASLOptions = {
        mechanism: 'oauthbearer',
        oauthBearerProvider: async () => ({ value: (await generateAuthToken({ region })).token }),
      };
      return { ssl: true, sasl };
    }
    case 'scram-sha-256':
    case 'scram-sha-512': {
      const secret = await readSecret(kafka.secretArn!);
      const credentials = { username: field(secret, 'username'), password: field(secret, 'password') };
      const sasl: SASLOptions =
        kafka.auth === 'scram-sha-256'
          ? { mechanism: 'scram-sha-256', ...credentials }
          : { mechanism: 'scram-sha-512', ...credentials };
      return { ssl: kafka.tls, sasl };
    }
    case 'mtls': {
      const secret = await readSecret(kafka.secretArn!);
      const passphrase = secret['privateKeyPassword'];
      return {
        ssl: {
          cert: field(secret, 'certificate'),
          key: field(secret, 'privateKey'),
          ...(typeof passphrase === 'string' ? { passphrase } : {}),
        },
      };
    }
  }
};

/**
 * The producer's TLS and SASL options for the configured authentication and root CA, in the same
 * secret formats the Lambda event source mapping reads (so one secret serves both).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html
 */
export const connectionOptions = async (kafka: KafkaConfig): Promise<ConnectionOptions> =>
  withRootCa(kafka, await authOptions(kafka));
