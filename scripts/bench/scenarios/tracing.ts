/**
 * Tracing's cost: scenario 1's setup (one batch of 1,000 small records, a model that answers at
 * once, the local broker) with the records untraced, traced without an SDK (non-recording spans),
 * and traced under a registered OpenTelemetry SDK, in one child process bundled as Lambda runs the
 * handler (scenarios/tracing-child.ts), taking turns.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvent } from '../../local/event.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundle, localTarget } from '../bundle.js';
import { startTsChild, track } from '../children.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import { irisBatch } from '../records.js';
import type { ScenarioResult } from '../results.js';
import { ratioSeries, series } from '../stats.js';
import type { TracingJob } from './tracing-child.js';

const RECORDS = 1_000;
const PARTITIONS = 4;

/** A sampled `traceparent` of a trace of its own, as an instrumented producer would write. */
const traceparent = (): string =>
  `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;

/** Scenario 1's result shape, under this scenario's id (not yet one of SCENARIOS). */

export const tracingScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const dir = join(ctx.dir, 'tracing');
  const child = await bundle('scripts/bench/scenarios/tracing-child.ts', dir, localTarget('rest'), 'child');
  const model = startTsChild(new URL('../instant-model-server.ts', import.meta.url));
  try {
    const { port } = (await model.ready) as { port: number };
    const [input, output, errors] = await kafka.topics(
      ['tracing-in', 'tracing-out', 'tracing-errors'],
      PARTITIONS,
    );
    const topics = { input: input!, output: output!, errors: errors! };
    const records = irisBatch(topics.input, 'tracing', RECORDS, PARTITIONS);
    const tracedRecords = records.map((r) => ({
      ...r,
      headers: [...r.headers, ['traceparent', Buffer.from(traceparent())] as const],
    }));
    const options = { shape: 'msk', bootstrapServers: kafka.brokers.join(',') } as const;
    const plainEventFile = join(dir, 'event-plain.json');
    const tracedEventFile = join(dir, 'event-traced.json');
    writeFileSync(plainEventFile, JSON.stringify(buildEvent(records, options)));
    writeFileSync(tracedEventFile, JSON.stringify(buildEvent(tracedRecords, options)));
    const job: TracingJob = {
      env: {
        ...localHandlerEnv('v2', 'rest', topics, kafka.brokers.join(',')),
        MODEL_ENDPOINT: `http://127.0.0.1:${port}`,
        MODEL_CONCURRENCY: String(CONCURRENCY),
      },
      plainEventFile,
      tracedEventFile,
      records: RECORDS,
      warmup: 2,
      runs: ctx.quick ? 5 : 15,
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));

    const run = track(
      spawn(process.execPath, [child.file, jobFile], {
        env: { PATH: process.env['PATH'], POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      false,
    );
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    const line = run.lines.find((l) => l.startsWith('BENCH '));
    if (code !== 0 || line === undefined) throw new Error(`the tracing run failed (exit ${code})`);
    const runs = JSON.parse(line.slice('BENCH '.length)) as { off: number[]; on: number[]; sdk: number[] };
    const off = series(runs.off);
    const on = series(runs.on);
    const sdk = series(runs.sdk);
    return {
      id: 'tracing',
      title: 'Tracing cost (instant model)',
      setup:
        `scenario 1's batch (${RECORDS} V2 REST records, ${PARTITIONS} partitions, instant model, ` +
        `MODEL_CONCURRENCY ${CONCURRENCY}, the local broker) without traceparent, with one per record ` +
        '(no SDK: non-recording spans), and with one under an OpenTelemetry SDK (BatchSpanProcessor, ' +
        "spans dropped); one handler, bundled with the construct's esbuild options, taking turns",
      figures: [
        { label: 'untraced (no traceparent, TRACING off)', unit: 'records/s', series: off },
        { label: 'traced, no SDK (nothing recorded)', unit: 'records/s', series: on },
        { label: 'traced, SDK registered (spans recorded)', unit: 'records/s', series: sdk },
      ],
      goals: [],
      ratios: [
        { label: 'traced without SDK / untraced', series: ratioSeries(on, off) },
        { label: 'traced with SDK / untraced', series: ratioSeries(sdk, off) },
      ],
      notes: [],
      charts: [],
    };
  } finally {
    await model.stop();
  }
};
