import { BadRecordError, FailureKind } from '../errors.js';

/** Parses a record value as JSON; anything that is not a JSON object is a bad record. */
export const parseJsonObject = (value: Buffer): Record<string, unknown> => {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (cause) {
    throw new BadRecordError(`value is not JSON: ${(cause as Error).message}`, {
      kind: FailureKind.decode,
      cause,
    });
  }
  if (!isObject(parsed)) throw shapeError('the request must be a JSON object');
  return parsed;
};

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

export const shapeError = (message: string): BadRecordError =>
  new BadRecordError(message, { kind: FailureKind.shape });

/** Shape of a nested numeric/boolean/string array, or a reason why it is ragged or empty. */
export const arrayShape = (v: unknown[], what: string): number[] => {
  if (v.length === 0) throw shapeError(`${what} is empty`);
  const first = v[0];
  if (!Array.isArray(first)) {
    for (const x of v) {
      if (Array.isArray(x) || (isObject(x) && !isB64(x)))
        throw shapeError(`${what} mixes arrays and scalars`);
    }
    return [v.length];
  }
  const inner = arrayShape(first, what);
  // From the second row: walking the first row again at every depth doubles the work per level,
  // and a 40-level request would never finish (the invocation would time out, on every redelivery).
  for (let i = 1; i < v.length; i++) {
    const row = v[i];
    if (!Array.isArray(row)) throw shapeError(`${what} mixes arrays and scalars`);
    const shape = arrayShape(row, what);
    if (shape.length !== inner.length || shape.some((d, i) => d !== inner[i])) {
      throw shapeError(`${what} is ragged: rows of different shapes`);
    }
  }
  return [v.length, ...inner];
};

/** TensorFlow's JSON form of binary values: `{"b64": "..."}`. */
const isB64 = (v: Record<string, unknown>): boolean => typeof v['b64'] === 'string';

/** Joins a base URL path (which may carry a prefix, e.g. an ingress path) with a protocol path. */
export const joinPath = (base: string, path: string): string => `${base.replace(/\/+$/, '')}${path}`;
