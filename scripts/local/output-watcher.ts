/**
 * Follows the handler's output and error topics from their current end, and hands each record to a
 * callback with the input coordinates it answers (the `msk-inference-source` header).
 */
import { randomBytes } from 'node:crypto';
import { type Admin, type Consumer, Kafka, logLevel } from 'kafkajs';
import type { SourceRecord } from './event.js';
import { headersOf } from './topic-reader.js';

/** Header the handler sets on every output and error record: `<topic>/<partition>/<offset>` of the input. */
export const SOURCE_HEADER = 'msk-inference-source';

export interface WatchedRecord {
  readonly kind: 'output' | 'error';
  readonly record: SourceRecord;
  /** `<topic>/<partition>/<offset>` of the input record it answers, when the header is there. */
  readonly source: string | undefined;
  readonly header: (name: string) => string | undefined;
}

export interface OutputWatcherOptions {
  readonly brokers: readonly string[];
  readonly outputTopic: string;
  readonly errorTopic: string;
  readonly onRecord: (record: WatchedRecord) => void;
}

/**
 * @example
 * const watcher = await OutputWatcher.start({ brokers, outputTopic, errorTopic, onRecord: console.log });
 * // ... produce, run the handler ...
 * await watcher.stop();
 */
export class OutputWatcher {
  readonly #consumer: Consumer;
  readonly #admin: Admin;
  readonly #groupId: string;

  private constructor(consumer: Consumer, admin: Admin, groupId: string) {
    this.#consumer = consumer;
    this.#admin = admin;
    this.#groupId = groupId;
  }

  /** Resolves once the watcher reads from the topics' ends as they were at the call. */
  static async start(options: OutputWatcherOptions): Promise<OutputWatcher> {
    const kafka = new Kafka({
      clientId: 'msk-inference-output-watcher',
      brokers: [...options.brokers],
      logLevel: logLevel.NOTHING,
    });
    const admin = kafka.admin();
    await admin.connect();
    const topics = [options.outputTopic, options.errorTopic];
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const o of await admin.fetchTopicOffsets(topic))
        ends.set(`${topic}/${o.partition}`, Number(o.high));
    }
    const groupId = `msk-inference-output-watcher-${randomBytes(6).toString('hex')}`;
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics, fromBeginning: true });
    const joined = new Promise<void>((resolve) => {
      consumer.on(consumer.events.GROUP_JOIN, () => {
        for (const [key, offset] of ends) {
          const slash = key.lastIndexOf('/');
          consumer.seek({
            topic: key.slice(0, slash),
            partition: Number(key.slice(slash + 1)),
            offset: String(offset),
          });
        }
        resolve();
      });
    });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (Number(message.offset) < (ends.get(`${topic}/${partition}`) ?? 0)) return;
        const headers = headersOf(message);
        const header = (name: string): string | undefined =>
          headers.find(([n]) => n === name)?.[1].toString('utf8');
        options.onRecord({
          kind: topic === options.outputTopic ? 'output' : 'error',
          record: {
            topic,
            partition,
            offset: Number(message.offset),
            timestamp: Number(message.timestamp),
            key: message.key ?? null,
            value: message.value ?? null,
            headers,
          },
          source: header(SOURCE_HEADER),
          header,
        });
      },
    });
    await joined;
    return new OutputWatcher(consumer, admin, groupId);
  }

  async stop(): Promise<void> {
    await this.#consumer.disconnect().catch(() => undefined);
    await this.#admin.deleteGroups([this.#groupId]).catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
  }
}
