import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/stream-inference/config.js';

const base = {
  KAFKA_INPUT_TOPIC: 'in',
  KAFKA_OUTPUT_TOPIC: 'out',
  MODEL_ENDPOINT: 'http://127.0.0.1:8080',
  MODEL_NAME: 'iris',
  PROTOCOL: 'v2',
};

describe('loadConfig', () => {
  it('applies defaults: rest, error topic from the input topic, item failures reported', () => {
    const config = loadConfig(base);

    expect(config.model.transport).toBe('rest');
    expect(config.model.endpoint).toEqual({ kind: 'http', url: new URL('http://127.0.0.1:8080') });
    expect(config.kafka.errorTopic).toBe('in-errors');
    expect(config.kafka.brokers).toBeUndefined();
    expect(config.pipeline.reportBatchItemFailures).toBe(true);
  });

  it('reads the producer client id from KAFKA_CLIENT_ID, msk-inference by default', () => {
    expect(loadConfig(base).kafka.clientId).toBe('msk-inference');
    expect(loadConfig({ ...base, KAFKA_CLIENT_ID: 'iris-stream' }).kafka.clientId).toBe('iris-stream');
  });

  it('reads the transaction timeout from KAFKA_TRANSACTION_TIMEOUT_MS, 60 s by default, within what a broker accepts', () => {
    expect(loadConfig(base).kafka.transactionTimeoutMs).toBe(60_000);
    expect(loadConfig({ ...base, KAFKA_TRANSACTION_TIMEOUT_MS: '30000' }).kafka.transactionTimeoutMs).toBe(
      30_000,
    );
    expect(() => loadConfig({ ...base, KAFKA_TRANSACTION_TIMEOUT_MS: '900001' })).toThrow(
      /KAFKA_TRANSACTION_TIMEOUT_MS/,
    );
  });

  it('treats kfserving as the V2 protocol', () => {
    expect(loadConfig({ ...base, PROTOCOL: 'kfserving' }).model.protocol).toBe('v2');
  });

  it('parses the seed names: a comma-separated KAFKA_BROKER list', () => {
    const config = loadConfig({ ...base, KAFKA_BROKER: '10.12.10.16:9094, b2:9094' });

    expect(config.kafka.brokers).toEqual(['10.12.10.16:9094', 'b2:9094']);
  });

  it.each([
    'arn:aws:kafka:us-east-1:123456789012:cluster/SalesCluster/abcd1234-abcd-cafe-abab-9876543210ab-4',
    'arn:aws-cn:kafka:cn-north-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-s1',
  ])('parses MSK_CLUSTER_ARN %s', (arn) => {
    expect(loadConfig({ ...base, MSK_CLUSTER_ARN: arn }).kafka.clusterArn).toBe(arn);
    expect(loadConfig(base).kafka.clusterArn).toBeUndefined();
  });

  it('parses gRPC and Lambda endpoints', () => {
    const grpc = loadConfig({ ...base, TRANSPORT: 'grpc', MODEL_ENDPOINT: 'grpcs://model.internal:8081' });
    const lambda = loadConfig({ ...base, MODEL_ENDPOINT: 'lambda:iris-model' });

    expect(grpc.model.endpoint).toEqual({ kind: 'grpc', address: 'model.internal:8081', tls: true });
    expect(lambda.model.endpoint).toEqual({ kind: 'lambda', functionName: 'iris-model' });
  });

  it.each([
    [
      { PROTOCOL: 'onnx' },
      /^PROTOCOL: 'onnx' is not allowed; allowed: seldon \| tensorflow \| kfserving \| v2/,
    ],
    [{ TRANSPORT: 'kafka' }, /^TRANSPORT: 'kafka' is not allowed; allowed: rest \| grpc/],
    [{ MODEL_ENDPOINT: undefined }, /^MODEL_ENDPOINT: is required/],
    [{ MODEL_ENDPOINT: 'ftp://x' }, /^MODEL_ENDPOINT: scheme 'ftp:' is not allowed/],
    [{ MODEL_ENDPOINT: 'grpc://host' }, /^MODEL_ENDPOINT: 'grpc:\/\/host' has no port/],
    [{ TRANSPORT: 'grpc' }, /^MODEL_ENDPOINT: TRANSPORT is grpc, so it must be grpc/],
    [{ MODEL_ENDPOINT: 'grpc://h:1' }, /^MODEL_ENDPOINT: TRANSPORT is rest/],
    [{ MODEL_NAME: '' }, /^MODEL_NAME: is required for PROTOCOL v2/],
    [{ KAFKA_OUTPUT_TOPIC: undefined }, /^KAFKA_OUTPUT_TOPIC: is required/],
    [
      { KAFKA_OUTPUT_TOPIC: 'in' },
      /^KAFKA_OUTPUT_TOPIC: is the input topic 'in': every prediction would come back as a request \(a loop\)$/,
    ],
    [
      { KAFKA_ERROR_TOPIC: 'out' },
      /^KAFKA_ERROR_TOPIC: is the output topic 'out': consumers would read error records as predictions$/,
    ],
    [
      { KAFKA_ERROR_TOPIC: 'in' },
      /^KAFKA_ERROR_TOPIC: is the input topic 'in': every bad record would come back/,
    ],
    [{ KAFKA_INPUT_TOPIC: 'bad topic' }, /^KAFKA_INPUT_TOPIC: 'bad topic' is not a Kafka topic name/],
    [{ KAFKA_INPUT_TOPIC: undefined }, /^KAFKA_ERROR_TOPIC: is required when KAFKA_INPUT_TOPIC is not set/],
    [{ KAFKA_BROKER: 'host-without-port' }, /^KAFKA_BROKER: 'host-without-port' is not host:port/],
    [
      { MSK_CLUSTER_ARN: 'arn:aws:lambda:us-east-1:123456789012:function:f' },
      /^MSK_CLUSTER_ARN: 'arn:aws:lambda:.*' is not an MSK cluster ARN; allowed: arn:<partition>:kafka:<region>:<account>:cluster\/<name>\/<uuid>/,
    ],
    [{ MSK_CLUSTER_ARN: 'arn:aws:kafka:us-east-1:123456789012:topic/demo/abcd-1/in' }, /^MSK_CLUSTER_ARN: /],
    [{ KAFKA_AUTH: 'scram-sha-512' }, /^KAFKA_SECRET_ARN: is required when KAFKA_AUTH is scram-sha-512/],
    [{ KAFKA_AUTH: 'kerberos' }, /^KAFKA_AUTH: 'kerberos' is not allowed; allowed: none \| iam/],
    [{ MODEL_CONCURRENCY: '0' }, /^MODEL_CONCURRENCY: '0' is not allowed; an integer from 1 to 1024/],
    [
      { REPORT_BATCH_ITEM_FAILURES: 'yes' },
      /^REPORT_BATCH_ITEM_FAILURES: 'yes' is not allowed; allowed: true \| false/,
    ],
    [{ SELDON_API: 'v1' }, /^SELDON_API: 'v1' is not allowed; allowed: graph \| microservice/],
    [
      { COALESCE_MAX_RECORDS: 'automatic' },
      /^COALESCE_MAX_RECORDS: 'automatic' is not allowed; allowed: an integer from 1 to 10000 \(1 = each record alone\), or auto/,
    ],
    [
      { COALESCE_MAX_RECORDS: '0' },
      /^COALESCE_MAX_RECORDS: '0' is not allowed; allowed: an integer from 1 to 10000/,
    ],
    [{ COALESCE_MAX_RECORDS: '2.5' }, /^COALESCE_MAX_RECORDS: '2.5' is not allowed/],
    [
      { COALESCE_MAX_RECORDS: 'auto', TRANSPORT: 'grpc', MODEL_ENDPOINT: 'grpc://model:8081' },
      /^COALESCE_MAX_RECORDS: packs JSON requests: it needs TRANSPORT rest/,
    ],
  ])('rejects %o naming the variable', (change, message) => {
    expect(() => loadConfig({ ...base, ...change })).toThrow(message);
  });

  it.each([
    [undefined, { mode: 'fixed', maxRecords: 1 }],
    ['64', { mode: 'fixed', maxRecords: 64 }],
    ['auto', { mode: 'auto', startRecords: 16, maxRecords: 10_000 }],
    [' AUTO ', { mode: 'auto', startRecords: 16, maxRecords: 10_000 }],
  ])('reads COALESCE_MAX_RECORDS %o as %o', (raw, coalesce) => {
    expect(loadConfig({ ...base, COALESCE_MAX_RECORDS: raw }).model.coalesce).toEqual(coalesce);
  });

  it('does not need MODEL_NAME for the seldon protocol', () => {
    const { MODEL_NAME: _, ...env } = base;

    expect(loadConfig({ ...env, PROTOCOL: 'seldon' }).model.name).toBe('');
  });
});
