/**
 * Kafka helpers for the integration tests: create topics, produce records and read a topic back.
 *
 * All helpers share one kafkajs client, one admin and one producer, created on first use; call
 * {@link closeKafkaHelpers} in `afterAll` of every test file that uses them.
 *
 * ```ts
 * const topic = uniqueTopic('orders');
 * await createTopics([topic], 3);
 * const sent = await produce(topic, [{ key: 'k1', value: '{"a":1}', headers: { 'proto-name': 'x' } }]);
 * const records = await readToEnd(topic); // everything up to the high watermark at call time
 * const out = await readToEnd(outputTopic, { expected: 10, timeoutMs: 60_000 }); // wait for 10 records
 * ```
 */
import { randomBytes } from 'node:crypto';
import {
  type Admin,
  type Consumer,
  type ICustomPartitioner,
  type IHeaders,
  Kafka,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';

/** Bootstrap brokers of the test cluster: `KAFKA_BROKER` (comma separated) or the local broker. */
export const brokers: string[] = (process.env['KAFKA_BROKER'] ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

/** The brokers the helpers talk to: {@link brokers} unless a test file chose others with {@link useBrokers}. */
let bootstrap: readonly string[] = brokers;

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

/** Options of {@link readToEnd}. */
export interface ReadOptions {
  /**
   * Wait until this many records have been read (use for topics still being written, e.g. the
   * handler's output). Without it, reads up to the high watermark of every partition at call time.
   */
  expected?: number;
  /** Give up (reject) after this long. Default 30 s. */
  timeoutMs?: number;
}

let kafka: Kafka | undefined;
let admin: Promise<Admin> | undefined;
let producer: Promise<Producer> | undefined;

/** Partition chosen for each message object handed to the producer (see `recordingPartitioner`). */
const assignedPartition = new WeakMap<object, number>();

/** The default partitioner, remembering its choice so `produce` can report each record's coordinates. */
const recordingPartitioner: ICustomPartitioner = () => {
  const partition = Partitioners.DefaultPartitioner();
  return (args) => {
    const chosen = partition(args);
    assignedPartition.set(args.message, chosen);
    return chosen;
  };
};

/**
 * kafkajs log level of the helpers: silent unless `KAFKA_TEST_LOG_LEVEL` is `error`, `warn`, `info`
 * or `debug` (failures surface as rejected promises either way; kafkajs also logs retried errors).
 */
const helperLogLevel: logLevel =
  { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG }[
    (process.env['KAFKA_TEST_LOG_LEVEL'] ?? '').toLowerCase()
  ] ?? logLevel.NOTHING;

const newClient = (list: readonly string[]): Kafka =>
  new Kafka({
    clientId: 'msk-inference-tests',
    brokers: [...list],
    logLevel: helperLogLevel,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 200 },
  });

/** The shared kafkajs client. */
export function kafkaClient(): Kafka {
  kafka ??= newClient(bootstrap);
  return kafka;
}

/** The shared, connected admin client. */
export function kafkaAdmin(): Promise<Admin> {
  admin ??= connect(kafkaClient().admin());
  return admin;
}

/** The shared, connected producer (acks all, default partitioner). */
export function kafkaProducer(): Promise<Producer> {
  producer ??= connect(
    kafkaClient().producer({
      createPartitioner: recordingPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    }),
  );
  return producer;
}

async function connect<T extends Admin | Producer>(client: T): Promise<T> {
  await client.connect();
  return client;
}

/**
 * Points every helper of this test file at other brokers (a private cluster); the shared clients are
 * closed first. Each test file has its own module instance, so other files keep {@link brokers}.
 *
 * @example
 * await useBrokers(['127.0.0.1:39092', '127.0.0.1:39093', '127.0.0.1:39094']);
 */
export async function useBrokers(list: readonly string[]): Promise<void> {
  await closeKafkaHelpers();
  kafka = undefined;
  bootstrap = [...list];
}

/** A topic name not used before: `<prefix>-<time>-<random>`. */
export function uniqueTopic(prefix = 'test'): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Replication of the topics {@link createTopics} makes: one replica unless a test asks for more. */
export interface TopicOptions {
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'min.insync.replicas': '2' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics (replication factor 1 by default) and waits until every partition has a leader.
 * Topics that already exist are left as they are.
 */
export async function createTopics(
  names: string[],
  partitions = 1,
  options: TopicOptions = {},
): Promise<void> {
  const a = await kafkaAdmin();
  const configEntries = Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value }));
  await a.createTopics({
    topics: names.map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: options.replicationFactor ?? 1,
      configEntries,
    })),
    // Not kafkajs' wait: it asks the broker that forwarded the creation, and gives up on the
    // UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers until it has applied the new topic.
    waitForLeaders: false,
    timeout: 30_000,
  });
  const deadline = Date.now() + 30_000;
  if (bootstrap.length === 1) return waitUntilLed(a, names, deadline);
  // In KRaft every broker applies a new topic from the metadata log on its own time (KAFKA-15780,
  // https://github.com/apache/kafka/pull/14695): on a cluster, wait until each one serves it.
  for (const broker of bootstrap) {
    const viewer = await connect(newClient([broker]).admin());
    try {
      await waitUntilLed(viewer, names, deadline);
    } finally {
      await viewer.disconnect();
    }
  }
}

