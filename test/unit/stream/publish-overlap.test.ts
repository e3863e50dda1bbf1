import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type DoneOutcome,
  PrefixPublisher,
} from '../../../functions/stream-inference/batch/prefix-publisher.js';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { METRICS } from '../../../functions/stream-inference/contract.js';
import { FailureKind, RecordFailure } from '../../../functions/stream-inference/failures.js';
import type { ModelTransport } from '../../../functions/stream-inference/model/transport/index.js';
import type { OutboundRecord } from '../../../functions/stream-inference/outbound/output-records.js';
import type { Publisher } from '../../../functions/stream-inference/outbound/publisher.js';
import { metrics } from '../../../functions/stream-inference/telemetry.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';

/**
 * Publishing overlaps the model calls: each partition's finished prefix is published while later
 * calls are in flight. Proven by order of events, never by timing: a slow call is held by a gate
 * the test opens only once it has seen the publish.
 */

/** Answers at once, except requests holding `"slow"`, held until `release()`, and `"crash"` (500). */
class GatedModel implements ModelTransport {
  readonly requests: string[] = [];
  #open!: () => void;
  readonly #gate = new Promise<void>((resolve) => {
    this.#open = resolve;
  });

  release(): void {
    this.#open();
  }

  async infer(body: Buffer): Promise<Buffer> {
    const text = body.toString('utf8');
    this.requests.push(text);
    if (text.includes('"slow"')) await this.#gate;
    if (text.includes('"crash"'))
      throw new RecordFailure('model answered HTTP 500: boom', { kind: FailureKind.modelError, status: 500 });
    return Buffer.from(`{"jsonData":${text}}`);
  }

  async close(): Promise<void> {}
}

/** Keeps each publish's records (as `topic:source`); fails the publishes numbered in `failing`. */
class RecordingPublisher implements Publisher {
  readonly publishes: string[][] = [];
  readonly acked: string[] = [];
  #seen: Array<() => void> = [];

  constructor(private readonly failing: ReadonlySet<number> = new Set()) {}

