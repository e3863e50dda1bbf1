import type { ModelConfig, Protocol } from '../../config.js';

/**
 * What one inference protocol contributes to the pipeline: where its REST requests go, how much of a
 * request must be right before it is worth a model call, and its gRPC message and method names.
 */
export interface ProtocolSpec {
  readonly name: Protocol;
  /** The protocol as a reason names it: `V2`, `TensorFlow Serving`, `Seldon`. */
  readonly title: string;
  /** Path of the predict call on the model's REST endpoint. */
  restPath(model: ModelConfig): string;
  /**
   * Checks a parsed REST request enough to reject garbage before it costs a model call.
   * Throws a `RecordFailure` (kind `shape`) naming what is wrong.
   */
  validateRest(request: unknown): void;
  /**
   * What keeps a successful REST (or Lambda) answer, parsed as a JSON object, from being the
   * protocol's response, in our words (field names, never values); undefined when it is one. A proxy
   * in front of the model can answer 200 with anything: an answer that fails this is not published.
   */
  restAnswerProblem(answer: Readonly<Record<string, unknown>>): string | undefined;
  readonly grpc: GrpcSpec;
}

/**
 * Checks a decoded gRPC request (the object protobufjs decodes, fields at their defaults when absent)
 * enough to reject garbage before it costs a model call. Throws a `RecordFailure` (kind `shape`).
 */
export type GrpcRequestValidator = (message: unknown, model: ModelConfig) => void;

export interface GrpcSpec {
  /**
   * The messages a record's `proto-name` header may name for this protocol, each with the check of
   * its decoded form: the protocol's request message. Seldon v1 looked the name up among every message
   * it was built with (and crashed on an unknown one), but only the protocol's request worked with
   * its gRPC client, so that is the one each protocol accepts.
   */
  readonly requests: Readonly<Record<string, GrpcRequestValidator>>;
  /** Fully qualified protobuf name of the answer, set as `proto-name` on output records. */
  readonly responseType: string;
  /** Full method path, e.g. `/tensorflow.serving.PredictionService/Predict`. */
  method(model: ModelConfig): string;
}
