/**
 * Reads files of model requests into Kafka records: JSON lines (REST), or protobuf messages
 * length-delimited (varint length before each, as Java's `writeDelimitedTo`) or base64, one a line
 * (gRPC). Records spread over partitions round-robin with consecutive offsets, as a producer
 * without keys would place them.
 */
import { readFileSync } from 'node:fs';
import protobuf from 'protobufjs';
import type { SourceRecord } from './event.js';

export const RequestFormat = {
  jsonLines: 'jsonl',
  protobufDelimited: 'protobuf-delimited',
  protobufBase64: 'protobuf-base64',
} as const;
export type RequestFormat = (typeof RequestFormat)[keyof typeof RequestFormat];
export const REQUEST_FORMATS = Object.values(RequestFormat);

/** The format a file name suggests: `.jsonl`/`.json` JSON lines, `.b64`/`.txt` base64 lines, else delimited protobuf. */
export const formatOf = (path: string): RequestFormat => {
  if (/\.(jsonl|ndjson|json)$/i.test(path)) return RequestFormat.jsonLines;
  if (/\.(b64|base64|txt)$/i.test(path)) return RequestFormat.protobufBase64;
  return RequestFormat.protobufDelimited;
};

const lines = (text: string): string[] =>
  text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

/** The values in a file's bytes; JSON lines are checked to be JSON and kept as written. */
export const parseRequests = (bytes: Buffer, format: RequestFormat): Buffer[] => {
  switch (format) {
    case RequestFormat.jsonLines:
      return lines(bytes.toString('utf8')).map((line, i) => {
        try {
          JSON.parse(line);
        } catch (cause) {
          throw new Error(`line ${i + 1} is not JSON: ${(cause as Error).message}`, { cause });
        }
        return Buffer.from(line, 'utf8');
      });
    case RequestFormat.protobufBase64:
      return lines(bytes.toString('utf8')).map((line, i) => {
        if (!/^[A-Za-z0-9+/]*={0,2}$/.test(line)) throw new Error(`line ${i + 1} is not base64`);
        return Buffer.from(line, 'base64');
      });
    case RequestFormat.protobufDelimited: {
      const reader = protobuf.Reader.create(bytes);
      const out: Buffer[] = [];
      while (reader.pos < reader.len) out.push(Buffer.from(reader.bytes()));
      return out;
    }
  }
};

/** Writes messages length-delimited (the inverse of the `protobuf-delimited` reader). */
export const writeDelimited = (messages: readonly Uint8Array[]): Buffer => {
  const writer = protobuf.Writer.create();
  for (const m of messages) writer.bytes(m);
  return Buffer.from(writer.finish());
};

export interface RecordLayout {
  readonly topic: string;
  /** @default 1 */
  readonly partitions?: number;
  /** First offset of every partition. @default 0 */
  readonly firstOffset?: number;
  /** Epoch ms of the first record; each next record is 1 ms later. @default Date.now() */
  readonly timestamp?: number;
  /** Key of the record at index i; null for none. @default `record-${i + 1}` */
  readonly key?: (i: number) => string | null;
  /** Headers of every record, e.g. `proto-name`. */
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * @example
 * const records = toRecords(parseRequests(readFileSync('requests.jsonl'), 'jsonl'), { topic: 'in', partitions: 2 });
 */
export const toRecords = (values: readonly Buffer[], layout: RecordLayout): SourceRecord[] => {
  const partitions = layout.partitions ?? 1;
  const first = layout.firstOffset ?? 0;
  const timestamp = layout.timestamp ?? Date.now();
  const key = layout.key ?? ((i: number) => `record-${i + 1}`);
  const headers = Object.entries(layout.headers ?? {}).map(([n, v]) => [n, Buffer.from(v, 'utf8')] as const);
  const records = values.map((value, i): SourceRecord => {
    const k = key(i);
    return {
      topic: layout.topic,
      partition: i % partitions,
      offset: first + Math.floor(i / partitions),
      timestamp: timestamp + i,
      timestampType: 'CREATE_TIME',
      key: k === null ? null : Buffer.from(k, 'utf8'),
      value,
      headers,
    };
  });
  // Partition by partition, as one poll returns them.
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
};

export const readRequests = (path: string, format: RequestFormat = formatOf(path)): Buffer[] => {
  const values = parseRequests(readFileSync(path), format);
  if (values.length === 0) throw new Error(`${path} holds no requests`);
  return values;
};
