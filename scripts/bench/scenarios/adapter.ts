/**
 * Scenario 1, adapter overhead: the handler (createStream with the real KafkaPublisher and
 * HttpTransport) on one batch of 1,000 small records against a model that answers at once, compared
 * with the limit measured in the same run: the same 1,000 HTTP calls at the same concurrency over an
 * agent set up the same way, then one kafkajs `sendBatch` of the same outputs. Both run in a child
 * process bundled as Lambda runs the handler (scenarios/adapter-child.ts), taking turns.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildEvent, type SourceRecord } from '../../local/event.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundle, localTarget } from '../bundle.js';
import { startTsChild, track } from '../children.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import { irisMessages } from '../records.js';
import { ratioGoal, type ScenarioResult } from '../results.js';
import { series } from '../stats.js';
import type { AdapterJob } from './adapter-child.js';

const RECORDS = 1_000;
const PARTITIONS = 4;

export const adapterScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const dir = join(ctx.dir, 'adapter');
  const child = await bundle('scripts/bench/scenarios/adapter-child.ts', dir, localTarget('rest'), 'child');
  const model = startTsChild(new URL('../instant-model-server.ts', import.meta.url));
  try {
    const { port } = (await model.ready) as { port: number };
    const [input, output, errors] = await kafka.topics(
      ['adapter-in', 'adapter-out', 'adapter-errors'],
      PARTITIONS,
    );
    const topics = { input: input!, output: output!, errors: errors! };

    // One batch as the event source mapping delivers it: 1,000 records over 4 partitions.
    const records: SourceRecord[] = irisMessages('rest', 'adapter', RECORDS).map((m, i) => ({
      topic: topics.input,
      partition: i % PARTITIONS,
      offset: Math.floor(i / PARTITIONS),
      timestamp: Date.now(),
      key: Buffer.from(m.key as string),
      value: m.value as Buffer,
      headers: Object.entries(m.headers ?? {}).map(([n, v]) => [n, Buffer.from(v as string)] as const),
    }));
    records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
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
      warmup: 2,
      runs: ctx.quick ? 5 : 15,
    };
    const jobFile = join(dir, 'job.json');
    writeFileSync(jobFile, JSON.stringify(job));

    // As the local runner: warnings only, no EMF blobs (the answer is read from stdout).
    const run = track(
      spawn(process.execPath, [child.file, jobFile], {
        env: { PATH: process.env['PATH'], POWERTOOLS_METRICS_DISABLED: 'true', POWERTOOLS_LOG_LEVEL: 'WARN' },
        stdio: ['ignore', 'pipe', 'inherit'],
      }),
      false,
    );
    const code = await new Promise<number | null>((resolve) => run.child.once('exit', resolve));
    const line = run.lines.find((l) => l.startsWith('BENCH '));
    if (code !== 0 || line === undefined) throw new Error(`the adapter run failed (exit ${code})`);
    const runs = JSON.parse(line.slice('BENCH '.length)) as { handler: number[]; limit: number[] };
    const handler = series(runs.handler);
    const limit = series(runs.limit);
    return {
      id: 'adapter',
      title: '1. Adapter overhead (instant model)',
      setup:
        `one batch of ${RECORDS} V2 REST records (${PARTITIONS} partitions), a model answering at once ` +
        `(node:http in a child process), MODEL_CONCURRENCY ${CONCURRENCY}, the local broker; handler and ` +
        `limit bundled with the construct's esbuild options, in one process, taking turns`,
      figures: [
        { label: 'handler (createStream: HTTP + publish)', unit: 'records/s', series: handler },
        { label: `limit: ${RECORDS} direct HTTP calls + one sendBatch`, unit: 'records/s', series: limit },
      ],
      goals: [ratioGoal('handler / limit', handler, limit, 0.8)],
      notes: [],
    };
  } finally {
    await model.stop();
  }
};
