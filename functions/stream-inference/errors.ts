import { capped, MAX_DETAIL_CHARS } from './reason.js';
import type { Verdict } from './status.js';

/**
 * Every way a record can fail, by kind. Each `MskInferenceError` carries its `kind`, and the classes
 * below group the kinds by how the record fares (bad, transient, suspect, internal failure);
 * a bad configuration or event has no kind, as it fails the whole invocation. `retriable` decides a
 * record's fate: a retriable error is retried and, when the time budget runs out, reported to
 * Lambda for redelivery; a non-retriable one dead-letters the record to the error topic.
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
}

/**
 * Base class: carries whether retrying can help and the original error as `cause`. Its `message`
 * is the reason logged and put in `msk-inference-error`: our words and bounded facts only (see
 * reason.ts), capped at MAX_REASON_CHARS here so that no caller can forget.
 */
export class MskInferenceError extends Error {
  readonly retriable: boolean;
  readonly kind: FailureKind;
  readonly status?: number;
  readonly detail?: string;
  constructor(message: string, options: FailureOptions & { readonly retriable: boolean }) {
    super(capped(message), { cause: options.cause });
    this.name = 'MskInferenceError';
    this.kind = options.kind;
    this.retriable = options.retriable;
    if (options.status !== undefined) this.status = options.status;
    if (options.detail !== undefined) this.detail = capped(options.detail, MAX_DETAIL_CHARS);
  }
}

/** The record itself is wrong: retrying it can never succeed, so it goes to the error topic. */
export class BadRecordError extends MskInferenceError {
  constructor(message: string, options: FailureOptions) {
    super(message, { ...options, retriable: false });
    this.name = 'BadRecordError';
  }
}

/** A fault outside the record (model down, timeout, throttling, broker unreachable). */
export class TransientError extends MskInferenceError {
  constructor(message: string, options: FailureOptions) {
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
  constructor(message: string, options: FailureOptions) {
    super(message, options);
    this.name = 'SuspectRecordError';
  }
}

/**
 * The model answered with an internal error (HTTP 500, gRPC INTERNAL): passing, or the record
 * crashes the model (MLServer and seldon-core answer 500 when the model's code raises on an input).
 */
export class ModelFailedError extends SuspectRecordError {
  constructor(message: string, options: Omit<FailureOptions, 'kind'> = {}) {
    super(message, { kind: FailureKind.modelError, ...options });
    this.name = 'ModelFailedError';
  }
}

/**
 * The model refused the function's credentials (HTTP 401/403/407, gRPC UNAUTHENTICATED or
 * PERMISSION_DENIED, Lambda's AccessDeniedException). Never the record's fault: retried, then left
 * for redelivery. A kind of its own, so that `ModelUnauthorized` counts it and an alarm fires on it
 * rather than on a generic outage.
 */
export class ModelUnauthorizedError extends TransientError {
  constructor(message: string, options: Omit<FailureOptions, 'kind'> = {}) {
    super(message, { kind: FailureKind.modelUnauthorized, ...options });
    this.name = 'ModelUnauthorizedError';
  }
}

/**
 * The model server does not serve what the call asked for (HTTP 404, gRPC NOT_FOUND). The path names
 * MODEL_NAME, the same for every record, so a flood of these is the model not loaded (a rollout):
 * left for redelivery. A record can still cause one alone: a gRPC request names its own
 * `model_version` (V2) or `model_spec.version` (TensorFlow), and a server without that version
 * answers NOT_FOUND to that record only. Hence a suspect, judged as in fate.ts.
 */
export class ModelNotFoundError extends SuspectRecordError {
  constructor(message: string, options: Omit<FailureOptions, 'kind'> = {}) {
    super(message, { kind: FailureKind.modelNotFound, ...options });
    this.name = 'ModelNotFoundError';
  }
}

/**
 * The error a model's refusal means, by its verdict in status.ts: the one place where verdicts
 * become error classes, for every transport.
 *
 * @example
 * throw modelRefusal(classifyHttpStatus(503), 'model answered HTTP 503', { status: 503 });
 */
export const modelRefusal = (
  verdict: Exclude<Verdict, 'ok'>,
  message: string,
  options: Omit<FailureOptions, 'kind'> = {},
): MskInferenceError => {
  switch (verdict) {
    case 'bad-record':
      return new BadRecordError(message, { kind: FailureKind.modelRejected, ...options });
    case 'model-failed':
      return new ModelFailedError(message, options);
    case 'not-found':
      return new ModelNotFoundError(message, options);
    case 'unauthorized':
      return new ModelUnauthorizedError(message, options);
    case 'transient':
      return new TransientError(message, { kind: FailureKind.modelUnavailable, ...options });
  }
};

/**
 * The model did not answer within MODEL_TIMEOUT_MS: overloaded, down, or stuck on this record (an
 * input that sends the model's code into a long loop) while it answers the others.
 */
export class ModelTimeoutError extends SuspectRecordError {
  constructor(message: string, options: Omit<FailureOptions, 'kind'> = {}) {
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
    // A runtime error's message may quote the record (a property name, a value): it is the detail.
    super(`${step} failed inside the function: ${reasonOf(cause)}`, {
      kind: FailureKind.internal,
      retriable: false,
      detail: detailOf(cause),
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

/** Time ran out before a transient fault cleared; the records are reported for redelivery. */
export class RetryBudgetExhaustedError extends TransientError {
  constructor(attempts: number, cause: unknown) {
    const detail = detailOf(cause);
    super(`gave up after ${attempts} attempt(s): ${reasonOf(cause)}`, {
      kind: cause instanceof MskInferenceError ? cause.kind : FailureKind.modelUnavailable,
      ...(detail === undefined ? {} : { detail }),
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

/**
 * What may be logged of any error as its reason: the message of ours (our words, see reason.ts),
 * only the class name of anyone else's (a library's message may quote the record or a secret; it
 * is the error's {@link detailOf}).
 *
 * @example
 * logger.warn('records left for redelivery', { reason: reasonOf(error) });
 */
export const reasonOf = (error: unknown): string => {
  if (error instanceof MskInferenceError || error instanceof ConfigError) return error.message;
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
  if (error instanceof MskInferenceError) return error.detail;
  if (error instanceof ConfigError) return undefined;
  return capped(error instanceof Error ? error.message : String(error), MAX_DETAIL_CHARS);
};
