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
import type { KafkaConfig } from '../config.js';
import { detailOf, FailureKind, RecordFailure, reasonOf } from '../failures.js';
import { logger } from '../telemetry.js';
import { headerMap } from './headers.js';
import { connectionOptions } from './kafka-auth.js';
import type { OutboundRecord } from './output-records.js';
import { framedBytes } from './record-size.js';

/**
 * What the pipeline needs from a Kafka client. Kept this small so that kafkajs (lightly
 * maintained) can be replaced without touching the pipeline.
 */
export interface Publisher {
  /**
   * Produces the records in order (per topic and partition) and resolves only when the broker has
   * acknowledged every one of them (acks=all). Rejects with a `RecordFailure` of kind `publish` otherwise.
   */
  publish(records: readonly OutboundRecord[], deadline: number): Promise<void>;
  close(): Promise<void>;
  /**
   * Starts connecting without waiting for it, so that the first publish finds the connection open.
   * A connect that fails is forgotten: the first publish connects again, as it would have anyway.
   */
  warmUp?(): void;
}

export interface KafkaPublisherOptions {
  readonly brokers: readonly string[];
  readonly kafka: KafkaConfig;
  /**
   * Most bytes of records (keys, values, headers and framing) sent in one produce request; a larger
   * record goes alone. Keep it at or under the topics' `max.message.bytes`.
   * @default 1_000_000
   */
  readonly maxRequestBytes?: number;
}

/**
 * Consecutive runs of records of at most `max` bytes (a larger record alone). kafkajs puts every
 * record of a partition in one record batch, and the broker refuses a batch over its
 * `message.max.bytes` (1 MB by default) whole: 500 records of 3 KB for one partition would fail
 * every publish, and so every redelivery.
 */
export const chunkBySize = (records: readonly OutboundRecord[], max: number): OutboundRecord[][] => {
  const chunks: OutboundRecord[][] = [];
  let chunk: OutboundRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = framedBytes(r);
    if (chunk.length > 0 && bytes + size > max) {
      chunks.push(chunk);
      chunk = [];
      bytes = 0;
    }
    chunk.push(r);
    bytes += size;
  }
  if (chunk.length > 0) chunks.push(chunk);
  return chunks;
};

/**
 * kafkajs producer, one per warm container: created at cold start, connected on first use, and
 * reconnected after a failure. Idempotent with one request in flight: kafkajs rolls a failed
 * request's sequence numbers back, so its retry carries the same producer id and sequence and the
 * broker answers a copy it already appended without appending it again. That holds only within one
 * producer and its retries: kafkajs warns that limiting them (`retries: 5` here, and the publish
 * deadline) "may invalidate EoS guarantees", and a publish that gives up resets the producer, so
 * records the broker took meanwhile come out again when the batch is redelivered (at least once,
 * docs/failure-semantics.md).
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/producer/sendMessages.js (the rollback)
 * @see https://github.com/tulios/kafkajs/blob/master/src/producer/index.js (the retries warning)
 */
export class KafkaPublisher implements Publisher {
  readonly #options: KafkaPublisherOptions;
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;
  /** Bumped by every reset, so that a connect still running from before one is not adopted. */
  #generation = 0;
  /**
   * One per warm container (Lambda runs many at once), kept across reconnects: the new producer's
   * init then fences the one it replaces, so that a transaction left open by a publish that gave
   * up is aborted at once instead of being committed late (a duplicate) or holding read_committed
   * readers back until it times out.
   */
  readonly #transactionalId: string;

  constructor(options: KafkaPublisherOptions) {
    this.#options = options;
    this.#transactionalId = `${options.kafka.clientId}-${randomUUID()}`;
  }

  async publish(records: readonly OutboundRecord[], deadline: number): Promise<void> {
    if (records.length === 0) return;
    const work = this.#send(records);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new RecordFailure('broker did not acknowledge before the deadline', {
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
      // Not awaited: kafkajs' disconnect waits for in-flight requests (up to requestTimeout), so a
      // broker that stopped answering would hold the handler past the Lambda timeout.
      void this.#reset();
      if (cause instanceof RecordFailure) throw cause;
      throw new RecordFailure(`publish failed: ${publishReason(cause)}`, {
        kind: FailureKind.publish,
        detail: detailOf(cause),
        cause,
      });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    await this.#reset();
  }

  warmUp(): void {
    this.#connect().catch(() => undefined);
  }

  async #send(records: readonly OutboundRecord[]): Promise<void> {
    const producer = await this.#connect();
    const compression =
      this.#options.kafka.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
    // One request after the other, each acknowledged before the next: the order is kept.
    const batches = chunkBySize(records, this.#options.maxRequestBytes ?? 1_000_000).map((chunk) => {
      const byTopic = new Map<string, Message[]>();
      for (const r of chunk) {
        const list = byTopic.get(r.topic) ?? [];
        list.push({ key: r.key, value: r.value, headers: headerMap(Object.entries(r.headers)) });
        byTopic.set(r.topic, list);
      }
      return {
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
        acks: -1,
        compression,
      };
    });
    if (!this.#options.kafka.transactional) {
      for (const batch of batches) await producer.sendBatch(batch);
      return;
    }
    const tx = await producer.transaction();
    try {
      for (const batch of batches) await tx.sendBatch(batch);
      await tx.commit();
    } catch (error) {
      await tx.abort().catch(() => undefined);
      throw error;
    }
  }

  #connect(): Promise<Producer> {
    if (this.#producer !== undefined) return Promise.resolve(this.#producer);
    this.#connecting ??= (async () => {
      const generation = this.#generation;
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
        ...(kafka.transactional ? { transactionalId: this.#transactionalId } : {}),
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 },
      });
      await producer.connect();
      if (generation !== this.#generation) {
        // The publish that started this connect gave up meanwhile: this producer would leak, and
        // its stale send would go out on it.
        void producer.disconnect().catch(() => undefined);
        throw new RecordFailure('producer reset while connecting', { kind: FailureKind.publish });
      }
      this.#producer = producer;
      return producer;
    })();
    const connecting = this.#connecting;
    return connecting.catch((error: unknown) => {
      // Only this attempt's: a newer connect (after a reset) must not be forgotten.
      if (this.#connecting === connecting) this.#connecting = undefined;
      throw error;
    });
  }

  async #reset(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    this.#connecting = undefined;
    this.#generation++;
    await producer?.disconnect().catch(() => undefined);
  }
}

/**
 * A producer error by its facts, not its message: each error of the chain (to three deep) by its
 * class, the broker's error type (`NOT_LEADER_OR_FOLLOWER`) and the network code (`ECONNREFUSED`).
 *
 * @example
 * publishReason(error); // "KafkaJSNumberOfRetriesExceeded <- KafkaJSConnectionError ECONNREFUSED"
 */
const publishReason = (error: unknown): string => {
  const facts: string[] = [];
  for (let e = error, depth = 0; e instanceof Error && depth < 3; e = e.cause, depth++) {
    const { type, code } = e as { type?: unknown; code?: unknown };
    facts.push([reasonOf(e), type, code].filter((f) => typeof f === 'string' && f !== '').join(' '));
  }
  return facts.length === 0 ? reasonOf(error) : facts.join(' <- ');
};

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
