import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { HEADERS } from '../../../functions/stream-inference/contract.js';
import {
  ConfigError,
  FailureKind,
  outOfTime,
  RecordFailure,
} from '../../../functions/stream-inference/failures.js';
import type { InputRecord } from '../../../functions/stream-inference/inbound/event.js';
import { requestPreparer } from '../../../functions/stream-inference/inbound/request-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { connectionOptions } from '../../../functions/stream-inference/outbound/kafka-auth.js';
import { recordBuilder } from '../../../functions/stream-inference/outbound/output-records.js';
import { KafkaPublisher } from '../../../functions/stream-inference/outbound/publisher.js';
import { MAX_REASON_CHARS } from '../../../functions/stream-inference/reason.js';
import { logger } from '../../../functions/stream-inference/telemetry.js';
import { lambdaContext, mskEvent } from '../../helpers/factories.js';
import { FakePublisher } from '../../helpers/fakes.js';
import { fakeSecretsManager } from '../../helpers/secrets-manager.js';

// Short: V8 quotes 10 characters either side of a JSON syntax error.
const MARKER = 'MRK-7f3a';
const NOT_JSON = `{"inputs": ${MARKER}}`;
const PASSWORD = 'PLANTED-PASSWORD-91c2';

const env = (more: Record<string, string> = {}) => ({
  KAFKA_INPUT_TOPIC: 'in',
  KAFKA_OUTPUT_TOPIC: 'out',
  KAFKA_ERROR_TOPIC: 'err',
  MODEL_ENDPOINT: 'http://127.0.0.1:1',
  PROTOCOL: 'v2',
  MODEL_NAME: 'iris',
  ...more,
});

const record = (value: string, headers: Record<string, string> = {}): InputRecord => ({
  topic: 'in',
  partition: 0,
  offset: 7,
  timestamp: 0,
  key: null,
  value: Buffer.from(value),
  headers: Object.entries(headers).map(([name, v]) => ({ name, value: Buffer.from(v) })),
});

const refusal = (config: ReturnType<typeof loadConfig>, r: InputRecord): RecordFailure => {
  try {
    requestPreparer(config, protocolSpec(config.model.protocol))(r);
  } catch (error) {
    return error as RecordFailure;
  }
  throw new Error('the record was accepted');
};

afterEach(() => vi.restoreAllMocks());

describe('the reason of a refused record', () => {
  it('gives the size and the position of a JSON error, never the snippet JSON.parse quotes', () => {
    // Prepare
    const config = loadConfig(env());

    // Act
    const error = refusal(config, record(NOT_JSON));

    // Assess
    expect(error.kind).toBe(FailureKind.decode);
    expect(error.message).toBe(`value is not JSON: ${NOT_JSON.length} chars, a syntax error`);
    expect(error.detail).toContain(MARKER);
  });

  it('describes a 900 KB datatype by its length, and the error header stays within MAX_REASON_CHARS', () => {
    // Prepare
    const config = loadConfig(env({ MAX_RECORD_BYTES: '2000000' }));
    const datatype = `${MARKER}${'x'.repeat(900_000)}`;
    const value = JSON.stringify({ inputs: [{ name: 'a', shape: [1], datatype, data: [1] }] });

    // Act
    const error = refusal(config, record(value));
    const header = String(
      recordBuilder(config, protocolSpec('v2')).error(record(value), error).headers[HEADERS.error],
    );

    // Assess
    expect(error.message).toBe(
      `inputs[0].datatype (a string of ${datatype.length} chars) is not a V2 datatype`,
    );
    expect(header).toBe(error.message);
    expect(header.length).toBeLessThanOrEqual(MAX_REASON_CHARS);
    expect(error.detail?.startsWith(MARKER)).toBe(true);
  });

  it('caps any reason at MAX_REASON_CHARS', () => {
    // Act
    const error = new RecordFailure('y'.repeat(10_000), { kind: FailureKind.shape });

    // Assess
    expect(error.message).toHaveLength(MAX_REASON_CHARS);
  });

  it("names a foreign error's class, not its message, when the retry budget runs out", () => {
    // Act
    const error = outOfTime(3, new TypeError(`cannot read ${MARKER}`));

    // Assess
    expect(error.message).toBe('gave up after 3 attempt(s): TypeError');
    expect(error.detail).toContain(MARKER);
  });
});

