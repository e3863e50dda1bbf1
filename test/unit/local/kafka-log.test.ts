/**
 * The local tools' kafkajs log: a new broker's retried refusals are dropped, anything else is one line.
 * The broker errors are kafkajs' own: its error table (src/protocol/error.js, read from the installed
 * package) is the fixture, and the entries have the fields kafkajs logs: its Connection on an error
 * response (src/network/connection.js: `Response <api>(key, version)` with `error`, `correlationId`,
 * `size`), its Consumer on a crash and the restart that follows (src/consumer/index.js: `Crash:
 * <name>: <message>` with `groupId`, `retryCount`, `stack`; `Restarting the consumer in <n>ms`).
 */
import { createRequire } from 'node:module';
import { type LogEntry, logLevel } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { FIRST_USE_RETRIES, localKafkaLog } from '../../../scripts/local/kafka-log.js';

interface KafkaJsErrorCode {
  readonly type: string;
  readonly code: number;
  readonly retriable: boolean;
  readonly message: string;
}

const { errorCodes } = createRequire(import.meta.url)('kafkajs/src/protocol/error.js') as {
  errorCodes: readonly KafkaJsErrorCode[];
};
const kafkajsError = (type: string): KafkaJsErrorCode => {
  const found = errorCodes.find((e) => e.type === type);
  if (found === undefined) throw new Error(`kafkajs has no error type ${type}`);
  return found;
};

const responseError = (api: string, error: string): LogEntry => ({
  namespace: 'Connection',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: {
    timestamp: '2026-12-02T03:28:33.838Z',
    logger: 'kafkajs',
    message: `Response ${api}`,
    broker: '127.0.0.1:9092',
    clientId: 'msk-inference-local-poller',
    error,
    correlationId: 3,
    size: 20,
  },
});

const consumerEntry = (message: string, fields: Record<string, unknown>): LogEntry => ({
  namespace: 'Consumer',
  level: logLevel.ERROR,
  label: 'ERROR',
  log: { timestamp: '2026-12-02T04:11:35.155Z', logger: 'kafkajs', message, ...fields },
});

const crashThenRestart = (type: string): LogEntry[] => [
  consumerEntry(`Crash: KafkaJSProtocolError: ${kafkajsError(type).message}`, {
    groupId: 'msk-inference-local-demo-v2-rest-input',
    retryCount: 0,
    stack: 'KafkaJSProtocolError: …',
  }),
  consumerEntry('Restarting the consumer in 300ms', {
    retryCount: 0,
    retryTime: 300,
    groupId: 'msk-inference-local-demo-v2-rest-input',
  }),
];

const logged = (...entries: LogEntry[]): string[] => {
  const lines: string[] = [];
  const log = localKafkaLog((line) => lines.push(line))(logLevel.ERROR);
  for (const entry of entries) log(entry);
  return lines;
};

describe('localKafkaLog', () => {
  it.each(Object.keys(FIRST_USE_RETRIES))('names %s as kafkajs does, a retriable error', (type) => {
    // Act
    const theirs = kafkajsError(type);

    // Assess
    expect(FIRST_USE_RETRIES[type as keyof typeof FIRST_USE_RETRIES]).toBe(theirs.message);
    expect(theirs.retriable).toBe(true);
  });

  it('drops the group coordinator refusals of a new broker', () => {
    // Prepare
    const entry = responseError(
      'GroupCoordinator(key: 10, version: 2)',
      kafkajsError('GROUP_COORDINATOR_NOT_AVAILABLE').message,
    );

    // Act
    const lines = logged(entry);

    // Assess
    expect(lines).toEqual([]);
  });

  it('drops a coordinator that is still loading', () => {
    // Prepare
    const entry = responseError(
      'InitProducerId(key: 22, version: 1)',
      kafkajsError('GROUP_LOAD_IN_PROGRESS').message,
    );

    // Act
    const lines = logged(entry);

    // Assess
    expect(lines).toEqual([]);
  });

  it('drops a consumer crash on a loading coordinator and the restart that follows it', () => {
    // Prepare
    const entries = crashThenRestart('GROUP_LOAD_IN_PROGRESS');

    // Act
    const lines = logged(...entries);

    // Assess
    expect(lines).toEqual([]);
  });

  it('prints a consumer crash for another reason, and its restart', () => {
    // Prepare
    const entries = crashThenRestart('REBALANCE_IN_PROGRESS');

    // Act
    const lines = logged(...entries);

    // Assess
    expect(lines).toEqual([
      `kafkajs Consumer: Crash: KafkaJSProtocolError: ${kafkajsError('REBALANCE_IN_PROGRESS').message}`,
      'kafkajs Consumer: Restarting the consumer in 300ms',
    ]);
  });

  it('prints any other refusal as one line with its reason', () => {
    // Prepare
    const reason = kafkajsError('TOPIC_AUTHORIZATION_FAILED').message;
    const entry = responseError('Produce(key: 0, version: 7)', reason);

    // Act
    const lines = logged(entry);

    // Assess
    expect(lines).toEqual([`kafkajs Connection: Response Produce(key: 0, version: 7): ${reason}`]);
  });

  it('prints an entry without an error field as its message', () => {
    // Prepare
    const entry = consumerEntry('Stopped', { groupId: 'msk-inference-local-demo-v2-rest-input' });

    // Act
    const lines = logged(entry);

    // Assess
    expect(lines).toEqual(['kafkajs Consumer: Stopped']);
  });
});
