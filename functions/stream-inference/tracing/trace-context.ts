/**
 * W3C Trace Context in Kafka record headers, read and written with OpenTelemetry's own propagator:
 * the header grammar (versions, all-zero ids, `tracestate` members) is the propagator's, not ours.
 *
 * @see https://www.w3.org/TR/trace-context/
 */
import {
  isSpanContextValid,
  ROOT_CONTEXT,
  type SpanContext,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HEADERS } from '../contract.js';
import type { RecordHeader } from '../inbound/event.js';
import type { TracePropagation } from '../model/transport/types.js';

const propagator = new W3CTraceContextPropagator();

/** A record's trace headers, by their lowercase names. */
interface TraceCarrier {
  readonly traceparent: string;
  readonly tracestate: readonly string[];
}

const getter: TextMapGetter<TraceCarrier> = {
  keys: () => [HEADERS.traceparent, HEADERS.tracestate],
  get: (carrier, key) =>
    key === HEADERS.traceparent
      ? carrier.traceparent
      : key === HEADERS.tracestate
        ? [...carrier.tracestate]
        : undefined,
};

const setter: TextMapSetter<{ traceparent?: string; tracestate?: string }> = {
  set: (carrier, key, value) => {
    if (key === HEADERS.traceparent || key === HEADERS.tracestate) carrier[key] = value;
  },
};

/** Optional whitespace around a header value (RFC 7230 OWS: spaces and tabs). */
const OWS = /^[ \t]+|[ \t]+$/g;
const SPACE = 0x20;
const TAB = 0x09;
const isOws = (byte: number | undefined): boolean => byte === SPACE || byte === TAB;

/** A header's value as text: a traceparent is ASCII, and bytes that are not make it invalid. */
const text = (value: Buffer): string => {
  const raw = value.toString('latin1');
  // Most values have no whitespace to trim: the bytes say so without a regular expression.
  return isOws(value[0]) || isOws(value[value.length - 1]) ? raw.replace(OWS, '') : raw;
};

/**
 * The trace headers of a record, matched in any case as the spec asks ("Vendors MUST expect the
 * header name in any case"); undefined without exactly one `traceparent`: two of them say
 * nothing certain, and the W3C test suite expects them ignored.
 */
const carrierOf = (headers: readonly RecordHeader[]): TraceCarrier | undefined => {
  let traceparent: string | undefined;
  let seen = 0;
  const tracestate: string[] = [];
  for (const { name, value } of headers) {
    // Most headers are neither: their length alone says so, without a lowercase copy of the name.
    if (name.length !== HEADERS.traceparent.length && name.length !== HEADERS.tracestate.length) continue;
    const lower = name.toLowerCase();
    if (lower === HEADERS.traceparent) {
      seen++;
      traceparent = text(value);
    } else if (lower === HEADERS.tracestate) tracestate.push(text(value));
  }
  return seen === 1 && traceparent !== undefined ? { traceparent, tracestate } : undefined;
};

/**
 * The span context a record's `traceparent` (and `tracestate`) names, or undefined when it has
 * none or an invalid one: an invalid header is ignored, as the spec asks, and never fails a record.
 *
 * @example
 * remoteParentOf([{ name: 'traceparent', value: Buffer.from('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01') }]);
 * // { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 1, isRemote: true }
 */
export const remoteParentOf = (headers: readonly RecordHeader[]): SpanContext | undefined => {
  const carrier = carrierOf(headers);
  if (carrier === undefined) return undefined;
  const parent = trace.getSpanContext(propagator.extract(ROOT_CONTEXT, carrier, getter));
  return parent !== undefined && isSpanContextValid(parent) ? parent : undefined;
};

/**
 * The `traceparent` (and `tracestate`, when there is one) that name `span` as the parent; none for
 * an invalid span context (the propagator writes nothing for it).
 *
 * @example
 * propagationOf({ traceId: '4bf9…4736', spanId: '00f067aa0ba902b7', traceFlags: 1 });
 * // { traceparent: '00-4bf9…4736-00f067aa0ba902b7-01' }
 */
export const propagationOf = (span: SpanContext): TracePropagation | undefined => {
  const carrier: { traceparent?: string; tracestate?: string } = {};
  propagator.inject(trace.setSpanContext(ROOT_CONTEXT, span), carrier, setter);
  const { traceparent, tracestate } = carrier;
  if (traceparent === undefined) return undefined;
  return tracestate === undefined || tracestate === '' ? { traceparent } : { traceparent, tracestate };
};
