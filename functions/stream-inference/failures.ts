import { capped, MAX_DETAIL_CHARS } from './reason.js';

/**
 * Every way a record can fail, by kind: written in `msk-inference-error-kind` on its error record and
 * in the log. A bad configuration or event has no kind: it fails the whole invocation.
 */
export const FailureKind = {
  decode: 'decode',
  shape: 'shape',
  unknownProto: 'unknown-proto-name',
  wrongTopic: 'wrong-topic',
  modelRejected: 'model-rejected',
  tooLarge: 'too-large',
  modelUnavailable: 'model-unavailable',
  modelUnauthorized: 'model-unauthorized',
  modelNotFound: 'model-not-found',
  modelError: 'model-error',
  modelTimeout: 'model-timeout',
  publish: 'publish',
  internal: 'internal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/**
 * What a failure does to its record:
 * - `dead-letter`: the record is wrong, or our code cannot handle it; retrying cannot help, and
 *   retried it would block its partition for good. It goes to the error topic with its reason.
 * - `retry`: a fault outside the record (model down, throttled, credentials refused, broker away):
 *   retried with backoff until the deadline, then left for Lambda to redeliver.
 * - `judge`: the model failed on this record in a way the record itself may cause (HTTP 500, a
 *   timeout, a version not served): retried a few times, then dead-lettered if the model answered
 *   other records meanwhile, else left for redelivery (batch/fates.ts).
 */
export type FailurePolicy = 'dead-letter' | 'retry' | 'judge';

/** The one table from a failure's kind to what becomes of its record. */
export const POLICY: Readonly<Record<FailureKind, FailurePolicy>> = {
  [FailureKind.decode]: 'dead-letter',
  [FailureKind.shape]: 'dead-letter',
  [FailureKind.unknownProto]: 'dead-letter',
  [FailureKind.wrongTopic]: 'dead-letter',
  [FailureKind.modelRejected]: 'dead-letter',
  [FailureKind.tooLarge]: 'dead-letter',
  [FailureKind.internal]: 'dead-letter',
  [FailureKind.modelUnavailable]: 'retry',
  // Never the record's fault: dead-lettering on it would empty the stream into the error topic while
  // a credential rotates. Its own kind, so that `ModelUnauthorized` counts it and an alarm fires.
  [FailureKind.modelUnauthorized]: 'retry',
  [FailureKind.publish]: 'retry',
  // HTTP 500 / gRPC INTERNAL: passing, or the record crashes the model's code, every time.
  [FailureKind.modelError]: 'judge',
  // A rollout refuses every call alike; a record naming a version the server lacks, only itself.
  [FailureKind.modelNotFound]: 'judge',
  // Overloaded, down, or stuck on this record while it answers the others.
  [FailureKind.modelTimeout]: 'judge',
};

/** What every failure carries besides its reason. */
export interface FailureOptions {
  readonly kind: FailureKind;
  /** HTTP status or gRPC status code of the model's answer, when the model answered. */
  readonly status?: number | undefined;
  /**
   * Record or reply content that explains the failure (a parse message, the model's error body):
   * logged only when LOG_PAYLOADS=true, never put in a header.
   */
  readonly detail?: string | undefined;
  /** The error that caused this one, for the in-process chain; never logged as it is. */
  readonly cause?: unknown;
  /** Time ran out while the fault lasted: the record waits for redelivery, whatever the kind. */
  readonly outOfTime?: boolean;
}

/**
 * Why one record failed. Its `message` is the reason logged and put in `msk-inference-error`: our
 * words and bounded facts only (see reason.ts), capped at MAX_REASON_CHARS here so that no caller
 * can forget. Its kind (and whether time ran out) decides its fate, through {@link POLICY}.
 *
 * @example
 * throw new RecordFailure('record has no value', { kind: FailureKind.decode });
 */
export class RecordFailure extends Error {
  readonly kind: FailureKind;
  readonly status?: number;
  readonly detail?: string;
  readonly outOfTime: boolean;
  constructor(message: string, options: FailureOptions) {
    super(capped(message), { cause: options.cause });
    this.name = 'RecordFailure';
    this.kind = options.kind;
    this.outOfTime = options.outOfTime ?? false;
    if (options.status !== undefined) this.status = options.status;
    if (options.detail !== undefined) this.detail = capped(options.detail, MAX_DETAIL_CHARS);
  }

  get policy(): FailurePolicy {
    return this.outOfTime ? 'retry' : POLICY[this.kind];
  }
}

/** A configuration value is missing or invalid; raised once, at cold start. */
export class ConfigError extends Error {
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

/** The Lambda event does not have the documented Kafka shape: nothing in it can be trusted. */
export class EventShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventShapeError';
  }
}

