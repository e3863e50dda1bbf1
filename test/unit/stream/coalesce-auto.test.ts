import { afterEach, describe, expect, it, vi } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig, type Protocol } from '../../../functions/stream-inference/config.js';
import { METRICS } from '../../../functions/stream-inference/contract.js';
import { FailureKind, RecordFailure } from '../../../functions/stream-inference/failures.js';
import type { ModelTransport } from '../../../functions/stream-inference/model/transport/index.js';
import { logger, metrics } from '../../../functions/stream-inference/telemetry.js';
import { lambdaContext, mskEvent, type RecordSpec } from '../../helpers/factories.js';
import { FakePublisher, RowModel } from '../../helpers/fakes.js';
import { restRequest } from '../../helpers/iris.js';

const rowsOf = (protocol: Protocol, body: Buffer): number => {
  const request = JSON.parse(body.toString()) as {
    inputs?: Array<{ shape: number[] }>;
    instances?: unknown[];
    data?: { ndarray: unknown[] };
  };
  if (protocol === 'v2') return request.inputs![0]!.shape[0]!;
  return protocol === 'tensorflow' ? request.instances!.length : request.data!.ndarray.length;
};

/**
 * RowModel behind a limit: a call of more than `limit` rows gets `status` (413, 500, …) instead, or,
 * for `one-row`, a V2 answer of one row (a model that reads only the first row of a request).
 */
class LimitedModel implements ModelTransport {
  readonly sizes: number[] = [];
  readonly #model: RowModel;

  constructor(
    private readonly protocol: Protocol,
    private readonly limit: number,
    private readonly status: { kind: RecordFailure['kind']; code: number } | 'one-row',
  ) {
    this.#model = new RowModel(protocol);
  }

  async infer(body: Buffer): Promise<Buffer> {
    const rows = rowsOf(this.protocol, body);
    this.sizes.push(rows);
    if (rows <= this.limit) return this.#model.infer(body);
    const { status } = this;
    if (status === 'one-row') {
      const output = { name: 'predict', shape: [1, 1], datatype: 'INT64', data: [0] };
      return Buffer.from(JSON.stringify({ model_name: 'iris', outputs: [output] }));
    }
    throw new RecordFailure(`model answered HTTP ${status.code}`, { kind: status.kind, status: status.code });
  }

  async close(): Promise<void> {}
}

const BATCHES = 10;
const TOO_LARGE = { kind: FailureKind.modelRejected, code: 413 };

/** 64 records on one partition; one in 61 has a negative feature, which the model refuses. */
const batch = (protocol: Protocol, from: number): RecordSpec[] =>
  Array.from({ length: 64 }, (_, i) => {
    const offset = from + i;
    const row = [offset * 0.37, 1 + (offset % 5), 2.5, offset % 61 === 3 ? -1 : 0.5];
    return { offset, key: `k${offset}`, value: JSON.stringify(restRequest(protocol, row)) };
  });

