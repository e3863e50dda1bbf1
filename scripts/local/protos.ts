/**
 * The protobuf messages of each protocol's gRPC API, loaded with protobufjs from `protos/`: used to
 * write gRPC sample requests and to read the model's answers back.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';
import type { Protocol } from '../../functions/stream-inference/config.js';

export const PROTOS_DIR = fileURLToPath(new URL('../../protos/', import.meta.url));

/** The request and response message of each protocol, as named in the `proto-name` header. */
export const GRPC_MESSAGES = {
  seldon: {
    file: 'seldon/protos/prediction.proto',
    request: 'seldon.protos.SeldonMessage',
    response: 'seldon.protos.SeldonMessage',
  },
  tensorflow: {
    file: 'tensorflow_serving/apis/predict.proto',
    request: 'tensorflow.serving.PredictRequest',
    response: 'tensorflow.serving.PredictResponse',
  },
  v2: {
    file: 'inference/grpc_service.proto',
    request: 'inference.ModelInferRequest',
    response: 'inference.ModelInferResponse',
  },
} as const satisfies Record<Protocol, { file: string; request: string; response: string }>;

let root: protobuf.Root | undefined;

/** One root for every protocol; google/protobuf imports come bundled with protobufjs. */
const loadRoot = (): protobuf.Root => {
  if (root !== undefined) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) =>
    target.startsWith('google/protobuf/') ? target : `${PROTOS_DIR}${target}`;
  const files = Object.values(GRPC_MESSAGES).map((m) => m.file);
  const missing = files.filter((f) => !existsSync(`${PROTOS_DIR}${f}`));
  if (missing.length > 0) throw new Error(`protos/ lacks ${missing.join(', ')}`);
  r.loadSync(files, { keepCase: true });
  root = r;
  return r;
};

/** Encodes a message given as a plain object with the .proto field names. */
export const encodeMessage = (name: string, value: Record<string, unknown>): Buffer => {
  const type = loadRoot().lookupType(name);
  // fromObject takes enum names ('DT_DOUBLE'); verify then checks what it built.
  const message = type.fromObject(value);
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`${name}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
};

/** Decodes a message to a plain object (.proto field names, 64-bit integers as numbers, bytes as base64). */
export const decodeMessage = (name: string, bytes: Uint8Array): Record<string, unknown> => {
  const type = loadRoot().lookupType(name);
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, bytes: String, defaults: false });
};
