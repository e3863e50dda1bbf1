import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Duration } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { StreamConfigError } from '../../../lib/errors.js';
import { EventPollers } from '../../../lib/event-pollers.js';
import { KafkaInferenceStream } from '../../../lib/kafka-inference-stream.js';
import { KafkaSource } from '../../../lib/kafka-source.js';
import type { KafkaInferenceStreamProps } from '../../../lib/props.js';
import { CLUSTER_ARN, REPO_ROOT, STREAM_BASE, testStack } from './helpers.js';

// Lambda's limits as AWS documents them (test/fixtures/aws/lambda-limits.json, sources in
// README-iam.md): each prop is accepted at the limit and refused, by name, one step past it.
const LIMITS = JSON.parse(
  readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'aws', 'lambda-limits.json'), 'utf8'),
) as {
  quotas: { environmentVariablesBytes: number; invocationPayloadBytesSynchronous: number; memoryMb: Range };
  kafkaEventSourceMapping: { functionTimeoutSeconds: number };
  createEventSourceMapping: {
    batchSize: Range;
    maximumBatchingWindowInSeconds: Range;
    maximumRetryAttempts: Range;
  };
  provisionedPollerConfig: { minimumPollers: Range; maximumPollers: Range };
};
interface Range {
  min: number;
  max: number;
}

const build = (props: Partial<KafkaInferenceStreamProps>) => {
  const stack = testStack();
  new KafkaInferenceStream(stack, 'S', { ...STREAM_BASE, source: KafkaSource.msk(CLUSTER_ARN), ...props });
  return stack;
};
const pollers = (minimumPollers: number, maximumPollers: number) =>
  EventPollers.provisioned({ minimumPollers, maximumPollers });

describe('Lambda limits, at synth, naming the prop', () => {
  const {
    batchSize,
    maximumBatchingWindowInSeconds: window,
    maximumRetryAttempts: retries,
  } = LIMITS.createEventSourceMapping;
  const { minimumPollers: minP, maximumPollers: maxP } = LIMITS.provisionedPollerConfig;
  const timeout = LIMITS.kafkaEventSourceMapping.functionTimeoutSeconds;
  const payload = LIMITS.quotas.invocationPayloadBytesSynchronous;
  const cases: Array<
    [string, Partial<KafkaInferenceStreamProps>, Partial<KafkaInferenceStreamProps>, RegExp]
  > = [
    [
      'batchSize max',
      { batchSize: batchSize.max },
      { batchSize: batchSize.max + 1 },
      /^KafkaInferenceStream: batchSize/,
    ],
    [
      'batchSize min',
      { batchSize: batchSize.min },
      { batchSize: batchSize.min - 1 },
      /^KafkaInferenceStream: batchSize/,
    ],
    [
      'maxBatchingWindow',
      { maxBatchingWindow: Duration.seconds(window.max) },
      { maxBatchingWindow: Duration.seconds(window.max + 1) },
      /^KafkaInferenceStream: maxBatchingWindow/,
    ],
    ['retryAttempts', { retryAttempts: retries.max }, { retryAttempts: retries.max + 1 }, /retryAttempts/],
    [
      'minimumPollers',
      { pollers: pollers(minP.max, minP.max) },
      { pollers: pollers(minP.max + 1, minP.max + 1) },
      /pollers/,
    ],
    [
      'minimumPollers min',
      { pollers: pollers(minP.min, 1) },
      { pollers: pollers(minP.min - 1, 1) },
      /pollers/,
    ],
    ['maximumPollers', { pollers: pollers(1, maxP.max) }, { pollers: pollers(1, maxP.max + 1) }, /pollers/],
    [
      'timeout (Kafka mappings)',
      { timeout: Duration.seconds(timeout) },
      { timeout: Duration.seconds(timeout + 1) },
      /^KafkaInferenceStream: timeout must be at most 14 minutes/,
    ],
    [
      'memorySize',
      { memorySize: LIMITS.quotas.memoryMb.max },
      { memorySize: LIMITS.quotas.memoryMb.max + 1 },
      /^KafkaInferenceStream: memorySize/,
    ],
    [
      'maxRecordBytes (6 MB invocation payload)',
      { maxRecordBytes: payload },
      { maxRecordBytes: payload + 1 },
      /^KafkaInferenceStream: maxRecordBytes/,
    ],
  ];

  it.each(cases)('%s: accepted at the limit, refused past it', (_name, atLimit, pastLimit, message) => {
    // GIVEN / WHEN / THEN
    expect(() => build(atLimit)).not.toThrow();
    expect(() => build(pastLimit)).toThrow(message);
    expect(() => build(pastLimit)).toThrow(StreamConfigError);
  });

  it('environment: the variables’ JSON may reach 4 KB, not one byte more', () => {
    // GIVEN the size of the variables the construct sets, measured as Lambda does (their JSON)
    const stack = build({ environment: { PAD: '' } });
    const vars = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const env = Object.values(vars)
      .map((r) => (r as { Properties: { Environment?: { Variables: Record<string, string> } } }).Properties)
      .find((p) => p.Environment?.Variables['PAD'] !== undefined)?.Environment?.Variables;
    const base = Buffer.byteLength(JSON.stringify(env), 'utf8');
    const room = LIMITS.quotas.environmentVariablesBytes - base;
    // WHEN padded to the limit, and one byte past it / THEN
    expect(() => build({ environment: { PAD: 'x'.repeat(room) } })).not.toThrow();
    expect(() => build({ environment: { PAD: 'x'.repeat(room + 1) } })).toThrow(
      /^KafkaInferenceStream: environment and the construct's variables measure at least 4097 bytes/,
    );
  });
});
