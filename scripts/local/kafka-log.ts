/**
 * kafkajs' log for the local tools: one readable line per entry, without the broker's first-use
 * retries. On a new broker the group coordinator and the leaders of new topics take a moment to
 * exist, and kafkajs logs each refused request at ERROR ("Response GroupCoordinator(key: 10,
 * version: 2)") before retrying it, or crashes the consumer on it and restarts it ("Crash:
 * KafkaJSProtocolError: The coordinator is loading…", "Restarting the consumer in 300ms"). The
 * retry succeeds; a request that keeps failing rejects the call that made it, which the tool
 * reports itself.
 */
import type { LogEntry, logCreator } from 'kafkajs';

/**
 * The broker errors kafkajs retries while a coordinator loads or a leader is elected, by their
 * messages in kafkajs' error table (the `error` field of its "Response …" entries).
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/protocol/error.js
 */
export const FIRST_USE_RETRIES = {
  LEADER_NOT_AVAILABLE:
    'There is no leader for this topic-partition as we are in the middle of a leadership election',
  GROUP_LOAD_IN_PROGRESS: "The coordinator is loading and hence can't process requests for this group",
  GROUP_COORDINATOR_NOT_AVAILABLE: 'The group coordinator is not available',
  NOT_COORDINATOR_FOR_GROUP: 'This is not the correct coordinator for this group',
} as const;

const firstUseMessages = new Set<string>(Object.values(FIRST_USE_RETRIES));

const CRASH = /^Crash: \w+: /;
const RESTART = /^Restarting the consumer in /;

/**
 * Whether an entry is kafkajs refusing a request (its `error` field), or a consumer crashing (its
 * message `Crash: <error name>: <error message>`), for one of the reasons it retries on a new broker.
 *
 * @example
 * isFirstUseRetry({ namespace: 'Connection', level: 1, label: 'ERROR', log: {
 *   timestamp, message: 'Response GroupCoordinator(key: 10, version: 2)',
 *   error: 'The group coordinator is not available' } }); // true
 */
export const isFirstUseRetry = ({ log }: LogEntry): boolean => {
  const reason = typeof log['error'] === 'string' ? log['error'] : log.message.replace(CRASH, '');
  return firstUseMessages.has(reason);
};

/**
 * `kafkajs <namespace>: <message>: <error>`, the line a local tool prints for an entry.
 *
 * @example
 * formatKafkaLog(entry); // 'kafkajs Connection: Connection error: connect ECONNREFUSED 127.0.0.1:9092'
 */
export const formatKafkaLog = ({ namespace, log }: LogEntry): string => {
  const error = typeof log['error'] === 'string' ? `: ${log['error']}` : '';
  return `kafkajs ${namespace || 'client'}: ${log.message}${error}`;
};

/**
 * A kafkajs `logCreator` that prints each entry as one line through `write`, except the first-use
 * retries above and the restart of a consumer that crashed on one.
 *
 * @example
 * new Kafka({ brokers, logLevel: logLevel.ERROR, logCreator: localKafkaLog((line) => console.error(line)) });
 */
export const localKafkaLog =
  (write: (line: string) => void): logCreator =>
  () => {
    const quietRestarts = new Set<unknown>();
    return (entry) => {
      const { message, groupId } = entry.log;
      if (isFirstUseRetry(entry)) {
        if (CRASH.test(message)) quietRestarts.add(groupId);
      } else if (!(RESTART.test(message) && quietRestarts.delete(groupId))) {
        write(formatKafkaLog(entry));
      }
    };
  };
