import type { Message } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../functions/stream-inference/config.js';
import { HEADERS } from '../../functions/stream-inference/contract.js';
import type { OutboundRecord } from '../../functions/stream-inference/outbound/output-records.js';
import { KafkaPublisher } from '../../functions/stream-inference/outbound/publisher.js';
import {
  publishedGroupId,
  transactionalIdOf,
} from '../../functions/stream-inference/outbound/transactional-publisher.js';
import { brokers, closeKafkaHelpers, kafkaClient } from '../helpers/kafka-clients.js';
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

/** Answers to input records `from`..`to` (exclusive) of one partition, as the pipeline builds them: value = source. */
const answers = (
  topic: string,
  input: string,
  partition: number,
  from: number,
  to: number,
): OutboundRecord[] =>
  Array.from({ length: to - from }, (_, i) => {
    const source = `${input}/${partition}/${from + i}`;
    return {
      topic,
      key: Buffer.from(`k${from + i}`),
      value: Buffer.from(source),
      headers: { [HEADERS.source]: source },
    };
  });

const toMessage = (r: OutboundRecord): Message => ({ key: r.key, value: r.value, headers: { ...r.headers } });

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
    // Prepare
    const [out, input] = [uniqueTopic('pub-tx'), uniqueTopic('pub-tx-in')];
    await createTopics([out, input], 1);
    const publisher = publisherFor({ KAFKA_TRANSACTIONAL: 'true', KAFKA_CLIENT_ID: uniqueTopic('tx') });

    // Act
    await publisher.publish(answers(out, input, 0, 0, 20), Date.now() + 30_000);

    // Assess
    const read = await readToEnd(out, { expected: 20 });
    expect(read.map((r) => r.value!.toString())).toEqual(
      Array.from({ length: 20 }, (_, i) => `${input}/0/${i}`),
    );
  });
});

/**
 * The parts of exactly-once publishing that need no frozen broker (exactly-once-freeze.test.ts
 * freezes one): a redelivered batch whose transaction went through is not published again, and a
 * transaction left open under an input partition's id is aborted by the next publish of that
 * partition, at once, not when the broker times it out.
 */
describe('KafkaPublisher with KAFKA_TRANSACTIONAL on a real broker', () => {
  it('publishes what a redelivery brings again only from where the last commit ended, per input partition', async () => {
    // Prepare
    const [out, input] = [uniqueTopic('eos-out'), uniqueTopic('eos-in')];
    await createTopics([out, input], 2);
    const clientId = uniqueTopic('eos');
    const publisher = publisherFor({ KAFKA_TRANSACTIONAL: 'true', KAFKA_CLIENT_ID: clientId });
    await publisher.publish(
      [...answers(out, input, 0, 0, 10), ...answers(out, input, 1, 0, 5)],
      Date.now() + 30_000,
    );

    // Act: partition 0 from offset 5 again (and on), partition 1 from 0 again
    const again = publisherFor({ KAFKA_TRANSACTIONAL: 'true', KAFKA_CLIENT_ID: clientId });
    await again.publish(
      [...answers(out, input, 0, 5, 15), ...answers(out, input, 1, 0, 5)],
      Date.now() + 30_000,
    );

    // Assess
    const read = await readToEnd(out, { timeoutMs: 30_000 });
    const sources = read.map((r) => r.value!.toString()).sort();
    const expected = [
      ...Array.from({ length: 15 }, (_, i) => `${input}/0/${i}`),
      ...Array.from({ length: 5 }, (_, i) => `${input}/1/${i}`),
    ].sort();
    expect(sources).toEqual(expected);
  });

  it('aborts the transaction an earlier producer left open under the same input partition, at once', async () => {
    // Prepare: a producer of the partition's id sends 10 answers and never commits, as a publish
    // given up on while the broker held its requests would
    const [out, input] = [uniqueTopic('eos-fence'), uniqueTopic('eos-in')];
    await createTopics([out, input], 1);
    const clientId = uniqueTopic('eos');
    const abandoned = kafkaClient().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: transactionalIdOf(clientId, { topic: input, partition: 0 }),
    });
    await abandoned.connect();
    const open = await abandoned.transaction();
    await open.send({ topic: out, acks: -1, messages: answers(out, input, 0, 0, 10).map(toMessage) });
    const publisher = publisherFor({ KAFKA_TRANSACTIONAL: 'true', KAFKA_CLIENT_ID: clientId });
    const started = Date.now();

    // Act: the redelivered batch
    await publisher.publish(answers(out, input, 0, 0, 10), Date.now() + 30_000);
    const read = await readToEnd(out, { expected: 10, timeoutMs: 30_000 });
    const late = await open.commit().then(
      () => 'committed',
      (e: unknown) => (e as { type?: string }).type,
    );
    await abandoned.disconnect();

    // Assess
    expect(read.map((r) => r.value!.toString())).toEqual(
      Array.from({ length: 10 }, (_, i) => `${input}/0/${i}`),
    );
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(late).toMatch(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/);
    expect(await readToEnd(out)).toHaveLength(10);
  });

  it('publishes nothing of a batch whose transaction was committed by an earlier producer of its partition', async () => {
    // Prepare: a producer of the partition's id commits the answers and their offset, as a
    // publish whose commit reached the broker after the handler gave up on it would
    const [out, input] = [uniqueTopic('eos-doubt'), uniqueTopic('eos-in')];
    await createTopics([out, input], 1);
    const clientId = uniqueTopic('eos');
    const earlier = kafkaClient().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: transactionalIdOf(clientId, { topic: input, partition: 0 }),
    });
    await earlier.connect();
    const tx = await earlier.transaction();
    await tx.send({ topic: out, acks: -1, messages: answers(out, input, 0, 0, 10).map(toMessage) });
    await tx.sendOffsets({
      consumerGroupId: publishedGroupId(clientId),
      topics: [{ topic: input, partitions: [{ partition: 0, offset: '10' }] }],
    });
    await tx.commit();
    await earlier.disconnect();
    const publisher = publisherFor({ KAFKA_TRANSACTIONAL: 'true', KAFKA_CLIENT_ID: clientId });

    // Act: the same batch, redelivered
    await publisher.publish(answers(out, input, 0, 0, 12), Date.now() + 30_000);

    // Assess
    const read = await readToEnd(out, { expected: 12, timeoutMs: 30_000 });
    expect(read.map((r) => r.value!.toString())).toEqual(
      Array.from({ length: 12 }, (_, i) => `${input}/0/${i}`),
    );
    expect(await readToEnd(out)).toHaveLength(12);
  });
});

describe('KafkaPublisher without a broker', () => {
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
