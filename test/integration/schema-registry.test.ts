/**
 * Records a schema registry decoded before the function (EventRecordFormat JSON), through the real
 * handler and a real model (V2 on MLServer): Avro- and Protobuf-decoded records, with the schema
 * metadata of the fixtures (test/fixtures/aws/README-schema-registry.md), are V2 requests the model
 * answers; a decoded record that is not one goes to the error topic with a reason naming its schema.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';
import { buildEvent, type SourceRecord } from '../../scripts/local/event.js';
import { AwsEventFixture, awsEvent, recordsOf } from '../helpers/aws-fixtures.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { brokers, closeKafkaHelpers } from '../helpers/kafka-clients.js';
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

/** The first record of a fixture: its documented fields, and the schema metadata the mapping adds. */
const documented = (fixture: AwsEventFixture): LambdaKafkaRecord => recordsOf(awsEvent(fixture))[0]!;

describe('schema-registry records (EventRecordFormat JSON) through the real handler', () => {
  it('publishes the model’s answer to Avro- and Protobuf-decoded V2 requests, dead-letters a decoded record that is not one: in = out + errors', async () => {
    // Prepare: V2 requests as the JSON a registry decodes them to, on the fixtures' metadata
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics('schema');
    await createTopics([output, errors], 1);
    const avro = documented(AwsEventFixture.powertoolsPythonMsk);
    const protobuf = documented(AwsEventFixture.powertoolsTypescriptProtobufGlue);
    const row = (i: number) => truth.rows[i % truth.rows.length]!;
    const source = (offset: number, key: string, value: Buffer): SourceRecord => ({
      topic: input,
      partition: offset % 2,
      offset,
      timestamp: 1_767_225_600_000 + offset,
      key: Buffer.from(key),
      value,
      headers: [],
    });
    const protobufOffsets = [3, 4, 5];
    const request = (i: number) => Buffer.from(JSON.stringify(restRequest('v2', row(i))));
    const sources = [
      ...[0, 1, 2].map((i) => source(i, `avro-${i}`, request(i))),
      ...protobufOffsets.map((i) => source(i, `protobuf-${i}`, request(i))),
      // The Avro fixture's own decoded value, {"key":"value"}: a record, but not a V2 request
      source(6, 'avro-not-a-request', Buffer.from(avro.value!, 'base64')),
    ];
    const event = buildEvent(sources, { shape: 'msk', bootstrapServers: brokers.join(',') });
    for (const record of recordsOf(event)) {
      const from = protobufOffsets.includes(record.offset) ? protobuf : avro;
      if (from.keySchemaMetadata) record.keySchemaMetadata = from.keySchemaMetadata;
      record.valueSchemaMetadata = from.valueSchemaMetadata!;
    }
    const loaded = await loadHandler({
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
      MODEL_NAME: 'iris',
      PROTOCOL: 'v2',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
      SCHEMA_RECORD_FORMAT: 'json',
    });
    handlers.push(loaded);
    // Each record has the fixture's fields, schema metadata included
    for (const record of recordsOf(event)) {
      const from = record.valueSchemaMetadata!.dataFormat === 'PROTOBUF' ? protobuf : avro;
      expect(Object.keys(record).sort()).toEqual(Object.keys(from).sort());
    }

    // Act
    const response = await loaded.handler(JSON.parse(JSON.stringify(event)), fakeContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const outputs = await readToEnd(output, { expected: 6 });
    const dead = await readToEnd(errors, { expected: 1 });
    expect(outputs.length + dead.length).toBe(sources.length);
    for (const out of outputs) {
      const key = out.key!.toString();
      const i = Number(key.split('-')[1]);
      expect(labelsOf('v2', JSON.parse(out.value!.toString()))).toEqual([
        truth.labels[i % truth.labels.length],
      ]);
    }
    expect(outputs.map((o) => o.key!.toString()).sort()).toEqual(
      ['avro-0', 'avro-1', 'avro-2', 'protobuf-3', 'protobuf-4', 'protobuf-5'].sort(),
    );
    const [refused] = dead;
    expect(refused!.key!.toString()).toBe('avro-not-a-request');
    expect(header(refused!, 'msk-inference-error-kind')).toBe('shape');
    expect(header(refused!, 'msk-inference-error')).toMatch(
      /^record decoded by the schema registry \(AVRO, schema 1234\) is not a V2 request: /,
    );
    expect(refused!.value!.toString()).toBe('{"key":"value"}');
  });
});
