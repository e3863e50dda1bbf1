import { type ISecurityGroup, type IVpc, type SubnetSelection, SubnetType } from 'aws-cdk-lib/aws-ec2';
import {
  EventSourceMapping,
  type IFunction,
  type SourceAccessConfiguration,
  SourceAccessConfigurationType,
  StartingPosition,
} from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import type { KafkaAuthentication } from './authentication.js';
import type { EventPollers } from './event-pollers.js';
import type { KafkaSourceConfig } from './kafka-source.js';
import type { EventSourceMappingOptions } from './mapping-props.js';

const SOURCE_ACCESS: Record<string, SourceAccessConfigurationType | undefined> = {
  'scram-sha-256': SourceAccessConfigurationType.SASL_SCRAM_256_AUTH,
  'scram-sha-512': SourceAccessConfigurationType.SASL_SCRAM_512_AUTH,
  mtls: SourceAccessConfigurationType.CLIENT_CERTIFICATE_TLS_AUTH,
};

/** The default subnets of the function and of a self-managed mapping in a VPC. */
export const DEFAULT_SUBNETS: SubnetSelection = { subnetType: SubnetType.PRIVATE_WITH_EGRESS };

/** What the mapping is built from, once the props are validated and defaulted. */
export interface StreamMappingInputs {
  readonly target: IFunction;
  readonly source: KafkaSourceConfig;
  readonly auth: KafkaAuthentication;
  readonly inputTopic: string;
  readonly consumerGroupId: string;
  readonly pollers: EventPollers;
  readonly reportBatchItemFailures: boolean;
  readonly vpc?: IVpc;
  readonly vpcSubnets?: SubnetSelection;
  readonly securityGroups?: ISecurityGroup[];
}

/**
 * The stream's Kafka event source mapping, every setting through the L2 `EventSourceMapping`
 * (it has them all, `MetricsConfig`, `LoggingConfig`, `KmsKeyArn` and `SchemaRegistryConfig` included).
 *
 * @example
 * const mapping = streamMapping(this, props, { target: fn, source, auth, inputTopic, consumerGroupId, pollers, reportBatchItemFailures: true });
 */
export const streamMapping = (
  scope: Construct,
  options: EventSourceMappingOptions,
  inputs: StreamMappingInputs,
): EventSourceMapping => {
  const { source } = inputs;
  return new EventSourceMapping(scope, 'EventSourceMapping', {
    target: inputs.target,
    ...(source.kind === 'msk'
      ? { eventSourceArn: source.clusterArn }
      : { kafkaBootstrapServers: [...source.bootstrapServers] }),
    kafkaTopic: inputs.inputTopic,
    kafkaConsumerGroupId: inputs.consumerGroupId,
    startingPosition: options.startingPosition ?? StartingPosition.LATEST,
    startingPositionTimestamp: options.startingPositionTimestamp,
    batchSize: options.batchSize,
    maxBatchingWindow: options.maxBatchingWindow,
    provisionedPollerConfig: inputs.pollers.config,
    filters: options.filters,
    filterEncryption: options.filterEncryption,
    enabled: options.enabled,
    reportBatchItemFailures: inputs.reportBatchItemFailures,
    retryAttempts: options.retryAttempts,
    maxRecordAge: options.maxRecordAge,
    bisectBatchOnError: options.bisectBatchOnError,
    onFailure: options.onFailure?._toEventSourceDlq(),
    supportS3OnFailureDestination: true,
    metricsConfig: options.metricsConfig,
    logLevel: options.logLevel,
    schemaRegistryConfig: options.schemaRegistry,
    sourceAccessConfigurations: sourceAccessConfigurations(inputs),
  });
};

/**
 * The secrets the mapping reads (credentials, client certificate, a private root CA) and, for
 * self-managed brokers in a VPC, where its pollers run: MSK pollers use the cluster's own subnets
 * and security groups.
 *
 * @see https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-eventsourcemapping-sourceaccessconfiguration.html
 */
const sourceAccessConfigurations = (inputs: StreamMappingInputs): SourceAccessConfiguration[] | undefined => {
  const { source, auth, vpc, securityGroups } = inputs;
  const configs: SourceAccessConfiguration[] = [];
  const type = SOURCE_ACCESS[auth.kind];
  if (type && auth.secret) configs.push({ type, uri: auth.secret.secretArn });
  if (source.kind === 'self-managed' && source.rootCa) {
    configs.push({
      type: SourceAccessConfigurationType.SERVER_ROOT_CA_CERTIFICATE,
      uri: source.rootCa.secret.secretArn,
    });
  }
  if (source.kind === 'self-managed' && vpc && securityGroups) {
    for (const sg of securityGroups) {
      configs.push({ type: SourceAccessConfigurationType.VPC_SECURITY_GROUP, uri: sg.securityGroupId });
    }
    for (const subnetId of vpc.selectSubnets(inputs.vpcSubnets ?? DEFAULT_SUBNETS).subnetIds) {
      configs.push({ type: SourceAccessConfigurationType.VPC_SUBNET, uri: subnetId });
    }
  }
  return configs.length > 0 ? configs : undefined;
};
