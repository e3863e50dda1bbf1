import { Pool } from 'undici';
import { BadRecordError, FailureKind, ModelFailedError, TransientError } from '../errors.js';
import { classifyHttpStatus } from '../status.js';
import type { ModelTransport } from './types.js';

export interface HttpTransportOptions {
  /** Origin plus optional base path, e.g. `http://127.0.0.1:8080` or `https://host/seldon/ns/model`. */
  readonly url: URL;
  /** Protocol path appended to the base path, e.g. `/v2/models/iris/infer`. */
  readonly path: string;
  readonly timeoutMs: number;
  /** Kept-alive sockets to the model; matches the batch's call concurrency. */
  readonly connections: number;
}

const REASON_BYTES = 512;

/**
 * REST to the model over a kept-alive undici pool: one pool per warm container, so a warm
 * invocation reuses open sockets instead of paying a TCP (and TLS) handshake per record.
 */
export class HttpTransport implements ModelTransport {
  readonly #pool: Pool;
  readonly #path: string;
  readonly #timeoutMs: number;

  constructor(options: HttpTransportOptions) {
    this.#pool = new Pool(options.url.origin, {
      connections: options.connections,
      keepAliveTimeout: 60_000,
      pipelining: 1,
    });
    this.#path = `${options.url.pathname.replace(/\/+$/, '')}${options.path}`;
    this.#timeoutMs = options.timeoutMs;
  }

  async infer(body: Buffer, signal?: AbortSignal): Promise<Buffer> {
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await this.#pool.request({
        method: 'POST',
        path: this.#path,
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (cause) {
      throw new TransientError(`model unreachable: ${describe(cause)}`, {
        kind: FailureKind.modelUnavailable,
        cause,
      });
    }
    let bytes: Buffer;
    try {
      bytes = Buffer.from(await response.body.arrayBuffer());
    } catch (cause) {
      throw new TransientError(`model answer cut short: ${describe(cause)}`, {
        kind: FailureKind.modelUnavailable,
        cause,
      });
    }
    const status = response.statusCode;
    const verdict = classifyHttpStatus(status);
    if (verdict === 'ok') return bytes;
    const reason = `model answered HTTP ${status}: ${bytes.subarray(0, REASON_BYTES).toString('utf8')}`;
    if (verdict === 'bad-record')
      throw new BadRecordError(reason, { kind: FailureKind.modelRejected, status });
    if (verdict === 'model-failed') throw new ModelFailedError(reason, { status });
    throw new TransientError(reason, { kind: FailureKind.modelUnavailable, status });
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }
}

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
};
