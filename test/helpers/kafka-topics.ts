/**
 * Topics for the integration tests: unique names, creation that waits for leaders, deletion.
 *
 * @example
 * const topic = uniqueTopic('orders');
 * await createTopics([topic], 3);
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import { bootstrapBrokers, connected, kafkaAdmin, newKafkaClient, restartProducer } from './kafka-clients.js';

/**
 * A topic name not used before: `<prefix>-<time>-<random>`.
 *
 * @example
 * const topic = uniqueTopic('orders'); // orders-m3k2x1-9f8e7d6c
 */
export function uniqueTopic(prefix = 'test'): string {
  const safe = prefix.replace(/[^a-zA-Z0-9._-]/g, '-');
  return `${safe}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
}

/** Replication of the topics {@link createTopics} makes: one replica unless a test asks for more. */
export interface TopicOptions {
  readonly replicationFactor?: number;
  /** Topic configuration, e.g. `{ 'min.insync.replicas': '2' }`. */
  readonly config?: Readonly<Record<string, string>>;
}

/**
 * Creates the topics (replication factor 1 by default) and waits until every partition has a leader.
 * Topics that already exist are left as they are.
 *
 * @example
 * await createTopics([input, output], 3, { replicationFactor: 3, config: { 'min.insync.replicas': '2' } });
 */
export async function createTopics(
  names: string[],
  partitions = 1,
  options: TopicOptions = {},
): Promise<void> {
  const a = await kafkaAdmin();
  const configEntries = Object.entries(options.config ?? {}).map(([name, value]) => ({ name, value }));
  await a.createTopics({
    topics: names.map((topic) => ({
      topic,
      numPartitions: partitions,
      replicationFactor: options.replicationFactor ?? 1,
      configEntries,
    })),
    // Not kafkajs' wait: it asks the broker that forwarded the creation, and gives up on the
    // UNKNOWN_TOPIC_OR_PARTITION a KRaft broker answers until it has applied the new topic.
    waitForLeaders: false,
    timeout: 30_000,
  });
  const deadline = Date.now() + 30_000;
  const bootstrap = bootstrapBrokers();
  if (bootstrap.length === 1) return waitUntilLed(a, names, deadline);
  // In KRaft every broker applies a new topic from the metadata log on its own time (KAFKA-15780,
  // https://github.com/apache/kafka/pull/14695): on a cluster, wait until each one serves it.
  for (const broker of bootstrap) {
    const viewer = await connected(newKafkaClient([broker]).admin());
    try {
      await waitUntilLed(viewer, names, deadline);
    } finally {
      await viewer.disconnect();
    }
  }
}

/**
 * Waits until the admin's broker lists every partition of the topics with a leader. A fresh client
 * bootstrapped from one broker asks that broker: it is the only one it is connected to (kafkajs'
 * `BrokerPool.findConnectedBroker`).
 */
async function waitUntilLed(a: Admin, names: string[], deadline: number): Promise<void> {
  for (;;) {
    const metadata = await a.fetchTopicMetadata({ topics: names }).catch(() => undefined);
    const led =
      metadata !== undefined &&
      metadata.topics.length === names.length &&
      metadata.topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
    if (led) return;
    if (Date.now() > deadline)
      throw new Error(`createTopics: no leader for some partition of ${names.join(', ')}`);
    await sleep(100);
  }
}

/**
 * Deletes the topics; topics that do not exist are ignored.
 *
 * @example
 * afterAll(() => deleteTopics([input, output]));
 */
export async function deleteTopics(names: string[]): Promise<void> {
  if (names.length === 0) return;
  const a = await kafkaAdmin();
  const existing = new Set(await a.listTopics());
  const topics = names.filter((n) => existing.has(n));
  if (topics.length === 0) return;
  // The shared producer keeps the metadata of every topic it wrote to and would auto-create a
  // deleted topic again on its next refresh: start a fresh one after the deletion.
  await restartProducer();
  await a.deleteTopics({ topics, timeout: 30_000 });
}

/**
 * Whether the topic exists and every one of its partitions has a leader.
 *
 * @example
 * while (!(await topicReady(await kafkaAdmin(), topic))) await sleep(200);
 */
export async function topicReady(a: Admin, topic: string): Promise<boolean> {
  if (!(await a.listTopics()).includes(topic)) return false;
  const { topics } = await a.fetchTopicMetadata({ topics: [topic] });
  return topics.every((t) => t.partitions.length > 0 && t.partitions.every((p) => p.leader >= 0));
}

/** The three topics of one stream: the handler reads `input`, publishes to `output`, dead-letters to `errors`. */
export interface StreamTopics {
  readonly input: string;
  readonly output: string;
  readonly errors: string;
}

/**
 * Three topic names not used before, `<name>-in`, `<name>-out` and `<name>-err` (see {@link uniqueTopic});
 * nothing is created.
 *
 * @example
 * const { input, output, errors } = uniqueStreamTopics('orders');
 * await createTopics([input, output, errors], 2);
 */
export const uniqueStreamTopics = (name: string): StreamTopics => ({
  input: uniqueTopic(`${name}-in`),
  output: uniqueTopic(`${name}-out`),
  errors: uniqueTopic(`${name}-err`),
});
