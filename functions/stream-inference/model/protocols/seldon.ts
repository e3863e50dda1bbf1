import { type DecodedTensorProto, elementCount, validateTensorProto } from './grpc-checks.js';
import { arrayShape, isObject, shapeError } from './json.js';
import type { ProtocolSpec } from './types.js';

const DATA_FORMS = ['ndarray', 'tensor', 'tftensor'] as const;
const PAYLOADS = ['data', 'jsonData', 'strData', 'binData'] as const;

const validateData = (data: unknown): void => {
  if (!isObject(data)) throw shapeError('data must be an object');
  const forms = DATA_FORMS.filter((f) => data[f] !== undefined);
  if (forms.length !== 1) throw shapeError('data must hold exactly one of ndarray, tensor, tftensor');
  if (data['names'] !== undefined) {
    const names = data['names'];
    if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) {
      throw shapeError('data.names must be an array of strings');
    }
  }
  if (forms[0] === 'ndarray') {
    if (!Array.isArray(data['ndarray'])) throw shapeError('data.ndarray must be an array');
    arrayShape(data['ndarray'], 'data.ndarray');
  } else if (forms[0] === 'tensor') {
    const tensor = data['tensor'];
    if (!isObject(tensor)) throw shapeError('data.tensor must be an object');
    const { shape, values } = tensor;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
      throw shapeError('data.tensor.shape must be an array of non-negative integers');
    }
    if (!Array.isArray(values) || !values.every((x) => typeof x === 'number')) {
      throw shapeError('data.tensor.values must be an array of numbers');
    }
    const size = shape.reduce((a: number, d: number) => a * d, 1);
    if (size !== values.length) {
      throw shapeError(`data.tensor has ${values.length} values for shape [${shape.join(',')}]`);
    }
  } else if (!isObject(data['tftensor'])) {
    throw shapeError('data.tftensor must be an object');
  }
};

/**
 * `google.protobuf.Value` / `ListValue` as protobufjs decodes them. protobufjs declares the well-known
 * types itself, with camelCase names, and exposes the `kind` oneof as the name of the member set.
 */
interface DecodedValue {
  readonly kind?: 'nullValue' | 'numberValue' | 'stringValue' | 'boolValue' | 'structValue' | 'listValue';
  readonly listValue: DecodedListValue | null;
}

interface DecodedListValue {
  readonly values: readonly DecodedValue[];
}

/** `seldon.protos.SeldonMessage` as protobufjs decodes it; `data_oneof` names the member set. */
interface DecodedSeldonMessage {
  readonly data_oneof?: 'data' | 'binData' | 'strData' | 'jsonData' | 'customData';
  readonly data: DecodedDefaultData | null;
}

interface DecodedDefaultData {
  readonly data_oneof?: 'tensor' | 'ndarray' | 'tftensor';
  readonly tensor: { readonly shape: readonly number[]; readonly values: readonly number[] } | null;
  readonly ndarray: DecodedListValue | null;
  readonly tftensor: DecodedTensorProto | null;
}

/** Shape of an ndarray ListValue, with the same rules as the REST `data.ndarray` (`arrayShape`). */
const listShape = (list: DecodedListValue, at: string): number[] => {
  const { values } = list;
  if (values.length === 0) throw shapeError(`${at} is empty`);
  if (values[0]!.kind !== 'listValue') {
    for (const v of values) {
      if (v.kind === 'listValue') throw shapeError(`${at} mixes arrays and scalars`);
      if (v.kind === 'structValue') throw shapeError(`${at} holds an object`);
    }
    return [values.length];
  }
  const inner = listShape(values[0]!.listValue!, at);
  for (const v of values) {
    if (v.kind !== 'listValue') throw shapeError(`${at} mixes arrays and scalars`);
    const shape = listShape(v.listValue!, at);
    if (shape.length !== inner.length || shape.some((d, i) => d !== inner[i])) {
      throw shapeError(`${at} is ragged: rows of different shapes`);
    }
  }
  return [values.length, ...inner];
};

/**
 * A SeldonMessage over gRPC carries a payload (`data`, `binData`, `strData`, `jsonData` or
 * `customData`); `data` holds exactly one of `tensor` (values filling the shape), a rectangular
 * `ndarray`, or a `tftensor` TensorFlow Serving could read.
 */
const validateSeldonMessage = (message: unknown): void => {
  const request = message as DecodedSeldonMessage;
  if (request.data_oneof === undefined) {
    throw shapeError('a SeldonMessage must hold one of data, binData, strData, jsonData, customData');
  }
  if (request.data_oneof !== 'data') return;
  const data = request.data!;
  if (data.data_oneof === 'tensor') {
    const { shape, values } = data.tensor!;
    const size = elementCount(shape, 'data.tensor.shape');
    if (size !== values.length) {
      throw shapeError(`data.tensor has ${values.length} values for shape [${shape.join(',')}]`);
    }
  } else if (data.data_oneof === 'ndarray') {
    listShape(data.ndarray!, 'data.ndarray');
  } else if (data.data_oneof === 'tftensor') {
    validateTensorProto(data.tftensor!, 'data.tftensor');
  } else {
    throw shapeError('data must hold exactly one of ndarray, tensor, tftensor');
  }
};

/**
 * Seldon protocol: a SeldonMessage (`data` | `jsonData` | `strData` | `binData`, plus `meta`).
 * REST goes to the Seldon graph's `/api/v1.0/predictions` or a microservice's `/predict`.
 *
 * @see https://docs.seldon.io/projects/seldon-core/en/latest/reference/apis/external-prediction.html
 */
export const seldon: ProtocolSpec = {
  name: 'seldon',
  title: 'Seldon',
  restPath: (model) => (model.seldonApi === 'microservice' ? '/predict' : '/api/v1.0/predictions'),
  validateRest(request) {
    if (!isObject(request)) throw shapeError('a SeldonMessage must be a JSON object');
    const payloads = PAYLOADS.filter((p) => request[p] !== undefined);
    if (payloads.length !== 1) {
      throw shapeError('a SeldonMessage must hold exactly one of data, jsonData, strData, binData');
    }
    if (request['meta'] !== undefined && !isObject(request['meta']))
      throw shapeError('meta must be an object');
    const payload = payloads[0];
    if (payload === 'data') validateData(request['data']);
    else if (payload === 'strData' && typeof request['strData'] !== 'string') {
      throw shapeError('strData must be a string');
    } else if (payload === 'binData' && typeof request['binData'] !== 'string') {
      throw shapeError('binData must be a base64 string');
    }
  },
  restAnswerProblem: (answer) =>
    PAYLOADS.some((p) => answer[p] !== undefined)
      ? undefined
      : 'it holds none of data, jsonData, strData, binData',
  grpc: {
    requests: { 'seldon.protos.SeldonMessage': validateSeldonMessage },
    responseType: 'seldon.protos.SeldonMessage',
    method: (model) =>
      model.seldonApi === 'microservice' ? '/seldon.protos.Model/Predict' : '/seldon.protos.Seldon/Predict',
  },
};
