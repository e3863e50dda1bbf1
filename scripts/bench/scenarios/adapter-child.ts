/**
 * One side of scenario 1, run by scenarios/adapter.ts in its own node process from a bundle made
 * with the construct's esbuild options, so that it runs as compiled for Lambda and alone in its
 * process, as the handler is on Lambda (two sides in one process slow each other through the JIT
 * and the heap they share). The parent alternates the two processes run by run.
 *
 * Usage: node child.mjs <job.json> handler|limit. Prints `READY` once set up, then for every line
 * `run` on stdin handles the batch once and prints `RUN <records/s>`; ends at `exit` or stdin's end.
 */
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { CompressionTypes, Kafka, logLevel, type Message, Partitioners } from 'kafkajs';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { decodeEvent, sourceOf } from '../../../functions/stream-inference/inbound/event.js';
import { lambdaContext } from '../../local/context.js';
import { directHttp } from '../direct.js';
import { perSecond } from '../stats.js';

export interface AdapterJob {
  /** The handler's environment (the instant model as MODEL_ENDPOINT). */
  readonly env: Record<string, string>;
  /** Where the limit's direct client posts: the same model and path. */
  readonly modelUrl: string;
  readonly eventFile: string;
}

const [jobFile, role] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile!, 'utf8')) as AdapterJob;
const event = JSON.parse(readFileSync(job.eventFile, 'utf8')) as unknown;
const config = loadConfig(job.env);
// The limit's inputs, taken from the same event outside the timing: what a client would hold.
const records = decodeEvent(event).partitions.flatMap((p) => p.records);

/** The handler: createBatchHandler with the real KafkaPublisher and HttpTransport. */
const handlerSide = async (): Promise<{ run(): Promise<number>; close(): Promise<void> }> => {
  const stream = await createBatchHandler(config);
  return {
    async run() {
      const started = performance.now();
      const response = await stream.handle(event, lambdaContext({ timeoutMs: 60_000 }));
      const ms = performance.now() - started;
      if (response.batchItemFailures.length > 0) throw new Error('the handler left records unfinished');
      return perSecond(records.length, ms);
    },
    close: () => stream.close(),
  };
};

/** The limit: the same calls over an agent set up as HttpTransport's, then one sendBatch. */
const limitSide = async (): Promise<{ run(): Promise<number>; close(): Promise<void> }> => {
  const bodies = records.map((r) => r.value!);
  const http = directHttp(job.modelUrl, config.model.concurrency, config.model.timeoutMs);
  // Set up as KafkaPublisher's producer.
  const producer = new Kafka({
    clientId: 'msk-inference-bench-limit',
    brokers: [...config.kafka.brokers!],
    connectionTimeout: 3_000,
    requestTimeout: 10_000,
    logLevel: logLevel.NOTHING,
  }).producer({
    idempotent: true,
    maxInFlightRequests: 1,
    createPartitioner: Partitioners.DefaultPartitioner,
  });
  await producer.connect();
  return {
    async run() {
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
    },
    async close() {
      http.close();
      await producer.disconnect();
    },
  };
};

const side = role === 'limit' ? await limitSide() : await handlerSide();
process.stdout.write('READY\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() !== 'run') break;
  process.stdout.write(`RUN ${await side.run()}\n`);
}
await side.close();
process.exit(0);
