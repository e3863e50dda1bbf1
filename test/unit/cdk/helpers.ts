import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { type IVpc, Vpc } from 'aws-cdk-lib/aws-ec2';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import type { KafkaInferenceStreamProps } from '../../../lib/props.js';

export const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));

/** The feature flags of cdk.json, so tests synthesize what `npx cdk synth` does. */
const CDK_JSON_CONTEXT = JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context as Record<
  string,
  unknown
>;

/**
 * An app with cdk.json's flags and bundling skipped (`aws:cdk:bundling-stacks: []`): esbuild runs
 * in one test only (bundling.test.ts), the others look at the template.
 */
export const testApp = (context: Record<string, unknown> = {}): App =>
  new App({ context: { ...CDK_JSON_CONTEXT, 'aws:cdk:bundling-stacks': [], ...context } });

export const testStack = (): Stack => new Stack(testApp(), 'TestStack');

export const CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:123456789012:cluster/demo-cluster/abcd1234-ab12-cd34-ef56-abcdef123456-1';
const CLUSTER_PATH = 'demo-cluster/abcd1234-ab12-cd34-ef56-abcdef123456-1';
export const topicArn = (topic: string): string =>
  `arn:aws:kafka:eu-west-1:123456789012:topic/${CLUSTER_PATH}/${topic}`;
export const groupArn = (group: string): string =>
  `arn:aws:kafka:eu-west-1:123456789012:group/${CLUSTER_PATH}/${group}`;
export const transactionalIdArn = (id: string): string =>
  `arn:aws:kafka:eu-west-1:123456789012:transactional-id/${CLUSTER_PATH}/${id}`;

/** A VPC imported without a lookup (two private subnets). */
export const importedVpc = (stack: Stack): IVpc =>
  Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    privateSubnetIds: ['subnet-0aaaaaaaaaaaaaaa1', 'subnet-0bbbbbbbbbbbbbbb2'],
  });

/** Every statement of every IAM policy in the template, flattened. */
export const policyStatements = (template: Template): Array<Record<string, unknown>> =>
  Object.values(template.findResources('AWS::IAM::Policy')).flatMap(
    (p) =>
      (p as { Properties: { PolicyDocument: { Statement: Array<Record<string, unknown>> } } }).Properties
        .PolicyDocument.Statement,
  );

/** The statement with this Sid (every grant this project writes has one). */
export const statementWithSid = (template: Template, sid: string): Record<string, unknown> | undefined =>
  policyStatements(template).find((s) => s.Sid === sid);

/** Asset hashes and bucket names vary by machine and bundle: replace them for snapshots. */
export const normalizedTemplate = (template: Template): unknown =>
  JSON.parse(JSON.stringify(template.toJSON()).replace(/[0-9a-f]{64}/g, '<asset-hash>'));

export { Match };

/** A v2 REST stream on the local test bed's model; tests add the source and what they exercise. */
export const STREAM_BASE: Omit<KafkaInferenceStreamProps, 'source'> = {
  inputTopic: 'iris-input',
  outputTopic: 'iris-output',
  modelEndpoint: 'http://127.0.0.1:8080',
  protocol: 'v2',
  modelName: 'iris',
};

/** Builds `Iris` from `STREAM_BASE` plus `props` in `stack`, and its template. */
export const synthStream = (props: Partial<KafkaInferenceStreamProps>, stack: Stack = testStack()) => {
  const stream = new KafkaInferenceStream(stack, 'Iris', {
    ...STREAM_BASE,
    ...props,
  } as KafkaInferenceStreamProps);
  return { stream, template: Template.fromStack(stack) };
};
