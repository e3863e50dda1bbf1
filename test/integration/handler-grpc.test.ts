/**
 * gRPC end to end: protobuf records with `proto-name` on a real Kafka topic, the real handler (as a
 * cold start imports it) on the Lambda event of those records, the real model servers over gRPC
 * (MLServer 8081, the seldon-core microservice 5000, the TensorFlow-protocol server 8500), and the
 * protobuf answers read back from the output topic.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Protocol } from '../../functions/stream-inference/config.js';
import { encodeMessage, GRPC_NAMES, grpcIrisBytes, grpcLabels, listValue } from '../helpers/grpc.js';
import { restRequest } from '../helpers/iris.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { type ProduceMessage, produce } from '../helpers/kafka-produce.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueStreamTopics } from '../helpers/kafka-topics.js';
import { eventFromRecords, fakeContext, type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { loadIrisTruth } from '../helpers/models.js';
import { expectOutputsFollowInputs, header } from '../helpers/outputs.js';

const PARTITIONS = 3;
const RECORDS = 300;

interface Case {
  protocol: Protocol;
  env: Record<string, string>;
  shape: 'msk' | 'self-managed';
}

const CASES: Case[] = [
  {
    protocol: 'v2',
    shape: 'msk',
    env: { TRANSPORT: 'grpc', MODEL_ENDPOINT: 'grpc://127.0.0.1:8081', MODEL_NAME: 'iris', PROTOCOL: 'v2' },
  },
  {
    protocol: 'seldon',
    shape: 'self-managed',
    env: {
      TRANSPORT: 'grpc',
      MODEL_ENDPOINT: 'grpc://127.0.0.1:5000',
      PROTOCOL: 'seldon',
      SELDON_API: 'microservice',
    },
  },
  {
    protocol: 'tensorflow',
    shape: 'msk',
    env: {
      TRANSPORT: 'grpc',
      MODEL_ENDPOINT: 'grpc://127.0.0.1:8500',
      MODEL_NAME: 'iris',
      PROTOCOL: 'tensorflow',
    },
  },
];

const topics = (name: string) => uniqueStreamTopics(`grpc-${name}`);

const handlers: LoadedHandler[] = [];

afterAll(async () => {
  await Promise.all(handlers.map((h) => h.shutdown()));
  await closeKafkaHelpers();
});

const startHandler = async (env: Record<string, string>, t: ReturnType<typeof topics>) => {
  const loaded = await loadHandler({
    ...env,
    KAFKA_INPUT_TOPIC: t.input,
    KAFKA_OUTPUT_TOPIC: t.output,
    KAFKA_ERROR_TOPIC: t.errors,
  });
  handlers.push(loaded);
  return loaded;
};

describe.each(CASES)('gRPC $protocol end to end ($shape event)', ({ protocol, env, shape }) => {
  it(`turns ${RECORDS} protobuf records over ${PARTITIONS} partitions into ${RECORDS} protobuf answers, in order, equal to the model's own`, async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = topics(protocol);
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    const { request, response } = GRPC_NAMES[protocol];
    const sent = Array.from({ length: RECORDS }, (_, i) => ({
      key: `key-${i}`,
      value: grpcIrisBytes(protocol, [truth.rows[i % truth.rows.length]!]),
      headers: { 'proto-name': request, trace: `trace-${i}` },
      partition: i % PARTITIONS,
    }));
    await produce(t.input, sent);
    const input = await readToEnd(t.input);
    const loaded = await startHandler(env, t);

    // Act
    const result = await loaded.handler(eventFromRecords(input, shape), fakeContext());

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const outputs = await readToEnd(t.output, { expected: RECORDS, timeoutMs: 60_000 });
    expect(outputs).toHaveLength(RECORDS);
    expect(await readToEnd(t.errors)).toHaveLength(0);
    for (const { out, source } of expectOutputsFollowInputs(outputs, input, ['trace'])) {
      expect(header(out, 'proto-name')).toBe(response);
      expect(header(out, 'content-type')).toBe('application/x-protobuf');
      const i = Number(source.key!.toString().slice('key-'.length));
      expect(grpcLabels(protocol, out.value!)).toEqual([truth.labels[i % truth.rows.length]]);
    }
    expect(new Set(outputs.map((r) => r.key?.toString()))).toEqual(new Set(sent.map((s) => s.key)));
  });
});

interface BadRecord {
  readonly value: Buffer;
  readonly protoName?: string;
  readonly kind: string;
  /** The start of the reason in the error record's header. */
  readonly reason: string;
  /** The gRPC status the model answered, when it was asked. */
  readonly status?: string;
}

