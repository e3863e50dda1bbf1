import { Client, credentials, status as GrpcStatus, Metadata, type ServiceError } from '@grpc/grpc-js';
import { HEADERS } from '../../contract.js';
import { FailureKind, RecordFailure } from '../../failures.js';
import { grpcCodeFailure } from '../answer-status.js';
import type { ModelTransport, TracePropagation } from './types.js';

export interface GrpcTransportOptions {
  /** `host:port` */
  readonly address: string;
  readonly tls: boolean;
  /** Full method path, e.g. `/inference.GRPCInferenceService/ModelInfer`. */
  readonly method: string;
  readonly timeoutMs: number;
  /** Largest answer received: grpc-js refuses a larger one from its length prefix, before reading it. */
  readonly maxAnswerBytes: number;
}

const identity = (b: Buffer): Buffer => b;

/**
 * Longest wait between two connection attempts of the model channel (gRPC's default is 120 s).
 * @see https://github.com/grpc/grpc/blob/master/doc/connection-backoff.md
 */
const MAX_RECONNECT_BACKOFF_MS = 1_000;

/**
 * gRPC to the model over one channel per warm container. Requests and answers pass through as
 * protobuf bytes (the record already holds the serialized request), so nothing is decoded twice.
 */
export class GrpcTransport implements ModelTransport {
  readonly #client: Client;
  readonly #method: string;
  readonly #timeoutMs: number;

  constructor(options: GrpcTransportOptions) {
    this.#client = new Client(
      options.address,
      options.tls ? credentials.createSsl() : credentials.createInsecure(),
      {
        'grpc.max_receive_message_length': options.maxAnswerBytes,
        'grpc.max_send_message_length': 8 * 1024 * 1024,
        'grpc.keepalive_time_ms': 30_000,
        // grpc-js waits up to 120 s between reconnects, growing 1.6x from 1 s, and fails every call
        // meanwhile: after a model outage of 20 s the channel still failed calls 5 s and more after
        // the server was back. An invocation has seconds: reconnect every second.
        'grpc.max_reconnect_backoff_ms': MAX_RECONNECT_BACKOFF_MS,
      },
    );
    this.#method = options.method;
    this.#timeoutMs = options.timeoutMs;
  }

  infer(body: Buffer, signal?: AbortSignal, propagation?: TracePropagation): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const call = this.#client.makeUnaryRequest(
        this.#method,
        identity,
        identity,
        body,
        metadataOf(propagation),
        { deadline: Date.now() + this.#timeoutMs },
        (error: ServiceError | null, answer?: Buffer) => {
          signal?.removeEventListener('abort', onAbort);
          if (error === null && answer !== undefined) return resolve(answer);
          reject(classify(error));
        },
      );
      const onAbort = (): void => call.cancel();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async close(): Promise<void> {
    this.#client.close();
  }
}

/**
 * The call's metadata: the trace context under the W3C header names, as OpenTelemetry's gRPC
 * instrumentation propagates it (gRPC metadata keys are lowercase ASCII, as these are).
 *
 * @see https://github.com/open-telemetry/opentelemetry-js/blob/main/experimental/packages/opentelemetry-instrumentation-grpc/src/clientUtils.ts (`setSpanContext`)
 */
const metadataOf = (propagation: TracePropagation | undefined): Metadata => {
  const metadata = new Metadata();
  if (propagation === undefined) return metadata;
  metadata.set(HEADERS.traceparent, propagation.traceparent);
  if (propagation.tracestate !== undefined) metadata.set(HEADERS.tracestate, propagation.tracestate);
  return metadata;
};

/** grpc-js's own words when an answer's length prefix is over `grpc.max_receive_message_length`. */
const RECEIVED_TOO_LARGE = /^Received message larger than max \((\d+) vs\.? (\d+)\)/;

/**
 * The error a failed call means. The reason names the status code; the server's `details` (which
 * may quote the request) are only the detail, logged with LOG_PAYLOADS=true.
 */
const classify = (error: ServiceError | null): Error => {
  if (error === null)
    return new RecordFailure('model sent no answer', { kind: FailureKind.modelUnavailable });
  const { code, details } = error;
  const tooLarge = code === GrpcStatus.RESOURCE_EXHAUSTED ? RECEIVED_TOO_LARGE.exec(details) : null;
  if (tooLarge !== null) {
    return new RecordFailure(
      `model answer of ${tooLarge[1]} bytes exceeds MAX_RECORD_BYTES ${tooLarge[2]}; it was not read`,
      { kind: FailureKind.tooLarge },
    );
  }
  const reason = `model answered gRPC ${GrpcStatus[code] ?? 'status'} (${code})`;
  const options = { status: code, detail: details, cause: error };
  // A server that sends OK without a message did not answer.
  return new RecordFailure(reason, {
    kind: grpcCodeFailure(code) ?? FailureKind.modelUnavailable,
    ...options,
  });
};