const streamWith = async (protocol: Protocol, coalesce: string, model: ModelTransport) => {
  const publisher = new FakePublisher();
  const stream = await createBatchHandler(
    loadConfig({
      KAFKA_INPUT_TOPIC: 'in',
      KAFKA_OUTPUT_TOPIC: 'out',
      KAFKA_ERROR_TOPIC: 'err',
      MODEL_ENDPOINT: 'http://127.0.0.1:1',
      MODEL_NAME: 'iris',
      PROTOCOL: protocol,
      COALESCE_MAX_RECORDS: coalesce,
      RETRY_BASE_MS: '1',
    }),
    { transport: model, publisher },
  );
  const bySource = (topic: string) =>
    Object.fromEntries(
      publisher.on(topic).map((r) => [String(r.headers['msk-inference-source']), r.value!.toString()]),
    );
  return { stream, outputs: () => bySource('out'), errors: () => bySource('err') };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe.each<Protocol>(['v2', 'tensorflow', 'seldon'])('COALESCE_MAX_RECORDS=auto (%s)', (protocol) => {
  it('settles on the largest pack the model takes, and publishes what per-record calls publish', async () => {
    // Prepare
    const sizes = vi.spyOn(metrics, 'addMetric');
    const logs = vi.spyOn(logger, 'info');
    const perRecord = await streamWith(protocol, '1', new RowModel(protocol));
    const model = new LimitedModel(protocol, 11, TOO_LARGE);
    const auto = await streamWith(protocol, 'auto', model);

    // Act
    let calls = 0;
    for (let b = 0; b < BATCHES; b++) {
      const event = mskEvent(batch(protocol, b * 64));
      calls = model.sizes.length;
      await perRecord.stream.handle(event, lambdaContext());
      await auto.stream.handle(event, lambdaContext());
    }

    // Assess
    expect(auto.outputs()).toEqual(perRecord.outputs());
    expect(auto.errors()).toEqual(perRecord.errors());
    expect(Object.keys(auto.outputs()).length + Object.keys(auto.errors()).length).toBe(BATCHES * 64);
    expect(Object.keys(auto.errors()).length).toBeGreaterThan(0);
    const settled = model.sizes.slice(calls);
    expect(Math.max(...settled)).toBe(11);
    const learned = sizes.mock.calls.filter(([name]) => name === METRICS.coalescePackSize);
    expect(learned.at(-1)?.[2]).toBe(11);
    const changes = logs.mock.calls.filter(([message]) => message === 'coalesce pack size changed');
    expect(changes.map(([, change]) => change)).toContainEqual({ from: 16, to: 8, cause: 'refused' });
    expect(changes.length).toBe(learned.length);
  });
});

describe('COALESCE_MAX_RECORDS=auto and answers that do not split', () => {
  it('learns the largest pack whose answer has a row per record', async () => {
    // Prepare
    const perRecord = await streamWith('v2', '1', new RowModel('v2'));
    const model = new LimitedModel('v2', 5, 'one-row');
    const auto = await streamWith('v2', 'auto', model);

    // Act
    let calls = 0;
    for (let b = 0; b < BATCHES; b++) {
      const event = mskEvent(batch('v2', b * 64));
      calls = model.sizes.length;
      await perRecord.stream.handle(event, lambdaContext());
      await auto.stream.handle(event, lambdaContext());
    }

    // Assess
    expect(auto.outputs()).toEqual(perRecord.outputs());
    expect(auto.errors()).toEqual(perRecord.errors());
    expect(Math.max(...model.sizes.slice(calls))).toBe(5);
  });
});

describe('COALESCE_MAX_RECORDS=auto and faults that say nothing of the size', () => {
  it.each([
    ['500 (bisected)', { kind: FailureKind.modelError, code: 500 }],
    ['a timeout (bisected)', { kind: FailureKind.modelTimeout, code: 504 }],
    ['503 (left for redelivery)', { kind: FailureKind.modelUnavailable, code: 503 }],
  ])('a pack answered %s keeps its size', async (_name, status) => {
    // Prepare: packs above 8 rows fail; a short invocation, so that a fault retried to the deadline ends
    const model = new LimitedModel('v2', 8, status);
    const { stream } = await streamWith('v2', 'auto', model);
    const clean = (from: number) => batch('v2', from).filter((r) => !String(r.value).includes('-1'));

    // Act
    await stream.handle(mskEvent(clean(0)), lambdaContext(4_000));
    const calls = model.sizes.length;
    await stream.handle(mskEvent(clean(64)), lambdaContext(4_000));

    // Assess
    expect(model.sizes[0]).toBe(16);
    expect(model.sizes[calls]).toBe(16);
  });

  it('a bad record in a pack does not shrink it', async () => {
    // Prepare: every pack of 16 holds a record the model refuses
    const model = new LimitedModel('v2', 10_000, TOO_LARGE);
    const { stream } = await streamWith('v2', 'auto', model);

    // Act
    await stream.handle(mskEvent(batch('v2', 0).slice(0, 16)), lambdaContext());
    const calls = model.sizes.length;
    await stream.handle(mskEvent(batch('v2', 64).slice(0, 16)), lambdaContext());

    // Assess
    expect(model.sizes.slice(calls)[0]).toBe(16);
  });
});