  /** Resolves once `n` publishes have started. */
  started(n: number): Promise<void> {
    if (this.publishes.length >= n) return Promise.resolve();
    return new Promise((resolve) => this.#seen.push(() => this.publishes.length >= n && resolve()));
  }

  async publish(records: readonly OutboundRecord[]): Promise<void> {
    const sources = records.map((r) => `${r.topic}:${String(r.headers['msk-inference-source'])}`);
    this.publishes.push(sources);
    for (const notify of this.#seen) notify();
    const n = this.publishes.length;
    // A broker round trip: whatever finishes meanwhile waits for the next publish.
    await new Promise((resolve) => setImmediate(resolve));
    if (this.failing.has(n)) throw new RecordFailure('broker down', { kind: FailureKind.publish });
    this.acked.push(...sources);
  }

  async close(): Promise<void> {}
}

const value = (tag: string) => JSON.stringify({ strData: tag });

const setup = async (publisher: RecordingPublisher, env: Record<string, string> = {}) => {
  const model = new GatedModel();
  const stream = await createBatchHandler(testConfig(env), { transport: model, publisher });
  return { model, stream };
};

/** The batch's counts, as the handler reported them to CloudWatch. */
const countsOf = (calls: ReadonlyArray<readonly [string, unknown, number, ...unknown[]]>) => {
  const last = (name: string) => calls.filter(([n]) => n === name).at(-1)?.[2];
  return {
    in: last(METRICS.recordsIn),
    published: last(METRICS.recordsOut),
    deadLettered: last(METRICS.recordsDeadLettered),
    retryLater: last(METRICS.recordsRetried),
  };
};

afterEach(() => {
  vi.restoreAllMocks();
});

describe('publishing while model calls are in flight', () => {
  it("publishes a partition's finished prefix before a slow later call of it is back, in offset order", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const { model, stream } = await setup(publisher);
    const specs: RecordSpec[] = [
      { partition: 0, offset: 0, value: value('a') },
      { partition: 0, offset: 1, value: value('b') },
      { partition: 0, offset: 2, value: value('slow') },
      { partition: 0, offset: 3, value: value('c') },
      { partition: 1, offset: 7, value: value('d') },
    ];

    // Act
    const handled = stream.handle(mskEvent(specs), lambdaContext());
    await publisher.started(1);
    const firstWhileSlow = [...publisher.publishes[0]!];
    model.release();
    const response = await handled;

    // Assess
    expect(firstWhileSlow).toEqual(['out:in/0/0', 'out:in/0/1', 'out:in/1/7']);
    expect(publisher.publishes).toEqual([firstWhileSlow, ['out:in/0/2', 'out:in/0/3']]);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('reports each partition from its first record the broker did not acknowledge when a later publish fails', async () => {
    // Prepare: the first publish is acknowledged, the second refused.
    const publisher = new RecordingPublisher(new Set([2]));
    const { model, stream } = await setup(publisher);
    const addMetric = vi.spyOn(metrics, 'addMetric');
    const specs: RecordSpec[] = [
      { partition: 0, offset: 10, value: value('a') },
      { partition: 0, offset: 11, value: '{not json' },
      { partition: 0, offset: 12, value: value('slow') },
      { partition: 0, offset: 13, value: value('b') },
      { partition: 1, offset: 20, value: value('c') },
      { partition: 1, offset: 21, value: value('slow') },
      { partition: 2, offset: 30, value: value('d') },
    ];

    // Act
    const handled = stream.handle(mskEvent(specs), lambdaContext());
    await publisher.started(1);
    model.release();
    const response = await handled;

    // Assess
    expect(publisher.acked).toEqual(['out:in/0/10', 'err:in/0/11', 'out:in/1/20', 'out:in/2/30']);
    expect(publisher.publishes[1]).toEqual(['out:in/0/12', 'out:in/0/13', 'out:in/1/21']);
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'in-0', offset: 12 } },
        { itemIdentifier: { partition: 'in-1', offset: 21 } },
      ],
    });
    expect(countsOf(addMetric.mock.calls)).toEqual({ in: 7, published: 3, deadLettered: 1, retryLater: 3 });
  });

  it('calls the model for no record after a publish fails: none of them can be published', async () => {
    // Prepare: one call at a time, so that the refused publish comes before the last call starts.
    const publisher = new RecordingPublisher(new Set([1]));
    const { model, stream } = await setup(publisher, { MODEL_CONCURRENCY: '1' });
    const specs: RecordSpec[] = [
      { partition: 0, offset: 0, value: value('a') },
      { partition: 1, offset: 0, value: value('slow') },
      { partition: 1, offset: 1, value: value('b') },
    ];

    // Act
    const handled = stream.handle(mskEvent(specs), lambdaContext());
    await publisher.started(1);
    // The refusal lands while the slow call is held.
    await new Promise((resolve) => setTimeout(resolve, 10));
    model.release();
    const response = await handled;

    // Assess
    expect(model.requests).toEqual([value('a'), value('slow')]);
    expect(publisher.publishes).toEqual([['out:in/0/0']]);
    expect(response).toEqual({
      batchItemFailures: [
        { itemIdentifier: { partition: 'in-0', offset: 0 } },
        { itemIdentifier: { partition: 'in-1', offset: 0 } },
      ],
    });
  });

  it("holds a partition back at a record the model failed on (500) until every call is back, as the record's fate waits for them", async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const { model, stream } = await setup(publisher);
    const specs: RecordSpec[] = [
      { partition: 0, offset: 0, value: value('a') },
      { partition: 0, offset: 1, value: value('crash') },
      { partition: 0, offset: 2, value: value('b') },
      { partition: 1, offset: 0, value: value('slow') },
    ];

    // Act
    const handled = stream.handle(mskEvent(specs), lambdaContext());
    await publisher.started(1);
    const firstWhileSlow = [...publisher.publishes[0]!];
    model.release();
    const response = await handled;

    // Assess: the model answered its neighbours, so the record is dead-lettered, in its place.
    expect(firstWhileSlow).toEqual(['out:in/0/0']);
    expect(publisher.publishes[1]).toEqual(['err:in/0/1', 'out:in/0/2', 'out:in/1/0']);
    expect(response).toEqual({ batchItemFailures: [] });
  });

  it('KAFKA_TRANSACTIONAL=true: publishes the batch once, at the end, in one transaction', async () => {
    // Prepare
    const publisher = new RecordingPublisher();
    const { model, stream } = await setup(publisher, { KAFKA_TRANSACTIONAL: 'true' });
    const specs: RecordSpec[] = [
      { partition: 0, offset: 0, value: value('a') },
      { partition: 0, offset: 1, value: value('slow') },
      { partition: 1, offset: 0, value: value('b') },
    ];

    // Act: the slow call is held well past the time a finished prefix waits for company.
    const handled = stream.handle(mskEvent(specs), lambdaContext());
    await new Promise((resolve) => setTimeout(resolve, 500));
    const whileSlow = publisher.publishes.length;
    model.release();
    await handled;

    // Assess
    expect(whileSlow).toBe(0);
    expect(publisher.publishes).toEqual([['out:in/0/0', 'out:in/0/1', 'out:in/1/0']]);
  });
});

/** A published outcome of `in/<partition>/<offset>`. */
const done = (partition: number, offset: number): DoneOutcome => ({
  fate: 'published',
  record: { topic: 'in', partition, offset, timestamp: 0, key: null, value: null, headers: [] },
  outbound: { topic: 'out', key: null, value: Buffer.from(`${partition}/${offset}`), headers: {} },
});

describe('PrefixPublisher', () => {
  it('keeps one publish in flight; what is added meanwhile goes in the next one, partition by partition', async () => {
    // Prepare: every record is due at once; the broker answers when the test says.
    const sent: string[][] = [];
    const answers: Array<() => void> = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const publisher: Publisher = {
      publish: async (records) => {
        sent.push(records.map((r) => String(r.value)));
        mostInFlight = Math.max(mostInFlight, ++inFlight);
        await new Promise<void>((resolve) => answers.push(resolve));
        inFlight--;
      },
      close: async () => undefined,
    };
    const acked: string[] = [];
    const publishing = new PrefixPublisher({
      publisher,
      deadline: Date.now() + 60_000,
      atEndOnly: false,
      flushBytes: 1,
      onAcked: (o) => acked.push(String(o.outbound.value)),
      onFailed: () => undefined,
    });

    // Act
    publishing.add(0, [done(0, 0)]);
    publishing.add(1, [done(1, 0)]);
    publishing.add(0, [done(0, 1), done(0, 2)]);
    const ackedWhileFirstInFlight = [...acked];
    answers.shift()!();
    const finished = publishing.finish();
    await vi.waitFor(() => expect(answers).toHaveLength(1));
    answers.shift()!();
    const { failure } = await finished;

    // Assess
    expect(ackedWhileFirstInFlight).toEqual([]);
    expect(sent).toEqual([['0/0'], ['0/1', '0/2', '1/0']]);
    expect(mostInFlight).toBe(1);
    expect(acked).toEqual(['0/0', '0/1', '0/2', '1/0']);
    expect(failure).toBeUndefined();
  });
});
