/**
 * What a read_committed reader sees, read with Kafka's own Java consumer (the kafka-clients jar that
 * `scripts/services/kafka.sh` fetched, run by `java/ReadCommitted.java`): the reference the
 * exactly-once tests check against.
 *
 * Not kafkajs: its read_committed consumer (2.2.4) drops a fetch's aborted transactions in the order
 * the broker lists them, and a broker lists them by where they ended; when a producer's aborted
 * records come before those of another producer's transaction that was aborted earlier, kafkajs
 * returns them (seen in exactly-once-freeze.test.ts: 125 records of an aborted transaction, none of which
 * the Java consumer returned). The Java consumer orders them by first offset.
 *
 * ```ts
 * const [outputs, errors] = await readCommitted(broker.brokers, [t.output, t.errors]);
 * ```
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/consumer/filterAbortedMessages.js
 * @see https://github.com/apache/kafka/blob/trunk/clients/src/main/java/org/apache/kafka/clients/consumer/internals/CompletedFetch.java (`abortedTransactions`, a PriorityQueue by first offset)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { KafkaRecord } from './kafka-records.js';
import { repoRoot } from './models.js';

const run = promisify(execFile);

interface Line {
  topic: string;
  partition: number;
  offset: number;
  timestamp: number;
  key: string | null;
  value: string | null;
  headers: Array<[string, string | null]>;
}

const bytes = (b64: string | null): Buffer | null => (b64 === null ? null : Buffer.from(b64, 'base64'));

const toRecord = (line: Line): KafkaRecord => {
  const headers = Object.create(null) as Record<string, Buffer | Buffer[]>;
  for (const [name64, value64] of line.headers) {
    const name = Buffer.from(name64, 'base64').toString('utf8');
    const value = bytes(value64) ?? Buffer.alloc(0);
    const seen = headers[name];
    headers[name] = seen === undefined ? value : [...(Array.isArray(seen) ? seen : [seen]), value];
  }
  return {
    topic: line.topic,
    partition: line.partition,
    offset: line.offset,
    key: bytes(line.key),
    value: bytes(line.value),
    headers,
    timestamp: line.timestamp,
  };
};

/**
 * Each topic's records up to its last stable offset, read_committed, sorted by partition and offset.
 *
 * @example
 * const [outputs] = await readCommitted(['127.0.0.1:9092'], ['iris-output']);
 */
export const readCommitted = async (
  brokers: readonly string[],
  topics: readonly string[],
  timeoutMs = 60_000,
): Promise<KafkaRecord[][]> => {
  const { stdout } = await run(
    'java',
    [
      '-Xmx128m',
      '-cp',
      `${repoRoot}.cache/kafka/lib/*`,
      `${repoRoot}test/helpers/java/ReadCommitted.java`,
      brokers.join(','),
      String(timeoutMs),
      ...topics,
    ],
    { maxBuffer: 256 * 1024 * 1024, timeout: timeoutMs + 30_000 },
  );
  const records = stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => toRecord(JSON.parse(l) as Line));
  return topics.map((topic) =>
    records.filter((r) => r.topic === topic).sort((x, y) => x.partition - y.partition || x.offset - y.offset),
  );
};
