/**
 * Reading a topic back from the beginning, either to its end at call time or until a number of
 * records arrived.
 *
 * @example
 * const records = await readToEnd(topic); // everything up to the high watermark at call time
 * const out = await readToEnd(outputTopic, { expected: 10, timeoutMs: 60_000 }); // wait for 10 records
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin, Consumer } from 'kafkajs';
import { kafkaAdmin, kafkaClient } from './kafka-clients.js';
import { type KafkaRecord, normalizeHeaders } from './kafka-records.js';
import { topicReady } from './kafka-topics.js';

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

/**
 * Reads a topic from the beginning with a fresh consumer group (read committed) and returns its
 * records sorted by partition, then offset.
 *
 * Without `expected`: stops when every partition reached the high watermark (last stable offset)
 * fetched when the call started. With `expected`: waits for the topic to exist, then stops as soon as
 * at least that many records were read (more when they came in the same fetch).
 * Rejects after `timeoutMs` (default 30 s) with what was read so far in the message.
 *
 * @example
 * const out = await readToEnd(outputTopic, { expected: 10, timeoutMs: 60_000 });
 */
export async function readToEnd(topic: string, opts: ReadOptions = {}): Promise<KafkaRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const a = await kafkaAdmin();

  // The end of each partition, when reading to the high watermark.
  const end = new Map<number, number>();
  if (opts.expected === undefined) {
    if (!(await topicReady(a, topic))) throw new Error(`readToEnd(${topic}): no such topic`);
    for (const o of await offsetsOnceLed(a, topic, deadline)) {
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
 * The topic's offsets, asked again while its partitions have no leader: a broker that has just
 * restarted answers NOT_LEADER_FOR_PARTITION (retriable) until it has loaded them, and the fault
 * tests read their books right after such a restart.
 */
const offsetsOnceLed = async (admin: Admin, topic: string, deadline: number) => {
  for (;;) {
    try {
      return await admin.fetchTopicOffsets(topic);
    } catch (error) {
      if ((error as { retriable?: boolean }).retriable !== true || Date.now() > deadline) throw error;
      await sleep(500);
    }
  }
};
