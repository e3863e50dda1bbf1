/**
 * The kafkajs clients the Kafka test helpers share: one client, one admin and one producer per test
 * file, created on first use. Call {@link closeKafkaHelpers} in `afterAll` of every test file that
 * uses a Kafka helper.
 */
import { type Admin, Kafka, logLevel, type Producer } from 'kafkajs';
import { recordingPartitioner } from './kafka-partitioner.js';

/** Bootstrap brokers of the test cluster: `KAFKA_BROKER` (comma separated) or the local broker. */
export const brokers: string[] = (process.env['KAFKA_BROKER'] ?? '127.0.0.1:9092')
  .split(',')
  .map((b) => b.trim())
  .filter((b) => b.length > 0);

/** The brokers the helpers talk to: {@link brokers} unless a test file chose others with {@link useBrokers}. */
let bootstrap: readonly string[] = brokers;

let kafka: Kafka | undefined;
let admin: Promise<Admin> | undefined;
let producer: Promise<Producer> | undefined;

/**
 * kafkajs log level of the helpers: silent unless `KAFKA_TEST_LOG_LEVEL` is `error`, `warn`, `info`
 * or `debug` (failures surface as rejected promises either way; kafkajs also logs retried errors).
 */
const helperLogLevel: logLevel =
  { error: logLevel.ERROR, warn: logLevel.WARN, info: logLevel.INFO, debug: logLevel.DEBUG }[
    (process.env['KAFKA_TEST_LOG_LEVEL'] ?? '').toLowerCase()
  ] ?? logLevel.NOTHING;

/**
 * A new kafkajs client of the given brokers, with the helpers' timeouts and retries; not shared.
 *
 * @example
 * const viewer = await connected(newKafkaClient(['127.0.0.1:39092']).admin());
 */
export const newKafkaClient = (list: readonly string[]): Kafka =>
  new Kafka({
    clientId: 'msk-inference-tests',
    brokers: [...list],
    logLevel: helperLogLevel,
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { retries: 8, initialRetryTime: 200 },
  });

/**
 * The brokers the shared clients bootstrap from.
 *
 * @example
 * if (bootstrapBrokers().length > 1) await waitOnEveryBroker();
 */
export const bootstrapBrokers = (): readonly string[] => bootstrap;

/**
 * The shared kafkajs client.
 *
 * @example
 * const consumer = kafkaClient().consumer({ groupId: 'g' });
 */
export function kafkaClient(): Kafka {
  kafka ??= newKafkaClient(bootstrap);
  return kafka;
}

/**
 * The shared, connected admin client.
 *
 * @example
 * const topics = await (await kafkaAdmin()).listTopics();
 */
export function kafkaAdmin(): Promise<Admin> {
  admin ??= connected(kafkaClient().admin());
  return admin;
}

/**
 * The shared, connected producer (idempotent, default partitioner recording its choices).
 *
 * @example
 * await (await kafkaProducer()).send({ topic, acks: -1, messages });
 */
export function kafkaProducer(): Promise<Producer> {
  producer ??= connected(
    kafkaClient().producer({
      createPartitioner: recordingPartitioner,
      idempotent: true,
      maxInFlightRequests: 1,
    }),
  );
  return producer;
}

/**
 * Connects the admin or producer and returns it.
 *
 * @example
 * const viewer = await connected(newKafkaClient([broker]).admin());
 */
export async function connected<T extends Admin | Producer>(client: T): Promise<T> {
  await client.connect();
  return client;
}

/**
 * Disconnects the shared producer; the next {@link kafkaProducer} call starts a fresh one.
 *
 * @example
 * await restartProducer(); // forget the metadata of a topic about to be deleted
 */
export async function restartProducer(): Promise<void> {
  const p = producer;
  producer = undefined;
  await p?.then((c) => c.disconnect()).catch(() => undefined);
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

/**
 * Disconnects the shared producer and admin (call in `afterAll`). Safe to call more than once.
 *
 * @example
 * afterAll(closeKafkaHelpers);
 */
export async function closeKafkaHelpers(): Promise<void> {
  const p = producer;
  const a = admin;
  producer = undefined;
  admin = undefined;
  await Promise.allSettled([p?.then((c) => c.disconnect()), a?.then((c) => c.disconnect())]);
}
