import type { ModelConfig } from '../../config.js';
import { described } from '../../reason.js';
import { elementCount, type Int64, int64 } from './grpc-checks.js';
import { isObject, shapeError } from './json.js';
import type { ProtocolSpec } from './types.js';

/**
 * The V2 datatypes, with the typed `InferTensorContents` field that holds each one over gRPC and its
 * size in `raw_input_contents` (little-endian). FP16 has no typed field; BYTES elements are
 * length-prefixed (4-byte little-endian length, then the bytes).
 */
const DATATYPE_LAYOUT: Readonly<Record<string, { readonly field?: string; readonly bytes?: number }>> = {
  BOOL: { field: 'bool_contents', bytes: 1 },
  UINT8: { field: 'uint_contents', bytes: 1 },
  UINT16: { field: 'uint_contents', bytes: 2 },
  UINT32: { field: 'uint_contents', bytes: 4 },
  UINT64: { field: 'uint64_contents', bytes: 8 },
  INT8: { field: 'int_contents', bytes: 1 },
  INT16: { field: 'int_contents', bytes: 2 },
  INT32: { field: 'int_contents', bytes: 4 },
  INT64: { field: 'int64_contents', bytes: 8 },
  FP16: { bytes: 2 },
  FP32: { field: 'fp32_contents', bytes: 4 },
  FP64: { field: 'fp64_contents', bytes: 8 },
  BYTES: { field: 'bytes_contents' },
};

const DATATYPES = new Set(Object.keys(DATATYPE_LAYOUT));

const flatLength = (data: unknown): number =>
  Array.isArray(data) ? data.reduce((n: number, x: unknown) => n + flatLength(x), 0) : 1;

const validateTensor = (tensor: unknown, at: string): void => {
  if (!isObject(tensor)) throw shapeError(`${at} must be an object`);
  const { name, shape, datatype, data } = tensor;
  if (typeof name !== 'string' || name === '') throw shapeError(`${at}.name must be a non-empty string`);
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw shapeError(`${at}.shape must be an array of non-negative integers`);
  }
  if (typeof datatype !== 'string' || !DATATYPES.has(datatype)) {
    throw shapeError(`${at}.datatype (${described(datatype)}) is not a V2 datatype`, String(datatype));
  }
  if (!Array.isArray(data)) throw shapeError(`${at}.data must be an array`);
  const size = shape.reduce((a: number, d: number) => a * d, 1);
  const length = flatLength(data);
  if (size !== length) throw shapeError(`${at} has ${length} values for shape [${shape.join(',')}]`);
};

/** `inference.ModelInferRequest` as protobufjs decodes it. */
interface DecodedInferRequest {
  readonly model_name: string;
  readonly inputs: readonly DecodedInferInput[];
  readonly outputs: readonly { readonly name: string }[];
  readonly raw_input_contents: readonly Uint8Array[];
}

interface DecodedInferInput {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly Int64[];
  readonly contents: Readonly<Record<string, unknown>> | null;
}

const CONTENT_FIELDS = [
  ...new Set(Object.values(DATATYPE_LAYOUT).flatMap((l) => (l.field === undefined ? [] : [l.field]))),
];

const filledFields = (contents: DecodedInferInput['contents']): string[] =>
  contents === null ? [] : CONTENT_FIELDS.filter((f) => (contents[f] as unknown[] | undefined)?.length);

/** Counts the length-prefixed elements of a raw BYTES tensor, or undefined when they do not add up. */
const rawBytesElements = (raw: Uint8Array): number | undefined => {
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  let count = 0;
  for (let at = 0; at < raw.byteLength; count++) {
    if (at + 4 > raw.byteLength) return undefined;
    at += 4 + view.getUint32(at, true);
    if (at > raw.byteLength) return undefined;
  }
  return count;
};

const validateRawInput = (input: DecodedInferInput, raw: Uint8Array, elements: number, at: string): void => {
  const { bytes } = DATATYPE_LAYOUT[input.datatype]!;
  const described = `shape [${input.shape.map(int64).join(',')}] of ${input.datatype}`;
  if (bytes === undefined) {
    const count = rawBytesElements(raw);
    if (count === undefined) throw shapeError(`${at}: raw BYTES content has a length prefix past its end`);
    if (count !== elements) throw shapeError(`${at}: raw content has ${count} elements for ${described}`);
  } else if (raw.byteLength !== elements * bytes) {
    throw shapeError(
      `${at}: raw content has ${raw.byteLength} bytes; ${described} needs ${elements * bytes}`,
    );
  }
};