/**
 * Waits until the admin's broker lists every partition of the topics with a leader. A fresh client
 * bootstrapped from one broker asks that broker: it is the only one it is connected to (kafkajs'
 * `BrokerPool.findConnectedBroker`).
 */
async function waitUntilLed(a: Admin, names: string[], deadline: number): Promise<void> {
  for (;;) {
    const metadata = await a.fetchTopicMetadata({ topics: names }).catch(() => undefined);
    const led =
      metadata !== undefined &&
      metadata.topics.length === names.length &&
      metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    if (led) return;
    if (Date.now() > deadline)
      throw new Error(`createTopics: no leader for some partition of ${names.join(', ')}`);
    await sleep(100);
  }
}

/** Deletes the topics; topics that do not exist are ignored. */
export async function deleteTopics(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const a = await kafkaAdmin();
  const existing = new Set(await a.listTopics());
  const topics = names.filter((n) => existing.has(n));
  if (topics.length === 0) return;
  // The shared producer keeps the metadata of every topic it wrote to and would auto-create a
  // deleted topic again on its next refresh: start a fresh one after the deletion.
  const p = producer;
  producer = undefined;
  await p?.then((c) => c.disconnect()).catch(() => undefined);
  await a.deleteTopics({ topics, timeout: 30_000 });
}

/** Whether the topic exists and every one of its partitions has a leader. */
async function topicReady(a: Admin, topic: string): Promise<boolean> {
  if (!(await a.listTopics()).includes(topic)) return false;
  const { topics } = await a.fetchTopicMetadata({ topics: [topic] });
  return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
}

/**
 * Produces the messages (acks = all) in the order given and returns each one's partition and offset,
 * in the same order. Records for one partition keep their relative order. A topic that does not
 * exist is auto-created by the broker with `num.partitions` (1); call {@link createTopics} first for more.
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
      const partition = message.partition ?? assignedPartition.get(message);
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

/**
 * Reads a topic from the beginning with a fresh consumer group (read committed) and returns its
 * records sorted by partition, then offset.
 *
 * Without `expected`: stops when every partition reached the high watermark (last stable offset)
 * fetched when the call started. With `expected`: waits for the topic to exist, then stops as soon as
 * at least that many records were read (more when they came in the same fetch).
 * Rejects after `timeoutMs` (default 30 s) with what was read so far in the message.
 */
