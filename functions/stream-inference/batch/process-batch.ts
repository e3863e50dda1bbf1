import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import type { Config } from '../config.js';
import { type PartitionBatch, sourceOf } from '../inbound/event.js';
import type { RequestPreparer } from '../inbound/request-check.js';
import type { AnswerCheck } from '../model/answer-check.js';
import type { Coalescer, PlannedCall, Ready } from '../model/coalesce/index.js';
import { type CallDeadline, checkRecord, runCall } from '../model/model-call.js';
import type { TimeoutBudget } from '../model/timeout-budget.js';
import type { ModelTransport } from '../model/transport/index.js';
import type { RecordBuilder } from '../outbound/output-records.js';
import type { Publisher } from '../outbound/publisher.js';
import type { RecordTracer } from '../tracing/record-spans.js';
import { FinishedPrefix } from './fates.js';
import type { RecordOutcome } from './outcomes.js';
import { PrefixPublisher } from './prefix-publisher.js';

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
 * concurrently, bounded), and its answer or its error published in input order per partition, each
 * partition's finished prefix while later calls are in flight (batch/prefix-publisher.ts).
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
  // Once a record of a partition must be redelivered, later ones are not worth a call.
  const stops = partitions.map(() => ({ offset: Number.POSITIVE_INFINITY }));
  const publishing = new PrefixPublisher({
    publisher: deps.publisher,
    deadline: deadlines.publish,
    atEndOnly: deps.config.kafka.transactional,
    onAcked: (o) => deps.timeouts.forget(sourceOf(o.record)),
    // Nothing is published after a failed publish: no record waiting for redelivery is worth a call.
    onFailed: () => {
      for (const stop of stops) stop.offset = Number.NEGATIVE_INFINITY;
    },
  });
  // A failure the model may have caused on its record alone is judged once every call is back, so
  // that a neighbour's success can prove the model is up; until then it holds its partition back.
  const meanwhile = { upLately: undefined, timeouts: deps.timeouts };
  const prefixes = await Promise.all(
    partitions.map(async (batch, p) => {
      const checked = batch.records.map((record) => checkRecord(record, deps));
      const prefix = new FinishedPrefix(batch.records, checked, deps.records);
      publishing.add(p, prefix.advance(meanwhile));
      const ready = checked.flatMap((r, index) => (r.kind === 'ready' ? [{ index, body: r.body }] : []));
      const stop = stops[p]!;
      await Promise.all(
        planCalls(ready, deps.coalescer).map(async (call) => {
          const answers = await limit(() => runCall(call, { records: batch.records, stop, deps, deadline }));
          // Outside the call's slot: building the records is no reason to hold the next call back.
          call.members.forEach((m, k) => {
            prefix.settle(m.index, answers[k]!);
          });
          publishing.add(p, prefix.advance(meanwhile));
        }),
      );
      return prefix;
    }),
  ).finally(() => clearTimeout(timer));
  const evidence = {
    upLately: Date.now() - deps.health.lastSuccessAt < HEALTHY_WITHIN_MS,
    timeouts: deps.timeouts,
  };
  prefixes.forEach((prefix, p) => {
    publishing.add(p, prefix.finish(evidence));
  });
  const { acked, failure } = await publishing.finish();
  const outcomes = prefixes.flatMap((prefix) => prefix.outcomes);
  if (failure === undefined) return outcomes;
  return outcomes.map((o) => (acked.has(o) ? o : { fate: 'retry-later', record: o.record, failure }));
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
