import type { Config } from './config.js';
import type { MskInferenceError } from './errors.js';
import { type InputRecord, sourceOf } from './event.js';
import type { ProtocolCodec } from './protocols/index.js';
import type { OutboundRecord } from './publisher.js';
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
  /** The input as it came, plus headers giving the reason, status and source coordinates. */
  error(record: InputRecord, error: MskInferenceError): OutboundRecord;
}

const REPLACED_ON_OUTPUT = new Set<string>([Headers.source, Headers.contentType, PROTO_NAME_HEADER]);
const REPLACED_ON_ERROR = new Set<string>([
  Headers.source,
  Headers.error,
  Headers.errorKind,
  Headers.status,
  Headers.truncated,
]);

const inputHeaders = (record: InputRecord, drop: ReadonlySet<string>): Record<string, Buffer | Buffer[]> => {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const { name, value } of record.headers) {
    if (drop.has(name)) continue;
    const seen = out[name];
    out[name] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
  }
  return out;
};

/**
 * @example
 * const records = recordBuilder(config, codec);
 * publisher.publish([records.output(record, answer)], deadline);
 */
export const recordBuilder = (config: Config, codec: ProtocolCodec): RecordBuilder => {
  const { outputTopic, errorTopic } = config.kafka;
  const maxValueBytes = config.pipeline.maxRecordBytes;
  const outputHeaders: Record<string, string> =
    config.model.transport === 'rest'
      ? { [Headers.contentType]: 'application/json' }
      : { [Headers.contentType]: 'application/x-protobuf', [PROTO_NAME_HEADER]: codec.grpc.responseType };
  return {
    output: (record, body) => ({
      topic: outputTopic,
      key: record.key,
      value: body,
      headers: {
        ...inputHeaders(record, REPLACED_ON_OUTPUT),
        ...outputHeaders,
        [Headers.source]: sourceOf(record),
      },
    }),
    error: (record, error) => {
      const value = record.value;
      // The broker would refuse an oversized error record too; the head of the value still helps.
      const truncated = value !== null && value.length > maxValueBytes;
      const status = error.status;
      return {
        topic: errorTopic,
        key: record.key,
        value: truncated ? value.subarray(0, maxValueBytes) : value,
        headers: {
          ...inputHeaders(record, REPLACED_ON_ERROR),
          [Headers.error]: error.message,
          [Headers.errorKind]: error.kind,
          ...(status === undefined ? {} : { [Headers.status]: String(status) }),
          ...(truncated ? { [Headers.truncated]: String(value.length) } : {}),
          [Headers.source]: sourceOf(record),
        },
      };
    },
  };
};
