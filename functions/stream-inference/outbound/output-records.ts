import type { Config } from '../config.js';
import { HEADERS } from '../contract.js';
import { FailureKind, RecordFailure } from '../failures.js';
import { type InputRecord, sourceOf } from '../inbound/event.js';
import type { ProtocolSpec } from '../model/protocols/index.js';
import { capped } from '../reason.js';
import { type HeaderMap, type HeaderValue, headerMap, inputHeaderMap } from './headers.js';
import { recordBytes } from './record-size.js';

/** Header bytes, as MAX_RECORD_BYTES counts them. */
const headerBytes = (headers: HeaderMap): number => recordBytes({ key: null, value: null, headers });

/** A record to produce: an output, or a bad input bound for the error topic. */
export interface OutboundRecord {
  readonly topic: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Without a prototype (see `headerMap`): any name is an ordinary header name. */
  readonly headers: HeaderMap;
}

/** Builds output and error records; the per-deployment parts are fixed once, at cold start. */
export interface RecordBuilder {
  /** The model's answer, with the input's key and headers plus the source coordinates. */
  output(record: InputRecord, body: Buffer): OutboundRecord;
  /**
   * The input as it came, plus headers giving the reason, status and source coordinates. Always
   * within MAX_RECORD_BYTES (when the limit leaves room for our own headers): the value is cut to
   * fit, and if the input's headers alone leave no room, they are dropped (the reason says so).
   */
  error(record: InputRecord, error: RecordFailure): OutboundRecord;
  /** The error to dead-letter an output with when it is over MAX_RECORD_BYTES, key and headers included. */
  oversize(output: OutboundRecord): RecordFailure | undefined;
}

// Every `msk-inference-*` name is dropped as well (inputHeaderMap): only ours may carry them.
const REPLACED_ON_OUTPUT = new Set<string>([HEADERS.contentType, HEADERS.protoName]);
const REPLACED_ON_ERROR = new Set<string>();
const TRACE_HEADERS = new Set<string>([HEADERS.traceparent, HEADERS.tracestate]);

/**
 * The input's headers to keep: without `drop`, and, on a traced record, without its trace headers
 * in any case (the record's span replaces them, see `traceEntries`). An untraced record's pass
 * through as they came.
 */
const keptHeaders = (
  record: InputRecord,
  drop: ReadonlySet<string>,
): Array<[string, HeaderValue | HeaderValue[]]> => {
  const kept = Object.entries(inputHeaderMap(record.headers, drop));
  return record.trace === undefined ? kept : kept.filter(([name]) => !TRACE_HEADERS.has(name.toLowerCase()));
};

/** A traced record's span as `traceparent` (and `tracestate`): the parent a consumer continues from. */
const traceEntries = (record: InputRecord): Array<[string, string]> => {
  if (record.trace === undefined) return [];
  const { traceparent, tracestate } = record.trace.propagation;
  return tracestate === undefined
    ? [[HEADERS.traceparent, traceparent]]
    : [
        [HEADERS.traceparent, traceparent],
        [HEADERS.tracestate, tracestate],
      ];
};

/**
 * @example
 * const records = recordBuilder(config, spec);
 * publisher.publish([records.output(record, answer)], deadline);
 */
export const recordBuilder = (config: Config, spec: ProtocolSpec): RecordBuilder => {
  const { outputTopic, errorTopic } = config.kafka;
  const maxRecordBytes = config.pipeline.maxRecordBytes;
  const outputHeaders: ReadonlyArray<readonly [string, string]> =
    config.model.transport === 'rest'
      ? [[HEADERS.contentType, 'application/json']]
      : [
          [HEADERS.contentType, 'application/x-protobuf'],
          [HEADERS.protoName, spec.grpc.responseType],
        ];
  return {
    output: (record, body) => ({
      topic: outputTopic,
      key: record.key,
      value: body,
      headers: headerMap([
        ...keptHeaders(record, REPLACED_ON_OUTPUT),
        ...traceEntries(record),
        ...outputHeaders,
        [HEADERS.source, sourceOf(record)],
      ]),
    }),
    error: (record, error) => {
      const value = record.value;
      const status = error.status;
      const reason = capped(error.message);
      // The trace headers are ours too: they stay when the input's own must go to fit.
      const ours = (note = ''): Array<[string, string]> => [
        ...traceEntries(record),
        [HEADERS.error, reason + note],
        [HEADERS.errorKind, error.kind],
        ...(status === undefined ? [] : [[HEADERS.status, String(status)] as [string, string]]),
        [HEADERS.source, sourceOf(record)],
      ];
      // An error record the broker refuses would fail the whole publish, on every redelivery: the
      // value gets what the key and every header leave of MAX_RECORD_BYTES (its head still helps).
      const keyBytes = record.key?.length ?? 0;
      const mark = Buffer.byteLength(HEADERS.truncated) + String(value?.length ?? 0).length;
      const kept = keptHeaders(record, REPLACED_ON_ERROR);
      const keptBytes = headerBytes(headerMap(kept));
      let headers: HeaderMap = headerMap([...kept, ...ours()]);
      let room = maxRecordBytes - keyBytes - headerBytes(headers);
      if (room < (value?.length ?? 0) && room - mark < 0 && keptBytes > 0) {
        // The input's own headers leave no room at all: drop them rather than the record.
        headers = headerMap(
          ours(`; the input's headers (${keptBytes} bytes) were dropped to fit MAX_RECORD_BYTES`),
        );
        room = maxRecordBytes - keyBytes - headerBytes(headers);
      }
      const truncated = value !== null && value.length > room;
      return {
        topic: errorTopic,
        key: record.key,
        value: truncated ? value.subarray(0, Math.max(0, room - mark)) : value,
        headers: truncated
          ? headerMap([...Object.entries(headers), [HEADERS.truncated, String(value.length)]])
          : headers,
      };
    },
    oversize: (output) => {
      const size = recordBytes(output);
      if (size <= maxRecordBytes) return undefined;
      const answer = output.value?.length ?? 0;
      return new RecordFailure(
        `output record of ${size} bytes (answer ${answer}, key and headers ${size - answer}) exceeds MAX_RECORD_BYTES ${maxRecordBytes}`,
        { kind: FailureKind.tooLarge },
      );
    },
  };
};
