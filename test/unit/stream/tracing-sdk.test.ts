/**
 * With an OpenTelemetry SDK registered (as the ADOT Lambda layer or the user's own code registers
 * one), the record spans are the SDK's: recorded, parented to the input's `traceparent` or to the
 * active context, and the ones the model and the output records see.
 */
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import {
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
  StackContextManager,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import type { OutboundRecord } from '../../../functions/stream-inference/outbound/output-records.js';
import { recordTracer } from '../../../functions/stream-inference/tracing/record-spans.js';
import { lambdaContext, mskEvent, type RecordSpec, testConfig } from '../../helpers/factories.js';
import { FakeModel, FakePublisher, PropagationSpy, RowModel } from '../../helpers/fakes.js';
import { restRequest } from '../../helpers/iris.js';

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new StackContextManager().enable());
});
afterEach(() => exporter.reset());
afterAll(async () => {
  trace.disable();
  context.disable();
  await provider.shutdown();
});

const traceparentOf = (traceId: string, spanId = 'b7ad6b7169203331') => `00-${traceId}-${spanId}-01`;
const TRACE_IDS = ['0af7651916cd43dd8448eb211c80319c', '4bf92f3577b34da6a3ce929d0e0e4736', '1'.repeat(32)];
const header = (r: OutboundRecord, name: string) => String(r.headers[name]);
const spanIdOf = (traceparent: string | undefined) => traceparent?.split('-')[2];
const recorded = (name: string): ReadableSpan[] => exporter.getFinishedSpans().filter((s) => s.name === name);

describe('record spans under a registered SDK', () => {
  it('records one consumer span per record, child of its traceparent, the one model and output see', async () => {
    // Prepare
    const model = new PropagationSpy(new FakeModel());
    const publisher = new FakePublisher();
    const stream = await createBatchHandler(testConfig(), { transport: model, publisher });
    const specs: RecordSpec[] = [
      { offset: 7, value: '{"strData":"ok"}', headers: { traceparent: traceparentOf(TRACE_IDS[0]!) } },
      { offset: 8, value: '{"strData":"reject"}', headers: { traceparent: traceparentOf(TRACE_IDS[1]!) } },
    ];

    // Act
    await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    const [ok, rejected] = recorded('process in');
    expect(ok).toMatchObject({
      kind: SpanKind.CONSUMER,
      parentSpanContext: { traceId: TRACE_IDS[0], spanId: 'b7ad6b7169203331' },
      attributes: {
        'messaging.system': 'kafka',
        'messaging.destination.name': 'in',
        'messaging.destination.partition.id': '0',
        'messaging.kafka.offset': 7,
        'msk_inference.fate': 'published',
      },
    });
    expect(rejected).toMatchObject({
      status: { code: SpanStatusCode.ERROR, message: 'model answered HTTP 400: rejected' },
      attributes: { 'msk_inference.fate': 'dead-lettered', 'msk_inference.error_kind': 'model-rejected' },
    });
    expect(model.seen.map((p) => spanIdOf(p?.traceparent))).toEqual(
      [ok, rejected].map((s) => s!.spanContext().spanId),
    );
    expect(spanIdOf(header(publisher.on('out')[0]!, 'traceparent'))).toBe(ok!.spanContext().spanId);
    expect(spanIdOf(header(publisher.on('err')[0]!, 'traceparent'))).toBe(rejected!.spanContext().spanId);
  });

  it("gives a packed call its own span: child of the first record's, linked to the others'", async () => {
    // Prepare: three records of one partition packed into one call
    const model = new PropagationSpy(new RowModel('seldon'));
    const publisher = new FakePublisher();
    const stream = await createBatchHandler(testConfig({ COALESCE_MAX_RECORDS: '4' }), {
      transport: model,
      publisher,
    });
    const specs: RecordSpec[] = TRACE_IDS.map((traceId, offset) => ({
      offset,
      value: JSON.stringify(restRequest('seldon', [offset, 1, 2, 3])),
      headers: { traceparent: traceparentOf(traceId) },
    }));

    // Act
    const response = await stream.handle(mskEvent(specs), lambdaContext());

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    const records = recorded('process in');
    const [call] = recorded('model call');
    expect(records).toHaveLength(3);
    expect(call).toMatchObject({
      kind: SpanKind.CLIENT,
      parentSpanContext: { spanId: records[0]!.spanContext().spanId },
      attributes: { 'messaging.batch.message_count': 3 },
    });
    expect(call!.links.map((l) => l.context.spanId)).toEqual(
      records.slice(1).map((s) => s.spanContext().spanId),
    );
    expect(model.seen.map((p) => spanIdOf(p?.traceparent))).toEqual([call!.spanContext().spanId]);
    const outputs = publisher.on('out').map((r) => spanIdOf(header(r, 'traceparent')));
    expect(outputs).toEqual(records.map((s) => s.spanContext().spanId));
  });
});

describe('records without a traceparent, TRACING on, under a registered SDK', () => {
  it('are children of the active context', () => {
    // Prepare
    const parent = provider.getTracer('test').startSpan('invocation');
    const partitions = decodeEvent(mskEvent([{ offset: 0 }, { offset: 1 }])).partitions;
    const tracer = recordTracer({ tracing: true });

    // Act
    const traced = context.with(trace.setSpan(ROOT_CONTEXT, parent), () => tracer.start(partitions));

    // Assess
    const spans = traced[0]!.records.map((r) => r.trace?.span.spanContext());
    expect(spans).toHaveLength(2);
    for (const s of spans) expect(s?.traceId).toBe(parent.spanContext().traceId);
    expect(spans[0]?.spanId).not.toBe(spans[1]?.spanId);
    parent.end();
  });

  it('with TRACING off get no span', () => {
    // Prepare
    const partitions = decodeEvent(mskEvent([{ offset: 0 }])).partitions;

    // Act
    const traced = recordTracer({ tracing: false }).start(partitions);

    // Assess
    expect(traced).toBe(partitions);
  });
});
