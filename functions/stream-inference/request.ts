import type { Config } from './config.js';
import { BadRecordError, FailureKind } from './errors.js';
import type { InputRecord, RecordHeader } from './event.js';
import type { ProtocolCodec } from './protocols/index.js';
import { parseJsonObject } from './protocols/json.js';

/** Kafka header Seldon uses to name the protobuf message of a gRPC record. */
export const PROTO_NAME_HEADER = 'proto-name';

/** Turns an input record into the request body for the model, or says why it is a bad record. */
export type RequestPreparer = (record: InputRecord) => Buffer;

export const headerValue = (headers: readonly RecordHeader[], name: string): string | undefined =>
  headers.find((h) => h.name === name)?.value.toString('utf8');

/**
 * Builds the check every record passes before it may cost a model call: the right topic, a value
 * within the size limit, and a request that decodes and has the protocol's shape. The request bytes
 * are forwarded as they came; nothing is re-serialized.
 */
export const requestPreparer = (config: Config, codec: ProtocolCodec): RequestPreparer => {
  const { inputTopic } = config.kafka;
  const { maxRecordBytes } = config.pipeline;
  const decode =
    config.model.transport === 'rest'
      ? (value: Buffer) => codec.validateRest(parseJsonObject(value))
      : undefined;
  return (record) => {
    if (record.problem !== undefined) throw new BadRecordError(record.problem, { kind: FailureKind.decode });
    if (inputTopic !== undefined && record.topic !== inputTopic) {
      throw new BadRecordError(
        `record comes from topic '${record.topic}', not KAFKA_INPUT_TOPIC '${inputTopic}'`,
        {
          kind: FailureKind.wrongTopic,
        },
      );
    }
    if (record.value === null || record.value.length === 0) {
      throw new BadRecordError('record has no value', { kind: FailureKind.decode });
    }
    if (record.value.length > maxRecordBytes) {
      throw new BadRecordError(
        `value of ${record.value.length} bytes exceeds MAX_RECORD_BYTES ${maxRecordBytes}`,
        {
          kind: FailureKind.tooLarge,
        },
      );
    }
    if (decode !== undefined) {
      decode(record.value);
      return record.value;
    }
    const protoName = headerValue(record.headers, PROTO_NAME_HEADER);
    if (protoName === undefined) {
      throw new BadRecordError(
        `gRPC record has no '${PROTO_NAME_HEADER}' header; expected ${codec.grpc.requestType}`,
        {
          kind: FailureKind.unknownProto,
        },
      );
    }
    if (protoName !== codec.grpc.requestType) {
      throw new BadRecordError(
        `'${PROTO_NAME_HEADER}' ${protoName} is not accepted; expected ${codec.grpc.requestType}`,
        {
          kind: FailureKind.unknownProto,
        },
      );
    }
    return record.value;
  };
};
