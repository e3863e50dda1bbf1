/**
 * An event in AWS's documented shape, written by the event generator from records on a real topic,
 * through the real handler (V2 on MLServer): a tombstone, a record with no key and garbage among good
 * records. The event is first checked against AWS's MSK example (`test/fixtures/aws/msk-event.json`).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { generateEvent } from '../../scripts/local/generate-event.js';
import { AwsEventFixture, awsEvent, recordsOf } from '../helpers/aws-fixtures.js';
import { restRequest } from '../helpers/iris.js';
import { brokers, closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { loadIrisTruth } from '../helpers/models.js';
import { header } from '../helpers/outputs.js';

const handlers: LoadedHandler[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await closeKafkaHelpers();
});

describe("an event in AWS's documented shape through the real handler", () => {
  it('publishes the good records (the keyless one too), dead-letters the tombstone and the garbage with a reason: in = out + errors', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics('aws-shape');
    await createTopics([input, output, errors], 2);
    const good = (i: number) => JSON.stringify(restRequest('v2', truth.rows[i % truth.rows.length]!));
    await produce(input, [
      { key: 'k0', value: good(0), partition: 0, headers: { trace: ['a', 'b'] } },
      { key: null, value: good(1), partition: 0 },
      { key: 'tombstone', value: null, partition: 0 },
      { key: 'k3', value: good(3), partition: 1 },
      { key: 'garbage', value: 'not json', partition: 1 },
      { key: 'k5', value: good(5), partition: 1 },
    ]);
    const event = await generateEvent({ fromTopic: input, brokers, shape: 'msk' });
    const documented = awsEvent(AwsEventFixture.msk);
    const documentedFields = Object.keys(recordsOf(documented)[0]!);
    const loaded = await loadHandler({
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
    });
    handlers.push(loaded);

    // Assess the event first: AWS's fields in AWS's order, a null key or value left out.
    expect(Object.keys(event)).toEqual(Object.keys(documented));
    expect(Object.keys(event.records).sort()).toEqual([`${input}-0`, `${input}-1`]);
    const records = recordsOf(event);
    expect(records).toHaveLength(6);
    for (const r of records) {
      const absent = [...(r.key === undefined ? ['key'] : []), ...(r.value === undefined ? ['value'] : [])];
      expect(Object.keys(r)).toEqual(documentedFields.filter((f) => !absent.includes(f)));
      for (const h of r.headers ?? []) {
        for (const bytes of Object.values(h)) expect(bytes.every((b) => Number.isInteger(b))).toBe(true);
      }
    }
    expect(records.filter((r) => r.key === undefined)).toHaveLength(1);
    expect(records.filter((r) => r.value === undefined)).toHaveLength(1);
    expect(records[0]!.headers).toEqual([{ trace: [97] }, { trace: [98] }]);

    // Act
    const response = await loaded.handler(JSON.parse(JSON.stringify(event)), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const outputs = await readToEnd(output, { expected: 4 });
    const dead = await readToEnd(errors, { expected: 2 });
    expect(outputs.length + dead.length).toBe(records.length);
    expect(outputs.map((r) => r.key?.toString() ?? null).sort()).toEqual([null, 'k0', 'k3', 'k5'].sort());
    expect(dead.map((r) => r.key?.toString()).sort()).toEqual(['garbage', 'tombstone']);
    for (const d of dead) {
      expect(header(d, 'msk-inference-error-kind')).toBe('decode');
      expect(header(d, 'msk-inference-error')).toBeTruthy();
    }
    expect(dead.find((d) => d.key?.toString() === 'tombstone')!.value).toBeNull();
  });
});
