/**
 * Wire compatibility of protos/ with the reference implementations, proven both ways:
 *
 * - Python → TS: each reference implementation (seldon-core's prediction_pb2, MLServer's dataplane_pb2,
 *   tritonclient's service_pb2, tensorflow-serving-api's predict_pb2) writes messages with known field
 *   values (scripts/services/models/wire_vectors.py, into .cache/wire-vectors/, generated on demand);
 *   the handler's registry decodes each to exactly those values and re-encodes it to the same bytes.
 * - TS → Python: the handler's registry encodes the same values; each implementation parses the bytes,
 *   finds them equal to the message it builds itself, and serializes that message to the same bytes.
 *
 * The expected values below are written independently of the Python side. 64-bit integers are
 * compared as decimal strings (exact past 2^53), bytes as base64, enums by name.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeMessage, protoRegistry } from '../../functions/stream-inference/model/protocols/protobuf.js';
import { listValue } from '../helpers/grpc.js';
import { repoRoot } from '../helpers/models.js';

const run = promisify(execFile);
const SCRIPT = `${repoRoot}scripts/services/models/wire_vectors.sh`;
const VECTORS = `${repoRoot}.cache/wire-vectors`;
const TO_OBJECT = { longs: String, enums: String, bytes: String } as const;

type Impl = 'seldon' | 'mlserver' | 'triton' | 'tfserving';

interface WireCase {
  readonly name: string;
  readonly type: string;
  readonly object: Record<string, unknown>;
}

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];
const b64 = (bytes: Buffer): string => bytes.toString('base64');
const f64le = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeDoubleLE(v, i * 8);
  return b;
};
const i64le = (values: number[]): Buffer => {
  const b = Buffer.alloc(values.length * 8);
  for (const [i, v] of values.entries()) b.writeBigInt64LE(BigInt(v), i * 8);
  return b;
};
const lengthPrefixed = (items: string[]): Buffer =>
  Buffer.concat(items.flatMap((s) => [Buffer.from(Uint32Array.of(s.length).buffer), Buffer.from(s)]));

// -------------------------------------------------------------------------------------------- seldon

const SELDON = 'seldon.protos.SeldonMessage';
const seldonNdarray = {
  data: { names: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'], ndarray: listValue(ROWS) },
};
const seldonStr = { strData: 'hello \u2713' };
const seldonAnswer = { meta: {}, data: { ndarray: { values: [{ numberValue: 0 }, { numberValue: 2 }] } } };

const SELDON_CASES: WireCase[] = [
  { name: 'seldon_ndarray', type: SELDON, object: seldonNdarray },
  {
    name: 'seldon_tensor',
    type: SELDON,
    object: { data: { tensor: { shape: [2, 4], values: ROWS.flat() } } },
  },
  {
    name: 'seldon_tftensor',
    type: SELDON,
    object: {
      data: {
        tftensor: {
          dtype: 'DT_DOUBLE',
          tensor_shape: { dim: [{ size: '1' }, { size: '4' }] },
          double_val: ROWS[0],
        },
      },
    },
  },
  { name: 'seldon_str', type: SELDON, object: seldonStr },
  { name: 'seldon_bin', type: SELDON, object: { binData: b64(Buffer.from([0, 1, 0xfe, 0xff])) } },
  {
    name: 'seldon_json',
    type: SELDON,
    object: {
      jsonData: {
        structValue: {
          fields: {
            a: { numberValue: 1.5 },
            b: {
              listValue: { values: [{ stringValue: 'x' }, { boolValue: true }, { nullValue: 'NULL_VALUE' }] },
            },
          },
        },
      },
    },
  },
  {
    name: 'seldon_custom',
    type: SELDON,
    object: {
      customData: {
        type_url: 'type.googleapis.com/seldon.protos.Status',
        value: b64(Buffer.from([0x08, 7])),
      },
    },
  },
  {
    name: 'seldon_meta_status',
    type: SELDON,
    object: {
      status: { code: 500, info: 'info', reason: 'why', status: 'FAILURE' },
      meta: {
        puid: 'puid-1',
        tags: { model: { stringValue: 'iris' }, score: { numberValue: 0.5 } },
        routing: { router: 1 },
        requestPath: { iris: 'image:1' },
        metrics: [{ key: 'latency', type: 'GAUGE', value: 1.5, tags: { k: 'v' } }],
      },
      strData: 'x',
    },
  },
  { name: 'seldon_answer', type: SELDON, object: seldonAnswer },
  {
    name: 'seldon_list',
    type: 'seldon.protos.SeldonMessageList',
    object: { seldonMessages: [seldonNdarray, seldonStr] },
  },
  {
    name: 'seldon_feedback',
    type: 'seldon.protos.Feedback',
    object: { request: seldonNdarray, response: seldonAnswer, reward: 1, truth: seldonAnswer },
  },
];

// ------------------------------------------------------------------------------------------------ V2

const V2_CASES: WireCase[] = [
  {
    name: 'v2_request_typed',
    type: 'inference.ModelInferRequest',
    object: {
      model_name: 'iris',
      model_version: '1',
      id: 'req-1',
      parameters: {
        content_type: { string_param: 'np' },
        flag: { bool_param: true },
        n: { int64_param: '-3' },
      },
      inputs: [
        {
          name: 'predict',
          datatype: 'FP64',
          shape: ['2', '4'],
          parameters: { content_type: { string_param: 'np' } },
          contents: { fp64_contents: ROWS.flat() },
        },
        { name: 'flags', datatype: 'BOOL', shape: ['2'], contents: { bool_contents: [true, false] } },
        {
          name: 'ids',
          datatype: 'INT64',
          shape: ['2'],
          contents: { int64_contents: ['-1', '1099511627776'] },
        },
        { name: 'small', datatype: 'INT32', shape: ['1'], contents: { int_contents: [-5] } },
        { name: 'u32', datatype: 'UINT32', shape: ['2'], contents: { uint_contents: [1, 4_000_000_000] } },
        {
          name: 'u64',
          datatype: 'UINT64',
          shape: ['1'],
          contents: { uint64_contents: ['9223372036854775808'] },
        },
        { name: 'f32', datatype: 'FP32', shape: ['2'], contents: { fp32_contents: [0.5, -1.25] } },
        {
          name: 'text',
          datatype: 'BYTES',
          shape: ['2'],
          contents: { bytes_contents: [b64(Buffer.from('ab')), b64(Buffer.from([0, 0xff]))] },
        },
      ],
      outputs: [{ name: 'predict', parameters: { binary_data: { bool_param: false } } }],
    },
  },
  {
    name: 'v2_request_raw',
    type: 'inference.ModelInferRequest',
    object: {
      model_name: 'iris',
      inputs: [
        { name: 'predict', datatype: 'FP64', shape: ['1', '4'] },
        { name: 'names', datatype: 'BYTES', shape: ['2'] },
      ],
      raw_input_contents: [b64(f64le(ROWS[0]!)), b64(lengthPrefixed(['setosa', '']))],
    },
  },
  {
    name: 'v2_response_typed',
    type: 'inference.ModelInferResponse',
    object: {
      model_name: 'iris',
      model_version: '1',
      id: 'req-1',
      parameters: { content_type: { string_param: 'np' } },
      outputs: [
        { name: 'predict', datatype: 'INT64', shape: ['2', '1'], contents: { int64_contents: ['0', '2'] } },
      ],
    },
  },
  {
    name: 'v2_response_raw',
    type: 'inference.ModelInferResponse',
    object: {
      model_name: 'iris',
      outputs: [{ name: 'predict', datatype: 'INT64', shape: ['2', '1'] }],
      raw_output_contents: [b64(i64le([0, 2]))],
    },
  },
];

/** Triton's InferParameter also has double and uint64 parameters (MLServer's does not). */
const TRITON_CASES: WireCase[] = [
  ...V2_CASES,
  {
    name: 'v2_request_parameters',
    type: 'inference.ModelInferRequest',
    object: {
      model_name: 'iris',
      parameters: { big: { uint64_param: '18446744073709551615' }, ratio: { double_param: 0.25 } },
      inputs: [
        { name: 'predict', datatype: 'FP64', shape: ['1', '4'], contents: { fp64_contents: ROWS[0] } },
      ],
    },
  },
];

