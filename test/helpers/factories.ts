import { type Config, loadConfig } from '../../functions/stream-inference/config.js';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';

export interface RecordSpec {
  topic?: string;
  partition?: number;
  offset: number;
  key?: string | null;
  value?: string | Buffer | null;
  headers?: Record<string, string>;
}

/** A record in Lambda's wire shape: base64 key and value, headers as byte arrays. */
export const lambdaRecord = (spec: RecordSpec): LambdaKafkaRecord => {
  const value = spec.value === undefined ? '{}' : spec.value;
  return {
    topic: spec.topic ?? 'in',
    partition: spec.partition ?? 0,
    offset: spec.offset,
    timestamp: 1_700_000_000_000 + spec.offset,
    timestampType: 'CREATE_TIME',
    ...(spec.key === null || spec.key === undefined ? {} : { key: Buffer.from(spec.key).toString('base64') }),
    ...(value === null ? {} : { value: Buffer.from(value).toString('base64') }),
    headers: Object.entries(spec.headers ?? {}).map(([name, v]) => ({ [name]: [...Buffer.from(v)] })),
  };
};

/** An MSK (`aws:kafka`) event, records grouped by `<topic>-<partition>` as Lambda does. */
export const mskEvent = (
  records: readonly RecordSpec[],
  shape: 'msk' | 'self-managed' = 'msk',
): LambdaKafkaEvent => {
  const grouped: Record<string, LambdaKafkaRecord[]> = {};
  for (const spec of records) {
    const r = lambdaRecord(spec);
    const id = `${r.topic}-${r.partition}`;
    grouped[id] = [...(grouped[id] ?? []), r];
  }
  return shape === 'msk'
    ? {
        eventSource: 'aws:kafka',
        eventSourceArn:
          'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1',
        bootstrapServers: '127.0.0.1:9092',
        records: grouped,
      }
    : { eventSource: 'SelfManagedKafka', bootstrapServers: '127.0.0.1:9092', records: grouped };
};

/** A Lambda-like context with a fixed time budget. */
export const lambdaContext = (remainingMs = 60_000) => {
  const end = Date.now() + remainingMs;
  return { getRemainingTimeInMillis: () => Math.max(0, end - Date.now()) };
};

/**
 * A stream configuration for tests with fakes: topics `in` → `out` / `err`, the seldon protocol, and
 * retries and safety margin short enough that a test of transient faults ends in milliseconds.
 *
 * @example
 * const stream = await createStream(testConfig({ COALESCE_MAX_RECORDS: '8' }), { transport, publisher });
 */
export const testConfig = (env: Record<string, string> = {}): Config =>
  loadConfig({
    KAFKA_INPUT_TOPIC: 'in',
    KAFKA_OUTPUT_TOPIC: 'out',
    KAFKA_ERROR_TOPIC: 'err',
    MODEL_ENDPOINT: 'http://127.0.0.1:1',
    PROTOCOL: 'seldon',
    RETRY_BASE_MS: '1',
    RETRY_MAX_MS: '5',
    SAFETY_MARGIN_MS: '100',
    ...env,
  });
