/**
 * Scenario 4, coalescing: the handler with COALESCE_MAX_RECORDS (16, 32, 64, and `auto`, which
 * learns the pack size) packing records of a partition into one MLServer call, and once per record
 * (scenario 2's configuration), end to end through one local poller, taking turns in order of pack
 * size, so that each step (16 over 1, 32 over 16, 64 over 32, auto over 64) compares two runs made
 * back to back. Draws the records/s per pack size.
 */
import type { LocalHandler } from '../../local/handler.js';
import { type BenchContext, CONCURRENCY, timedRounds } from '../context.js';
import { startPollerRig } from '../e2e.js';
import { loadConfiguredHandler } from '../handlers.js';
import type { Ratio, ScenarioResult } from '../results.js';
import { interleave, RunSize, ratioSeries } from '../stats.js';
import { BATCHING, calibration, PARTITIONS, sized, throughPoller } from './model.js';

/** Pack sizes in the order they run; 1 is one call per record. */
const SIZES = [1, 16, 32, 64, 'auto'] as const;
type Size = (typeof SIZES)[number];

const nameOf = (n: Size): string => (n === 1 ? 'per-record' : `coalesce-${n}`);

export const coalesceScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const rounds = timedRounds(ctx.quick);
  const rig = await startPollerRig(kafka, 'coalesce', PARTITIONS, BATCHING, ctx.log);
  const configs = SIZES.map((n) => ({
    n,
    name: nameOf(n),
    env: rig.env('rest', { MODEL_CONCURRENCY: String(CONCURRENCY), COALESCE_MAX_RECORDS: String(n) }),
    size: new RunSize(calibration(ctx.quick)),
  }));
  const handlers: LocalHandler[] = [];
  for (const c of configs) handlers.push(await loadConfiguredHandler(c.env, ctx.dir));
  try {
    const results = await interleave(
      configs.map((c, i) => throughPoller(ctx, rig, c.name, handlers[i]!, 'rest', c.size)),
      { warmup: 1, runs: rounds },
      (name, value) => ctx.log(`coalesce ${name}: ${Math.round(value)} records/s`),
    );
    const ratios: Ratio[] = SIZES.slice(1).map((n, i) => {
      const before = SIZES[i]!;
      return {
        label: `COALESCE_MAX_RECORDS=${n} / ${before === 1 ? 'per record' : `=${before}`}`,
        series: ratioSeries(results.get(nameOf(n))!, results.get(nameOf(before))!),
      };
    });
    return {
      id: 'coalesce',
      title: '4. Coalescing, MLServer iris REST',
      setup:
        `V2 REST records produced at once over ${PARTITIONS} partitions, each variant's run sized from its ` +
        `warm-up to last ~${calibration(ctx.quick).seconds} s, through the local poller (BatchSize ` +
        `${BATCHING.batchSize}, window ${BATCHING.windowMs} ms), MODEL_CONCURRENCY ${CONCURRENCY}; per record = ` +
        `scenario 2's handler configuration; ${rounds} timed rounds after one warm-up, in order of pack size`,
      figures: configs.map((c) => ({
        label: sized(
          c.n === 1 ? 'handler, one call per record' : `handler, COALESCE_MAX_RECORDS=${c.n}`,
          c.size,
        ),
        unit: 'records/s',
        series: results.get(c.name)!,
      })),
      goals: [],
      ratios,
      notes: [],
      charts: [
        {
          file: 'coalescing',
          title: 'Records/s per coalescing size (MLServer iris, REST)',
          xLabel: 'COALESCE_MAX_RECORDS (1 = one call per record)',
          yLabel: 'records/s, produce → last answer',
          bars: configs.map((c) => ({ label: String(c.n), series: results.get(c.name)! })),
        },
      ],
    };
  } finally {
    await rig.stop();
    for (const h of handlers) await h.shutdown();
  }
};
