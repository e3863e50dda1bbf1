import { Duration } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { StreamConfigError } from '../../../lib/errors.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import type { KafkaInferenceStreamProps } from '../../../lib/props.js';
import { CLUSTER_ARN, testStack } from './helpers.js';

const base: KafkaInferenceStreamProps = {
  clusterArn: CLUSTER_ARN,
  inputTopic: 'in',
  outputTopic: 'out',
  modelEndpoint: 'http://model:8080',
};

const build = (props: Partial<KafkaInferenceStreamProps>) => {
  const stack = testStack();
  new KafkaInferenceStream(stack, 'S', { ...base, ...props } as KafkaInferenceStreamProps);
  return stack;
};

describe('KafkaInferenceStream validation errors name the prop', () => {
  const secret = () =>
    Secret.fromSecretCompleteArn(testStack(), 'S', 'arn:aws:secretsmanager:eu-west-1:1:secret:s-AbCdEf');
  const cases: Array<[string, Partial<KafkaInferenceStreamProps>, RegExp]> = [
    [
      'neither cluster nor brokers',
      { clusterArn: undefined },
      /clusterArn and bootstrapServers: give exactly one/,
    ],
    [
      'both cluster and brokers',
      { bootstrapServers: ['k:9092'] },
      /clusterArn and bootstrapServers: give exactly one/,
    ],
    [
      'a malformed cluster ARN',
      { clusterArn: 'arn:aws:kafka:eu-west-1:123:cluster/x' },
      /clusterArn '.*' is not an MSK cluster ARN/,
    ],
    [
      'a broker without port',
      { clusterArn: undefined, bootstrapServers: ['kafka'] },
      /bootstrapServers 'kafka' is not host:port/,
    ],
    [
      'IAM on self-managed Kafka',
      { clusterArn: undefined, bootstrapServers: ['k:9092'], authentication: KafkaAuthentication.iam() },
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
      { clusterArn: undefined, bootstrapServers: ['kafka.example.com:9092'] },
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
      'MAX_RECORD_BYTES over the 6 MB payload',
      { environment: { MAX_RECORD_BYTES: '7000000' } },
      /environment MAX_RECORD_BYTES 7000000 exceeds Lambda's 6 MB/,
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
      clusterArn: undefined,
      bootstrapServers: ['k:9092'],
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
