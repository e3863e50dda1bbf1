import type { Protocol } from '../../functions/stream-inference/config.js';
import { FailureKind, RecordFailure } from '../../functions/stream-inference/failures.js';
import type {
  ModelTransport,
  TracePropagation,
} from '../../functions/stream-inference/model/transport/index.js';
import type { OutboundRecord } from '../../functions/stream-inference/outbound/output-records.js';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';

/**
 * A model that answers its protocol's response holding `{"echo": <request>}` (Seldon:
 * `{"jsonData": {"echo": …}}`, the default), rejects requests holding `"reject"` with a 400, and
 * fails transiently on requests holding `"down"` (a fixed number of times, or forever), and answers
 * 500 (the model's code raised) on every request holding `"crash"`.
 */
export class FakeModel implements ModelTransport {
  calls = 0;
  readonly #downFor: number;
  #downLeft: number;

  readonly #protocol: Protocol;

  constructor(options: { downFor?: number; delayMs?: number; protocol?: Protocol } = {}) {
    this.#protocol = options.protocol ?? 'seldon';
    this.#downFor = options.downFor ?? Number.POSITIVE_INFINITY;
    this.#downLeft = this.#downFor;
    this.delayMs = options.delayMs ?? 0;
  }

  readonly delayMs: number;

  async infer(body: Buffer): Promise<Buffer> {
    this.calls++;
    if (this.delayMs > 0) await new Promise((r) => setTimeout(r, Math.random() * this.delayMs));
    const text = body.toString('utf8');
    if (text.includes('"reject"')) {
      throw new RecordFailure('model answered HTTP 400: rejected', {
        kind: FailureKind.modelRejected,
        status: 400,
      });
    }
    if (text.includes('"crash"'))
      throw new RecordFailure('model answered HTTP 500: boom', { kind: FailureKind.modelError, status: 500 });
    if (text.includes('"down"') && this.#downLeft > 0) {
      this.#downLeft--;
      throw new RecordFailure('model answered HTTP 503', {
        kind: FailureKind.modelUnavailable,
        status: 503,
      });
    }
    const echo = `{"echo":${text}}`;
    const answers: Record<Protocol, string> = {
      seldon: `{"jsonData":${echo}}`,
      tensorflow: `{"predictions":[${echo}]}`,
      v2: `{"outputs":[],"parameters":${echo}}`,
    };
    return Buffer.from(answers[this.#protocol]);
  }

  async close(): Promise<void> {}
}

/** Keeps what was published; can be told to fail. */
export class FakePublisher implements Publisher {
  readonly published: OutboundRecord[] = [];
  fail = false;

  async publish(records: readonly OutboundRecord[]): Promise<void> {
    if (this.fail) throw new RecordFailure('broker down', { kind: FailureKind.publish });
    this.published.push(...records);
  }

  async close(): Promise<void> {}

  on(topic: string): OutboundRecord[] {
    return this.published.filter((r) => r.topic === topic);
  }
}

/**
 * A model that answers every row of a batch like a classifier would (label = floor(sum) mod 3), in
 * each protocol's own answer shape, and refuses (400) a whole request holding a negative feature.
 */
export class RowModel implements ModelTransport {
  calls = 0;
  constructor(private readonly protocol: Protocol) {}

  async infer(body: Buffer): Promise<Buffer> {
    this.calls++;
    const request = JSON.parse(body.toString()) as {
      id?: string;
      meta?: unknown;
      instances?: number[][];
      inputs?: number[][] | Array<{ data: number[] | number[][] }>;
      data?: { ndarray: number[][] };
    };
    const rows: number[][] =
      this.protocol === 'v2'
        ? chunk((request.inputs as Array<{ data: number[] | number[][] }>)[0]!.data.flat(), 4)
        : this.protocol === 'tensorflow'
          ? ((request.instances ?? request.inputs) as number[][])
          : request.data!.ndarray;
    if (rows.some((r) => r.some((x) => x < 0))) {
      throw new RecordFailure('model answered HTTP 400: negative feature', {
        kind: FailureKind.modelRejected,
        status: 400,
      });
    }
    const labels = rows.map((r) => Math.floor(r.reduce((a, b) => a + b, 0)) % 3);
    const answer =
      this.protocol === 'v2'
        ? {
            model_name: 'iris',
            ...(request.id === undefined ? {} : { id: request.id }),
            outputs: [{ name: 'predict', shape: [labels.length, 1], datatype: 'INT64', data: labels }],
          }
        : this.protocol === 'tensorflow'
          ? request.instances === undefined
            ? { outputs: labels }
            : { predictions: labels }
          : { data: { names: [], ndarray: labels }, meta: request.meta ?? {} };
    return Buffer.from(JSON.stringify(answer));
  }

  async close(): Promise<void> {}
}

const chunk = (xs: number[], n: number): number[][] =>
  Array.from({ length: xs.length / n }, (_, i) => xs.slice(i * n, i * n + n));

/** Passes every call to `inner`, keeping the trace context each one carried (undefined: none). */
export class PropagationSpy implements ModelTransport {
  readonly seen: Array<TracePropagation | undefined> = [];
  constructor(private readonly inner: ModelTransport) {}

  infer(body: Buffer, signal?: AbortSignal, propagation?: TracePropagation): Promise<Buffer> {
    this.seen.push(propagation);
    return this.inner.infer(body, signal);
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
