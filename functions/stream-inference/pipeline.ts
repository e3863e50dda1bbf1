import { setMaxListeners } from 'node:events';
import pLimit from 'p-limit';
import { type Coalescer, type PlannedCall, SplitError } from './coalesce/index.js';
import type { Config } from './config.js';
import {
  BadRecordError,
  detailOf,
  FailureKind,
  ModelFailedError,
  type MskInferenceError,
  reasonOf,
  TransientError,
} from './errors.js';
import type { InputRecord, PartitionBatch } from './event.js';
import type { RecordOutcome } from './outcome.js';
import type { OutboundRecord, Publisher } from './publisher.js';
import type { RecordBuilder } from './records.js';
import type { RequestPreparer } from './request.js';
import { withRetry } from './retry.js';
import type { ModelTransport } from './transport/index.js';

export interface PipelineDeps {
  readonly config: Config;
  readonly prepare: RequestPreparer;
  readonly records: RecordBuilder;
  readonly transport: ModelTransport;
  readonly publisher: Publisher;
  /** Called with each successful model call's latency in ms. */
  readonly onModelLatency?: (ms: number) => void;
  /** Lives as long as the warm container: when the model last answered a call successfully. */
  readonly health: ModelHealth;
  /** Packs records of a partition into shared model calls (opt-in, REST only). */
  readonly coalescer?: Coalescer;
}

export interface ModelHealth {
  lastSuccessAt: number;
}

/** A model that answered another call this recently is up: its failure on one record is that record's. */
const HEALTHY_WITHIN_MS = 60_000;

export interface Deadlines {
  /** No model call or backoff runs past this (epoch ms). */
  readonly calls: number;
  /** The broker must have acknowledged every record by this (epoch ms). */
  readonly publish: number;
}

type CallResult =
  | { readonly kind: 'ready'; readonly body: Buffer }
  | { readonly kind: 'answer'; readonly body: Buffer }
  | { readonly kind: 'bad'; readonly error: MskInferenceError }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'suspect'; readonly error: ModelFailedError }
  | { readonly kind: 'skipped' };

const MODEL_FAILED_ATTEMPTS = 3;

/** When the batch's model calls must end: the epoch ms, and a signal that fires then. */
interface CallDeadline {
  readonly at: number;
  readonly signal: AbortSignal;
}

