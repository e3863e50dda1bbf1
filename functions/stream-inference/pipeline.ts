import pLimit from 'p-limit';
import type { Config } from './config.js';
import {
  BadRecordError,
  FailureKind,
  ModelFailedError,
  type MskInferenceError,
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
  | { readonly kind: 'answer'; readonly body: Buffer }
  | { readonly kind: 'bad'; readonly error: MskInferenceError }
  | { readonly kind: 'retry'; readonly error: unknown }
  | { readonly kind: 'suspect'; readonly error: ModelFailedError }
  | { readonly kind: 'skipped' };

const MODEL_FAILED_ATTEMPTS = 3;

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
  const results = await Promise.all(
    partitions.map((batch) => {
      // Once a record of this partition must be redelivered, later ones are not worth a call.
      const stop = { offset: Number.POSITIVE_INFINITY };
      return Promise.all(
        batch.records.map((record) => limit(() => callModel(record, stop, deps, deadlines.calls))),
      );
    }),
  );
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

const callModel = async (
  record: InputRecord,
  stop: { offset: number },
  deps: PipelineDeps,
  deadline: number,
): Promise<CallResult> => {
  if (record.offset > stop.offset) return { kind: 'skipped' };
  let body: Buffer;
  try {
    body = deps.prepare(record);
  } catch (error) {
    if (error instanceof BadRecordError) return { kind: 'bad', error };
    throw error;
  }
  try {
    const started = performance.now();
    const answer = await withRetry((signal) => deps.transport.infer(body, signal), {
      baseMs: deps.config.pipeline.retryBaseMs,
      maxMs: deps.config.pipeline.retryMaxMs,
      deadline,
      modelFailedAttempts: MODEL_FAILED_ATTEMPTS,
    });
    deps.health.lastSuccessAt = Date.now();
    deps.onModelLatency?.(performance.now() - started);
    const max = deps.config.pipeline.maxRecordBytes;
    if (answer.length > max) {
      return {
        kind: 'bad',
        error: new BadRecordError(`model answer of ${answer.length} bytes exceeds MAX_RECORD_BYTES ${max}`, {
          kind: FailureKind.tooLarge,
        }),
      };
    }
    return { kind: 'answer', body: answer };
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
    if (result.kind === 'answer')
      return { status: 'published', record, outbound: build.output(record, result.body) };
    const error = (result as { error: MskInferenceError }).error;
    return { status: 'dead-lettered', record, error, outbound: build.error(record, error) };
  });
};
