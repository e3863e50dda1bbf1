import { join } from 'node:path';
import { Annotations, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../../lib/app.js';
import {
  CLUSTER_ARN,
  Match,
  normalizedTemplate,
  REPO_ROOT,
  statementWithSid,
  testApp,
  topicArn,
} from './helpers.js';

const SEED = join(REPO_ROOT, 'examples', 'tfserving-cifar10.yaml');
const VPC_CONTEXT = {
  vpcId: 'vpc-0123456789abcdef0',
  subnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2',
  availabilityZones: 'eu-west-1a,eu-west-1b',
};
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_inference-AbCdEf';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';

/** The findings cdk-nag's AwsSolutions pack would stop `cdk synth` with. */
const nagViolations = (context: Record<string, unknown>) => {
  const stack = buildApp(testApp(context));
  return new AwsSolutionsChecks().validateScope(stack).violations.map((v) => v.ruleName);
};

beforeEach(() => {
  // An env-agnostic stack, whatever the machine's AWS profile says.
  vi.stubEnv('CDK_DEFAULT_ACCOUNT', undefined);
  vi.stubEnv('CDK_DEFAULT_REGION', undefined);
});

describe('the CDK app', () => {
  it('with no manifest, deploys the demo: a Lambda function fed by a mapping on the input topic', () => {
    // GIVEN no context / WHEN the app is built
    const template = Template.fromStack(buildApp(testApp(VPC_CONTEXT)));
    // THEN (the Foundation's check)
    template.resourceCountIs('AWS::Lambda::Function', 1);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Handler: 'index.handler',
      Runtime: 'nodejs22.x',
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: Match.arrayWith(['iris-v2-rest-input']),
      FunctionName: { Ref: Match.stringLikeRegexp('Function') },
    });
  });

  it('synthesizes the seed manifest (snapshot, asset hashes normalized)', () => {
    // GIVEN the seed's SeldonDeployment / WHEN synthesized
    const stack = buildApp(testApp({ manifest: SEED, ...VPC_CONTEXT }));
    const template = Template.fromStack(stack);
    // THEN one stream, the seed's topics and model, and a stable template
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      Topics: ['cifar10-rest-input'],
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['10.12.10.16:9094'] } },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'seldon-tfserving-cifar10-model' },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          PROTOCOL: 'tensorflow',
          MODEL_NAME: 'resnet32',
          KAFKA_BROKER: '10.12.10.16:9094',
        }),
      },
    });
    Annotations.fromStack(stack).hasWarning(
      '/MskInferenceStack',
      Match.stringLikeRegexp('MODEL_ENDPOINT is not set'),
    );
    expect(normalizedTemplate(template)).toMatchSnapshot();
  });

  it('consumes from MSK with IAM when given -c mskClusterArn, inside the VPC of -c vpcId', () => {
    const stack = buildApp(
      testApp({
        manifest: SEED,
        mskClusterArn: CLUSTER_ARN,
        modelEndpoint: 'https://tf.example.com',
        ...VPC_CONTEXT,
      }),
    );
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', { EventSourceArn: CLUSTER_ARN });
    template.hasResourceProperties('AWS::Lambda::Function', {
      VpcConfig: { SubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'] },
      Environment: {
        Variables: Match.objectLike({ MODEL_ENDPOINT: 'https://tf.example.com', KAFKA_AUTH: 'iam' }),
      },
    });
    expect(statementWithSid(template, 'KafkaReadInput')?.Resource).toBe(topicArn('cifar10-rest-input'));
  });

  it('lets the role decrypt the SCRAM secret with the key of -c kafkaSecretKeyArn, and warns without one', () => {
    // GIVEN MSK SCRAM with and without the secret's key
    const scram = {
      manifest: SEED,
      mskClusterArn: CLUSTER_ARN,
      kafkaAuth: 'scram-sha-512',
      kafkaSecretArn: SECRET_ARN,
    };
    // WHEN
    const withKey = buildApp(testApp({ ...scram, kafkaSecretKeyArn: KEY_ARN, ...VPC_CONTEXT }));
    const without = buildApp(testApp({ ...scram, ...VPC_CONTEXT }));
    // THEN
    expect(statementWithSid(Template.fromStack(withKey), 'DecryptKafkaSecret')).toMatchObject({
      Action: 'kms:Decrypt',
      Resource: KEY_ARN,
      Condition: { StringEquals: { 'kms:EncryptionContext:SecretARN': SECRET_ARN } },
    });
    const keyWarning = Match.stringLikeRegexp('msk-inference:scramSecretKey');
    expect(Annotations.fromStack(withKey).findWarning('*', keyWarning)).toEqual([]);
    expect(Annotations.fromStack(without).findWarning('*', keyWarning)).toHaveLength(1);
  });

  it('synthesizes the default manifest with no warning at all', () => {
    // GIVEN no manifest (examples/iris-v2.yaml) and the VPC its brokers need / WHEN built
    const stack = buildApp(testApp(VPC_CONTEXT));
    // THEN the defaults (provisioned pollers with partial batch responses) draw no warning
    expect(Annotations.fromStack(stack).findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('trusts the private root CA of -c kafkaRootCaSecretArn in every mapping and producer', () => {
    const stack = buildApp(testApp({ manifest: SEED, kafkaRootCaSecretArn: SECRET_ARN, ...VPC_CONTEXT }));
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      SourceAccessConfigurations: Match.arrayWith([{ Type: 'SERVER_ROOT_CA_CERTIFICATE', URI: SECRET_ARN }]),
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ KAFKA_ROOT_CA_SECRET_ARN: SECRET_ARN, KAFKA_TLS: 'true' }),
      },
    });
  });

  describe('two graphs on one input topic, once one cluster is forced on both', () => {
    const twoClusters = join(REPO_ROOT, 'test', 'unit', 'cdk', 'fixtures', 'one-topic-two-clusters.yaml');

    it('are two streams on their own clusters', () => {
      const template = Template.fromStack(buildApp(testApp({ manifest: twoClusters, ...VPC_CONTEXT })));
      template.resourceCountIs('AWS::Lambda::EventSourceMapping', 2);
    });

    it.each([
      [{ mskClusterArn: CLUSTER_ARN }, 'mskClusterArn'],
      [{ bootstrapServers: '10.0.9.9:9092' }, 'bootstrapServers'],
    ])('are refused with %o, naming both predictors', (context, key) => {
      expect(() => buildApp(testApp({ manifest: twoClusters, ...context, ...VPC_CONTEXT }))).toThrow(
        `iris-west and iris-east both read KAFKA_INPUT_TOPIC 'iris-input' on the cluster of -c ${key}: ` +
          'two graphs would each answer every record; give each graph its own input topic',
      );
    });
  });

  describe('passes cdk-nag AwsSolutions with no unacknowledged finding', () => {
    it.each([
      ['the demo', VPC_CONTEXT],
      ['the seed manifest', { manifest: SEED, ...VPC_CONTEXT }],
      [
        'MSK + IAM in a VPC, provisioned, alarms to SNS',
        {
          manifest: SEED,
          mskClusterArn: CLUSTER_ARN,
          minimumPollers: '1',
          maximumPollers: '4',
          alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:alarms',
          ...VPC_CONTEXT,
        },
      ],
      [
        'MSK + SCRAM, the secret under a customer managed key',
        {
          manifest: SEED,
          mskClusterArn: CLUSTER_ARN,
          kafkaAuth: 'scram-sha-512',
          kafkaSecretArn: SECRET_ARN,
          kafkaSecretKeyArn: KEY_ARN,
        },
      ],
      [
        'self-managed + mTLS in a VPC',
        { manifest: SEED, kafkaAuth: 'mtls', kafkaSecretArn: SECRET_ARN, ...VPC_CONTEXT },
      ],
    ])('%s', (_name, context) => {
      expect(nagViolations(context)).toEqual([]);
    });

    it('and synthesizes with the pack registered as a validation plugin', () => {
      const app = testApp({ manifest: SEED, mskClusterArn: CLUSTER_ARN, ...VPC_CONTEXT });
      const stack = buildApp(app);
      expect(() => app.synth()).not.toThrow();
      expect(Annotations.fromStack(stack).findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual(
        [],
      );
    });
  });

  describe('rejects bad context, naming the key', () => {
    it.each([
      [{ manifest: join(REPO_ROOT, 'examples', 'missing.yaml') }, /-c manifest=.*missing\.yaml: cannot read/],
      [{ vpcId: 'vpc-1' }, /-c vpcId needs -c subnetIds=/],
      [{ kafkaAuth: 'kerberos' }, /-c kafkaAuth=kerberos is not one of none, iam/],
      [{ kafkaAuth: 'scram-sha-512' }, /-c kafkaSecretArn is required with -c kafkaAuth=scram-sha-512/],
      [{ minimumPollers: 'one' }, /-c minimumPollers=one is not an integer/],
      [
        { mskClusterArn: CLUSTER_ARN, kafkaRootCaSecretArn: SECRET_ARN },
        /-c kafkaRootCaSecretArn is for self-managed brokers/,
      ],
      [{}, /authentication and vpc: self-managed brokers without authentication must be reached through vpc/],
    ])('%o', (context, message) => {
      expect(() => buildApp(testApp(context))).toThrow(message);
    });

    it('and fails on a manifest that is not serverType: kafka, naming the field', () => {
      const bad = join(REPO_ROOT, 'test', 'unit', 'cdk', 'fixtures', 'not-kafka.yaml');
      expect(() => buildApp(testApp({ manifest: bad }))).toThrow(/spec\.serverType: must be kafka/);
    });
  });
});
