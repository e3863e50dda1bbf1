import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/stream-inference/config.js';
import { KafkaPublisher } from '../../functions/stream-inference/outbound/publisher.js';
import { brokers, closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueTopic } from '../helpers/kafka-topics.js';

const publishers: KafkaPublisher[] = [];

afterAll(async () => {
  await Promise.all(publishers.map((p) => p.close()));
  await closeKafkaHelpers();
});

const publisherFor = (env: Record<string, string> = {}) => {
  const config = loadConfig({
    KAFKA_INPUT_TOPIC: 'unused-in',
    KAFKA_OUTPUT_TOPIC: 'unused-out',
    MODEL_ENDPOINT: 'http://127.0.0.1:1',
    ...env,
  });
  const publisher = new KafkaPublisher({ brokers, kafka: config.kafka });
  publishers.push(publisher);
  return publisher;
};

describe('KafkaPublisher on a real broker', () => {
  it('publishes to several topics in one call, order kept per key, headers and null keys intact', async () => {
    // Prepare
    const out = uniqueTopic('pub-out');
    const err = uniqueTopic('pub-err');
    await createTopics([out, err], 3);
    const publisher = publisherFor();
    const records = Array.from({ length: 500 }, (_, i) => ({
      topic: i % 5 === 0 ? err : out,
      key: i % 7 === 0 ? null : Buffer.from(`k${i % 13}`),
      value: Buffer.from(String(i)),
      headers: { seq: String(i), multi: ['a', 'b'] },
    }));

    // Act
    await publisher.publish(records, Date.now() + 30_000);
    // A warm container reuses its producer.
    await publisher.publish(
      [{ topic: out, key: null, value: Buffer.from('again'), headers: {} }],
      Date.now() + 30_000,
    );

    // Assess
    const outRecords = await readToEnd(out, { expected: 401 });
    const errRecords = await readToEnd(err, { expected: 100 });
    expect(outRecords).toHaveLength(401);
    expect(errRecords).toHaveLength(100);
    const byKey = new Map<string, number[]>();
    for (const r of outRecords) {
      if (r.key === null) continue;
      byKey.set(r.key.toString(), [...(byKey.get(r.key.toString()) ?? []), Number(r.value!.toString())]);
    }
    for (const seqs of byKey.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(outRecords[0]!.headers['multi']).toEqual([Buffer.from('a'), Buffer.from('b')]);
  });

  it('publishes a batch in one transaction when KAFKA_TRANSACTIONAL is on', async () => {
    const out = uniqueTopic('pub-tx');
    await createTopics([out], 1);
    const publisher = publisherFor({ KAFKA_TRANSACTIONAL: 'true' });

    await publisher.publish(
      Array.from({ length: 20 }, (_, i) => ({
        topic: out,
        key: null,
        value: Buffer.from(String(i)),
        headers: {},
      })),
      Date.now() + 30_000,
    );

    const read = await readToEnd(out, { expected: 20 });
    expect(read.map((r) => r.value!.toString())).toEqual(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('fails with a transient error, not a hang, when no broker answers', async () => {
    const config = loadConfig({
      KAFKA_INPUT_TOPIC: 'a',
      KAFKA_OUTPUT_TOPIC: 'b',
      MODEL_ENDPOINT: 'http://x:1',
    });
    const publisher = new KafkaPublisher({ brokers: ['127.0.0.1:1'], kafka: config.kafka });
    publishers.push(publisher);
    const started = Date.now();

    const error = await publisher
      .publish([{ topic: 'b', key: null, value: Buffer.from('x'), headers: {} }], Date.now() + 2_000)
      .catch((e: unknown) => e);

    expect(error).toMatchObject({ name: 'RecordFailure', policy: 'retry', kind: 'publish' });
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
