import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { ConfigError } from '../../../functions/stream-inference/failures.js';
import { connectionOptions } from '../../../functions/stream-inference/outbound/kafka-auth.js';
import { awsJson } from '../../helpers/aws-fixtures.js';
import { fakeSecretsManager } from '../../helpers/secrets-manager.js';

// The secret as the Lambda guide documents it (test/fixtures/aws/README-esm.md): the mapping reads
// it as SERVER_ROOT_CA_CERTIFICATE, the producer as KAFKA_ROOT_CA_SECRET_ARN.
const DOCUMENTED = awsJson('kafka-server-root-ca-secret.json') as { certificate: string };
const ROOT_CA_ARN = 'arn:aws:secretsmanager:us-west-2:123456789012:secret:KafkaRootCa-a1b2c3';

const env = (more: Record<string, string>) => ({
  KAFKA_INPUT_TOPIC: 'in',
  KAFKA_OUTPUT_TOPIC: 'out',
  MODEL_ENDPOINT: 'http://127.0.0.1:1',
  PROTOCOL: 'v2',
  MODEL_NAME: 'iris',
  KAFKA_ROOT_CA_SECRET_ARN: ROOT_CA_ARN,
  ...more,
});

const withSecret = async (secretString: string) => {
  const sm = await fakeSecretsManager(secretString);
  vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
  vi.stubEnv('AWS_REGION', 'us-east-1');
  vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCALTEST');
  vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-test-secret');
  return sm;
};

afterEach(() => vi.unstubAllEnvs());

describe('a private root CA (KAFKA_ROOT_CA_SECRET_ARN)', () => {
  it('is the only CA the producer trusts, over TLS, without authentication', async () => {
    // Prepare
    const sm = await withSecret(JSON.stringify(DOCUMENTED));
    const config = loadConfig(env({}));

    // Act
    const options = await connectionOptions(config.kafka).finally(() => sm.close());

    // Assess: TLS is on by default with a root CA, and trusts exactly the secret's certificate
    expect(config.kafka.tls).toBe(true);
    expect(options).toEqual({ ssl: { ca: [DOCUMENTED.certificate] } });
    expect(sm.calls()).toBe(1);
  });

  it('joins the client certificate of mTLS', async () => {
    // Prepare: one secret serving both reads (the fake answers every ARN with it)
    const both = {
      ...DOCUMENTED,
      privateKey: '-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----',
    };
    const sm = await withSecret(JSON.stringify(both));
    const config = loadConfig(
      env({
        KAFKA_AUTH: 'mtls',
        KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:c-a1b2c3',
      }),
    );

    // Act
    const options = await connectionOptions(config.kafka).finally(() => sm.close());

    // Assess
    expect(options.ssl).toEqual({
      cert: both.certificate,
      key: both.privateKey,
      ca: [DOCUMENTED.certificate],
    });
  });

  it('without its certificate field is a configuration error naming the variable', async () => {
    // Prepare
    const sm = await withSecret('{"username":"not-a-ca"}');
    const config = loadConfig(env({}));

    // Act
    const error = await connectionOptions(config.kafka).then(
      () => undefined,
      (e: unknown) => e,
    );
    await sm.close();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe("KAFKA_ROOT_CA_SECRET_ARN: the secret has no 'certificate'");
  });

  it('with TLS turned off is refused at cold start', () => {
    // Act / Assess
    expect(() => loadConfig(env({ KAFKA_TLS: 'false' }))).toThrow(
      /KAFKA_ROOT_CA_SECRET_ARN: needs KAFKA_TLS true: the root CA is checked over TLS/,
    );
  });
});
