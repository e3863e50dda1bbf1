/**
 * Lambda Kafka events of a given size: `count` V2 REST records whose requests are padded (a longer
 * row of numbers) so that the event's JSON comes as close as it can to a byte budget, such as
 * Lambda's 6 MB invocation payload limit.
 */
import type { LambdaKafkaEvent } from '../../functions/stream-inference/inbound/event.js';
import { buildEvent, type SourceRecord } from '../local/event.js';

/**
 * A V2 request of one row of `values` numbers: valid for the handler's shape check, and answered by
 * the instant model like any other.
 */
const paddedRequest = (values: number): Buffer =>
  Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'predict',
          shape: [1, values],
          datatype: 'FP64',
          data: [Array.from({ length: values }, (_, i) => (i % 90) / 10 + 1)],
        },
      ],
    }),
  );

export interface SizedEventOptions {
  readonly topic: string;
  readonly partitions: number;
  readonly count: number;
  /** The most bytes of JSON the event may take. */
  readonly maxBytes: number;
  readonly bootstrapServers: string;
}

const eventOf = (options: SizedEventOptions, values: number): LambdaKafkaEvent => {
  const value = paddedRequest(values);
  const records: SourceRecord[] = Array.from({ length: options.count }, (_, i) => ({
    topic: options.topic,
    partition: i % options.partitions,
    offset: Math.floor(i / options.partitions),
    timestamp: 1_700_000_000_000,
    key: Buffer.from(`mem-${i}`),
    value,
    headers: [['content-type', Buffer.from('application/json')]],
  }));
  records.sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  return buildEvent(records, { shape: 'msk', bootstrapServers: options.bootstrapServers });
};

/**
 * The event and its size: the largest padding that keeps the JSON within `maxBytes` (found by
 * bisection over the row length; the size grows with it).
 *
 * @example
 * const { event, bytes } = sizedEvent({ topic: 'in', partitions: 4, count: 10_000, maxBytes: 6_291_456, bootstrapServers: 'b:9092' });
 */
export const sizedEvent = (
  options: SizedEventOptions,
): { readonly event: LambdaKafkaEvent; readonly bytes: number; readonly valueBytes: number } => {
  const size = (values: number): number => Buffer.byteLength(JSON.stringify(eventOf(options, values)));
  if (size(1) > options.maxBytes) {
    throw new Error(`${options.count} records do not fit in ${options.maxBytes} bytes even unpadded`);
  }
  let low = 1;
  let high = 2;
  while (size(high) <= options.maxBytes) high *= 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (size(mid) <= options.maxBytes) low = mid;
    else high = mid;
  }
  const event = eventOf(options, low);
  return { event, bytes: size(low), valueBytes: paddedRequest(low).length };
};
