import type { Context } from 'aws-lambda';
import { type Config, loadConfig } from '../../functions/stream-inference/config.js';
import type { LambdaKafkaEvent, LambdaKafkaRecord } from '../../functions/stream-inference/inbound/event.js';
import { lambdaContext as localContext } from '../../scripts/local/context.js';
import { buildEvent, type EventShape, type SourceRecord, toLambdaRecord } from '../../scripts/local/event.js';

export interface RecordSpec {
  topic?: string;
  partition?: number;
  offset: number;
  key?: string | null;
  value?: string | Buffer | null;
  headers?: Record<string, string>;
}

/** A record of a test, before Lambda's encoding. */
const sourceRecord = (spec: RecordSpec): SourceRecord => {
  const value = spec.value === undefined ? '{}' : spec.value;
  return {
    topic: spec.topic ?? 'in',
    partition: spec.partition ?? 0,
    offset: spec.offset,
    timestamp: 1_700_000_000_000 + spec.offset,
    key: spec.key === null || spec.key === undefined ? null : Buffer.from(spec.key),
    value: value === null ? null : Buffer.from(value),
    headers: Object.entries(spec.headers ?? {}).map(([name, v]) => [name, Buffer.from(v)] as const),
  };
};

/** A record in Lambda's wire shape: base64 key and value, headers as byte arrays. */
export const lambdaRecord = (spec: RecordSpec): LambdaKafkaRecord => toLambdaRecord(sourceRecord(spec));

/** The cluster ARN of `mskEvent`'s events. */
export const TEST_CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/demo/abcd1234-ab12-cd34-ef56-abcdef123456-1';

/**
 * An MSK (`aws:kafka`) or self-managed event, built as `npm run event` builds one (scripts/local/event.ts).
 *
 * @example
 * const event = mskEvent([{ offset: 0, value: '{"data":{"ndarray":[[1,2,3,4]]}}' }]);
 */
export const mskEvent = (records: readonly RecordSpec[], shape: EventShape = 'msk'): LambdaKafkaEvent =>
  buildEvent(records.map(sourceRecord), {
    shape,
    bootstrapServers: '127.0.0.1:9092',
    eventSourceArn: TEST_CLUSTER_ARN,
  });

/** A Lambda context with a fixed time budget (scripts/local/context.ts, as the local runner's). */
export const lambdaContext = (remainingMs = 60_000): Context => localContext({ timeoutMs: remainingMs });

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
