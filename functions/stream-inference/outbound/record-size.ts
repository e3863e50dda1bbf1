import { type HeaderMap, headerEntries } from './headers.js';

/** What a record's size is counted from. */
export interface SizedRecord {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: HeaderMap;
}

/** Framing the broker counts per record (lengths, attributes, deltas) and per header, rounded up. */
const RECORD_FRAMING_BYTES = 64;
const HEADER_FRAMING_BYTES = 10;

/**
 * Key, value and header bytes of a record (a repeated header name counted once per value): what
 * MAX_RECORD_BYTES bounds on the way out. The broker counts a little more (see {@link framedBytes}),
 * which the default limit (1,000,000) leaves room for under Kafka's default `message.max.bytes`
 * (1,048,588).
 *
 * @example
 * recordBytes({ key: null, value: Buffer.from('{}'), headers: headerMap([['a', 'b']]) }); // 4
 */
export const recordBytes = (r: SizedRecord): number => {
  let n = (r.key?.length ?? 0) + (r.value?.length ?? 0);
  for (const [name, value] of headerEntries(r.headers))
    n += Buffer.byteLength(name) + Buffer.byteLength(value);
  return n;
};

/**
 * {@link recordBytes} plus the broker's framing: what a record adds to a produce request.
 *
 * @example
 * const requestBytes = records.reduce((sum, r) => sum + framedBytes(r), 0);
 */
export const framedBytes = (r: SizedRecord): number => {
  let headers = 0;
  for (const _ of headerEntries(r.headers)) headers++;
  return recordBytes(r) + RECORD_FRAMING_BYTES + HEADER_FRAMING_BYTES * headers;
};
