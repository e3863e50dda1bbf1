/**
 * The protobuf messages of the three protocols' gRPC APIs, for decoding and checking gRPC records.
 *
 * Loaded only by gRPC deployments, through `loadRequestPreparer`'s dynamic import: a REST deployment
 * never evaluates this module, protobufjs or the descriptor (together about 50 ms of a cold start).
 * The descriptor is generated at build time from `protos/` (`generated/protos.ts`, see
 * scripts/generate-protos.ts), so the bundle needs no .proto files and no parser: `protobufjs/light`
 * turns it into types once per warm container.
 */
import protobuf from 'protobufjs/light.js';
import type { ModelConfig } from '../../config.js';
import { FailureKind, RecordFailure } from '../../failures.js';
import { descriptor } from '../../generated/protos.js';
import { type AnswerCheck, badAnswer } from '../answer-check.js';
import type { ProtocolSpec } from './types.js';

/** The message types of every protocol, by fully qualified name (`inference.ModelInferRequest`). */
export interface ProtoRegistry {
  /** The message type of that name, or undefined when no protocol declares it. */
  type(fullName: string): protobuf.Type | undefined;
}

let registry: ProtoRegistry | undefined;

const collectTypes = (ns: protobuf.NamespaceBase, into: Map<string, protobuf.Type>): void => {
  for (const nested of ns.nestedArray) {
    if (nested instanceof protobuf.Type) into.set(nested.fullName.slice(1), nested);
    if (nested instanceof protobuf.Namespace) collectTypes(nested, into);
  }
};

/**
 * The registry, built on first use and kept for the life of the container.
 *
 * @example
 * const type = protoRegistry().type('tensorflow.serving.PredictRequest');
 */
export const protoRegistry = (): ProtoRegistry => {
  if (registry !== undefined) return registry;
  const root = protobuf.Root.fromJSON(descriptor).resolveAll();
  const types = new Map<string, protobuf.Type>();
  collectTypes(root, types);
  registry = { type: (fullName) => types.get(fullName) };
  return registry;
};

/**
 * Decodes a record value as the named message and runs protobufjs's `verify` on it. Bytes that are
 * not that message (truncated, a wrong wire type, a JSON body) and values the schema forbids (an enum
 * number the enum does not declare) are bad records of kind `decode`.
 *
 * @example
 * const message = decodeMessage(protoRegistry().type('seldon.protos.SeldonMessage')!, value);
 */
export const decodeMessage = (type: protobuf.Type, value: Uint8Array): protobuf.Message => {
  let message: protobuf.Message;
  try {
    // A plain Uint8Array view gets protobufjs's base Reader, which refuses a length past the end;
    // its Buffer reader would silently cut such a string short.
    message = type.decode(new Uint8Array(value.buffer, value.byteOffset, value.byteLength));
  } catch (cause) {
    // protobufjs says where decoding stopped ("index out of range: 3 + 10 > 12", "invalid wire
    // type 7 at offset 9") and `verify` names schema fields, never the bytes: both are safe reasons.
    throw new RecordFailure(`value does not decode as ${typeName(type)}: ${(cause as Error).message}`, {
      kind: FailureKind.decode,
      cause,
    });
  }
  const problem = type.verify(message);
  if (problem !== null) {
    throw new RecordFailure(`value decodes as ${typeName(type)} but breaks its schema: ${problem}`, {
      kind: FailureKind.decode,
    });
  }
  return message;
};

const typeName = (type: protobuf.Type): string => type.fullName.slice(1);

/** Checks the request of one gRPC record whose `proto-name` is one the protocol accepts. */
export type GrpcRequestCheck = (protoName: string, value: Buffer) => void;

/**
 * Builds the check of a gRPC record: decode as the message `proto-name` names, verify, then the
 * protocol's own rules for that message (`spec.grpc.requests`). A spec naming a message that no
 * .proto declares is a programming error, raised at cold start.
 *
 * @example
 * const check = grpcRequestCheck(protocolSpec('v2'), config.model);
 * check('inference.ModelInferRequest', record.value); // throws a RecordFailure (kind decode) when it is not one
 */
export const grpcRequestCheck = (spec: ProtocolSpec, model: ModelConfig): GrpcRequestCheck => {
  const { type } = protoRegistry();
  const checks = new Map<string, (value: Buffer) => void>();
  for (const [name, validate] of Object.entries(spec.grpc.requests)) {
    const found = type(name);
    if (found === undefined) throw new Error(`protocol ${spec.name}: no message ${name} in protos/`);
    checks.set(name, (value) => validate(decodeMessage(found, value), model));
  }
  if (type(spec.grpc.responseType) === undefined) {
    throw new Error(`protocol ${spec.name}: no message ${spec.grpc.responseType} in protos/`);
  }
  return (protoName, value) => {
    const check = checks.get(protoName);
    // request.ts has already refused names the protocol does not accept.
    if (check === undefined) throw new Error(`'${protoName}' is not a request of protocol ${spec.name}`);
    check(value);
  };
};

/**
 * The check of a gRPC model's answer: it must decode as the protocol's response message, pass
 * protobufjs's `verify`, and set at least one of its fields. A reply of other bytes (a proxy's page on
 * an HTTP/2 stream), an empty reply, or a message of another service (whose fields the response does
 * not declare) is a `ModelFailedError`; protobufjs's message says where decoding stopped, never the
 * bytes.
 *
 * @example
 * const check = grpcAnswerCheck(protocolSpec('v2'), 'model answered gRPC OK with a reply');
 * check(Buffer.from([0xff, 0xff])); // throws: "... not a V2 response (it does not decode as inference.ModelInferResponse: ...)"
 */
export const grpcAnswerCheck = (spec: ProtocolSpec, answered: string): AnswerCheck => {
  const type = protoRegistry().type(spec.grpc.responseType);
  if (type === undefined)
    throw new Error(`protocol ${spec.name}: no message ${spec.grpc.responseType} in protos/`);
  const what = `${spec.title} response`;
  return (answer) => {
    let message: protobuf.Message;
    try {
      message = type.decode(new Uint8Array(answer.buffer, answer.byteOffset, answer.byteLength));
    } catch (cause) {
      throw badAnswer(answered, what, `it does not decode as ${typeName(type)}: ${(cause as Error).message}`);
    }
    const problem = type.verify(message);
    if (problem !== null)
      throw badAnswer(answered, what, `it decodes as ${typeName(type)} but breaks its schema: ${problem}`);
    // Zero bytes, or only fields the type does not declare, decode as a message with nothing set.
    if (!holdsAField(type, message))
      throw badAnswer(answered, what, `it holds no field of ${typeName(type)}`);
  };
};

/**
 * Whether a decoded message has any field the type declares: decoding sets a field only when it is
 * on the wire (repeated and map fields start empty).
 */
const holdsAField = (type: protobuf.Type, message: protobuf.Message): boolean =>
  type.fieldsArray.some((field) => {
    const value: unknown = (message as unknown as Record<string, unknown>)[field.name];
    if (field.map) return Object.keys(value as object).length > 0;
    if (field.repeated) return (value as unknown[]).length > 0;
    return Object.hasOwn(message, field.name);
  });
