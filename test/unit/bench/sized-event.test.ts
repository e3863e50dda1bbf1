/** Events padded up to a byte budget, for the memory scenario. */
import { describe, expect, it } from 'vitest';
import { decodeEvent } from '../../../functions/stream-inference/inbound/event.js';
import { sizedEvent } from '../../../scripts/bench/sized-event.js';

describe('sizedEvent', () => {
  const options = { topic: 'in', partitions: 3, count: 20, maxBytes: 40_000, bootstrapServers: 'b:9092' };

  it('comes as close to the budget as a longer row allows, never over it', () => {
    const { event, bytes } = sizedEvent(options);

    expect(bytes).toBe(Buffer.byteLength(JSON.stringify(event)));
    expect(bytes).toBeLessThanOrEqual(40_000);
    // One more number per row adds a few bytes to each of the 20 records.
    expect(bytes).toBeGreaterThan(40_000 - 20 * 20);
  });

  it('holds the records asked for, spread over the partitions, each a V2 request of one row', () => {
    const { event } = sizedEvent(options);

    const decoded = decodeEvent(event);
    expect(decoded.partitions.map((p) => p.records.length)).toEqual([7, 7, 6]);
    const request = JSON.parse(decoded.partitions[0]!.records[0]!.value!.toString('utf8'));
    const [input] = request.inputs;
    expect(input.shape).toEqual([1, input.data[0].length]);
  });

  it('refuses a budget the records do not fit even unpadded', () => {
    expect(() => sizedEvent({ ...options, maxBytes: 1_000 })).toThrow(/do not fit/);
  });
});
