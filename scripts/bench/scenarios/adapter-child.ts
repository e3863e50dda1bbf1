/**
 * Scenario 1's measurement, run by scenarios/adapter.ts in a child node process from a bundle made
 * with the construct's esbuild options, so that the handler and the limit run as compiled for
 * Lambda (and alike). Takes a JSON file (see AdapterJob); prints `BENCH {"handler": [...], "limit": [...]}`,
 * records/s of each timed run.
 */
import { readFileSync } from 'node:fs';
import { CompressionTypes, Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { decodeEvent, sourceOf } from '../../../functions/stream-inference/inbound/event.js';
import { lambdaContext } from '../../local/context.js';
import { directHttp } from '../direct.js';
import { interleave, perSecond } from '../stats.js';

export interface AdapterJob {
  /** The handler's environment (the instant model as MODEL_ENDPOINT). */
  readonly env: Record<string, string>;
  /** Where the limit's direct client posts: the same model and path. */
  readonly modelUrl: string;
  readonly eventFile: string;
  readonly warmup: number;
  readonly runs: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as AdapterJob;
const event = JSON.parse(readFileSync(job.eventFile, 'utf8')) as unknown;
const config = loadConfig(job.env);
const stream = await createBatchHandler(config);

// The limit's inputs, taken from the same event outside the timing: what a client would hold.
const records = decodeEvent(event).partitions.flatMap((p) => p.records);
const bodies = records.map((r) => r.value!);
const http = directHttp(job.modelUrl, config.model.concurrency);
// Set up as KafkaPublisher's producer.
const producer = new Kafka({
  clientId: 'msk-inference-bench-limit',
  brokers: [...config.kafka.brokers!],
  connectionTimeout: 3_000,
  requestTimeout: 10_000,
  logLevel: logLevel.NOTHING,
}).producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();

const handlerRun = async (): Promise<number> => {
  const started = performance.now();
  const response = await stream.handle(event, lambdaContext({ timeoutMs: 60_000 }));
  const ms = performance.now() - started;
  if (response.batchItemFailures.length > 0) throw new Error('the handler left records unfinished');
  return perSecond(records.length, ms);
};

const limitRun = async (): Promise<number> => {
  const started = performance.now();
  const answers = await http.run(bodies);
  const messages: Message[] = records.map((r, i) => ({
    key: r.key,
    value: answers[i]!,
    headers: {
      ...Object.fromEntries(r.headers.map((h) => [h.name, h.value])),
      'content-type': 'application/json',
      'msk-inference-source': sourceOf(r),
    },
  }));
  await producer.sendBatch({
    topicMessages: [{ topic: config.kafka.outputTopic, messages }],
    acks: -1,
    compression: CompressionTypes.None,
  });
  return perSecond(records.length, performance.now() - started);
};

const results = await interleave(
  [
    { name: 'handler', run: handlerRun },
    { name: 'limit', run: limitRun },
  ],
  { warmup: job.warmup, runs: job.runs },
);
process.stdout.write(
  `BENCH ${JSON.stringify({ handler: results.get('handler')!.runs, limit: results.get('limit')!.runs })}\n`,
);
http.close();
await producer.disconnect();
await stream.close();
process.exit(0);