const validateTypedInput = (input: DecodedInferInput, elements: number, at: string): void => {
  const { field } = DATATYPE_LAYOUT[input.datatype]!;
  const filled = filledFields(input.contents);
  const stray = filled.find((f) => f !== field);
  if (stray !== undefined)
    throw shapeError(`${at}.contents holds ${stray} but its datatype is ${input.datatype}`);
  if (field === undefined) throw shapeError(`${at}: ${input.datatype} travels only in raw_input_contents`);
  const count = (input.contents?.[field] as unknown[] | undefined)?.length ?? 0;
  if (count !== elements) {
    throw shapeError(
      `${at}.contents.${field} has ${count} values for shape [${input.shape.map(int64).join(',')}]`,
    );
  }
};

/**
 * A ModelInferRequest names its model (the one this deployment serves) and holds at least one named
 * input with a V2 datatype whose shape matches its values: either every input in typed `contents`
 * (the field of its datatype, one value per element) or every input in `raw_input_contents` (one
 * entry per input, in order, of the right byte length), as the protocol requires.
 */
const validateInferRequest = (message: unknown, model: ModelConfig): void => {
  const request = message as DecodedInferRequest;
  if (request.model_name === '') throw shapeError('model_name is required');
  if (request.model_name !== model.name) {
    throw shapeError(
      `model_name (${described(request.model_name)}) is not MODEL_NAME '${model.name}'`,
      request.model_name,
    );
  }
  const { inputs } = request;
  if (inputs.length === 0) throw shapeError('inputs must be a non-empty list');
  const raw = request.raw_input_contents;
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw shapeError(`raw_input_contents has ${raw.length} entries for ${inputs.length} inputs`);
  }
  for (const [i, input] of inputs.entries()) {
    const at = `inputs[${i}]`;
    if (input.name === '') throw shapeError(`${at}.name is required`);
    if (!DATATYPES.has(input.datatype)) {
      throw shapeError(`${at}.datatype (${described(input.datatype)}) is not a V2 datatype`, input.datatype);
    }
    const elements = elementCount(input.shape.map(int64), `${at}.shape`);
    if (raw.length === 0) {
      validateTypedInput(input, elements, at);
      continue;
    }
    if (filledFields(input.contents).length > 0) {
      throw shapeError(`${at} holds contents while the request uses raw_input_contents`);
    }
    validateRawInput(input, raw[i]!, elements, at);
  }
  for (const [i, output] of request.outputs.entries()) {
    if (output.name === '') throw shapeError(`outputs[${i}].name is required`);
  }
};

/**
 * Open Inference Protocol (KServe V2, `kfserving` in Seldon's words): `{"inputs": [{name, shape,
 * datatype, data}], ...}` to `/v2/models/<name>/infer`.
 *
 * @see https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */
export const v2: ProtocolSpec = {
  name: 'v2',
  title: 'V2',
  restPath: (model) => `/v2/models/${encodeURIComponent(model.name)}/infer`,
  validateRest(request) {
    if (!isObject(request)) throw shapeError('an inference request must be a JSON object');
    const inputs = request['inputs'];
    if (!Array.isArray(inputs) || inputs.length === 0) throw shapeError('inputs must be a non-empty array');
    for (const [i, tensor] of inputs.entries()) validateTensor(tensor, `inputs[${i}]`);
    if (request['outputs'] !== undefined && !Array.isArray(request['outputs'])) {
      throw shapeError('outputs must be an array');
    }
  },
  restAnswerProblem: (answer) => (Array.isArray(answer['outputs']) ? undefined : 'it has no outputs array'),
  grpc: {
    requests: { 'inference.ModelInferRequest': validateInferRequest },
    responseType: 'inference.ModelInferResponse',
    method: () => '/inference.GRPCInferenceService/ModelInfer',
  },
};
