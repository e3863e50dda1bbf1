/**
 * A CDK app for `npm run deploy:local -- full-options`: three KafkaInferenceStreams that, between
 * them, set every event source mapping option the construct offers, each to a value other than its
 * default, so the round trip compares them present on both sides (the default app sets almost none).
 *
 *   npx cdk deploy --app "npx tsx scripts/deploy-local/full-options-app.ts"
 *
 * Only for moto: the cluster, the secret, the VPC's subnets and security group are placeholders that
 * moto never checks, and cdk-nag does not run (the queue and the bucket exist only as destinations).
 */
import { App, Duration, Stack } from 'aws-cdk-lib';
import { SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { FilterCriteria, FilterRule, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { Bucket } from 'aws-cdk-lib/aws-s3';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import {
  EventPollers,
  KafkaAuthentication,
  KafkaInferenceStream,
  KafkaSource,
  OnFailureDestination,
} from '../../lib/index.js';
import { FULL_OPTIONS_STACK, MSK_CLUSTER_ARN, SCRAM_SECRET_ARN } from './deployments.js';
import { ACCOUNT, REGION } from './endpoint.js';

const CLIENT_CERTIFICATE_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:deploy-local-client-cert-AbCdEf`;

const MODEL = {
  modelEndpoint: 'https://models.internal.example.com',
  protocol: 'v2',
  modelName: 'iris',
} as const;

const app = new App();
const stack = new Stack(app, FULL_OPTIONS_STACK, {
  description: 'npm run deploy:local: every event source mapping option of KafkaInferenceStream',
});
const scramSecret = Secret.fromSecretCompleteArn(stack, 'ScramSecret', SCRAM_SECRET_ARN);
const clientCertificate = Secret.fromSecretCompleteArn(stack, 'ClientCertificate', CLIENT_CERTIFICATE_ARN);

// MSK, mutual TLS, failures to SQS, from a timestamp, filtered. (SCRAM-512: iris-seldon-grpc.)
new KafkaInferenceStream(stack, 'MskMtlsSqs', {
  source: KafkaSource.msk(MSK_CLUSTER_ARN),
  authentication: KafkaAuthentication.mtls(clientCertificate),
  inputTopic: 'full-msk-input',
  outputTopic: 'full-msk-output',
  errorTopic: 'full-msk-errors',
  consumerGroupId: 'deploy-local-msk-mtls-sqs',
  startingPosition: StartingPosition.AT_TIMESTAMP,
  startingPositionTimestamp: 1_767_225_600,
  batchSize: 250,
  maxBatchingWindow: Duration.seconds(2),
  pollers: EventPollers.provisioned({ minimumPollers: 2, maximumPollers: 20 }),
  filters: [FilterCriteria.filter({ value: { model_name: FilterRule.isEqual('iris') } })],
  retryAttempts: 5,
  maxRecordAge: Duration.hours(1),
  bisectBatchOnError: true,
  onFailure: OnFailureDestination.sqsQueue(new Queue(stack, 'FailedBatches')),
  ...MODEL,
});

// Self-managed Kafka in a VPC, SASL/SCRAM-256, failures to S3, disabled, no partial batch responses.
const vpc = Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0de9100ca1000f001',
  availabilityZones: [`${REGION}a`, `${REGION}b`],
  privateSubnetIds: ['subnet-0de9100ca1000f001', 'subnet-0de9100ca1000f002'],
});
new KafkaInferenceStream(stack, 'SelfManagedS3', {
  source: KafkaSource.selfManaged({
    bootstrapServers: ['b-1.kafka.internal:9096', 'b-2.kafka.internal:9096'],
  }),
  authentication: KafkaAuthentication.scram(scramSecret, { mechanism: 'sha-256' }),
  vpc,
  securityGroups: [SecurityGroup.fromSecurityGroupId(stack, 'BrokerAccess', 'sg-0de9100ca1000f001')],
  inputTopic: 'full-self-input',
  outputTopic: 'full-self-output',
  consumerGroupId: 'deploy-local-self-managed-s3',
  startingPosition: StartingPosition.TRIM_HORIZON,
  batchSize: 10_000,
  maxBatchingWindow: Duration.minutes(5),
  pollers: EventPollers.provisioned({ minimumPollers: 1, maximumPollers: 2000 }),
  filters: [
    FilterCriteria.filter({ value: { priority: FilterRule.isEqual('high') } }),
    FilterCriteria.filter({ key: FilterRule.exists() }),
  ],
  enabled: false,
  reportBatchItemFailures: false,
  retryAttempts: -1,
  maxRecordAge: Duration.days(7),
  bisectBatchOnError: false,
  onFailure: OnFailureDestination.s3Bucket(new Bucket(stack, 'FailedRecords')),
  ...MODEL,
});

// MSK with IAM (the default), failures to a Kafka topic of the same cluster, the smallest values.
new KafkaInferenceStream(stack, 'MskIamKafka', {
  source: KafkaSource.msk(MSK_CLUSTER_ARN),
  inputTopic: 'full-iam-input',
  outputTopic: 'full-iam-output',
  consumerGroupId: 'deploy-local-msk-iam-kafka',
  startingPosition: StartingPosition.LATEST,
  batchSize: 1,
  maxBatchingWindow: Duration.seconds(0),
  pollers: EventPollers.provisioned({ minimumPollers: 1, maximumPollers: 1 }),
  retryAttempts: 0,
  maxRecordAge: Duration.seconds(60),
  onFailure: OnFailureDestination.kafkaTopic('full-iam-dlq'),
  ...MODEL,
});

app.synth();
