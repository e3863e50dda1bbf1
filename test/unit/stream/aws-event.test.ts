/**
 * The handler's decoder on the events AWS documents and maintained implementations test with
 * (`test/fixtures/aws/`). Expected values are read off the fixture files, never produced by our
 * encoder.
 */
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import { AwsEventFixture, awsEvent, recordsOf } from '../../helpers/aws-fixtures.js';

/** "headerValue": the bytes `[104, 101, 97, ...]` every fixture carries under `headerKey`. */
const HEADER_VALUE = Buffer.from([104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101]);

const text = (b: Buffer | null) => (b === null ? null : b.toString('utf8'));

describe('decodeEvent on the AWS fixtures', () => {
  it.each(Object.values(AwsEventFixture))('decodes %s without a problem, every record kept', (name) => {
    // Prepare
    const event = awsEvent(name);
    const raw = recordsOf(event);

    // Act
    const decoded = decodeEvent(event);

    // Assess
    expect(decoded.eventSource).toBe(event.eventSource);
    expect(decoded.eventSourceArn).toBe(event.eventSourceArn);
    expect(decoded.bootstrapServers).toBe(event.bootstrapServers);
    const flat = decoded.partitions.flatMap((p) => p.records);
    expect(flat).toHaveLength(raw.length);
    for (const [i, r] of flat.entries()) {
      const want = raw[i]!;
      expect(r.problem).toBeUndefined();
      expect([r.topic, r.partition, r.offset, r.timestamp]).toEqual([
        want.topic,
        want.partition,
        want.offset,
        want.timestamp,
      ]);
      expect(r.key).toEqual(typeof want.key === 'string' ? Buffer.from(want.key, 'base64') : null);
      expect(r.value).toEqual(typeof want.value === 'string' ? Buffer.from(want.value, 'base64') : null);
      expect(r.headers).toEqual(
        (want.headers ?? []).flatMap((h) =>
          Object.entries(h).map(([name, v]) => ({ name, value: Buffer.from(v) })),
        ),
      );
    }
  });

  it("reads AWS's MSK example as it says: key recordKey, value and header as text", () => {
    const decoded = decodeEvent(awsEvent(AwsEventFixture.msk));

    expect(decoded).toMatchObject({
      eventSource: 'aws:kafka',
      eventSourceArn:
        'arn:aws:kafka:us-east-1:123456789012:cluster/vpc-2priv-2pub/751d2973-a626-431c-9d4e-d7975eb44dd7-2',
    });
    const [p] = decoded.partitions;
    expect(p).toMatchObject({ topic: 'mytopic', partition: 0 });
    const [r] = p!.records;
    expect(text(r!.key)).toBe('recordKey');
    expect(text(r!.value)).toBe('Hello, this is a test.');
    expect(r!.headers).toEqual([{ name: 'headerKey', value: HEADER_VALUE }]);
  });

  it('reads the self-managed example: no eventSourceArn', () => {
    const decoded = decodeEvent(awsEvent(AwsEventFixture.selfManaged));

    expect(decoded.eventSource).toBe('SelfManagedKafka');
    expect('eventSourceArn' in decoded).toBe(false);
  });

  it("reads Powertools' older `aws:SelfManagedKafka` spelling as the self-managed source", () => {
    const event = { ...awsEvent(AwsEventFixture.selfManaged), eventSource: 'aws:SelfManagedKafka' };

    const decoded = decodeEvent(event);

    expect(decoded.eventSource).toBe('SelfManagedKafka');
    expect(decoded.partitions[0]!.records).toHaveLength(1);
  });

  it.each([AwsEventFixture.powertoolsTypescriptDefault, AwsEventFixture.powertoolsPythonMsk])(
    'takes an absent key and a null key for no key (%s)',
    (name) => {
      const decoded = decodeEvent(awsEvent(name));

      const keys = decoded.partitions.flatMap((p) => p.records.map((r) => text(r.key)));
      expect(keys).toEqual(['recordKey', null, null]);
    },
  );

  it('reads the Powertools TypeScript values as the JSON they hold', () => {
    const decoded = decodeEvent(awsEvent(AwsEventFixture.powertoolsTypescriptDefault));

    const records = decoded.partitions[0]!.records;
    expect(records.map((r) => r.offset)).toEqual([15, 16, 17]);
    for (const r of records) {
      expect(JSON.parse(text(r.value)!)).toEqual({ id: 12345, name: 'product5', price: 45 });
    }
  });

  it('ignores fields it does not use (schema registry metadata)', () => {
    const decoded = decodeEvent(awsEvent(AwsEventFixture.powertoolsPythonMsk));

    const records = decoded.partitions[0]!.records;
    expect(records.map((r) => text(r.value))).toEqual(Array(3).fill('{"key":"value"}'));
  });

  // No documented fixture holds a tombstone or a repeated header name: both are built from AWS's
  // example here, by the one change each needs.
  it.each([
    ['no value field', (r: Record<string, unknown>) => delete r['value']],
    ['"value": null', (r: Record<string, unknown>) => (r['value'] = null)],
  ])("takes AWS's example with %s for a tombstone: a null value, not a malformed record", (_, strip) => {
    const event = awsEvent(AwsEventFixture.msk);
    strip(event.records['mytopic-0']![0] as unknown as Record<string, unknown>);

    const [r] = decodeEvent(event).partitions[0]!.records;

    expect(r!.value).toBeNull();
    expect(r!.problem).toBeUndefined();
    expect(text(r!.key)).toBe('recordKey');
  });

  it("keeps a header name that repeats, in order, as AWS's one-entry-per-header array carries it", () => {
    const event = awsEvent(AwsEventFixture.msk);
    const record = event.records['mytopic-0']![0]!;
    record.headers = [...record.headers!, { headerKey: [120] }];

    const [r] = decodeEvent(event).partitions[0]!.records;

    expect(r!.headers).toEqual([
      { name: 'headerKey', value: HEADER_VALUE },
      { name: 'headerKey', value: Buffer.from('x') },
    ]);
  });
});
