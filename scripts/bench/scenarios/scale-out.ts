/**
 * Scenario 7, scale-out, the way Lambda scales a Kafka mapping: more partitions, each read by its own
 * poller (an invocation at a time per partition, in order). A model that answers after a fixed 20 ms
 * at no CPU cost, so that what grows with the partitions is the handler's and the pollers' own work;
 * 1, 2, 4 and 8 partitions, each topic read by as many local pollers in one consumer group, each
 * poller with its own handler instance (as each concurrent invocation has its own execution
 * environment). The four set-ups take turns in every round. Records/s per partition count, and the
 * cost of one invocation, which BENCHMARKS.md turns into what a deployment reaches on AWS.
 */
import type { Message } from 'kafkajs';
import type { LocalHandler } from '../../local/handler.js';
import { localHandlerEnv } from '../../local/local-services.js';
import { Poller } from '../../local/poller.js';
import { startTsChild } from '../children.js';
import { type BenchContext, CONCURRENCY, timedRounds } from '../context.js';
import { selfCpuMs } from '../cpu.js';
import { timeThrough } from '../e2e.js';
import { loadConfiguredHandler } from '../handlers.js';
import { OutputCounter } from '../kafka.js';
import { irisMessages, nextTag } from '../records.js';
import type { Figure, Ratio, ScenarioResult } from '../results.js';
import { interleave, RunSize, ratioSeries, series, type Variant } from '../stats.js';

const PARTITION_COUNTS = [1, 2, 4, 8] as const;
/** The model's fixed latency. */
const MODEL_DELAY_MS = 20;
/** Per poller, Lambda's default batching window; the batch size of a small, steady invocation. */
const BATCHING = { batchSize: 500, windowMs: 500 } as const;

/** N partitions, N pollers in one group, N handlers, and a counter on the output. */
interface ScaleRig {
  readonly partitions: number;
  readonly input: string;
  readonly counter: OutputCounter;
  /** Invocations of the timed runs: duration and records of each, and which poller ran it. */
  readonly invocations: { ms: number; records: number; poller: number }[];
  timing: boolean;
  stop(): Promise<void>;
}

const startRig = async (
  ctx: BenchContext,
  partitions: number,
  modelUrl: string,
  handlers: LocalHandler[],
): Promise<ScaleRig> => {
  const [input, output, errors] = await ctx.kafka.topics(
    [`scale${partitions}-in`, `scale${partitions}-out`, `scale${partitions}-errors`],
    partitions,
  );
  const topics = { input: input!, output: output!, errors: errors! };
  const counter = await OutputCounter.start(ctx.kafka.brokers, topics.output, topics.errors);
  const env = {
    ...localHandlerEnv('v2', 'rest', topics, ctx.kafka.brokers.join(',')),
    MODEL_ENDPOINT: modelUrl,
    MODEL_CONCURRENCY: String(CONCURRENCY),
  };
  const pollers: Poller[] = [];
  const rig: ScaleRig = {
    partitions,
    input: topics.input,
    counter,
    invocations: [],
    timing: false,
    async stop() {
      await Promise.all(pollers.map((p) => p.stop()));
      await counter.stop();
    },
  };
  for (let i = 0; i < partitions; i++) {
    // Its own module instance: its own producer and model connections, as its own environment has.
    const handler = await loadConfiguredHandler(env, ctx.dir);
    handlers.push(handler);
    pollers.push(
      new Poller({
        brokers: ctx.kafka.brokers,
        topic: topics.input,
        groupId: `${topics.input}-group`,
        handler: handler.handler,
        batching: BATCHING,
        progressIntervalMs: false,
        log: ctx.log,
        onInvocation: (report) => {
          if (rig.timing) rig.invocations.push({ ms: report.durationMs, records: report.records, poller: i });
        },
      }),
    );
  }
  // Joined together, so that the group settles in one rebalance rather than one per member.
  await Promise.all(pollers.map((p) => p.start()));
  return rig;
};

/** `count` records spread evenly over the partitions (keys `<tag>-<n>`). */
const spread = (tag: string, count: number, partitions: number): Message[] =>
  irisMessages('rest', tag, count).map((m, i) => ({ ...m, partition: i % partitions }));

const variantOf = (ctx: BenchContext, rig: ScaleRig, size: RunSize): Variant => ({
  name: `p${rig.partitions}`,
  run: async (warmup) => {
    const tag = nextTag(`scale${rig.partitions}-`);
    rig.timing = !warmup;
    try {
      const rps = await timeThrough(ctx.kafka, rig, tag, spread(tag, size.of(warmup), rig.partitions));
      return size.learn(warmup, rps);
    } finally {
      rig.timing = false;
    }
  },
});

