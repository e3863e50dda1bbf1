import type { Config } from './config.js';
import { BadRecordError, FailureKind, type MskInferenceError } from './errors.js';
import { type InputRecord, sourceOf } from './event.js';
import { type HeaderMap, headerBytes, headerMap, inputHeaderMap } from './headers.js';
import type { ProtocolCodec } from './protocols/index.js';
import type { OutboundRecord } from './publisher.js';
import { capped } from './reason.js';
import { PROTO_NAME_HEADER } from './request.js';

/** Headers added to output and error records. */
export const Headers = {
  source: 'msk-inference-source',
  contentType: 'content-type',
  error: 'msk-inference-error',
  errorKind: 'msk-inference-error-kind',
  status: 'msk-inference-status',
  truncated: 'msk-inference-truncated',
} as const;

/** Builds output and error records; the per-deployment parts are fixed once, at cold start. */
export interface RecordBuilder {
  /** The model's answer, with the input's key and headers plus the source coordinates. */
  output(record: InputRecord, body: Buffer): OutboundRecord;
  /**
   * The input as it came, plus headers giving the reason, status and source coordinates. Always
   * within MAX_RECORD_BYTES (when the limit leaves room for our own headers): the value is cut to
   * fit, and if the input's headers alone leave no room, they are dropped (the reason says so).
   */
  error(record: InputRecord, error: MskInferenceError): OutboundRecord;
  /** The error to dead-letter an output with when it is over MAX_RECORD_BYTES, key and headers included. */
  oversize(output: OutboundRecord): BadRecordError | undefined;
}

/**
 * Key, value and header bytes of a record: what MAX_RECORD_BYTES bounds on the way out. The broker
 * counts a little more (record batch framing, ~70 bytes, and a few bytes per record and header), which
 * the default limit (1,000,000) leaves room for under Kafka's default `message.max.bytes` (1,048,588).
 */
export const recordBytes = (r: Pick<OutboundRecord, 'key' | 'value' | 'headers'>): number =>
  (r.key?.length ?? 0) + (r.value?.length ?? 0) + headerBytes(r.headers);

// Every `msk-inference-*` name is dropped as well (inputHeaderMap): only ours may carry them.
const REPLACED_ON_OUTPUT = new Set<string>([Headers.contentType, PROTO_NAME_HEADER]);
const REPLACED_ON_ERROR = new Set<string>();

/**
 * @example
 * const records = recordBuilder(config, codec);
 * publisher.publish([records.output(record, answer)], deadline);
 */
export const recordBuilder = (config: Config, codec: ProtocolCodec): RecordBuilder => {
  const { outputTopic, errorTopic } = config.kafka;
  const maxRecordBytes = config.pipeline.maxRecordBytes;
  const outputHeaders: ReadonlyArray<readonly [string, string]> =
    config.model.transport === 'rest'
      ? [[Headers.contentType, 'application/json']]
      : [
          [Headers.contentType, 'application/x-protobuf'],
          [PROTO_NAME_HEADER, codec.grpc.responseType],
        ];
  return {
    output: (record, body) => ({
      topic: outputTopic,
      key: record.key,
      value: body,
      headers: headerMap([
        ...Object.entries(inputHeaderMap(record.headers, REPLACED_ON_OUTPUT)),
        ...outputHeaders,
        [Headers.source, sourceOf(record)],
      ]),
    }),
    error: (record, error) => {
      const value = record.value;
      const status = error.status;
      const reason = capped(error.message);
      const ours = (note = ''): Array<[string, string]> => [
        [Headers.error, reason + note],
        [Headers.errorKind, error.kind],
        ...(status === undefined ? [] : [[Headers.status, String(status)] as [string, string]]),
        [Headers.source, sourceOf(record)],
      ];
      // An error record the broker refuses would fail the whole publish, on every redelivery: the
      // value gets what the key and every header leave of MAX_RECORD_BYTES (its head still helps).
      const keyBytes = record.key?.length ?? 0;
      const mark = Buffer.byteLength(Headers.truncated) + String(value?.length ?? 0).length;
      const kept = inputHeaderMap(record.headers, REPLACED_ON_ERROR);
      const keptBytes = headerBytes(kept);
      let headers: HeaderMap = headerMap([...Object.entries(kept), ...ours()]);
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
          ? headerMap([...Object.entries(headers), [Headers.truncated, String(value.length)]])
          : headers,
      };
    },
    oversize: (output) => {
      const size = recordBytes(output);
      if (size <= maxRecordBytes) return undefined;
      const answer = output.value?.length ?? 0;
      return new BadRecordError(
        `output record of ${size} bytes (answer ${answer}, key and headers ${size - answer}) exceeds MAX_RECORD_BYTES ${maxRecordBytes}`,
        { kind: FailureKind.tooLarge },
      );
    },
  };
};
