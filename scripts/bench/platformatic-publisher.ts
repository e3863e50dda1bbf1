/**
 * `@platformatic/kafka` (a Kafka client written in TypeScript) behind the handler's `Publisher`
 * interface, as a bench variant next to kafkajs: same contract (records in order per topic and
 * partition, resolved only once the broker acknowledged all of them with acks=all, `RecordFailure`
 * otherwise), same request bounds (`chunkBySize`), an idempotent producer. Plaintext brokers only:
 * the bench's local broker needs nothing else, and the shipped client stays kafkajs.
 *
 * The package is optional (not a dependency of the project): it is loaded with a dynamic import of a
 * name held in a variable, so that neither TypeScript nor esbuild needs it, and the scenario reports
 * it as not installed when it is absent.
 *
 * @see https://github.com/platformatic/kafka/blob/main/docs/producer.md
 * @see https://github.com/platformatic/kafka/blob/main/docs/base.md
 */
import type { KafkaConfig } from '../../functions/stream-inference/config.js';
import { headerEntries } from '../../functions/stream-inference/outbound/headers.js';
import type { OutboundRecord } from '../../functions/stream-inference/outbound/output-records.js';
import { chunkBySize } from '../../functions/stream-inference/outbound/produce-requests.js';
import { publishBefore } from '../../functions/stream-inference/outbound/publish-deadline.js';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';

/** The package, by name: `npm i -D` this to measure it. */
export const PLATFORMATIC_PACKAGE = '@platformatic/kafka';

/** A message as the package's Producer takes it without serializers (keys, values and headers as bytes). */
export interface PlatformaticMessage {
  readonly topic: string;
  readonly key?: Buffer;
  readonly value?: Buffer;
  /** Keyed by distinct Buffer objects, so a repeated header name keeps each of its values, in order. */
  readonly headers: Map<Buffer, Buffer>;
}

/** The parts of the package's API the variant uses. */
interface PlatformaticProducer {
  send(options: { messages: PlatformaticMessage[] }): Promise<unknown>;
  close(): Promise<void>;
}

export interface PlatformaticModule {
  readonly Producer: new (options: Record<string, unknown>) => PlatformaticProducer;
}

/**
 * The package, or undefined when it is not installed.
 *
 * @example
 * const module = await loadPlatformatic();
 * if (module === undefined) console.log('not installed');
 */
export const loadPlatformatic = async (): Promise<PlatformaticModule | undefined> => {
  const name: string = PLATFORMATIC_PACKAGE;
  try {
    return (await import(name)) as PlatformaticModule;
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
};

/**
 * An outbound record as the package's message: a null key or value is left out (a tombstone keeps
 * no value), each header value as bytes.
 *
 * @example
 * toPlatformaticMessage({ topic: 'out', key: null, value: Buffer.from('{}'), headers: headerMap([['a', 'b']]) });
 */
export const toPlatformaticMessage = (record: OutboundRecord): PlatformaticMessage => {
  const headers = new Map<Buffer, Buffer>();
  for (const [name, value] of headerEntries(record.headers)) {
    headers.set(Buffer.from(name), Buffer.isBuffer(value) ? value : Buffer.from(value));
  }
  return {
    topic: record.topic,
    ...(record.key === null ? {} : { key: record.key }),
    ...(record.value === null ? {} : { value: record.value }),
    headers,
  };
};

export interface PlatformaticPublisherOptions {
  readonly brokers: readonly string[];
  readonly kafka: KafkaConfig;
  /** @default 1_000_000 (as KafkaPublisher) */
  readonly maxRequestBytes?: number;
}

/** The package's Producer behind `Publisher`, created on first use and closed after a failure. */
export class PlatformaticPublisher implements Publisher {
  readonly #module: PlatformaticModule;
  readonly #options: PlatformaticPublisherOptions;
  #producer: PlatformaticProducer | undefined;

  constructor(module: PlatformaticModule, options: PlatformaticPublisherOptions) {
    this.#module = module;
    this.#options = options;
  }

  async publish(records: readonly OutboundRecord[], deadline: number): Promise<void> {
    if (records.length === 0) return;
    await publishBefore(this.#send(records), deadline, () => void this.close());
  }

  async close(): Promise<void> {
    const producer = this.#producer;
    this.#producer = undefined;
    await producer?.close().catch(() => undefined);
  }

  async #send(records: readonly OutboundRecord[]): Promise<void> {
    const { kafka, brokers, maxRequestBytes } = this.#options;
    this.#producer ??= new this.#module.Producer({
      clientId: kafka.clientId,
      bootstrapBrokers: [...brokers],
      idempotent: true,
      acks: -1,
      ...(kafka.compression === 'gzip' ? { compression: 'gzip' } : {}),
      connectTimeout: 3_000,
      requestTimeout: 10_000,
      retries: 5,
      retryDelay: 100,
    });
    // One request after the other, each acknowledged before the next: the order is kept.
    for (const chunk of chunkBySize(records, maxRequestBytes ?? 1_000_000)) {
      await this.#producer.send({ messages: chunk.map(toPlatformaticMessage) });
    }
  }
}
