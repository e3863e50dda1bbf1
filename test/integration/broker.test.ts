/**
 * The local broker and the Kafka test helpers: keyed records with headers go in and come back out
 * unchanged, in order per partition.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { byPartition, headersAsStrings } from '../helpers/kafka-records.js';
import { createTopics, deleteTopics, uniqueTopic } from '../helpers/kafka-topics.js';

const topics: string[] = [];

afterAll(async () => {
  await deleteTopics(topics);
  await closeKafkaHelpers();
});

describe('local Kafka broker', () => {
  it('returns 1,000 keyed records with headers intact and in order per partition', async () => {
    // Prepare: a fresh 3-partition topic and 1,000 records over 50 keys, each with its own headers.
    const topic = uniqueTopic('broker-roundtrip');
    topics.push(topic);
    await createTopics([topic], 3);
    const messages: ProduceMessage[] = Array.from({ length: 1_000 }, (_, i) => ({
      key: `key-${i % 50}`,
      value: JSON.stringify({ seq: i, data: { ndarray: [[i, i + 0.5]] } }),
      headers: {
        seq: String(i),
        'proto-name': 'seldon.protos.SeldonMessage',
        bin: Buffer.from([0, 255, i % 256]),
      },
    }));

    // Act: produce them, then read the topic back.
    const produced = await produce(topic, messages);
    const records = await readToEnd(topic);

    // Assess: every record is back, at the coordinates produce reported, with its key, value and headers.
    expect(produced).toHaveLength(1_000);
    expect(records).toHaveLength(1_000);
    expect(new Set(produced.map((p) => p.partition)).size).toBe(3);

    const sentByPartition = byPartition(produced.map((p, i) => ({ ...p, message: messages[i]! })));
    const readByPartition = byPartition(records);
    expect([...readByPartition.keys()].sort()).toEqual([...sentByPartition.keys()].sort());
    for (const [partition, sent] of sentByPartition) {
      const read = readByPartition.get(partition) ?? [];
      expect(read.map((r) => r.offset)).toEqual(sent.map((s) => s.offset));
      expect(read.map((r) => r.key?.toString())).toEqual(sent.map((s) => s.message.key));
      expect(read.map((r) => r.value?.toString())).toEqual(sent.map((s) => s.message.value));
      expect(read.map((r) => headersAsStrings(r.headers)['seq'])).toEqual(
        sent.map((s) => String(s.message.headers?.['seq'])),
      );
      for (const [j, r] of read.entries()) {
        const seq = Number(headersAsStrings(r.headers)['seq']);
        expect(headersAsStrings(r.headers)['proto-name']).toBe('seldon.protos.SeldonMessage');
        expect(r.headers['bin']).toEqual(Buffer.from([0, 255, seq % 256]));
        expect(r.topic).toBe(topic);
        expect(r.timestamp).toBeGreaterThan(0);
        if (j > 0) expect(seq).toBeGreaterThan(Number(headersAsStrings(read[j - 1]!.headers)['seq']));
      }
    }
    // The same key always lands on the same partition.
    const partitionOfKey = new Map<string, number>();
    for (const r of records) {
      const key = r.key!.toString();
      expect(partitionOfKey.get(key) ?? r.partition).toBe(r.partition);
      partitionOfKey.set(key, r.partition);
    }
  });
});
