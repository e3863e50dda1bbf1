import { Stack, Validations } from 'aws-cdk-lib';
import { Grant, type IGrantable, PolicyStatement, type Role } from 'aws-cdk-lib/aws-iam';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import type { MskArns } from './msk-arns.js';
import type { StreamSchemaRegistry } from './schema-registry.js';

/** The topics and group one stream touches on an MSK cluster. */
export interface StreamKafkaResources {
  readonly inputTopic: string;
  readonly consumerGroupId: string;
  /** Output and error topics (and a Kafka on-failure topic): where the stream produces. */
  readonly producedTopics: readonly string[];
  /**
   * Transactional ids the producer uses, when transactional: `<clientId>-<input topic>-<partition>`,
   * one per input partition (functions/stream-inference/outbound/transactional-publisher.ts).
   */
  readonly transactionalIds?: string;
  /**
   * The group each transaction commits its input offsets to (`<clientId>-published`), read back to
   * skip records already published, when transactional.
   */
  readonly publishedGroupId?: string;
}

const statement = (sid: string, actions: string[], resources: string[]) =>
  new PolicyStatement({ sid, actions, resources });

/**
 * MSK IAM access control for the mapping (consume the input topic in its group) and the handler's
 * producer (write the output and error topics). Each statement names exactly its resources; the
 * L2 `ManagedKafkaEventSource` grants none of these.
 *
 * `DescribeClusterDynamicConfiguration` is on Lambda's list for an MSK mapping under IAM; it and
 * `WriteDataIdempotently` are cluster actions in MSK's model (Kafka's DESCRIBE_CONFIGS and
 * IDEMPOTENT_WRITE CLUSTER ACLs), so they are granted on the cluster ARN: on a topic ARN they would
 * authorize nothing.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/msk-cluster-auth.html
 * @see https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
 */
export const grantMskIamStream = (grantee: IGrantable, arns: MskArns, res: StreamKafkaResources): void => {
  const principal = grantee.grantPrincipal;
  principal.addToPrincipalPolicy(
    statement(
      'KafkaClusterConnect',
      [
        'kafka-cluster:Connect',
        'kafka-cluster:DescribeClusterDynamicConfiguration',
        'kafka-cluster:WriteDataIdempotently',
      ],
      [arns.cluster],
    ),
  );
  principal.addToPrincipalPolicy(
    statement(
      'KafkaReadInput',
      ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
      [arns.topic(res.inputTopic)],
    ),
  );
  principal.addToPrincipalPolicy(
    statement(
      'KafkaConsumerGroup',
      ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
      [res.consumerGroupId, ...(res.publishedGroupId === undefined ? [] : [res.publishedGroupId])].map((g) =>
        arns.group(g),
      ),
    ),
  );
  principal.addToPrincipalPolicy(
    statement(
      'KafkaWriteResults',
      ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      res.producedTopics.map((t) => arns.topic(t)),
    ),
  );
  if (res.transactionalIds !== undefined) {
    principal.addToPrincipalPolicy(
      statement(
        'KafkaTransactions',
        ['kafka-cluster:DescribeTransactionalId', 'kafka-cluster:AlterTransactionalId'],
        [arns.transactionalId(res.transactionalIds)],
      ),
    );
  }
};

/**
 * Acknowledges cdk-nag's AwsSolutions-IAM5 for the transactional-id grant, and for that resource
 * only: its `*` stands for the input topic and partition each id ends with. cdk-nag names the
 * resource as written in the template, a `Fn::Join` rendered part by part when the cluster ARN is a
 * token, so the acknowledgement is built from the resolved ARN.
 */
