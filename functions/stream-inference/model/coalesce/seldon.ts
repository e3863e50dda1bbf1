import { type BatchCodec, cut, otherFields, SplitError, shapeOf } from './types.js';

type Data = { names?: string[]; ndarray?: unknown[]; tensor?: { shape: number[]; values: unknown[] } };

const ndarrayOf = (request: Record<string, unknown>) => (request['data'] as Data).ndarray!;

/** Seldon `data.ndarray` rows concatenate; the answer's `ndarray` (or `tensor`) is cut back per request. */
export const seldonBatch: BatchCodec = {
  signature(request) {
    const data = request['data'] as Data | undefined;
    if (data?.ndarray === undefined) return undefined;
    return JSON.stringify([
      otherFields(data as Record<string, unknown>, ['ndarray']),
      shapeOf(data.ndarray).slice(1),
      otherFields(request, ['data']),
    ]);
  },
  rows: (request) => ndarrayOf(request).length,
  merge(requests) {
    const first = requests[0]!;
    return { ...first, data: { ...(first['data'] as Data), ndarray: requests.flatMap(ndarrayOf) } };
  },
  split(answer, requests) {
    const data = answer['data'] as Data | undefined;
    const rows = requests.map(this.rows);
    if (Array.isArray(data?.ndarray)) {
      return cut(data.ndarray, rows, 'data.ndarray').map((ndarray) => ({
        ...answer,
        data: { ...data, ndarray },
      }));
    }
    const tensor = data?.tensor;
    if (tensor !== undefined && Array.isArray(tensor.values) && Array.isArray(tensor.shape)) {
      const rowSize = tensor.shape.slice(1).reduce((a, b) => a * b, 1);
      return cut(
        tensor.values,
        rows.map((n) => n * rowSize),
        'data.tensor',
      ).map((values, k) => ({
        ...answer,
        data: { ...data, tensor: { shape: [rows[k]!, ...tensor.shape.slice(1)], values } },
      }));
    }
    throw new SplitError('the answer has neither data.ndarray nor data.tensor');
  },
};
