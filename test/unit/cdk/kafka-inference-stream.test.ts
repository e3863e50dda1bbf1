import { Fn } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { Vpc } from 'aws-cdk-lib/aws-ec2';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { METRICS } from '../../../functions/stream-inference/contract.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { STREAM_METRICS } from '../../../lib/monitoring.js';
import {
  STREAM_BASE as base,
  CLUSTER_ARN,
  groupArn,
  Match,
  policyStatements,
  statementWithSid,
  synthStream as synth,
  testStack,
  topicArn,
} from './helpers.js';

describe('KafkaInferenceStream on MSK with IAM (the default)', () => {
  // GIVEN a cluster ARN and nothing about authentication
  // WHEN the stream is built
  const { stream, template } = synth({ source: KafkaSource.msk(CLUSTER_ARN), consumerGroupId: 'iris-group' });

  it('grants exactly the kafka-cluster actions on the cluster, the topics and the group', () => {
    // THEN each statement names only its own resources
    expect(statementWithSid(template, 'KafkaClusterConnect')).toEqual({
      Sid: 'KafkaClusterConnect',
      Effect: 'Allow',
      Action: [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
        'kafka-cluster:WriteDataIdempotently',
      ],
      Resource: CLUSTER_ARN,
    });
    expect(statementWithSid(template, 'KafkaReadInput')).toEqual({
      Sid: 'KafkaReadInput',
      Effect: 'Allow',
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      Resource: topicArn('iris-input'),
    });
    expect(statementWithSid(template, 'KafkaConsumerGroup')).toEqual({
      Sid: 'KafkaConsumerGroup',
      Effect: 'Allow',
      Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
      Resource: groupArn('iris-group'),
    });
    expect(statementWithSid(template, 'KafkaWriteResults')).toEqual({
      Sid: 'KafkaWriteResults',
      Effect: 'Allow',
      Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      Resource: [topicArn('iris-input-errors'), topicArn('iris-output')],
    });
    const kafkaClusterStatements = policyStatements(template).filter((s) =>
      [s.Action].flat().some((a) => String(a).startsWith('kafka-cluster:')),
    );
    expect(kafkaClusterStatements).toHaveLength(4);
  });

  it('grants the mapping what it needs of MSK and EC2, and no managed policy', () => {
    expect(statementWithSid(template, 'MskDescribeCluster')).toMatchObject({
      Action: ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: CLUSTER_ARN,
    });
    expect(statementWithSid(template, 'LambdaNetworkInterfaces')).toMatchObject({
      Action: expect.arrayContaining(['ec2:CreateNetworkInterface', 'ec2:DeleteNetworkInterface']),
      Resource: '*',
    });
    template.hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  it('maps the cluster in provisioned mode with partial batch responses, and no source access configuration', () => {
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: CLUSTER_ARN,
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 10 },
      Topics: ['iris-input'],
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'iris-group' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'LATEST',
      SourceAccessConfigurations: Match.absent(),
    });
  });

  it('tells the handler what it reads from its environment', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: 1024,
      Timeout: 60,
      Environment: {
        Variables: Match.objectEquals({
          KAFKA_INPUT_TOPIC: 'iris-input',
          KAFKA_OUTPUT_TOPIC: 'iris-output',
          KAFKA_ERROR_TOPIC: 'iris-input-errors',
          KAFKA_AUTH: 'iam',
          KAFKA_TLS: 'true',
          KAFKA_CLIENT_ID: Match.stringLikeRegexp('^msk-inference-[0-9a-f]{8}$'),
          MSK_CLUSTER_ARN: CLUSTER_ARN,
          MODEL_ENDPOINT: 'http://127.0.0.1:8080',
          MODEL_NAME: 'iris',
          PROTOCOL: 'v2',
          TRANSPORT: 'rest',
          REPORT_BATCH_ITEM_FAILURES: 'true',
          POWERTOOLS_SERVICE_NAME: 'Iris',
          POWERTOOLS_METRICS_NAMESPACE: 'MskInference',
          NODE_OPTIONS: '--enable-source-maps',
        }),
      },
    });
    expect(stream.consumerGroupId).toBe('iris-group');
  });

  it('keeps logs in its own log group with a retention', () => {
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    template.hasResourceProperties('AWS::Lambda::Function', {
      LoggingConfig: { LogGroup: Match.anyValue() },
    });
  });
});

describe('KafkaInferenceStream on an MSK cluster ARN known only at deploy time', () => {
  it('derives the topic and group ARNs with Fn::Split / Fn::Select', () => {
    // GIVEN a cluster ARN that is a token
    const stack = testStack();
    const clusterArn = Fn.importValue('ClusterArn');
    // WHEN
    const { template } = synth({ source: KafkaSource.msk(clusterArn), consumerGroupId: 'g' }, stack);
    // THEN the input topic ARN is assembled from the ARN's parts
    const read = statementWithSid(template, 'KafkaReadInput');
    const rendered = JSON.stringify(read?.Resource);
    expect(rendered).toContain('Fn::Split');
    expect(rendered).toContain(':topic/');
    expect(rendered).toContain('/iris-input');
    expect(JSON.stringify(statementWithSid(template, 'KafkaConsumerGroup')?.Resource)).toContain(':group/');
  });
});

