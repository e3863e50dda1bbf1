import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, Fn, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import {
  Code,
  EventRecordFormat,
  EventSourceMappingLogLevel,
  KafkaSchemaRegistryAccessConfigType,
  KafkaSchemaValidationAttribute,
  Function as LambdaFunction,
  MetricType,
  Runtime,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import { Bucket, BucketEncryption } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { buildApp } from '../../../lib/app.js';
import { KafkaAuthentication } from '../../../lib/authentication.js';
import { ignoreL2FunctionRoleDependsOn } from '../../../lib/cfn-lint.js';
import { Coalesce } from '../../../lib/coalesce.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import { OnFailureDestination } from '../../../lib/on-failure.js';
import { StreamSchemaRegistry } from '../../../lib/schema-registry.js';
import { CLUSTER_ARN, REPO_ROOT, synthStream, testApp, testStack } from './helpers.js';

/** A template to lint, named for the file it is written to. */
export interface LintTarget {
  readonly name: string;
  readonly template: () => unknown;
}

const VPC_CONTEXT = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2',
  availabilityZones: 'eu-west-1a,eu-west-1b',
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_inference-AbCdEf';
const SECRET_KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The app as `npx cdk synth -c ...` builds it, cdk-nag plugin included. */
const appTemplate = (context: Record<string, unknown>) => () =>
  Template.fromStack(buildApp(testApp(context))).toJSON();

const importedVpc = (stack: Stack) =>
  Vpc.fromVpcAttributes(stack, 'ImportedVpc', {
    vpcId: VPC_CONTEXT.vpcId,
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: VPC_CONTEXT.subnetIds.split(','),
  });

/**
 * A VPC of the stack (its subnets are Refs in the template). Without the default security group's
 * custom resource: its provider function is CDK's, not ours, and draws the W3005 finding the
 * construct's function carries an ignore for.
 */
const newVpc = (stack: Stack) =>
  new Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1, restrictDefaultSecurityGroup: false });

/** A construct variant: `STREAM_BASE` plus what `props` adds, in a stack of its own (no cdk-nag). */
const streamTemplate = (props: (stack: Stack) => Parameters<typeof synthStream>[0]) => (): unknown => {
  const stack = testStack();
  return synthStream(props(stack), stack).template.toJSON();
};

/**
 * Every example manifest, built by the app (`-c manifest=examples/<file> -c vpcId=…`): their brokers
 * are private addresses without authentication, which only a VPC reaches.
 */
export const EXAMPLE_TARGETS: LintTarget[] = readdirSync(join(REPO_ROOT, 'examples'))
  .filter((f) => f.endsWith('.yaml'))
  .sort()
  .map((f) => ({
    name: `example-${f.replace(/\.yaml$/, '')}`,
    template: appTemplate({ manifest: join(REPO_ROOT, 'examples', f), ...VPC_CONTEXT }),
  }));

const SEED = join(REPO_ROOT, 'examples', 'tfserving-cifar10.yaml');

/** The app's context overrides: MSK, authentication, VPC, pollers, alarms. */
export const APP_TARGETS: LintTarget[] = [
  {
    name: 'app-msk-iam-vpc-provisioned-alarms',
    template: appTemplate({
      manifest: SEED,
      mskClusterArn: CLUSTER_ARN,
      minimumPollers: '1',
      maximumPollers: '4',
      alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
      ...VPC_CONTEXT,
    }),
  },
  {
    name: 'app-msk-scram',
    template: appTemplate({
      manifest: SEED,
      mskClusterArn: CLUSTER_ARN,
      kafkaAuth: 'scram-sha-512',
      kafkaSecretArn: SECRET_ARN,
      kafkaSecretKeyArn: SECRET_KEY_ARN,
    }),
  },
  {
    name: 'app-self-managed-root-ca-vpc',
    template: appTemplate({ manifest: SEED, kafkaRootCaSecretArn: SECRET_ARN, ...VPC_CONTEXT }),
  },
  {
    name: 'app-self-managed-mtls-vpc',
    template: appTemplate({
      manifest: SEED,
      kafkaAuth: 'mtls',
      kafkaSecretArn: SECRET_ARN,
      securityGroupIds: 'sg-0123456789abcdef0',
      ...VPC_CONTEXT,
    }),
  },
];