const EARLIER_NOT_DONE = 'an earlier record of this partition is not done; kept back to keep the order';

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
      const results: CallResult[] = batch.records.map((record) => prepare(record, deps));
      const ready = results.flatMap((r, index) => (r.kind === 'ready' ? [{ index, body: r.body }] : []));
      const calls: PlannedCall[] =
        deps.coalescer === undefined
          ? ready.map((r) => ({ members: [r], body: r.body }))
          : deps.coalescer.plan(ready);
      // Once a record of this partition must be redelivered, later ones are not worth a call.
      const stop = { offset: Number.POSITIVE_INFINITY };
      await Promise.all(
        calls.map((call) =>
          limit(async () => {
            const answers = await runCall(call, batch.records, stop, deps, deadline);
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
  const modelUp = Date.now() - deps.health.lastSuccessAt < HEALTHY_WITHIN_MS;
  const outcomes = partitions.flatMap((batch, i) =>
    toOutcomes(batch.records, results[i]!, deps.records, modelUp),
  );
  const outbound = outcomes.flatMap((o) => (o.status === 'retry-later' ? [] : [o.outbound]));
  try {
    await deps.publisher.publish(outbound, deadlines.publish);
  } catch (error) {
    return outcomes.map((o) => ({ status: 'retry-later', record: o.record, error }));
  }
  return outcomes.map(toFinal);
};

const prepare = (record: InputRecord, deps: PipelineDeps): CallResult => {
  try {
    return { kind: 'ready', body: deps.prepare(record) };
  } catch (error) {
    if (error instanceof BadRecordError) return { kind: 'bad', error };
    // The check is local and depends only on the record's bytes, so any other failure (a request
    // nested thousands of levels deep overflows a recursive shape check) would repeat on every
    // redelivery: thrown, it would fail the whole batch forever. It is this record's fate instead.
    return {
      kind: 'bad',
      error: new BadRecordError(`the request could not be checked: ${reasonOf(error)}`, {
        kind: FailureKind.shape,
        detail: detailOf(error),
        cause: error,
      }),
    };
  }
};

const runCall = async (
  call: PlannedCall,
  records: readonly InputRecord[],
  stop: { offset: number },
  deps: PipelineDeps,
  deadline: CallDeadline,
): Promise<CallResult[]> => {
  const first = records[call.members[0]!.index]!;
  if (call.members.length === 1) return [await callModel(first, call.body, stop, deps, deadline)];
  if (first.offset > stop.offset) return call.members.map(() => ({ kind: 'skipped' }));
  try {
    const answer = await infer(call.body, deps, deadline);
    return deps.coalescer!.split(answer, call).map((body) => checkSize(body, deps));
  } catch (error) {
    // One bad record must not fail its neighbours: a refused or unsplittable packed call is split
    // in halves and retried (as Lambda's bisect-on-error does), down to the record at fault.
    if (error instanceof BadRecordError || error instanceof ModelFailedError || error instanceof SplitError) {
      const halves = deps.coalescer!.bisect(call);
      const answers = await Promise.all(halves.map((half) => runCall(half, records, stop, deps, deadline)));
      return answers.flat();
    }
    stop.offset = Math.min(stop.offset, first.offset);
    return call.members.map(() => ({ kind: 'retry', error }));
  }
};

const infer = async (body: Buffer, deps: PipelineDeps, deadline: CallDeadline): Promise<Buffer> => {
  const started = performance.now();
  const answer = await withRetry((signal) => deps.transport.infer(body, signal), {
    baseMs: deps.config.pipeline.retryBaseMs,
    maxMs: deps.config.pipeline.retryMaxMs,
    deadline: deadline.at,
    signal: deadline.signal,
    modelFailedAttempts: MODEL_FAILED_ATTEMPTS,
  });
  deps.health.lastSuccessAt = Date.now();
  deps.onModelLatency?.(performance.now() - started);
  return answer;
};

const checkSize = (answer: Buffer, deps: PipelineDeps): CallResult => {
  const max = deps.config.pipeline.maxRecordBytes;
  if (answer.length <= max) return { kind: 'answer', body: answer };
  return {
    kind: 'bad',
    error: new BadRecordError(`model answer of ${answer.length} bytes exceeds MAX_RECORD_BYTES ${max}`, {
      kind: FailureKind.tooLarge,
    }),
  };
};

const callModel = async (
  record: InputRecord,
  body: Buffer,
  stop: { offset: number },
  deps: PipelineDeps,
  deadline: CallDeadline,
): Promise<CallResult> => {
  if (record.offset > stop.offset) return { kind: 'skipped' };
  try {
    return checkSize(await infer(body, deps, deadline), deps);
  } catch (error) {
    if (error instanceof BadRecordError) return { kind: 'bad', error };
    if (error instanceof ModelFailedError) return { kind: 'suspect', error };
    stop.offset = Math.min(stop.offset, record.offset);
    return { kind: 'retry', error };
  }
};

type PendingOutcome =
  | { readonly status: 'retry-later'; readonly record: InputRecord; readonly error: unknown }
  | { readonly status: 'published'; readonly record: InputRecord; readonly outbound: OutboundRecord }
  | {
      readonly status: 'dead-lettered';
      readonly record: InputRecord;
      readonly error: MskInferenceError;
      readonly outbound: OutboundRecord;
    };

const toFinal = (o: PendingOutcome): RecordOutcome => {
  if (o.status === 'published') return { status: 'published', record: o.record };
  if (o.status === 'dead-lettered') return { status: 'dead-lettered', record: o.record, error: o.error };
  return o;
};

const toOutcomes = (
  records: readonly InputRecord[],
  results: readonly CallResult[],
  build: RecordBuilder,
  modelUp: boolean,
): PendingOutcome[] => {
  let blockedBy: unknown;
  return records.map((record, i) => {
    const raw = results[i]!;
    const result: CallResult =
      raw.kind !== 'suspect'
        ? raw
        : modelUp
          ? { kind: 'bad', error: raw.error }
          : { kind: 'retry', error: raw.error };
    if (blockedBy === undefined && (result.kind === 'retry' || result.kind === 'skipped')) {
      blockedBy =
        result.kind === 'retry'
          ? result.error
          : new TransientError(EARLIER_NOT_DONE, { kind: FailureKind.modelUnavailable });
      return { status: 'retry-later', record, error: blockedBy };
    }
    if (blockedBy !== undefined) {
      return {
        status: 'retry-later',
        record,
        error: new TransientError(EARLIER_NOT_DONE, { kind: FailureKind.modelUnavailable }),
      };
    }
    if (result.kind === 'answer') {
      const outbound = build.output(record, result.body);
      // Key and headers count too: one record over the broker's limit fails the whole publish.
      const tooLarge = build.oversize(outbound);
      if (tooLarge === undefined) return { status: 'published', record, outbound };
      return { status: 'dead-lettered', record, error: tooLarge, outbound: build.error(record, tooLarge) };
    }
    if (result.kind === 'bad') {
      return {
        status: 'dead-lettered',
        record,
        error: result.error,
        outbound: build.error(record, result.error),
      };
    }
    // A record no call answered for (cannot happen today): redeliver it rather than lose it.
    return {
      status: 'retry-later',
      record,
      error: new TransientError(EARLIER_NOT_DONE, { kind: FailureKind.modelUnavailable }),
    };
  });
};
