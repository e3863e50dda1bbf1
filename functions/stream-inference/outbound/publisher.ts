import type { KafkaConfig } from '../config.js';
import type { OutboundRecord } from './output-records.js';
import { produceRequests } from './produce-requests.js';
import { createProducer, ProducerSlot } from './producer-slot.js';
import { publishBefore } from './publish-deadline.js';
import { TransactionalPublisher } from './transactional-publisher.js';

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
 * kafkajs producer, one per warm container: created at cold start, connected on first use, and
 * replaced after a failure (producer-slot.ts). Idempotent with one request in flight: kafkajs rolls a
 * failed request's sequence numbers back, so its retry carries the same producer id and sequence and
 * the broker answers a copy it already appended without appending it again. That holds only within
 * one producer and its retries: kafkajs warns that limiting them (`retries: 5` here, and the publish
 * deadline) "may invalidate EoS guarantees", and a publish that gives up replaces the producer, so
 * records the broker took meanwhile come out again when the batch is redelivered (at least once,
 * docs/failure-semantics.md). With KAFKA_TRANSACTIONAL the records go out through
 * transactional-publisher.ts instead, which keeps them from coming out twice.
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/producer/sendMessages.js (the rollback)
 * @see https://github.com/tulios/kafkajs/blob/master/src/producer/index.js (the retries warning)
 */
export class KafkaPublisher implements Publisher {
  readonly #options: KafkaPublisherOptions;
  readonly #slot: ProducerSlot;
  readonly #transactions: TransactionalPublisher | undefined;

  constructor(options: KafkaPublisherOptions) {
    this.#options = options;
    this.#slot = new ProducerSlot(() => createProducer(options));
    this.#transactions = options.kafka.transactional
      ? new TransactionalPublisher({ ...options, maxRequestBytes: this.#maxRequestBytes })
      : undefined;
  }

  async publish(records: readonly OutboundRecord[], deadline: number): Promise<void> {
    if (records.length === 0) return;
    const abandoned = new AbortController();
    const work = this.#transactions?.publish(records, abandoned.signal) ?? this.#send(records);
    // The send may still be in flight when the publish gives up: it must not commit, and its
    // producer is replaced so that its retries do not mix with new sends (not awaited: see
    // ProducerSlot).
    await publishBefore(work, deadline, () => {
      abandoned.abort();
      if (this.#transactions === undefined) void this.#slot.reset();
    });
  }

  async close(): Promise<void> {
    await Promise.all([this.#slot.reset(), this.#transactions?.close()]);
  }

  warmUp(): void {
    if (this.#transactions !== undefined) this.#transactions.warmUp();
    else this.#slot.get().catch(() => undefined);
  }

  get #maxRequestBytes(): number {
    return this.#options.maxRequestBytes ?? 1_000_000;
  }

  async #send(records: readonly OutboundRecord[]): Promise<void> {
    const producer = await this.#slot.get();
    for (const request of produceRequests(records, this.#options.kafka, this.#maxRequestBytes)) {
      await producer.sendBatch(request);
    }
  }
}
