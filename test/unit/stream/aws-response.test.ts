/**
 * The partial batch response against the one AWS documents (`test/fixtures/aws/`): same keys, same
 * JSON types, naming only partitions and records of the event, and read by `scripts/local/settle.ts`
 * as Lambda reads it.
 */
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import type { LambdaKafkaEvent } from '../../../functions/stream-inference/inbound/event.js';
import { settle, spansOf } from '../../../scripts/local/settle.js';
import {
  AwsEventFixture,
  awsEvent,
  awsJson,
  KAFKA_BATCH_RESPONSE,
  recordsOf,
} from '../../helpers/aws-fixtures.js';
import { lambdaContext } from '../../helpers/factories.js';
import { FakeModel, FakePublisher } from '../../helpers/fakes.js';

interface Failure {
  itemIdentifier: Record<string, unknown>;
}

const documented = () => awsJson(KAFKA_BATCH_RESPONSE) as { batchItemFailures: Failure[] };

/** The JSON type of every leaf, keyed by its path: what "the same shape" means here. */
const shapeOf = (value: unknown, path = '$'): Record<string, string> => {
  if (Array.isArray(value)) {
    return Object.assign({ [path]: 'array' }, ...value.map((v) => shapeOf(v, `${path}[]`)));
  }
  if (typeof value === 'object' && value !== null) {
    return Object.assign(
      { [path]: 'object' },
      ...Object.entries(value).map(([k, v]) => shapeOf(v, `${path}.${k}`)),
    );
  }
  return { [path]: value === null ? 'null' : typeof value };
};

const spansOfEvent = (event: LambdaKafkaEvent) => spansOf(recordsOf(event));

/** A stream whose every record stays unfinished: Kafka (output and error topics) is down. */
const streamWithKafkaDown = async () => {
  const publisher = new FakePublisher();
  publisher.fail = true;
  const config = loadConfig({
    KAFKA_INPUT_TOPIC: 'mytopic',
    KAFKA_OUTPUT_TOPIC: 'out',
    KAFKA_ERROR_TOPIC: 'err',
    MODEL_ENDPOINT: 'http://127.0.0.1:1',
    PROTOCOL: 'seldon',
    RETRY_BASE_MS: '1',
    RETRY_MAX_MS: '5',
    SAFETY_MARGIN_MS: '100',
  });
  return createBatchHandler(config, { transport: new FakeModel(), publisher });
};

describe('the documented Kafka partial batch response', () => {
  it('names a key of its event and one of its records, and settles as a partial failure', () => {
    // Prepare
    const event = awsEvent(AwsEventFixture.powertoolsPythonBatch);
    const response = documented();

    // Act
    const result = settle(spansOfEvent(event), response);

    // Assess
    expect(Object.keys(event.records)).toContain(response.batchItemFailures[0]!.itemIdentifier['partition']);
    expect(result).toEqual({
      ok: true,
      settlements: [{ topic: 'mytopic', partition: 0, commit: 1, done: 1, redeliverFrom: 1 }],
    });
  });

  it('with the key named "topic-partition" instead, makes Lambda retry the whole batch', () => {
    const event = awsEvent(AwsEventFixture.powertoolsPythonBatch);
    const { partition, ...rest } = documented().batchItemFailures[0]!.itemIdentifier;
    const oldShape = { batchItemFailures: [{ itemIdentifier: { 'topic-partition': partition, ...rest } }] };

    const result = settle(spansOfEvent(event), oldShape);

    expect(result.ok).toBe(false);
  });
});

describe("the handler's response to AWS's events when records are left for redelivery", () => {
  it.each([
    [AwsEventFixture.msk, 15],
    [AwsEventFixture.powertoolsTypescriptDefault, 15],
    [AwsEventFixture.powertoolsPythonBatch, 0],
  ])('%s: the documented shape, naming the first record of the partition', async (name, first) => {
    // Prepare
    const event = awsEvent(name);
    const stream = await streamWithKafkaDown();

    // Act
    const response = await stream.handle(event, lambdaContext(2_000));

    // Assess
    expect(shapeOf(response)).toEqual(shapeOf(documented()));
    const [failure] = response.batchItemFailures;
    const partition = failure!.itemIdentifier.partition;
    expect(Object.keys(event.records)).toContain(partition);
    expect(event.records[partition]!.map((r) => r.offset)).toContain(failure!.itemIdentifier.offset);
    expect(failure!.itemIdentifier.offset).toBe(first);
    expect(settle(spansOfEvent(event), response)).toEqual({
      ok: true,
      settlements: [{ topic: 'mytopic', partition: 0, commit: first, done: 0, redeliverFrom: first }],
    });
  });
});
