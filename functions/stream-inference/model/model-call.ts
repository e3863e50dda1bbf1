import type { PipelineDeps } from '../batch/process-batch.js';
import { asFailure, detailOf, FailureKind, RecordFailure, reasonOf } from '../failures.js';
import { type InputRecord, sourceOf } from '../inbound/event.js';
import { endCall, inSpan, type RecordTrace } from '../tracing/record-spans.js';
import { type PlannedCall, SplitError } from './coalesce/index.js';
import { withRetry } from './retry.js';

/**
 * What one record's way to the model came to: the answer, the failure (judged in batch/fates.ts, a
 * model error once every call of the batch is back), or no call at all (an earlier record of its
 * partition must be redelivered, or a publish failed, so this one waits too).
 */
export type CallResult =
  | { readonly kind: 'answer'; readonly body: Buffer }
  | {
      readonly kind: 'failed';
      readonly failure: RecordFailure;
      /** The model answered another call after this record's first not-found, and still refused it. */
      readonly refusedWhileServing?: boolean;
    }
  | { readonly kind: 'not-called' };

/** The local check of one record: its request bytes, or its failure. */
export type CheckResult =
  | { readonly kind: 'ready'; readonly body: Buffer }
  | Extract<CallResult, { kind: 'failed' }>;

/** When the batch's model calls must end: the epoch ms, and a signal that fires then. */
export interface CallDeadline {
  readonly at: number;
  readonly signal: AbortSignal;
}

/** Once a record of a partition must be redelivered, later ones are not worth a call. */
export interface PartitionStop {
  offset: number;
}

/** What every call of one partition shares. */
export interface PartitionCalls {
  readonly records: readonly InputRecord[];
  readonly stop: PartitionStop;
  readonly deps: PipelineDeps;
  readonly deadline: CallDeadline;
}

const MODEL_FAILED_ATTEMPTS = 3;

/** What a record's not-found refusals showed: the first one's start, and a success after it. */
interface RefusalWatch {
  since?: number;
  refusedWhileServing: boolean;
}

/**
 * The local check of one record: its request bytes, or why it is a bad record.
 *
 * @example
 * const results = batch.records.map((record) => checkRecord(record, deps));
 */
export const checkRecord = (record: InputRecord, deps: PipelineDeps): CheckResult => {
  try {
    return { kind: 'ready', body: deps.prepare(record) };
  } catch (error) {
    if (error instanceof RecordFailure) return { kind: 'failed', failure: error };
    // The check is local and depends only on the record's bytes, so any other failure (a request
    // nested thousands of levels deep overflows a recursive shape check) would repeat on every
    // redelivery: thrown, it would fail the whole batch forever. It is this record's fate instead.
    return {
      kind: 'failed',
      failure: new RecordFailure(`the request could not be checked: ${reasonOf(error)}`, {
        kind: FailureKind.shape,
        detail: detailOf(error),
        cause: error,
      }),
    };
  }
};

/**
 * One planned call's results, one per member, in order. Never rejects: whatever fails in a packed
 * call is retried member by member, and whatever fails for one record is that record's fate.
 *
 * @example
 * const answers = await runCall(call, { records: batch.records, stop, deps, deadline });
 */
export const runCall = async (call: PlannedCall, partition: PartitionCalls): Promise<CallResult[]> => {
  const { records, stop, deps, deadline } = partition;
  const first = records[call.members[0]!.index]!;
  if (call.members.length === 1) return [await callModel(first, call.body, stop, deps, deadline)];
  try {
    return await runPacked(call, partition);
  } catch {
    // Splitting the call failed in an unforeseen way: each member goes alone with its own bytes.
    const alone = call.members.map((m) => ({ members: [m], body: m.body }));
    return (await Promise.all(alone.map((c) => runCall(c, partition)))).flat();
  }
};

