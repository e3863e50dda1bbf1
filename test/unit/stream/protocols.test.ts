import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../functions/stream-inference/config.js';
import { parseJsonObject } from '../../../functions/stream-inference/model/protocols/json.js';
import { seldon } from '../../../functions/stream-inference/model/protocols/seldon.js';
import { tensorflow } from '../../../functions/stream-inference/model/protocols/tensorflow.js';
import { v2 } from '../../../functions/stream-inference/model/protocols/v2.js';

const model = (env: Record<string, string> = {}) =>
  loadConfig({
    KAFKA_INPUT_TOPIC: 'in',
    KAFKA_OUTPUT_TOPIC: 'out',
    MODEL_ENDPOINT: 'http://m',
    MODEL_NAME: 'iris',
    ...env,
  }).model;

describe('REST paths', () => {
  it('routes each protocol to its predict path', () => {
    expect(seldon.restPath(model())).toBe('/api/v1.0/predictions');
    expect(seldon.restPath(model({ SELDON_API: 'microservice' }))).toBe('/predict');
    expect(tensorflow.restPath(model())).toBe('/v1/models/iris:predict');
    expect(v2.restPath(model())).toBe('/v2/models/iris/infer');
  });
});

describe('parseJsonObject', () => {
  it.each([
    ['{"a":', /value is not JSON/],
    ['[1,2]', /must be a JSON object/],
    ['"text"', /must be a JSON object/],
    ['\u0000\u0001', /value is not JSON/],
  ])('rejects %j', (text, message) => {
    expect(() => parseJsonObject(Buffer.from(text))).toThrow(message);
  });
});

describe('seldon', () => {
  it.each([
    { data: { ndarray: [[5.1, 3.5, 1.4, 0.2]] } },
    { data: { names: ['a', 'b'], ndarray: [[1, 2]] }, meta: { puid: 'x' } },
    { data: { tensor: { shape: [1, 4], values: [1, 2, 3, 4] } } },
    { jsonData: { anything: true } },
    { strData: 'hello' },
    { binData: 'AAEC' },
  ])('accepts %j', (request) => {
    expect(() => seldon.validateRest(request)).not.toThrow();
  });

  it.each([
    [{}, /exactly one of data, jsonData, strData, binData/],
    [{ data: {}, strData: 'x' }, /exactly one of/],
    [{ data: { ndarray: [] } }, /data.ndarray is empty/],
    [{ data: { ndarray: [[1, 2], [3]] } }, /ragged/],
    [{ data: { ndarray: 'rows' } }, /data.ndarray must be an array/],
    [{ data: { tensor: { shape: [2, 2], values: [1, 2, 3] } } }, /3 values for shape \[2,2\]/],
    [{ data: { tensor: { shape: [-1], values: [] } } }, /non-negative integers/],
    [{ data: { names: 'a', ndarray: [[1]] } }, /data.names must be an array of strings/],
    [{ strData: 42 }, /strData must be a string/],
    [{ data: { ndarray: [[1]] }, meta: 'x' }, /meta must be an object/],
  ])('rejects %j', (request, message) => {
    expect(() => seldon.validateRest(request)).toThrow(message);
  });
});

describe('tensorflow', () => {
  it.each([
    { instances: [[5.1, 3.5, 1.4, 0.2]] },
    { signature_name: 'serving_default', instances: [{ x: [1, 2] }] },
    { inputs: [[1, 2, 3, 4]] },
    { inputs: { a: [[1], [2]], b: [[3], [4]] } },
  ])('accepts %j', (request) => {
    expect(() => tensorflow.validateRest(request)).not.toThrow();
  });

  it.each([
    [{}, /exactly one of instances, inputs/],
    [{ instances: [[1]], inputs: [[1]] }, /exactly one of instances, inputs/],
    [{ instances: [] }, /instances is empty/],
    [{ instances: 'x' }, /instances must be an array/],
    [{ instances: [[1, 2], [1]] }, /ragged/],
    [{ inputs: { a: [[1], [2]], b: [[3]] } }, /differ in their batch size/],
    [{ instances: [[1]], signature_name: 7 }, /signature_name must be a string/],
  ])('rejects %j', (request, message) => {
    expect(() => tensorflow.validateRest(request)).toThrow(message);
  });
});

describe('v2', () => {
  it.each([
    { inputs: [{ name: 'predict', shape: [1, 4], datatype: 'FP64', data: [5.1, 3.5, 1.4, 0.2] }] },
    {
      inputs: [
        {
          name: 'predict',
          shape: [2, 2],
          datatype: 'FP32',
          data: [
            [1, 2],
            [3, 4],
          ],
        },
      ],
      id: 'r1',
    },
    { inputs: [{ name: 's', shape: [1], datatype: 'BYTES', data: ['x'] }], outputs: [{ name: 'o' }] },
  ])('accepts %j', (request) => {
    expect(() => v2.validateRest(request)).not.toThrow();
  });

  it.each([
    [{}, /inputs must be a non-empty array/],
    [{ inputs: [] }, /inputs must be a non-empty array/],
    [{ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] }, /inputs\[0\].name/],
    [
      { inputs: [{ name: 'a', shape: [1], datatype: 'FLOAT', data: [1] }] },
      /datatype \(a string of 5 chars\) is not a V2 datatype/,
    ],
    [
      { inputs: [{ name: 'a', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3] }] },
      /3 values for shape \[2,2\]/,
    ],
    [{ inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: 1 }] }, /data must be an array/],
    [
      { inputs: [{ name: 'a', shape: [1], datatype: 'FP32', data: [1] }], outputs: {} },
      /outputs must be an array/,
    ],
  ])('rejects %j', (request, message) => {
    expect(() => v2.validateRest(request)).toThrow(message);
  });
});
