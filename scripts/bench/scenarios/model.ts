/**
 * Scenarios 2 and 3, the real model: MLServer `iris` through the local poller and the handler, end
 * to end (records/s from the first produce to the last answer on the output topic), compared in the
 * same run with MLServer driven directly at the same concurrency and with MLServer's own Kafka
 * server on the same broker and the same records.
 */
import { join } from 'node:path';
import type { Transport } from '../../../functions/stream-inference/config.js';
import type { LocalHandler } from '../../local/handler.js';
import { LOCAL_ENDPOINTS } from '../../local/local-services.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import { CpuLedger, pidListeningOn } from '../cpu.js';
import { type DirectClient, directGrpc, directHttp } from '../direct.js';
import { type PollerBatching, type PollerRig, startPollerRig, type Through, timeThrough } from '../e2e.js';
import { loadConfiguredHandler } from '../handlers.js';
import { OutputCounter } from '../kafka.js';
import { startMlserverKafka } from '../mlserver-kafka.js';
import { irisBodies, irisMessages, nextTag } from '../records.js';
import { type Goal, ratioGoal, type ScenarioResult } from '../results.js';
import { type Calibration, interleave, perSecond, RunSize, type Variant } from '../stats.js';

/** Partitions of the input topics (the poller's events span them, as Lambda's do). */
export const PARTITIONS = 4;
/** The local poller's batching: BatchSize 1,000 (Lambda allows 10,000 for Kafka), Lambda's default 500 ms window. */
export const BATCHING: PollerBatching = { batchSize: 1_000, windowMs: 500 };
/** Packing of the coalescing variant shown next to MLServer's Kafka server (scenario 4 tries others). */
const COALESCE = 64;

