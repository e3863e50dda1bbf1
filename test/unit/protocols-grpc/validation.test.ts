/**
 * The protocols' rules for decoded gRPC requests: what a model could not sensibly answer (no model
 * name, no inputs, a shape its values do not fill, values in the wrong field) is refused as a bad
 * record of kind `shape`, with the reason; every form the servers take passes.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, type Protocol } from '../../../functions/stream-inference/config.js';
import { RecordFailure } from '../../../functions/stream-inference/failures.js';
import {
  loadRequestPreparer,
  type RequestPreparer,
} from '../../../functions/stream-inference/inbound/request-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { encodeMessage, GRPC_NAMES, grpcIrisRequest, listValue } from '../../helpers/grpc.js';

const ROW = [5.1, 3.5, 1.4, 0.2];

const preparers = new Map<Protocol, RequestPreparer>();

const prepareAs = async (protocol: Protocol, message: Record<string, unknown>): Promise<Buffer> => {
  let prepare = preparers.get(protocol);
  if (prepare === undefined) {
    const config = loadConfig({
      TRANSPORT: 'grpc',
      PROTOCOL: protocol,
      MODEL_ENDPOINT: 'grpc://127.0.0.1:8500',
      MODEL_NAME: 'iris',
      KAFKA_INPUT_TOPIC: 'in',
      KAFKA_OUTPUT_TOPIC: 'out',
      KAFKA_ERROR_TOPIC: 'errors',
    });
    prepare = await loadRequestPreparer(config, protocolSpec(protocol));
    preparers.set(protocol, prepare);
  }
  const name = GRPC_NAMES[protocol].request;
  return prepare({
    topic: 'in',
    partition: 0,
    offset: 0,
    timestamp: 0,
    key: null,
    value: encodeMessage(name, message),
    headers: [{ name: 'proto-name', value: Buffer.from(name) }],
  });
};

const refusalOf = async (protocol: Protocol, message: Record<string, unknown>): Promise<string> => {
  try {
    await prepareAs(protocol, message);
  } catch (error) {
    if (!(error instanceof RecordFailure)) throw error;
    expect(error.kind).toBe('shape');
    return error.message;
  }
  throw new Error('the request was accepted');
};

const f64 = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeDoubleLE(v, i * 8);
  return b;
};

const lengthPrefixed = (items: string[]): Buffer =>
  Buffer.concat(
    items.flatMap((s) => {
      const len = Buffer.alloc(4);
      len.writeUInt32LE(Buffer.byteLength(s));
      return [len, Buffer.from(s)];
    }),
  );

// ------------------------------------------------------------------------------------------------ V2

const v2Input = (over: Record<string, unknown> = {}) => ({
  name: 'predict',
  datatype: 'FP64',
  shape: [1, 4],
  contents: { fp64_contents: ROW },
  ...over,
});
const v2 = (over: Record<string, unknown> = {}) => ({ model_name: 'iris', inputs: [v2Input()], ...over });

describe('inference.ModelInferRequest', () => {
  it.each<[string, Record<string, unknown>]>([
    ['typed FP64 rows', grpcIrisRequest('v2', [ROW, ROW])],
    ['typed FP32', v2({ inputs: [v2Input({ datatype: 'FP32', contents: { fp32_contents: ROW } })] })],
    [
      'typed INT64',
      v2({ inputs: [v2Input({ datatype: 'INT64', contents: { int64_contents: [1, 2, 3, 4] } })] }),
    ],
    [
      'typed BYTES',
      v2({
        inputs: [
          v2Input({
            datatype: 'BYTES',
            shape: [2],
            contents: { bytes_contents: [Buffer.from('a'), Buffer.from('b')] },
          }),
        ],
      }),
    ],
    ['raw FP64', v2({ inputs: [v2Input({ contents: null })], raw_input_contents: [f64(ROW)] })],
    [
      'raw BYTES',
      v2({
        inputs: [v2Input({ datatype: 'BYTES', shape: [2], contents: null })],
        raw_input_contents: [lengthPrefixed(['ab', ''])],
      }),
    ],
    [
      'raw FP16',
      v2({ inputs: [v2Input({ datatype: 'FP16', contents: null })], raw_input_contents: [Buffer.alloc(8)] }),
    ],
    ['an empty batch', v2({ inputs: [v2Input({ shape: [0, 4], contents: null })] })],
    [
      'requested outputs and parameters',
      v2({ outputs: [{ name: 'predict' }], parameters: { x: { bool_param: true } } }),
    ],
  ])('passes %s', async (_, message) => {
    await expect(prepareAs('v2', message)).resolves.toBeInstanceOf(Buffer);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no model_name', v2({ model_name: '' }), 'model_name is required'],
    [
      'another model',
      v2({ model_name: 'other' }),
      "model_name (a string of 5 chars) is not MODEL_NAME 'iris'",
    ],
    ['no inputs', v2({ inputs: [] }), 'inputs must be a non-empty list'],
    ['an unnamed input', v2({ inputs: [v2Input({ name: '' })] }), 'inputs[0].name is required'],
    [
      'an unknown datatype',
      v2({ inputs: [v2Input({ datatype: 'FLOAT64' })] }),
      'inputs[0].datatype (a string of 7 chars) is not a V2 datatype',
    ],
    [
      'a negative dimension',
      v2({ inputs: [v2Input({ shape: [-1, 4] })] }),
      'inputs[0].shape has dimension -1; sizes are >= 0',
    ],
    [
      'fewer values than the shape',
      v2({ inputs: [v2Input({ contents: { fp64_contents: [1, 2, 3] } })] }),
      'inputs[0].contents.fp64_contents has 3 values for shape [1,4]',
    ],
    [
      'no values at all',
      v2({ inputs: [v2Input({ contents: null })] }),
      'inputs[0].contents.fp64_contents has 0 values for shape [1,4]',
    ],
    [
      "values in another datatype's field",
      v2({ inputs: [v2Input({ contents: { fp32_contents: ROW } })] }),
      'inputs[0].contents holds fp32_contents but its datatype is FP64',
    ],
    [
      'typed FP16',
      v2({ inputs: [v2Input({ datatype: 'FP16', contents: null })] }),
      'inputs[0]: FP16 travels only in raw_input_contents',
    ],
    [
      'raw contents for some inputs only',
      v2({
        inputs: [v2Input({ contents: null }), v2Input({ name: 'b', contents: null })],
        raw_input_contents: [f64(ROW)],
      }),
      'raw_input_contents has 1 entries for 2 inputs',
    ],
    [
      'raw contents of the wrong length',
      v2({ inputs: [v2Input({ contents: null })], raw_input_contents: [f64([1, 2, 3])] }),
      'inputs[0]: raw content has 24 bytes; shape [1,4] of FP64 needs 32',
    ],
    [
      'raw and typed contents together',
      v2({ raw_input_contents: [f64(ROW)] }),
      'inputs[0] holds contents while the request uses raw_input_contents',
    ],
    [
      'a raw BYTES length prefix past the end',
      v2({
        inputs: [v2Input({ datatype: 'BYTES', shape: [1], contents: null })],
        raw_input_contents: [Buffer.from([9, 0, 0, 0, 1])],
      }),
      'inputs[0]: raw BYTES content has a length prefix past its end',
    ],
    [
      'raw BYTES of another element count',
      v2({
        inputs: [v2Input({ datatype: 'BYTES', shape: [3], contents: null })],
        raw_input_contents: [lengthPrefixed(['a', 'b'])],
      }),
      'inputs[0]: raw content has 2 elements for shape [3] of BYTES',
    ],
    ['an unnamed requested output', v2({ outputs: [{ name: '' }] }), 'outputs[0].name is required'],
  ])('refuses %s', async (_, message, reason) => {
    expect(await refusalOf('v2', message)).toBe(reason);
  });
});

// ---------------------------------------------------------------------------------------- TensorFlow

const tensor = (over: Record<string, unknown> = {}) => ({
  dtype: 'DT_DOUBLE',
  tensor_shape: { dim: [{ size: 1 }, { size: 4 }] },
  double_val: ROW,
  ...over,
});
const tf = (over: Record<string, unknown> = {}) => ({
  model_spec: { name: 'iris' },
  inputs: { inputs: tensor() },
  ...over,
});
const f32 = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 4);
  for (const [i, v] of values.entries()) b.writeFloatLE(v, i * 4);
  return b;
};

describe('tensorflow.serving.PredictRequest', () => {
  it.each<[string, Record<string, unknown>]>([
    ['double rows', grpcIrisRequest('tensorflow', [ROW, ROW])],
    [
      'float tensor_content',
      tf({ inputs: { x: tensor({ dtype: 'DT_FLOAT', double_val: [], tensor_content: f32(ROW) }) } }),
    ],
    [
      'one value filling the shape',
      tf({
        inputs: {
          x: tensor({
            dtype: 'DT_FLOAT',
            double_val: [],
            float_val: [0.5],
            tensor_shape: { dim: [{ size: 2 }, { size: 4 }] },
          }),
        },
      }),
    ],
    [
      'strings',
      tf({
        inputs: {
          x: tensor({
            dtype: 'DT_STRING',
            double_val: [],
            string_val: [Buffer.from('a')],
            tensor_shape: { dim: [{ size: 1 }] },
          }),
        },
      }),
    ],
    [
      'a scalar',
      tf({ inputs: { x: tensor({ dtype: 'DT_INT64', double_val: [], int64_val: [7], tensor_shape: {} }) } }),
    ],
    [
      'complex numbers (two parts each)',
      tf({
        inputs: {
          x: tensor({
            dtype: 'DT_COMPLEX64',
            double_val: [],
            scomplex_val: [1, 0, 2, 0],
            tensor_shape: { dim: [{ size: 2 }] },
          }),
        },
      }),
    ],
    [
      'a version, a signature and an output filter',
      tf({
        model_spec: { name: 'iris', version: { value: 1 }, signature_name: 'serving_default' },
        output_filter: ['predictions'],
      }),
    ],
  ])('passes %s', async (_, message) => {
    await expect(prepareAs('tensorflow', message)).resolves.toBeInstanceOf(Buffer);
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['no model_spec', tf({ model_spec: null }), 'model_spec.name is required'],
    [
      'another model',
      tf({ model_spec: { name: 'other' } }),
      "model_spec.name (a string of 5 chars) is not MODEL_NAME 'iris'",
    ],
    ['no inputs', tf({ inputs: {} }), 'inputs names no tensor'],
    [
      'an input with an empty name',
      tf({ inputs: { '': tensor() } }),
      'inputs has a tensor with an empty name',
    ],
    [
      'DT_INVALID',
      tf({ inputs: { x: tensor({ dtype: 'DT_INVALID' }) } }),
      "inputs['x'].dtype 0 is not a tensor dtype",
    ],
    [
      'a reference dtype',
      tf({ inputs: { x: tensor({ dtype: 'DT_FLOAT_REF' }) } }),
      "inputs['x'].dtype 101 is not a tensor dtype",
    ],
    [
      'an unknown rank',
      tf({ inputs: { x: tensor({ tensor_shape: { unknown_rank: true } }) } }),
      "inputs['x'].tensor_shape has an unknown rank",
    ],
    [
      'a negative dimension',
      tf({ inputs: { x: tensor({ tensor_shape: { dim: [{ size: -1 }, { size: 4 }] } }) } }),
      "inputs['x'].tensor_shape has dimension -1; sizes are >= 0",
    ],
    [
      'values that do not fill the shape',
      tf({ inputs: { x: tensor({ double_val: [1, 2, 3] }) } }),
      "inputs['x'].double_val has 3 values for shape [1,4] (4 elements)",
    ],
    [
      'more values than the shape',
      tf({ inputs: { x: tensor({ double_val: [...ROW, 1] }) } }),
      "inputs['x'].double_val has 5 values for shape [1,4] (4 elements)",
    ],
    [
      'no values',
      tf({ inputs: { x: tensor({ double_val: [] }) } }),
      "inputs['x'].double_val has 0 values for shape [1,4] (4 elements)",
    ],
    [
      "values in another dtype's field",
      tf({ inputs: { x: tensor({ dtype: 'DT_FLOAT' }) } }),
      "inputs['x'] holds double_val but its dtype is DT_FLOAT",
    ],
    [
      'tensor_content of the wrong length',
      tf({ inputs: { x: tensor({ dtype: 'DT_FLOAT', double_val: [], tensor_content: f32([1, 2, 3]) }) } }),
      "inputs['x'].tensor_content has 12 bytes; shape [1,4] (4 elements) of DT_FLOAT needs 16",
    ],
    [
      'tensor_content and values together',
      tf({ inputs: { x: tensor({ tensor_content: f64(ROW) }) } }),
      "inputs['x'] holds both tensor_content and double_val",
    ],
    [
      'tensor_content for strings',
      tf({
        inputs: { x: tensor({ dtype: 'DT_STRING', double_val: [], tensor_content: Buffer.from('abcd') }) },
      }),
      "inputs['x']: DT_STRING cannot use tensor_content",
    ],
    [
      'half a complex number',
      tf({
        inputs: {
          x: tensor({
            dtype: 'DT_COMPLEX64',
            double_val: [],
            scomplex_val: [1, 0, 2],
            tensor_shape: { dim: [{ size: 2 }] },
          }),
        },
      }),
      "inputs['x'].scomplex_val has an odd number of parts",
    ],
    ['an empty output filter name', tf({ output_filter: [''] }), 'output_filter has an empty name'],
  ])('refuses %s', async (_, message, reason) => {
    expect(await refusalOf('tensorflow', message)).toBe(reason);
  });
});

// -------------------------------------------------------------------------------------------- Seldon

describe('seldon.protos.SeldonMessage', () => {
  it.each<[string, Record<string, unknown>]>([
    ['ndarray rows', grpcIrisRequest('seldon', [ROW, ROW])],
    [
      'an ndarray of strings with names',
      { data: { names: ['a'], ndarray: { values: [{ stringValue: 'x' }] } } },
    ],
    ['a tensor', { data: { tensor: { shape: [2, 4], values: [...ROW, ...ROW] } } }],
    ['a tftensor', { data: { tftensor: tensor() } }],
    ['strData', { strData: 'hello' }],
    ['an empty strData (set, so present)', { strData: '' }],
    ['binData', { binData: Buffer.from([1, 2, 3]) }],
    ['jsonData', { jsonData: { structValue: { fields: { a: { numberValue: 1 } } } } }],
    ['customData', { customData: { type_url: 'type.googleapis.com/x.Y', value: Buffer.from([8, 1]) } }],
    [
      'meta and status alongside data',
      { meta: { puid: 'p', tags: { t: { stringValue: 'v' } } }, data: { ndarray: listValue([ROW]) } },
    ],
  ])('passes %s', async (_, message) => {
    await expect(prepareAs('seldon', message)).resolves.toBeInstanceOf(Buffer);
  });

  it.each<[string, Record<string, unknown>, string]>([
    [
      'no payload, only meta',
      { meta: { puid: 'p' } },
      'a SeldonMessage must hold one of data, binData, strData, jsonData, customData',
    ],
    [
      'data without values',
      { data: { names: ['a'] } },
      'data must hold exactly one of ndarray, tensor, tftensor',
    ],
    [
      'a tensor its values do not fill',
      { data: { tensor: { shape: [2, 4], values: ROW } } },
      'data.tensor has 4 values for shape [2,4]',
    ],
    [
      'a negative tensor dimension',
      { data: { tensor: { shape: [-1], values: [] } } },
      'data.tensor.shape has dimension -1; sizes are >= 0',
    ],
    ['an empty ndarray', { data: { ndarray: { values: [] } } }, 'data.ndarray is empty'],
    [
      'a ragged ndarray',
      { data: { ndarray: listValue([ROW, [1, 2]]) } },
      'data.ndarray is ragged: rows of different shapes',
    ],
    [
      'an ndarray mixing rows and scalars',
      {
        data: { ndarray: { values: [{ numberValue: 1 }, { listValue: { values: [{ numberValue: 1 }] } }] } },
      },
      'data.ndarray mixes arrays and scalars',
    ],
    [
      'an ndarray holding objects',
      { data: { ndarray: { values: [{ structValue: { fields: {} } }] } } },
      'data.ndarray holds an object',
    ],
    [
      'a tftensor TensorFlow could not read',
      { data: { tftensor: tensor({ double_val: [1, 2, 3] }) } },
      'data.tftensor.double_val has 3 values for shape [1,4] (4 elements)',
    ],
  ])('refuses %s', async (_, message, reason) => {
    expect(await refusalOf('seldon', message)).toBe(reason);
  });
});