/** Records no protocol can take over gRPC, plus each protocol's own shapes and model refusals. */
const badRecords = (protocol: Protocol): BadRecord[] => {
  const { request } = GRPC_NAMES[protocol];
  const good = grpcIrisBytes(protocol, [[5.1, 3.5, 1.4, 0.2]]);
  const other = protocol === 'v2' ? 'tensorflow' : 'v2';
  const json = Buffer.from(JSON.stringify(restRequest(protocol, [5.1, 3.5, 1.4, 0.2])));
  const common: BadRecord[] = [
    { value: good, kind: 'unknown-proto-name', reason: "gRPC record has no 'proto-name' header" },
    {
      value: good,
      protoName: `${request}V2`,
      kind: 'unknown-proto-name',
      // The header's value is the record's: the reason gives its length, never the value.
      reason: `'proto-name' (a string of ${request.length + 2} chars) is not accepted by PROTOCOL ${protocol}; accepted: ${request}`,
    },
    {
      value: grpcIrisBytes(other, [[5.1, 3.5, 1.4, 0.2]]),
      protoName: GRPC_NAMES[other].request,
      kind: 'unknown-proto-name',
      reason: `'proto-name' (a string of ${GRPC_NAMES[other].request.length} chars) is not accepted`,
    },
    {
      value: Buffer.from('ffffffffffffffffffff01', 'hex'),
      protoName: request,
      kind: 'decode',
      reason: `value does not decode as ${request}`,
    },
    // A REST deployment's record sent to a gRPC one: with or without the header, it is refused.
    { value: json, protoName: request, kind: 'decode', reason: `value does not decode as ${request}` },
    { value: json, kind: 'unknown-proto-name', reason: "gRPC record has no 'proto-name' header" },
  ];
  switch (protocol) {
    case 'v2':
      return [
        ...common,
        {
          value: encodeMessage(request, {
            model_name: 'iris',
            inputs: [
              { name: 'predict', datatype: 'FP64', shape: [1, 4], contents: { fp64_contents: [1, 2, 3] } },
            ],
          }),
          protoName: request,
          kind: 'shape',
          reason: 'inputs[0].contents.fp64_contents has 3 values for shape [1,4]',
        },
        {
          value: grpcIrisBytes('v2', [[5.1, 3.5, 1.4, 0.2]], 'other'),
          protoName: request,
          kind: 'shape',
          reason: "model_name (a string of 5 chars) is not MODEL_NAME 'iris'",
        },
        // Well-formed, but the model takes 4 features: scikit-learn raises inside MLServer, which
        // answers INTERNAL every time while it answers the other records: the record is at fault.
        {
          value: encodeMessage(request, {
            model_name: 'iris',
            inputs: [
              { name: 'predict', datatype: 'FP64', shape: [1, 3], contents: { fp64_contents: [1, 2, 3] } },
            ],
          }),
          protoName: request,
          kind: 'model-error',
          reason: 'model answered gRPC INTERNAL (13)',
          status: '13',
        },
      ];
    case 'seldon':
      return [
        ...common,
        {
          value: encodeMessage(request, { meta: { puid: 'p-1' } }),
          protoName: request,
          kind: 'shape',
          reason: 'a SeldonMessage must hold one of data',
        },
        // Well-formed, but the model takes 4 features: the microservice answers UNKNOWN (the model raised).
        {
          value: encodeMessage(request, { data: { ndarray: listValue([[1, 2, 3]]) } }),
          protoName: request,
          kind: 'model-rejected',
          reason: 'model answered gRPC UNKNOWN (2)',
          status: '2',
        },
      ];
    case 'tensorflow':
      return [
        ...common,
        {
          value: encodeMessage(request, {
            model_spec: { name: 'iris' },
            inputs: {
              inputs: {
                dtype: 'DT_FLOAT',
                tensor_shape: { dim: [{ size: 1 }, { size: 4 }] },
                double_val: [1, 2, 3, 4],
              },
            },
          }),
          protoName: request,
          kind: 'shape',
          reason: "inputs['inputs'] holds double_val but its dtype is DT_FLOAT",
        },
        // Well-formed, but the model takes 4 features: the server answers INVALID_ARGUMENT.
        {
          value: encodeMessage(request, {
            model_spec: { name: 'iris' },
            inputs: {
              inputs: {
                dtype: 'DT_DOUBLE',
                tensor_shape: { dim: [{ size: 1 }, { size: 3 }] },
                double_val: [1, 2, 3],
              },
            },
          }),
          protoName: request,
          kind: 'model-rejected',
          reason: 'model answered gRPC INVALID_ARGUMENT (3)',
          status: '3',
        },
      ];
  }
};

