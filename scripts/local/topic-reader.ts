/**
 * Reads records already on a topic, without joining a consumer group's committed offsets: from the
 * start of each partition (or a given offset) up to the end at call time, at most `max` records.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, type ConfigResourceTypes, Kafka, type KafkaMessage, logLevel } from 'kafkajs';
import type { SourceRecord, TimestampType } from './event.js';

export interface TopicReadOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  /** @default 100 (Lambda's default batch size) */
  readonly max?: number;
  /** First offset to read in every partition. @default the earliest */
  readonly fromOffset?: number;
  /** Only this partition. @default all */
  readonly partition?: number;
  /** @default 30_000 */
  readonly timeoutMs?: number;
}

/** `ConfigResourceTypes.TOPIC`; kafkajs' CommonJS export of the enum is not visible to ES modules. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** The topic's `message.timestamp.type`, in Lambda's spelling; CREATE_TIME when it cannot be read. */
export const timestampTypeOf = async (admin: Admin, topic: string): Promise<TimestampType> => {
  try {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ['message.timestamp.type'] }],
    });
    const entry = resources[0]?.configEntries.find((e) => e.configName === 'message.timestamp.type');
    return entry?.configValue === 'LogAppendTime' ? 'LOG_APPEND_TIME' : 'CREATE_TIME';
  } catch {
    return 'CREATE_TIME';
  }
};

/** Records on the topic past the group's committed offsets (from the start where it has none). */
export const groupLag = async (admin: Admin, groupId: string, topic: string): Promise<number | undefined> => {
  try {
    const [ends, [committed]] = await Promise.all([
      admin.fetchTopicOffsets(topic),
      admin.fetchOffsets({ groupId, topics: [topic] }),
    ]);
    return ends.reduce((sum, end) => {
      const at = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      return sum + Number(end.high) - (at >= 0 ? at : Number(end.low));
    }, 0);
  } catch {
    return undefined;
  }
};

/** kafkajs headers (repeated names as arrays) as name-value pairs in order. */
export const headersOf = (m: KafkaMessage): SourceRecord['headers'] =>
  Object.entries(m.headers ?? {}).flatMap(([name, v]) =>
    v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => [name, Buffer.from(x)] as const),
  );

/** A fetched kafkajs message as the event builder takes it. */
export const toSourceRecord = (
  topic: string,
  partition: number,
  m: KafkaMessage,
  timestampType: TimestampType,
): SourceRecord => ({
  topic,
  partition,
  offset: Number(m.offset),
  timestamp: Number(m.timestamp),
  timestampType,
  key: m.key ?? null,
  value: m.value ?? null,
  headers: headersOf(m),
});

/**
 * @example
 * const records = await readTopic({ brokers: ['127.0.0.1:9092'], topic: 'in', max: 10 });
 */
export const readTopic = async (options: TopicReadOptions): Promise<SourceRecord[]> => {
  const { topic } = options;
  const max = options.max ?? 100;
  const kafka = new Kafka({
    clientId: 'msk-inference-event-generator',
    brokers: [...options.brokers],
    logLevel: logLevel.NOTHING,
  });
  const admin = kafka.admin();
  await admin.connect();
  const groupId = `msk-inference-event-generator-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  const records: SourceRecord[] = [];
  try {
    if (!(await admin.listTopics()).includes(topic)) throw new Error(`topic '${topic}' does not exist`);
    const timestampType = await timestampTypeOf(admin, topic);
    // Where each partition starts and ends now; partitions with nothing to read are left out.
    const ranges = new Map<number, { from: number; end: number }>();
    for (const o of await admin.fetchTopicOffsets(topic)) {
      if (options.partition !== undefined && o.partition !== options.partition) continue;
      const from = Math.max(Number(o.low), options.fromOffset ?? 0);
      if (Number(o.high) > from) ranges.set(o.partition, { from, end: Number(o.high) });
    }
    if (ranges.size === 0) return [];

    const finished = new Set<number>();
    let done!: () => void;
    const allRead = new Promise<void>((resolve) => {
      done = resolve;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, { from }] of ranges) consumer.seek({ topic, partition, offset: String(from) });
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = ranges.get(batch.partition);
        if (range === undefined || finished.has(batch.partition)) return;
        for (const m of batch.messages) {
          const offset = Number(m.offset);
          if (offset < range.from || offset >= range.end || records.length >= max) continue;
          records.push(toSourceRecord(topic, batch.partition, m, timestampType));
        }
        if (Number(batch.lastOffset()) + 1 >= range.end) finished.add(batch.partition);
        if (finished.size === ranges.size || records.length >= max) done();
      },
    });
    const timeoutMs = options.timeoutMs ?? 30_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      allRead,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new Error(`read ${records.length} records of '${topic}' in ${timeoutMs} ms, then gave up`),
            ),
          timeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
  return records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
};
