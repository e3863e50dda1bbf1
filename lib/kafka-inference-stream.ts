import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Names, Stack, Validations } from 'aws-cdk-lib';
import type { Dashboard, Metric, MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';
import { Metric as CwMetric } from 'aws-cdk-lib/aws-cloudwatch';
import { type ISecurityGroup, SecurityGroup } from 'aws-cdk-lib/aws-ec2';
import { type Grant, type IGrantable, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, type EventSourceMapping, MetricType, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { DEFAULTS } from '../functions/stream-inference/contract.js';
import type { KafkaAuthentication } from './authentication.js';
import { bundleTargetOf, nodejsFunctionBundling } from './bundling.js';
import { ignoreL2FunctionRoleDependsOn } from './cfn-lint.js';
import { defaultClientId, handlerEnvironment } from './environment.js';
import { StreamConfigError } from './errors.js';
import { EventPollers } from './event-pollers.js';
import {
  acknowledgeTransactionalIds,
  grantInvokeModel,
  grantMskDescribe,
  grantMskIamStream,
  grantNetworkInterfaces,
  grantSchemaRegistryRead,
  grantSecretRead,
  grantTopicRead,
  grantTopicWrite,
} from './iam.js';
import type { KafkaSourceConfig } from './kafka-source.js';
import { resolveModelEndpoint } from './model-endpoint.js';
import { type StreamAlarms, type StreamMetricName, StreamMonitoring } from './monitoring.js';
import { type MskArns, mskArns } from './msk-arns.js';
import type { KafkaInferenceStreamProps } from './props.js';
import { DEFAULT_SUBNETS, streamMapping } from './stream-mapping.js';
import { validateProps, validateSource } from './validation.js';

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The handler every stream runs. */
export const HANDLER_ENTRY = join(REPO_ROOT, 'functions', 'stream-inference', 'index.ts');

/**
 * Seldon Core's `serverType: kafka` on AWS: a Lambda function, fed by an MSK or self-managed Kafka
 * event source mapping, that sends each record of the input topic to a model and publishes the answer
 * to the output topic (bad records to the error topic), with least-privilege IAM, alarms and a dashboard.
 *
 * @example
 * new KafkaInferenceStream(this, 'Iris', {
 *   source: KafkaSource.msk('arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abcd1234-0000-0000-0000-000000000000-1'),
 *   inputTopic: 'iris-input',
 *   outputTopic: 'iris-output',
 *   modelEndpoint: 'https://models.example.com',
 *   protocol: 'v2',
 *   modelName: 'iris',
 * });
 */
export class KafkaInferenceStream extends Construct {
  /** The handler function. */
  public readonly fn: NodejsFunction;
  /** The function's execution role (all grants land here). */
  public readonly role: Role;
  public readonly logGroup: LogGroup;
  /** The Kafka event source mapping feeding `fn`. */
  public readonly eventSourceMapping: EventSourceMapping;
  public readonly alarms: StreamAlarms;
  public readonly dashboard: Dashboard;
  public readonly inputTopic: string;
  public readonly outputTopic: string;
  public readonly errorTopic: string;
  public readonly consumerGroupId: string;
  /** The `service` dimension of the handler's metrics. */
  public readonly serviceName: string;
  /** The namespace of the handler's metrics. */
  public readonly metricsNamespace: string;
  private readonly source: KafkaSourceConfig;
  private readonly auth: KafkaAuthentication;
  private readonly arns?: MskArns;

  constructor(scope: Construct, id: string, props: KafkaInferenceStreamProps) {
    super(scope, id);
    const { source, auth } = validateSource(props);
    this.source = source;
    this.auth = auth;
    this.inputTopic = props.inputTopic;
    this.outputTopic = props.outputTopic;
    this.errorTopic = props.errorTopic ?? `${props.inputTopic}-errors`;
    const pollers = props.pollers ?? EventPollers.provisioned();
    validateProps(this, props, { source, auth, errorTopic: this.errorTopic, pollers });
    if (source.kind === 'msk') this.arns = mskArns(source.clusterArn);
    const transport = props.transport ?? 'rest';
    const endpoint = resolveModelEndpoint(this, props.modelEndpoint, transport);
    this.consumerGroupId =
      props.consumerGroupId ?? Names.uniqueResourceName(this, { maxLength: 100, separator: '-' });
    this.serviceName = props.serviceName ?? id;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULTS.metricsNamespace;
    // Item failures only where Lambda honours them: provisioned mode (validateProps refuses the rest).
    const reportBatchItemFailures = props.reportBatchItemFailures ?? pollers.mode === 'provisioned';
    const clientId = props.clientId ?? defaultClientId(this);

    this.logGroup = new LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
    });
    // Our own role: the default one carries AWSLambdaBasicExecutionRole (logs:* on every group) and,
    // in a VPC, AWSLambdaVPCAccessExecutionRole. This one holds only what the statements below add.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `Kafka inference stream ${this.node.path}`,
    });
    this.logGroup.grantWrite(this.role);

    const vpcSubnets = props.vpc ? (props.vpcSubnets ?? DEFAULT_SUBNETS) : undefined;
    const securityGroups: ISecurityGroup[] | undefined = props.vpc
      ? (props.securityGroups ?? [
          new SecurityGroup(this, 'SecurityGroup', {
            vpc: props.vpc,
            description: `Kafka inference stream ${this.node.path}: outbound to brokers and model`,
            allowAllOutbound: true,
          }),
        ])
      : undefined;

    const timeout = props.timeout ?? Duration.seconds(60);
    const environment = handlerEnvironment(props, {
      source,
      auth,
      errorTopic: this.errorTopic,
      modelEndpoint: endpoint.env,
      reportBatchItemFailures,
      clientId,
      timeoutMs: timeout.toMilliseconds(),
      serviceName: this.serviceName,
      metricsNamespace: this.metricsNamespace,
    });

    this.fn = new NodejsFunction(this, 'Function', {
      entry: HANDLER_ENTRY,
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: join(REPO_ROOT, 'package-lock.json'),
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 1024,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      description: `Seldon serverType: kafka stream ${this.inputTopic} -> ${this.outputTopic}`,
      environment,
      ...(props.tracing ? { tracing: Tracing.ACTIVE } : {}),
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets, securityGroups } : {}),
      // Shared with scripts/local and scripts/bench, so they run the bundle deployed here; built for
      // this environment, so it holds only the transport and AWS SDK clients the function can use.
      bundling: nodejsFunctionBundling(bundleTargetOf(environment)),
    });
    // cdk-nag L1 asks for the newest Node.js runtime; 22 is pinned to match the bundle's target.
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to Node.js 22 to match the esbuild target (node22) of the handler bundle.',
    });
    ignoreL2FunctionRoleDependsOn(this.fn);

    this.grantAccess(props, { invokeArn: endpoint.invokeArn, inVpc: props.vpc !== undefined, clientId });

    this.eventSourceMapping = streamMapping(this, props, {
      target: this.fn,
      source,
      auth,
      inputTopic: this.inputTopic,
      consumerGroupId: this.consumerGroupId,
      pollers,
      reportBatchItemFailures,
      ...(props.vpc ? { vpc: props.vpc, vpcSubnets, securityGroups } : {}),
    });
    // The mapping starts polling as soon as it exists: make it wait for the role's permissions.
    this.eventSourceMapping.node.addDependency(this.role);

    const monitoring = new StreamMonitoring(this, 'Monitoring', {
      fn: this.fn,
      title: `${Stack.of(this).stackName} ${this.serviceName}`,
      metric: (name, options) => this.metric(name, options),
      thresholds: props.alarmThresholds,
      ...(props.metricsConfig?.metrics.includes(MetricType.EVENT_COUNT)
        ? { eventSourceMappingId: this.eventSourceMapping.eventSourceMappingId }
        : {}),
      alarmTopic: props.alarmTopic,
      dashboardName: props.dashboardName,
    });
    this.alarms = monitoring.alarms;
    this.dashboard = monitoring.dashboard;
  }

  /** The mapping's UUID. */
  public get eventSourceMappingId(): string {
    return this.eventSourceMapping.eventSourceMappingId;
  }

  /**
   * One of the handler's metrics (`RecordsIn`, `RecordsOut`, `RecordsDeadLettered`, `RecordsRetried`,
   * `ModelLatency`, `ModelUnauthorized`, `EventsRefused`), in this stream's namespace and `service` dimension.
   */
  public metric(metricName: StreamMetricName, options: MetricOptions = {}): Metric {
    return new CwMetric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { service: this.serviceName },
      statistic: 'Sum',
      ...options,
    });
  }

  /**
   * Lets a producer of prediction requests write the input topic under MSK IAM.
   * Other authentication methods authorize with Kafka ACLs, not IAM.
   */
  public grantWriteInput(grantee: IGrantable): Grant {
    return grantTopicWrite(grantee, this.requireMskIam('grantWriteInput'), this.inputTopic);
  }

  /** Lets a consumer in `consumerGroupId` read the output topic under MSK IAM. */
  public grantReadOutput(grantee: IGrantable, consumerGroupId: string): Grant {
    return grantTopicRead(grantee, this.requireMskIam('grantReadOutput'), this.outputTopic, consumerGroupId);
  }

  private requireMskIam(method: string): MskArns {
    if (!this.arns || this.auth.kind !== 'iam') {
      throw new StreamConfigError(
        method,
        'needs an MSK cluster with IAM authentication; use Kafka ACLs otherwise',
      );
    }
    return this.arns;
  }

  private grantAccess(
    props: KafkaInferenceStreamProps,
    { invokeArn, inVpc, clientId }: { invokeArn: string | undefined; inVpc: boolean; clientId: string },
  ): void {
    if (this.auth.secret) grantSecretRead(this.role, this.auth.secret, this.auth.encryptionKey);
    // The mapping and the producer both check the brokers against a private root CA.
    if (this.source.kind === 'self-managed' && this.source.rootCa) {
      const { secret, encryptionKey } = this.source.rootCa;
      grantSecretRead(this.role, secret, encryptionKey, 'KafkaRootCa');
    }
    if (this.arns) {
      grantMskDescribe(this.role, this.arns.cluster, this.auth.kind.startsWith('scram'));
      if (this.auth.kind === 'iam') {
        const failureTopic = props.onFailure?.kind === 'kafka' ? [props.onFailure.target] : [];
        grantMskIamStream(this.role, this.arns, {
          inputTopic: this.inputTopic,
          consumerGroupId: this.consumerGroupId,
          producedTopics: [this.outputTopic, this.errorTopic, ...failureTopic],
          ...(props.transactional
            ? { transactionalIds: `${clientId}-*`, publishedGroupId: `${clientId}-published` }
            : {}),
        });
        if (props.transactional)
          acknowledgeTransactionalIds(this.role, this.arns.transactionalId(`${clientId}-*`));
      }
    }
    if (this.arns || inVpc) {
      grantNetworkInterfaces(this.role);
      Validations.of(this.role).acknowledge({
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'EC2 network-interface actions for the Kafka pollers and the VPC function: EC2 offers no ARN ' +
          'to scope them to before Lambda creates the interface (same as AWSLambdaMSKExecutionRole).',
      });
    }
    if (invokeArn) grantInvokeModel(this.role, invokeArn);
    if (props.schemaRegistry) grantSchemaRegistryRead(this.role, props.schemaRegistry);
  }
}
