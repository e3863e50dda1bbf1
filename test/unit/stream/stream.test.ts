import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakeModel, FakePublisher } from '../../helpers/fakes.js';

const config = testConfig;

const good = (n: number) => JSON.stringify({ data: { ndarray: [[n, 1, 2, 3]] } });
const header = (r: { headers: Record<string, unknown> }, name: string) => String(r.headers[name]);

const setup = async (env: Record<string, string> = {}, model = new FakeModel()) => {
  const publisher = new FakePublisher();
  const stream = await createBatchHandler(config(env), { transport: model, publisher });
  return { stream, model, publisher };
};

describe('stream.handle', () => {
  it('publishes one output per record, key and headers kept, input order per partition', async () => {
    const { stream, publisher } = await setup();
    const specs: RecordSpec[] = [];
    for (let offset = 0; offset < 50; offset++) {
      specs.push({
        partition: offset % 3,
        offset,
        key: `k${offset}`,
        value: good(offset),
        headers: { trace: `t${offset}` },
      });
    }

    const response = await stream.handle(mskEvent(specs), lambdaContext());

    expect(response).toEqual({ batchItemFailures: [] });
    const out = publisher.on('out');
    expect(out).toHaveLength(50);
    for (const p of [0, 1, 2]) {
      const offsets = out
        .filter((r) => header(r, 'msk-inference-source').startsWith(`in/${p}/`))
        .map((r) => Number(header(r, 'msk-inference-source').split('/')[2]));
      expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    }
    const first = out.find((r) => header(r, 'msk-inference-source') === 'in/1/7')!;
    expect(first.key?.toString()).toBe('k7');
    expect(header(first, 'trace')).toBe('t7');
    expect(header(first, 'content-type')).toBe('application/json');
    expect(JSON.parse(first.value!.toString())).toEqual({ jsonData: { echo: JSON.parse(good(7)) } });
  });

  it('dead-letters bad records with the reason and goes on with the batch', async () => {
    const { stream, publisher, model } = await setup();
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: '{not json' },
      { offset: 2, value: '{"data":{"ndarray":[]}}' },
      { offset: 3, value: '{"strData":"reject"}' },
      { offset: 4, value: null },
      { offset: 5, value: good(5), topic: 'other' },
      { offset: 6, value: good(6) },
    ];

    const response = await stream.handle(mskEvent(specs), lambdaContext());

    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.on('out').map((r) => header(r, 'msk-inference-source'))).toEqual(['in/0/0', 'in/0/6']);
    const errors = publisher.on('err');
    expect(
      errors.map((r) => [header(r, 'msk-inference-source'), header(r, 'msk-inference-error-kind')]),
    ).toEqual([
      ['in/0/1', 'decode'],
      ['in/0/2', 'shape'],
      ['in/0/3', 'model-rejected'],
      ['in/0/4', 'decode'],
      ['other/0/5', 'wrong-topic'],
    ]);
    expect(header(errors[2]!, 'msk-inference-status')).toBe('400');
    expect(errors[0]!.value?.toString()).toBe('{not json');
    expect(model.calls).toBe(3);
    expect(publisher.published).toHaveLength(specs.length);
  });

  it('reports the first unfinished record of a partition when the model stays down, and publishes nothing after it', async () => {
    const { stream, publisher } = await setup();
    const specs: RecordSpec[] = [
      { partition: 0, offset: 10, value: good(10) },
      { partition: 0, offset: 11, value: '{"strData":"down"}' },
      { partition: 0, offset: 12, value: good(12) },
      { partition: 0, offset: 13, value: 'garbage' },
      { partition: 1, offset: 20, value: good(20) },
    ];

    const response = await stream.handle(mskEvent(specs), lambdaContext(500));

    expect(response).toEqual({
      batchItemFailures: [{ itemIdentifier: { partition: 'in-0', offset: 11 } }],
    });
    expect(publisher.published.map((r) => header(r, 'msk-inference-source'))).toEqual(['in/0/10', 'in/1/20']);
  });

  it('rides out a short outage with retries', async () => {
    const { stream, publisher } = await setup({}, new FakeModel({ downFor: 3 }));

    const response = await stream.handle(
      mskEvent([{ offset: 0, value: '{"strData":"down"}' }]),
      lambdaContext(5_000),
    );

    expect(response.batchItemFailures).toEqual([]);
    expect(publisher.on('out')).toHaveLength(1);
  });

  it('reports every partition from its first record when the broker refuses the publish', async () => {
    const { stream, publisher } = await setup();
    publisher.fail = true;

    const response = await stream.handle(
      mskEvent([
        { partition: 0, offset: 4, value: good(4) },
        { partition: 0, offset: 5, value: 'bad' },
        { partition: 2, offset: 9, value: good(9) },
      ]),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([
      { itemIdentifier: { partition: 'in-0', offset: 4 } },
      { itemIdentifier: { partition: 'in-2', offset: 9 } },
    ]);
  });

  it('throws instead when item failures are not reported, so Lambda retries the batch', async () => {
    const { stream } = await setup({ REPORT_BATCH_ITEM_FAILURES: 'false' });

    await expect(
      stream.handle(mskEvent([{ offset: 0, value: '{"strData":"down"}' }]), lambdaContext(300)),
    ).rejects.toThrow(/1 of 1 records are not done/);
  });

  it('dead-letters a record the model fails on (500) while it answers its neighbours', async () => {
    const { stream, publisher, model } = await setup();

    const response = await stream.handle(
      mskEvent([
        { offset: 0, value: good(0) },
        { offset: 1, value: '{"strData":"crash"}' },
        { offset: 2, value: good(2) },
      ]),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([]);
    const errors = publisher.on('err');
    expect(
      errors.map((r) => [header(r, 'msk-inference-error-kind'), header(r, 'msk-inference-status')]),
    ).toEqual([['model-error', '500']]);
    expect(publisher.on('out')).toHaveLength(2);
    expect(model.calls).toBe(2 + 3);
  });

  it('leaves a 500 for redelivery when the model has answered nothing lately', async () => {
    const { stream, publisher } = await setup();

    const response = await stream.handle(
      mskEvent([{ offset: 3, value: '{"strData":"crash"}' }]),
      lambdaContext(),
    );

    expect(response.batchItemFailures).toEqual([{ itemIdentifier: { partition: 'in-0', offset: 3 } }]);
    expect(publisher.published).toHaveLength(0);
  });

  it('dead-letters a model answer larger than MAX_RECORD_BYTES', async () => {
    const { stream, publisher } = await setup({ MAX_RECORD_BYTES: '40' });

    await stream.handle(mskEvent([{ offset: 0, value: good(1) }]), lambdaContext());

    expect(publisher.on('err').map((r) => header(r, 'msk-inference-error-kind'))).toEqual(['too-large']);
  });
});
