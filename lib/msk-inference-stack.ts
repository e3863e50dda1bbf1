import { Annotations, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { type IVpc, SecurityGroup, Vpc } from 'aws-cdk-lib/aws-ec2';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { ProvisionedPollerConfig } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { KafkaAuthentication, type KafkaAuthKind } from './authentication.js';
import { EventPollers } from './event-pollers.js';
import { KafkaInferenceStream } from './kafka-inference-stream.js';
import { KafkaSource } from './kafka-source.js';
import { StreamSchemaRegistry } from './schema-registry.js';
import type { SeldonStreamSpec } from './seldon-manifest.js';

/** The app's `kafkaAuth`, `kafkaSecretArn` and `kafkaSecretKeyArn`. */
export interface StreamAuthenticationContext {
  readonly kind: KafkaAuthKind;
  /** The secret's complete ARN; required for SCRAM and mTLS. */
  readonly secretArn?: string;
  /**
   * The customer managed KMS key the secret is encrypted with (MSK requires one for SCRAM).
   * @default - none known: the role gets no kms:Decrypt
   */
  readonly secretKeyArn?: string;
}

/** An existing VPC, described without a lookup so `cdk synth` needs no AWS credentials. */
export interface ImportedVpcAttributes {
  readonly vpcId: string;
  readonly availabilityZones: string[];
  /** One private subnet per availability zone (or a multiple of them), with egress. */
  readonly privateSubnetIds: string[];
  /** @default - the stream creates a security group */
  readonly securityGroupIds?: string[];
}

/** The stack's inputs: the manifest's streams and the deployment-side overrides. */
export interface MskInferenceStackProps extends StackProps {
  /** One stream per predictor. */
  readonly streams: SeldonStreamSpec[];
  /**
   * Consume from this MSK cluster instead of the manifest's `KAFKA_BROKER`.
   * @default - self-managed Kafka at each predictor's KAFKA_BROKER
   */
  readonly mskClusterArn?: string;
  /**
   * Replaces every predictor's `KAFKA_BROKER` (self-managed Kafka).
   * @default - the manifest's
   */
  readonly bootstrapServers?: string[];
  /**
   * The full ARN of a secret `{"certificate": "<PEM>"}`: the private root CA of self-managed
   * brokers, trusted by every mapping and producer.
   * @default - the brokers' certificates chain to a publicly trusted CA
   */
  readonly kafkaRootCaSecretArn?: string;
  /**
   * Replaces every predictor's model endpoint.
   * @default - the manifest's
   */
  readonly modelEndpoint?: string;
  /**
   * Authentication for every stream; `secretArn` is required for SCRAM and mTLS.
   * @default - IAM for MSK, none for self-managed Kafka
   */
  readonly authentication?: StreamAuthenticationContext;
  /**
   * Where the functions (and self-managed pollers) run.
   * @default - outside any VPC
   */
  readonly vpc?: ImportedVpcAttributes;
  /**
   * Provisioned pollers' bounds for every mapping.
   * @default - `EventPollers.provisioned()`: 1 to 10 pollers
   */
  readonly provisionedPollers?: ProvisionedPollerConfig;
  /**
   * An SNS topic ARN for alarm notifications.
   * @default - no notifications
   */
  readonly alarmTopicArn?: string;
}

/**
 * With `-c mskClusterArn` or `-c bootstrapServers` every stream reads the same cluster, so predictors
 * of different brokers in the manifest may now share an input topic: two graphs answering each record.
 */
const oneGraphPerInputOnOneCluster = (props: MskInferenceStackProps): void => {
  const key = props.mskClusterArn ? 'mskClusterArn' : 'bootstrapServers';
  const readers = new Map<string, string>();
  for (const { name, inputTopic } of props.streams) {
    const first = readers.get(inputTopic);
    if (first !== undefined) {
      throw new Error(
        `${name} and ${first} both read KAFKA_INPUT_TOPIC '${inputTopic}' on the cluster of -c ${key}: ` +
          'two graphs would each answer every record; give each graph its own input topic',
      );
    }
    readers.set(inputTopic, name);
  }
};

/**
 * One `KafkaInferenceStream` per predictor of a SeldonDeployment.
 *
 * @example
 * new MskInferenceStack(app, 'MskInferenceStack', { streams: parseSeldonDeployment(text) });
 */
export class MskInferenceStack extends Stack {
  public readonly streams: KafkaInferenceStream[];

  constructor(scope: Construct, id: string, props: MskInferenceStackProps) {
    super(scope, id, props);
    const vpc = props.vpc ? this.importVpc(props.vpc) : undefined;
    const securityGroups = props.vpc?.securityGroupIds?.map((sgId, i) =>
      SecurityGroup.fromSecurityGroupId(this, `SecurityGroup${i}`, sgId),
    );
    const authentication = props.authentication ? this.authentication(props.authentication) : undefined;
    if (props.mskClusterArn || props.bootstrapServers) oneGraphPerInputOnOneCluster(props);
    if (props.mskClusterArn && props.kafkaRootCaSecretArn) {
      throw new Error('-c kafkaRootCaSecretArn is for self-managed brokers; MSK brokers need no root CA');
    }
    const rootCaCertificate = props.kafkaRootCaSecretArn
      ? Secret.fromSecretCompleteArn(this, 'KafkaRootCa', props.kafkaRootCaSecretArn)
      : undefined;
    const alarmTopic = props.alarmTopicArn
      ? Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn)
      : undefined;

    this.streams = props.streams.map((spec) => {
      if (spec.modelEndpointFrom === 'graph' && !props.modelEndpoint) {
        Annotations.of(this).addWarningV2(
          'msk-inference:modelEndpointFromGraph',
          `${spec.name}: MODEL_ENDPOINT is not set, so the model is assumed at ${spec.modelEndpoint} ` +
            '(graph.endpoint), an address in a Seldon pod that Lambda cannot reach; ' +
            'set MODEL_ENDPOINT in svcOrchSpec.env or pass -c modelEndpoint=',
        );
      }
      if (props.mskClusterArn && !props.bootstrapServers) {
        Annotations.of(this).addWarningV2(
          'msk-inference:mskBrokers',
          `${spec.name}: consuming from MSK; KAFKA_BROKER (${spec.bootstrapServers.join(',')}) is not used, ` +
            'the handler publishes to the brokers the event names',
        );
      }
      return new KafkaInferenceStream(this, spec.name, {
        source: props.mskClusterArn
          ? KafkaSource.msk(props.mskClusterArn)
          : KafkaSource.selfManaged({
              bootstrapServers: props.bootstrapServers ?? spec.bootstrapServers,
              ...(rootCaCertificate ? { rootCaCertificate } : {}),
            }),
        ...(authentication ? { authentication } : {}),
        ...(vpc ? { vpc, ...(securityGroups ? { securityGroups } : {}) } : {}),
        inputTopic: spec.inputTopic,
        outputTopic: spec.outputTopic,
        errorTopic: spec.errorTopic,
        consumerGroupId: `seldon-${spec.name}`,
        modelEndpoint: props.modelEndpoint ?? spec.modelEndpoint,
        modelName: spec.modelName,
        protocol: spec.protocol,
        transport: spec.transport,
        ...(spec.seldonApi ? { seldonApi: spec.seldonApi } : {}),
        ...(spec.coalesce ? { coalesce: spec.coalesce } : {}),
        ...(spec.glueSchemaRegistryArn
          ? { schemaRegistry: StreamSchemaRegistry.glue(spec.glueSchemaRegistryArn) }
          : {}),
        serviceName: spec.name,
        pollers: EventPollers.provisioned(props.provisionedPollers),
        ...(alarmTopic ? { alarmTopic } : {}),
      });
    });
  }

  private importVpc(attrs: ImportedVpcAttributes): IVpc {
    const vpc = Vpc.fromVpcAttributes(this, 'Vpc', {
      vpcId: attrs.vpcId,
      availabilityZones: attrs.availabilityZones,
      privateSubnetIds: attrs.privateSubnetIds,
    });
    Validations.of(vpc).acknowledge({
      id: '@aws-cdk/aws-ec2:noSubnetRouteTableId',
      reason: 'The streams place functions and pollers in these subnets; nothing reads their route tables.',
    });
    return vpc;
  }

  private authentication(auth: StreamAuthenticationContext): KafkaAuthentication {
    if (auth.kind === 'iam') return KafkaAuthentication.iam();
    if (auth.kind === 'none') return KafkaAuthentication.none();
    if (!auth.secretArn) throw new Error(`-c kafkaSecretArn is required with -c kafkaAuth=${auth.kind}`);
    const secret = Secret.fromSecretCompleteArn(this, 'KafkaSecret', auth.secretArn);
    const options = auth.secretKeyArn
      ? { encryptionKey: Key.fromKeyArn(this, 'KafkaSecretKey', auth.secretKeyArn) }
      : {};
    if (auth.kind === 'mtls') return KafkaAuthentication.mtls(secret, options);
    return KafkaAuthentication.scram(secret, {
      ...options,
      mechanism: auth.kind === 'scram-sha-256' ? 'sha-256' : 'sha-512',
    });
  }
}
