/**
 * Records read back from a topic, and what the tests do with them: headers as strings, grouping by
 * partition.
 */
import type { IHeaders } from 'kafkajs';

/** A record read back from a topic. Repeated header names come back as arrays, in order. */
export interface KafkaRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  /** Epoch milliseconds. */
  timestamp: number;
}

/**
 * kafkajs headers (string, Buffer or arrays of them) as Buffers, in an object without a prototype.
 * kafkajs' record decoder builds headers in a plain object (`obj[key] === undefined ? value : …`): a
 * header named `constructor`, `toString` or `__proto__` first reads back Object.prototype's member
 * and comes out as `[<that member>, value]`. Only Buffers and strings are header values; the rest
 * is that artefact and is dropped.
 *
 * @example
 * const headers = normalizeHeaders(message.headers);
 */
export function normalizeHeaders(headers: IHeaders | undefined): Record<string, Buffer | Buffer[]> {
  const out = Object.create(null) as Record<string, Buffer | Buffer[]>;
  for (const name of Object.keys(headers ?? {})) {
    const value = headers![name];
    if (value === undefined) continue;
    const values = (Array.isArray(value) ? value : [value])
      .filter((v) => Buffer.isBuffer(v) || typeof v === 'string')
      .map((v) => Buffer.from(v));
    out[name] = values.length === 1 ? values[0]! : values;
  }
  return out;
}

/**
 * Headers as UTF-8 strings (repeated names as arrays), for readable assertions.
 *
 * @example
 * expect(headersAsStrings(record.headers)).toMatchObject({ 'proto-name': 'x' });
 */
export function headersAsStrings(
  headers: Record<string, Buffer | Buffer[]>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.map((v) => v.toString('utf8')) : value.toString('utf8');
  }
  return out;
}

/**
 * Records grouped by partition, each list in offset order.
 *
 * @example
 * const partitions = byPartition(await readToEnd(topic));
 */
export function byPartition<T extends { partition: number }>(records: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of records) {
    const list = out.get(r.partition) ?? [];
    list.push(r);
    out.set(r.partition, list);
  }
  return out;
}
