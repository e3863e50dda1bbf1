import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import { mskEvent } from '../../helpers/factories.js';

describe('decodeEvent', () => {
  it('decodes an MSK event: base64 key and value, byte-array headers, partitions in offset order', () => {
    const event = mskEvent([
      { partition: 1, offset: 7, key: 'k7', value: '{"b":1}', headers: { 'proto-name': 'x.Y' } },
      { partition: 0, offset: 3, key: 'k3', value: '{"a":1}' },
      { partition: 1, offset: 5, key: null, value: '{"c":1}' },
    ]);

    const decoded = decodeEvent(event);

    expect(decoded.eventSource).toBe('aws:kafka');
    expect(decoded.bootstrapServers).toBe('127.0.0.1:9092');
    const p1 = decoded.partitions.find((p) => p.partition === 1)!;
    expect(p1.records.map((r) => r.offset)).toEqual([5, 7]);
    expect(p1.records[0]!.key).toBeNull();
    expect(p1.records[1]!.key?.toString()).toBe('k7');
    expect(p1.records[1]!.value?.toString()).toBe('{"b":1}');
    expect(p1.records[1]!.headers).toEqual([{ name: 'proto-name', value: Buffer.from('x.Y') }]);
  });

  it('accepts the self-managed shape, which has no eventSourceArn', () => {
    const decoded = decodeEvent(mskEvent([{ offset: 0 }], 'self-managed'));

    expect(decoded.eventSource).toBe('SelfManagedKafka');
    expect(decoded.eventSourceArn).toBeUndefined();
  });

  it('groups by the record coordinates even when the topic name holds dashes', () => {
    const decoded = decodeEvent(mskEvent([{ topic: 'my-topic-2', partition: 3, offset: 1 }]));

    expect(decoded.partitions).toHaveLength(1);
    expect(decoded.partitions[0]).toMatchObject({ topic: 'my-topic-2', partition: 3 });
  });

  it('folds signed header bytes to unsigned', () => {
    const event = mskEvent([{ offset: 0 }]);
    event.records['in-0']![0]!.headers = [{ h: [-1, 65] }];

    expect(decodeEvent(event).partitions[0]!.records[0]!.headers[0]!.value).toEqual(Buffer.from([255, 65]));
  });

  it('keeps a record-level problem on the record instead of failing the batch', () => {
    const event = mskEvent([{ offset: 0 }, { offset: 1 }]);
    event.records['in-0']![1]!.value = 'not base64!';

    const records = decodeEvent(event).partitions[0]!.records;

    expect(records[0]!.problem).toBeUndefined();
    expect(records[1]!.problem).toBe('value is not base64');
  });

  it.each([
    [null, /not an object/],
    [{ eventSource: 'aws:sqs', records: {} }, /eventSource 'aws:sqs'/],
    [{ eventSource: 'aws:kafka' }, /no records object/],
    [{ eventSource: 'aws:kafka', records: { 'a-0': {} } }, /is not an array/],
    [
      { eventSource: 'aws:kafka', records: { 'a-0': [{ topic: 'a' }] } },
      /without topic, partition and offset/,
    ],
  ])('rejects a malformed event %j', (event, message) => {
    expect(() => decodeEvent(event)).toThrow(message);
  });
});
