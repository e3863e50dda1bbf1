/**
 * Scenario 1, adapter overhead: the handler (createBatchHandler with the real KafkaPublisher and
 * HttpTransport) on one batch of 1,000 small records against a model that answers at once, compared
 * with the limit measured in the same run: the same 1,000 HTTP calls at the same concurrency over an
 * agent set up the same way, then one kafkajs `sendBatch` of the same outputs. Each side runs in its
 * own process, bundled as Lambda runs the handler (scenarios/adapter-child.ts); they take turns, run
 * by run, and each handler run is paired with the limit run next to it.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvent } from '../../local/event.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundle, localTarget } from '../bundle.js';
import { type StartedChild, startTsChild, track } from '../children.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import { irisBatch } from '../records.js';
import type { ScenarioResult } from '../results.js';
import { interleave, ratioSeries, series, type Variant } from '../stats.js';
import type { AdapterJob } from './adapter-child.js';

const RECORDS = 1_000;
const PARTITIONS = 4;

/**
 * Fresh pairs of processes one after the other, each pair measured for several rounds: where the
 * scheduler places two processes on a small machine moves a ratio by several percent, pair to pair.
 */
const plan = (quick: boolean) =>
  quick ? { processPairs: 1, warmup: 4, rounds: 4 } : { processPairs: 3, warmup: 5, rounds: 5 };

/** A side of the comparison in its own process: `run` asks it for one timed run. */
const startSide = async (
  file: string,
  jobFile: string,
  role: 'handler' | 'limit',
): Promise<Variant & StartedChild> => {
  const child = track(
    spawn(process.execPath, [file, jobFile, role], {
      // As the local runner: warnings only, no EMF blobs (answers are read from stdout).
      env: { PATH: process.env['PATH'], POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
    false,
  );
  const next = (): Promise<string> => child.nextLine((l) => l === 'READY' || l.startsWith('RUN '));
  await next();
  return {
    ...child,
    name: role,
    async run() {
      const answer = next();
      child.child.stdin!.write('run\n');
      return Number((await answer).slice('RUN '.length));
    },
  };
};

export const adapterScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const dir = join(ctx.dir, 'adapter');
  const child = await bundle('scripts/bench/scenarios/adapter-child.ts', dir, localTarget('rest'), 'child');
  const model = startTsChild(new URL('../instant-model-server.ts', import.meta.url));
  const sides: StartedChild[] = [];
  const { processPairs, warmup, rounds } = plan(ctx.quick);
  try {
    const { port } = (await model.ready) as { port: number };
    const [input, output, errors] = await kafka.topics(
      ['adapter-in', 'adapter-out', 'adapter-errors'],
      PARTITIONS,
    );
    const topics = { input: input!, output: output!, errors: errors! };

    // One batch as the event source mapping delivers it: 1,000 records over 4 partitions.
    const records = irisBatch(topics.input, 'adapter', RECORDS, PARTITIONS);
    const eventFile = join(dir, 'event.json');
    writeFileSync(
      eventFile,
      JSON.stringify(buildEvent(records, { shape: 'msk', bootstrapServers: kafka.brokers.join(',') })),
    );
    const job: AdapterJob = {
      env: {
        ...localHandlerEnv('v2', 'rest', topics, kafka.brokers.join(',')),
        MODEL_ENDPOINT: `http://127.0.0.1:${port}`,
        MODEL_CONCURRENCY: String(CONCURRENCY),
      },
      modelUrl: `http://127.0.0.1:${port}/v2/models/iris/infer`,
      eventFile,
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));

    const runs = { handler: [] as number[], limit: [] as number[] };
    for (let pair = 0; pair < processPairs; pair++) {
      const handlerSide = await startSide(child.file, jobFile, 'handler');
      const limitSide = await startSide(child.file, jobFile, 'limit');
      sides.push(handlerSide, limitSide);
      const results = await interleave([handlerSide, limitSide], { warmup, runs: rounds });
      runs.handler.push(...results.get('handler')!.runs);
      runs.limit.push(...results.get('limit')!.runs);
      await Promise.all([handlerSide.stop(), limitSide.stop()]);
    }
    const handler = series(runs.handler);
    const limit = series(runs.limit);
    return {
      id: 'adapter',
      title: '1. Adapter overhead (instant model)',
      setup:
        `one batch of ${RECORDS} V2 REST records (${PARTITIONS} partitions), a model answering at once ` +
        `(node:http in a child process), MODEL_CONCURRENCY ${CONCURRENCY}, the local broker; handler and ` +
        `limit each in its own process, bundled with the construct's esbuild options, taking turns run by ` +
        `run: ${processPairs} pair(s) of processes one after the other, each ${warmup} warm-up and ` +
        `${rounds} timed rounds (${processPairs * rounds} pairs)`,
      figures: [
        { label: 'handler (createBatchHandler: HTTP + publish)', unit: 'records/s', series: handler },
        { label: `limit: ${RECORDS} direct HTTP calls + one sendBatch`, unit: 'records/s', series: limit },
      ],
      goals: [{ id: 'adapter', series: ratioSeries(handler, limit) }],
      ratios: [],
      notes: [],
      charts: [],
    };
  } finally {
    for (const side of sides) await side.stop();
    await model.stop();
  }
};
