/**
 * The generator's events against the documented MSK and self-managed shapes, and the handler's
 * decoder on them.
 *
 * Fixtures: `test/fixtures/aws/` (AWS's documented examples and Powertools' Kafka events; its
 * README says where each comes from and what was changed).
 */
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import {
  buildEvent,
  ENVELOPE_BYTES,
  encodedSize,
  formatEvent,
  LOCAL_CLUSTER_ARN,
  type SourceRecord,
  toLambdaRecord,
} from '../../../scripts/local/event.js';
import { AwsEventFixture, awsEvent, recordsOf } from '../../helpers/aws-fixtures.js';

const BOOTSTRAP =
  'b-2.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092,b-1.demo-cluster-1.a1bcde.c1.kafka.us-east-1.amazonaws.com:9092';
const ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2';

/** The record both documented examples carry, as read from the broker. */
const documentedRecord: SourceRecord = {
  topic: 'mytopic',
  partition: 0,
  offset: 15,
  timestamp: 1545084650987,
  timestampType: 'CREATE_TIME',
  key: Buffer.from('recordKey'),
  value: Buffer.from('Hello, this is a test.'),
  headers: [['headerKey', Buffer.from('headerValue')]],
};

const record = (over: Partial<SourceRecord>): SourceRecord => ({ ...documentedRecord, ...over });

describe('buildEvent', () => {
  it('writes the documented MSK event, field by field and in the same order', () => {
    // Prepare
    const expected = awsEvent(AwsEventFixture.msk);

    // Act
    const event = buildEvent([documentedRecord], {
      shape: 'msk',
      bootstrapServers: BOOTSTRAP,
      eventSourceArn: ARN,
    });

    // Assess
    expect(Object.keys(event)).toEqual(Object.keys(expected));
    expect(event.eventSource).toBe('aws:kafka');
    expect(event.eventSourceArn).toBe(expected.eventSourceArn);
    expect(event.bootstrapServers).toBe(expected.bootstrapServers);
    expect(Object.keys(event.records)).toEqual(['mytopic-0']);
    const [got] = event.records['mytopic-0']!;
    const [want] = expected.records['mytopic-0']!;
    expect(Object.keys(got!)).toEqual(Object.keys(want!));
    for (const field of Object.keys(want!) as Array<keyof typeof want>) {
      expect(got![field], field).toEqual(want![field]);
    }
    expect(JSON.stringify(event)).toBe(JSON.stringify(expected));
  });

  it('writes the documented self-managed event: no eventSourceArn', () => {
    const expected = awsEvent(AwsEventFixture.selfManaged);

    const event = buildEvent([documentedRecord], { shape: 'self-managed', bootstrapServers: BOOTSTRAP });

    expect(event).toEqual(expected);
    expect(JSON.stringify(event)).toBe(JSON.stringify(expected));
    expect('eventSourceArn' in event).toBe(false);
  });

  it('names a placeholder cluster ARN when none is given', () => {
    const event = buildEvent([documentedRecord], { shape: 'msk', bootstrapServers: '127.0.0.1:9092' });

    expect(event.eventSourceArn).toBe(LOCAL_CLUSTER_ARN);
    expect(LOCAL_CLUSTER_ARN).toMatch(/^arn:aws:kafka:[a-z0-9-]+:\d{12}:cluster\/[^/]+\/[0-9a-f-]+$/);
  });

  it('groups records under "<topic>-<partition>" in order of first appearance, keeping their order', () => {
    const records = [
      record({ partition: 1, offset: 7 }),
      record({ partition: 0, offset: 3 }),
      record({ partition: 1, offset: 8 }),
      record({ topic: 'my-topic-2', partition: 0, offset: 1 }),
      record({ partition: 0, offset: 4 }),
    ];

    const event = buildEvent(records, { shape: 'self-managed', bootstrapServers: 'b:9092' });

    expect(Object.keys(event.records)).toEqual(['mytopic-1', 'mytopic-0', 'my-topic-2-0']);
    expect(event.records['mytopic-1']!.map((r) => r.offset)).toEqual([7, 8]);
    expect(event.records['mytopic-0']!.map((r) => r.offset)).toEqual([3, 4]);
    expect(event.records['my-topic-2-0']!.map((r) => [r.topic, r.partition])).toEqual([['my-topic-2', 0]]);
  });

  it('leaves out a null key and value, and writes repeated and binary headers as unsigned bytes', () => {
    const r = record({
      key: null,
      value: null,
      timestampType: 'LOG_APPEND_TIME',
      headers: [
        ['h', Buffer.from([0, 127, 128, 255])],
        ['h', Buffer.from('x')],
        ['empty', Buffer.alloc(0)],
      ],
    });

    const encoded = toLambdaRecord(r);

    expect('key' in encoded).toBe(false);
    expect('value' in encoded).toBe(false);
    expect(encoded.timestampType).toBe('LOG_APPEND_TIME');
    expect(encoded.headers).toEqual([{ h: [0, 127, 128, 255] }, { h: [120] }, { empty: [] }]);
  });
});

