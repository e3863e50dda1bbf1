/**
 * The local model servers (scripts/services/models.sh): every server answers `iris` on its REST and its
 * gRPC port, in its own protocol, with the same labels as the model's own `predict` in truth.json.
 */
import * as grpc from '@grpc/grpc-js';
import { loadSync, type MethodDefinition, type PackageDefinition } from '@grpc/proto-loader';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  IRIS_MODEL,
  type IrisTruth,
  loadIrisTruth,
  modelServers,
  protosDir,
  restUrl,
} from '../helpers/models.js';

let truth: IrisTruth;
let protos: PackageDefinition;

beforeAll(() => {
  truth = loadIrisTruth();
  protos = loadSync(
    [modelServers.mlserver.protoFile, modelServers.seldon.protoFile, modelServers.tensorflow.protoFile],
    { includeDirs: [protosDir], keepCase: true, longs: Number, enums: String, defaults: true, oneofs: true },
  );
});

async function postJson(url: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

/** One unary gRPC call by full method path (`/package.Service/Method`), on a fresh channel. */
function unary<Res>(address: string, path: string, request: object): Promise<Res> {
  const match = /^\/(.+)\/([^/]+)$/.exec(path);
  const service = match
    ? (protos[match[1]!] as Record<string, MethodDefinition<object, object>> | undefined)
    : undefined;
  const method = service?.[match![2]!];
  if (!method) throw new Error(`no method ${path} in the loaded protos`);
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.enable_http_proxy': 0 });
  return new Promise<Res>((resolve, reject) => {
    client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      new grpc.Metadata(),
      { deadline: Date.now() + 15_000 },
      (err, res) => {
        client.close();
        if (err) reject(err);
        else resolve(res as Res);
      },
    );
  });
}

/** The gRPC status of a call that must fail. */
async function grpcError(call: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await call;
  } catch (e) {
    return e as grpc.ServiceError;
  }
  throw new Error('the call succeeded');
}

// ------------------------------------------------------------------------------------------- MLServer

interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  parameters?: Record<string, unknown>;
  data: number[];
}

interface GrpcV2Response {
  model_name: string;
  outputs: {
    name: string;
    datatype: string;
    shape: number[];
    contents: { int64_contents: number[] } | null;
  }[];
  raw_output_contents: Buffer[];
}

describe('MLServer (V2 / kfserving)', () => {
  const mlserver = modelServers.mlserver;

  it.each(['FP64', 'FP32'])(
    'REST /v2/models/iris/infer answers the truth labels for %s rows',
    async (datatype) => {
      // Prepare: the 10 truth rows as one [10, 4] input tensor.
      const body = {
        inputs: [{ name: 'input-0', shape: [truth.rows.length, 4], datatype, data: truth.rows.flat() }],
      };

      // Act
      const res = await postJson(restUrl('mlserver'), body);

      // Assess: one output `predict`, INT64 labels of shape [10, 1].
      expect(res.status).toBe(200);
      const json = res.json as { model_name: string; outputs: V2Output[] };
      expect(json.model_name).toBe(IRIS_MODEL);
      expect(json.outputs).toHaveLength(1);
      expect(json.outputs[0]).toMatchObject({
        name: 'predict',
        datatype: 'INT64',
        shape: [truth.labels.length, 1],
      });
      expect(json.outputs[0]!.data).toEqual(truth.labels);
    },
  );

  it('gRPC inference.GRPCInferenceService/ModelInfer answers the truth labels', async () => {
    // Prepare: the rows as typed FP64 contents.
    const request = {
      model_name: IRIS_MODEL,
      inputs: [
        {
          name: 'input-0',
          datatype: 'FP64',
          shape: [truth.rows.length, 4],
          contents: { fp64_contents: truth.rows.flat() },
        },
      ],
    };

    // Act
    const res = await unary<GrpcV2Response>(mlserver.grpcAddress, mlserver.grpcMethods[0]!, request);

    // Assess: INT64 labels, in typed contents (or raw bytes, little-endian int64).
    expect(res.model_name).toBe(IRIS_MODEL);
    expect(res.outputs).toHaveLength(1);
    expect(res.outputs[0]).toMatchObject({
      name: 'predict',
      datatype: 'INT64',
      shape: [truth.labels.length, 1],
    });
    const raw = res.raw_output_contents[0];
    const labels = raw
      ? Array.from({ length: raw.length / 8 }, (_, i) => Number(raw.readBigInt64LE(i * 8)))
      : res.outputs[0]!.contents?.int64_contents;
    expect(labels).toEqual(truth.labels);
  });
});

// --------------------------------------------------------------------------------------------- seldon

interface SeldonJson {
  data: { names: string[]; ndarray: number[] };
  meta: Record<string, unknown>;
}

/**
 * google.protobuf.Value as proto-loader objects. protobufjs declares the well-known types itself, with
 * camelCase field names (numberValue, listValue), whatever `keepCase` says for our own protos.
 */
interface ProtoValue {
  numberValue?: number;
  listValue?: { values: ProtoValue[] };
  kind?: string;
}

interface GrpcSeldonMessage {
  data: { names: string[]; ndarray: { values: ProtoValue[] } | null; data_oneof?: string } | null;
  data_oneof?: string;
}

