import type { Config } from '../config.js';
import { HEADERS } from '../contract.js';
import { ConfigError, FailureKind, RecordFailure } from '../failures.js';
import type { ProtocolSpec } from '../model/protocols/index.js';
import { parseJsonObject } from '../model/protocols/json.js';
import type { GrpcRequestCheck } from '../model/protocols/protobuf.js';
import { described, fieldName } from '../reason.js';
import type { InputRecord, RecordHeader } from './event.js';

/** Turns an input record into the request body for the model, or says why it is a bad record. */
export type RequestPreparer = (record: InputRecord) => Buffer;

export const headerValue = (headers: readonly RecordHeader[], name: string): string | undefined =>
  headers.find((h) => h.name === name)?.value.toString('utf8');

/**
 * Builds the check every record passes before it may cost a model call: the right topic, a value
 * within the size limit, and a request that decodes and has the protocol's shape. The request bytes
 * are forwarded as they came; nothing is re-serialized.
 *
 * A gRPC record must name an accepted message in its `proto-name` header; `grpcCheck` (see
 * {@link loadRequestPreparer}) then decodes and checks the bytes. Without it, gRPC records are only
 * checked for their header and left for the model to judge.
 *
 * A record a schema registry decoded (SCHEMA_RECORD_FORMAT json) is checked as the protocol's JSON
 * request, like any REST record; when it is not one, its reason says so and names the schema.
 *
 * @example
 * const prepare = requestPreparer(config, protocolSpec(config.model.protocol));
 * const body = prepare(record); // the record's value, or a RecordFailure saying what is wrong
 */
export const requestPreparer = (
  config: Config,
  spec: ProtocolSpec,
  grpcCheck?: GrpcRequestCheck,
): RequestPreparer => {
  const { inputTopic } = config.kafka;
  const { maxRecordBytes } = config.pipeline;
  const decoded = config.kafka.schemaRecordFormat === 'json';
  const decode =
    config.model.transport === 'rest'
      ? (record: InputRecord, value: Buffer) => {
          try {
            spec.validateRest(parseJsonObject(value));
          } catch (error) {
            throw decoded ? notARequest(record, spec, error) : error;
          }
        }
      : undefined;
  return (record) => {
    if (record.problem !== undefined) throw new RecordFailure(record.problem, { kind: FailureKind.decode });
    if (inputTopic !== undefined && record.topic !== inputTopic) {
      throw new RecordFailure(
        `record comes from topic '${record.topic}', not KAFKA_INPUT_TOPIC '${inputTopic}'`,
        {
          kind: FailureKind.wrongTopic,
        },
      );
    }
    if (record.value === null || record.value.length === 0) {
      throw new RecordFailure('record has no value', { kind: FailureKind.decode });
    }
    if (record.value.length > maxRecordBytes) {
      throw new RecordFailure(
        `value of ${record.value.length} bytes exceeds MAX_RECORD_BYTES ${maxRecordBytes}`,
        {
          kind: FailureKind.tooLarge,
        },
      );
    }
    if (decode !== undefined) {
      decode(record, record.value);
      return record.value;
    }
    const protoName = acceptedProtoName(record, spec);
    grpcCheck?.(protoName, record.value);
    return record.value;
  };
};

/**
 * A decoded record's failure, saying that the schema's record is not the protocol's request (the
 * stream's contract: the decoded record IS the request) and which schema it was decoded with.
 */
const notARequest = (record: InputRecord, spec: ProtocolSpec, error: unknown): unknown => {
  const schema = record.valueSchema;
  if (!(error instanceof RecordFailure) || schema === undefined) return error;
  const id = schema.schemaId === undefined ? '' : `, schema ${fieldName(schema.schemaId)}`;
  return new RecordFailure(
    `record decoded by the schema registry (${fieldName(schema.dataFormat)}${id}) is not a ${spec.title} request: ${error.message}`,
    { kind: error.kind, detail: error.detail, cause: error },
  );
};

/** The record's `proto-name`, when it is a message the protocol accepts. */
const acceptedProtoName = (record: InputRecord, spec: ProtocolSpec): string => {
  const accepted = Object.keys(spec.grpc.requests);
  const protoName = headerValue(record.headers, HEADERS.protoName);
  if (protoName === undefined) {
    throw new RecordFailure(
      `gRPC record has no '${HEADERS.protoName}' header naming its message; accepted: ${accepted.join(', ')}`,
      { kind: FailureKind.unknownProto },
    );
  }
  if (!accepted.includes(protoName)) {
    throw new RecordFailure(
      `'${HEADERS.protoName}' (${described(protoName)}) is not accepted by PROTOCOL ${spec.name}; accepted: ${accepted.join(', ')}`,
      { kind: FailureKind.unknownProto, detail: protoName },
    );
  }
  return protoName;
};

/**
 * The record check of this deployment. For TRANSPORT=grpc it imports the protobuf definitions
 * (protobufjs and the generated descriptor) on demand, so a REST deployment never loads them.
 *
 * @example
 * const prepare = await loadRequestPreparer(config, protocolSpec(config.model.protocol));
 */
export const loadRequestPreparer = async (config: Config, spec: ProtocolSpec): Promise<RequestPreparer> => {
  if (config.model.transport !== 'grpc') return requestPreparer(config, spec);
  // The CDK construct sets this at bundling (esbuild define): a REST bundle leaves protobuf out.
  if (process.env.MSK_INFERENCE_BUNDLE_TRANSPORT !== 'rest') {
    const { grpcRequestCheck } = await import('../model/protocols/protobuf.js');
    return requestPreparer(config, spec, grpcRequestCheck(spec, config.model));
  }
  throw new ConfigError('TRANSPORT', 'is grpc, but this function was bundled for rest: deploy it again');
};
