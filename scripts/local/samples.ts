/**
 * Sample iris requests in every protocol and transport (the records `npm start` sends and the
 * sample events carry), and the predicted class read back from each protocol's answer.
 */
import type { Protocol, Transport } from '../../functions/stream-inference/config.js';
import { decodeMessage, encodeMessage, GRPC_MESSAGES } from './protos.js';

/** Class names of scikit-learn's iris data set, by label. */
export const SPECIES = ['setosa', 'versicolor', 'virginica'] as const;

export interface IrisSample {
  readonly key: string;
  /** sepal length, sepal width, petal length, petal width (cm) */
  readonly row: readonly [number, number, number, number];
  /** The species the data set gives for this row. */
  readonly species: (typeof SPECIES)[number];
}

/** Two rows of each species from the iris data set. */
export const IRIS_SAMPLES: readonly IrisSample[] = [
  { key: 'iris-1', row: [5.1, 3.5, 1.4, 0.2], species: 'setosa' },
  { key: 'iris-2', row: [4.9, 3.0, 1.4, 0.2], species: 'setosa' },
  { key: 'iris-3', row: [7.0, 3.2, 4.7, 1.4], species: 'versicolor' },
  { key: 'iris-4', row: [6.4, 3.2, 4.5, 1.5], species: 'versicolor' },
  { key: 'iris-5', row: [6.3, 3.3, 6.0, 2.5], species: 'virginica' },
  { key: 'iris-6', row: [5.8, 2.7, 5.1, 1.9], species: 'virginica' },
];

/** One row as each server's REST request. */
export const restRequest = (protocol: Protocol, row: readonly number[]): Record<string, unknown> => {
  switch (protocol) {
    case 'v2':
      return { inputs: [{ name: 'predict', shape: [1, 4], datatype: 'FP64', data: [[...row]] }] };
    case 'seldon':
      return { data: { ndarray: [[...row]] } };
    case 'tensorflow':
      return { instances: [[...row]] };
  }
};

/** One row as each server's gRPC request message (.proto field names). */
export const grpcRequest = (protocol: Protocol, row: readonly number[]): Record<string, unknown> => {
  switch (protocol) {
    case 'v2':
      return {
        model_name: 'iris',
        inputs: [{ name: 'predict', datatype: 'FP64', shape: [1, 4], contents: { fp64_contents: [...row] } }],
      };
    case 'seldon':
      return { data: { tensor: { shape: [1, 4], values: [...row] } } };
    case 'tensorflow':
      return {
        model_spec: { name: 'iris', signature_name: 'serving_default' },
        inputs: {
          instances: {
            dtype: 'DT_DOUBLE',
            tensor_shape: { dim: [{ size: 1 }, { size: 4 }] },
            double_val: [...row],
          },
        },
      };
  }
};

/** A Kafka record value with the headers it needs. */
export interface SampleRecord {
  readonly key: string;
  readonly value: Buffer;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A record holding the row's request for the protocol and transport; gRPC records carry the
 * `proto-name` header naming the request message.
 *
 * @example
 * const { key, value, headers } = sampleRecord('v2', 'rest', IRIS_SAMPLES[0]);
 */
export const sampleRecord = (protocol: Protocol, transport: Transport, sample: IrisSample): SampleRecord =>
  transport === 'rest'
    ? {
        key: sample.key,
        value: Buffer.from(JSON.stringify(restRequest(protocol, sample.row))),
        headers: {},
      }
    : {
        key: sample.key,
        value: encodeMessage(GRPC_MESSAGES[protocol].request, grpcRequest(protocol, sample.row)),
        headers: { 'proto-name': GRPC_MESSAGES[protocol].request },
      };

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

type Json = Record<string, unknown>;
const at = (v: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((o, k) => (typeof o === 'object' && o !== null ? (o as Json)[k] : undefined), v);

/** Little-endian INT64 values of a V2 raw output. */
const rawInt64 = (base64: string): number[] => {
  const bytes = Buffer.from(base64, 'base64');
  return Array.from({ length: bytes.length / 8 }, (_, i) => Number(bytes.readBigInt64LE(i * 8)));
};

/**
 * The predicted labels in a model's answer (an output record's value), for every protocol and
 * transport. Throws when the answer holds none.
 */
export const labelsOf = (protocol: Protocol, transport: Transport, answer: Buffer): number[] => {
  let found: unknown;
  if (transport === 'rest') {
    const json = JSON.parse(answer.toString('utf8')) as Json;
    found = {
      v2: () => at(json, 'outputs', '0', 'data'),
      seldon: () => at(json, 'data', 'ndarray') ?? at(json, 'data', 'tensor', 'values'),
      tensorflow: () => json['predictions'] ?? json['outputs'],
    }[protocol]();
  } else {
    const message = decodeMessage(GRPC_MESSAGES[protocol].response, answer);
    found = {
      v2: () => {
        const raw = at(message, 'raw_output_contents', '0');
        if (typeof raw === 'string') return rawInt64(raw);
        const contents = at(message, 'outputs', '0', 'contents') as Json | undefined;
        return Object.values(contents ?? {})[0];
      },
      seldon: () =>
        at(message, 'data', 'tensor', 'values') ??
        flat(at(message, 'data', 'ndarray', 'values')).map((v) => at(v, 'number_value')),
      tensorflow: () => {
        const tensor = at(message, 'outputs', 'predictions') as Json | undefined;
        return (
          tensor?.['int64_val'] ?? tensor?.['int_val'] ?? tensor?.['double_val'] ?? tensor?.['float_val']
        );
      },
    }[protocol]();
  }
  const labels = flat(found).map(Number);
  if (labels.length === 0 || labels.some((n) => !Number.isFinite(n))) {
    throw new Error(`no prediction found in the ${protocol} ${transport} answer`);
  }
  return labels;
};
