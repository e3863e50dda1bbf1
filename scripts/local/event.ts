/**
 * Builds Lambda Kafka events (MSK `aws:kafka` and `SelfManagedKafka`) from Kafka records, the way
 * Lambda's event source mapping encodes them: records keyed `"<topic>-<partition>"`, base64 key and
 * value, headers as `[{name: number[]}]`.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-smaa.html
 */
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';

export const EventShape = { msk: 'msk', selfManaged: 'self-managed' } as const;
export type EventShape = (typeof EventShape)[keyof typeof EventShape];
export const EVENT_SHAPES = Object.values(EventShape);

export type TimestampType = LambdaKafkaRecord['timestampType'];

/** A Kafka record as read from the broker or a file, before Lambda's encoding. */
export interface SourceRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Epoch milliseconds. */
  readonly timestamp: number;
  /** @default 'CREATE_TIME' (the topic default `message.timestamp.type=CreateTime`) */
  readonly timestampType?: TimestampType;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** In record order; a name may repeat. */
  readonly headers: ReadonlyArray<readonly [name: string, value: Buffer]>;
}

/** Where the records come from, as the event names it. */
export interface EventSourceOptions {
  readonly shape: EventShape;
  /** Comma-separated `host:port` list, as Lambda writes it. */
  readonly bootstrapServers: string;
  /**
   * The MSK cluster ARN (MSK shape only).
   * @default LOCAL_CLUSTER_ARN
   */
  readonly eventSourceArn?: string;
}

/** Stands in for an MSK cluster ARN when the records come from a local broker. */
export const LOCAL_CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/local-cluster/00000000-0000-0000-0000-000000000000-1';

/**
 * One record in Lambda's encoding. A null key or value is left out, as Lambda does; header values
 * are unsigned bytes (0-255).
 *
 * @example
 * toLambdaRecord({ topic: 't', partition: 0, offset: 7, timestamp: 0, key: null, value: Buffer.from('{}'), headers: [] });
 */
export const toLambdaRecord = (record: SourceRecord): LambdaKafkaRecord => ({
  topic: record.topic,
  partition: record.partition,
  offset: record.offset,
  timestamp: record.timestamp,
  timestampType: record.timestampType ?? 'CREATE_TIME',
  ...(record.key === null ? {} : { key: record.key.toString('base64') }),
  ...(record.value === null ? {} : { value: record.value.toString('base64') }),
  headers: record.headers.map(([name, value]) => ({ [name]: [...value] })),
});

/** `<topic>-<partition>`: the key Lambda files a partition's records under. */
export const partitionKey = (record: Pick<SourceRecord, 'topic' | 'partition'>): string =>
  `${record.topic}-${record.partition}`;

/**
 * The event Lambda would send for these records: grouped by partition in order of first
 * appearance, each partition's records in the order given (offset order when read from a topic).
 *
 * @example
 * const event = buildEvent(records, { shape: 'msk', bootstrapServers: '127.0.0.1:9092' });
 */
export const buildEvent = (
  records: readonly SourceRecord[],
  source: EventSourceOptions,
): LambdaKafkaEvent => {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const record of records) {
    const key = partitionKey(record);
    grouped[key] ??= [];
    grouped[key].push(toLambdaRecord(record));
  }
  // Field order follows the documented examples, so generated files read like them.
  return source.shape === EventShape.msk
    ? {
        eventSource: 'aws:kafka',
        eventSourceArn: source.eventSourceArn ?? LOCAL_CLUSTER_ARN,
        bootstrapServers: source.bootstrapServers,
        records: grouped,
      }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: source.bootstrapServers, records: grouped };
};

/**
 * Bytes a record adds to the event's JSON, a close upper bound computed without serializing: what
 * the batcher weighs against Lambda's 6 MB invocation payload limit.
 */
export const encodedSize = (record: SourceRecord): number => {
  const base64 = (b: Buffer | null): number => (b === null ? 0 : Math.ceil(b.length / 3) * 4 + 10);
  // Each header byte is at most 3 digits and a comma.
  const headers = record.headers.reduce((n, [name, value]) => n + name.length + 8 + value.length * 4, 0);
  return 160 + record.topic.length + base64(record.key) + base64(record.value) + headers;
};

/** Room kept for the event's envelope (eventSource, ARN, bootstrapServers, the partition keys). */
export const ENVELOPE_BYTES = 8 * 1024;

/** Lambda's payload limit for a synchronous invocation (6 MB). */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** The event as indented JSON with each header's bytes on one line, as the documented examples show them. */
export const formatEvent = (event: LambdaKafkaEvent): string =>
  `${JSON.stringify(event, null, 2).replace(
    /\[\n\s+(\d+(?:,\n\s+\d+)*)\n\s+\]/g,
    (_match, bytes: string) => `[${bytes.split(/,\n\s+/).join(', ')}]`,
  )}\n`;