describe('buildEvent against the keyless records of a maintained fixture', () => {
  // The fixture's third record spells no key `"key": null` instead; test/unit/stream/aws-event.test.ts
  // shows the decoder reads both spellings alike.
  it("writes a record without a key as Powertools TypeScript's fixture does: no key field, the rest equal", () => {
    // Prepare: the broker-side records behind packages/kafka/tests/events/default.json
    const expected = awsEvent(AwsEventFixture.powertoolsTypescriptDefault);
    const value = Buffer.from('{\n  "id": 12345,\n  "name": "product5",\n  "price": 45\n}');
    const records = [15, 16].map((offset) =>
      record({
        offset,
        timestamp: 1545084650987 + offset - 15,
        key: offset === 15 ? documentedRecord.key : null,
        value,
      }),
    );

    // Act
    const event = buildEvent(records, {
      shape: 'msk',
      bootstrapServers: expected.bootstrapServers!,
      eventSourceArn: expected.eventSourceArn!,
    });

    // Assess
    const [keyed, keyless] = recordsOf(expected);
    expect(JSON.stringify(event.records['mytopic-0'])).toBe(JSON.stringify([keyed, keyless]));
    expect('key' in event.records['mytopic-0']![1]!).toBe(false);
  });
});

describe('decodeEvent on generated events', () => {
  it.each([
    ['msk', 'aws:kafka'],
    ['self-managed', 'SelfManagedKafka'],
  ] as const)('accepts the %s shape and gets every field back', (shape, eventSource) => {
    const records = [
      documentedRecord,
      record({ offset: 16, key: null, headers: [] }),
      record({ partition: 3, offset: 0, value: Buffer.from([0, 1, 2, 250]) }),
    ];
    const event = buildEvent(records, { shape, bootstrapServers: BOOTSTRAP, eventSourceArn: ARN });

    const decoded = decodeEvent(JSON.parse(JSON.stringify(event)));

    expect(decoded.eventSource).toBe(eventSource);
    expect(decoded.eventSourceArn).toBe(shape === 'msk' ? ARN : undefined);
    expect(decoded.bootstrapServers).toBe(BOOTSTRAP);
    const flat = decoded.partitions.flatMap((p) => p.records);
    expect(flat.map((r) => [r.topic, r.partition, r.offset, r.timestamp])).toEqual(
      records.map((r) => [r.topic, r.partition, r.offset, r.timestamp]),
    );
    for (const [i, r] of flat.entries()) {
      expect(r.problem).toBeUndefined();
      expect(r.key).toEqual(records[i]!.key);
      expect(r.value).toEqual(records[i]!.value);
      expect(r.headers.map((h) => [h.name, h.value])).toEqual(records[i]!.headers.map(([n, v]) => [n, v]));
    }
  });

  it('accepts the documented fixtures as they are', () => {
    for (const name of [AwsEventFixture.msk, AwsEventFixture.selfManaged]) {
      const decoded = decodeEvent(awsEvent(name));
      const [r] = decoded.partitions[0]!.records;
      expect(r!.value!.toString()).toBe('Hello, this is a test.');
      expect(r!.headers[0]!.value.toString()).toBe('headerValue');
    }
  });
});

describe('formatEvent', () => {
  it('puts header bytes on one line and changes nothing else', () => {
    const event = buildEvent([documentedRecord], {
      shape: 'msk',
      bootstrapServers: BOOTSTRAP,
      eventSourceArn: ARN,
    });

    const text = formatEvent(event);

    expect(text).toContain('"headerKey": [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101]');
    expect(JSON.parse(text)).toEqual(event);
  });
});

describe('encodedSize', () => {
  it('bounds the bytes a record adds to the event JSON from above', () => {
    const records = [
      documentedRecord,
      record({
        value: Buffer.alloc(100_000, 0xff),
        headers: [['proto-name', Buffer.from('inference.ModelInferRequest')]],
      }),
      record({ key: null, value: null, headers: [['b', Buffer.from([255, 255, 255])]] }),
    ];
    for (const r of records) {
      const actual = JSON.stringify(toLambdaRecord(r)).length;
      expect(encodedSize(r)).toBeGreaterThanOrEqual(actual);
      expect(encodedSize(r)).toBeLessThan(actual * 1.1 + 200);
    }
    const event = buildEvent(records, { shape: 'msk', bootstrapServers: BOOTSTRAP, eventSourceArn: ARN });
    const sum = records.reduce((n, r) => n + encodedSize(r), 0);
    expect(JSON.stringify(event).length).toBeLessThanOrEqual(sum + ENVELOPE_BYTES);
  });
});
