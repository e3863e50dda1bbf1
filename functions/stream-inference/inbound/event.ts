import { EventShapeError } from '../failures.js';
import { fieldName } from '../reason.js';
import type { RecordTrace } from '../tracing/record-spans.js';

/** One header of a Kafka record; values are raw bytes (Kafka headers are not necessarily text). */
export interface RecordHeader {
  readonly name: string;
  readonly value: Buffer;
}

/**
 * What a mapping with a schema registry adds to a record for each attribute it validated: the
 * format the producer wrote (`AVRO`, `PROTOBUF`, `JSON`) and the schema's id in the registry.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/services-consume-kafka-events.html
 */
export interface SchemaMetadata {
  readonly dataFormat: string;
  readonly schemaId?: string;
}

/** A record of the Lambda Kafka event with its base64 and byte-array fields decoded. */
export interface InputRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  /** `valueSchemaMetadata`: the value was validated (and, for EventRecordFormat JSON, decoded) by a schema registry. */
  readonly valueSchema?: SchemaMetadata;
  /** Set when this record (not the whole event) is malformed; the pipeline dead-letters it with this reason. */
  readonly problem?: string;
  /** The record's span, when it is traced (tracing/record-spans.ts): set as its batch starts. */
  readonly trace?: RecordTrace;
}

/** The records of one `topic-partition` key, in offset order. */
export interface PartitionBatch {
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly InputRecord[];
}

export interface DecodedEvent {
  readonly eventSource: 'aws:kafka' | 'SelfManagedKafka';
  readonly eventSourceArn?: string;
  readonly bootstrapServers?: string;
  readonly partitions: readonly PartitionBatch[];
}

/** The documented wire shape of both Lambda Kafka events (MSK and self-managed). */
export interface LambdaKafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string | null;
  value?: string | null;
  headers?: Array<Record<string, number[]>>;
  keySchemaMetadata?: SchemaMetadata;
  valueSchemaMetadata?: SchemaMetadata;
}

export interface LambdaKafkaEvent {
  eventSource: 'aws:kafka' | 'SelfManagedKafka';
  eventSourceArn?: string;
  bootstrapServers?: string;
  records: Record<string, LambdaKafkaRecord[]>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

const decodeBase64 = (field: string, v: unknown): { bytes: Buffer | null; problem?: string } => {
  if (v === undefined || v === null) return { bytes: null };
  if (typeof v !== 'string' || v.length % 4 !== 0 || !BASE64.test(v)) {
    return { bytes: null, problem: `${field} is not base64` };
  }
  return { bytes: Buffer.from(v, 'base64') };
};

const decodeHeaders = (v: unknown): { headers: RecordHeader[]; problem?: string } => {
  if (v === undefined || v === null) return { headers: [] };
  if (!Array.isArray(v)) return { headers: [], problem: 'headers is not an array' };
  const headers: RecordHeader[] = [];
  for (const entry of v) {
    if (!isObject(entry)) return { headers, problem: 'a header is not an object' };
    for (const [name, bytes] of Object.entries(entry)) {
      if (!Array.isArray(bytes) || !bytes.every((b) => Number.isInteger(b) && b >= -128 && b <= 255)) {
        return { headers, problem: `header '${fieldName(name)}' is not a byte array` };
      }
      // Lambda serializes Java's signed bytes on some paths; & 0xff folds both forms to one.
      headers.push({ name, value: Buffer.from(bytes.map((b: number) => b & 0xff)) });
    }
  }
  return { headers };
};

const decodeSchemaMetadata = (v: unknown): { schema?: SchemaMetadata; problem?: string } => {
  if (v === undefined || v === null) return {};
  if (!isObject(v) || typeof v['dataFormat'] !== 'string') {
    return { problem: 'valueSchemaMetadata has no dataFormat' };
  }
  const { dataFormat, schemaId } = v;
  return { schema: { dataFormat, ...(typeof schemaId === 'string' ? { schemaId } : {}) } };
};

const decodeRecord = (key: string, raw: unknown): InputRecord => {
  if (!isObject(raw)) throw new EventShapeError(`records['${key}'] holds a non-object`);
  const { topic, partition, offset, timestamp } = raw;
  if (typeof topic !== 'string' || !Number.isInteger(partition) || !Number.isInteger(offset)) {
    throw new EventShapeError(`records['${key}'] holds a record without topic, partition and offset`);
  }
  const k = decodeBase64('key', raw.key);
  const v = decodeBase64('value', raw.value);
  const h = decodeHeaders(raw.headers);
  const s = decodeSchemaMetadata(raw['valueSchemaMetadata']);
  const problem = k.problem ?? v.problem ?? h.problem ?? s.problem;
  return {
    topic,
    partition: partition as number,
    offset: offset as number,
    timestamp: typeof timestamp === 'number' ? timestamp : 0,
    key: k.bytes,
    value: v.bytes,
    headers: h.headers,
    ...(s.schema === undefined ? {} : { valueSchema: s.schema }),
    ...(problem === undefined ? {} : { problem }),
  };
};

/**
 * Decodes a Lambda Kafka event (MSK `aws:kafka` or `SelfManagedKafka`) into partitions of records
 * in offset order. A malformed event throws (Lambda retries the batch); a malformed record is kept
 * with a `problem` so that it alone is dead-lettered.
 *
 * @example
 * const { partitions } = decodeEvent(event);
 */
export const decodeEvent = (event: unknown): DecodedEvent => {
  if (!isObject(event)) throw new EventShapeError('the event is not an object');
  const { eventSourceArn, bootstrapServers, records } = event;
  // Powertools' self-managed fixtures (TypeScript and Python) spell it `aws:SelfManagedKafka`; AWS's
  // examples and Powertools' parser schema say `SelfManagedKafka`. Refusing either would make Lambda
  // retry the batch forever, so both are read as the one AWS documents.
  const eventSource =
    event['eventSource'] === 'aws:SelfManagedKafka' ? 'SelfManagedKafka' : event['eventSource'];
  if (eventSource !== 'aws:kafka' && eventSource !== 'SelfManagedKafka') {
    throw new EventShapeError(`eventSource '${String(eventSource)}' is not aws:kafka or SelfManagedKafka`);
  }
  if (!isObject(records)) throw new EventShapeError('the event has no records object');
  const byPartition = new Map<string, InputRecord[]>();
  for (const [key, list] of Object.entries(records)) {
    if (!Array.isArray(list)) throw new EventShapeError(`records['${key}'] is not an array`);
    for (const raw of list) {
      const record = decodeRecord(key, raw);
      // Group by the record's own coordinates: the key is "<topic>-<partition>", but topics may contain '-'.
      const id = `${record.topic}-${record.partition}`;
      const bucket = byPartition.get(id) ?? [];
      bucket.push(record);
      byPartition.set(id, bucket);
    }
  }
  const partitions = [...byPartition.values()].map((list) => {
    const sorted = list.sort((a, b) => a.offset - b.offset);
    const first = sorted[0]!;
    return { topic: first.topic, partition: first.partition, records: sorted };
  });
  return {
    eventSource,
    ...(typeof eventSourceArn === 'string' ? { eventSourceArn } : {}),
    ...(typeof bootstrapServers === 'string' ? { bootstrapServers } : {}),
    partitions,
  };
};

/** `<topic>/<partition>/<offset>`: the source coordinates carried by every output and error record. */
export const sourceOf = (record: Pick<InputRecord, 'topic' | 'partition' | 'offset'>): string =>
  `${record.topic}/${record.partition}/${record.offset}`;
