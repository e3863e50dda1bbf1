/**
 * The deploy-local round trip must fail when the deployed mapping or function differs from the
 * template (it is the whole point of `npm run deploy:local`), and must never aim at real AWS.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { assertLocalEndpoint, awsEnvironment } from '../../../scripts/deploy-local/endpoint.js';
import { roundTrip } from '../../../scripts/deploy-local/round-trip.js';
import { localCloudFormation, type StackResource } from '../../../scripts/deploy-local/stack-resources.js';
import type { Template } from '../../../scripts/deploy-local/template.js';

const FN_NAME = 'Stack-Fn-ABC';
const FN_ARN = `arn:aws:lambda:us-east-1:123456789012:function:${FN_NAME}`;
const resources = new Map<string, StackResource>([
  ['Fn', { logicalId: 'Fn', physicalId: FN_NAME, type: 'AWS::Lambda::Function' }],
  ['Role', { logicalId: 'Role', physicalId: 'Stack-Role-XYZ', type: 'AWS::IAM::Role' }],
  ['Esm', { logicalId: 'Esm', physicalId: 'uuid-1', type: 'AWS::Lambda::EventSourceMapping' }],
]);
const template: Template = {
  Resources: {
    Role: { Type: 'AWS::IAM::Role' },
    Fn: {
      Type: 'AWS::Lambda::Function',
      Properties: {
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Architectures: ['arm64'],
        Role: { 'Fn::GetAtt': ['Role', 'Arn'] },
      },
    },
    Esm: {
      Type: 'AWS::Lambda::EventSourceMapping',
      Properties: {
        FunctionName: { Ref: 'Fn' },
        Topics: ['in'],
        StartingPosition: 'LATEST',
        SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: ['b:9092'] } },
      },
    },
  },
};
const deployedMapping = {
  UUID: 'uuid-1',
  FunctionArn: FN_ARN,
  Topics: ['in'],
  StartingPosition: 'LATEST',
  BatchSize: 100,
  State: 'Enabled',
  SelfManagedEventSource: { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: ['b:9092'] } },
};
const deployedFunction = {
  FunctionName: FN_NAME,
  Runtime: 'nodejs22.x',
  Handler: 'index.handler',
  Architectures: ['arm64'],
  Role: 'arn:aws:iam::123456789012:role/Stack-Role-XYZ',
};

/** A LambdaClient that answers GetEventSourceMapping and GetFunctionConfiguration with fixed objects. */
const fakeLambda = (mapping: object, fn: object): LambdaClient =>
  ({
    send: async (command: { constructor: { name: string } }) =>
      command.constructor.name === 'GetEventSourceMappingCommand' ? mapping : fn,
  }) as unknown as LambdaClient;

describe('roundTrip', () => {
  it('passes when every property came through (Kafka endpoints in the API spelling, default batch size)', async () => {
    // Act
    const result = await roundTrip(
      template,
      'Stack',
      resources,
      fakeLambda(deployedMapping, deployedFunction),
    );
    // Assess
    expect(result).toEqual({ mappings: 1, functions: 1, mismatches: [] });
  });

  it('reports an architecture lost on the way (moto without our function model)', async () => {
    // Act
    const result = await roundTrip(
      template,
      'Stack',
      resources,
      fakeLambda(deployedMapping, { ...deployedFunction, Architectures: ['x86_64'] }),
    );
    // Assess
    expect(result.mismatches).toEqual([
      { property: 'Fn.Architectures', template: ['arm64'], deployed: ['x86_64'] },
    ]);
  });

  it('reports a mapping property the template does not set but the deployment has', async () => {
    // Act
    const result = await roundTrip(
      template,
      'Stack',
      resources,
      fakeLambda({ ...deployedMapping, MaximumRetryAttempts: 3 }, deployedFunction),
    );
    // Assess
    expect(result.mismatches).toEqual([
      { property: 'Esm.MaximumRetryAttempts', template: undefined, deployed: 3 },
    ]);
  });
});

describe('roundTrip of the options the default app leaves out', () => {
  const withProperties = (esm: Record<string, unknown>, fn: Record<string, unknown>): Template => ({
    Resources: {
      ...template.Resources,
      Fn: { Type: 'AWS::Lambda::Function', Properties: { ...template.Resources.Fn?.Properties, ...fn } },
      Esm: {
        Type: 'AWS::Lambda::EventSourceMapping',
        Properties: { ...template.Resources.Esm?.Properties, ...esm },
      },
    },
  });
  const atTimestamp = withProperties(
    { StartingPosition: 'AT_TIMESTAMP', StartingPositionTimestamp: 1_767_225_600 },
    { VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'] } },
  );
  const deployedAtTimestamp = { ...deployedMapping, StartingPosition: 'AT_TIMESTAMP' };
  // GetFunctionConfiguration adds the VPC's id to what CreateFunction was given.
  const deployedInVpc = {
    ...deployedFunction,
    VpcConfig: { SubnetIds: ['subnet-1'], SecurityGroupIds: ['sg-1'], VpcId: 'vpc-1' },
  };

  it('passes a timestamp the SDK turned into a Date, and a VpcConfig with the VpcId Lambda added', async () => {
    // Act
    const result = await roundTrip(
      atTimestamp,
      'Stack',
      resources,
      fakeLambda(
        { ...deployedAtTimestamp, StartingPositionTimestamp: new Date(1_767_225_600_000) },
        deployedInVpc,
      ),
    );
    // Assess
    expect(result.mismatches).toEqual([]);
  });

  it('reports a starting timestamp lost on the way (moto without our mapping model)', async () => {
    // Act
    const result = await roundTrip(
      atTimestamp,
      'Stack',
      resources,
      fakeLambda(deployedAtTimestamp, deployedInVpc),
    );
    // Assess
    expect(result.mismatches).toEqual([
      { property: 'Esm.StartingPositionTimestamp', template: 1_767_225_600, deployed: undefined },
    ]);
  });
});

describe('the local endpoint guard', () => {
  it('keeps the CloudFormation client on localhost', () => {
    expect(() => localCloudFormation('https://cloudformation.us-east-1.amazonaws.com')).toThrow(
      /refusing to call AWS/,
    );
  });

  it.each(['http://localhost:5055', 'http://127.0.0.1:5055', 'http://[::1]:5055'])('accepts %s', (url) => {
    expect(assertLocalEndpoint(url)).toBe(url);
  });

  it.each(['https://lambda.us-east-1.amazonaws.com', 'http://10.0.0.1:5055', undefined, 'localhost:5055'])(
    'refuses %s',
    (url) => {
      expect(() => assertLocalEndpoint(url)).toThrow(/refusing to call AWS/);
    },
  );

  it('drops every AWS_ and CDK_ variable of the caller (profiles, real keys)', () => {
    // Prepare
    process.env.AWS_PROFILE = 'production';
    process.env.AWS_SESSION_TOKEN = 'real';
    // Act
    const env = awsEnvironment('http://localhost:5055', '/tmp/cdk-home');
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    // Assess
    expect(env.AWS_PROFILE).toBeUndefined();
    expect(env.AWS_SESSION_TOKEN).toBeUndefined();
    expect(env.AWS_ENDPOINT_URL).toBe('http://localhost:5055');
    expect(env.AWS_ACCESS_KEY_ID).toBe('testing');
  });
});
