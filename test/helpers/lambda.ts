import type { Context } from 'aws-lambda';
import { vi } from 'vitest';
import type { KafkaBatchResponse } from '../../functions/stream-inference/batch/outcomes.js';
import type { LambdaKafkaEvent } from '../../functions/stream-inference/inbound/event.js';
import { lambdaContext } from '../../scripts/local/context.js';
import { buildEvent, type EventShape } from '../../scripts/local/event.js';
import { LOCAL_ENV_DEFAULTS, loadHandler as loadLocalHandler } from '../../scripts/local/handler.js';
import type { KafkaRecord } from './kafka-records.js';

export const CLUSTER_ARN =
  'arn:aws:kafka:us-east-1:123456789012:cluster/local/11111111-2222-3333-4444-555555555555-1';

/**
 * Turns records read from a real topic into the exact event Lambda's Kafka event source mapping
 * sends, with the builder `npm run event` uses (scripts/local/event.ts).
 */
export const eventFromRecords = (
  records: readonly KafkaRecord[],
  shape: EventShape,
  bootstrapServers = '127.0.0.1:9092',
): LambdaKafkaEvent =>
  buildEvent(
    records.map((r) => ({
      ...r,
      headers: Object.entries(r.headers).flatMap(([name, v]) =>
        (Array.isArray(v) ? v : [v]).map((bytes) => [name, bytes] as const),
      ),
    })),
    { shape, bootstrapServers, eventSourceArn: CLUSTER_ARN },
  );

/** A Lambda context as the runtime passes it, with a real countdown (scripts/local/context.ts). */
export const fakeContext = (timeoutMs = 60_000): Context =>
  lambdaContext({ functionName: 'msk-inference-test', timeoutMs });

export interface LoadedHandler {
  handler: (event: unknown, context: Context) => Promise<KafkaBatchResponse>;
  shutdown: () => Promise<void>;
}

/**
 * Imports the real handler module afresh with `env` as its Lambda environment, as a cold start
 * would: the module reads and validates its configuration at import.
 */
export const loadHandler = async (env: Record<string, string>): Promise<LoadedHandler> => {
  // Stubbed rather than set: the environment stays for the rest of the test, as a function's does for
  // its lifetime (the AWS SDK reads region and credentials at first use), and vitest restores it
  // after each test (unstubEnvs). The local runner's loader then imports the module afresh.
  for (const [k, v] of Object.entries({ ...LOCAL_ENV_DEFAULTS, ...env })) {
    if (k in env || process.env[k] === undefined) vi.stubEnv(k, v);
  }
  vi.resetModules();
  return (await loadLocalHandler({})) as unknown as LoadedHandler;
};
