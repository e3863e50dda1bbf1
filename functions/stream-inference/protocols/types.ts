import type { ModelConfig, Protocol } from '../config.js';

/**
 * What one inference protocol contributes to the pipeline: where its REST requests go, how much of a
 * request must be right before it is worth a model call, and its gRPC message and method names.
 */
export interface ProtocolCodec {
  readonly name: Protocol;
  /** Path of the predict call on the model's REST endpoint. */
  restPath(model: ModelConfig): string;
  /**
   * Checks a parsed REST request enough to reject garbage before it costs a model call.
   * Throws `BadRecordError` (kind `shape`) naming what is wrong.
   */
  validateRest(request: unknown): void;
  readonly grpc: GrpcSpec;
}

export interface GrpcSpec {
  /** Fully qualified protobuf name a record's `proto-name` header must carry. */
  readonly requestType: string;
  /** Fully qualified protobuf name of the answer, set as `proto-name` on output records. */
  readonly responseType: string;
  /** Full method path, e.g. `/tensorflow.serving.PredictionService/Predict`. */
  method(model: ModelConfig): string;
}