// ---------------------------------------------------------------------------------------- TensorFlow

const dims = (...sizes: number[]) => ({ dim: sizes.map((s) => ({ size: String(s) })) });
const servingSpec = { name: 'iris', version: { value: '1' }, signature_name: 'serving_default' };

const TF_CASES: WireCase[] = [
  {
    name: 'tf_request_float',
    type: 'tensorflow.serving.PredictRequest',
    object: {
      model_spec: servingSpec,
      inputs: {
        inputs: {
          dtype: 'DT_FLOAT',
          tensor_shape: dims(2, 4),
          float_val: [5.5, 3.5, 1.5, 0.25, 6.75, 3, 5.25, 2.5],
        },
      },
      output_filter: ['predictions'],
    },
  },
  {
    name: 'tf_request_content',
    type: 'tensorflow.serving.PredictRequest',
    object: {
      model_spec: { name: 'iris', version_label: 'stable' },
      inputs: {
        instances: { dtype: 'DT_DOUBLE', tensor_shape: dims(1, 4), tensor_content: b64(f64le(ROWS[0]!)) },
      },
    },
  },
  {
    name: 'tf_request_dtypes',
    type: 'tensorflow.serving.PredictRequest',
    object: {
      model_spec: { name: 'iris' },
      inputs: {
        a: { dtype: 'DT_INT64', tensor_shape: dims(3), int64_val: ['1', '-2', '1099511627776'] },
        b: {
          dtype: 'DT_STRING',
          tensor_shape: dims(2),
          string_val: [b64(Buffer.from('x')), b64(Buffer.from('yz'))],
        },
        c: { dtype: 'DT_BOOL', tensor_shape: dims(2), bool_val: [true, false] },
        d: { dtype: 'DT_HALF', tensor_shape: dims(1), half_val: [15360] },
        e: { dtype: 'DT_UINT64', tensor_shape: dims(1), uint64_val: ['9223372036854775808'] },
        f: { dtype: 'DT_INT32', tensor_shape: dims(2), version_number: 1, int_val: [-7, 7] },
      },
    },
  },
  {
    name: 'tf_response',
    type: 'tensorflow.serving.PredictResponse',
    object: {
      model_spec: servingSpec,
      outputs: { predictions: { dtype: 'DT_INT64', tensor_shape: dims(2), int64_val: ['0', '2'] } },
    },
  },
];

