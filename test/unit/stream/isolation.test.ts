import { describe, expect, it } from 'vitest';
import { processBatch } from '../../../functions/stream-inference/batch/process-batch.js';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import type { Protocol } from '../../../functions/stream-inference/config.js';
import type { LambdaKafkaEvent } from '../../../functions/stream-inference/inbound/event.js';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import { requestPreparer } from '../../../functions/stream-inference/inbound/request-check.js';
import { jsonAnswerCheck } from '../../../functions/stream-inference/model/answer-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { TimeoutBudget } from '../../../functions/stream-inference/model/timeout-budget.js';
import type { ModelTransport } from '../../../functions/stream-inference/model/transport/index.js';
import {
  type RecordBuilder,
  recordBuilder,
} from '../../../functions/stream-inference/outbound/output-records.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakeModel, FakePublisher, RowModel } from '../../helpers/fakes.js';
import { restRequest } from '../../helpers/iris.js';

/**
 * One hostile record must end as that record's fate (published or dead-lettered) and never throw
 * the invocation: Lambda would deliver the same batch again and again, and the partition would be
 * blocked for good.
 */

const config = testConfig;

const setup = async (env: Record<string, string> = {}, model: ModelTransport = new FakeModel()) => {
  const publisher = new FakePublisher();
  const stream = await createBatchHandler(config(env), { transport: model, publisher });
  return { stream, publisher, model };
};

const good = (n: number) => JSON.stringify({ data: { ndarray: [[n, 1, 2, 3]] } });
const source = (r: { headers: Readonly<Record<string, unknown>> }) =>
  String(r.headers['msk-inference-source']);
/** An own header only: a name like `toString` must not find Object.prototype's. */
const own = (r: { headers: Readonly<Record<string, unknown>> }, name: string): unknown =>
  Object.hasOwn(r.headers, name) ? r.headers[name] : undefined;

/** Lambda's event with headers given as (name, bytes) pairs, in order: names may repeat or be `__proto__`. */
const eventWithHeaders = (offset: number, value: string, headers: ReadonlyArray<[string, number[]]>) => {
  const event = mskEvent([{ offset, value }]) as LambdaKafkaEvent;
  // Parsed from JSON, as the Lambda runtime builds the event: `__proto__` is an own key there.
  const json = headers.map(([name, b]) => `{${JSON.stringify(name)}:${JSON.stringify(b)}}`).join(',');
  event.records['in-0']![0]!.headers = JSON.parse(`[${json}]`) as Array<Record<string, number[]>>;
  return event;
};

const bytes = (s: string) => [...Buffer.from(s)];
const PROTOTYPE_NAMES = ['constructor', 'toString', 'hasOwnProperty', 'valueOf', '__proto__'] as const;

