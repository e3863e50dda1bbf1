import type { CallResult } from './calls.js';
import {
  FailureKind,
  InternalError,
  ModelNotFoundError,
  ModelTimeoutError,
  type MskInferenceError,
  TransientError,
} from './errors.js';
import { type InputRecord, sourceOf } from './event.js';
import type { RecordOutcome } from './outcome.js';
import type { OutboundRecord } from './publisher.js';
import type { RecordBuilder } from './records.js';
import type { TimeoutBudget } from './timeouts.js';

/** A record's fate before the publish: what to produce for it, if anything. */
export type PendingOutcome =
  | { readonly status: 'retry-later'; readonly record: InputRecord; readonly error: unknown }
  | { readonly status: 'published'; readonly record: InputRecord; readonly outbound: OutboundRecord }
  | {
      readonly status: 'dead-lettered';
      readonly record: InputRecord;
      readonly error: MskInferenceError;
      readonly outbound: OutboundRecord;
    };

/** What the batch's calls showed of the model, to judge a record the model failed on. */
export interface ModelEvidence {
  /** The model answered a call within the last minute (HTTP 500 / gRPC INTERNAL rule). */
  readonly upLately: boolean;
  readonly timeouts: TimeoutBudget;
}

const EARLIER_NOT_DONE = 'an earlier record of this partition is not done; kept back to keep the order';
const earlierNotDone = () => new TransientError(EARLIER_NOT_DONE, { kind: FailureKind.modelUnavailable });

export const toFinal = (o: PendingOutcome): RecordOutcome => {
  if (o.status === 'published') return { status: 'published', record: o.record };
  if (o.status === 'dead-lettered') return { status: 'dead-lettered', record: o.record, error: o.error };
  return o;
};

/**
 * Was the record the cause? A model error counts against it if the model answered any call lately;
 * a timeout, if by the record's latest timeout the model had answered a call that began after the
 * record's first timed-out attempt (see `TimeoutBudget.servedMeanwhile`); a
 * not-found, if the model answered another call between the record's first and last refusal (a
 * model that served a minute ago and is being reloaded refuses every call: not the record's fault).
 * A model that answers nothing (down) is never the record's fault: it is left for redelivery.
 */
const judgeSuspect = (record: InputRecord, result: CallResult, model: ModelEvidence): CallResult => {
  if (result.kind !== 'suspect') return result;
  const error = result.error;
  let recordAtFault = model.upLately;
  if (error instanceof ModelTimeoutError) {
    recordAtFault = model.timeouts.servedMeanwhile(sourceOf(record));
  } else if (error instanceof ModelNotFoundError) {
    recordAtFault = result.refusedWhileServing;
  }
  return recordAtFault ? { kind: 'bad', error } : { kind: 'retry', error };
};

const deadLetter = (record: InputRecord, error: MskInferenceError, build: RecordBuilder): PendingOutcome => {
  try {
    return { status: 'dead-lettered', record, error, outbound: build.error(record, error) };
  } catch (cause) {
    // The input's headers are the one part of an error record we do not write ourselves.
    const internal = new InternalError('building the error record', cause);
    const bare = { ...record, headers: [] };
    return { status: 'dead-lettered', record, error: internal, outbound: build.error(bare, internal) };
  }
};

const published = (record: InputRecord, body: Buffer, build: RecordBuilder): PendingOutcome => {
  try {
    const outbound = build.output(record, body);
    // Key and headers count too: one record over the broker's limit fails the whole publish.
    const tooLarge = build.oversize(outbound);
    if (tooLarge === undefined) return { status: 'published', record, outbound };
    return deadLetter(record, tooLarge, build);
  } catch (error) {
    // Thrown, it would fail the batch on every redelivery: the partition would be blocked for good.
    return deadLetter(record, new InternalError('building the output record', error), build);
  }
};

/**
 * Each record's fate, in offset order: a record that must be redelivered holds back every later
 * record of its partition, so that the partition resumes exactly there and keeps its order.
 *
 * @example
 * const outcomes = decideFates(batch.records, results, deps.records, evidence);
 */
export const decideFates = (
  records: readonly InputRecord[],
  results: readonly CallResult[],
  build: RecordBuilder,
  model: ModelEvidence,
): PendingOutcome[] => {
  let blocked = false;
  return records.map((record, i): PendingOutcome => {
    const result = judgeSuspect(record, results[i]!, model);
    if (blocked) return { status: 'retry-later', record, error: earlierNotDone() };
    if (result.kind === 'answer') return published(record, result.body, build);
    if (result.kind === 'bad') return deadLetter(record, result.error, build);
    // A retry, a skipped record, or one no call answered for (cannot happen): redeliver, never lose.
    blocked = true;
    return {
      status: 'retry-later',
      record,
      error: result.kind === 'retry' ? result.error : earlierNotDone(),
    };
  });
};
