import { afterAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../functions/stream-inference/config.js';
import { account, describeBooks, header } from '../helpers/accounting.js';
import { labelsOf, restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, deleteTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { describeRun, driveLambda, sourceKey } from '../helpers/lambda-driver.js';
import { loadIrisTruth } from '../helpers/models.js';

/**
 * Hostile nesting on every protocol, against the real model servers (MLServer V2, seldon-core, the
 * TensorFlow-protocol server) and the real broker, with COALESCE_MAX_RECORDS off and on: requests
 * nested thousands of levels deep, in the fields each protocol's check walks and in those it lets
 * through to the model (and into a packed request). Each hostile record ends as its own fate; every
 * good one is published with the model's label; nothing is lost and no batch is retried.
 */

const GOOD = 60;
const HOSTILE = 40;
const PARTITIONS = 2;

const ENDPOINTS: Record<Protocol, string> = {
  v2: 'http://127.0.0.1:8080',
  seldon: 'http://127.0.0.1:9000',
  tensorflow: 'http://127.0.0.1:8501',
};

/** `depth` levels of arrays around a 1. */
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Where each protocol's request takes a deep value: walked by the check, or passed to the model. */
const DEEP_FIELDS: Record<Protocol, ReadonlyArray<(deep: string) => string>> = {
  v2: [
    (d) => `{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64","data":${d}}]}`,
    (d) =>
      `{"parameters":{"x":${d}},"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64","data":[5,3,1,0.2]}]}`,
    (d) =>
      `{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64","data":[5,3,1,0.2],"parameters":{"x":${d}}}]}`,
  ],
  seldon: [
    (d) => `{"data":{"ndarray":${d}}}`,
    (d) => `{"meta":{"tags":{"x":${d}}},"data":{"ndarray":[[5,3,1,0.2]]}}`,
  ],
  tensorflow: [
    (d) => `{"instances":${d}}`,
    (d) => `{"extra":${d},"instances":[[5,3,1,0.2]]}`,
    (d) => `{"signature_name":${d},"instances":[[5,3,1,0.2]]}`,
  ],
};

/** What a deep record may end as: refused by our check, by the model, or failing inside the function. */
const DEEP_KINDS = ['shape', 'decode', 'model-rejected', 'model-error', 'model-timeout', 'internal'];

const handlers: LoadedHandler[] = [];
const topics: string[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await deleteTopics(topics).catch(() => undefined);
  await closeKafkaHelpers();
});

const CASES = (['v2', 'seldon', 'tensorflow'] as const).flatMap((protocol) =>
  [1, 16].map((coalesce) => ({ protocol, coalesce })),
);

describe('fuzz: hostile nesting on every protocol', () => {
  it.each(CASES)('$protocol, COALESCE_MAX_RECORDS $coalesce', async ({ protocol, coalesce }) => {
    // Prepare
    const truth = loadIrisTruth();
    const { input, output, errors } = uniqueStreamTopics(`nest-${protocol}`);
    topics.push(input, output, errors);
    await createTopics([input, output, errors], PARTITIONS);
    const labels = new Map<number, number>();
    const messages: ProduceMessage[] = [];
    for (let i = 0; i < GOOD + HOSTILE; i++) {
      const partition = i % PARTITIONS;
      // Hostile records spread among good ones, sometimes first of a packed call.
      if (i % 5 === 2 || i % 5 === 4) {
        const fields = DEEP_FIELDS[protocol];
        const depth = 2_000 + ((i * 7_919) % 28_000);
        messages.push({ partition, key: `k${i}`, value: fields[i % fields.length]!(nested(depth)) });
        continue;
      }
      const r = i % truth.rows.length;
      labels.set(i, truth.labels[r]!);
      messages.push({
        partition,
        key: `k${i}`,
        value: JSON.stringify(restRequest(protocol, truth.rows[r]!)),
      });
    }
    // Deep records are up to 60 KB: a few per produce request, under the broker's 1 MB.
    const produced = await produce(input, messages, 8);
    const index = new Map(produced.map((c, i) => [sourceKey(c), i]));
    const loaded = await loadHandler({
      MODEL_ENDPOINT: ENDPOINTS[protocol],
      MODEL_NAME: 'iris',
      PROTOCOL: protocol,
      SELDON_API: coalesce > 1 ? 'graph' : 'microservice',
      COALESCE_MAX_RECORDS: String(coalesce),
      KAFKA_BROKER: '127.0.0.1:9092',
      KAFKA_INPUT_TOPIC: input,
      KAFKA_OUTPUT_TOPIC: output,
      KAFKA_ERROR_TOPIC: errors,
      POWERTOOLS_LOG_LEVEL: 'CRITICAL',
    });
    handlers.push(loaded);

    // Act
    const run = await driveLambda({
      topic: input,
      handler: loaded.handler,
      batchSize: 50,
      timeoutMs: 30_000,
    });

    // Assess
    const what = describeRun(run);
    expect(run.done, what).toBe(true);
    expect(
      run.invocations.every((i) => i.result === 'returned' && i.reported.length === 0),
      what,
    ).toBe(true);
    const outputs = await readToEnd(output, { timeoutMs: 60_000 });
    const errorRecords = await readToEnd(errors, { timeoutMs: 60_000 });
    const books = account(run, outputs, errorRecords);
    expect(books.lost, describeBooks(books)).toEqual([]);
    expect(books.onBoth).toEqual([]);
    expect(books.duplicates).toEqual([]);
    expect(books.out + books.errors).toBe(GOOD + HOSTILE);
    const published = new Map(outputs.map((o) => [header(o, 'msk-inference-source')!, o]));
    for (const [i, label] of labels) {
      const out = published.get(sourceKey(produced[i]!));
      expect(out, `good record ${i} is published`).toBeDefined();
      expect(labelsOf(protocol, JSON.parse(out!.value!.toString()))).toEqual([label]);
    }
    for (const e of errorRecords) {
      const i = index.get(header(e, 'msk-inference-source')!)!;
      expect(labels.has(i), `record ${i} is hostile`).toBe(false);
      expect(DEEP_KINDS).toContain(header(e, 'msk-inference-error-kind'));
    }
    const kinds = errorRecords.map((e) => header(e, 'msk-inference-error-kind'));
    console.log(
      `[fuzz-nesting] ${protocol} coalesce ${coalesce}: ${run.invocations.length} invocations, ` +
        `${describeBooks(books)}; kinds ${JSON.stringify(Object.fromEntries(count(kinds)))}`,
    );
  });
});

const count = <T>(xs: readonly T[]): Map<T, number> => {
  const m = new Map<T, number>();
  for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
  return m;
};
