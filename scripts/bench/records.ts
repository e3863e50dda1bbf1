/**
 * The records every scenario sends: iris rows as V2 (Open Inference Protocol) requests, REST JSON
 * or gRPC protobuf, keyed `<run tag>-<n>` so that a run's answers can be counted on the output topic.
 */
import type { Message } from 'kafkajs';
import type { Transport } from '../../functions/stream-inference/config.js';
import type { SourceRecord } from '../local/event.js';
import { IRIS_SAMPLES, sampleRecord } from '../local/samples.js';

/**
 * MLServer's Kafka server takes the model's name from this header (mlserver/kafka/handlers.py);
 * the REST records carry it so that the very same records can go to MLServer's Kafka server.
 */
export const MLSERVER_MODEL_HEADER = 'mlserver-model';

const valuesOf = (transport: Transport): { value: Buffer; headers: Record<string, string> }[] =>
  IRIS_SAMPLES.map((sample) => {
    const { value, headers } = sampleRecord('v2', transport, sample);
    return {
      value,
      headers: transport === 'rest' ? { ...headers, [MLSERVER_MODEL_HEADER]: 'iris' } : { ...headers },
    };
  });

const cache = new Map<Transport, ReturnType<typeof valuesOf>>();

/**
 * `count` records of iris requests for the transport, keys `<tag>-<from>` … `<tag>-<from+count-1>`
 * (a long run asks for them a slice at a time).
 */
export const irisMessages = (transport: Transport, tag: string, count: number, from = 0): Message[] => {
  const values = cache.get(transport) ?? valuesOf(transport);
  cache.set(transport, values);
  return Array.from({ length: count }, (_, j) => {
    const i = from + j;
    const { value, headers } = values[i % values.length]!;
    return { key: `${tag}-${i}`, value, headers };
  });
};

/** The request bodies alone (what a direct client sends to the model), `count` of them. */
export const irisBodies = (transport: Transport, count: number): Buffer[] =>
  irisMessages(transport, 'body', count).map((m) => m.value as Buffer);

let tags = 0;
/** A run tag not used before in this process. */
export const nextTag = (prefix: string): string => `${prefix}${++tags}`;

/**
 * One batch of `count` V2 REST iris records as the event source mapping delivers it: spread round
 * robin over `partitions` partitions of `topic`, ordered by partition, then offset.
 *
 * @example
 * const records = irisBatch('adapter-in', 'adapter', 1_000, 4);
 */
export const irisBatch = (topic: string, tag: string, count: number, partitions: number): SourceRecord[] =>
  irisMessages('rest', tag, count)
    .map((m, i) => ({
      topic,
      partition: i % partitions,
      offset: Math.floor(i / partitions),
      timestamp: Date.now(),
      key: Buffer.from(m.key as string),
      value: m.value as Buffer,
      headers: Object.entries(m.headers ?? {}).map(([n, v]) => [n, Buffer.from(v as string)] as const),
    }))
    .sort((a, b) => a.partition - b.partition || a.offset - b.offset);
