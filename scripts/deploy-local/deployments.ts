/**
 * What `npm run deploy:local` deploys: the default app, each example manifest with the context
 * README "Deploy" asks for (placeholders: moto checks no ARN against a real cluster or secret), and
 * full-options-app.ts, which sets every mapping option the construct offers.
 * examples/iris-v2.yaml is the default app's manifest, so `default` covers it.
 */
import { ACCOUNT, REGION } from './endpoint.js';

/** The stack full-options-app.ts synthesizes. */
export const FULL_OPTIONS_STACK = 'DeployLocalFullOptions';

export interface Deployment {
  /** Selects it on the command line: `npm run deploy:local -- <name>`. */
  readonly name: string;
  readonly stackName: string;
  /** `-c key=value` for `cdk deploy`. */
  readonly context: Readonly<Record<string, string>>;
  /** `cdk deploy --app <app>`; cdk.json's app (bin/app.ts) when absent. */
  readonly app?: string;
  /** What it exercises, for the summary. */
  readonly covers: string;
}

/** Placeholders in moto's account, shared with full-options-app.ts. */
export const MSK_CLUSTER_ARN = `arn:aws:kafka:${REGION}:${ACCOUNT}:cluster/deploy-local/abcd1234-0000-0000-0000-000000000000-1`;
export const SCRAM_SECRET_ARN = `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:AmazonMSK_deploy-local-AbCdEf`;

export const DEPLOYMENTS: readonly Deployment[] = [
  {
    name: 'default',
    stackName: 'MskInferenceStack',
    // Brokers without authentication are reached only through a VPC (a synth error otherwise).
    context: {
      vpcId: 'vpc-0123456789abcdef0',
      subnetIds: 'subnet-0aaaaaaaaaaaaaaa1,subnet-0bbbbbbbbbbbbbbb2',
      availabilityZones: `${REGION}a,${REGION}b`,
    },
    covers: 'bin/app.ts (examples/iris-v2.yaml) in a VPC: self-managed Kafka, no authentication',
  },
  {
    name: 'iris-seldon-grpc',
    stackName: 'DeployLocalIrisSeldonGrpc',
    context: {
      manifest: 'examples/iris-seldon-grpc.yaml',
      stackName: 'DeployLocalIrisSeldonGrpc',
      kafkaAuth: 'scram-sha-512',
      kafkaSecretArn: SCRAM_SECRET_ARN,
    },
    covers: 'self-managed Kafka with SASL/SCRAM-512 (a source access configuration), gRPC bundle',
  },
  {
    name: 'tfserving-cifar10',
    stackName: 'DeployLocalTfservingCifar10',
    context: {
      manifest: 'examples/tfserving-cifar10.yaml',
      stackName: 'DeployLocalTfservingCifar10',
      mskClusterArn: MSK_CLUSTER_ARN,
      modelEndpoint: 'https://models.internal.example.com',
      minimumPollers: '1',
      maximumPollers: '3',
    },
    covers: 'Amazon MSK with IAM, provisioned pollers',
  },
  {
    name: 'full-options',
    stackName: FULL_OPTIONS_STACK,
    context: {},
    app: 'npx tsx scripts/deploy-local/full-options-app.ts',
    covers:
      'every mapping option: SQS, S3 and Kafka on-failure destinations, retries, record age, bisect, ' +
      'filters, batch size and window, pollers, AT_TIMESTAMP, mTLS, SCRAM-256, VPC, disabled, consumer groups',
  },
];

/**
 * The deployments named, in DEPLOYMENTS' order; all of them when none is named.
 *
 * @example
 * selectDeployments(['default']); // [the default app]
 */
export const selectDeployments = (names: readonly string[]): Deployment[] => {
  const unknown = names.filter((n) => !DEPLOYMENTS.some((d) => d.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `deploy-local: no deployment named ${unknown.join(', ')}; choose from ${DEPLOYMENTS.map((d) => d.name).join(', ')}`,
    );
  }
  return DEPLOYMENTS.filter((d) => names.length === 0 || names.includes(d.name));
};
