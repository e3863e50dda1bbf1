/**
 * gRPC records for tests: protobuf requests built with the handler's own registry (protobufjs, the
 * generated descriptor), and the labels read back from each protocol's protobuf answer.
 */
import type { Protocol } from '../../functions/stream-inference/config.js';
import { protoRegistry } from '../../functions/stream-inference/model/protocols/protobuf.js';

/** The request and response message of each protocol, as named in the `proto-name` header. */
export const GRPC_NAMES = {
  seldon: { request: 'seldon.protos.SeldonMessage', response: 'seldon.protos.SeldonMessage' },
  tensorflow: {
    request: 'tensorflow.serving.PredictRequest',
    response: 'tensorflow.serving.PredictResponse',
  },
  v2: { request: 'inference.ModelInferRequest', response: 'inference.ModelInferResponse' },
} as const satisfies Record<Protocol, { request: string; response: string }>;

const typeOf = (name: string) => {
  const type = protoRegistry().type(name);
  if (type === undefined) throw new Error(`no message ${name} in the registry`);
  return type;
};

/** Encodes a plain object (.proto field names, enum names allowed) as the named message. */
export const encodeMessage = (name: string, object: Record<string, unknown>): Buffer => {
  const type = typeOf(name);
  const message = type.fromObject(object);
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`${name}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
};

/** Decodes the named message to a plain object: 64-bit integers as numbers, enums as names. */
export const decodeMessage = (name: string, bytes: Uint8Array): Record<string, unknown> => {
  const type = typeOf(name);
  return type.toObject(type.decode(bytes), { longs: Number, enums: String, oneofs: true });
};

/** A google.protobuf.ListValue of numeric rows (protobufjs names the well-known fields in camelCase). */
export const listValue = (rows: readonly (readonly number[])[]): Record<string, unknown> => ({
  values: rows.map((row) => ({ listValue: { values: row.map((v) => ({ numberValue: v })) } })),
});

/** The protocol's request for iris rows of 4 floats, as each local server takes it over gRPC. */
export const grpcIrisRequest = (
  protocol: Protocol,
  rows: readonly (readonly number[])[],
  model = 'iris',
): Record<string, unknown> => {
  switch (protocol) {
    case 'seldon':
      return { data: { ndarray: listValue(rows) } };
    case 'tensorflow':
      return {
        model_spec: { name: model, signature_name: 'serving_default' },
        inputs: {
          inputs: {
            dtype: 'DT_DOUBLE',
            tensor_shape: { dim: [{ size: rows.length }, { size: 4 }] },
            double_val: rows.flat(),
          },
        },
      };
    case 'v2':
      return {
        model_name: model,
        inputs: [
          {
            name: 'predict',
            datatype: 'FP64',
            shape: [rows.length, 4],
            contents: { fp64_contents: rows.flat() },
          },
        ],
      };
  }
};

/** The bytes of {@link grpcIrisRequest}. */
export const grpcIrisBytes = (
  protocol: Protocol,
  rows: readonly (readonly number[])[],
  model = 'iris',
): Buffer => encodeMessage(GRPC_NAMES[protocol].request, grpcIrisRequest(protocol, rows, model));

interface ValueObject {
  numberValue?: number;
  listValue?: { values?: ValueObject[] };
}

const flatValues = (v: ValueObject): number[] =>
  v.listValue !== undefined ? (v.listValue.values ?? []).flatMap(flatValues) : [Number(v.numberValue)];

/** The predicted labels in a protobuf answer of each protocol. */
export const grpcLabels = (protocol: Protocol, bytes: Uint8Array): number[] => {
  const answer = decodeMessage(GRPC_NAMES[protocol].response, bytes);
  switch (protocol) {
    case 'seldon': {
      const data = answer['data'] as { ndarray?: { values?: ValueObject[] }; tensor?: { values: number[] } };
      return data.ndarray ? (data.ndarray.values ?? []).flatMap(flatValues) : data.tensor!.values;
    }
    case 'tensorflow': {
      const outputs = answer['outputs'] as Record<string, { int64_val?: number[] }>;
      return outputs['predictions']?.int64_val ?? [];
    }
    case 'v2': {
      const raw = (answer['raw_output_contents'] as Uint8Array[] | undefined)?.[0];
      if (raw !== undefined) {
        const view = Buffer.from(raw);
        return Array.from({ length: view.length / 8 }, (_, i) => Number(view.readBigInt64LE(i * 8)));
      }
      const outputs = answer['outputs'] as Array<{ contents?: { int64_contents?: number[] } }>;
      return outputs[0]?.contents?.int64_contents ?? [];
    }
  }
};
