/**
 * Producing records to the test cluster, with each record's partition and offset returned.
 *
 * @example
 * const sent = await produce(topic, [{ key: 'k1', value: '{"a":1}', headers: { 'proto-name': 'x' } }]);
 */
import type { IHeaders, Message } from 'kafkajs';
import { kafkaProducer } from './kafka-clients.js';
import { chosenPartition } from './kafka-partitioner.js';

/** A record to produce. `partition` unset: the default (Java-compatible murmur2) partitioner picks it. */
export interface ProduceMessage {
  key?: string | Buffer | null;
  value: string | Buffer | null;
  headers?: Record<string, string | Buffer | (string | Buffer)[]>;
  partition?: number;
  /** Epoch milliseconds; the broker's time when unset. */
  timestamp?: number;
}

/** Where a produced record landed; `produce` returns one per message, in the order given. */
export interface ProducedRecord {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * Produces the messages (acks = all) in the order given and returns each one's partition and offset,
 * in the same order. Records for one partition keep their relative order. A topic that does not
 * exist is auto-created by the broker with `num.partitions` (1); call `createTopics` first for more.
 *
 * @example
 * const [first] = await produce(topic, [{ key: 'k1', value: '{"a":1}' }]);
 */
export async function produce(
  topic: string,
  messages: ProduceMessage[],
  chunkSize = 1_000,
): Promise<ProducedRecord[]> {
  const p = await kafkaProducer();
  const produced: ProducedRecord[] = [];
  for (let start = 0; start < messages.length; start += chunkSize) {
    const chunk: Message[] = messages.slice(start, start + chunkSize).map(toKafkaMessage);
    const metadata = await p.send({ topic, acks: -1, messages: chunk });
    const baseOffset = new Map<number, number>();
    for (const m of metadata) {
      if (m.errorCode !== 0) throw new Error(`produce to ${topic}/${m.partition}: error code ${m.errorCode}`);
      baseOffset.set(m.partition, Number(m.baseOffset));
    }
    // A produce request holds one record batch per partition, so the records of a partition get
    // consecutive offsets from its base offset, in the order they were given.
    const next = new Map<number, number>();
    for (const message of chunk) {
      const partition = message.partition ?? chosenPartition(message);
      const base = partition === undefined ? undefined : baseOffset.get(partition);
      if (partition === undefined || base === undefined) {
        throw new Error(`produce to ${topic}: no acknowledgement found for a record`);
      }
      const index = next.get(partition) ?? 0;
      next.set(partition, index + 1);
      produced.push({ topic, partition, offset: base + index });
    }
  }
  return produced;
}

function toKafkaMessage(m: ProduceMessage): Message {
  const message: Message = { key: m.key ?? null, value: m.value };
  if (m.headers !== undefined) message.headers = m.headers as IHeaders;
  if (m.partition !== undefined) message.partition = m.partition;
  if (m.timestamp !== undefined) message.timestamp = String(m.timestamp);
  return message;
}
