import { Kafka, type LogEntry, logLevel, Partitioners, type Producer } from 'kafkajs';
import type { KafkaConfig } from '../config.js';
import { FailureKind, RecordFailure } from '../failures.js';
import { logger } from '../telemetry.js';
import { connectionOptions } from './kafka-auth.js';

/** Where and how to reach the cluster: what every kafkajs client of the publisher shares. */
export interface ClusterOptions {
  readonly brokers: readonly string[];
  readonly kafka: KafkaConfig;
}

/** Bounded: the pipeline's deadline decides when to give up, not an endless kafkajs retry. */
const RETRY = { retries: 5, initialRetryTime: 100, maxRetryTime: 2_000 } as const;

/**
 * A kafkajs client for the cluster, logging through the function's logger.
 *
 * @example
 * const admin = (await kafkaClient(options)).admin();
 */
export const kafkaClient = async ({ kafka, brokers }: ClusterOptions): Promise<Kafka> =>
  new Kafka({
    clientId: kafka.clientId,
    brokers: [...brokers],
    ...(await connectionOptions(kafka)),
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.ERROR,
    logCreator: kafkajsToPowertools,
    retry: RETRY,
  });

/**
 * An idempotent producer with one request in flight (acks=all is per send), transactional under
 * `transactionalId` when given. Not connected yet.
 *
 * @example
 * const producer = await createProducer(options, 'msk-inference-orders-0');
 */
export const createProducer = async (options: ClusterOptions, transactionalId?: string): Promise<Producer> =>
  (await kafkaClient(options)).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
    ...(transactionalId === undefined
      ? {}
      : { transactionalId, transactionTimeout: options.kafka.transactionTimeoutMs }),
    retry: RETRY,
  });

/**
 * One producer, connected on first use and replaced after a failure: a send that gave up may still
 * be in flight, and a fresh producer keeps its retries apart from new sends. The old one is released
 * in the background: kafkajs' disconnect waits for in-flight requests (up to requestTimeout), so a
 * broker that stopped answering would hold the caller past its deadline.
 *
 * @example
 * const slot = new ProducerSlot(() => createProducer(options));
 * const producer = await slot.get();
 * slot.reset(); // after a failed send
 */
export class ProducerSlot {
  readonly #create: () => Promise<Producer>;
  #producer: Producer | undefined;
  #connecting: Promise<Producer> | undefined;
  /** Bumped by every reset, so that a connect still running from before one is not adopted. */
  #generation = 0;

  constructor(create: () => Promise<Producer>) {
    this.#create = create;
  }

  get(): Promise<Producer> {
    if (this.#producer !== undefined) return Promise.resolve(this.#producer);
    this.#connecting ??= (async () => {
      const generation = this.#generation;
      const producer = await this.#create();
      await producer.connect();
      if (generation !== this.#generation) {
        // The send that started this connect gave up meanwhile: this producer would leak, and its
        // stale send would go out on it.
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

  /**
   * Forgets the producer at once and disconnects it once `settled` has (a last request of its own,
   * such as an abort); resolves when it is disconnected (callers need not wait). With `only`, does
   * so only if that is still the producer: a send that finishes late must not take away the one
   * that replaced it.
   */
  async reset(only?: Producer, settled?: Promise<unknown>): Promise<void> {
    const producer = this.#producer;
    if (only !== undefined && only !== producer) return;
    this.#producer = undefined;
    this.#connecting = undefined;
    this.#generation++;
    await settled?.catch(() => undefined);
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
