import { readFileSync } from 'node:fs';
import { TraceFlags } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import type { RecordHeader } from '../../../functions/stream-inference/inbound/event.js';
import { propagationOf, remoteParentOf } from '../../../functions/stream-inference/tracing/trace-context.js';

/** The W3C's cases (test/fixtures/w3c-trace-context/README.md). */
const fixture = <T>(name: string): T =>
  JSON.parse(readFileSync(new URL(`../../fixtures/w3c-trace-context/${name}`, import.meta.url), 'utf8')) as T;

interface ParentCase {
  readonly name: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly parent: { traceId: string; spanId: string; sampled: boolean } | null;
}

interface StateCase {
  readonly name: string;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly tracestate: ReadonlyArray<readonly [string, string]>;
}

const { traceparent: PARENT_CASES } = fixture<{ traceparent: ParentCase[] }>('traceparent-cases.json');
const { tracestate: STATE_CASES } = fixture<{ tracestate: StateCase[] }>('tracestate-cases.json');

/** Kafka record headers, as the event decoder hands them over: names as sent, values as bytes. */
const recordHeaders = (headers: ReadonlyArray<readonly [string, string]>): RecordHeader[] =>
  headers.map(([name, value]) => ({ name, value: Buffer.from(value, 'latin1') }));

describe("a record's traceparent, read as the W3C spec and its test suite ask", () => {
  it.each(PARENT_CASES)('$name', ({ headers, parent }) => {
    // Prepare
    const input = recordHeaders(headers);

    // Act
    const read = remoteParentOf(input);

    // Assess
    if (parent === null) {
      expect(read).toBeUndefined();
      return;
    }
    expect(read).toMatchObject({ traceId: parent.traceId, spanId: parent.spanId, isRemote: true });
    expect((read!.traceFlags & TraceFlags.SAMPLED) === TraceFlags.SAMPLED).toBe(parent.sampled);
  });

  it('ignores a traceparent whose bytes are not text, without throwing', () => {
    // Prepare
    const input = [{ name: 'traceparent', value: Buffer.from([0xff, 0xfe, 0x00, 0x2d]) }];

    // Act
    const read = remoteParentOf(input);

    // Assess
    expect(read).toBeUndefined();
  });
});

describe("a record's tracestate, read as the W3C spec and its test suite ask", () => {
  it.each(STATE_CASES)('$name', ({ headers, tracestate }) => {
    // Prepare
    const input = recordHeaders(headers);

    // Act
    const state = remoteParentOf(input)?.traceState;

    // Assess: the members kept, in order, as the propagator writes them on
    const serialized = state?.serialize() ?? '';
    expect(serialized).toBe(tracestate.map(([k, v]) => `${k}=${v}`).join(','));
  });
});

describe('the trace headers written for a span', () => {
  it("are the spec's traceparent of that span, with its tracestate", () => {
    // Prepare: the Rojo server's context from the spec's example
    const [rojo] = STATE_CASES.filter((c) => c.name === "spec: the Rojo server's headers");
    const span = remoteParentOf(recordHeaders(rojo!.headers))!;

    // Act
    const written = propagationOf(span);

    // Assess
    expect(written).toEqual({
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01',
      tracestate: 'rojo=00f067aa0ba902b7,congo=t61rcWkgMzE',
    });
  });

  it('leave tracestate out when the span has none, and write nothing for an invalid span', () => {
    // Prepare
    const span = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceFlags: 0 };

    // Act
    const written = propagationOf(span);
    const invalid = propagationOf({ ...span, traceId: '0'.repeat(32) });

    // Assess
    expect(written).toEqual({ traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00' });
    expect(invalid).toBeUndefined();
  });
});