export async function readToEnd(topic: string, opts: ReadOptions = {}): Promise<KafkaRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const a = await kafkaAdmin();

  // The end of each partition, when reading to the high watermark.
  const end = new Map<number, number>();
  if (opts.expected === undefined) {
    if (!(await topicReady(a, topic))) throw new Error(`readToEnd(${topic}): no such topic`);
    for (const o of await a.fetchTopicOffsets(topic)) {
      if (Number(o.high) > Number(o.low)) end.set(o.partition, Number(o.high));
    }
    if (end.size === 0) return [];
  } else if (opts.expected <= 0) {
    return [];
  } else {
    // The records may go to a topic that someone is about to create (e.g. the handler's output).
    while (!(await topicReady(a, topic))) {
      if (Date.now() > deadline) {
        throw new Error(`readToEnd(${topic}): the topic did not appear within ${timeoutMs} ms`);
      }
      await sleep(200);
    }
  }

  const records: KafkaRecord[] = [];
  const seen = new Set<string>();
  const position = new Map<number, number>(); // next offset to read, per partition
  const finished = () =>
    opts.expected !== undefined
      ? records.length >= opts.expected
      : [...end].every(([partition, high]) => (position.get(partition) ?? 0) >= high);

  const groupId = `read-to-end-${randomBytes(6).toString('hex')}`;
  const consumer: Consumer = kafkaClient().consumer({
    groupId,
    maxWaitTimeInMs: 100,
    retry: { retries: 8, initialRetryTime: 200 },
  });
  let done!: () => void;
  let fail!: (error: Error) => void;
  const allRead = new Promise<void>((resolve, reject) => {
    done = resolve;
    fail = reject;
  });
  allRead.catch(() => undefined); // a crash after a timeout must not become an unhandled rejection
  // kafkajs restarts the consumer itself after retriable errors (e.g. the group coordinator still
  // loading on a fresh broker); give up only when it does not.
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) fail(payload.error);
  });
  // Batches holding only control records (transaction markers) or aborted records reach no
  // eachBatch call, but they do move the position: follow it through the batch events.
  consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
    if (payload.topic !== topic) return;
    const after = Number(payload.lastOffset) + 1;
    if (after > (position.get(payload.partition) ?? 0)) position.set(payload.partition, after);
    if (finished()) done();
  });

  let timer: NodeJS.Timeout | undefined;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          // A rebalance (not expected with one member) would deliver records again.
          const id = `${batch.partition}:${m.offset}`;
          if (seen.has(id)) continue;
          seen.add(id);
          records.push({
            topic: batch.topic,
            partition: batch.partition,
            offset: Number(m.offset),
            key: m.key ?? null,
            value: m.value ?? null,
            headers: normalizeHeaders(m.headers),
            timestamp: Number(m.timestamp),
          });
        }
      },
    });
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => {
          const want =
            opts.expected !== undefined
              ? `${opts.expected} records`
              : `offsets ${JSON.stringify(Object.fromEntries(end))}`;
          reject(
            new Error(
              `readToEnd(${topic}): read ${records.length} records, positions ` +
                `${JSON.stringify(Object.fromEntries(position))}, wanted ${want} within ${timeoutMs} ms`,
            ),
          );
        },
        Math.max(0, deadline - Date.now()),
      );
    });
    await Promise.race([allRead, timedOut]);
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    await a.deleteGroups([groupId]).catch(() => undefined);
  }

  const read = records.filter((r) => opts.expected !== undefined || r.offset < (end.get(r.partition) ?? 0));
  return read.sort((x, y) => x.partition - y.partition || x.offset - y.offset);
}

/**
 * kafkajs headers (string, Buffer or arrays of them) as Buffers, in an object without a prototype.
 * kafkajs' record decoder builds headers in a plain object (`obj[key] === undefined ? value : …`): a
 * header named `constructor`, `toString` or `__proto__` first reads back Object.prototype's member
 * and comes out as `[<that member>, value]`. Only Buffers and strings are header values; the rest
 * is that artefact and is dropped.
 */
function normalizeHeaders(headers: IHeaders | undefined): Record<string, Buffer | Buffer[]> {
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

/** Headers as UTF-8 strings (repeated names as arrays), for readable assertions. */
export function headersAsStrings(
  headers: Record<string, Buffer | Buffer[]>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = Array.isArray(value) ? value.map((v) => v.toString('utf8')) : value.toString('utf8');
  }
  return out;
}

/** Records grouped by partition, each list in offset order. */
export function byPartition<T extends { partition: number }>(records: T[]): Map<number, T[]> {
  const out = new Map<number, T[]>();
  for (const r of records) {
    const list = out.get(r.partition) ?? [];
    list.push(r);
    out.set(r.partition, list);
  }
  return out;
}

/** Disconnects the shared producer and admin (call in `afterAll`). Safe to call more than once. */
export async function closeKafkaHelpers(): Promise<void> {
  const p = producer;
  const a = admin;
  producer = undefined;
  admin = undefined;
  await Promise.allSettled([p?.then((c) => c.disconnect()), a?.then((c) => c.disconnect())]);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
