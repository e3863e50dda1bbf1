/**
 * Leader failover on a private three-node KRaft cluster (`scripts/services/kafka-cluster.sh`, ports
 * 39092-39094; replication factor 3, `min.insync.replicas=2`), with MLServer answering: the node
 * leading a partition is killed (SIGKILL, no controlled shutdown) while the handler publishes to it,
 * and while the local poller reads from it. The cluster must move the leadership, the handler and
 * the poller must follow it, and the books must balance as in faults.test.ts: every input record on
 * the output or the error topic, duplicates only of records delivered again.
 *
 * The file owns its cluster: it starts it (fresh) before the tests and deletes it after them; the
 * shared broker on 9092 is not used. MLServer on 8080 is only read.
 */
import type { Admin } from 'kafkajs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';
import { type InvocationReport, Poller } from '../../scripts/local/poller.js';
import {
  envFor,
  loadStreamModules,
  prepareTopics,
  REST_V2,
  settle,
  sleep,
  timeline,
} from '../helpers/fault-scenario.js';
import { closeKafkaHelpers, kafkaAdmin, useBrokers } from '../helpers/kafka-clients.js';
import {
  CLUSTER_BROKERS,
  killNode,
  leaders,
  REPLICATED,
  startCluster,
  stopCluster,
  waitForNewLeader,
} from '../helpers/kafka-cluster.js';
import { describeRun, driveLambda } from '../helpers/lambda-driver.js';
import { pollerRun } from '../helpers/poller-run.js';

let modules: Awaited<ReturnType<typeof loadStreamModules>>;
const closers: Array<() => Promise<unknown>> = [];

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

/** The handler's environment on the cluster. */
const clusterEnv = (t: Parameters<typeof envFor>[0], extra: Record<string, string> = {}) =>
  envFor(t, { KAFKA_BROKER: CLUSTER_BROKERS.join(','), ...extra });

const admin = (): Promise<Admin> => kafkaAdmin();

/** The leaders of every partition of the topics, and the node leading `topic`/`partition`. */
const leadership = async (topics: readonly string[], topic: string, partition: number) => {
  const before = await leaders(await admin(), topics);
  const leader = before.get(`${topic}/${partition}`);
  if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
  return { before, leader };
};

/**
 * Kills `victim` (SIGKILL) and follows the failover: resolves once the metadata names another leader
 * for `topic`/`partition`, with the partitions of `before` whose leader changed.
 */
const killAndFollow = async (
  victim: number,
  topic: string,
  partition: number,
  before: ReadonlyMap<string, number>,
  mark: (what: string) => void,
) => {
  const killedAt = Date.now();
  killNode(victim);
  mark(`node ${victim}, leader of ${topic}/${partition}, killed (SIGKILL)`);
  const a = await admin();
  const successor = await waitForNewLeader(a, topic, partition, victim, 60_000);
  mark(`${topic}/${partition} led by node ${successor} after ${seconds(killedAt)}`);
  const after = await leaders(a, [...new Set([...before.keys()].map((p) => p.slice(0, p.lastIndexOf('/'))))]);
  const moved = [...before].filter(([p, leader]) => after.get(p) !== leader);
  mark(`leader changes: ${moved.map(([p, l]) => `${p} ${l}->${after.get(p)}`).join(', ')}`);
  return { successor, moved };
};

/** Each distinct line once, with how many times it came (kafkajs repeats its connection errors). */
const counted = (lines: readonly string[]): string[] => {
  const counts = new Map<string, number>();
  for (const line of lines) counts.set(line, (counts.get(line) ?? 0) + 1);
  return [...counts].map(([line, n]) => (n > 1 ? `${line} (x${n})` : line));
};

const waitFor = async (what: string, check: () => Promise<boolean> | boolean, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
};

beforeAll(async () => {
  const started = Date.now();
  await stopCluster(); // whatever an interrupted run left behind
  await startCluster();
  console.log(`[failover] fresh three-node cluster up in ${seconds(started)}`);
  await useBrokers(CLUSTER_BROKERS);
  modules = await loadStreamModules();
});

// Every test starts on a whole cluster, every replica in sync: a node killed by the test before is
// started again here (a no-op after beforeAll).
beforeEach(async () => {
  const started = Date.now();
  const output = await startCluster();
  const seen = output.split('\n').find((line) => line.includes(' up in ')) ?? 'already up';
  console.log(`[failover] cluster whole in ${seconds(started)} (${seen.replace(/^kafka-cluster: /, '')})`);
});

afterAll(async () => {
  await Promise.allSettled(closers.map((close) => close()));
  await closeKafkaHelpers();
  await stopCluster();
});

