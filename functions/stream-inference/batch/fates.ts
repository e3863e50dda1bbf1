import { FailureKind, internalFailure, RecordFailure } from '../failures.js';
import { type InputRecord, sourceOf } from '../inbound/event.js';
import type { CallResult, CheckResult } from '../model/model-call.js';
import type { TimeoutBudget } from '../model/timeout-budget.js';
import type { RecordBuilder } from '../outbound/output-records.js';
import type { RecordOutcome } from './outcomes.js';

/** What the batch's calls showed of the model, to judge a record the model failed on. */
export interface ModelEvidence {
  /**
   * The model answered a call within the last minute (HTTP 500 / gRPC INTERNAL rule). Undefined
   * while calls are in flight: a neighbour's later success may still prove the model up, so a record
   * judged by it waits for the end of the batch's calls.
   */
  readonly upLately: boolean | undefined;
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
 * Undefined when the evidence is not in yet.
 */
const recordAtFault = (
  record: InputRecord,
  result: Extract<CallResult, { kind: 'failed' }>,
  model: ModelEvidence,
): boolean | undefined => {
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
 * One record's fate when no earlier record of its partition holds it back, or undefined while its
 * failure is judged by evidence not in yet (see {@link ModelEvidence}).
 */
const decideFate = (
  record: InputRecord,
  result: CallResult,
  build: RecordBuilder,
  model: ModelEvidence,
): RecordOutcome | undefined => {
  if (result.kind === 'answer') return publish(record, result.body, build);
  if (result.kind === 'not-called') return { fate: 'retry-later', record, failure: earlierNotDone() };
  const { failure } = result;
  const policy = failure.policy;
  if (policy === 'dead-letter') return deadLetter(record, failure, build);
  if (policy === 'judge') {
    const atFault = recordAtFault(record, result, model);
    if (atFault === undefined) return undefined;
    if (atFault) return deadLetter(record, failure, build);
  }
  return { fate: 'retry-later', record, failure };
};

/**
 * One partition's fates, decided as its calls come back, in offset order: a record's fate is decided
 * once every earlier record of its partition has one, so the decided records are the partition's
 * finished prefix, which may be published while later calls are in flight. A record that must be
 * redelivered holds back every later record of its partition (whatever their calls bring), so that
 * the partition resumes exactly there and keeps its order.
 *
 * @example
 * const prefix = new FinishedPrefix(batch.records, checked, deps.records);
 * prefix.settle(3, answer);
 * publishing.add(p, prefix.advance({ upLately: undefined, timeouts }));
 * publishing.add(p, prefix.finish(evidence));
 */
export class FinishedPrefix {
  readonly #records: readonly InputRecord[];
  /** Undefined while the record's call is not back. */
  readonly #results: Array<CallResult | undefined>;
  readonly #build: RecordBuilder;
  readonly #outcomes: RecordOutcome[] = [];
  #blocked = false;

  constructor(records: readonly InputRecord[], checked: readonly CheckResult[], build: RecordBuilder) {
    this.#records = records;
    this.#results = checked.map((r) => (r.kind === 'ready' ? undefined : r));
    this.#build = build;
  }

  /** The record's call came back. */
  settle(index: number, result: CallResult): void {
    this.#results[index] = result;
  }

  /** The fates decided since the last call, in offset order. */
  advance(model: ModelEvidence): RecordOutcome[] {
    const start = this.#outcomes.length;
    for (let i = start; i < this.#records.length; i++) {
      const record = this.#records[i]!;
      if (this.#blocked) {
        this.#outcomes.push({ fate: 'retry-later', record, failure: earlierNotDone() });
        continue;
      }
      const result = this.#results[i];
      const outcome = result === undefined ? undefined : decideFate(record, result, this.#build, model);
      if (outcome === undefined) break;
      this.#blocked = outcome.fate === 'retry-later';
      this.#outcomes.push(outcome);
    }
    return this.#outcomes.slice(start);
  }

  /**
   * The fates not decided yet, once every call is back and `model` is the batch's whole evidence.
   * A record no call answered waits for redelivery.
   */
  finish(model: ModelEvidence): RecordOutcome[] {
    for (let i = 0; i < this.#results.length; i++) this.#results[i] ??= { kind: 'not-called' };
    return this.advance(model);
  }

  /** Every record's fate, once {@link finish} has run. */
  get outcomes(): readonly RecordOutcome[] {
    return this.#outcomes;
  }
}