describe('the Kafka secret', () => {
  const scram = async (secretString: string) => {
    const sm = await fakeSecretsManager(secretString);
    vi.stubEnv('AWS_ENDPOINT_URL_SECRETS_MANAGER', sm.endpoint);
    vi.stubEnv('AWS_REGION', 'us-east-1');
    vi.stubEnv('AWS_ACCESS_KEY_ID', 'AKIDLOCALTEST');
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', 'local-test-secret');
    const config = loadConfig(
      env({
        KAFKA_AUTH: 'scram-sha-512',
        KAFKA_SECRET_ARN: 'arn:aws:secretsmanager:us-west-2:123456789012:secret:MyTestDatabaseSecret-a1b2c3',
      }),
    );
    return { sm, config };
  };

  it('reads the documented SCRAM secret', async () => {
    // Prepare
    const { sm, config } = await scram(`{"username":"david","password":"${PASSWORD}"}`);

    // Act
    const options = await connectionOptions(config.kafka).finally(() => sm.close());

    // Assess
    expect(options.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'david', password: PASSWORD });
  });

  it.each([
    ['malformed JSON', `{"username":"david","password":${PASSWORD}}`],
    ['a JSON string', JSON.stringify(PASSWORD)],
  ])('that is %s is refused without quoting it, and without a cause that does', async (_, secret) => {
    // Prepare
    const { sm, config } = await scram(secret);

    // Act
    const error = await connectionOptions(config.kafka).then(
      () => undefined,
      (e: unknown) => e as ConfigError,
    );
    await sm.close();

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error!.message).toMatch(/^KAFKA_SECRET_ARN: the secret is /);
    expect(
      JSON.stringify({ message: error!.message, stack: error!.stack, cause: error!.cause }),
    ).not.toContain(PASSWORD);
  });

  it('that is malformed makes a publish failure whose reason, detail and cause never quote it', async () => {
    // Prepare
    const { sm, config } = await scram(`{"username":"david","password":${PASSWORD}}`);
    const publisher = new KafkaPublisher({ brokers: ['127.0.0.1:1'], kafka: config.kafka });
    const out = { topic: 'out', key: null, value: Buffer.from('{}'), headers: {} };

    // Act
    const error = (await publisher
      .publish([out], Date.now() + 5_000)
      .catch((e: unknown) => e)) as RecordFailure;
    await Promise.all([publisher.close(), sm.close()]);

    // Assess
    expect(error.kind).toBe(FailureKind.publish);
    expect(error.message).toBe(
      'publish failed: KAFKA_SECRET_ARN: the secret is not JSON (53 chars, a syntax error)',
    );
    const chain = JSON.stringify([error.message, error.detail, error.stack, String(error.cause)]);
    expect(chain).not.toContain(PASSWORD);
  });
});

describe('the dead-letter log line', () => {
  const deadLetter = async (logPayloads: string) => {
    const warn = vi.spyOn(logger, 'warn').mockImplementation(() => undefined);
    const stream = await createBatchHandler(loadConfig(env({ LOG_PAYLOADS: logPayloads })), {
      transport: { infer: async () => Buffer.from('{}'), close: async () => undefined },
      publisher: new FakePublisher(),
    });
    await stream.handle(mskEvent([{ offset: 0, value: NOT_JSON }]), lambdaContext());
    return warn.mock.calls.find(([message]) => message === 'record dead-lettered')![1] as Record<
      string,
      unknown
    >;
  };

  it('holds the reason and no record content when LOG_PAYLOADS=false', async () => {
    // Act
    const line = await deadLetter('false');

    // Assess
    expect(line).toMatchObject({
      kind: 'decode',
      reason: `value is not JSON: ${NOT_JSON.length} chars, a syntax error`,
    });
    expect(JSON.stringify(line)).not.toContain(MARKER);
  });

  it('adds the value and the detail (JSON.parse quoting it) when LOG_PAYLOADS=true', async () => {
    // Act
    const line = await deadLetter('true');

    // Assess
    expect(line['value']).toBe(NOT_JSON);
    expect(line['detail']).toContain(MARKER);
  });
});
