/**
 * The round trip: each event source mapping and function of the synthesized template, read back with
 * the Lambda API from the deployed stack, property by property. It shows that synthesis, asset
 * publishing and CloudFormation carry every property through to Lambda's API; it says nothing about
 * how Lambda or IAM behave with them (moto runs no pollers, no functions and no policy checks).
 */
import { isDeepStrictEqual } from 'node:util';
import {
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  type LambdaClient,
} from '@aws-sdk/client-lambda';
import { ACCOUNT, REGION } from './endpoint.js';
import type { StackResource } from './stack-resources.js';
import { resolver, resourcesOfType, type Template } from './template.js';

export interface Mismatch {
  /** `<logical id>.<property>` */
  readonly property: string;
  readonly template: unknown;
  readonly deployed: unknown;
}

/** The mapping's properties in the Lambda API's shape (CloudFormation names them the same, except two). */
export const MAPPING_PROPERTIES = [
  'EventSourceArn',
  'SelfManagedEventSource',
  'Topics',
  'StartingPosition',
  'StartingPositionTimestamp',
  'BatchSize',
  'MaximumBatchingWindowInSeconds',
  'FunctionResponseTypes',
  'SourceAccessConfigurations',
  'AmazonManagedKafkaEventSourceConfig',
  'SelfManagedKafkaEventSourceConfig',
  'ProvisionedPollerConfig',
  'DestinationConfig',
  'MaximumRetryAttempts',
  'MaximumRecordAgeInSeconds',
  'BisectBatchOnFunctionError',
  'FilterCriteria',
  'State',
  'FunctionArn',
] as const;

/** Compared when the template sets them (the rest of GetFunctionConfiguration is Lambda's own). */
export const FUNCTION_PROPERTIES = [
  'Runtime',
  'Handler',
  'Timeout',
  'MemorySize',
  'Architectures',
  'Description',
  'Role',
  'Environment',
  'LoggingConfig',
  'VpcConfig',
] as const;

/** Compared key by key, the template's keys only: Lambda adds LoggingConfig's defaults and the VpcId. */
const NESTED_FUNCTION_PROPERTIES: readonly string[] = ['LoggingConfig', 'VpcConfig'];

/**
 * "Amazon MSK, self-managed Apache Kafka: Default 100" (CreateEventSourceMapping, BatchSize).
 * @see https://docs.aws.amazon.com/lambda/latest/api/API_CreateEventSourceMapping.html
 */
const KAFKA_DEFAULT_BATCH_SIZE = 100;

const functionArn = (resources: ReadonlyMap<string, StackResource>, name: string): string => {
  const r = [...resources.values()].find((x) => x.type === 'AWS::Lambda::Function' && x.physicalId === name);
  return r ? `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${r.physicalId}` : name;
};

/** What GetEventSourceMapping must return for a template's mapping (resolved properties). */
export const expectedMapping = (
  p: Record<string, unknown>,
  resources: ReadonlyMap<string, StackResource>,
): Record<string, unknown> => {
  const endpoints = (
    p.SelfManagedEventSource as { Endpoints?: { KafkaBootstrapServers?: string[] } } | undefined
  )?.Endpoints;
  return {
    ...Object.fromEntries(MAPPING_PROPERTIES.map((k) => [k, p[k]])),
    // CloudFormation's Endpoints.KafkaBootstrapServers is the API's Endpoints.KAFKA_BOOTSTRAP_SERVERS.
    SelfManagedEventSource: endpoints
      ? { Endpoints: { KAFKA_BOOTSTRAP_SERVERS: endpoints.KafkaBootstrapServers } }
      : undefined,
    BatchSize: p.BatchSize ?? KAFKA_DEFAULT_BATCH_SIZE,
    State: p.Enabled === false ? 'Disabled' : 'Enabled',
    FunctionArn: functionArn(resources, p.FunctionName as string),
  };
};

/** GetEventSourceMapping's answer in the same terms (the SDK turns the timestamp into a Date). */
const deployedMapping = (m: Record<string, unknown>): Record<string, unknown> => {
  const timestamp = m.StartingPositionTimestamp;
  return {
    ...Object.fromEntries(MAPPING_PROPERTIES.map((k) => [k, m[k]])),
    StartingPositionTimestamp: timestamp instanceof Date ? timestamp.getTime() / 1000 : timestamp,
  };
};

const compare = (
  owner: string,
  keys: readonly string[],
  expected: Record<string, unknown>,
  deployed: Record<string, unknown>,
): Mismatch[] =>
  keys
    .filter((k) => !isDeepStrictEqual(expected[k], deployed[k]))
    .map((k) => ({ property: `${owner}.${k}`, template: expected[k], deployed: deployed[k] }));

/** Only what the template sets. */
const functionMismatches = (
  logicalId: string,
  p: Record<string, unknown>,
  deployed: Record<string, unknown>,
): Mismatch[] => {
  const set = FUNCTION_PROPERTIES.filter((k) => p[k] !== undefined);
  const keys = set.filter((k) => !NESTED_FUNCTION_PROPERTIES.includes(k));
  const mismatches = compare(logicalId, keys, p, deployed);
  for (const key of set.filter((k) => NESTED_FUNCTION_PROPERTIES.includes(k))) {
    const expected = p[key] as Record<string, unknown>;
    const actual = (deployed[key] ?? {}) as Record<string, unknown>;
    mismatches.push(...compare(`${logicalId}.${key}`, Object.keys(expected), expected, actual));
  }
  return mismatches;
};

export interface RoundTripResult {
  readonly mappings: number;
  readonly functions: number;
  readonly mismatches: Mismatch[];
}

/**
 * Reads back every `AWS::Lambda::EventSourceMapping` of `template` and the function it feeds.
 *
 * @example
 * const { mismatches } = await roundTrip(template, stackName, resources, lambda);
 */
export const roundTrip = async (
  template: Template,
  stackName: string,
  resources: ReadonlyMap<string, StackResource>,
  lambda: LambdaClient,
): Promise<RoundTripResult> => {
  const resolve = resolver(resources, stackName);
  const mismatches: Mismatch[] = [];
  const functionIds = new Set<string>();
  const mappingIds = resourcesOfType(template, 'AWS::Lambda::EventSourceMapping');
  for (const mappingId of mappingIds) {
    const cfn = template.Resources[mappingId]?.Properties ?? {};
    const props = resolve(cfn) as Record<string, unknown>;
    const uuid = resources.get(mappingId)?.physicalId;
    const deployed = await lambda.send(new GetEventSourceMappingCommand({ UUID: uuid }));
    const expected = expectedMapping(props, resources);
    mismatches.push(...compare(mappingId, MAPPING_PROPERTIES, expected, deployedMapping({ ...deployed })));
    const functionRef = (cfn.FunctionName as { Ref?: string } | undefined)?.Ref;
    if (functionRef) functionIds.add(functionRef);
  }
  for (const functionId of functionIds) {
    const props = resolve(template.Resources[functionId]?.Properties ?? {}) as Record<string, unknown>;
    const name = resources.get(functionId)?.physicalId;
    const deployed = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    mismatches.push(...functionMismatches(functionId, props, { ...deployed }));
  }
  return { mappings: mappingIds.length, functions: functionIds.size, mismatches };
};
