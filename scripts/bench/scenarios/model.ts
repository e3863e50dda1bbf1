/**
 * Scenarios 2 and 3, the real model: MLServer `iris` through the local poller and the handler, end
 * to end (records/s from the first produce to the last answer on the output topic), compared in the
 * same run with MLServer driven directly at the same concurrency and (REST) with MLServer's own Kafka
 * server on the same broker and the same records. The variants run in the order direct, poller,
 * MLServer's Kafka server, coalesced (reversed every other round), so that each ratio compares two
 * runs made back to back.
 */
import { join } from 'node:path';
import type { Transport } from '../../../functions/stream-inference/config.js';
import type { LocalHandler } from '../../local/handler.js';
import { LOCAL_ENDPOINTS } from '../../local/local-services.js';
import { type BenchContext, CONCURRENCY, timedRounds } from '../context.js';
import { CpuLedger, pidListeningOn } from '../cpu.js';
import { type DirectClient, directGrpc, directHttp } from '../direct.js';
import { type PollerBatching, type PollerRig, startPollerRig, type Through, timeThrough } from '../e2e.js';
import type { GoalMeasure } from '../goals.js';
import { loadConfiguredHandler } from '../handlers.js';
import { OutputCounter } from '../kafka.js';
import { startMlserverKafka } from '../mlserver-kafka.js';
import { irisBodies, irisMessages, nextTag } from '../records.js';
import type { Ratio, ScenarioResult } from '../results.js';
import { type Calibration, interleave, perSecond, RunSize, ratioSeries, type Variant } from '../stats.js';

/** Partitions of the input topics (the poller's events span them, as Lambda's do). */
export const PARTITIONS = 4;
/** The local poller's batching: BatchSize 1,000 (Lambda allows 10,000 for Kafka), Lambda's default 500 ms window. */
export const BATCHING: PollerBatching = { batchSize: 1_000, windowMs: 500 };
/** Packing of the coalescing variant shown next to MLServer's Kafka server (scenario 4 tries others). */
const COALESCE = 64;

/**
 * Run sizes: one batch to warm up, then runs of about 4 s (1.5 s with --quick) for each variant: long
 * enough that the first fetch and the last read weigh little, short enough for seven pairs of every
 * ratio within the bench's ~15 minutes. At least one batch: on a loaded machine, where a variant
 * manages 50 records/s, a larger floor would stretch every run far past its 4 s.
 */
export const calibration = (quick: boolean): Calibration => ({
  warmup: BATCHING.batchSize,
  seconds: quick ? 1.5 : 4,
  min: BATCHING.batchSize,
  max: quick ? 10_000 : 30_000,
  step: BATCHING.batchSize,
});

/** `label (n records/run)`. */
export const sized = (label: string, size: RunSize): string =>
  `${label} (${size.count.toLocaleString('en-US')} records/run)`;

/**
 * Waits until MLServer's Kafka consumer reads its topic: it has no group and starts at the topic's
 * end once it has joined, so records sent before that are never answered.
 */
const untilConsuming = async (ctx: BenchContext, through: Through): Promise<void> => {
  const deadline = Date.now() + 90_000;
  for (;;) {
    const tag = nextTag('ping');
    try {
      await timeThrough(ctx.kafka, { ...through, timeoutMs: 3_000 }, tag, irisMessages('rest', tag, 1));
      return;
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`MLServer's Kafka server never answered: ${String(error)}`);
    }
  }
};

/** A variant that runs the records through the rig's poller with this handler. */
export const throughPoller = (
  ctx: BenchContext,
  rig: PollerRig,
  name: string,
  handler: LocalHandler,
  transport: Transport,
  size: RunSize,
  cpu?: CpuLedger,
): Variant => ({
  name,
  run: async (warmup) => {
    rig.use(handler.handler);
    const tag = nextTag(`${name}-`);
    const messages = irisMessages(transport, tag, size.of(warmup));
    const through = () => timeThrough(ctx.kafka, rig, tag, messages);
    const rps = await (cpu === undefined ? through() : cpu.measure(name, messages.length, !warmup, through));
    return size.learn(warmup, rps);
  },
});

/** Where the CPU of each variant's runs went, per record. */
const cpuNote = (main: CpuLedger, mlKafka: CpuLedger | undefined): string => {
  const ms = (v: number | undefined): string => (v === undefined ? '?' : `${v.toFixed(2)} ms`);
  const poller = main.perRecord('poller');
  const direct = main.perRecord('direct');
  const packed = main.perRecord('poller-coalesce');
  const own = mlKafka?.perRecord('mlserver-kafka');
  return (
    `CPU per record (medians): MLServer ${ms(poller.model)} via the poller, ${ms(direct.model)} direct` +
    (own === undefined ? '' : `, ${ms(packed.model)} coalesced, ${ms(own.model)} in its own Kafka server`) +
    `; this process (local poller, handler, output consumers, producer) ${ms(poller.self)} through the ` +
    `poller, ${ms(direct.self)} direct` +
    (own === undefined ? '' : `, ${ms(packed.self)} coalesced`)
  );
};

/** MLServer's own Kafka server on topics of its own, and a counter on its output (REST only). */
const startMlKafka = async (ctx: BenchContext) => {
  const { kafka } = ctx;
  const [input, output, errors] = await kafka.topics(
    ['mlkafka-rest-in', 'mlkafka-rest-out', 'mlkafka-rest-errors'],
    PARTITIONS,
  );
  const server = await startMlserverKafka({
    brokers: kafka.brokers,
    inputTopic: input!,
    outputTopic: output!,
    dir: join(ctx.dir, 'mlserver-kafka-rest'),
  });
  const counter = await OutputCounter.start(kafka.brokers, output!, errors!);
  const through: Through = { input: input!, counter };
  await untilConsuming(ctx, through);
  return {
    cpu: new CpuLedger(server.pid),
    through,
    async stop() {
      await counter.stop();
      await server.stop();
    },
  };
};

