/**
 * The W3C Trace Context of the span a model call belongs to, as the two header values. Transports
 * carry it in their own way (HTTP headers, gRPC metadata, a Lambda model's client context) and
 * never read it.
 *
 * @see https://www.w3.org/TR/trace-context/#traceparent-header
 */
export interface TracePropagation {
  readonly traceparent: string;
  readonly tracestate?: string;
}

/**
 * A way to reach the model. Bodies pass through as bytes: REST JSON or protobuf, already validated,
 * never re-serialized on the hot path.
 */
export interface ModelTransport {
  /**
   * Sends one request and resolves with the model's answer. Rejects with a `RecordFailure` whose
   * kind says why: the model refused the request (4xx, INVALID_ARGUMENT, …) or could not answer.
   * With `propagation`, the model sees the call as a child of that span.
   */
  infer(body: Buffer, signal?: AbortSignal, propagation?: TracePropagation): Promise<Buffer>;
  /** Releases pooled connections (used by tests and the local runner; Lambda just freezes). */
  close(): Promise<void>;
}
