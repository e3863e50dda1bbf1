/**
 * The common ground of the fault tests (faults.test.ts, publish-race.test.ts, grpc-*.test.ts): input
 * topics of good requests (V2 JSON, or a protocol's protobuf for gRPC) with some bad ones, the
 * handler's environment for them, the stream modules loaded quietly, and `settle`, which reads the
 * output and error topics back and checks the books.
 *
 * ```ts
 * const modules = await loadStreamModules();
 * const { t, records } = await prepareTopics('kill-model', 2_000);
 * const run = await driveLambda({ topic: t.input, records, handler, batchSize: 500 });
 * await settle('model killed', run, t);
 * ```
 */
import { expect, vi } from 'vitest';
import type { Protocol } from '../../functions/stream-inference/config.js';
import type { ModelTransport } from '../../functions/stream-inference/model/transport/index.js';
import { account, type Books, describeBooks, header, SOURCE_HEADER } from './accounting.js';
import { GRPC_NAMES, grpcIrisBytes, grpcLabels } from './grpc.js';
import { labelsOf, restRequest } from './iris.js';
import { closeKafkaHelpers } from './kafka-clients.js';
import { produce } from './kafka-produce.js';
import { readToEnd } from './kafka-read.js';
import type { KafkaRecord } from './kafka-records.js';
import { createTopics, type TopicOptions, uniqueTopic } from './kafka-topics.js';
import { type DriveResult, describeRun, unreadableResponses } from './lambda-driver.js';
import { loadIrisTruth } from './models.js';

const truth = loadIrisTruth();
export const PARTITIONS = 2;

export interface Topics {
  input: string;
  output: string;
  errors: string;
}

/** Topics created by {@link prepareTopics}, for `deleteTopics` in `afterAll`. */
export const createdTopics: string[] = [];

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The stream modules, loaded fresh with metrics off and quiet logs (as `loadHandler` does), so that
 * thousands of model calls do not flush metrics to stdout. Use only these modules together: their
 * error classes are not the ones of a static import.
 */
export const loadStreamModules = async () => {
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', process.env['POWERTOOLS_LOG_LEVEL'] ?? 'ERROR');
  vi.resetModules();
  const modules = {
    stream: await import('../../functions/stream-inference/batch-handler.js'),
    config: await import('../../functions/stream-inference/config.js'),
    transport: await import('../../functions/stream-inference/model/transport/index.js'),
    publisher: await import('../../functions/stream-inference/outbound/publisher.js'),
    protocols: await import('../../functions/stream-inference/model/protocols/index.js'),
  };
  vi.unstubAllEnvs();
  return modules;
};

/** How a fault test's records are written and its answers read back. */
export interface RecordFormat {
  /** The request of one iris row, and the headers it needs. */
  request(row: readonly number[]): { value: Buffer; headers: Record<string, string> };
  /** A good request cut short: a bad record (`decode`). */
  spoil(value: Buffer): Buffer;
  /** The labels of a published answer. */
  labels(answer: Buffer): number[];
}

/** V2 JSON over REST; a bad record is truncated JSON. */
export const REST_V2: RecordFormat = {
  request: (row) => ({ value: Buffer.from(JSON.stringify(restRequest('v2', row))), headers: {} }),
  spoil: (value) => value.subarray(0, 30),
  labels: (answer) => labelsOf('v2', JSON.parse(answer.toString())),
};

/**
 * The protocol's protobuf request over gRPC, with its `proto-name`; a bad record is its first 5
 * bytes, whose first field claims more bytes than follow.
 */
export const grpcFormat = (protocol: Protocol): RecordFormat => ({
  request: (row) => ({
    value: grpcIrisBytes(protocol, [row]),
    headers: { 'proto-name': GRPC_NAMES[protocol].request },
  }),
  spoil: (value) => value.subarray(0, 5),
  labels: (answer) => grpcLabels(protocol, answer),
});

/**
 * Runs `inner`, calling `onCall(n)` before the n-th model call: where a test takes the model away.
 *
 * @example
 * const transport = countingTransport(inner, (n) => { if (n === 300) outage = killModel(); });
 */
export const countingTransport = (inner: ModelTransport, onCall: (n: number) => void): ModelTransport => {
  let n = 0;
  return {
    infer: (body, signal) => {
      onCall(++n);
      return inner.infer(body, signal);
    },
    close: () => inner.close(),
  };
};

/** Every 19th record is bad (truncated), so that the error topic counts too, on both partitions. */
const isBad = (i: number) => i % 19 === 7;

/**
 * Input records: mostly good requests in `format`, some spoiled, keyed `key-<n>`, two partitions; the
 * three topics created with `topicOptions` (one replica by default).
 */