export const scaleOutScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const rounds = timedRounds(ctx.quick);
  const model = startTsChild(new URL('../instant-model-server.ts', import.meta.url), {
    ...process.env,
    MODEL_DELAY_MS: String(MODEL_DELAY_MS),
  });
  const handlers: LocalHandler[] = [];
  const rigs: ScaleRig[] = [];
  try {
    const { port } = (await model.ready) as { port: number };
    for (const n of PARTITION_COUNTS) {
      rigs.push(await startRig(ctx, n, `http://127.0.0.1:${port}`, handlers));
      ctx.log(`scale-out: ${n} poller(s) started`);
    }
    const sizes = rigs.map(
      (rig) =>
        new RunSize({
          warmup: rig.partitions * BATCHING.batchSize,
          seconds: ctx.quick ? 1.5 : 3,
          min: rig.partitions * BATCHING.batchSize,
          max: 40_000,
          step: rig.partitions * BATCHING.batchSize,
        }),
    );
    const cpuStart = selfCpuMs();
    const wallStart = performance.now();
    const results = await interleave(
      rigs.map((rig, i) => variantOf(ctx, rig, sizes[i]!)),
      { warmup: 1, runs: rounds },
      (name, value) => ctx.log(`scale-out ${name}: ${Math.round(value)} records/s`),
    );
    const busy = (selfCpuMs() - cpuStart) / (performance.now() - wallStart);
    const perN = rigs.map((rig) => ({ rig, rps: results.get(`p${rig.partitions}`)! }));
    const ratios: Ratio[] = perN.slice(1).map(({ rig, rps }, i) => ({
      label: `${rig.partitions} partitions / ${perN[i]!.rig.partitions}`,
      series: ratioSeries(rps, perN[i]!.rps),
    }));
    const figures: Figure[] = perN.flatMap(({ rig, rps }, i) => [
      {
        label: `${rig.partitions} partition(s), ${rig.partitions} poller(s) (${sizes[i]!.count.toLocaleString('en-US')} records/run)`,
        unit: 'records/s',
        series: rps,
      },
      {
        label: `${rig.partitions} partition(s): one invocation of ≤ ${BATCHING.batchSize} records`,
        unit: 'ms',
        series: series(rig.invocations.map((v) => v.ms)),
      },
    ]);
    const base = perN[0]!.rps.median;
    const idle = perN.filter(
      ({ rig }) => new Set(rig.invocations.map((v) => v.poller)).size < rig.partitions,
    );
    return {
      id: 'scale-out',
      title: '7. Scale-out, pollers per partition (model answering after 20 ms)',
      setup:
        `a model answering every call after a fixed ${MODEL_DELAY_MS} ms (node:http in a child process, no ` +
        `CPU per call); for 1, 2, 4 and 8 partitions, as many local pollers in one consumer group ` +
        `(BatchSize ${BATCHING.batchSize}, window ${BATCHING.windowMs} ms), each with its own handler ` +
        `instance (bundled as deployed, MODEL_CONCURRENCY ${CONCURRENCY}); records spread evenly over the ` +
        `partitions, records/s from the first produce to the last answer read; the four set-ups take ` +
        `turns, ${rounds} timed rounds after one warm-up`,
      figures,
      goals: [],
      ratios,
      notes: [
        `This process (pollers, handlers, output consumer, producer) used ${busy.toFixed(2)} of the machine's ` +
          `cores over the timed rounds; the broker and the model server used more of the same cores.`,
        ...(idle.length === 0
          ? []
          : [
              `Some pollers ran no invocation in the timed runs at ${idle.map((p) => p.rig.partitions).join(', ')} partitions.`,
            ]),
      ],
      charts: [
        {
          file: 'scale-out',
          title: `Records/s per partition count (a poller each, ${MODEL_DELAY_MS} ms model)`,
          xLabel: 'partitions (= local pollers in one consumer group)',
          yLabel: 'records/s, produce → last answer',
          bars: perN.map(({ rig, rps }) => ({ label: String(rig.partitions), series: rps })),
          reference: {
            label: 'linear from 1 partition',
            values: perN.map(({ rig }) => base * rig.partitions),
          },
        },
      ],
    };
  } finally {
    for (const rig of rigs) await rig.stop();
    for (const h of handlers) await h.shutdown();
    await model.stop();
  }
};
