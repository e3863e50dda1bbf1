/**
 * One span per traced record, from its input record to its output or error record: its context
 * goes to the model with every attempt of the record's call and onto the record the function
 * writes, so a consumer continues the trace.
 *
 * The spans come from whatever tracer provider is registered (the ADOT Lambda layer, or the user's
 * own SDK). Without one, nothing is recorded: the OpenTelemetry API alone hands back its parent's
 * own context, so each record gets a non-recording span of ours instead, with a fresh span id, as
 * an SDK's sampler does for a span it drops. The trace stays whole for the model and the consumers.
 */
import {
  type Attributes,
  type Context,
  context,
  isSpanContextValid,
  type Span,
  type SpanContext,
  SpanKind,
  type SpanOptions,
  SpanStatusCode,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { RandomIdGenerator } from '@opentelemetry/sdk-trace';
import type { RecordOutcome } from '../batch/outcomes.js';
import { DEFAULTS } from '../contract.js';
import { reasonOf } from '../failures.js';
import type { InputRecord, PartitionBatch } from '../inbound/event.js';
import type { TracePropagation } from '../model/transport/types.js';
import { propagationOf, remoteParentOf } from './trace-context.js';

/** A traced record's span (or a packed model call's), with what its model calls carry. */
export interface RecordTrace {
  readonly span: Span;
  /** The span's context: active while its model calls run, so instrumented clients nest under it. */
  readonly context: Context;
  /** The span as `traceparent`/`tracestate`: sent to the model, written on the output record. */
  readonly propagation: TracePropagation;
}

export interface RecordTracer {
  /**
   * The batch's partitions, each traced record carrying its new span as `trace`: a record with a
   * valid `traceparent` always, one without only with TRACING on (its parent is then the active
   * context, e.g. the invocation's span under the ADOT layer).
   */
  start(partitions: readonly PartitionBatch[]): readonly PartitionBatch[];
  /**
   * A span of its own for a model call packing several records: child of the first traced
   * member's span, linked to the others'. None when no member is traced.
   */
  packedCall(members: readonly InputRecord[]): RecordTrace | undefined;
  /** Ends each traced record's span with its fate. */
  end(outcomes: readonly RecordOutcome[]): void;
}

const ids = new RandomIdGenerator();

/**
 * Kafka's messaging attributes for processing one record.
 *
 * @see https://opentelemetry.io/docs/specs/semconv/messaging/kafka/
 */
const recordAttributes = (record: InputRecord): Attributes => ({
  'messaging.system': 'kafka',
  'messaging.operation.type': 'process',
  'messaging.operation.name': 'process',
  'messaging.destination.name': record.topic,
  'messaging.destination.partition.id': String(record.partition),
  'messaging.kafka.offset': record.offset,
});

/**
 * A child of `parent` when no SDK made one. The sampled flag is the parent's, unchanged, and unset
 * on a trace this function starts: the spec's advice for a component that records nothing itself
 * ("the sampled flag should be propagated unchanged. It should be set to 0 as the default option
 * when the trace is initiated by this component"). Flags other than sampled are zeroed, as the spec
 * requires of undefined flags.
 *
 * @see https://www.w3.org/TR/trace-context/#sampled-flag
 */
const childOf = (parent: SpanContext | undefined): SpanContext =>
  parent !== undefined && isSpanContextValid(parent)
    ? {
        traceId: parent.traceId,
        spanId: ids.generateSpanId(),
        traceFlags: parent.traceFlags & TraceFlags.SAMPLED,
        ...(parent.traceState === undefined ? {} : { traceState: parent.traceState }),
      }
    : { traceId: ids.generateTraceId(), spanId: ids.generateSpanId(), traceFlags: TraceFlags.NONE };

/**
 * The tracer's span, or ours when the tracer is the API's no-op one: that one answers with the
 * parent's own context (or an invalid one), where an SDK always draws a new span id.
 */
const startSpan = (
  tracer: Tracer,
  name: string,
  options: SpanOptions,
  parent: Context,
): RecordTrace | undefined => {
  const parentSpan = trace.getSpanContext(parent);
  const made = tracer.startSpan(name, options, parent);
  const own = made.spanContext();
  const span =
    isSpanContextValid(own) && own.spanId !== parentSpan?.spanId
      ? made
      : trace.wrapSpanContext(childOf(parentSpan));
  const propagation = propagationOf(span.spanContext());
  return propagation === undefined ? undefined : { span, context: trace.setSpan(parent, span), propagation };
};

/**
 * The record spans of a warm container; `tracing` is TRACING (records without `traceparent` start
 * a trace too).
 *
 * @example
 * const tracer = recordTracer({ tracing: config.pipeline.tracing });
 * const traced = tracer.start(decoded.partitions); // record.trace on each traced record
 */
export const recordTracer = ({ tracing }: { readonly tracing: boolean }): RecordTracer => {
  // Asked per batch, not once: a provider registered after cold start is used from then on.
  const tracerNow = (): Tracer => trace.getTracer(DEFAULTS.serviceName);
  return {
    start(partitions) {
      let tracer: Tracer | undefined;
      let active: Context | undefined;
      const batches = partitions.map((batch) => {
        let traced = false;
        const records = batch.records.map((record): InputRecord => {
          const remote = remoteParentOf(record.headers);
          if (remote === undefined && !tracing) return record;
          tracer ??= tracerNow();
          active ??= context.active();
          const parent = remote === undefined ? active : trace.setSpanContext(active, remote);
          const options = { kind: SpanKind.CONSUMER, attributes: recordAttributes(record) };
          const started = startSpan(tracer, `process ${record.topic}`, options, parent);
          if (started === undefined) return record;
          traced = true;
          return { ...record, trace: started };
        });
        return traced ? { ...batch, records } : batch;
      });
      // Nothing traced (TRACING off, no traceparent): the batch goes on as it came.
      return tracer === undefined ? partitions : batches;
    },
    packedCall(members) {
      const traced = members.flatMap((m) => (m.trace === undefined ? [] : [m.trace]));
      const [first, ...others] = traced;
      if (first === undefined) return undefined;
      const options: SpanOptions = {
        kind: SpanKind.CLIENT,
        attributes: { 'messaging.batch.message_count': members.length },
        links: others.map((t) => ({ context: t.span.spanContext() })),
      };
      return startSpan(tracerNow(), 'model call', options, first.context);
    },
    end(outcomes) {
      for (const o of outcomes) {
        const span = o.record.trace?.span;
        if (span === undefined) continue;
        span.setAttribute('msk_inference.fate', o.fate);
        if (o.fate !== 'published') {
          span.setAttribute('msk_inference.error_kind', o.failure.kind);
          span.setStatus({ code: SpanStatusCode.ERROR, message: reasonOf(o.failure) });
        }
        span.end();
      }
    },
  };
};

/**
 * Runs `call` with `traced`'s span as the active context (instrumented HTTP and gRPC clients then
 * nest their spans under it), or as is for an untraced call.
 *
 * @example
 * const answer = await inSpan(record.trace, () => transport.infer(body, signal, record.trace?.propagation));
 */
export const inSpan = <T>(traced: RecordTrace | undefined, call: () => T): T =>
  traced === undefined ? call() : context.with(traced.context, call);

/**
 * Ends a packed call's span, with the error that failed it.
 *
 * @example
 * endCall(packed, error);
 */
export const endCall = (traced: RecordTrace | undefined, error?: unknown): void => {
  if (traced === undefined) return;
  if (error !== undefined) traced.span.setStatus({ code: SpanStatusCode.ERROR, message: reasonOf(error) });
  traced.span.end();
};
