import {
  type ClientRequest,
  Agent as HttpAgent,
  request as httpRequest,
  type IncomingMessage,
} from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { HEADERS } from '../../contract.js';
import { FailureKind, RecordFailure } from '../../failures.js';
import { MAX_DETAIL_CHARS } from '../../reason.js';
import { httpStatusFailure } from '../answer-status.js';
import type { ModelTransport, TracePropagation } from './types.js';

export interface HttpTransportOptions {
  /** Origin plus optional base path, e.g. `http://127.0.0.1:8080` or `https://host/seldon/ns/model`. */
  readonly url: URL;
  /** Protocol path appended to the base path, e.g. `/v2/models/iris/infer`. */
  readonly path: string;
  readonly timeoutMs: number;
  /** Kept-alive sockets to the model; matches the batch's call concurrency. */
  readonly connections: number;
  /**
   * Most bytes of an answer read: past it the answer is refused as it streams in (the socket is
   * closed), so one call never holds more than this, whatever the model sends.
   */
  readonly maxAnswerBytes: number;
}

/** Bytes of an error answer's body kept, as the detail logged with LOG_PAYLOADS=true. */
const DETAIL_BYTES = MAX_DETAIL_CHARS;
const DEADLINE_PASSED = 'the batch deadline passed';

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
  readonly #maxAnswerBytes: number;
  /** Requests in flight per abort signal (one signal per batch). */
  readonly #inFlight = new WeakMap<AbortSignal, Set<ClientRequest>>();

  constructor(options: HttpTransportOptions) {
    const tls = options.url.protocol === 'https:';
    // The timeout is the agent's, set on each socket once: a `timeout` per request re-arms the
    // socket's timer on every call (measured: ~4% of the handler's time on small calls).
    const agentOptions = {
      keepAlive: true,
      maxSockets: options.connections,
      scheduling: 'lifo' as const,
      timeout: options.timeoutMs,
    };
    this.#agent = tls ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.#send = tls ? httpsRequest : httpRequest;
    this.#url = options.url;
    this.#path = `${options.url.pathname.replace(/\/+$/, '')}${options.path}`;
    this.#timeoutMs = options.timeoutMs;
    this.#maxAnswerBytes = options.maxAnswerBytes;
  }

  infer(body: Buffer, signal?: AbortSignal, propagation?: TracePropagation): Promise<Buffer> {
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
            ...traceHeaders(propagation),
          },
        },
        (response) => readAnswer(req, response, this.#maxAnswerBytes).then(resolve, reject),
      );
      if (signal !== undefined) this.#abortOn(signal, req);
      let timedOut = false;
      req.on('timeout', () => {
        timedOut = true;
        req.destroy(new Error(`no answer within MODEL_TIMEOUT_MS ${this.#timeoutMs}`));
      });
      req.on('error', (cause) =>
        reject(
          timedOut
            ? new RecordFailure(`model timed out: ${describe(cause)}`, {
                kind: FailureKind.modelTimeout,
                cause,
              })
            : new RecordFailure(`model unreachable: ${describe(cause)}`, {
                kind: FailureKind.modelUnavailable,
                cause,
              }),
        ),
      );
      req.end(body);
    });
  }

  /**
   * Ends the request when the signal fires. A batch shares one signal (its deadline), so it gets one
   * listener that ends every request still in flight, rather than a listener per call: http.request's
   * own `signal` option adds an abort listener and a stream.finished watch to each request, which
   * was ~8% of the handler's CPU per record on small calls.
   */
  #abortOn(signal: AbortSignal, req: ClientRequest): void {
    if (signal.aborted) {
      req.destroy(new Error(DEADLINE_PASSED));
      return;
    }
    let inFlight = this.#inFlight.get(signal);
    if (inFlight === undefined) {
      const requests = new Set<ClientRequest>();
      signal.addEventListener(
        'abort',
        () => {
          for (const r of requests) r.destroy(new Error(DEADLINE_PASSED));
        },
        { once: true },
      );
      this.#inFlight.set(signal, requests);
      inFlight = requests;
    }
    const requests = inFlight;
    requests.add(req);
    req.once('close', () => requests.delete(req));
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

/** The W3C Trace Context headers of a traced call, as OpenTelemetry's HTTP instrumentation sends them. */
const traceHeaders = (propagation: TracePropagation | undefined): Record<string, string> => {
  if (propagation === undefined) return {};
  const { traceparent, tracestate } = propagation;
  return tracestate === undefined
    ? { [HEADERS.traceparent]: traceparent }
    : { [HEADERS.traceparent]: traceparent, [HEADERS.tracestate]: tracestate };
};

/**
 * Reads an answer of at most `max` bytes. A success past it is refused as it streams in and the
 * socket closed, so no call holds more than `max` (plus one chunk); an error answer keeps only its
 * head, as the detail.
 */
const readAnswer = (req: ClientRequest, response: IncomingMessage, max: number): Promise<Buffer> =>
  new Promise((resolve, reject) => {
    const status = response.statusCode ?? 0;
    const ok = httpStatusFailure(status) === undefined;
    const keep = ok ? max : DETAIL_BYTES;
    const chunks: Buffer[] = [];
    let read = 0;
    let kept = 0;
    const settle = (): void => {
      try {
        resolve(judge(status, chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), read));
      } catch (error) {
        reject(error);
      }
    };
    const tooLarge = (bytes: number, how: string): void => {
      reject(
        new RecordFailure(
          `model answered HTTP ${status} with a body that exceeds MAX_RECORD_BYTES ${max} (${how}: ${bytes} bytes)`,
          { kind: FailureKind.tooLarge, status },
        ),
      );
      // The rest of the answer is never read; the socket is closed, not reused.
      req.destroy();
    };
    const cutShort = (cause: unknown): void =>
      reject(
        new RecordFailure(`model answer cut short: ${describe(cause)}`, {
          kind: FailureKind.modelUnavailable,
          cause,
        }),
      );
    const declared = Number(response.headers['content-length']);
    if (ok && declared > max) return tooLarge(declared, 'content-length');
    response.on('data', (chunk: Buffer) => {
      read += chunk.length;
      if (kept < keep) {
        chunks.push(chunk);
        kept += chunk.length;
      }
      if (read <= max) return;
      if (ok) return tooLarge(read, 'read before stopping');
      // An error answer that does not end is still the error its status says.
      settle();
      req.destroy();
    });
    response.on('end', settle);
    response.on('error', cutShort);
    response.on('aborted', () => cutShort(new Error('connection closed mid-answer')));
  });

/** The answer, or the error its status means: the body (which may quote the request) only as detail. */
const judge = (status: number, bytes: Buffer, read: number): Buffer => {
  const kind = httpStatusFailure(status);
  if (kind === undefined) return bytes;
  const detail = bytes.subarray(0, DETAIL_BYTES).toString('utf8');
  throw new RecordFailure(`model answered HTTP ${status} (a body of ${read} bytes)`, {
    kind,
    status,
    detail,
  });
};

const describe = (error: unknown): string => {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' ? `${code} ${error.message}` : error.message;
};