/** A google.protobuf.ListValue of numeric rows, as proto-loader objects. */
function listValue(rows: number[][]): { values: ProtoValue[] } {
  return { values: rows.map((row) => ({ listValue: { values: row.map((v) => ({ numberValue: v })) } })) };
}

describe('seldon-core microservice (seldon)', () => {
  const seldon = modelServers.seldon;

  it.each(seldon.restPaths)('REST %s answers the truth labels', async (path) => {
    // Prepare
    const body = { data: { ndarray: truth.rows } };

    // Act
    const res = await postJson(restUrl('seldon', path), body);

    // Assess: labels in data.ndarray, no column names for a 1-D answer, empty meta.
    expect(res.status).toBe(200);
    const json = res.json as SeldonJson;
    expect(json.data.ndarray).toEqual(truth.labels);
    expect(json.data.names).toEqual([]);
    expect(json.meta).toEqual({});
  });

  it.each(seldon.grpcMethods)('gRPC %s answers the truth labels', async (method) => {
    // Prepare: a SeldonMessage with data.ndarray.
    const request = { data: { names: [], ndarray: listValue(truth.rows) } };

    // Act
    const res = await unary<GrpcSeldonMessage>(seldon.grpcAddress, method, request);

    // Assess: labels as numbers in data.ndarray.
    const values = res.data?.ndarray?.values ?? [];
    expect(values.map((v) => v.numberValue)).toEqual(truth.labels);
  });
});

// ----------------------------------------------------------------------------------------- tensorflow

interface TensorProto {
  dtype: string;
  tensor_shape: { dim: { size: number }[] } | null;
  int64_val: number[];
}

interface GrpcPredictResponse {
  outputs: Record<string, TensorProto>;
  model_spec: { name: string; version: { value: number } | null; signature_name: string } | null;
}

function floatTensor(rows: number[][], asContent = false): object {
  const shape = { dim: [{ size: rows.length }, { size: 4 }] };
  if (!asContent) return { dtype: 'DT_FLOAT', tensor_shape: shape, float_val: rows.flat() };
  const content = Buffer.alloc(rows.length * 4 * 4);
  for (const [i, v] of rows.flat().entries()) content.writeFloatLE(v, i * 4);
  return { dtype: 'DT_FLOAT', tensor_shape: shape, tensor_content: content };
}

describe('TensorFlow-protocol server (tensorflow)', () => {
  const tf = modelServers.tensorflow;

  it('REST :predict answers the truth labels for the row format (instances)', async () => {
    // Prepare
    const body = { signature_name: 'serving_default', instances: truth.rows };

    // Act
    const res = await postJson(restUrl('tensorflow'), body);

    // Assess
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ predictions: truth.labels });
  });

  it('REST :predict answers the truth labels for the columnar format (inputs)', async () => {
    // Prepare
    const body = { inputs: truth.rows };

    // Act
    const res = await postJson(restUrl('tensorflow'), body);

    // Assess: TensorFlow Serving answers the columnar format under "outputs".
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ outputs: truth.labels });
  });

  it('REST :predict rejects rows that are not 4 floats with 400 and an error', async () => {
    // Act
    const res = await postJson(restUrl('tensorflow'), { instances: [[1, 2, 3]] });

    // Assess
    expect(res.status).toBe(400);
    expect(res.json).toEqual({ error: expect.stringContaining('[N, 4]') });
  });

  it.each([
    ['float_val', false],
    ['tensor_content', true],
  ])('gRPC PredictionService/Predict answers the truth labels (%s)', async (_, asContent) => {
    // Prepare
    const request = {
      model_spec: { name: IRIS_MODEL },
      inputs: { inputs: floatTensor(truth.rows, asContent) },
    };

    // Act
    const res = await unary<GrpcPredictResponse>(tf.grpcAddress, tf.grpcMethods[0]!, request);

    // Assess: output `predictions`, DT_INT64 of shape [10]; the model spec that served it.
    const out = res.outputs['predictions'];
    expect(out?.dtype).toBe('DT_INT64');
    expect(out?.tensor_shape?.dim.map((d) => d.size)).toEqual([truth.labels.length]);
    expect(out?.int64_val).toEqual(truth.labels);
    expect(res.model_spec).toMatchObject({
      name: IRIS_MODEL,
      version: { value: 1 },
      signature_name: 'serving_default',
    });
  });

  it('gRPC Predict answers NOT_FOUND for an unknown model and INVALID_ARGUMENT for a bad shape', async () => {
    // Prepare
    const unknownModel = {
      model_spec: { name: 'no-such-model' },
      inputs: { inputs: floatTensor(truth.rows) },
    };
    const badShape = {
      model_spec: { name: IRIS_MODEL },
      inputs: {
        inputs: {
          dtype: 'DT_FLOAT',
          tensor_shape: { dim: [{ size: 1 }, { size: 3 }] },
          float_val: [1, 2, 3],
        },
      },
    };

    // Act
    const notFound = await grpcError(unary(tf.grpcAddress, tf.grpcMethods[0]!, unknownModel));
    const invalid = await grpcError(unary(tf.grpcAddress, tf.grpcMethods[0]!, badShape));

    // Assess
    expect(notFound.code).toBe(grpc.status.NOT_FOUND);
    expect(notFound.details).toContain('no-such-model');
    expect(invalid.code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});
