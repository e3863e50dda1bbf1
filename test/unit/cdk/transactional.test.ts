import { type App, Duration, Fn, Validations } from 'aws-cdk-lib';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import {
  STREAM_BASE as base,
  CLUSTER_ARN,
  groupArn,
  importedVpc,
  Match,
  statementWithSid,
  synthStream as synth,
  testStack,
  transactionalIdArn,
} from './helpers.js';

/** The handler's `KAFKA_CLIENT_ID` in a template of one stream. */
const clientIdOf = (template: Template): string =>
  (
    Object.values(template.findResources('AWS::Lambda::Function'))[0] as {
      Properties: { Environment: { Variables: Record<string, string> } };
    }
  ).Properties.Environment.Variables['KAFKA_CLIENT_ID'] ?? '';

describe('KafkaInferenceStream with transactional publishing on MSK IAM', () => {
  // GIVEN transactional: true
  // WHEN the stream is built
  const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), transactional: true });

  it('tells the handler and lets the role use only its own transactional ids and published-offsets group', () => {
    // THEN the environment switches transactions on and IAM covers this stream's client id's ids only
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ KAFKA_TRANSACTIONAL: 'true', KAFKA_TRANSACTION_TIMEOUT_MS: '60000' }),
      },
    });
    const clientId = clientIdOf(template);
    expect(clientId).toMatch(/^msk-inference-[0-9a-f]{8}$/);
    expect(statementWithSid(template, 'KafkaTransactions')).toEqual({
      Sid: 'KafkaTransactions',
      Effect: 'Allow',
      Action: ['kafka-cluster:AlterTransactionalId', 'kafka-cluster:DescribeTransactionalId'],
      Resource: transactionalIdArn(`${clientId}-*`),
    });
    // and the group where each transaction commits the input offsets it published up to
    expect(statementWithSid(template, 'KafkaConsumerGroup')?.Resource).toContain(
      groupArn(`${clientId}-published`),
    );
  });

  it('keeps a transaction no longer open than the function can live, and no longer than Kafka’s default', () => {
    // GIVEN a 20-second and a 5-minute function / WHEN built
    const short = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      transactional: true,
      timeout: Duration.seconds(20),
    });
    const long = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      transactional: true,
      timeout: Duration.minutes(5),
    });
    // THEN the broker aborts a transaction nobody ends after 20 s and 60 s
    short.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_TRANSACTION_TIMEOUT_MS: '20000' }) },
    });
    long.template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_TRANSACTION_TIMEOUT_MS: '60000' }) },
    });
  });

  it('gives each stream its own default client id, so no stream may use another’s transactional ids', () => {
    // GIVEN two transactional streams on one cluster, in one stack
    const stack = testStack();
    const props = { ...base, source: KafkaSource.msk(CLUSTER_ARN), transactional: true };
    new KafkaInferenceStream(stack, 'Iris', props);
    new KafkaInferenceStream(stack, 'Cifar10', {
      ...props,
      inputTopic: 'cifar10-input',
      outputTopic: 'cifar10-output',
    });
    // WHEN
    const t = Template.fromStack(stack);
    const grants = Object.values(t.findResources('AWS::IAM::Policy')).flatMap((p) =>
      (
        p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }
      ).Properties.PolicyDocument.Statement.filter((s) => s.Sid === 'KafkaTransactions').map((s) =>
        String(s.Resource),
      ),
    );
    const ids = Object.values(t.findResources('AWS::Lambda::Function')).map(
      (f) =>
        (f as { Properties: { Environment: { Variables: Record<string, string> } } }).Properties.Environment
          .Variables['KAFKA_CLIENT_ID'],
    );
    // THEN two client ids, each granted its own prefix only, neither a prefix of the other
    expect(new Set(ids).size).toBe(2);
    expect(grants.sort()).toEqual(ids.map((id) => transactionalIdArn(`${id}-*`)).sort());
    const [a = '', b = ''] = ids;
    expect(a.startsWith(`${b}-`) || b.startsWith(`${a}-`)).toBe(false);
  });

  it('keeps a stream’s default client id while its construct path stays the same', () => {
    const first = clientIdOf(synth({ source: KafkaSource.msk(CLUSTER_ARN) }).template);
    const again = clientIdOf(synth({ source: KafkaSource.msk(CLUSTER_ARN), batchSize: 10 }).template);
    expect(again).toBe(first);
  });

  it('passes cdk-nag with the pack as a validation plugin: the transactional-id wildcard is acknowledged', () => {
    // GIVEN an app that runs AwsSolutions at synth, and a cluster ARN known only at deploy time
    const stack = testStack();
    Validations.of(stack.node.root).addPlugins(new AwsSolutionsChecks(stack.node.root, { verbose: true }));
    synth(
      { source: KafkaSource.msk(Fn.importValue('ClusterArn')), transactional: true, vpc: importedVpc(stack) },
      stack,
    );
    // WHEN synthesized / THEN no AwsSolutions error stops it
    expect(() => (stack.node.root as App).synth()).not.toThrow();
    expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-'))).toEqual([]);
  });

  it('grants the transactional ids of the client id it gives the handler', () => {
    // GIVEN a client id of our own / WHEN built
    const { template: own } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      transactional: true,
      clientId: 'iris-stream',
    });
    // THEN the handler uses it and the grant follows it
    own.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_CLIENT_ID: 'iris-stream' }) },
    });
    expect(statementWithSid(own, 'KafkaTransactions')?.Resource).toBe(transactionalIdArn('iris-stream-*'));
  });
});