/** Run sizes: one batch to warm up, then runs of about 6 s (2 s with --quick) for each variant. */
export const calibration = (quick: boolean): Calibration => ({
  warmup: BATCHING.batchSize,
  seconds: quick ? 2 : 6,
  min: (quick ? 1 : 2) * BATCHING.batchSize,
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
const cpuNote = (main: CpuLedger, mlKafka: CpuLedger, coalesced: boolean): string => {
  const ms = (v: number | undefined): string => (v === undefined ? '?' : `${v.toFixed(2)} ms`);
  const poller = main.perRecord('poller');
  const direct = main.perRecord('direct');
  const packed = main.perRecord('poller-coalesce');
  const own = mlKafka.perRecord('mlserver-kafka');
  return (
    `CPU per record (medians): MLServer ${ms(poller.model)} via the poller, ${ms(direct.model)} direct` +
    (coalesced ? `, ${ms(packed.model)} coalesced` : '') +
    `, ${ms(own.model)} in its own Kafka server; this process (local poller, handler, output ` +
    `consumers, producer) ${ms(poller.self)} through the poller, ${ms(direct.self)} direct` +
    (coalesced ? `, ${ms(packed.self)} coalesced` : '')
  );
};

export const modelScenario = async (transport: Transport, ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const sizes = {
    poller: new RunSize(calibration(ctx.quick)),
    coalesced: new RunSize(calibration(ctx.quick)),
    direct: new RunSize(calibration(ctx.quick)),
    mlKafka: new RunSize(calibration(ctx.quick)),
  };
  const label = transport === 'rest' ? 'REST' : 'gRPC';
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

  const main = new CpuLedger(pidListeningOn(transport === 'rest' ? 8080 : 8081));
  const [mlIn, mlOut, mlErrors] = await kafka.topics(
    [`mlkafka-${transport}-in`, `mlkafka-${transport}-out`, `mlkafka-${transport}-errors`],
    PARTITIONS,
  );
  const mlserver = await startMlserverKafka({
    brokers: kafka.brokers,
    inputTopic: mlIn!,
    outputTopic: mlOut!,
    dir: join(ctx.dir, `mlserver-kafka-${transport}`),
  });
  const mlCpu = new CpuLedger(mlserver.pid);
  const mlCounter = await OutputCounter.start(kafka.brokers, mlOut!, mlErrors!);
  const mlThrough: Through = { input: mlIn!, counter: mlCounter };

  const direct: DirectClient =
    transport === 'rest'
      ? directHttp(`${LOCAL_ENDPOINTS.v2.rest}/v2/models/iris/infer`, CONCURRENCY)
      : directGrpc(
          LOCAL_ENDPOINTS.v2.grpc.replace('grpc://', ''),
          '/inference.GRPCInferenceService/ModelInfer',
          CONCURRENCY,
        );
  try {
    const variants: Variant[] = [
      throughPoller(ctx, rig, 'poller', await handlerWith({}), transport, sizes.poller, main),
      {
        name: 'direct',
        run: async (warmup) => {
          const bodies = irisBodies(transport, sizes.direct.of(warmup));
          const started = performance.now();
          await main.measure('direct', bodies.length, !warmup, () => direct.run(bodies));
          return sizes.direct.learn(warmup, perSecond(bodies.length, performance.now() - started));
        },
      },
      {
        // MLServer's Kafka server reads only V2 JSON: over gRPC too it gets the REST records.
        name: 'mlserver-kafka',
        run: async (warmup) => {
          const tag = nextTag(`${transport}-m`);
          const messages = irisMessages('rest', tag, sizes.mlKafka.of(warmup));
          const through = () => timeThrough(kafka, mlThrough, tag, messages);
          return sizes.mlKafka.learn(
            warmup,
            await mlCpu.measure('mlserver-kafka', messages.length, !warmup, through),
          );
        },
      },
    ];
    if (transport === 'rest') {
      variants.push(
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
    await untilConsuming(ctx, mlThrough);
    const results = await interleave(variants, { warmup: 1, runs: ctx.quick ? 2 : 5 }, (name, value) =>
      ctx.log(`${transport} ${name}: ${Math.round(value)} records/s`),
    );
    const poller = results.get('poller')!;
    const directSeries = results.get('direct')!;
    const mlKafka = results.get('mlserver-kafka')!;
    const coalesced = results.get('poller-coalesce');
    const goals: Goal[] = [
      ratioGoal('poller / direct', poller, directSeries, 0.9),
      ratioGoal("poller / MLServer's Kafka server", poller, mlKafka, 2),
    ];
    if (coalesced !== undefined) {
      goals.push(
        ratioGoal(
          `poller with COALESCE_MAX_RECORDS=${COALESCE} / MLServer's Kafka server`,
          coalesced,
          mlKafka,
          2,
        ),
      );
    }
    return {
      id: transport,
      title: `${transport === 'rest' ? '2' : '3'}. MLServer iris, ${label}`,
      setup:
        `records/s from the first produce to the last answer read, records produced at once over ` +
        `${PARTITIONS} partitions, each variant's runs sized from its warm-up to last ~` +
        `${calibration(ctx.quick).seconds} s; local poller BatchSize ` +
        `${BATCHING.batchSize}, window ${BATCHING.windowMs} ms, handler bundled as deployed; ` +
        `MODEL_CONCURRENCY ${CONCURRENCY} (the direct client too); MLServer's Kafka server is a second ` +
        `MLServer (same venv, model and settings) with MLSERVER_KAFKA_ENABLED` +
        (transport === 'grpc' ? ', fed the REST (JSON) records, the only kind it reads' : ''),
      figures: [
        { label: sized('handler via local poller', sizes.poller), unit: 'records/s', series: poller },
        ...(coalesced === undefined
          ? []
          : [
              {
                label: sized(`same, COALESCE_MAX_RECORDS=${COALESCE}`, sizes.coalesced),
                unit: 'records/s',
                series: coalesced,
              },
            ]),
        {
          label: sized(`MLServer ${label} direct, ${CONCURRENCY} in flight`, sizes.direct),
          unit: 'records/s',
          series: directSeries,
        },
        { label: sized("MLServer's Kafka server", sizes.mlKafka), unit: 'records/s', series: mlKafka },
      ],
      goals,
      notes: [cpuNote(main, mlCpu, coalesced !== undefined)],
    };
  } finally {
    direct.close();
    await mlCounter.stop();
    await mlserver.stop();
    await rig.stop();
    for (const h of handlers) await h.shutdown();
  }
};
