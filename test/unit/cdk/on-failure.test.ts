import type { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { OnFailureDestination } from '../../../lib/on-failure.js';
import type { KafkaInferenceStreamProps } from '../../../lib/props.js';
import { CLUSTER_ARN, Match, policyStatements, statementWithSid, testStack, topicArn } from './helpers.js';

const props: KafkaInferenceStreamProps = {
  source: KafkaSource.msk(CLUSTER_ARN),
  inputTopic: 'iris-input',
  outputTopic: 'iris-output',
  modelEndpoint: 'http://model.internal:8080',
  protocol: 'v2',
  modelName: 'iris',
  retryAttempts: 2,
};

describe('on-failure destinations', () => {
  it('a Kafka topic: kafka:// destination, and WriteData on that topic under MSK IAM', () => {
    // GIVEN / WHEN
    const stack = testStack();
    new KafkaInferenceStream(stack, 'Iris', {
      ...props,
      onFailure: OnFailureDestination.kafkaTopic('iris-dlq'),
    });
    const template = Template.fromStack(stack);
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: { OnFailure: { Destination: 'kafka://iris-dlq' } },
      MaximumRetryAttempts: 2,
    });
    expect(statementWithSid(template, 'KafkaWriteResults')?.Resource).toEqual([
      topicArn('iris-dlq'),
      topicArn('iris-input-errors'),
      topicArn('iris-output'),
    ]);
  });

  it('an SQS queue: the queue ARN, and SendMessage on that queue', () => {
    const stack = testStack();
    const queue = new Queue(stack, 'Dlq');
    new KafkaInferenceStream(stack, 'Iris', { ...props, onFailure: OnFailureDestination.sqsQueue(queue) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Dlq'), 'Arn'] } },
      },
    });
    const sends = policyStatements(template).filter((s) => [s.Action].flat().includes('sqs:SendMessage'));
    expect(sends).toHaveLength(1);
    expect(sends[0]?.Resource).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^Dlq/), 'Arn'] });
  });

  it('an S3 bucket: the bucket ARN, and only PutObject / ListBucket (not the L2 read-write)', () => {
    const stack = testStack();
    const bucket = new Bucket(stack, 'Failed');
    new KafkaInferenceStream(stack, 'Iris', { ...props, onFailure: OnFailureDestination.s3Bucket(bucket) });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      DestinationConfig: {
        OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Failed'), 'Arn'] } },
      },
    });
    const s3Actions = policyStatements(template)
      .flatMap((s) => [s.Action].flat())
      .filter((a) => String(a).startsWith('s3:'));
    expect(s3Actions.sort()).toEqual(['s3:ListBucket', 's3:PutObject']);
  });

  it('refuses the input topic as its own dead-letter topic', () => {
    const stack = testStack();
    expect(
      () =>
        new KafkaInferenceStream(stack, 'Iris', {
          ...props,
          onFailure: OnFailureDestination.kafkaTopic('iris-input'),
        }),
    ).toThrow(/onFailure topic must differ from inputTopic/);
  });
});

describe('on-failure destinations under cdk-nag', () => {
  it.each([
    ['kafka', () => OnFailureDestination.kafkaTopic('iris-dlq')],
    ['sqs', (stack: Stack) => OnFailureDestination.sqsQueue(new Queue(stack, 'Dlq'))],
    ['s3', (stack: Stack) => OnFailureDestination.s3Bucket(new Bucket(stack, 'Failed'))],
  ])('%s: the stream has no unacknowledged AwsSolutions finding', (_kind, destination) => {
    const stack = testStack();
    const stream = new KafkaInferenceStream(stack, 'Iris', { ...props, onFailure: destination(stack) });
    expect(new AwsSolutionsChecks().validateScope(stream).violations).toEqual([]);
  });
});
