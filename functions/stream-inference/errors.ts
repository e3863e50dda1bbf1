/**
 * Every failure the stream can meet, one class per kind. `retriable` decides a record's fate:
 * a retriable error is retried and, when the time budget runs out, reported to Lambda for
 * redelivery; a non-retriable one dead-letters the record to the error topic.
 */
export const FailureKind = {
  decode: 'decode',
  shape: 'shape',
  unknownProto: 'unknown-proto-name',
  wrongTopic: 'wrong-topic',
  modelRejected: 'model-rejected',
  tooLarge: 'too-large',
  modelUnavailable: 'model-unavailable',
  modelError: 'model-error',
  modelTimeout: 'model-timeout',
  publish: 'publish',
  internal: 'internal',
} as const;
export type FailureKind = (typeof FailureKind)[keyof typeof FailureKind];

/** Base class: carries whether retrying can help and the original error as `cause`. */
export class MskInferenceError extends Error {
  readonly retriable: boolean;
  readonly kind: FailureKind;
  /** HTTP status or gRPC status code of the model's answer, when the model answered. */
  readonly status?: number;
  constructor(
    message: string,
    options: { kind: FailureKind; retriable: boolean; status?: number | undefined; cause?: unknown },
  ) {
    super(message, { cause: options.cause });
    this.name = 'MskInferenceError';
    this.kind = options.kind;
    this.retriable = options.retriable;
    if (options.status !== undefined) this.status = options.status;
  }
}

/** The record itself is wrong: retrying it can never succeed, so it goes to the error topic. */
export class BadRecordError extends MskInferenceError {
  constructor(message: string, options: { kind: FailureKind; status?: number; cause?: unknown }) {
    super(message, { ...options, retriable: false });
    this.name = 'BadRecordError';
  }
}

/** A fault outside the record (model down, timeout, throttling, broker unreachable). */
export class TransientError extends MskInferenceError {
  constructor(message: string, options: { kind: FailureKind; status?: number | undefined; cause?: unknown }) {
    super(message, { ...options, retriable: true });
    this.name = 'TransientError';
  }
}

/**
 * The model failed on this record in a way the record itself may cause, every time. Retried a few
 * times; if the model kept answering other records meanwhile, the record is the cause and is
 * dead-lettered, otherwise (the model answers nothing) it is left for redelivery.
 */
export class SuspectRecordError extends TransientError {
  constructor(message: string, options: { kind: FailureKind; status?: number | undefined; cause?: unknown }) {
    super(message, options);
    this.name = 'SuspectRecordError';
  }
}

/**
 * The model answered with an internal error (HTTP 500, gRPC INTERNAL): passing, or the record
 * crashes the model (MLServer and seldon-core answer 500 when the model's code raises on an input).
 */
export class ModelFailedError extends SuspectRecordError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { kind: FailureKind.modelError, ...options });
    this.name = 'ModelFailedError';
  }
}

/**
 * The model did not answer within MODEL_TIMEOUT_MS: overloaded, down, or stuck on this record (an
 * input that sends the model's code into a long loop) while it answers the others.
 */
export class ModelTimeoutError extends SuspectRecordError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { kind: FailureKind.modelTimeout, ...options });
    this.name = 'ModelTimeoutError';
  }
}

/**
 * A step of the function itself failed on this record (a bug, or an input our code cannot handle,
 * such as JSON nested too deep to serialize). The same bytes fail the same way on every redelivery,
 * so the record is dead-lettered: retried, it would block its partition for good.
 */
export class InternalError extends MskInferenceError {
  constructor(step: string, cause: unknown) {
    const what = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    super(`${step} failed inside the function: ${what}`, {
      kind: FailureKind.internal,
      retriable: false,
      cause,
    });
    this.name = 'InternalError';
  }
}

/**
 * Errors that mean a bug or an input our code cannot handle, never a passing fault: retrying burns
 * the time budget for nothing.
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/retry/index.js (`isErrorRetriable`)
 */
export const isProgrammingError = (error: unknown): boolean =>
  error instanceof TypeError ||
  error instanceof RangeError ||
  error instanceof ReferenceError ||
  error instanceof SyntaxError;

/** A configuration value is missing or invalid; raised once, at cold start. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

/** The Lambda event does not have the documented Kafka shape: nothing in it can be trusted. */
export class EventShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EventShapeError';
  }
}

/** Time ran out before a transient fault cleared; the records are reported for redelivery. */
export class RetryBudgetExhaustedError extends TransientError {
  constructor(attempts: number, cause: unknown) {
    const last = cause instanceof Error ? cause.message : String(cause);
    super(`gave up after ${attempts} attempt(s): ${last}`, {
      kind: cause instanceof MskInferenceError ? cause.kind : FailureKind.modelUnavailable,
      cause,
    });
    this.name = 'RetryBudgetExhaustedError';
  }
}

/**
 * Programming errors are not retried (see `isProgrammingError`); other unknown errors (an
 * unexpected library failure) are treated as transient: never dead-letter a good record.
 */
export const isRetriable = (error: unknown): boolean =>
  error instanceof MskInferenceError ? error.retriable : !isProgrammingError(error);