const runPacked = async (call: PlannedCall, partition: PartitionCalls): Promise<CallResult[]> => {
  const { records, stop, deps, deadline } = partition;
  const first = records[call.members[0]!.index]!;
  if (first.offset > stop.offset) return call.members.map(() => ({ kind: 'not-called' }));
  // Its own span: each member's output record keeps the member's span, not the shared call's.
  const traced = deps.tracer?.packedCall(call.members.map((m) => records[m.index]!));
  const coalescer = deps.coalescer!;
  let answer: Buffer | undefined;
  try {
    answer = await infer(call.body, deps, deadline, { traced });
    endCall(traced);
    const answers = coalescer.split(answer, call).map((body) => checkSize(body, deps));
    coalescer.size.accepted(call.members.length, call.full === true);
    return answers;
  } catch (error) {
    // The call's span ends once: with the model's answer, or with the error that stood for one.
    if (answer === undefined) endCall(traced, error);
    // One bad record must not fail its neighbours: a refused or unsplittable packed call (an answer
    // that does not add up, or one too deep to serialize) is split in halves and retried (as
    // Lambda's bisect-on-error does), down to the record at fault.
    const failure =
      error instanceof SplitError
        ? undefined
        : asFailure(error, 'the model call', FailureKind.modelUnavailable);
    if (failure === undefined || failure.policy !== 'retry') {
      const halves = coalescer.bisect(call);
      const answers = (await Promise.all(halves.map((half) => runCall(half, partition)))).flat();
      // Refused whole yet answered in parts: the size was at fault. A 5xx or a timeout says nothing of it.
      const refusedForSize = failure === undefined || failure.kind === FailureKind.modelRejected;
      if (refusedForSize && answers.every((a) => a.kind === 'answer')) {
        coalescer.size.refused(call.members.length);
      }
      return answers;
    }
    stop.offset = Math.min(stop.offset, first.offset);
    return call.members.map(() => ({ kind: 'failed', failure }));
  }
};

/** Whose call it is: one record's (its timeouts and refusals are counted), or a packed one. */
interface CallOf {
  readonly record?: InputRecord;
  readonly refusals?: RefusalWatch;
  /** The span every attempt of the call carries. */
  readonly traced?: RecordTrace | undefined;
}

const infer = async (
  body: Buffer,
  deps: PipelineDeps,
  deadline: CallDeadline,
  { record, refusals = { refusedWhileServing: false }, traced }: CallOf,
): Promise<Buffer> => {
  const started = performance.now();
  const source = record === undefined ? undefined : sourceOf(record);
  const { timeouts, health } = deps;
  let answeredAttemptAt = 0;
  const answer = await withRetry(
    async (signal) => {
      const at = Date.now();
      // Another call answered since the first not-found: if this attempt is refused too, the model
      // is serving and it is this record it does not serve (a rollout refuses every call alike).
      const servedSince = refusals.since !== undefined && health.lastSuccessAt > refusals.since;
      try {
        const answer = await inSpan(traced, () => deps.transport.infer(body, signal, traced?.propagation));
        // Inside the attempt: a bad answer is retried like an HTTP 500 and proves nothing of the model.
        deps.checkAnswer(answer);
        answeredAttemptAt = at;
        return answer;
      } catch (error) {
        const kind = error instanceof RecordFailure ? error.kind : undefined;
        if (kind === FailureKind.modelTimeout && source !== undefined) {
          timeouts.timedOut(source, at, health.lastSuccessStartedAt);
        }
        if (kind === FailureKind.modelNotFound) {
          refusals.since ??= at;
          refusals.refusedWhileServing ||= servedSince;
        }
        throw error;
      }
    },
    {
      baseMs: deps.config.pipeline.retryBaseMs,
      maxMs: deps.config.pipeline.retryMaxMs,
      deadline: deadline.at,
      signal: deadline.signal,
      // A record's timeouts count across invocations: one that hangs the model is given up on even
      // when each invocation leaves time for fewer attempts than the budget.
      suspectAttempts: (failure) =>
        failure.kind === FailureKind.modelTimeout && source !== undefined
          ? timeouts.exhausted(source)
            ? 1
            : Number.POSITIVE_INFINITY
          : MODEL_FAILED_ATTEMPTS,
    },
  );
  health.lastSuccessAt = Date.now();
  health.lastSuccessStartedAt = Math.max(health.lastSuccessStartedAt, answeredAttemptAt);
  deps.onModelLatency?.(performance.now() - started);
  return answer;
};

const checkSize = (answer: Buffer, deps: PipelineDeps): CallResult => {
  const max = deps.config.pipeline.maxRecordBytes;
  if (answer.length <= max) return { kind: 'answer', body: answer };
  return {
    kind: 'failed',
    failure: new RecordFailure(`model answer of ${answer.length} bytes exceeds MAX_RECORD_BYTES ${max}`, {
      kind: FailureKind.tooLarge,
    }),
  };
};

const callModel = async (
  record: InputRecord,
  body: Buffer,
  stop: PartitionStop,
  deps: PipelineDeps,
  deadline: CallDeadline,
): Promise<CallResult> => {
  if (record.offset > stop.offset) return { kind: 'not-called' };
  const refusals: RefusalWatch = { refusedWhileServing: false };
  try {
    return checkSize(await infer(body, deps, deadline, { record, refusals, traced: record.trace }), deps);
  } catch (error) {
    const failure = asFailure(error, 'the model call', FailureKind.modelUnavailable);
    // Once a record of this partition waits for redelivery, later ones are not worth a call.
    if (failure.policy === 'retry') stop.offset = Math.min(stop.offset, record.offset);
    return { kind: 'failed', failure, refusedWhileServing: refusals.refusedWhileServing };
  }
};
