import { OWN_HEADER_PREFIX } from '../contract.js';
import type { RecordHeader } from '../inbound/event.js';

/** A header value as kafkajs takes it; a repeated name holds its values in order. */
export type HeaderValue = Buffer | string;

/**
 * Record headers by name, in an object without a prototype: a header named `constructor`,
 * `toString` or `__proto__` is an ordinary name here, never Object.prototype's member (in a plain
 * object, `constructor` reads back as the function `Object`, and assigning `__proto__` replaces the
 * prototype instead of adding a header). kafkajs reads the headers it produces with `Object.keys`,
 * which such an object serves as is.
 */
export type HeaderMap = Readonly<Record<string, HeaderValue | HeaderValue[]>>;

/** True for a name in the function's own namespace, whatever its case. */
export const isOwnHeader = (name: string): boolean => name.toLowerCase().startsWith(OWN_HEADER_PREFIX);

/**
 * A new header map, from entries applied in order (a later entry replaces an earlier one's name).
 *
 * @example
 * const headers = headerMap([['content-type', 'application/json']]);
 */
export const headerMap = (
  entries: Iterable<readonly [string, HeaderValue | readonly HeaderValue[]]> = [],
): Record<string, HeaderValue | HeaderValue[]> => {
  const map = Object.create(null) as Record<string, HeaderValue | HeaderValue[]>;
  for (const [name, value] of entries) map[name] = Array.isArray(value) ? [...value] : (value as HeaderValue);
  return map;
};

/**
 * The input's headers as a header map (a repeated name as an array, in order), without those
 * `drop` names and without any in the function's own namespace (an input must not be able to
 * forge `msk-inference-source` or `msk-inference-error`).
 *
 * @example
 * const kept = inputHeaderMap(record.headers, new Set(['content-type']));
 */
export const inputHeaderMap = (
  headers: readonly RecordHeader[],
  drop: ReadonlySet<string>,
): Record<string, HeaderValue | HeaderValue[]> => {
  const map = headerMap();
  for (const { name, value } of headers) {
    if (drop.has(name) || isOwnHeader(name)) continue;
    const seen = map[name];
    if (seen === undefined) map[name] = value;
    else if (Array.isArray(seen)) seen.push(value);
    else map[name] = [seen, value];
  }
  return map;
};

/** Each (name, value) pair of a header map, repeated names once per value. */
export function* headerEntries(headers: HeaderMap): Generator<readonly [string, HeaderValue]> {
  for (const name of Object.keys(headers)) {
    const v = headers[name]!;
    for (const x of Array.isArray(v) ? v : [v]) yield [name, x];
  }
}
