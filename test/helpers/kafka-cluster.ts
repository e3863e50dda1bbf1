/**
 * The private three-node KRaft cluster of the failover tests (`scripts/services/kafka-cluster.sh`,
 * ports 39092-39094): the test file that uses it starts it, kills its nodes and stops it; the shared
 * broker on 9092 is never touched.
 *
 * ```ts
 * await startCluster();
 * await useBrokers(CLUSTER_BROKERS);
 * const before = (await leaders(admin, [topic])).get(`${topic}/0`)!;
 * killNode(before);                                   // SIGKILL: no controlled shutdown
 * const after = await waitForNewLeader(admin, topic, 0, before, 30_000);
 * await startCluster();                               // starts the killed node again
 * await stopCluster();                                // SIGKILL all, data deleted
 * ```
 */
import { readFileSync } from 'node:fs';
import type { Admin } from 'kafkajs';
import type { TopicOptions } from './kafka-topics.js';
import { repoRoot } from './models.js';
import { runScript } from './services.js';

const SCRIPT = 'scripts/services/kafka-cluster.sh';

/** The script's first client port (`KAFKA_CLUSTER_PORT`); node n listens on it + n - 1. */
const FIRST_PORT = Number(process.env['KAFKA_CLUSTER_PORT'] ?? 39092);

/** Node ids, which are also the broker ids the metadata names as leaders. */
export const CLUSTER_NODES = [1, 2, 3] as const;

export const CLUSTER_BROKERS: readonly string[] = CLUSTER_NODES.map((n) => `127.0.0.1:${FIRST_PORT + n - 1}`);

/** Topics of the failover tests: three replicas, two of which must acknowledge every write. */
export const REPLICATED: TopicOptions = { replicationFactor: 3, config: { 'min.insync.replicas': '2' } };

/**
 * Starts every node that is not running (formatting them on first use) and resolves once all three
 * brokers are registered and unfenced; resolves with the script's output.
 */
export const startCluster = (): Promise<string> => runScript(SCRIPT, ['up']);

/** Kills every node and deletes the cluster's data: the next start is a fresh cluster. */
export const stopCluster = (): Promise<string> => runScript(SCRIPT, ['down', '--purge']);

/** The pid of a node started by the script. */
export const nodePid = (node: number): number => {
  const pid = Number(readFileSync(`${repoRoot}.cache/kafka-cluster/node-${node}/kafka.pid`, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) throw new Error(`no pid for node ${node} of the cluster`);
  return pid;
};

/** SIGKILL: the node dies at once, without a controlled shutdown, its sockets reset. */
export const killNode = (node: number): void => {
  process.kill(nodePid(node), 'SIGKILL');
};

/** The leader of each partition of the topics, keyed `topic/partition` (-1: none). */
export const leaders = async (admin: Admin, topics: readonly string[]): Promise<Map<string, number>> => {
  const { topics: metadata } = await admin.fetchTopicMetadata({ topics: [...topics] });
  return new Map(
    metadata.flatMap((t) => t.partitions.map((p) => [`${t.name}/${p.partitionId}`, p.leader] as const)),
  );
};

/** The leader of one partition. */
const leaderOf = async (admin: Admin, topic: string, partition: number): Promise<number> => {
  const leader = (await leaders(admin, [topic])).get(`${topic}/${partition}`);
  if (leader === undefined || leader < 0) throw new Error(`no leader for ${topic}/${partition}`);
  return leader;
};

/**
 * Polls the metadata until the partition is led by another node than `old`; resolves with that node.
 * Metadata requests to the dead node fail and are retried on the others.
 */
export const waitForNewLeader = async (
  admin: Admin,
  topic: string,
  partition: number,
  old: number,
  timeoutMs: number,
): Promise<number> => {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const leader = await leaderOf(admin, topic, partition).catch(() => -1);
    if (leader >= 0 && leader !== old) return leader;
    if (Date.now() > deadline)
      throw new Error(`${topic}/${partition} still led by ${old} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
};
