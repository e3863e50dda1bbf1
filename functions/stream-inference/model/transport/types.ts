/**
 * A way to reach the model. Bodies pass through as bytes: REST JSON or protobuf, already validated,
 * never re-serialized on the hot path.
 */
export interface ModelTransport {
  /**
   * Sends one request and resolves with the model's answer. Rejects with `BadRecordError` when the
   * model refused the request (4xx, INVALID_ARGUMENT, …) and `TransientError` when it could not answer.
   */
  infer(body: Buffer, signal?: AbortSignal): Promise<Buffer>;
  /** Releases pooled connections (used by tests and the local runner; Lambda just freezes). */
  close(): Promise<void>;
}