const CASES: Record<Impl, WireCase[]> = {
  seldon: SELDON_CASES,
  mlserver: V2_CASES,
  triton: TRITON_CASES,
  tfserving: TF_CASES,
};

const IMPLS = Object.keys(CASES) as Impl[];

const typeOf = (name: string) => {
  const type = protoRegistry().type(name);
  if (type === undefined) throw new Error(`no message ${name} in the registry`);
  return type;
};

/** The handler's encoding of a case: fromObject (names, base64, decimal strings), verify, encode. */
const encodeCase = (c: WireCase): Buffer => {
  const type = typeOf(c.type);
  const message = type.fromObject(c.object);
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`${c.name}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
};

let tsDir: string;

beforeAll(async () => {
  // Reuses .cache/wire-vectors when up to date; installs the tfserving-api venv on the first run.
  await run('bash', [SCRIPT, 'ensure'], { cwd: repoRoot, timeout: 600_000 });
  tsDir = mkdtempSync(join(tmpdir(), 'wire-compat-'));
}, 660_000);

afterAll(() => {
  rmSync(tsDir, { recursive: true, force: true });
});

describe.each(IMPLS)('%s reference messages', (impl) => {
  const dir = `${VECTORS}/${impl}`;

  it('are the cases this test expects, of the same message types', () => {
    // Act
    const written = JSON.parse(readFileSync(`${dir}/cases.json`, 'utf8')) as Record<string, string>;

    // Assess
    expect(written).toEqual(Object.fromEntries(CASES[impl].map((c) => [c.name, c.type])));
  });

  it.each(CASES[impl])(
    '$name: Python bytes decode to the known values and re-encode to the same bytes',
    (c) => {
      // Prepare
      const bytes = readFileSync(`${dir}/${c.name}.bin`);
      const type = typeOf(c.type);

      // Act
      const message = decodeMessage(type, bytes);

      // Assess
      expect(type.toObject(message, TO_OBJECT)).toEqual(c.object);
      expect(Buffer.from(type.encode(message).finish()).toString('hex')).toBe(bytes.toString('hex'));
      expect(encodeCase(c).toString('hex')).toBe(bytes.toString('hex'));
    },
  );

  it('parses the bytes the handler encodes into the messages it builds itself (TS → Python)', async () => {
    // Prepare
    const out = join(tsDir, impl);
    mkdirSync(out);
    for (const c of CASES[impl]) writeFileSync(join(out, `${c.name}.bin`), encodeCase(c));

    // Act
    const { stdout } = await run('bash', [SCRIPT, 'check', impl, out], { cwd: repoRoot, timeout: 120_000 });

    // Assess
    const report = JSON.parse(stdout) as Record<
      string,
      { equal: boolean; same_bytes: boolean; error: string | null }
    >;
    expect(Object.keys(report).sort()).toEqual(CASES[impl].map((c) => c.name).sort());
    for (const [name, result] of Object.entries(report)) {
      expect(result, `${impl} ${name}`).toEqual({ equal: true, same_bytes: true, error: null });
    }
  });
});
