/**
 * Checks shared by the protocols' gRPC validators, on messages as protobufjs decodes them: fields
 * absent from the wire read as their defaults (0, '', empty arrays and maps, null sub-messages),
 * 64-bit integers as `Long` (or numbers), enums as numbers. Nothing here loads protobufjs.
 */
import { shapeError } from './json.js';

/** An int64 / uint64 as protobufjs decodes it: a `Long` when long.js is installed, else a number. */
export type Int64 = number | { toNumber(): number };

export const int64 = (v: Int64): number => (typeof v === 'number' ? v : v.toNumber());

/** Checks tensor dimensions (non-negative integers) and returns how many elements they hold. */
export const elementCount = (dims: readonly number[], at: string): number => {
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw shapeError(`${at} has dimension ${d}; sizes are >= 0`);
  }
  return dims.reduce((a, d) => a * d, 1);
};

/** `tensorflow.TensorProto` as protobufjs decodes it. */
export interface DecodedTensorProto {
  readonly dtype: number;
  readonly tensor_shape: {
    readonly dim: readonly { readonly size: Int64 }[];
    readonly unknown_rank: boolean;
  } | null;
  readonly tensor_content: Uint8Array;
  readonly [values: string]: unknown;
}

interface DtypeRule {
  readonly name: string;
  /** The `*_val` field that holds this dtype's values. */
  readonly field: string;
  /** Entries of `field` per element (2 for complex numbers: real and imaginary parts). */
  readonly perElement?: number;
  /** Bytes per element in `tensor_content`; absent where `tensor_content` cannot be used. */
  readonly bytes?: number;
}

const rule = (name: string, field: string, bytes?: number, perElement?: number): DtypeRule => ({
  name,
  field,
  ...(bytes === undefined ? {} : { bytes }),
  ...(perElement === undefined ? {} : { perElement }),
});

/**
 * Where each tensor dtype keeps its values, as tensorflow/core/framework/tensor.proto documents it
 * (and Tensor::FromProto reads them). The `*_REF` dtypes never appear in a tensor.
 */
const DTYPES: ReadonlyMap<number, DtypeRule> = new Map([
  [1, rule('DT_FLOAT', 'float_val', 4)],
  [2, rule('DT_DOUBLE', 'double_val', 8)],
  [3, rule('DT_INT32', 'int_val', 4)],
  [4, rule('DT_UINT8', 'int_val', 1)],
  [5, rule('DT_INT16', 'int_val', 2)],
  [6, rule('DT_INT8', 'int_val', 1)],
  [7, rule('DT_STRING', 'string_val')],
  [8, rule('DT_COMPLEX64', 'scomplex_val', 8, 2)],
  [9, rule('DT_INT64', 'int64_val', 8)],
  [10, rule('DT_BOOL', 'bool_val', 1)],
  [11, rule('DT_QINT8', 'int_val', 1)],
  [12, rule('DT_QUINT8', 'int_val', 1)],
  [13, rule('DT_QINT32', 'int_val', 4)],
  [14, rule('DT_BFLOAT16', 'half_val', 2)],
  [15, rule('DT_QINT16', 'int_val', 2)],
  [16, rule('DT_QUINT16', 'int_val', 2)],
  [17, rule('DT_UINT16', 'int_val', 2)],
  [18, rule('DT_COMPLEX128', 'dcomplex_val', 16, 2)],
  [19, rule('DT_HALF', 'half_val', 2)],
  [20, rule('DT_RESOURCE', 'resource_handle_val')],
  [21, rule('DT_VARIANT', 'variant_val')],
  [22, rule('DT_UINT32', 'uint32_val', 4)],
  [23, rule('DT_UINT64', 'uint64_val', 8)],
  [24, rule('DT_FLOAT8_E5M2', 'float8_val', 1)],
  [25, rule('DT_FLOAT8_E4M3FN', 'float8_val', 1)],
  [26, rule('DT_FLOAT8_E4M3FNUZ', 'float8_val', 1)],
  [28, rule('DT_FLOAT8_E5M2FNUZ', 'float8_val', 1)],
]);

const VALUE_FIELDS = [...new Set([...DTYPES.values()].map((r) => r.field))];

const lengthOf = (v: unknown): number => (Array.isArray(v) || v instanceof Uint8Array ? v.length : 0);

/**
 * Checks a TensorProto the way TensorFlow Serving will read it: a tensor dtype, a known shape, and
 * values that fill the shape, either as `tensor_content` of exactly the right byte length or in the
 * dtype's `*_val` field with one value per element. TensorFlow also takes a single value (repeated to
 * fill the shape); fewer values than that it pads with zeros, which is refused here because it would
 * silently predict on made-up data. Values in another dtype's field are refused for the same reason.
 *
 * @example
 * validateTensorProto(request.inputs['x'], "inputs['x']");
 */
export const validateTensorProto = (tensor: DecodedTensorProto, at: string): void => {
  const dtype = DTYPES.get(tensor.dtype);
  if (dtype === undefined) throw shapeError(`${at}.dtype ${tensor.dtype} is not a tensor dtype`);
  const shape = tensor.tensor_shape;
  if (shape?.unknown_rank) throw shapeError(`${at}.tensor_shape has an unknown rank`);
  const dims = (shape?.dim ?? []).map((d) => int64(d.size));
  const elements = elementCount(dims, `${at}.tensor_shape`);
  const described = `shape [${dims.join(',')}] (${elements} elements)`;
  const filled = VALUE_FIELDS.filter((f) => lengthOf(tensor[f]) > 0);
  const stray = filled.find((f) => f !== dtype.field);
  if (stray !== undefined) throw shapeError(`${at} holds ${stray} but its dtype is ${dtype.name}`);

  const content = tensor.tensor_content.length;
  if (content > 0) {
    if (dtype.bytes === undefined) throw shapeError(`${at}: ${dtype.name} cannot use tensor_content`);
    if (filled.length > 0) throw shapeError(`${at} holds both tensor_content and ${dtype.field}`);
    if (content !== elements * dtype.bytes) {
      throw shapeError(
        `${at}.tensor_content has ${content} bytes; ${described} of ${dtype.name} needs ${elements * dtype.bytes}`,
      );
    }
    return;
  }
  const entries = lengthOf(tensor[dtype.field]);
  const per = dtype.perElement ?? 1;
  if (entries % per !== 0) throw shapeError(`${at}.${dtype.field} has an odd number of parts`);
  const values = entries / per;
  if (values === elements || (values === 1 && elements > 1)) return;
  throw shapeError(`${at}.${dtype.field} has ${values} values for ${described}`);
};
