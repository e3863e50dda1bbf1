import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  Code,
  EventSourceMappingLogLevel,
  Function as LambdaFunction,
  MetricType,
  Runtime,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { Coalesce } from '../../../lib/coalesce.js';
import { StreamConfigError } from '../../../lib/errors.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { OnFailureDestination } from '../../../lib/on-failure.js';
import type { KafkaInferenceStreamProps } from '../../../lib/props.js';
import { CLUSTER_ARN, importedVpc, testStack } from './helpers.js';

const base: KafkaInferenceStreamProps = {
  source: KafkaSource.msk(CLUSTER_ARN),
  inputTopic: 'in',
  outputTopic: 'out',
  modelEndpoint: 'http://model:8080',
};

const build = (props: Partial<KafkaInferenceStreamProps>) => {
  const stack = testStack();
  new KafkaInferenceStream(stack, 'S', { ...base, ...props } as KafkaInferenceStreamProps);
  return stack;
};

const rootCa = () =>
  Secret.fromSecretCompleteArn(testStack(), 'Ca', 'arn:aws:secretsmanager:eu-west-1:1:secret:ca-AbCdEf');
const key = () =>
  Key.fromKeyArn(
    testStack(),
    'K',
    'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
  );
const vpc = () => importedVpc(testStack());