export const modelScenario = async (transport: Transport, ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const rest = transport === 'rest';
  const sizes = {
    poller: new RunSize(calibration(ctx.quick)),
    coalesced: new RunSize(calibration(ctx.quick)),
    direct: new RunSize(calibration(ctx.quick)),
    mlKafka: new RunSize(calibration(ctx.quick)),
  };
  const label = rest ? 'REST' : 'gRPC';
  const rounds = timedRounds(ctx.quick);
  const rig = await startPollerRig(kafka, `model-${transport}`, PARTITIONS, BATCHING, ctx.log);
  const handlers: LocalHandler[] = [];
  const handlerWith = async (extra: Record<string, string>): Promise<LocalHandler> => {
    const handler = await loadConfiguredHandler(
      rig.env(transport, { MODEL_CONCURRENCY: String(CONCURRENCY), ...extra }),
      ctx.dir,
    );
    handlers.push(handler);
    return handler;
  };
  const main = new CpuLedger(pidListeningOn(rest ? 8080 : 8081));
  const direct: DirectClient = rest
    ? directHttp(`${LOCAL_ENDPOINTS.v2.rest}/v2/models/iris/infer`, CONCURRENCY)
    : directGrpc(
        LOCAL_ENDPOINTS.v2.grpc.replace('grpc://', ''),
        '/inference.GRPCInferenceService/ModelInfer',
        CONCURRENCY,
      );
  const mlKafka = rest ? await startMlKafka(ctx) : undefined;
  try {
    const variants: Variant[] = [
      {
        name: 'direct',
        run: async (warmup) => {
          const bodies = irisBodies(transport, sizes.direct.of(warmup));
          const started = performance.now();
          await main.measure('direct', bodies.length, !warmup, () => direct.run(bodies));
          return sizes.direct.learn(warmup, perSecond(bodies.length, performance.now() - started));
        },
      },
      throughPoller(ctx, rig, 'poller', await handlerWith({}), transport, sizes.poller, main),
    ];
    if (mlKafka !== undefined) {
      variants.push(
        {
          name: 'mlserver-kafka',
          run: async (warmup) => {
            const tag = nextTag('rest-m');
            const messages = irisMessages('rest', tag, sizes.mlKafka.of(warmup));
            const through = () => timeThrough(kafka, mlKafka.through, tag, messages);
            return sizes.mlKafka.learn(
              warmup,
              await mlKafka.cpu.measure('mlserver-kafka', messages.length, !warmup, through),
            );
          },
        },
        throughPoller(
          ctx,
          rig,
          'poller-coalesce',
          await handlerWith({ COALESCE_MAX_RECORDS: String(COALESCE) }),
          transport,
          sizes.coalesced,
          main,
        ),
      );
    }
    const results = await interleave(variants, { warmup: 1, runs: rounds }, (name, value) =>
      ctx.log(`${transport} ${name}: ${Math.round(value)} records/s`),
    );
    const poller = results.get('poller')!;
    const directSeries = results.get('direct')!;
    const own = results.get('mlserver-kafka');
    const coalesced = results.get('poller-coalesce');
    const goals: GoalMeasure[] = [
      { id: rest ? 'rest-direct' : 'grpc-direct', series: ratioSeries(poller, directSeries) },
    ];
    const ratios: Ratio[] = [];
    if (own !== undefined && coalesced !== undefined) {
      goals.push({ id: 'coalesced-mlserver-kafka', series: ratioSeries(coalesced, own) });
      ratios.push({
        label: "per record, poller / MLServer's Kafka server",
        series: ratioSeries(poller, own),
      });
    }
    return {
      id: transport,
      title: `${rest ? '2' : '3'}. MLServer iris, ${label}`,
      setup:
        `records/s from the first produce to the last answer read, records produced at once over ` +
        `${PARTITIONS} partitions, each variant's runs sized from its warm-up to last ~` +
        `${calibration(ctx.quick).seconds} s; local poller BatchSize ` +
        `${BATCHING.batchSize}, window ${BATCHING.windowMs} ms, handler bundled as deployed; ` +
        `MODEL_CONCURRENCY ${CONCURRENCY} (the direct client too); ${rounds} timed rounds after one ` +
        `warm-up, the two sides of each ratio back to back` +
        (rest
          ? "; MLServer's Kafka server is a second MLServer (same venv, model and settings) with " +
            'MLSERVER_KAFKA_ENABLED'
          : ''),
      figures: [
        {
          label: sized(`MLServer ${label} direct, ${CONCURRENCY} in flight`, sizes.direct),
          unit: 'records/s',
          series: directSeries,
        },
        { label: sized('handler via local poller', sizes.poller), unit: 'records/s', series: poller },
        ...(own === undefined
          ? []
          : [{ label: sized("MLServer's Kafka server", sizes.mlKafka), unit: 'records/s', series: own }]),
        ...(coalesced === undefined
          ? []
          : [
              {
                label: sized(`handler via local poller, COALESCE_MAX_RECORDS=${COALESCE}`, sizes.coalesced),
                unit: 'records/s',
                series: coalesced,
              },
            ]),
      ],
      goals,
      ratios,
      notes: [cpuNote(main, mlKafka?.cpu)],
      charts: [],
    };
  } finally {
    direct.close();
    await mlKafka?.stop();
    await rig.stop();
    for (const h of handlers) await h.shutdown();
  }
};