describe('hostile header names', () => {
  it.each(PROTOTYPE_NAMES)(
    'publishes a record with a header named %s, the header kept as it came',
    async (name) => {
      // Prepare
      const { stream, publisher } = await setup();
      const event = eventWithHeaders(0, good(0), [
        [name, bytes('first')],
        ['trace', bytes('t')],
        [name, bytes('second')],
      ]);

      // Act
      const response = await stream.handle(event, lambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const [out] = publisher.on('out');
      expect(out).toBeDefined();
      expect(own(out!, name)).toEqual([Buffer.from('first'), Buffer.from('second')]);
      expect(own(out!, 'trace')).toEqual(Buffer.from('t'));
      expect(Object.getPrototypeOf(out!.headers)).toBeNull();
    },
  );

  it.each(PROTOTYPE_NAMES)(
    'dead-letters a bad record with a header named %s, the header kept',
    async (name) => {
      // Prepare
      const { stream, publisher } = await setup();
      const event = eventWithHeaders(3, '{not json', [[name, bytes('x')]]);

      // Act
      const response = await stream.handle(event, lambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const [err] = publisher.on('err');
      expect(String(own(err!, 'msk-inference-error-kind'))).toBe('decode');
      expect(own(err!, name)).toEqual(Buffer.from('x'));
    },
  );

  it('keeps empty names, non-UTF-8 values and 10,000 headers on one record', async () => {
    // Prepare
    const { stream, publisher } = await setup();
    const many: Array<[string, number[]]> = Array.from({ length: 10_000 }, (_, i) => [
      `h${i % 100}`,
      [i % 256],
    ]);
    const event = eventWithHeaders(0, good(0), [
      ['', bytes('empty name')],
      ['binary', [0xff, 0xfe, 0x00, 0xc3, 0x28]],
      ...many,
    ]);

    // Act
    const response = await stream.handle(event, lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [out] = publisher.on('out');
    expect(own(out!, '')).toEqual(Buffer.from('empty name'));
    expect(own(out!, 'binary')).toEqual(Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]));
    expect(own(out!, 'h7')).toHaveLength(100);
  });

  it("strips every msk-inference-* header of the input: an input cannot forge the function's own headers", async () => {
    // Prepare
    const { stream, publisher } = await setup();
    const forged: Array<[string, number[]]> = [
      ['msk-inference-source', bytes('forged/0/0')],
      ['msk-inference-error', bytes('forged')],
      ['msk-inference-error-kind', bytes('forged')],
      ['msk-inference-anything', bytes('forged')],
      ['MSK-Inference-Source', bytes('forged')],
      ['trace', bytes('t')],
    ];
    const event = mskEvent([
      { offset: 0, value: good(0) },
      { offset: 1, value: '{not json' },
    ]) as LambdaKafkaEvent;
    for (const r of event.records['in-0']!) r.headers = forged.map(([n, b]) => ({ [n]: b }));

    // Act
    await stream.handle(event, lambdaContext());

    // Assess
    for (const r of publisher.published) {
      const ours = Object.keys(r.headers).filter((n) => n.toLowerCase().startsWith('msk-inference-'));
      expect(
        ours.every((n) => n.startsWith('msk-inference-')),
        ours.join(),
      ).toBe(true);
      expect(String(own(r, 'msk-inference-source'))).toMatch(/^in\/0\/[01]$/);
      expect(own(r, 'msk-inference-anything')).toBeUndefined();
      expect(own(r, 'trace')).toEqual(Buffer.from('t'));
    }
    expect(own(publisher.on('out')[0]!, 'msk-inference-error')).toBeUndefined();
    expect(String(own(publisher.on('err')[0]!, 'msk-inference-error-kind'))).toBe('decode');
  });
});

/** `depth` levels of arrays around a 1, built without recursion. */
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** A request of each protocol that passes the request check but holds a field nested `depth` deep. */
const deepRequest = (protocol: Protocol, depth: number): string => {
  const request = JSON.stringify(restRequest(protocol, [5, 3, 1, 0.2]));
  // Fields the request check lets through; TensorFlow's packed request keeps its first member's extras.
  const at = { seldon: '"meta":', tensorflow: '"extra":', v2: '"parameters":' }[protocol];
  const where = { seldon: '{"data"', tensorflow: '{"instances"', v2: '{"inputs"' }[protocol];
  const field = `{"deep":${nested(depth)}}`;
  return request.replace(where, `{${at}${field},${where.slice(1)}`);
};

describe('hostile nesting with COALESCE_MAX_RECORDS', () => {
  it.each(['seldon', 'tensorflow', 'v2'] as const)(
    '%s: a record too deep to pack is sent alone and its neighbours are published',
    async (protocol) => {
      // Prepare
      const { stream, publisher } = await setup(
        { PROTOCOL: protocol, MODEL_NAME: 'iris', COALESCE_MAX_RECORDS: '8' },
        new RowModel(protocol),
      );
      const specs: RecordSpec[] = [0, 1, 2, 3, 4].map((offset) => ({
        offset,
        value:
          offset === 0
            ? deepRequest(protocol, 200_000)
            : JSON.stringify(restRequest(protocol, [offset, 1, 2, 3])),
      }));

      // Act
      const response = await stream.handle(mskEvent(specs), lambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      const outputs = publisher.on('out').map(source);
      expect(outputs).toEqual(expect.arrayContaining(['in/0/1', 'in/0/2', 'in/0/3', 'in/0/4']));
      expect(publisher.published).toHaveLength(5);
    },
  );
});

/** A model transport with a bug: it throws a TypeError on requests holding "bug", answers the rest. */
class BuggyTransport extends FakeModel {
  override async infer(body: Buffer): Promise<Buffer> {
    if (body.includes('bug')) {
      this.calls++;
      throw new TypeError("Cannot read properties of undefined (reading 'data')");
    }
    return super.infer(body);
  }
}

describe('a failure inside the function is that record’s fate', () => {
  it('dead-letters a record a programming error fails on, as internal, at once, and goes on', async () => {
    // Prepare
    const model = new BuggyTransport();
    const { stream, publisher } = await setup({}, model);
    const bug = JSON.stringify({ data: { names: ['bug'], ndarray: [[1, 2, 3, 4]] } });
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: bug },
      { offset: 2, value: good(2) },
    ];

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response.batchItemFailures).toEqual([]);
    const [err] = publisher.on('err');
    expect(String(own(err!, 'msk-inference-error-kind'))).toBe('internal');
    // The runtime's message may quote the record: the header names the error class only.
    expect(String(own(err!, 'msk-inference-error'))).toBe(
      'the model call failed inside the function: TypeError',
    );
    expect(publisher.on('out').map(source)).toEqual(['in/0/0', 'in/0/2']);
    expect(model.calls).toBe(3);
  });

  it('dead-letters a record whose output record cannot be built, as internal, and publishes its neighbours', async () => {
    // Prepare
    const cfg = config();
    const spec = protocolSpec('seldon');
    const real = recordBuilder(cfg, spec);
    const records: RecordBuilder = {
      ...real,
      output: (record, body) => {
        if (record.offset === 1) throw new RangeError('Invalid array length');
        return real.output(record, body);
      },
    };
    const publisher = new FakePublisher();
    const { partitions } = decodeEvent(
      mskEvent([0, 1, 2].map((offset) => ({ offset, value: good(offset) }))),
    );
    const deps = {
      config: cfg,
      prepare: requestPreparer(cfg, spec),
      records,
      transport: new FakeModel(),
      checkAnswer: jsonAnswerCheck(spec, 'http'),
      publisher,
      health: { lastSuccessAt: 0, lastSuccessStartedAt: 0 },
      timeouts: new TimeoutBudget(),
    };

    // Act
    const outcomes = await processBatch(partitions, deps, {
      calls: Date.now() + 5_000,
      publish: Date.now() + 5_000,
    });

    // Assess
    expect(outcomes.map((o) => o.fate)).toEqual(['published', 'dead-lettered', 'published']);
    const [err] = publisher.on('err');
    expect(String(own(err!, 'msk-inference-error-kind'))).toBe('internal');
    expect(String(own(err!, 'msk-inference-error'))).toMatch(/output record.*RangeError$/);
    expect(err!.value?.toString()).toBe(good(1));
  });
});

describe('nesting costs time in proportion to the request', () => {
  it.each(['seldon', 'tensorflow'] as const)(
    '%s: a request nested 60 levels deep is checked at once',
    async (protocol) => {
      // Prepare
      const { stream, publisher } = await setup(
        { PROTOCOL: protocol, MODEL_NAME: 'iris' },
        new FakeModel({ protocol }),
      );
      const deep =
        protocol === 'seldon' ? `{"data":{"ndarray":${nested(60)}}}` : `{"instances":${nested(60)}}`;

      // Act
      const response = await stream.handle(mskEvent([{ offset: 0, value: deep }]), lambdaContext());

      // Assess
      expect(response.batchItemFailures).toEqual([]);
      expect(publisher.published).toHaveLength(1);
    },
    2_000,
  );
});
