import { Client, credentials, Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  BadRecordError,
  FailureKind,
  ModelFailedError,
  ModelTimeoutError,
  TransientError,
} from '../errors.js';
import { classifyGrpcCode, GrpcCode } from '../status.js';
import type { ModelTransport } from './types.js';

export interface GrpcTransportOptions {
  /** `host:port` */
  readonly address: string;
  readonly tls: boolean;
  /** Full method path, e.g. `/inference.GRPCInferenceService/ModelInfer`. */
  readonly method: string;
  readonly timeoutMs: number;
}

const identity = (b: Buffer): Buffer => b;

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
        'grpc.max_receive_message_length': 8 * 1024 * 1024,
        'grpc.max_send_message_length': 8 * 1024 * 1024,
        'grpc.keepalive_time_ms': 30_000,
      },
    );
    this.#method = options.method;
    this.#timeoutMs = options.timeoutMs;
  }

  infer(body: Buffer, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const call = this.#client.makeUnaryRequest(
        this.#method,
        identity,
        identity,
        body,
        new Metadata(),
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

const classify = (error: ServiceError | null): Error => {
  if (error === null)
    return new TransientError('model sent no answer', { kind: FailureKind.modelUnavailable });
  const reason = `model answered gRPC ${error.code} (${error.details || error.message})`;
  const verdict = classifyGrpcCode(error.code);
  if (verdict === 'bad-record')
    return new BadRecordError(reason, { kind: FailureKind.modelRejected, status: error.code });
  if (verdict === 'model-failed') return new ModelFailedError(reason, { status: error.code, cause: error });
  // Our own deadline (MODEL_TIMEOUT_MS): the model did not answer this call in time.
  if (error.code === GrpcCode.DEADLINE_EXCEEDED)
    return new ModelTimeoutError(reason, { status: error.code, cause: error });
  return new TransientError(reason, { kind: FailureKind.modelUnavailable, status: error.code, cause: error });
};
