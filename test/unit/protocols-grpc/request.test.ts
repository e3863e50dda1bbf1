/**
 * The gRPC branch of the record check: `proto-name` must name a message the protocol accepts, the
 * bytes must decode as it and pass the protocol's rules, and a good record's bytes go to the model
 * exactly as they came.
 */
import { describe, expect, it } from 'vitest';
import { loadConfig, type Protocol } from '../../../functions/stream-inference/config.js';
import { RecordFailure } from '../../../functions/stream-inference/failures.js';
import type { InputRecord } from '../../../functions/stream-inference/inbound/event.js';
import {
  loadRequestPreparer,
  type RequestPreparer,
  requestPreparer,
} from '../../../functions/stream-inference/inbound/request-check.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { encodeMessage, GRPC_NAMES, grpcIrisBytes } from '../../helpers/grpc.js';

const ROWS = [
  [5.1, 3.5, 1.4, 0.2],
  [6.7, 3.0, 5.2, 2.3],
];

const grpcEnv = (protocol: Protocol): Record<string, string> => ({
  TRANSPORT: 'grpc',
  PROTOCOL: protocol,
  MODEL_ENDPOINT: 'grpc://127.0.0.1:8500',
  MODEL_NAME: 'iris',
  KAFKA_INPUT_TOPIC: 'in',
  KAFKA_OUTPUT_TOPIC: 'out',
  KAFKA_ERROR_TOPIC: 'errors',
});

const record = (value: Buffer | string, protoName?: string): InputRecord => ({
  topic: 'in',
  partition: 0,
  offset: 7,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('k'),
  value: Buffer.from(value),
  headers: [
    { name: 'trace', value: Buffer.from('t-1') },
    ...(protoName === undefined ? [] : [{ name: 'proto-name', value: Buffer.from(protoName) }]),
  ],
});

const preparerFor = (protocol: Protocol): Promise<RequestPreparer> => {
  const config = loadConfig(grpcEnv(protocol));
  return loadRequestPreparer(config, protocolSpec(config.model.protocol));
};

/** The failure a check throws, to assert on its kind and reason. */
const refusal = (prepare: RequestPreparer, r: InputRecord): RecordFailure => {
  try {
    prepare(r);
  } catch (error) {
    if (error instanceof RecordFailure) return error;
    throw error;
  }
  throw new Error('the record was accepted');
};

const PROTOCOLS = ['seldon', 'tensorflow', 'v2'] as const;

describe.each(PROTOCOLS)('gRPC records of protocol %s', (protocol) => {
  const accepted = GRPC_NAMES[protocol].request;

  it('forwards a valid request: the very bytes of the record, not a re-encoding', async () => {
    // Prepare
    const prepare = await preparerFor(protocol);
    const r = record(grpcIrisBytes(protocol, ROWS), accepted);

    // Act
    const body = prepare(r);

    // Assess
    expect(body).toBe(r.value);
  });

  it('refuses a record without proto-name, naming the accepted message', async () => {
    // Prepare
    const prepare = await preparerFor(protocol);

    // Act
    const error = refusal(prepare, record(grpcIrisBytes(protocol, ROWS)));

    // Assess
    expect(error.kind).toBe('unknown-proto-name');
    expect(error.policy).toBe('dead-letter');
    expect(error.message).toBe(
      `gRPC record has no 'proto-name' header naming its message; accepted: ${accepted}`,
    );
  });

  it.each([
    'no.such.Message',
    'tensorflow.serving.PredictResponse',
    'inference.ModelInferResponse',
    '',
    ` ${accepted}`,
  ])('refuses proto-name %j with the list of accepted names', async (name) => {
    // Prepare
    const prepare = await preparerFor(protocol);

    // Act
    const error = refusal(prepare, record(grpcIrisBytes(protocol, ROWS), name));

    // Assess
    expect(error.kind).toBe('unknown-proto-name');
    expect(error.message).toBe(
      `'proto-name' (a string of ${name.length} chars) is not accepted by PROTOCOL ${protocol}; accepted: ${accepted}`,
    );
    expect(error.detail).toBe(name);
  });

  it("refuses another protocol's request message", async () => {
    // Prepare
    const prepare = await preparerFor(protocol);
    const other = PROTOCOLS.find((p) => GRPC_NAMES[p].request !== accepted)!;

    // Act
    const error = refusal(prepare, record(grpcIrisBytes(other, ROWS), GRPC_NAMES[other].request));

    // Assess
    expect(error.kind).toBe('unknown-proto-name');
  });

  it.each([
    ['truncated bytes', Buffer.from([0x0a, 0x10, 0x61])],
    ['a wrong wire type', Buffer.from([0x0f, 0x01])],
    ['random bytes', Buffer.from('ffffffffffffffffffff01', 'hex')],
    ['a REST JSON body', Buffer.from('{"inputs":[{"name":"predict","shape":[1,4],"datatype":"FP64"}]}')],
    ['plain text', Buffer.from('hello world')],
  ])('refuses %s under the right proto-name, kind decode', async (_, bytes) => {
    // Prepare
    const prepare = await preparerFor(protocol);

    // Act
    const error = refusal(prepare, record(bytes, accepted));

    // Assess
    expect(error.kind).toBe('decode');
    expect(error.message).toMatch(/^value does not decode as [\w.]+: (index out of range|invalid wire type)/);
    expect(error.message).toContain(accepted);
  });

  it('refuses an empty request (it decodes, but holds nothing to predict on)', async () => {
    // Prepare
    const prepare = await preparerFor(protocol);

    // Act
    const error = refusal(prepare, record(encodeMessage(accepted, {}), accepted));

    // Assess: an empty value is refused before decoding; a message of only defaults by the shape rules.
    expect(error.kind).toBe('decode');
    expect(error.message).toBe('record has no value');
  });
});