export const prepareTopics = async (
  name: string,
  count: number,
  format: RecordFormat = REST_V2,
  topicOptions: TopicOptions = {},
): Promise<{ t: Topics; records: KafkaRecord[] }> => {
  const t = {
    input: uniqueTopic(`${name}-in`),
    output: uniqueTopic(`${name}-out`),
    errors: uniqueTopic(`${name}-err`),
  };
  createdTopics.push(t.input, t.output, t.errors);
  await createTopics([t.input, t.output, t.errors], PARTITIONS, topicOptions);
  await produce(
    t.input,
    Array.from({ length: count }, (_, i) => {
      const { value, headers } = format.request(truth.rows[i % truth.rows.length]!);
      return {
        key: `key-${i}`,
        value: isBad(i) ? format.spoil(value) : value,
        headers: { ...headers, row: String(i % truth.rows.length) },
        partition: i % PARTITIONS,
      };
    }),
  );
  return { t, records: await readToEnd(t.input, { timeoutMs: 60_000 }) };
};

/** The handler's environment for the topics: V2 on the local MLServer. */
export const envFor = (t: Topics, extra: Record<string, string> = {}): Record<string, string> => ({
  MODEL_ENDPOINT: 'http://127.0.0.1:8080',
  MODEL_NAME: 'iris',
  PROTOCOL: 'v2',
  KAFKA_BROKER: '127.0.0.1:9092',
  KAFKA_INPUT_TOPIC: t.input,
  KAFKA_OUTPUT_TOPIC: t.output,
  KAFKA_ERROR_TOPIC: t.errors,
  ...extra,
});

/** A timeline of a fault scenario, in seconds from its creation. */
export const timeline = () => {
  const t0 = Date.now();
  const lines: string[] = [];
  return {
    lines,
    mark: (what: string) => lines.push(`${((Date.now() - t0) / 1000).toFixed(1)} s ${what}`),
  };
};

/** Reads topics to their end (read_committed); one list of records per topic, in the order given. */
export type TopicReader = (topics: readonly string[]) => Promise<KafkaRecord[][]>;

/** The Kafka helpers' reader (kafkajs). For transactional output, use java-reader.ts (it says why). */
const kafkajsReader: TopicReader = async (topics) => {
  const lists: KafkaRecord[][] = [];
  for (const topic of topics) lists.push(await readToEnd(topic, { timeoutMs: 60_000 }));
  return lists;
};

/**
 * Reads both topics to their end (read_committed, with `read`) with fresh clients, and checks the
 * books and the answers (read as `format` says). With `waitMs`, reads again until every record is
 * visible or the time is up (an open transaction holds read_committed readers back at its first offset).
 */
export const settle = async (
  label: string,
  run: DriveResult,
  t: Topics,
  waitMs = 0,
  format: RecordFormat = REST_V2,
  read: TopicReader = kafkajsReader,
): Promise<Books & { visibleAfterMs: number }> => {
  await closeKafkaHelpers(); // the helpers' own clients may still hold connections from before an outage
  const started = Date.now();
  let outputs: KafkaRecord[];
  let errors: KafkaRecord[];
  let books: Books;
  // When the read that saw every record began: the wait, not the time a reader takes (a JVM start).
  let visibleAfterMs: number;
  for (;;) {
    visibleAfterMs = Date.now() - started;
    [outputs = [], errors = []] = await read([t.output, t.errors]);
    books = account(run, outputs, errors);
    if (books.lost.length === 0 || Date.now() - started > waitMs) break;
    await sleep(1_000);
  }
  const invocations = run.invocations.length;
  const reported = run.invocations.filter((i) => i.reported.length > 0 || i.result !== 'returned').length;
  console.log(
    `[faults] ${label}: ${invocations} invocations (${reported} leaving records), ` +
      `${run.redelivered.size} records delivered more than once\n${describeRun(run)}\n${describeBooks(books)}`,
  );
  expect(run.done, 'every record committed').toBe(true);
  expect(unreadableResponses(run), 'responses Lambda could not read').toEqual([]);
  expect(books.lost).toEqual([]);
  expect(books.strangers).toEqual([]);
  expect(books.onBoth).toEqual([]);
  expect(books.unexpectedDuplicates).toEqual([]);
  const bad = run.records.filter((r) => isBad(Number(r.key!.toString().slice('key-'.length))));
  expect(books.errors).toBe(bad.length);
  expect(books.out).toBe(run.records.length - bad.length);
  for (const out of books.first.values()) {
    if (out.topic !== t.output) continue;
    const row = Number(header(out, 'row'));
    expect(format.labels(out.value!)).toEqual([truth.labels[row]]);
  }
  // Within each output partition, first publications of each input partition come in input order.
  const firstSeen = new Map<string, number[]>();
  for (const r of outputs) {
    const source = header(r, SOURCE_HEADER)!;
    if (books.first.get(source) !== r) continue;
    const [, p, o] = source.split('/');
    const id = `${r.partition}<-${p}`;
    firstSeen.set(id, [...(firstSeen.get(id) ?? []), Number(o)]);
  }
  for (const offsets of firstSeen.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  return { ...books, visibleAfterMs };
};
