import type { ModelConfig } from '../../config.js';
import { described, fieldName } from '../../reason.js';
import { type DecodedTensorProto, validateTensorProto } from './grpc-checks.js';
import { arrayShape, isObject, shapeError } from './json.js';
import type { ProtocolSpec } from './types.js';

const validateInputs = (inputs: unknown): void => {
  if (Array.isArray(inputs)) {
    arrayShape(inputs, 'inputs');
    return;
  }
  if (!isObject(inputs)) throw shapeError('inputs must be an array or an object of named arrays');
  const names = Object.keys(inputs);
  if (names.length === 0) throw shapeError('inputs names no tensor');
  let batch: number | undefined;
  for (const name of names) {
    const tensor = inputs[name];
    if (!Array.isArray(tensor)) continue; // a scalar input is allowed in the columnar form
    const size = arrayShape(tensor, `inputs.${fieldName(name)}`)[0];
    if (batch !== undefined && size !== batch) throw shapeError('named inputs differ in their batch size');
    batch = size;
  }
};

/** `tensorflow.serving.PredictRequest` as protobufjs decodes it. */
interface DecodedPredictRequest {
  readonly model_spec: { readonly name: string } | null;
  readonly inputs: Readonly<Record<string, DecodedTensorProto>>;
  readonly output_filter: readonly string[];
}

/**
 * A PredictRequest names its model (the one this deployment serves) and holds at least one input
 * tensor, each one readable by TensorFlow Serving (see `validateTensorProto`).
 */
const validatePredictRequest = (message: unknown, model: ModelConfig): void => {
  const request = message as DecodedPredictRequest;
  const name = request.model_spec?.name ?? '';
  if (name === '') throw shapeError('model_spec.name is required');
  if (name !== model.name) {
    throw shapeError(`model_spec.name (${described(name)}) is not MODEL_NAME '${model.name}'`, name);
  }
  const names = Object.keys(request.inputs);
  if (names.length === 0) throw shapeError('inputs names no tensor');
  for (const input of names) {
    if (input === '') throw shapeError('inputs has a tensor with an empty name');
    validateTensorProto(request.inputs[input]!, `inputs['${fieldName(input)}']`);
  }
  if (request.output_filter.some((o) => o === '')) throw shapeError('output_filter has an empty name');
};

/**
 * TensorFlow Serving's predict API: `{"signature_name"?, "instances": [...]}` (row form) or
 * `{"signature_name"?, "inputs": ...}` (columnar form), to `/v1/models/<name>:predict`.
 *
 * @see https://www.tensorflow.org/tfx/serving/api_rest#predict_api
 */
export const tensorflow: ProtocolSpec = {
  name: 'tensorflow',
  title: 'TensorFlow Serving',
  restPath: (model) => `/v1/models/${encodeURIComponent(model.name)}:predict`,
  validateRest(request) {
    if (!isObject(request)) throw shapeError('a predict request must be a JSON object');
    const hasInstances = request['instances'] !== undefined;
    const hasInputs = request['inputs'] !== undefined;
    if (hasInstances === hasInputs)
      throw shapeError('a predict request holds exactly one of instances, inputs');
    const signature = request['signature_name'];
    if (signature !== undefined && typeof signature !== 'string')
      throw shapeError('signature_name must be a string');
    if (hasInstances) {
      const instances = request['instances'];
      if (!Array.isArray(instances)) throw shapeError('instances must be an array');
      if (instances.length === 0) throw shapeError('instances is empty');
      if (!isObject(instances[0])) arrayShape(instances, 'instances');
    } else {
      validateInputs(request['inputs']);
    }
  },
  // The row form answers `predictions`, the columnar form `outputs` (api_rest#response-format-1).
  restAnswerProblem: (answer) =>
    answer['predictions'] !== undefined || answer['outputs'] !== undefined
      ? undefined
      : 'it has neither predictions nor outputs',
  grpc: {
    requests: { 'tensorflow.serving.PredictRequest': validatePredictRequest },
    responseType: 'tensorflow.serving.PredictResponse',
    method: () => '/tensorflow.serving.PredictionService/Predict',
  },
};
