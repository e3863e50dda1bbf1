import { isObject, shapeError } from './json.js';
import type { ProtocolCodec } from './types.js';

const DATATYPES = new Set([
  'BOOL',
  'UINT8',
  'UINT16',
  'UINT32',
  'UINT64',
  'INT8',
  'INT16',
  'INT32',
  'INT64',
  'FP16',
  'FP32',
  'FP64',
  'BYTES',
]);

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
    throw shapeError(`${at}.datatype '${String(datatype)}' is not a V2 datatype`);
  }
  if (!Array.isArray(data)) throw shapeError(`${at}.data must be an array`);
  const size = shape.reduce((a: number, d: number) => a * d, 1);
  const length = flatLength(data);
  if (size !== length) throw shapeError(`${at} has ${length} values for shape [${shape.join(',')}]`);
};

/**
 * Open Inference Protocol (KServe V2, `kfserving` in Seldon's words): `{"inputs": [{name, shape,
 * datatype, data}], ...}` to `/v2/models/<name>/infer`.
 *
 * @see https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/
 */
export const v2: ProtocolCodec = {
  name: 'v2',
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
  grpc: {
    requestType: 'inference.ModelInferRequest',
    responseType: 'inference.ModelInferResponse',
    method: () => '/inference.GRPCInferenceService/ModelInfer',
  },
};
