/**
 * How one protocol packs several requests into one along the batch dimension and splits the
 * answer back. A request that cannot be packed (e.g. TensorFlow's columnar `inputs` form) has no
 * signature and is sent alone.
 */
export interface BatchCodec {
  /** Equal for requests that may share one model call; `undefined` when this one may not. */
  signature(request: Record<string, unknown>): string | undefined;
  /** Rows this request holds along the batch dimension. */
  rows(request: Record<string, unknown>): number;
  merge(requests: readonly Record<string, unknown>[]): Record<string, unknown>;
  /**
   * One answer per request, in order, each shaped as the model would have answered that request
   * alone. Throws when the answer does not have the rows asked for.
   */
  split(
    answer: Record<string, unknown>,
    requests: readonly Record<string, unknown>[],
  ): Record<string, unknown>[];
}

export class SplitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SplitError';
  }
}

/**
 * Every field of a request but the batched ones, keys sorted: part of a pack's signature, because a
 * packed request keeps one copy of them (the first member's), so only records that agree on all of
 * them may share a call without changing an answer.
 *
 * @example
 * otherFields({ instances: [[1]], signature_name: 's' }, ['instances']); // { signature_name: 's' }
 */
export const otherFields = (
  request: Readonly<Record<string, unknown>>,
  batched: readonly string[],
): Record<string, unknown> =>
  Object.fromEntries(
    Object.entries(request)
      .filter(([k]) => !batched.includes(k))
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );

export const flatten = (v: unknown): unknown[] => (Array.isArray(v) ? v.flatMap(flatten) : [v]);

/** The shape of a regular nested array (its first element's shape at each depth). */
export const shapeOf = (v: unknown): number[] => {
  const shape: number[] = [];
  let cur = v;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0];
  }
  return shape;
};

/** Cuts `items` into consecutive runs of the given lengths. */
export const cut = <T>(items: readonly T[], lengths: readonly number[], what: string): T[][] => {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (items.length !== total) throw new SplitError(`${what} has ${items.length} rows, expected ${total}`);
  let at = 0;
  return lengths.map((n) => {
    const part = items.slice(at, at + n);
    at += n;
    return part;
  });
};