describe('partition leader killed on a three-node cluster (RF 3, min.insync.replicas=2)', () => {
  it('leader of the output topic killed mid-publish: the producer follows the new leader, nothing lost, duplicates only of reported records', async () => {
    // Prepare
    const { t, records } = await prepareTopics('failover-out', 1_000, REST_V2, REPLICATED);
    const config = modules.config.loadConfig(clusterEnv(t, { SAFETY_MARGIN_MS: '3000' }));
    const kafka = new modules.publisher.KafkaPublisher({ brokers: CLUSTER_BROKERS, kafka: config.kafka });
    const { lines, mark } = timeline();
    const { before, leader: victim } = await leadership([t.input, t.output, t.errors], t.output, 0);
    let failover: ReturnType<typeof killAndFollow> | undefined;
    let publishes = 0;
    const publisher: Publisher = {
      publish: async (out, deadline) => {
        const n = ++publishes;
        const sending = kafka.publish(out, deadline);
        if (n === 2) {
          // 2 ms in: the produce request is on its way to the leader when it dies.
          await sleep(2);
          failover = killAndFollow(victim, t.output, 0, before, mark);
        }
        try {
          await sending;
          mark(`publish ${n} of ${out.length} records acknowledged`);
        } catch (error) {
          mark(`publish ${n} failed: ${(error as Error).message}`);
          throw error;
        }
      },
      close: () => kafka.close(),
    };
    const stream = await modules.stream.createBatchHandler(config, { publisher });
    closers.push(() => stream.close());

    try {
      // Act
      const started = Date.now();
      const run = await driveLambda({
        topic: t.input,
        records,
        handler: (event, context) => stream.handle(event, context),
        batchSize: 250,
        timeoutMs: 12_000,
        maxRounds: 20,
      });
      mark(`every record committed after ${seconds(started)}`);
      expect(failover, 'the second publish killed the leader').toBeDefined();
      const { successor, moved } = await failover!;

      // Assess
      console.log(`[failover] output leader killed:\n  ${lines.join('\n  ')}`);
      expect(successor).not.toBe(victim);
      expect(moved.map(([p]) => p)).toContain(`${t.output}/0`);
      // Whether the publish in flight fails (its records reported) or rides out the failover before
      // its deadline depends on timing: both happen, and both must balance.
      expect(run.invocations.every((i) => i.result === 'returned' && i.ms < 12_000)).toBe(true);
      // Read back until every record is visible, up to 30 s: the books are read up to each
      // partition's high watermark, which the new leader advances only once the surviving follower
      // has fetched what it acknowledged; read at once, acknowledged records looked lost.
      const books = await settle('output leader killed mid-publish', run, t, 30_000);
      console.log(`[failover] output records all visible after ${books.visibleAfterMs} ms`);
      console.log(`[failover] output leader killed: ${books.duplicates.length} duplicates`);
    } finally {
      await failover?.catch(() => undefined);
    }
  });

  it('leader of the input topic killed while the local poller reads: the consumer follows it, nothing lost, duplicates only of records delivered again', async () => {
    // Prepare
    const { t, records } = await prepareTopics('failover-in', 1_500, REST_V2, REPLICATED);
    const config = modules.config.loadConfig(clusterEnv(t, { SAFETY_MARGIN_MS: '3000' }));
    const stream = await modules.stream.createBatchHandler(config);
    closers.push(() => stream.close());
    const groupId = `failover-${t.input}`;
    const reports: InvocationReport[] = [];
    const pollerLog: string[] = [];
    const poller = new Poller({
      brokers: CLUSTER_BROKERS,
      topic: t.input,
      groupId,
      handler: (event, context) => stream.handle(event, context),
      batching: { batchSize: 100, windowMs: 200 },
      function: { timeoutMs: 10_000 },
      retryDelayMs: 200,
      redeliveryDelayMs: 200,
      progressIntervalMs: false,
      log: (line) => pollerLog.push(line),
      onInvocation: (r) => reports.push(r),
    });
    closers.push(() => poller.stop());
    const committed = async () => {
      const [offsets] = await (await admin()).fetchOffsets({ groupId, topics: [t.input] });
      return new Map(offsets!.partitions.map((p) => [p.partition, Number(p.offset)]));
    };
    const { lines, mark } = timeline();

    // Act
    const started = Date.now();
    let books: Awaited<ReturnType<typeof settle>> | undefined;
    try {
      await poller.start();
      await waitFor('a third of the records', () => poller.stats.recordsDone >= records.length / 3, 120_000);
      mark(`${poller.stats.recordsDone} records done`);
      const { before, leader: victim } = await leadership([t.input, t.output, t.errors], t.input, 0);
      const { successor, moved } = await killAndFollow(victim, t.input, 0, before, mark);
      await waitFor(
        'every offset committed',
        async () => pollerRun(records, reports, await committed().catch(() => new Map())).done,
        180_000,
      );
      mark(`every offset committed after ${seconds(started)}`);
      await poller.stop();

      // Assess
      expect(successor).not.toBe(victim);
      expect(moved.map(([p]) => p)).toContain(`${t.input}/0`);
      // The handler never throws here (a failed publish is a partial batch response), so no
      // invocation may count as failed: a broker's death is the consumer's to ride out.
      expect(poller.stats.errors).toBe(0);
      books = await settle(
        'input leader killed while polling',
        pollerRun(records, reports, await committed()),
        t,
        30_000, // the killed node led output partitions too: see the test above
      );
    } finally {
      const offsets = await committed().then(
        (m) => JSON.stringify(Object.fromEntries(m)),
        (error: Error) => error.message,
      );
      console.log(
        `[failover] input leader killed:\n  ${lines.join('\n  ')}\n` +
          `  poller: ${JSON.stringify(poller.stats)}, committed ${offsets}` +
          `${books ? `, ${books.duplicates.length} duplicates` : ''}; its log:\n    ${counted(pollerLog).join('\n    ')}`,
      );
      await poller.stop();
      if (books === undefined) console.log(describeRun(pollerRun(records, reports, new Map())));
    }
  });
});
