/**
 * What a failure may say about a record, and where. A reason (an error's `message`: the
 * `msk-inference-error` header, the `reason` of every log line) is our own words plus bounded facts
 * that are not the record's content: lengths, types, a JSON path, an HTTP status, a gRPC code name.
 * Content (of the record, the model's reply, a library's message quoting either) is kept apart as
 * a `detail`, logged only when LOG_PAYLOADS=true. A secret is in neither.
 */

/** Longest reason, in logs and in `msk-inference-error`: a reason never makes a record too large. */
export const MAX_REASON_CHARS = 256;

/** Longest detail (record or reply content) in a log line, when LOG_PAYLOADS=true. */
export const MAX_DETAIL_CHARS = 1_024;

/**
 * `text` cut to `max` characters (the last one an ellipsis when cut).
 *
 * @example
 * capped('x'.repeat(900_000)).length; // 256
 */
export const capped = (text: string, max: number = MAX_REASON_CHARS): string =>
  text.length <= max ? text : `${text.slice(0, max - 1)}…`;

/** A name the JSON path may show: a plain identifier, short enough to be a field name, not data. */
const PLAIN_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * A name taken from a record (a map key, a tensor name) as a JSON path may show it: plain short
 * names as they are, anything else as its length.
 *
 * @example
 * `inputs.${fieldName('pixels')}`; // "inputs.pixels"
 * `inputs.${fieldName('a b c')}`; // "inputs.<name of 5 chars>"
 */
export const fieldName = (name: string): string =>
  PLAIN_NAME.test(name) ? name : `<name of ${name.length} chars>`;

/**
 * A value from a record by its type and size, never its content.
 *
 * @example
 * described('FP32 but 900 KB'); // "a string of 15 chars"
 */
export const described = (value: unknown): string => {
  if (value === null) return 'null';
  if (typeof value === 'string') return `a string of ${value.length} chars`;
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
};

export type JsonParsed =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly reason: string; readonly detail: string };

/**
 * Parses JSON without letting `JSON.parse`'s message into the reason: V8 quotes the input in it
 * (`Unexpected token 'x', "{"password":x…" is not valid JSON`). The reason keeps the size and the
 * position of the error; the message itself is the detail, for LOG_PAYLOADS=true only.
 *
 * @example
 * const parsed = parseJson(value.toString('utf8'));
 * if (!parsed.ok) throw new RecordFailure(`value is not JSON: ${parsed.reason}`, { kind: 'decode', detail: parsed.detail });
 */
export const parseJson = (text: string): JsonParsed => {
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /at position (\d+)/.exec(message)?.[1];
    const where =
      position !== undefined
        ? `a syntax error at position ${position}`
        : message.startsWith('Unexpected end')
          ? 'it ends early'
          : 'a syntax error';
    return { ok: false, reason: `${text.length} chars, ${where}`, detail: capped(message, MAX_DETAIL_CHARS) };
  }
};
