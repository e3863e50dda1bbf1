import type { Protocol } from '../../functions/stream-inference/config.js';

/** One request per protocol for an iris row (4 floats), in the REST JSON form each server takes. */
export const restRequest = (protocol: Protocol, row: readonly number[]): Record<string, unknown> => {
  switch (protocol) {
    case 'seldon':
      return { data: { ndarray: [row] } };
    case 'tensorflow':
      return { instances: [row] };
    case 'v2':
      return { inputs: [{ name: 'predict', shape: [1, 4], datatype: 'FP64', data: [...row] }] };
  }
};

const flat = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);

/** The predicted labels in a REST answer of each protocol. */
export const labelsOf = (protocol: Protocol, answer: Record<string, unknown>): number[] => {
  const pick = (): unknown => {
    switch (protocol) {
      case 'seldon':
        return (
          (answer['data'] as { ndarray?: unknown; tensor?: { values: unknown } }).ndarray ??
          (answer['data'] as { tensor: { values: unknown } }).tensor.values
        );
      case 'tensorflow':
        return answer['predictions'];
      case 'v2':
        return (answer['outputs'] as Array<{ data: unknown }>)[0]!.data;
    }
  };
  return flat(pick()).map(Number);
};