describe.each(CASES)('a gRPC $protocol batch mixing good and bad records', ({ protocol, env }) => {
  it('publishes every good record and dead-letters every bad one with its reason: in = out + errors', async () => {
    // Prepare
    const truth = loadIrisTruth();
    const t = topics(`${protocol}-mixed`);
    await createTopics([t.input, t.output, t.errors], PARTITIONS);
    const bad = badRecords(protocol);
    const every = bad.length + 2;
    const { request, response } = GRPC_NAMES[protocol];
    const messages: ProduceMessage[] = Array.from({ length: 4 * every }, (_, i) => {
      const b = bad[i % every];
      const headers: Record<string, string> = { trace: `trace-${i}` };
      if (b === undefined) headers['proto-name'] = request;
      else if (b.protoName !== undefined) headers['proto-name'] = b.protoName;
      return {
        key: `key-${i}`,
        value: b?.value ?? grpcIrisBytes(protocol, [truth.rows[i % truth.rows.length]!]),
        headers,
        partition: i % PARTITIONS,
      };
    });
    await produce(t.input, messages);
    const input = await readToEnd(t.input);
    const loaded = await startHandler(env, t);

    // Act
    const result = await loaded.handler(eventFromRecords(input, 'msk'), fakeContext());

    // Assess
    expect(result).toEqual({ batchItemFailures: [] });
    const badCount = messages.filter((_, i) => bad[i % every] !== undefined).length;
    const outputs = await readToEnd(t.output, { expected: messages.length - badCount });
    const errors = await readToEnd(t.errors, { expected: badCount });
    expect(outputs.length + errors.length).toBe(input.length);
    expect(errors).toHaveLength(badCount);
    for (const e of errors) {
      const i = Number(e.key!.toString().slice('key-'.length));
      const expected = bad[i % every]!;
      const reason = header(e, 'msk-inference-error');
      expect(header(e, 'msk-inference-error-kind'), `record ${i}: ${reason}`).toBe(expected.kind);
      expect(reason?.startsWith(expected.reason), `record ${i}: ${reason}`).toBe(true);
      expect(e.value?.equals(expected.value)).toBe(true);
      expect(header(e, 'trace')).toBe(`trace-${i}`);
      expect(header(e, 'proto-name')).toBe(expected.protoName);
      expect(header(e, 'msk-inference-status')).toBe(expected.status);
    }
    for (const out of outputs) {
      const i = Number(out.key!.toString().slice('key-'.length));
      expect(header(out, 'proto-name')).toBe(response);
      expect(grpcLabels(protocol, out.value!)).toEqual([truth.labels[i % truth.rows.length]]);
    }
  });
});