/**
 * The event does not come from the Kafka cluster the function is configured for (its
 * `eventSource`, `eventSourceArn` or `bootstrapServers` differ): nothing in it is processed,
 * published or dead-lettered, and the invocation fails. Names what differed; never a secret.
 */
export class EventSourceMismatchError extends Error {
  /** The event's field that differed. */
  readonly field: 'eventSource' | 'eventSourceArn' | 'bootstrapServers';
  constructor(field: EventSourceMismatchError['field'], message: string) {
    super(`event refused: ${message}`);
    this.name = 'EventSourceMismatchError';
    this.field = field;
  }
}

/**
 * Records are not done and the event source mapping cannot take a partial batch response (on-demand
 * pollers, REPORT_BATCH_ITEM_FAILURES=false): thrown, so that Lambda retries the whole batch.
 */
export class BatchNotDoneError extends Error {
  constructor(readonly counts: { readonly in: number; readonly retryLater: number }) {
    super(`${counts.retryLater} of ${counts.in} records are not done; the batch will be retried`);
    this.name = 'BatchNotDoneError';
  }
}

/**
 * A step of the function itself failed on this record (a bug, or an input our code cannot handle,
 * such as JSON nested too deep to serialize). The same bytes fail the same way on every redelivery,
 * so the record is dead-lettered (kind `internal`) and the stack logged: retried, it would block its
 * partition for good.
 *
 * @example
 * return deadLetter(record, internalFailure('building the output record', error));
 */
export const internalFailure = (step: string, cause: unknown): RecordFailure =>
  // A runtime error's message may quote the record (a property name, a value): it is the detail.
  new RecordFailure(`${step} failed inside the function: ${reasonOf(cause)}`, {
    kind: FailureKind.internal,
    detail: detailOf(cause),
    cause,
  });

/**
 * Time ran out before a fault cleared: the record waits for redelivery. The kind stays the last
 * fault's (what `ModelUnauthorized` counts), the reason says how many attempts were made.
 *
 * @example
 * throw outOfTime(3, lastError);
 */
export const outOfTime = (attempts: number, cause: unknown): RecordFailure => {
  const detail = detailOf(cause);
  return new RecordFailure(`gave up after ${attempts} attempt(s): ${reasonOf(cause)}`, {
    kind: cause instanceof RecordFailure ? cause.kind : FailureKind.modelUnavailable,
    ...(detail === undefined ? {} : { detail }),
    cause,
    outOfTime: true,
  });
};

/**
 * Any thrown value as a record's failure: ours as it is; a programming error (TypeError, RangeError,
 * ReferenceError, SyntaxError: a bug, or an input our code cannot handle) as `internal`, never
 * retried, as kafkajs' `isErrorRetriable` never retries them; anything else (an unexpected library
 * failure) as `fallback`, retried: never dead-letter a good record on a fault we do not know.
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/retry/index.js (`isErrorRetriable`)
 * @example
 * const failure = asFailure(error, 'the model call', FailureKind.modelUnavailable);
 */
export const asFailure = (error: unknown, step: string, fallback: FailureKind): RecordFailure => {
  if (error instanceof RecordFailure) return error;
  if (isProgrammingError(error)) return internalFailure(step, error);
  return new RecordFailure(`${step} failed: ${reasonOf(error)}`, {
    kind: fallback,
    detail: detailOf(error),
    cause: error,
  });
};

const isProgrammingError = (error: unknown): boolean =>
  error instanceof TypeError ||
  error instanceof RangeError ||
  error instanceof ReferenceError ||
  error instanceof SyntaxError;

/**
 * What may be logged of any error as its reason: the message of ours (our words, see reason.ts),
 * only the class name of anyone else's (a library's message may quote the record or a secret; it
 * is the error's {@link detailOf}).
 *
 * @example
 * logger.warn('records left for redelivery', { reason: reasonOf(error) });
 */
export const reasonOf = (error: unknown): string => {
  if (error instanceof RecordFailure || error instanceof ConfigError) return error.message;
  if (error instanceof Error) return error.name;
  return `a thrown ${typeof error}`;
};

/**
 * The content that explains an error, for LOG_PAYLOADS=true: the detail of ours, the (capped)
 * message of anyone else's.
 *
 * @example
 * const detail = logPayloads ? detailOf(error) : undefined;
 */
export const detailOf = (error: unknown): string | undefined => {
  if (error instanceof RecordFailure) return error.detail;
  if (error instanceof ConfigError) return undefined;
  return capped(error instanceof Error ? error.message : String(error), MAX_DETAIL_CHARS);
};
