/**
 * One trace from the input record to the output record, with no OpenTelemetry SDK registered (the
 * function's default): nothing is recorded, but the model and the output or error record get a
 * child of the input's `traceparent`.
 */
import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import type { OutboundRecord } from '../../../functions/stream-inference/outbound/output-records.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakeModel, FakePublisher, PropagationSpy } from '../../helpers/fakes.js';

/** The spec's example, sampled, with the Congo vendor's tracestate. */
const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const PARENT_ID = 'b7ad6b7169203331';
const TRACEPARENT = `00-${TRACE_ID}-${PARENT_ID}-01`;
const TRACESTATE = 'congo=t61rcWkgMzE';

const good = (n: number) => JSON.stringify({ data: { ndarray: [[n, 1, 2, 3]] } });
const header = (r: OutboundRecord, name: string): string | undefined => {
  const v = r.headers[name];
  return v === undefined ? undefined : String(v);
};
const fields = (traceparent: string | undefined) => {
  const [version, traceId, spanId, flags] = (traceparent ?? '').split('-');
  return { version, traceId, spanId, flags };
};

const setup = async (env: Record<string, string> = {}, inner = new FakeModel()) => {
  const model = new PropagationSpy(inner);
  const publisher = new FakePublisher();
  const stream = await createBatchHandler(testConfig(env), { transport: model, publisher });
  return { stream, model, publisher };
};

describe('a record with a traceparent, no SDK registered', () => {
  it('calls the model as a child span and writes that child on the output record', async () => {
    // Prepare
    const { stream, model, publisher } = await setup();
    const spec: RecordSpec = {
      offset: 0,
      value: good(0),
      headers: { traceparent: TRACEPARENT, tracestate: TRACESTATE, trace: 'kept' },
    };

    // Act
    await stream.handle(mskEvent([spec]), lambdaContext());

    // Assess
    const [seen] = model.seen;
    const child = fields(seen?.traceparent);
    expect(child).toMatchObject({ version: '00', traceId: TRACE_ID, flags: '01' });
    expect(child.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(child.spanId).not.toBe(PARENT_ID);
    expect(seen?.tracestate).toBe(TRACESTATE);
    const [out] = publisher.on('out');
    expect(header(out!, 'traceparent')).toBe(seen?.traceparent);
    expect(header(out!, 'tracestate')).toBe(TRACESTATE);
    expect(header(out!, 'trace')).toBe('kept');
  });

  it('gives each record its own span, and every retry of a record the same one', async () => {
    // Prepare: the first record's model is down twice, then answers
    const { stream, model, publisher } = await setup({}, new FakeModel({ downFor: 2 }));
    const specs: RecordSpec[] = [
      { offset: 0, value: '{"strData":"down"}', headers: { traceparent: TRACEPARENT } },
      { offset: 1, value: good(1), headers: { traceparent: TRACEPARENT } },
    ];

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const out = publisher.on('out');
    const first = header(out[0]!, 'traceparent');
    const second = header(out[1]!, 'traceparent');
    expect(first).not.toBe(second);
    expect(model.seen.map((p) => p?.traceparent).sort()).toEqual([first, first, first, second].sort());
  });

  it('writes the child on error records too: refused by the model, or bad before any call', async () => {
    // Prepare
    const { stream, model, publisher } = await setup();
    const specs: RecordSpec[] = [
      { offset: 0, value: '{"strData":"reject"}', headers: { traceparent: TRACEPARENT } },
      { offset: 1, value: '{not json', headers: { traceparent: TRACEPARENT } },
    ];

    // Act
    await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    const errors = publisher.on('err');
    expect(errors).toHaveLength(2);
    expect(header(errors[0]!, 'traceparent')).toBe(model.seen[0]?.traceparent);
    const bad = fields(header(errors[1]!, 'traceparent'));
    expect(bad.traceId).toBe(TRACE_ID);
    expect(bad.spanId).not.toBe(PARENT_ID);
    expect(model.seen).toHaveLength(1);
  });

  it('replaces the input trace headers whatever their case, and keeps only the sampled flag', async () => {
    // Prepare: flags with bits the spec leaves undefined (receivers must zero them)
    const { stream, publisher } = await setup();
    const spec: RecordSpec = {
      offset: 0,
      value: good(0),
      headers: { TraceParent: `00-${TRACE_ID}-${PARENT_ID}-ff` },
    };

    // Act
    await stream.handle(mskEvent([spec]), lambdaContext());

    // Assess
    const [out] = publisher.on('out');
    expect(header(out!, 'TraceParent')).toBeUndefined();
    expect(fields(header(out!, 'traceparent'))).toMatchObject({ traceId: TRACE_ID, flags: '01' });
  });
});

describe('a record without a valid traceparent', () => {
  it('with TRACING off (the default): no span, nothing sent, its headers passed through as they came', async () => {
    // Prepare
    const { stream, model, publisher } = await setup();
    const invalid = `00-${'0'.repeat(32)}-${PARENT_ID}-01`;
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: good(1), headers: { traceparent: invalid, tracestate: TRACESTATE } },
    ];

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(model.seen).toEqual([undefined, undefined]);
    const [plain, kept] = publisher.on('out');
    expect(header(plain!, 'traceparent')).toBeUndefined();
    expect(header(kept!, 'traceparent')).toBe(invalid);
    expect(header(kept!, 'tracestate')).toBe(TRACESTATE);
  });

  it('with TRACING on: a new trace per record, not sampled (nothing records it), on model call and output', async () => {
    // Prepare
    const { stream, model, publisher } = await setup({ TRACING: 'true' });
    const specs: RecordSpec[] = [
      { offset: 0, value: good(0) },
      { offset: 1, value: good(1), headers: { traceparent: 'not a traceparent' } },
    ];

    // Act
    await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    const out = publisher.on('out');
    const written = out.map((r) => fields(header(r, 'traceparent')));
    for (const w of written) expect(w).toMatchObject({ version: '00', flags: '00' });
    expect(written[0]!.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(written[0]!.traceId).not.toBe(written[1]!.traceId);
    expect(model.seen.map((p) => p?.traceparent)).toEqual(out.map((r) => header(r, 'traceparent')));
  });
});

describe('TRACING', () => {
  it.each([
    [undefined, false],
    ['true', true],
    ['false', false],
  ])('%s reads as %s', (value, tracing) => {
    // Prepare
    const env: Record<string, string> = value === undefined ? {} : { TRACING: value };

    // Act
    const config = testConfig(env);

    // Assess
    expect(config.pipeline.tracing).toBe(tracing);
  });

  it('refuses anything else, naming the variable', () => {
    // Act + Assess
    expect(() => testConfig({ TRACING: 'yes' })).toThrow(/TRACING.*'yes' is not allowed/);
  });
});
