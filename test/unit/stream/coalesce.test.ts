import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { loadConfig, type Protocol } from '../../../functions/stream-inference/config.js';
import { lambdaContext, mskEvent, type RecordSpec } from '../../helpers/factories.js';
import { FakePublisher, RowModel } from '../../helpers/fakes.js';
import { restRequest } from '../../helpers/iris.js';

const records = (protocol: Protocol): RecordSpec[] =>
  Array.from({ length: 40 }, (_, i) => {
    const row = [i * 0.37, 1 + (i % 5), 2.5, i % 13 === 3 ? -1 : 0.5];
    const value = i % 11 === 5 ? '{"bad json' : JSON.stringify(restRequest(protocol, row));
    return { partition: i % 2, offset: i, key: `k${i}`, value };
  });

const run = async (protocol: Protocol, coalesce: number) => {
  const publisher = new FakePublisher();
  const model = new RowModel(protocol);
  const stream = await createBatchHandler(
    loadConfig({
      KAFKA_INPUT_TOPIC: 'in',
      KAFKA_OUTPUT_TOPIC: 'out',
      KAFKA_ERROR_TOPIC: 'err',
      MODEL_ENDPOINT: 'http://127.0.0.1:1',
      MODEL_NAME: 'iris',
      PROTOCOL: protocol,
      COALESCE_MAX_RECORDS: String(coalesce),
    }),
    { transport: model, publisher },
  );
  const response = await stream.handle(mskEvent(records(protocol)), lambdaContext());
  const bySource = (topic: string) =>
    Object.fromEntries(
      publisher
        .on(topic)
        .map((r) => [
          String(r.headers['msk-inference-source']),
          topic === 'out' ? JSON.parse(r.value!.toString()) : String(r.headers['msk-inference-error-kind']),
        ]),
    );
  return {
    response,
    outputs: bySource('out'),
    errors: bySource('err'),
    calls: model.calls,
    order: publisher.published,
  };
};

describe.each<Protocol>(['v2', 'tensorflow', 'seldon'])('coalescing (%s)', (protocol) => {
  it('publishes exactly what per-record calls publish, bad records apart, in fewer model calls', async () => {
    const single = await run(protocol, 1);
    const packed = await run(protocol, 8);

    expect(packed.response).toEqual({ batchItemFailures: [] });
    expect(packed.outputs).toEqual(single.outputs);
    expect(packed.errors).toEqual(single.errors);
    expect(Object.values(packed.errors)).toContain('model-rejected');
    expect(Object.values(packed.errors)).toContain('decode');
    expect(Object.keys(packed.outputs).length + Object.keys(packed.errors).length).toBe(40);
    expect(packed.calls).toBeLessThan(single.calls);
    const sources = (rs: typeof single.order) => rs.map((r) => String(r.headers['msk-inference-source']));
    expect(sources(packed.order)).toEqual(sources(single.order));
  });
});

describe('coalescing leaves requests of other shapes alone', () => {
  it('packs only requests whose shapes agree', async () => {
    const publisher = new FakePublisher();
    const model = new RowModel('tensorflow');
    const stream = await createBatchHandler(
      loadConfig({
        KAFKA_INPUT_TOPIC: 'in',
        KAFKA_OUTPUT_TOPIC: 'out',
        MODEL_ENDPOINT: 'http://127.0.0.1:1',
        MODEL_NAME: 'iris',
        PROTOCOL: 'tensorflow',
        COALESCE_MAX_RECORDS: '10',
      }),
      { transport: model, publisher },
    );
    const specs: RecordSpec[] = [
      { offset: 0, value: JSON.stringify({ instances: [[1, 2, 3, 4]] }) },
      {
        offset: 1,
        value: JSON.stringify({
          instances: [
            [1, 2, 3, 4],
            [0, 0, 0, 1],
          ],
        }),
      },
      { offset: 2, value: JSON.stringify({ instances: [[1, 2, 3, 4]], signature_name: 'other' }) },
      { offset: 3, value: JSON.stringify({ inputs: [[1, 2, 3, 4]] }) },
      // A field the packed call would keep only one copy of: it must not ride on offset 0's call.
      { offset: 4, value: JSON.stringify({ instances: [[1, 2, 3, 4]], extra: { deep: [1] } }) },
    ];

    await stream.handle(mskEvent(specs), lambdaContext());

    // Offsets 0 and 1 share a call; 2 (another signature), 3 (columnar form) and 4 (another extra
    // field) go alone.
    expect(model.calls).toBe(4);
    expect(publisher.on('out').map((r) => JSON.parse(r.value!.toString()).predictions)).toEqual([
      [1],
      [1, 1],
      [1],
      undefined,
      [1],
    ]);
  });
});