/** KafkaInferenceStream's variants: each source, authentication, endpoint kind and option group. */
export const CONSTRUCT_TARGETS: LintTarget[] = [
  {
    name: 'stream-msk-iam-defaults',
    template: streamTemplate(() => ({ source: KafkaSource.msk(CLUSTER_ARN) })),
  },
  {
    name: 'stream-msk-iam-transactional-kafka-dlq-provisioned',
    template: streamTemplate((stack) => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      vpc: importedVpc(stack),
      transactional: true,
      onFailure: OnFailureDestination.kafkaTopic('iris-input-dlq'),
      pollers: EventPollers.provisioned({ minimumPollers: 2, maximumPollers: 20 }),
      alarmTopic: new Topic(stack, 'Alarms'),
      alarmThresholds: { errors: 5, throttles: 5, offsetLag: 10_000, deadLettered: 10, eventsRefused: 1 },
      dashboardName: 'iris-stream',
      modelTimeout: Duration.seconds(5),
      memorySize: 2048,
      timeout: Duration.minutes(2),
      environment: { EXTRA: 'x' },
    })),
  },
  {
    name: 'stream-msk-iam-cluster-arn-token',
    template: streamTemplate(() => ({
      source: KafkaSource.msk(Fn.importValue('ClusterArn')),
      consumerGroupId: 'g',
    })),
  },
  {
    name: 'stream-msk-scram-new-vpc',
    template: streamTemplate((stack) => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      vpc: newVpc(stack),
      // MSK takes SCRAM secrets under a customer managed key only.
      authentication: KafkaAuthentication.scram(
        new Secret(stack, 'Credentials', {
          encryptionKey: new Key(stack, 'CredentialsKey', { enableKeyRotation: true }),
        }),
      ),
    })),
  },
  {
    name: 'stream-msk-mtls',
    template: streamTemplate((stack) => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      vpc: importedVpc(stack),
      authentication: KafkaAuthentication.mtls(new Secret(stack, 'Certificate')),
    })),
  },
  {
    name: 'stream-msk-no-auth',
    template: streamTemplate((stack) => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      vpc: importedVpc(stack),
      authentication: KafkaAuthentication.none(),
      tls: false,
    })),
  },
  {
    name: 'stream-self-managed-scram-vpc-sqs-dlq',
    template: streamTemplate((stack) => ({
      source: KafkaSource.selfManaged({ bootstrapServers: ['b-1.example.com:9096', 'b-2.example.com:9096'] }),
      vpc: newVpc(stack),
      authentication: KafkaAuthentication.scram(new Secret(stack, 'Credentials'), { mechanism: 'sha-256' }),
      onFailure: OnFailureDestination.sqsQueue(new Queue(stack, 'Dlq', { enforceSSL: true })),
    })),
  },
  {
    name: 'stream-self-managed-mtls-vpc-s3-dlq',
    template: streamTemplate((stack) => {
      const vpc = importedVpc(stack);
      return {
        source: KafkaSource.selfManaged({ bootstrapServers: ['b-1.example.com:9094'] }),
        vpc,
        securityGroups: [new SecurityGroup(stack, 'Brokers', { vpc })],
        authentication: KafkaAuthentication.mtls(new Secret(stack, 'Certificate')),
        onFailure: OnFailureDestination.s3Bucket(
          new Bucket(stack, 'Failed', {
            encryption: BucketEncryption.KMS,
            encryptionKey: new Key(stack, 'FailedKey', { enableKeyRotation: true }),
            enforceSSL: true,
          }),
        ),
      };
    }),
  },
  {
    name: 'stream-self-managed-grpc-seldon-polling-options',
    template: streamTemplate((stack) => ({
      source: KafkaSource.selfManaged({ bootstrapServers: ['kafka.example.com:9092'] }),
      vpc: importedVpc(stack),
      modelEndpoint: 'grpc://seldon.example.com:5000',
      transport: 'grpc',
      protocol: 'seldon',
      seldonApi: 'microservice',
      startingPosition: StartingPosition.AT_TIMESTAMP,
      startingPositionTimestamp: 1_767_225_600,
      batchSize: 500,
      maxBatchingWindow: Duration.seconds(2),
      filters: [{ pattern: '{"value":{"model":["iris"]}}' }],
      retryAttempts: 3,
      maxRecordAge: Duration.hours(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: false,
      enabled: false,
    })),
  },
  {
    name: 'stream-self-managed-root-ca-metrics-logging-filter-key-tuning',
    template: streamTemplate((stack) => ({
      source: KafkaSource.selfManaged({
        bootstrapServers: ['b-1.kafka.internal:9096', 'b-2.kafka.internal:9096'],
        rootCaCertificate: new Secret(stack, 'RootCa', {
          encryptionKey: new Key(stack, 'RootCaKey', { enableKeyRotation: true }),
        }),
      }),
      authentication: KafkaAuthentication.scram(new Secret(stack, 'Credentials')),
      vpc: importedVpc(stack),
      metricsConfig: { metrics: [MetricType.EVENT_COUNT, MetricType.ERROR_COUNT, MetricType.KAFKA_METRICS] },
      logLevel: EventSourceMappingLogLevel.WARN,
      filters: [{ pattern: '{"value":{"model":["iris"]}}' }],
      filterEncryption: new Key(stack, 'FilterKey', { enableKeyRotation: true }),
      retryAttempts: 5,
      onFailure: OnFailureDestination.kafkaTopic('iris-input-dlq'),
      alarmThresholds: { droppedEvents: 3 },
      modelTimeout: Duration.seconds(4),
      modelConcurrency: 8,
      coalesce: Coalesce.auto(),
      maxRecordBytes: 500_000,
      safetyMargin: Duration.seconds(5),
      retryBaseDelay: Duration.millis(50),
      retryMaxDelay: Duration.seconds(2),
    })),
  },
  {
    name: 'stream-msk-glue-schema-registry',
    template: streamTemplate(() => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      schemaRegistry: StreamSchemaRegistry.glue('arn:aws:glue:eu-west-1:123456789012:registry/models'),
    })),
  },
  {
    name: 'stream-self-managed-confluent-schema-registry-source-grpc',
    template: streamTemplate((stack) => ({
      source: KafkaSource.selfManaged({ bootstrapServers: ['b-1.kafka.internal:9094'] }),
      vpc: importedVpc(stack),
      modelEndpoint: 'grpc://seldon.example.com:5000',
      transport: 'grpc',
      schemaRegistry: StreamSchemaRegistry.confluent('https://registry.example.com', {
        eventRecordFormat: EventRecordFormat.SOURCE,
        validate: [KafkaSchemaValidationAttribute.KEY, KafkaSchemaValidationAttribute.VALUE],
        authentication: {
          type: KafkaSchemaRegistryAccessConfigType.CLIENT_CERTIFICATE_TLS_AUTH,
          secret: new Secret(stack, 'RegistryCertificate'),
        },
        rootCaCertificate: { secret: new Secret(stack, 'RegistryRootCa') },
      }),
    })),
  },
  {
    name: 'stream-lambda-model-function',
    template: streamTemplate((stack) => {
      const model = new LambdaFunction(stack, 'Model', {
        runtime: Runtime.PYTHON_3_13,
        handler: 'index.handler',
        code: Code.fromInline('def handler(event, context):\n    return event'),
      });
      // The fixture's own L2 Function draws the same W3005 as the stream's.
      ignoreL2FunctionRoleDependsOn(model);
      return { source: KafkaSource.msk(CLUSTER_ARN), modelEndpoint: model };
    }),
  },
  {
    name: 'stream-lambda-model-name',
    template: streamTemplate(() => ({
      source: KafkaSource.msk(CLUSTER_ARN),
      modelEndpoint: 'lambda:iris-model',
    })),
  },
];

/**
 * The default stream with its cfn-lint ignores taken out of the template: the finding they silence
 * must show, which proves both that cfn-lint looks at our templates and that the ignore is still needed.
 */
export const CANARY_TARGET: LintTarget = {
  name: 'canary-stream-without-ignores',
  template: () => {
    const template = streamTemplate(() => ({ source: KafkaSource.msk(CLUSTER_ARN) }))() as {
      Resources: Record<string, { Metadata?: Record<string, unknown> }>;
    };
    for (const resource of Object.values(template.Resources)) delete resource.Metadata?.['cfn-lint'];
    return template;
  },
};
