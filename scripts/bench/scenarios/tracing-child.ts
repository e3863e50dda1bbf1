/**
 * The tracing scenario's measurement, run by scenarios/tracing.ts in a child node process from a
 * bundle made with the construct's esbuild options. One handler (the real KafkaPublisher and
 * HttpTransport) on three variants of one batch, taking turns: records without `traceparent`
 * (no span: tracing off), the same records with one (a non-recording span each: no SDK), and those
 * again under a registered OpenTelemetry SDK (recorded spans, batched to an exporter that drops
 * them, as the ADOT layer batches them to its collector). Takes a JSON file (see TracingJob); prints
 * `BENCH {"off": [...], "on": [...], "sdk": [...]}`, records/s of each timed run.
 */
import { readFileSync } from 'node:fs';
import { trace } from '@opentelemetry/api';
import { ExportResultCode } from '@opentelemetry/core';
import { BatchSpanProcessor, type SpanExporter, TracerProvider } from '@opentelemetry/sdk-trace';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { lambdaContext } from '../../local/context.js';
import { interleave, perSecond } from '../stats.js';

export interface TracingJob {
  /** The handler's environment (the instant model as MODEL_ENDPOINT; TRACING left off). */
  readonly env: Record<string, string>;
  /** The batch without trace headers. */
  readonly plainEventFile: string;
  /** The same batch, each record with its own `traceparent`. */
  readonly tracedEventFile: string;
  readonly records: number;
  readonly warmup: number;
  readonly runs: number;
}

const job = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as TracingJob;
const plain = JSON.parse(readFileSync(job.plainEventFile, 'utf8')) as unknown;
const traced = JSON.parse(readFileSync(job.tracedEventFile, 'utf8')) as unknown;
const stream = await createBatchHandler(loadConfig(job.env));

/** Drops every span: the cost measured is the SDK's, not an exporter's network. */
const dropAll: SpanExporter = {
  export: (_spans, done) => done({ code: ExportResultCode.SUCCESS }),
  shutdown: async () => {},
};
const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: dropAll })] });

const run = async (event: unknown): Promise<number> => {
  const started = performance.now();
  const response = await stream.handle(event, lambdaContext({ timeoutMs: 60_000 }));
  const ms = performance.now() - started;
  if (response.batchItemFailures.length > 0) throw new Error('the handler left records unfinished');
  return perSecond(job.records, ms);
};

const withSdk = async (): Promise<number> => {
  trace.setGlobalTracerProvider(provider);
  try {
    return await run(traced);
  } finally {
    await provider.forceFlush();
    trace.disable();
  }
};

const results = await interleave(
  [
    { name: 'off', run: () => run(plain) },
    { name: 'on', run: () => run(traced) },
    { name: 'sdk', run: withSdk },
  ],
  { warmup: job.warmup, runs: job.runs },
);
const runsOf = (name: string) => results.get(name)!.runs;
process.stdout.write(
  `BENCH ${JSON.stringify({ off: runsOf('off'), on: runsOf('on'), sdk: runsOf('sdk') })}\n`,
);
await provider.shutdown();
await stream.close();
process.exit(0);
