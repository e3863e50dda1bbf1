import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { KafkaBatchResponse } from '../../functions/stream-inference/batch/outcomes.js';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';
import type { KafkaRecord } from './kafka.js';

export const CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/local/11111111-2222-3333-4444-555555555555-1';

/**
 * Turns records read from a real topic into the exact event Lambda's Kafka event source mapping
 * sends: records grouped by `<topic>-<partition>`, base64 key and value, headers as byte arrays.
 */
export const eventFromRecords = (
  records: readonly KafkaRecord[],
  shape: 'msk' | 'self-managed',
  bootstrapServers = '127.0.0.1:9092',
): LambdaKafkaEvent => {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const r of records) {
    const id = `${r.topic}-${r.partition}`;
    const headers = Object.entries(r.headers).flatMap(([name, v]) =>
      (Array.isArray(v) ? v : [v]).map((bytes) => ({ [name]: [...bytes] })),
    );
    const list = grouped[id] ?? [];
    grouped[id] = list;
    list.push({
      topic: r.topic,
      partition: r.partition,
      offset: r.offset,
      timestamp: r.timestamp,
      timestampType: 'CREATE_TIME',
      ...(r.key === null ? {} : { key: r.key.toString('base64') }),
      ...(r.value === null ? {} : { value: r.value.toString('base64') }),
      headers,
    });
  }
  return shape === 'msk'
    ? { eventSource: 'aws:kafka', eventSourceArn: CLUSTER_ARN, bootstrapServers, records: grouped }
    : { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
};

/** A Lambda context as the runtime passes it, with a real countdown. */
export const fakeContext = (timeoutMs = 60_000): Context => {
  const end = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'msk-inference-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:msk-inference-test',
    memoryLimitInMB: '1024',
    awsRequestId: `req-${Math.random().toString(16).slice(2)}`,
    logGroupName: '/aws/lambda/msk-inference-test',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, end - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
};

export interface LoadedHandler {
  handler: (event: unknown, context: Context) => Promise<KafkaBatchResponse>;
  shutdown: () => Promise<void>;
}

/**
 * Imports the real handler module afresh with `env` as its Lambda environment, as a cold start
 * would: the module reads and validates its configuration at import.
 */
export const loadHandler = async (env: Record<string, string>): Promise<LoadedHandler> => {
  for (const [k, v] of Object.entries(env)) vi.stubEnv(k, v);
  vi.stubEnv('POWERTOOLS_METRICS_DISABLED', 'true');
  vi.stubEnv('POWERTOOLS_LOG_LEVEL', process.env['POWERTOOLS_LOG_LEVEL'] ?? 'WARN');
  vi.resetModules();
  // The environment stays for the rest of the test, as a function's does for its lifetime (the AWS
  // SDK reads region and credentials at first use); vitest restores it after each test (unstubEnvs).
  return (await import('../../functions/stream-inference/index.js')) as unknown as LoadedHandler;
};
