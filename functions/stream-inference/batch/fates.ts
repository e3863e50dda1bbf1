import { FailureKind, internalFailure, RecordFailure } from '../failures.js';
import { type InputRecord, sourceOf } from '../inbound/event.js';
import type { CallResult } from '../model/model-call.js';
import type { TimeoutBudget } from '../model/timeout-budget.js';
import type { RecordBuilder } from '../outbound/output-records.js';
import type { RecordOutcome } from './outcomes.js';

/** What the batch's calls showed of the model, to judge a record the model failed on. */
export interface ModelEvidence {
  /** The model answered a call within the last minute (HTTP 500 / gRPC INTERNAL rule). */
  readonly upLately: boolean;
  readonly timeouts: TimeoutBudget;
}

const earlierNotDone = () =>
  new RecordFailure('an earlier record of this partition is not done; kept back to keep the order', {
    kind: FailureKind.modelUnavailable,
  });

/**
 * Was the record the cause of a `judge` failure? A model error counts against it if the model
 * answered any call lately; a timeout, once the record has timed out 3 times while the model
 * answered other calls (`TimeoutBudget.spent`); a not-found, if the model answered another call
 * between the record's first and last refusal (a model that served a minute ago and is being reloaded refuses every call:
 * not the record's fault). A model that answers nothing (down) is never the record's fault.
 */
const recordAtFault = (
  record: InputRecord,
  result: Extract<CallResult, { kind: 'failed' }>,
  model: ModelEvidence,
): boolean => {
  const { kind } = result.failure;
  if (kind === FailureKind.modelTimeout) return model.timeouts.spent(sourceOf(record));
  if (kind === FailureKind.modelNotFound) return result.refusedWhileServing === true;
  return model.upLately;
};

const deadLetter = (record: InputRecord, failure: RecordFailure, build: RecordBuilder): RecordOutcome => {
  try {
    return { fate: 'dead-lettered', record, failure, outbound: build.error(record, failure) };
  } catch (cause) {
    // The input's headers are the one part of an error record we do not write ourselves.
    const internal = internalFailure('building the error record', cause);
    const bare = { ...record, headers: [] };
    return { fate: 'dead-lettered', record, failure: internal, outbound: build.error(bare, internal) };
  }
};

const publish = (record: InputRecord, body: Buffer, build: RecordBuilder): RecordOutcome => {
  try {
    const outbound = build.output(record, body);
    // Key and headers count too: one record over the broker's limit fails the whole publish.
    const tooLarge = build.oversize(outbound);
    if (tooLarge === undefined) return { fate: 'published', record, outbound };
    return deadLetter(record, tooLarge, build);
  } catch (error) {
    // Thrown, it would fail the batch on every redelivery: the partition would be blocked for good.
    return deadLetter(record, internalFailure('building the output record', error), build);
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
): RecordOutcome[] => {
  let blocked = false;
  return records.map((record, i): RecordOutcome => {
    const result = results[i]!;
    if (blocked) return { fate: 'retry-later', record, failure: earlierNotDone() };
    if (result.kind === 'answer') return publish(record, result.body, build);
    if (result.kind === 'failed') {
      const { failure } = result;
      const policy = failure.policy;
      if (policy === 'dead-letter' || (policy === 'judge' && recordAtFault(record, result, model))) {
        return deadLetter(record, failure, build);
      }
      blocked = true;
      return { fate: 'retry-later', record, failure };
    }
    blocked = true;
    return { fate: 'retry-later', record, failure: earlierNotDone() };
  });
};
