import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import { asFailure, FailureKind } from '../failures.js';
import { type PartitionBatch, sourceOf } from '../inbound/event.js';
import type { RequestPreparer } from '../inbound/request-check.js';
import type { AnswerCheck } from '../model/answer-check.js';
import type { Coalescer, PlannedCall, Ready } from '../model/coalesce/index.js';
import { type CallDeadline, type CallResult, checkRecord, runCall } from '../model/model-call.js';
import type { TimeoutBudget } from '../model/timeout-budget.js';
import type { ModelTransport } from '../model/transport/index.js';
import type { RecordBuilder } from '../outbound/output-records.js';
import type { Publisher } from '../outbound/publisher.js';
import type { RecordTracer } from '../tracing/record-spans.js';
import { decideFates } from './fates.js';
import type { RecordOutcome } from './outcomes.js';

export interface PipelineDeps {
  readonly config: Config;
  readonly prepare: RequestPreparer;
  readonly records: RecordBuilder;
  readonly transport: ModelTransport;
  /** Every successful answer passes it before it may be published (see answer.ts). */
  readonly checkAnswer: AnswerCheck;
  readonly publisher: Publisher;
  /** Called with each successful model call's latency in ms. */
  readonly onModelLatency?: (ms: number) => void;
  /** Lives as long as the warm container: when the model last answered a call successfully. */
  readonly health: ModelHealth;
  /** Lives as long as the warm container: each record's model timeouts, across invocations. */
  readonly timeouts: TimeoutBudget;
  /** Packs records of a partition into shared model calls (opt-in, REST only). */
  readonly coalescer?: Coalescer;
  /** Gives traced records a span, carried to the model and onto their output or error record. */
  readonly tracer?: RecordTracer;
}

export interface ModelHealth {
  /** When the model last answered a call (epoch ms). */
  lastSuccessAt: number;
  /** When the latest call the model answered began (epoch ms): a success that began after a timeout. */
  lastSuccessStartedAt: number;
}

/** A model that answered another call this recently is up: its failure on one record is that record's. */
const HEALTHY_WITHIN_MS = 60_000;

export interface Deadlines {
  /** No model call or backoff runs past this (epoch ms). */
  readonly calls: number;
  /** The broker must have acknowledged every record by this (epoch ms). */
  readonly publish: number;
}

/**
 * Runs one Lambda batch: every record of every partition is checked, sent to the model (calls run
 * concurrently, bounded), and its answer or its error published in input order per partition.
 * A record that meets a transient fault, and every later record of its partition, ends `retry-later`
 * and is not published, so redelivery resumes exactly there.
 *
 * @example
 * const outcomes = await processBatch(decodeEvent(event).partitions, deps, { calls, publish });
 */
export const processBatch = async (
  input: readonly PartitionBatch[],
  deps: PipelineDeps,
  deadlines: Deadlines,
): Promise<RecordOutcome[]> => {
  const partitions = deps.tracer?.start(input) ?? input;
  const outcomes = await processTraced(partitions, deps, deadlines);
  deps.tracer?.end(outcomes);
  return outcomes;
};

const processTraced = async (
  partitions: readonly PartitionBatch[],
  deps: PipelineDeps,
  deadlines: Deadlines,
): Promise<RecordOutcome[]> => {
  const limit = pLimit(deps.config.model.concurrency);
  // One deadline signal for every call of the batch, not a timer per call; each call in flight listens.
  const callsEnd = new AbortController();
  setMaxListeners(Number.POSITIVE_INFINITY, callsEnd.signal);
  const deadline: CallDeadline = { at: deadlines.calls, signal: callsEnd.signal };
  const timer = setTimeout(() => callsEnd.abort(), Math.max(0, deadlines.calls - Date.now()));
  const results = await Promise.all(
    partitions.map(async (batch) => {
      const checked = batch.records.map((record) => checkRecord(record, deps));
      const ready = checked.flatMap((r, index) => (r.kind === 'ready' ? [{ index, body: r.body }] : []));
      // A record that passed its check is `not-called` until its call comes back.
      const results = checked.map((r): CallResult => (r.kind === 'ready' ? { kind: 'not-called' } : r));
      const calls = planCalls(ready, deps.coalescer);
      // Once a record of this partition must be redelivered, later ones are not worth a call.
      const stop = { offset: Number.POSITIVE_INFINITY };
      await Promise.all(
        calls.map((call) =>
          limit(async () => {
            const answers = await runCall(call, { records: batch.records, stop, deps, deadline });
            call.members.forEach((m, k) => {
              results[m.index] = answers[k]!;
            });
          }),
        ),
      );
      return results;
    }),
  ).finally(() => clearTimeout(timer));
  // Decided only once every call is back, so that a neighbour's success can prove the model is up.
  const evidence = {
    upLately: Date.now() - deps.health.lastSuccessAt < HEALTHY_WITHIN_MS,
    timeouts: deps.timeouts,
  };
  const outcomes = partitions.flatMap((batch, i) =>
    decideFates(batch.records, results[i]!, deps.records, evidence),
  );
  const outbound = outcomes.flatMap((o) => (o.fate === 'retry-later' ? [] : [o.outbound]));
  try {
    await deps.publisher.publish(outbound, deadlines.publish);
  } catch (error) {
    const failure = asFailure(error, 'the publish', FailureKind.publish);
    return outcomes.map((o) => ({ fate: 'retry-later', record: o.record, failure }));
  }
  for (const o of outcomes) if (o.fate !== 'retry-later') deps.timeouts.forget(sourceOf(o.record));
  return outcomes;
};

/** One call per record, or packed calls; a plan that fails sends each record alone. */
const planCalls = (ready: readonly Ready[], coalescer: Coalescer | undefined): PlannedCall[] => {
  const alone = () => ready.map((r) => ({ members: [r], body: r.body }));
  if (coalescer === undefined) return alone();
  try {
    return coalescer.plan(ready);
  } catch {
    return alone();
  }
};
