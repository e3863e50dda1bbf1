import { FailureKind, RecordFailure } from '../../failures.js';
import { described, parseJson } from '../../reason.js';

/** Parses a record value as JSON; anything that is not a JSON object is a bad record. */
export const parseJsonObject = (value: Buffer): Record<string, unknown> => {
  const parsed = parseJson(value.toString('utf8'));
  if (!parsed.ok) {
    throw new RecordFailure(`value is not JSON: ${parsed.reason}`, {
      kind: FailureKind.decode,
      detail: parsed.detail,
    });
  }
  if (!isObject(parsed.value)) {
    throw shapeError(`the request must be a JSON object, not ${described(parsed.value)}`);
  }
  return parsed.value;
};

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A request of the wrong shape; `detail` is the offending content, for LOG_PAYLOADS=true only. */
export const shapeError = (message: string, detail?: string): RecordFailure =>
  new RecordFailure(message, { kind: FailureKind.shape, detail });

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
