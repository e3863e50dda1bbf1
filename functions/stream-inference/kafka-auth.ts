import type { KafkaConfig as KafkaJsConfig, SASLOptions } from 'kafkajs';
import type { KafkaConfig } from './config.js';
import { ConfigError } from './errors.js';
import { described, parseJson } from './reason.js';

type ConnectionOptions = Pick<KafkaJsConfig, 'ssl' | 'sasl'>;

const readSecret = async (arn: string): Promise<Record<string, unknown>> => {
  // Loaded only for SCRAM and mTLS, so other deployments do not parse the SDK client at cold start.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
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
  if (!parsed.ok) throw new ConfigError('KAFKA_SECRET_ARN', `the secret is not JSON (${parsed.reason})`);
  const secret = parsed.value;
  if (typeof secret !== 'object' || secret === null || Array.isArray(secret)) {
    throw new ConfigError('KAFKA_SECRET_ARN', `the secret is ${described(secret)}, not a JSON object`);
  }
  return secret as Record<string, unknown>;
};

const field = (secret: Record<string, unknown>, name: string): string => {
  const v = secret[name];
  if (typeof v !== 'string' || v === '')
    throw new ConfigError('KAFKA_SECRET_ARN', `the secret has no '${name}'`);
  return v;
};

/**
 * The producer's TLS and SASL options for the configured authentication, in the same secret
 * formats the Lambda event source mapping reads (so one secret serves both).
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-configure.html
 */
export const connectionOptions = async (kafka: KafkaConfig): Promise<ConnectionOptions> => {
  switch (kafka.auth) {
    case 'none':
      return { ssl: kafka.tls };
    case 'iam': {
      // Loaded only for IAM so other deployments do not pay for the signer at cold start.
      const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
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