export const acknowledgeTransactionalIds = (role: Role, transactionalIdArn: string): void => {
  Validations.of(role).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${renderedArn(role, transactionalIdArn)}]`,
    reason:
      "The producer's transactional ids are the client id plus the input topic and partition each one " +
      'serves, partitions unknown at deploy time; the wildcard covers that suffix only, on this cluster.',
  });
};

/** An ARN as cdk-nag names it: as written in the template, a `Fn::Join` rendered part by part. */
const renderedArn = (role: Role, arn: string): string => {
  const resolved: unknown = Stack.of(role).resolve(arn);
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  return join
    ? join[1].map((part) => (typeof part === 'string' ? part : JSON.stringify(part))).join(join[0])
    : String(resolved);
};

/**
 * What the mapping needs of the MSK control plane, on the cluster only. `DescribeClusterV2` serves
 * serverless clusters, `DescribeCluster` provisioned ones; `ListScramSecrets` only with SCRAM.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
 */
export const grantMskDescribe = (grantee: IGrantable, clusterArn: string, scram: boolean): void => {
  const actions = ['kafka:DescribeCluster', 'kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'];
  if (scram) actions.push('kafka:ListScramSecrets');
  grantee.grantPrincipal.addToPrincipalPolicy(statement('MskDescribeCluster', actions, [clusterArn]));
};

/**
 * Read access to a Kafka secret (SCRAM credentials, mTLS certificate, a private root CA), for both
 * its readers: the mapping and the handler's producer. The statements' Sids are `Read<name>` and
 * `Decrypt<name>`. With a customer managed key, `kms:Decrypt` on that key only
 * when Secrets Manager asks on the role's behalf (`kms:ViaService`) and only for this secret: Secrets
 * Manager passes the secret's ARN as the `SecretARN` encryption context in its Decrypt requests.
 * Written out rather than `secret.grantRead`, whose key grant lacks the secret's context (and, for a
 * key in the stack, lands in the key policy instead of the role's).
 *
 * A secret known by a partial ARN is matched as CDK does, `<partial ARN>-??????`.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-permissions.html
 * @see https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html
 */
export const grantSecretRead = (
  grantee: IGrantable,
  secret: ISecret,
  key: IKey | undefined,
  name = 'KafkaSecret',
): void => {
  const principal = grantee.grantPrincipal;
  const fullArn = secret.secretFullArn;
  const arn = fullArn ?? `${secret.secretArn}-??????`;
  principal.addToPrincipalPolicy(
    statement(`Read${name}`, ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'], [arn]),
  );
  if (key === undefined) return;
  const secretContext = { 'kms:EncryptionContext:SecretARN': arn };
  principal.addToPrincipalPolicy(
    new PolicyStatement({
      sid: `Decrypt${name}`,
      actions: ['kms:Decrypt'],
      resources: [key.keyArn],
      conditions: {
        StringEquals: {
          'kms:ViaService': `secretsmanager.${Stack.of(secret).region}.amazonaws.com`,
          ...(fullArn ? secretContext : {}),
        },
        ...(fullArn ? {} : { StringLike: secretContext }),
      },
    }),
  );
};

/**
 * Network interfaces for the MSK mapping's pollers, a self-managed mapping in a VPC, and a function in
 * a VPC: the union of what `AWSLambdaMSKExecutionRole` and `AWSLambdaVPCAccessExecutionRole` hold for
 * EC2, without their `logs:*` on every log group. EC2 scopes none of these to a resource ARN that
 * exists before Lambda creates the interface, hence `*` (acknowledged for cdk-nag at the call site).
 */
export const grantNetworkInterfaces = (grantee: IGrantable): PolicyStatement => {
  const s = statement(
    'LambdaNetworkInterfaces',
    [
      'ec2:CreateNetworkInterface',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DeleteNetworkInterface',
      'ec2:AssignPrivateIpAddresses',
      'ec2:UnassignPrivateIpAddresses',
      'ec2:DescribeVpcs',
      'ec2:DescribeSubnets',
      'ec2:DescribeSecurityGroups',
    ],
    ['*'],
  );
  grantee.grantPrincipal.addToPrincipalPolicy(s);
  return s;
};

/**
 * `lambda:InvokeFunction` on the model function's ARN and nothing else (no `:*` qualifiers, unlike
 * `IFunction.grantInvoke`): a qualified ARN given as the endpoint is granted as given.
 */
export const grantInvokeModel = (grantee: IGrantable, functionArn: string): void => {
  grantee.grantPrincipal.addToPrincipalPolicy(
    statement('InvokeModel', ['lambda:InvokeFunction'], [functionArn]),
  );
};

/**
 * What the mapping needs to read its schema registry. Glue: `glue:GetRegistry` on the registry and
 * `glue:GetSchemaVersion` on the registry and its schemas (`schema/<registry>/*`, in the registry's
 * own account and region). Confluent: read access to the credentials and root CA secrets.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/list_awsglue.html
 */
export const grantSchemaRegistryRead = (role: Role, registry: StreamSchemaRegistry): void => {
  const glue = registry.glueArns(role);
  if (glue) {
    role.addToPrincipalPolicy(statement('GlueGetRegistry', ['glue:GetRegistry'], [glue.registry]));
    role.addToPrincipalPolicy(
      statement('GlueGetSchemaVersion', ['glue:GetSchemaVersion'], [glue.registry, glue.schemas]),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${renderedArn(role, glue.schemas)}]`,
      reason:
        'The mapping reads whichever schema of this one registry a record names (its schema id); ' +
        'the wildcard covers the schemas of that registry only.',
    });
  }
  for (const { secret, encryptionKey, name } of registry.secrets)
    grantSecretRead(role, secret, encryptionKey, name);
};

/** For `grantWriteInput`: a producer of prediction requests under MSK IAM. */
export const grantTopicWrite = (grantee: IGrantable, arns: MskArns, topic: string): Grant =>
  Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect'], resourceArns: [arns.cluster] }).combine(
    Grant.addToPrincipal({
      grantee,
      actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
      resourceArns: [arns.topic(topic)],
    }),
  );

/** For `grantReadOutput`: a consumer of predictions, in its own consumer group, under MSK IAM. */
export const grantTopicRead = (grantee: IGrantable, arns: MskArns, topic: string, group: string): Grant =>
  Grant.addToPrincipal({ grantee, actions: ['kafka-cluster:Connect'], resourceArns: [arns.cluster] })
    .combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        resourceArns: [arns.topic(topic)],
      }),
    )
    .combine(
      Grant.addToPrincipal({
        grantee,
        actions: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        resourceArns: [arns.group(group)],
      }),
    );
