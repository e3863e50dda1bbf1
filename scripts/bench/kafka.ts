/**
 * The bench's Kafka plumbing: topics made for one bench run (deleted afterwards), one producer for
 * the input records, and a counter that follows output topics and says when a run's records are all
 * answered.
 */
import { randomBytes } from 'node:crypto';
import { type Admin, Kafka, logLevel, type Message, Partitioners, type Producer } from 'kafkajs';
import { OutputWatcher, type WatchedRecord } from '../local/output-watcher.js';

export const BENCH_BROKER = process.env['KAFKA_BROKER'] ?? '127.0.0.1:9092';

export interface BenchKafka {
  readonly brokers: readonly string[];
  readonly admin: Admin;
  readonly producer: Producer;
  /** Creates topics named `bench-<name>-<run id>`; all of them are deleted by `close`. */
  topics(names: readonly string[], partitions: number): Promise<string[]>;
  close(): Promise<void>;
}

export const connectKafka = async (): Promise<BenchKafka> => {
  const brokers = BENCH_BROKER.split(',');
  const kafka = new Kafka({ clientId: 'msk-inference-bench', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  const producer = kafka.producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await Promise.all([admin.connect(), producer.connect()]);
  const created: string[] = [];
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  return {
    brokers,
    admin,
    producer,
    async topics(names, partitions) {
      const topics = names.map((n) => `bench-${n}-${runId}`);
      await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })),
        waitForLeaders: false,
      });
      created.push(...topics);
      await untilLed(admin, topics);
      return topics;
    },
    async close() {
      await producer.disconnect().catch(() => undefined);
      if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
      await admin.disconnect().catch(() => undefined);
    },
  };
};

/**
 * Waits until every partition of the topics has a leader that answers for it. (kafkajs' own
 * `waitForLeaders` gives up on UNKNOWN_TOPIC_OR_PARTITION, and a busy broker answers that, or
 * NOT_LEADER_OR_FOLLOWER to a ListOffsets, for a moment after creating a topic.)
 */
const untilLed = async (admin: Admin, topics: string[]): Promise<void> => {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const { topics: found } = await admin.fetchTopicMetadata({ topics });
      if (found.length === topics.length && found.every((t) => t.partitions.every((p) => p.leader >= 0))) {
        for (const topic of topics) await admin.fetchTopicOffsets(topic);
        return;
      }
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leaders after 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
};

/** Produces records in chunks (a produce request stays well under the broker's 1 MB default). */
export const produceAll = async (producer: Producer, topic: string, messages: Message[]): Promise<void> => {
  const CHUNK = 1_000;
  for (let i = 0; i < messages.length; i += CHUNK) {
    await producer.send({ topic, acks: -1, messages: messages.slice(i, i + CHUNK) });
  }
};

interface Waiter {
  readonly prefix: string;
  readonly expected: number;
  readonly seen: Set<string>;
  errors: number;
  readonly resolve: (at: number) => void;
}

/**
 * Follows output (and error) topics from their current end and counts, per run, the distinct keys
 * answered: every record of a run has a key `<run tag>-<n>`, so a redelivered duplicate is not
 * counted twice.
 */
export class OutputCounter {
  readonly #watcher: OutputWatcher;
  readonly #waiters = new Set<Waiter>();

  private constructor(watcher: OutputWatcher, waiters: Set<Waiter>) {
    this.#watcher = watcher;
    this.#waiters = waiters;
  }

  static async start(
    brokers: readonly string[],
    outputTopic: string,
    errorTopic: string,
  ): Promise<OutputCounter> {
    const waiters = new Set<Waiter>();
    const onRecord = (r: WatchedRecord): void => {
      const key = r.record.key?.toString('utf8') ?? '';
      for (const w of waiters) {
        if (!key.startsWith(w.prefix)) continue;
        if (r.kind === 'error') w.errors++;
        w.seen.add(key);
        if (w.seen.size >= w.expected) {
          waiters.delete(w);
          w.resolve(performance.now());
        }
      }
    };
    const watcher = await OutputWatcher.start({ brokers, outputTopic, errorTopic, onRecord });
    return new OutputCounter(watcher, waiters);
  }

  /**
   * Resolves with the time (performance.now) the last of `expected` records keyed `<tag>-…` was read,
   * and how many of them came on the error topic. Call before producing them.
   */
  expect(tag: string, expected: number, timeoutMs: number): Promise<{ at: number; errors: number }> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        prefix: `${tag}-`,
        expected,
        seen: new Set(),
        errors: 0,
        resolve: (at) => {
          clearTimeout(timer);
          resolve({ at, errors: waiter.errors });
        },
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(waiter);
        reject(
          new Error(
            `only ${waiter.seen.size} of ${expected} records of run ${tag} answered in ${timeoutMs} ms`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(waiter);
    });
  }

  stop(): Promise<void> {
    return this.#watcher.stop();
  }
}
