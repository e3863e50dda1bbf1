import { randomUUID } from 'node:crypto';
import {
  CompressionTypes,
  Kafka,
  type LogEntry,
  logLevel,
  type Message,
  Partitioners,
  type Producer,
} from 'kafkajs';
import type { KafkaConfig } from './config.js';
import { FailureKind, TransientError } from './errors.js';
import { connectionOptions } from './kafka-auth.js';
import { logger } from './telemetry.js';

/** A record to produce: an output, or a bad input bound for the error topic. */
export interface OutboundRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | Array<Buffer | string>>>;
}

/**
 * What the pipeline needs from a Kafka client. Kept this small so that kafkajs (lightly
 * maintained) can be replaced without touching the pipeline.
 */
export interface Publisher {
  /**
   * Produces the records in order (per topic and partition) and resolves only when the broker has
   * acknowledged every one of them (acks=all). Rejects with `TransientError` otherwise.
   */
  publish(records: readonly OutboundRecord[], deadline: number): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaPublisherOptions {
  readonly brokers: readonly string[];
  readonly kafka: KafkaConfig;
}

/**
 * kafkajs producer, one per warm container: created at cold start, connected on first use, and
 * reconnected after a failure. Idempotent, so kafkajs' own retries never duplicate or reorder.
 */
export class KafkaPublisher implements Publisher {
  readonly #options: KafkaPublisherOptions;
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;

  constructor(options: KafkaPublisherOptions) {
    this.#options = options;
  }

  async publish(records: readonly OutboundRecord[], deadline: number): Promise<void> {
    if (records.length === 0) return;
    const work = this.#send(records);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TransientError('broker did not acknowledge before the deadline', {
              kind: FailureKind.publish,
            }),
          ),
        Math.max(0, deadline - Date.now()),
      );
    });
    try {
      await Promise.race([work, timeout]);
    } catch (cause) {
      // The send may still be in flight; a fresh producer next time avoids mixing its retries with new sends.
      work.catch(() => undefined);
      await this.#reset();
      if (cause instanceof TransientError) throw cause;
      throw new TransientError(`publish failed: ${(cause as Error).message}`, {
        kind: FailureKind.publish,
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#reset();
  }

  async #send(records: readonly OutboundRecord[]): Promise<void> {
    const producer = await this.#connect();
    const byTopic = new Map<string, Message[]>();
    for (const r of records) {
      const list = byTopic.get(r.topic) ?? [];
      list.push({ key: r.key, value: r.value, headers: { ...r.headers } });
      byTopic.set(r.topic, list);
    }
    const batch = {
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      acks: -1,
      compression: this.#options.kafka.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
    };
    if (!this.#options.kafka.transactional) {
      await producer.sendBatch(batch);
      return;
    }
    const tx = await producer.transaction();
    try {
      await tx.sendBatch(batch);
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }

  #connect(): Promise<Producer> {
    if (this.#producer !== undefined) return Promise.resolve(this.#producer);
    this.#connecting ??= (async () => {
      const { kafka, brokers } = this.#options;
      const client = new Kafka({
        clientId: kafka.clientId,
        brokers: [...brokers],
        ...(await connectionOptions(kafka)),
        connectionTimeout: 3_000,
        requestTimeout: 10_000,
        logLevel: logLevel.ERROR,
        logCreator: kafkajsToPowertools,
        // Bounded: the pipeline's deadline decides when to give up, not an endless kafkajs retry.
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      const producer = client.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
        ...(kafka.transactional ? { transactionalId: `${kafka.clientId}-${randomUUID()}` } : {}),
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await producer.connect();
      this.#producer = producer;
      return producer;
    })();
    return this.#connecting.catch((error: unknown) => {
      this.#connecting = undefined;
      throw error;
    });
  }

  async #reset(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    this.#connecting = undefined;
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * kafkajs logs through the function's structured logger. Its errors are logged as warnings: the
 * pipeline decides what a failed publish means and logs that itself.
 */
const kafkajsToPowertools =
  () =>
  ({ level, label, log }: LogEntry): void => {
    const { message, timestamp: _t, logger: _l, ...rest } = log;
    const line = `kafkajs ${label}: ${message}`;
    if (level <= logLevel.WARN) logger.warn(line, rest);
    else logger.debug(line, rest);
  };
