import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
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
 * REST to the model over Node's own HTTP client with a kept-alive agent: one agent per warm
 * container, so a warm invocation reuses open sockets instead of paying a TCP (and TLS) handshake
 * per record. (undici's Pool does the same but adds half a megabyte to the minified bundle.)
 */
export class HttpTransport implements ModelTransport {
  readonly #agent: HttpAgent;
  readonly #send: typeof httpRequest;
  readonly #url: URL;
  readonly #path: string;
  readonly #timeoutMs: number;

  constructor(options: HttpTransportOptions) {
    const tls = options.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: options.connections, scheduling: 'lifo' as const };
    this.#agent = tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#send = tls ? httpsRequest : httpRequest;
    this.#url = options.url;
    this.#path = `${options.url.pathname.replace(/\/+$/, '')}${options.path}`;
    this.#timeoutMs = options.timeoutMs;
  }

  infer(body: Buffer, signal?: AbortSignal): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      const req = this.#send(
        {
          agent: this.#agent,
          protocol: this.#url.protocol,
          hostname: this.#url.hostname,
          port: this.#url.port,
          path: this.#path,
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            'content-length': body.length,
          },
          timeout: this.#timeoutMs,
          ...(signal === undefined ? {} : { signal }),
        },
        (response) => {
          readBody(response).then(
            (bytes) => {
              try {
                resolve(judge(response.statusCode ?? 0, bytes));
              } catch (error) {
                reject(error);
              }
            },
            (cause: unknown) =>
              reject(
                new TransientError(`model answer cut short: ${describe(cause)}`, {
                  kind: FailureKind.modelUnavailable,
                  cause,
                }),
              ),
          );
        },
      );
      req.on('timeout', () => req.destroy(new Error(`no answer within MODEL_TIMEOUT_MS ${this.#timeoutMs}`)));
      req.on('error', (cause) =>
        reject(
          new TransientError(`model unreachable: ${describe(cause)}`, {
            kind: FailureKind.modelUnavailable,
            cause,
          }),
        ),
      );
      req.end(body);
    });
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

const readBody = (response: IncomingMessage): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    response.on('data', (chunk: Buffer) => chunks.push(chunk));
    response.on('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    response.on('error', reject);
    response.on('aborted', () => reject(new Error('connection closed mid-answer')));
  });

const judge = (status: number, bytes: Buffer): Buffer => {
  const verdict = classifyHttpStatus(status);
  if (verdict === 'ok') return bytes;
  const reason = `model answered HTTP ${status}: ${bytes.subarray(0, REASON_BYTES).toString('utf8')}`;
  if (verdict === 'bad-record') throw new BadRecordError(reason, { kind: FailureKind.modelRejected, status });
  if (verdict === 'model-failed') throw new ModelFailedError(reason, { status });
  throw new TransientError(reason, { kind: FailureKind.modelUnavailable, status });
};

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
};
