import type { CfnElement } from 'aws-cdk-lib';
import { Duration } from 'aws-cdk-lib';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Code, Function as LambdaFunction, Runtime, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { describe, expect, it } from 'vitest';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import {
  CLUSTER_ARN,
  Match,
  policyStatements,
  statementWithSid,
  synthStream as synth,
  testStack,
} from './helpers.js';

describe('KafkaInferenceStream on self-managed Kafka', () => {
  it('with SASL/SCRAM: passes the secret to the mapping and the handler, and reads it once', () => {
    // GIVEN brokers, a SCRAM secret and a VPC
    const stack = testStack();
    const secret = new Secret(stack, 'Credentials');
    const vpc = new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    // WHEN
    const { template } = synth(
      {
        source: KafkaSource.selfManaged({
          bootstrapServers: ['b-1.kafka.internal:9096', 'b-2.kafka.internal:9096'],
        }),
        authentication: KafkaAuthentication.scram(secret, { mechanism: 'sha-256' }),
        vpc,
      },
      stack,
    );
    // THEN the mapping authenticates with SCRAM-256 and reaches the brokers from our subnets
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SelfManagedEventSource: {
        Endpoints: { KafkaBootstrapServers: ['b-1.kafka.internal:9096', 'b-2.kafka.internal:9096'] },
      },
      SourceAccessConfigurations: Match.arrayWith([
        { Type: 'SASL_SCRAM_256_AUTH', URI: { Ref: Match.stringLikeRegexp('Credentials') } },
        { Type: 'VPC_SECURITY_GROUP', URI: Match.anyValue() },
        { Type: 'VPC_SUBNET', URI: Match.anyValue() },
      ]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          KAFKA_BROKER: 'b-1.kafka.internal:9096,b-2.kafka.internal:9096',
          KAFKA_AUTH: 'scram-sha-256',
          KAFKA_TLS: 'true',
          KAFKA_SECRET_ARN: { Ref: Match.stringLikeRegexp('Credentials') },
        }),
      },
      VpcConfig: Match.anyValue(),
    });
    const secretReads = policyStatements(template).filter((s) =>
      [s.Action].flat().includes('secretsmanager:GetSecretValue'),
    );
    expect(secretReads).toHaveLength(1);
    // and no kafka-cluster (MSK IAM) statement at all
    expect(JSON.stringify(policyStatements(template))).not.toContain('kafka-cluster:');
  });

  it('with mTLS: uses the client certificate secret', () => {
    // GIVEN
    const stack = testStack();
    const cert = Secret.fromSecretCompleteArn(
      stack,
      'Cert',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-client-cert-AbCdEf',
    );
    // WHEN
    const { template } = synth(
      {
        source: KafkaSource.selfManaged({ bootstrapServers: ['kafka.example.com:9094'] }),
        authentication: KafkaAuthentication.mtls(cert),
      },
      stack,
    );
    // THEN
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: [
        {
          Type: 'CLIENT_CERTIFICATE_TLS_AUTH',
          URI: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka-client-cert-AbCdEf',
        },
      ],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ KAFKA_AUTH: 'mtls', KAFKA_TLS: 'true' }) },
    });
  });

  it('with mTLS on MSK: the L2 ManagedKafkaEventSource cannot, the construct can', () => {
    const stack = testStack();
    const cert = new Secret(stack, 'Cert');
    const { template } = synth(
      { source: KafkaSource.msk(CLUSTER_ARN), authentication: KafkaAuthentication.mtls(cert) },
      stack,
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: CLUSTER_ARN,
      SourceAccessConfigurations: [{ Type: 'CLIENT_CERTIFICATE_TLS_AUTH', URI: { Ref: Match.anyValue() } }],
    });
    expect(JSON.stringify(policyStatements(template))).not.toContain('kafka-cluster:');
  });
});

describe('KafkaInferenceStream polling options', () => {
  it('sets provisioned pollers', () => {
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      pollers: EventPollers.provisioned({ minimumPollers: 2, maximumPollers: 20 }),
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ProvisionedPollerConfig: { MinimumPollers: 2, MaximumPollers: 20 },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_BATCH_ITEM_FAILURES: 'true' }) },
    });
  });

  it('on demand: no poller config, and partial batch responses off on both sides', () => {
    // GIVEN the explicit opt-out / WHEN built
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), pollers: EventPollers.onDemand() });
    // THEN the mapping gets no ProvisionedPollerConfig nor ReportBatchItemFailures, and the handler
    // (REPORT_BATCH_ITEM_FAILURES=false) fails the batch for a whole-batch retry instead
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      ProvisionedPollerConfig: Match.absent(),
      FunctionResponseTypes: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_BATCH_ITEM_FAILURES: 'false' }) },
    });
  });

  it('starts AT_TIMESTAMP from the given time', () => {
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: 1_767_225_600,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      StartingPosition: 'AT_TIMESTAMP',
      StartingPositionTimestamp: 1_767_225_600,
    });
  });

  it('passes batch size, window, filters, retries and record age; partial batch responses can be turned off', () => {
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(2),
      filters: [{ pattern: '{"value":{"model":["iris"]}}' }],
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: false,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      BatchSize: 500,
      MaximumBatchingWindowInSeconds: 2,
      FilterCriteria: { Filters: [{ Pattern: '{"value":{"model":["iris"]}}' }] },
      MaximumRetryAttempts: 3,
      MaximumRecordAgeInSeconds: 3600,
      BisectBatchOnFunctionError: true,
      FunctionResponseTypes: Match.absent(),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ REPORT_BATCH_ITEM_FAILURES: 'false' }) },
    });
  });
});

describe('KafkaInferenceStream with a Lambda-hosted model', () => {
  it('invokes that function only, by its ARN, and says so in MODEL_ENDPOINT', () => {
    // GIVEN a model function
    const stack = testStack();
    const model = new LambdaFunction(stack, 'Model', {
      runtime: Runtime.PYTHON_3_13,
      handler: 'index.handler',
      code: Code.fromInline('def handler(event, context):\n    return event'),
    });
    // WHEN it is the endpoint
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), modelEndpoint: model }, stack);
    // THEN lambda:InvokeFunction is granted on exactly that ARN (no :* qualifiers)
    const invoke = policyStatements(template).filter((s) =>
      [s.Action].flat().includes('lambda:InvokeFunction'),
    );
    expect(invoke).toEqual([
      {
        Sid: 'InvokeModel',
        Effect: 'Allow',
        Action: 'lambda:InvokeFunction',
        Resource: { 'Fn::GetAtt': [stack.getLogicalId(model.node.defaultChild as CfnElement), 'Arn'] },
      },
    ]);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          MODEL_ENDPOINT: {
            'Fn::Join': ['', ['lambda:', { 'Fn::GetAtt': [Match.stringLikeRegexp('^Model'), 'Arn'] }]],
          },
        }),
      },
    });
  });

  it('accepts lambda:<name> and grants on the ARN it names', () => {
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), modelEndpoint: 'lambda:iris-model' });
    const invoke = statementWithSid(template, 'InvokeModel');
    expect(JSON.stringify(invoke?.Resource)).toContain(':function:iris-model');
  });
});
