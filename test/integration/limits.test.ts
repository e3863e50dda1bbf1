import { afterAll, describe, expect, it } from 'vitest';
import { type BatchHandler, createBatchHandler } from '../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../functions/stream-inference/config.js';
import type { ModelTransport } from '../../functions/stream-inference/model/transport/index.js';
import { account, describeBooks, header } from '../helpers/accounting.js';
import { envFor } from '../helpers/fault-scenario.js';
import { restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import type { KafkaRecord } from '../helpers/kafka-records.js';
import { createTopics, deleteTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { describeRun, driveLambda, sourceKey } from '../helpers/lambda-driver.js';
import { loadIrisTruth } from '../helpers/models.js';

/**
 * Record sizes at Kafka's limits, on the real broker with its default `message.max.bytes`
 * (1,048,588 bytes per record batch) and the default MAX_RECORD_BYTES (1,000,000).
 */

/** The broker's default `message.max.bytes`: the largest record batch it accepts. */
const BROKER_MAX = 1_048_588;
const MAX_RECORD_BYTES = 1_000_000;

const created: string[] = [];
const handlers: LoadedHandler[] = [];
const streams: BatchHandler[] = [];

afterAll(async () => {
  await Promise.all([...handlers.map((h) => h.shutdown()), ...streams.map((s) => s.close())]);
  await deleteTopics(created).catch(() => undefined);
  await closeKafkaHelpers();
});

const setUp = async (name: string) => {
  const t = uniqueStreamTopics(name);
  created.push(t.input, t.output, t.errors);
  await createTopics([t.input, t.output, t.errors], 1);
  return t;
};

/** Produces each message in a request of its own: two 1 MB records do not fit in one. */
const produceOneByOne = async (topic: string, messages: ProduceMessage[]) => {
  for (const m of messages) await produce(topic, [m], 1);
  return readToEnd(topic, { timeoutMs: 60_000 });
};

/** Key, value and header bytes of a record: what MAX_RECORD_BYTES bounds on the way out. */
const recordBytes = (r: KafkaRecord): number =>
  (r.key?.length ?? 0) +
  (r.value?.length ?? 0) +
  Object.entries(r.headers).reduce(
    (n, [name, v]) => n + (Array.isArray(v) ? v : [v]).reduce((m, b) => m + name.length + b.length, 0),
    0,
  );

const notJson = (size: number) => Buffer.alloc(size, 'x');

describe('records at the size limits (default MAX_RECORD_BYTES, broker default message.max.bytes)', () => {
  it('dead-letters values over MAX_RECORD_BYTES as truncated error records that the broker accepts, several in one batch', async () => {
    // Prepare
    const t = await setUp('limits-in');
    const truth = loadIrisTruth();
    // Near the broker's limit with the input's own headers: the error headers added on the way out
    // must not push the error record over it.
    const bigHeader = Buffer.alloc(48_000, 'h');
    const messages: ProduceMessage[] = [
      { key: 'over-by-one', value: notJson(MAX_RECORD_BYTES + 1) },
      { key: 'over', value: notJson(1_040_000) },
      { key: 'good', value: JSON.stringify(restRequest('v2', truth.rows[0]!)) },
      { key: 'at-limit-not-json', value: notJson(MAX_RECORD_BYTES), headers: { big: bigHeader } },
      { key: 'under-limit-not-json', value: notJson(MAX_RECORD_BYTES - 1_000) },
      {
        key: 'good-big-headers',
        value: JSON.stringify(restRequest('v2', truth.rows[1]!)),
        headers: { big: bigHeader },
      },
    ];
    const input = await produceOneByOne(t.input, messages);
    const loaded = await loadHandler(envFor(t, { POWERTOOLS_LOG_LEVEL: 'ERROR' }));
    handlers.push(loaded);

    // Act
    const run = await driveLambda({
      topic: t.input,
      records: input,
      handler: loaded.handler,
      batchSize: 100,
      maxRounds: 3,
      timeoutMs: 30_000,
    });

    // Assess
    console.log(`[limits] values over the limit:\n${describeRun(run)}`);
    expect(run.done).toBe(true);
    expect(run.invocations.every((i) => i.reported.length === 0 && i.result === 'returned')).toBe(true);
    const outputs = await readToEnd(t.output);
    const errors = await readToEnd(t.errors);
    const books = account(run, outputs, errors);
    console.log(`[limits] ${describeBooks(books)}`);
    expect(books.lost).toEqual([]);
    expect(books.duplicates).toEqual([]);
    expect(outputs.map((r) => r.key?.toString())).toEqual(['good', 'good-big-headers']);
    const byKey = new Map(errors.map((r) => [r.key!.toString(), r]));
    expect([...byKey.keys()].sort()).toEqual([
      'at-limit-not-json',
      'over',
      'over-by-one',
      'under-limit-not-json',
    ]);
    for (const key of ['over-by-one', 'over']) {
      const e = byKey.get(key)!;
      const original = input.find((r) => r.key?.toString() === key)!;
      expect(header(e, 'msk-inference-error-kind')).toBe('too-large');
      expect(header(e, 'msk-inference-error')).toMatch(/exceeds MAX_RECORD_BYTES 1000000/);
      expect(header(e, 'msk-inference-truncated')).toBe(String(original.value!.length));
      expect(original.value!.subarray(0, e.value!.length).equals(e.value!)).toBe(true);
    }
    // Not JSON but within the limit: the value is kept as it came unless the input's own headers
    // leave no room for it next to the error headers; then it is cut, and says so.
    const atLimit = byKey.get('at-limit-not-json')!;
    expect(header(atLimit, 'msk-inference-error-kind')).toBe('decode');
    expect(header(atLimit, 'msk-inference-truncated')).toBe(String(MAX_RECORD_BYTES));
    expect(atLimit.headers['big']).toEqual(bigHeader);
    expect(header(byKey.get('under-limit-not-json')!, 'msk-inference-truncated')).toBeUndefined();
    for (const r of [...outputs, ...errors]) {
      expect(recordBytes(r), `${header(r, 'msk-inference-source')}`).toBeLessThanOrEqual(MAX_RECORD_BYTES);
      expect(recordBytes(r)).toBeLessThan(BROKER_MAX);
    }
  });

  it('dead-letters real model answers over MAX_RECORD_BYTES (MLServer, MAX_RECORD_BYTES 150)', async () => {
    // Prepare: MLServer's V2 answer for one row is ~190 bytes, the request ~85.
    const t = await setUp('limits-answer');
    const truth = loadIrisTruth();
    const input = await produceOneByOne(
      t.input,
      truth.rows
        .slice(0, 4)
        .map((row, i) => ({ key: `k${i}`, value: JSON.stringify(restRequest('v2', row)) })),
    );
    const loaded = await loadHandler(envFor(t, { MAX_RECORD_BYTES: '150', POWERTOOLS_LOG_LEVEL: 'ERROR' }));
    handlers.push(loaded);

    // Act
    const run = await driveLambda({ topic: t.input, records: input, handler: loaded.handler, maxRounds: 2 });

    // Assess
    expect(run.done).toBe(true);
    expect(await readToEnd(t.output)).toHaveLength(0);
    const errors = await readToEnd(t.errors);
    expect(errors).toHaveLength(4);
    for (const e of errors) {
      expect(header(e, 'msk-inference-error-kind')).toBe('too-large');
      expect(header(e, 'msk-inference-error')).toMatch(/exceeds MAX_RECORD_BYTES 150/);
      // 150 bytes leave no room for the value next to the error headers: its head is kept, and its length.
      const original = input.find((r) => sourceKey(r) === header(e, 'msk-inference-source'))!;
      expect(header(e, 'msk-inference-truncated')).toBe(String(original.value!.length));
      expect(original.value!.subarray(0, e.value?.length ?? 0).equals(e.value ?? Buffer.alloc(0))).toBe(true);
    }
  });

  it('publishes answers near 1 MB in one batch, and dead-letters one whose headers would push it over', async () => {
    // Prepare: a model that answers with as many bytes as the request asks for.
    const t = await setUp('limits-out');
    const sized: ModelTransport = {
      async infer(body) {
        const { size } = (JSON.parse(body.toString()) as { jsonData: { size: number } }).jsonData;
        const json = `{"jsonData":{"pad":"${'p'.repeat(Math.max(0, size - 24))}"}}`;
        return Buffer.from(json.padEnd(size, ' '));
      },
      async close() {},
    };
    const config = loadConfig({
      MODEL_ENDPOINT: 'http://127.0.0.1:1',
      PROTOCOL: 'seldon',
      KAFKA_BROKER: '127.0.0.1:9092',
      KAFKA_INPUT_TOPIC: t.input,
      KAFKA_OUTPUT_TOPIC: t.output,
      KAFKA_ERROR_TOPIC: t.errors,
    });
    const stream = await createBatchHandler(config, { transport: sized });
    streams.push(stream);
    const ask = (size: number) => JSON.stringify({ jsonData: { size } });
    const input = await produceOneByOne(t.input, [
      { key: 'a', value: ask(999_000) },
      { key: 'b', value: ask(999_000) },
      { key: 'c', value: ask(990_000), headers: { big: Buffer.alloc(40_000, 'h') } },
      { key: 'd', value: ask(MAX_RECORD_BYTES + 1) },
      { key: 'e', value: ask(10) },
    ]);

    // Act
    const run = await driveLambda({
      topic: t.input,
      records: input,
      handler: (event, context) => stream.handle(event, context),
      maxRounds: 3,
      timeoutMs: 30_000,
    });

    // Assess
    console.log(`[limits] answers near the limit:\n${describeRun(run)}`);
    expect(run.done).toBe(true);
    expect(run.invocations).toHaveLength(1);
    const outputs = await readToEnd(t.output);
    const errors = await readToEnd(t.errors);
    expect(outputs.map((r) => r.key?.toString())).toEqual(['a', 'b', 'e']);
    expect(errors.map((r) => [r.key?.toString(), header(r, 'msk-inference-error-kind')])).toEqual([
      ['c', 'too-large'],
      ['d', 'too-large'],
    ]);
    for (const r of [...outputs, ...errors]) expect(recordBytes(r)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
  });
});