describe('decode and verify', () => {
  it('refuses an enum number the .proto does not declare (verify), kind decode', async () => {
    // Prepare: dtype 27 is a hole in tensorflow.DataType.
    const prepare = await preparerFor('tensorflow');
    const bytes = encodeMessage('tensorflow.serving.PredictRequest', {
      model_spec: { name: 'iris' },
      inputs: { x: { dtype: 1, tensor_shape: { dim: [{ size: 1 }] }, float_val: [1] } },
    });
    bytes[bytes.indexOf(Buffer.from([0x08, 0x01]))! + 1] = 27;

    // Act
    const error = refusal(prepare, record(bytes, 'tensorflow.serving.PredictRequest'));

    // Assess
    expect(error.kind).toBe('decode');
    expect(error.message).toBe(
      'value decodes as tensorflow.serving.PredictRequest but breaks its schema: inputs.dtype: enum value expected',
    );
  });

  it('refuses a string running past the end (protobufjs would cut it short), naming the failure', async () => {
    // Prepare: model_name (field 1) claims 16 bytes and has 1.
    const prepare = await preparerFor('v2');

    // Act
    const error = refusal(prepare, record(Buffer.from([0x0a, 0x10, 0x61]), 'inference.ModelInferRequest'));

    // Assess
    expect(error.kind).toBe('decode');
    expect(error.message).toBe(
      'value does not decode as inference.ModelInferRequest: index out of range: 2 + 16 > 3',
    );
    expect(error.cause).toBeInstanceOf(Error);
  });
  it('refuses a message nested too deep to decode as a bad record, not a crash of the batch', async () => {
    // Prepare: data.ndarray of 2,000 nested lists, built inside out (Value.listValue = 6,
    // ListValue.values = 1). protobufjs stops at 100 levels, as protoc's parsers do.
    const prepare = await preparerFor('seldon');
    const field = (tag: number, body: Buffer): Buffer => {
      const length: number[] = [];
      for (let n = body.length; ; n >>>= 7) {
        if (n < 0x80) {
          length.push(n);
          break;
        }
        length.push((n & 0x7f) | 0x80);
      }
      return Buffer.concat([Buffer.from([tag, ...length]), body]);
    };
    let list: Buffer = Buffer.alloc(0);
    for (let depth = 0; depth < 2_000; depth++) list = field(0x0a, field(0x32, list));
    const bytes = field(0x1a, field(0x1a, list)); // SeldonMessage.data = 3, DefaultData.ndarray = 3

    // Act
    const error = refusal(prepare, record(bytes, 'seldon.protos.SeldonMessage'));

    // Assess
    expect(error.kind).toBe('decode');
    expect(error.message).toBe(
      'value does not decode as seldon.protos.SeldonMessage: maximum nesting depth exceeded',
    );
  });
});

describe('requestPreparer without the protobuf check', () => {
  it('checks only the proto-name header of a gRPC record', () => {
    // Prepare
    const config = loadConfig(grpcEnv('v2'));
    const prepare = requestPreparer(config, protocolSpec('v2'));
    const garbage = record('garbage', 'inference.ModelInferRequest');

    // Act / Assess
    expect(prepare(garbage)).toBe(garbage.value);
    expect(refusal(prepare, record('garbage')).kind).toBe('unknown-proto-name');
  });

  it('is what loadRequestPreparer builds for REST', async () => {
    // Prepare
    const config = loadConfig({
      ...grpcEnv('v2'),
      TRANSPORT: 'rest',
      MODEL_ENDPOINT: 'http://127.0.0.1:8080',
    });
    const prepare = await loadRequestPreparer(config, protocolSpec('v2'));

    // Act / Assess
    expect(refusal(prepare, record('{"inputs": []}')).kind).toBe('shape');
    expect(refusal(prepare, record('not json')).kind).toBe('decode');
  });
});
