/**
 * Scenario 4, coalescing: the handler with COALESCE_MAX_RECORDS (16, 32, 64) packing records of a
 * partition into one MLServer call, against the same handler calling once per record (scenario 2's
 * configuration), both end to end through one local poller, taking turns.
 */
import type { LocalHandler } from '../../local/handler.js';
import { type BenchContext, CONCURRENCY } from '../context.js';
import { startPollerRig } from '../e2e.js';
import { loadConfiguredHandler } from '../handlers.js';
import { type Goal, ratioGoal, type ScenarioResult } from '../results.js';
import { interleave, RunSize } from '../stats.js';
import { BATCHING, calibration, PARTITIONS, sized, throughPoller } from './model.js';

const SIZES = [16, 32, 64] as const;

export const coalesceScenario = async (ctx: BenchContext): Promise<ScenarioResult> => {
  const { kafka } = ctx;
  const rig = await startPollerRig(kafka, 'coalesce', PARTITIONS, BATCHING, ctx.log);
  const configs = [1, ...SIZES].map((n) => ({
    n,
    name: n === 1 ? 'per-record' : `coalesce-${n}`,
    env: rig.env('rest', { MODEL_CONCURRENCY: String(CONCURRENCY), COALESCE_MAX_RECORDS: String(n) }),
    size: new RunSize(calibration(ctx.quick)),
  }));
  const handlers: LocalHandler[] = [];
  for (const c of configs) handlers.push(await loadConfiguredHandler(c.env, ctx.dir));
  try {
    const results = await interleave(
      configs.map((c, i) => throughPoller(ctx, rig, c.name, handlers[i]!, 'rest', c.size)),
      { warmup: 1, runs: ctx.quick ? 2 : 5 },
      (name, value) => ctx.log(`coalesce ${name}: ${Math.round(value)} records/s`),
    );
    const perRecord = results.get('per-record')!;
    const goals: Goal[] = SIZES.map((n) =>
      ratioGoal(`COALESCE_MAX_RECORDS=${n} / per record`, results.get(`coalesce-${n}`)!, perRecord, 5),
    );
    return {
      id: 'coalesce',
      title: '4. Coalescing, MLServer iris REST',
      setup:
        `V2 REST records produced at once over ${PARTITIONS} partitions, each variant's run sized from its ` +
        `warm-up to last ~${calibration(ctx.quick).seconds} s, through the local poller (BatchSize ` +
        `${BATCHING.batchSize}, window ${BATCHING.windowMs} ms), MODEL_CONCURRENCY ${CONCURRENCY}; per record = ` +
        `scenario 2's handler configuration, measured again here in turn with the coalescing ones`,
      figures: configs.map((c) => ({
        label: sized(
          c.n === 1 ? 'handler, one call per record' : `handler, COALESCE_MAX_RECORDS=${c.n}`,
          c.size,
        ),
        unit: 'records/s',
        series: results.get(c.name)!,
      })),
      goals,
      notes: [],
    };
  } finally {
    await rig.stop();
    for (const h of handlers) await h.shutdown();
  }
};
