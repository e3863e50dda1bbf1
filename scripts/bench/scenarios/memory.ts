/**
 * Scenario 6, memory: the REST handler bundle, in a fresh node process per run, handling the largest
 * batch Lambda can deliver (a 6 MB event) against a model that answers at once, twice in a row (cold,
 * then warm). Peak RSS is the kernel's high-water mark for the process, what Lambda reports as "Max
 * Memory Used"; the heap and the memory outside it (Buffers) are sampled every 2 ms. Two batches:
 * 10,000 small records, and 6 records of ~790 KB each (~1 MB each in the event's base64).
 *
 * How large V8 lets its heap grow before collecting depends on the memory it is given: Node hands V8
 * the machine's memory (or its cgroup limit), and V8 sizes its generations from it. On this 24 GB
 * machine that is 16 MB semi-spaces and a 4 GB old generation, so garbage piles up far longer than
 * in a 256 MB function, for which V8 takes its smallest heap (1 MB semi-spaces, a 256 MB old
 * generation). Each batch is measured both ways; the goal is judged as the function would run.
 *
 * @see https://github.com/nodejs/node/blob/main/src/api/environment.cc (SetIsolateCreateParamsForNode)
 * @see https://github.com/v8/v8/blob/main/src/heap/heap.cc (HeapSizeFromPhysicalMemory, and its unit test
 *   test/unittests/heap/heap-unittest.cc: 512 MB or less gives the smallest heap)
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { MAX_PAYLOAD_BYTES } from '../../local/event.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { bundleHandler } from '../bundle.js';
import { startTsChild, track } from '../children.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import type { Figure, ScenarioResult } from '../results.js';
import { sizedEvent } from '../sized-event.js';
import { series } from '../stats.js';

const PARTITIONS = 4;
/** Invocations per process: the first after the cold start, then one warm. */
const INVOCATIONS = 2;

/** The heap V8 sizes for each memory, as V8 flags (nothing: this machine's own sizing). */
const HEAPS = [
  {
    name: 'V8 heap as sized for a 256 MB function',
    flags: '--max-semi-space-size=1 --max-old-space-size=256',
  },
  { name: "V8 heap as sized for this machine's memory", flags: '' },
] as const;

interface MemoryRun {
  readonly importedRssMb: number;
  readonly peakRssMb: number;
  readonly peakHeapUsedMb: number;
  readonly peakHeapTotalMb: number;
  readonly peakExternalMb: number;
}

const runChild = async (
  child: string,
  bundle: string,
  eventFile: string,
  env: NodeJS.ProcessEnv,
): Promise<MemoryRun> => {
  const started = track(
    spawn(process.execPath, [child, bundle, eventFile, String(INVOCATIONS)], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
    false,
  );
  const code = await new Promise<number | null>((resolve) => started.child.once('exit', resolve));
  const line = started.lines.find((l) => l.startsWith('BENCH '));
  if (code !== 0 || line === undefined) {
    throw new Error(`the memory run failed (exit ${code}): ${started.lines.slice(-5).join(' | ')}`);
  }
  return JSON.parse(line.slice('BENCH '.length)) as MemoryRun;
};

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MB`;

export const memoryScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const outDir = join(ctx.dir, 'memory');
  mkdirSync(outDir, { recursive: true });
  const { file } = await bundleHandler(ctx.dir, 'rest');
  const child = join(outDir, 'child.mjs');
  await build({
    entryPoints: [fileURLToPath(new URL('./memory-child.ts', import.meta.url))],
    outfile: child,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'warning',
  });
  const model = startTsChild(new URL('../instant-model-server.ts', import.meta.url));
  try {
    const { port } = (await model.ready) as { port: number };
    const [input, output, errors] = await ctx.kafka.topics(['mem-in', 'mem-out', 'mem-errors'], PARTITIONS);
    const topics = { input: input!, output: output!, errors: errors! };
    const env: NodeJS.ProcessEnv = {
      PATH: process.env['PATH'],
      ...localHandlerEnv('v2', 'rest', topics, ctx.kafka.brokers.join(',')),
      MODEL_ENDPOINT: `http://127.0.0.1:${port}`,
      MODEL_CONCURRENCY: String(CONCURRENCY),
      NODE_OPTIONS: '--enable-source-maps',
      POWERTOOLS_METRICS_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: 'WARN',
    };
    const batches = [
      { name: '10,000 small records', count: 10_000 },
      { name: '6 records near 1 MB', count: 6 },
    ].map(({ name, count }) => {
      const sized = sizedEvent({
        topic: topics.input,
        partitions: Math.min(PARTITIONS, count),
        count,
        maxBytes: MAX_PAYLOAD_BYTES,
        bootstrapServers: ctx.kafka.brokers.join(','),
      });
      const eventFile = join(outDir, `event-${count}.json`);
      writeFileSync(eventFile, JSON.stringify(sized.event));
      return { name, count, eventFile, bytes: sized.bytes, valueBytes: sized.valueBytes };
    });

    const runsEach = ctx.quick ? 1 : 3;
    const figures: Figure[] = [];
    let goal: ScenarioResult['goals'][number] | undefined;
    for (const batch of batches) {
      for (const heap of HEAPS) {
        const runs: MemoryRun[] = [];
        for (let i = 0; i < runsEach; i++) {
          const withHeap = { ...env, NODE_OPTIONS: `${env['NODE_OPTIONS']} ${heap.flags}`.trim() };
          const run = await runChild(child, file, batch.eventFile, withHeap);
          ctx.log(`memory ${batch.name}, ${heap.name}: peak RSS ${run.peakRssMb.toFixed(0)} MB`);
          runs.push(run);
        }
        const peakRss = series(runs.map((r) => r.peakRssMb));
        if (batch.count === 10_000 && heap === HEAPS[0]) goal = { id: 'memory', series: peakRss };
        const what = `${batch.name}, ${heap.name}`;
        figures.push(
          { label: `${what}: peak RSS`, unit: 'MB', series: peakRss },
          { label: `${what}: peak heap used`, unit: 'MB', series: series(runs.map((r) => r.peakHeapUsedMb)) },
          {
            label: `${what}: peak outside the heap (Buffers)`,
            unit: 'MB',
            series: series(runs.map((r) => r.peakExternalMb)),
          },
        );
        if (heap === HEAPS[0]) {
          figures.push({
            label: `${batch.name}: RSS after import, before the batch`,
            unit: 'MB',
            series: series(runs.map((r) => r.importedRssMb)),
          });
        }
      }
    }
    const sizes = batches
      .map((b) => `${b.name}: event ${mb(b.bytes)}, values of ${b.valueBytes.toLocaleString('en-US')} B`)
      .join('; ');
    return {
      id: 'memory',
      title: '6. Memory, one 6 MB batch (instant model)',
      setup:
        `the REST bundle (as deployed, NODE_OPTIONS=--enable-source-maps) in a fresh node ${process.version} ` +
        `process per run, ${INVOCATIONS} invocations of the same batch (cold, then warm), the event read ` +
        `and parsed as Lambda's runtime does; peak RSS from the kernel's high-water mark (getrusage ` +
        `maxRSS), the heap and Buffers sampled every 2 ms; ${runsEach} run(s) per batch; the model ` +
        `answers at once, MODEL_CONCURRENCY ${CONCURRENCY}, outputs published to the local broker; ${sizes}; ` +
        `each with V8's heap sized for a 256 MB function (${HEAPS[0].flags}) and for this machine`,
      figures,
      goals: goal === undefined ? [] : [goal],
      ratios: [],
      notes: [],
      charts: [],
    };
  } finally {
    await model.stop();
  }
};
