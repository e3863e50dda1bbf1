/** How the poller reads a partial batch response: what to commit and where to redeliver from. */
import { describe, expect, it } from 'vitest';
import type { SourceRecord } from '../../../scripts/local/event.js';
import { redeliverAll, settle, spansOf } from '../../../scripts/local/settle.js';

const rec = (topic: string, partition: number, offset: number): SourceRecord => ({
  topic,
  partition,
  offset,
  timestamp: 0,
  key: null,
  value: Buffer.from('{}'),
  headers: [],
});

/** t-0 offsets 10..14, t-1 offsets 3..5, my-topic-0 offset 7 */
const batch = [
  ...[10, 11, 12, 13, 14].map((o) => rec('t', 0, o)),
  ...[3, 4, 5].map((o) => rec('t', 1, o)),
  rec('my-topic', 0, 7),
];
const failure = (tp: string, offset: number | string) => ({
  itemIdentifier: { partition: tp, offset },
});

describe('settle', () => {
  it.each([
    ['no response', undefined],
    ['null', null],
    ['an empty list', { batchItemFailures: [] }],
    ['a null list', { batchItemFailures: null }],
    ['no list', {}],
  ])('treats %s as a complete success: commits past each partition', (_, response) => {
    const result = settle(spansOf(batch), response);

    expect(result).toEqual({
      ok: true,
      settlements: [
        { topic: 't', partition: 0, commit: 15, done: 5 },
        { topic: 't', partition: 1, commit: 6, done: 3 },
        { topic: 'my-topic', partition: 0, commit: 8, done: 1 },
      ],
    });
  });

  it('commits up to (excluding) the first failure of a partition and redelivers from it', () => {
    const response = {
      batchItemFailures: [failure('t-0', 13), failure('t-0', 12), failure('my-topic-0', 7)],
    };

    const result = settle(spansOf(batch), response);

    expect(result).toEqual({
      ok: true,
      settlements: [
        { topic: 't', partition: 0, commit: 12, done: 2, redeliverFrom: 12 },
        { topic: 't', partition: 1, commit: 6, done: 3 },
        { topic: 'my-topic', partition: 0, commit: 7, done: 0, redeliverFrom: 7 },
      ],
    });
  });

  it.each([
    ['a string', 'ok', /string/],
    ['a non-list', { batchItemFailures: {} }, /not an array/],
    ['an item without itemIdentifier', { batchItemFailures: [{}] }, /no itemIdentifier/],
    ['a partition not in the batch', { batchItemFailures: [failure('t-9', 1)] }, /t-9/],
    ['an offset not in the batch', { batchItemFailures: [failure('t-1', 99)] }, /99/],
    ['an offset given as a string', { batchItemFailures: [failure('t-1', '4')] }, /not an integer/],
    ['a null itemIdentifier', { batchItemFailures: [{ itemIdentifier: null }] }, /no itemIdentifier/],
    ['an empty itemIdentifier', { batchItemFailures: [{ itemIdentifier: '' }] }, /no itemIdentifier/],
    [
      'the old "topic-partition" key',
      { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 't-1', offset: 4 } }] },
      /no string "partition"/,
    ],
  ])('fails the whole batch on %s', (_, response, reason) => {
    const result = settle(spansOf(batch), response);

    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(reason);
  });

  it('sends every partition back to its first record after a failed invocation', () => {
    expect(redeliverAll(spansOf(batch))).toEqual([
      { topic: 't', partition: 0, commit: 10, done: 0, redeliverFrom: 10 },
      { topic: 't', partition: 1, commit: 3, done: 0, redeliverFrom: 3 },
      { topic: 'my-topic', partition: 0, commit: 7, done: 0, redeliverFrom: 7 },
    ]);
  });
});