describe('KafkaInferenceStream validation errors name the prop', () => {
  const secret = () =>
    Secret.fromSecretCompleteArn(testStack(), 'S', 'arn:aws:secretsmanager:eu-west-1:1:secret:s-AbCdEf');
  const cases: Array<[string, Partial<KafkaInferenceStreamProps>, RegExp]> = [
    [
      'no source (from JavaScript, where the type does not hold)',
      { source: undefined } as unknown as Partial<KafkaInferenceStreamProps>,
      /source is required: KafkaSource.msk\(clusterArn\) or KafkaSource.selfManaged/,
    ],
    [
      'a malformed cluster ARN',
      { source: KafkaSource.msk('arn:aws:kafka:eu-west-1:123:cluster/x') },
      /clusterArn '.*' is not an MSK cluster ARN/,
    ],
    [
      'no brokers',
      { source: KafkaSource.selfManaged({ bootstrapServers: [] }), vpc: undefined },
      /source bootstrapServers must list at least one host:port/,
    ],
    [
      'a broker without port',
      { source: KafkaSource.selfManaged({ bootstrapServers: ['kafka'] }) },
      /source bootstrapServers 'kafka' is not host:port/,
    ],
    [
      'IAM on self-managed Kafka',
      {
        source: KafkaSource.selfManaged({ bootstrapServers: ['k:9092'] }),
        authentication: KafkaAuthentication.iam(),
      },
      /authentication IAM is only for MSK/,
    ],
    [
      'SCRAM-256 on MSK',
      { authentication: KafkaAuthentication.scram(secret(), { mechanism: 'sha-256' }) },
      /authentication SCRAM-SHA-256 is not offered by MSK/,
    ],
    ['batch size 0', { batchSize: 0 }, /batchSize must be an integer from 1 to 10000 \(got 0\)/],
    ['batch size 10001', { batchSize: 10_001 }, /batchSize must be an integer from 1 to 10000/],
    [
      'AT_TIMESTAMP without timestamp',
      { startingPosition: StartingPosition.AT_TIMESTAMP },
      /startingPositionTimestamp is required when startingPosition is AT_TIMESTAMP/,
    ],
    [
      'a timestamp without AT_TIMESTAMP',
      { startingPositionTimestamp: 1 },
      /startingPositionTimestamp is only allowed/,
    ],
    [
      'a REST URL with gRPC',
      { transport: 'grpc' },
      /modelEndpoint 'http:\/\/model:8080' is a REST URL but transport is grpc/,
    ],
    [
      'a gRPC address with REST',
      { modelEndpoint: 'grpc://model:8081' },
      /modelEndpoint 'grpc:\/\/model:8081' is a gRPC address but transport is rest/,
    ],
    [
      'a gRPC address without port',
      { modelEndpoint: 'grpc://model', transport: 'grpc' },
      /modelEndpoint 'grpc:\/\/model' has no port/,
    ],
    ['an unknown scheme', { modelEndpoint: 'ftp://model' }, /modelEndpoint scheme 'ftp' is not allowed/],
    [
      'a Lambda model over gRPC',
      { modelEndpoint: 'lambda:iris', transport: 'grpc' },
      /modelEndpoint 'lambda:iris' is a Lambda function, which takes REST JSON/,
    ],
    [
      'tensorflow without model name',
      { protocol: 'tensorflow' },
      /modelName is required for protocol tensorflow/,
    ],
    [
      'an output topic that is the input topic (a loop)',
      { outputTopic: 'in' },
      /outputTopic is the input topic 'in': every prediction would come back as a request \(a loop\)/,
    ],
    [
      'an error topic that is the output topic',
      { errorTopic: 'out' },
      /errorTopic is the output topic 'out': consumers would read error records as predictions/,
    ],
    ['a bad topic name', { outputTopic: 'out put' }, /outputTopic 'out put' is not a Kafka topic name/],
    [
      'timeout within the safety margin',
      { timeout: Duration.seconds(3) },
      /timeout must exceed the handler's 3 seconds safety margin/,
    ],
    ['timeout over 14 minutes', { timeout: Duration.minutes(15) }, /timeout must be at most 14 minutes/],
    ['TLS off under MSK IAM', { tls: false }, /tls cannot be false/],
    [
      'a batching window over 5 minutes',
      { maxBatchingWindow: Duration.minutes(6) },
      /maxBatchingWindow must be at most 5 minutes/,
    ],
    [
      'an environment override',
      { environment: { MODEL_ENDPOINT: 'x' } },
      /environment may not set MODEL_ENDPOINT/,
    ],
    [
      'self-managed brokers with no authentication outside a VPC',
      { source: KafkaSource.selfManaged({ bootstrapServers: ['kafka.example.com:9092'] }) },
      /authentication and vpc: self-managed brokers without authentication must be reached through vpc/,
    ],
    [
      'a raw pattern object as a filter',
      { filters: [{ value: { model: ['iris'] } }] },
      /filters\[0\] must be FilterCriteria.filter\(...\) output, \{ pattern: '<JSON>' \}; got keys value/,
    ],
    [
      'a filter pattern that is not JSON',
      { filters: [{ pattern: '{value' }] },
      /filters\[0\] must be FilterCriteria.filter.*; its pattern is not JSON/,
    ],
    ['a client id with a wildcard', { clientId: 'msk-*' }, /clientId 'msk-\*' may hold letters, digits/],
    [
      'partial batch responses on demand',
      { pollers: EventPollers.onDemand(), reportBatchItemFailures: true },
      /reportBatchItemFailures needs provisioned pollers/,
    ],
    [
      'retries on demand',
      { pollers: EventPollers.onDemand(), retryAttempts: 3 },
      /retryAttempts needs provisioned pollers/,
    ],
    [
      'more minimum than maximum pollers',
      { pollers: EventPollers.provisioned({ minimumPollers: 5, maximumPollers: 2 }) },
      /pollers minimumPollers \(5\) must not exceed maximumPollers \(2\)/,
    ],
    [
      'maxRecordBytes over the 6 MB payload',
      { maxRecordBytes: 7_000_000 },
      /maxRecordBytes must be an integer from 1 to 6291456 bytes \(got 7000000 bytes\)/,
    ],
    [
      'a tuning variable in environment, even with its prop unset',
      { environment: { MAX_RECORD_BYTES: '500000' } },
      /environment may not set MAX_RECORD_BYTES: the construct sets it from maxRecordBytes/,
    ],
    [
      'the root CA variable in environment',
      { environment: { KAFKA_ROOT_CA_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:ca-AbCdEf' } },
      /environment may not set KAFKA_ROOT_CA_SECRET_ARN: the construct sets it from source/,
    ],
    [
      'no model call at a time',
      { modelConcurrency: 0 },
      /modelConcurrency must be an integer from 1 to 1024 \(got 0\)/,
    ],
    [
      'a fractional concurrency',
      { modelConcurrency: 2.5 },
      /modelConcurrency must be an integer from 1 to 1024/,
    ],
    [
      'packs larger than the handler takes',
      { coalesce: Coalesce.records(10_001) },
      /coalesce Coalesce.records\(n\) needs an integer from 1 to 10000 \(got 10001\); or use Coalesce.auto\(\)/,
    ],
    [
      'coalescing over gRPC',
      { coalesce: Coalesce.records(8), transport: 'grpc', modelEndpoint: 'grpc://model:8081' },
      /coalesce packs JSON requests: it needs transport rest/,
    ],
    [
      'learned coalescing over gRPC',
      { coalesce: Coalesce.auto(), transport: 'grpc', modelEndpoint: 'grpc://model:8081' },
      /coalesce packs JSON requests: it needs transport rest/,
    ],
    [
      'a model timeout over 15 minutes',
      { modelTimeout: Duration.minutes(16) },
      /modelTimeout must be an integer from 1 to 900000 ms \(got 960000 ms\)/,
    ],
    [
      'a safety margin over 10 minutes',
      { safetyMargin: Duration.minutes(11), timeout: Duration.minutes(14) },
      /safetyMargin must be an integer from 0 to 600000 ms/,
    ],
    [
      'a safety margin as long as the timeout',
      { safetyMargin: Duration.seconds(60) },
      /timeout must exceed the handler's 1 minute safety margin \(safetyMargin\)/,
    ],
    [
      'a first backoff longer than the longest',
      { retryBaseDelay: Duration.seconds(10), retryMaxDelay: Duration.seconds(2) },
      /retryBaseDelay \(10000 ms\) must not exceed retryMaxDelay \(2000 ms\)/,
    ],
    [
      'a protocol the handler does not speak (from JavaScript)',
      { protocol: 'torchserve' } as unknown as Partial<KafkaInferenceStreamProps>,
      /protocol 'torchserve' is not one of seldon, tensorflow, kfserving, v2/,
    ],
    [
      'a root CA with TLS off',
      {
        source: KafkaSource.selfManaged({ bootstrapServers: ['k:9094'], rootCaCertificate: rootCa() }),
        vpc: vpc(),
        tls: false,
      },
      /tls cannot be false with a rootCaCertificate/,
    ],
    [
      'a filter key without filters',
      { filterEncryption: key() },
      /filterEncryption encrypts filters: give filters too/,
    ],
    [
      'a metric group twice',
      { metricsConfig: { metrics: [MetricType.EVENT_COUNT, MetricType.EVENT_COUNT] } },
      /metricsConfig lists EventCount twice/,
    ],
    [
      'mapping logs on demand',
      { pollers: EventPollers.onDemand(), logLevel: EventSourceMappingLogLevel.INFO },
      /logLevel needs provisioned pollers/,
    ],
  ];

  it.each(cases)('rejects %s', (_name, props, message) => {
    // GIVEN props with one fatal misconfiguration / WHEN built / THEN
    expect(() => build(props)).toThrow(message);
    expect(() => build(props)).toThrow(StreamConfigError);
  });

  it('rejects a grantWriteInput without MSK IAM', () => {
    const stack = testStack();
    const stream = new KafkaInferenceStream(stack, 'S', {
      ...base,
      source: KafkaSource.selfManaged({ bootstrapServers: ['k:9092'] }),
      authentication: KafkaAuthentication.mtls(
        Secret.fromSecretCompleteArn(stack, 'Cert', 'arn:aws:secretsmanager:eu-west-1:1:secret:c-AbCdEf'),
      ),
    });
    const fn = new LambdaFunction(stack, 'Producer', {
      runtime: Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: Code.fromInline('exports.handler = async () => {}'),
    });
    expect(() => stream.grantWriteInput(fn)).toThrow(/grantWriteInput needs an MSK cluster with IAM/);
  });
});

describe('KafkaInferenceStream warnings', () => {
  it('warns that Lambda caps infinite retries at 10 with an on-failure destination', () => {
    // GIVEN retryAttempts -1 and a destination / WHEN built / THEN
    const annotations = Annotations.fromStack(
      build({ retryAttempts: -1, onFailure: OnFailureDestination.kafkaTopic('in-dlq') }),
    );
    annotations.hasWarning(
      '/TestStack/S',
      Match.stringLikeRegexp(
        'retryAttempts is -1 \\(infinite\\), but with an onFailure destination Lambda retries a failed batch 10 times at most',
      ),
    );
  });

  it('does not warn about retries without a destination, or with a finite count', () => {
    const retryCap = Match.stringLikeRegexp('msk-inference:retryCap');
    expect(Annotations.fromStack(build({ retryAttempts: -1 })).findWarning('*', retryCap)).toEqual([]);
    const finite = build({ retryAttempts: 100, onFailure: OnFailureDestination.kafkaTopic('in-dlq') });
    expect(Annotations.fromStack(finite).findWarning('*', retryCap)).toEqual([]);
  });

  it('warns that an imported filter key must let Lambda decrypt', () => {
    const stack = testStack();
    new KafkaInferenceStream(stack, 'S', {
      ...base,
      filters: [{ pattern: '{"value":{"model":["iris"]}}' }],
      filterEncryption: Key.fromKeyArn(
        stack,
        'K',
        'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
      ),
    });
    Annotations.fromStack(stack).hasWarning(
      '/TestStack/S',
      Match.stringLikeRegexp('must allow kms:Decrypt to the service principal lambda.amazonaws.com'),
    );
  });

  it('warns when MSK is used outside a VPC', () => {
    const annotations = Annotations.fromStack(build({}));
    annotations.hasWarning('/TestStack/S', Match.stringLikeRegexp('outside a VPC it reaches only brokers'));
  });

  it('warns about seldonApi on another protocol', () => {
    const annotations = Annotations.fromStack(
      build({ protocol: 'v2', modelName: 'iris', seldonApi: 'graph' }),
    );
    annotations.hasWarning(
      '/TestStack/S',
      Match.stringLikeRegexp('seldonApi applies to the seldon protocol only'),
    );
  });
});
