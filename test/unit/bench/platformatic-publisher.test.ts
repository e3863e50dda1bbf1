/** The bench variant's mapping of an outbound record to @platformatic/kafka's message (no package needed). */
import { describe, expect, it } from 'vitest';
import { headerMap } from '../../../functions/stream-inference/outbound/headers.js';
import { toPlatformaticMessage } from '../../../scripts/bench/platformatic-publisher.js';

const entries = (headers: Map<Buffer, Buffer>): [string, string][] =>
  [...headers].map(([name, value]) => [name.toString('utf8'), value.toString('utf8')]);

describe('toPlatformaticMessage', () => {
  it('keeps every value of a repeated header name, in order, as bytes', () => {
    const record = {
      topic: 'out',
      key: Buffer.from('k'),
      value: Buffer.from('{}'),
      headers: headerMap([
        ['trace', [Buffer.from('a'), 'b']],
        ['content-type', 'application/json'],
      ]),
    };

    const message = toPlatformaticMessage(record);

    expect(entries(message.headers)).toEqual([
      ['trace', 'a'],
      ['trace', 'b'],
      ['content-type', 'application/json'],
    ]);
    expect(message.key?.toString()).toBe('k');
    expect(message.value?.toString()).toBe('{}');
  });

  it('leaves a null key or value out rather than sending an empty one', () => {
    const message = toPlatformaticMessage({ topic: 'out', key: null, value: null, headers: headerMap() });

    expect(message).toEqual({ topic: 'out', headers: new Map() });
    expect('key' in message).toBe(false);
    expect('value' in message).toBe(false);
  });
});
