import { CompressionTypes, type Message, type ProducerBatch } from 'kafkajs';
import type { KafkaConfig } from '../config.js';
import { headerMap } from './headers.js';
import type { OutboundRecord } from './output-records.js';
import { framedBytes } from './record-size.js';

/**
 * Consecutive runs of records of at most `max` bytes (a larger record alone). kafkajs puts every
 * record of a partition in one record batch, and the broker refuses a batch over its
 * `message.max.bytes` (1 MB by default) whole: 500 records of 3 KB for one partition would fail
 * every publish, and so every redelivery.
 *
 * @example
 * chunkBySize(records, 1_000_000); // [[r1, r2], [r3]]
 */
export const chunkBySize = (records: readonly OutboundRecord[], max: number): OutboundRecord[][] => {
  const chunks: OutboundRecord[][] = [];
  let chunk: OutboundRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = framedBytes(r);
    if (chunk.length > 0 && bytes + size > max) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};

/**
 * The produce requests for the records, to send one after the other (each acknowledged before the
 * next, so the order is kept): runs of at most `maxRequestBytes`, acks=all.
 *
 * @example
 * for (const request of produceRequests(records, config.kafka, 1_000_000)) await producer.sendBatch(request);
 */
export const produceRequests = (
  records: readonly OutboundRecord[],
  kafka: Pick<KafkaConfig, 'compression'>,
  maxRequestBytes: number,
): ProducerBatch[] => {
  const compression = kafka.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  return chunkBySize(records, maxRequestBytes).map((chunk) => {
    const byTopic = new Map<string, Message[]>();
    for (const r of chunk) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: headerMap(Object.entries(r.headers)) });
      byTopic.set(r.topic, list);
    }
    return {
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
      compression,
    };
  });
};
