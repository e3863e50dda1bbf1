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
  publish: 'publish',
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
 * The model answered, but with an internal error (HTTP 500, gRPC INTERNAL). It may be passing, or
 * the record may crash the model every time (MLServer and seldon-core answer 500 when the model's
 * code raises on an input). Retried a few times; if the model kept answering other records
 * meanwhile, the record is the cause and is dead-lettered, otherwise it is left for redelivery.
 */
export class ModelFailedError extends TransientError {
  constructor(message: string, options: { status?: number; cause?: unknown } = {}) {
    super(message, { kind: FailureKind.modelError, ...options });
    this.name = 'ModelFailedError';
  }
}

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

/** Unknown errors (a bug, an unexpected library failure) are treated as transient: never dead-letter a good record. */
export const isRetriable = (error: unknown): boolean =>
  error instanceof MskInferenceError ? error.retriable : true;