describe('KafkaInferenceStream monitoring', () => {
  it('creates the six alarms and a dashboard', () => {
    const { stream, template } = synth({ source: KafkaSource.msk(CLUSTER_ARN) });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 6);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Errors',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'Throttles',
      Namespace: 'AWS/Lambda',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'OffsetLag',
      Namespace: 'AWS/Lambda',
      Statistic: 'Maximum',
      Threshold: 1000,
      EvaluationPeriods: 3,
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'RecordsDeadLettered',
      Namespace: 'MskInference',
      Dimensions: [{ Name: 'service', Value: 'Iris' }],
    });
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(Object.keys(stream.alarms)).toEqual([
      'errors',
      'throttles',
      'offsetLag',
      'deadLettered',
      'modelUnauthorized',
      'eventsRefused',
    ]);
  });

  it('alarms on the first record held back because the model refuses the credentials', () => {
    // GIVEN / WHEN
    const { template } = synth({ source: KafkaSource.msk(CLUSTER_ARN) });
    // THEN the handler's ModelUnauthorized count, in its namespace and service, alarms at 1 in 5 minutes
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: METRICS.modelUnauthorized,
      Namespace: 'MskInference',
      Dimensions: [{ Name: 'service', Value: 'Iris' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('alarms on the first refused event: a forged invocation', () => {
    // GIVEN an alarm topic / WHEN built
    const stack = testStack();
    const alarmTopic = Topic.fromTopicArn(stack, 'Alarms', 'arn:aws:sns:eu-west-1:123456789012:alarms');
    synth({ source: KafkaSource.msk(CLUSTER_ARN), alarmTopic }, stack);
    // THEN one refusal in five minutes fires it, and it notifies like the others
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'EventsRefused',
      Namespace: 'MskInference',
      Dimensions: [{ Name: 'service', Value: 'Iris' }],
      Statistic: 'Sum',
      Period: 300,
      Threshold: 1,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
      OKActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
    });
    const { template } = synth({
      source: KafkaSource.msk(CLUSTER_ARN),
      alarmThresholds: { eventsRefused: 3 },
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'EventsRefused', Threshold: 3 });
  });

  it('alarms on the metric names the handler emits', () => {
    // THEN lib's list is telemetry.ts's MetricName, so no alarm watches a metric nobody writes
    expect([...STREAM_METRICS].sort()).toEqual(Object.values(METRICS).sort());
  });
});

describe('KafkaInferenceStream under cdk-nag', () => {
  it('has no unacknowledged AwsSolutions finding with every grant in play', () => {
    // GIVEN MSK + IAM, a VPC, a Lambda-hosted model and an alarm topic
    const stack = testStack();
    const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
      vpcId: 'vpc-0123456789abcdef0',
      availabilityZones: ['eu-west-1a', 'eu-west-1b'],
      privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
    });
    const model = LambdaFunction.fromFunctionArn(
      stack,
      'Model',
      'arn:aws:lambda:eu-west-1:123456789012:function:iris',
    );
    // WHEN
    const stream = new KafkaInferenceStream(stack, 'Iris', {
      ...base,
      source: KafkaSource.msk(CLUSTER_ARN),
      vpc,
      modelEndpoint: model,
      alarmTopic: Topic.fromTopicArn(stack, 'Alarms', 'arn:aws:sns:eu-west-1:123456789012:alarms'),
      pollers: EventPollers.provisioned({ minimumPollers: 1, maximumPollers: 2 }),
      transactional: true,
    });
    // THEN
    expect(new AwsSolutionsChecks().validateScope(stream).violations).toEqual([]);
    Template.fromStack(stack).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmActions: ['arn:aws:sns:eu-west-1:123456789012:alarms'],
    });
  });
});

describe('KafkaInferenceStream grants for the stream’s neighbours', () => {
  it('lets a producer write the input topic and a consumer read the output topic, nothing more', () => {
    // GIVEN a stream on MSK IAM and two other functions
    const stack = testStack();
    const stream = new KafkaInferenceStream(stack, 'Iris', { ...base, source: KafkaSource.msk(CLUSTER_ARN) });
    const other = (id: string) =>
      LambdaFunction.fromFunctionAttributes(stack, id, {
        functionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${id}`,
        role: new Role(stack, `${id}Role`, { assumedBy: new ServicePrincipal('lambda.amazonaws.com') }),
      });
    // WHEN
    stream.grantWriteInput(other('Producer'));
    stream.grantReadOutput(other('Consumer'), 'dashboards');
    // THEN
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ProducerRole') }],
      PolicyDocument: {
        Statement: [
          { Action: 'kafka-cluster:Connect', Effect: 'Allow', Resource: CLUSTER_ARN },
          {
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
            Effect: 'Allow',
            Resource: topicArn('iris-input'),
          },
        ],
      },
    });
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^ConsumerRole') }],
      PolicyDocument: {
        Statement: [
          { Action: 'kafka-cluster:Connect', Effect: 'Allow', Resource: CLUSTER_ARN },
          {
            Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
            Effect: 'Allow',
            Resource: topicArn('iris-output'),
          },
          {
            Action: ['kafka-cluster:AlterGroup', 'kafka-cluster:DescribeGroup'],
            Effect: 'Allow',
            Resource: groupArn('dashboards'),
          },
        ],
      },
    });
  });
});
