import { type BatchCodec, cut, flatten, otherFields, SplitError } from './types.js';

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
  parameters?: unknown;
}

const inputsOf = (request: Record<string, unknown>) => request['inputs'] as Tensor[];

/** Open Inference Protocol: inputs concatenate along dimension 0; outputs are cut back the same way. */
export const v2Batch: BatchCodec = {
  signature(request) {
    const inputs = inputsOf(request);
    const rows = inputs[0]!.shape[0];
    if (rows === undefined || inputs.some((t) => t.shape[0] !== rows)) return undefined;
    return JSON.stringify([
      inputs.map((t) => [
        otherFields(t as unknown as Record<string, unknown>, ['shape', 'data']),
        t.shape.slice(1),
      ]),
      // `id` names one request: the packed call leaves it out.
      otherFields(request, ['inputs', 'id']),
    ]);
  },
  rows: (request) => inputsOf(request)[0]!.shape[0]!,
  merge(requests) {
    const first = inputsOf(requests[0]!);
    const total = requests.reduce((n, r) => n + this.rows(r), 0);
    const { id: _, inputs: __, ...rest } = requests[0]!;
    return {
      ...rest,
      inputs: first.map((t, i) => ({
        ...t,
        shape: [total, ...t.shape.slice(1)],
        data: requests.flatMap((r) => flatten(inputsOf(r)[i]!.data)),
      })),
    };
  },
  split(answer, requests) {
    const outputs = answer['outputs'];
    if (!Array.isArray(outputs)) throw new SplitError('the answer has no outputs');
    const rows = requests.map((r) => this.rows(r));
    const total = rows.reduce((a, b) => a + b, 0);
    const perOutput = (outputs as Tensor[]).map((o) => {
      if (o.shape[0] !== total)
        throw new SplitError(`output ${o.name} has ${o.shape[0]} rows, expected ${total}`);
      const rowSize = o.shape.slice(1).reduce((a, b) => a * b, 1);
      const values = flatten(o.data);
      return cut(
        values,
        rows.map((n) => n * rowSize),
        `output ${o.name}`,
      ).map((data, k) => ({
        ...o,
        shape: [rows[k]!, ...o.shape.slice(1)],
        data,
      }));
    });
    const { id, outputs: _, ...rest } = answer;
    return requests.map((request, k) => {
      const ownId = request['id'] ?? id;
      return {
        ...rest,
        ...(ownId === undefined ? {} : { id: ownId }),
        outputs: perOutput.map((parts) => parts[k]),
      };
    });
  },
};
