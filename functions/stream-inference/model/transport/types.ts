/**
 * A way to reach the model. Bodies pass through as bytes: REST JSON or protobuf, already validated,
 * never re-serialized on the hot path.
 */
export interface ModelTransport {
  /**
   * Sends one request and resolves with the model's answer. Rejects with a `RecordFailure` whose kind
   * says why (model/answer-status.ts for a refusal, `model-unavailable` when it could not answer).
   */
  infer(body: Buffer, signal?: AbortSignal): Promise<Buffer>;
  /** Releases pooled connections (used by tests and the local runner; Lambda just freezes). */
  close(): Promise<void>;
}
