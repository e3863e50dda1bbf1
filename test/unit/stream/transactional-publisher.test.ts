import { describe, expect, it } from 'vitest';
import { HEADERS } from '../../../functions/stream-inference/contract.js';
import { FailureKind, RecordFailure } from '../../../functions/stream-inference/failures.js';
import type { InputRecord } from '../../../functions/stream-inference/inbound/event.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import { recordBuilder } from '../../../functions/stream-inference/outbound/output-records.js';
import {
  publishedGroupId,
  sharesOf,
  transactionalIdOf,
} from '../../../functions/stream-inference/outbound/transactional-publisher.js';
import { testConfig } from '../../helpers/factories.js';

const input = (topic: string, partition: number, offset: number): InputRecord => ({
  topic,
  partition,
  offset,
  timestamp: 0,
  key: null,
  value: Buffer.from('{}'),
  headers: [],
});

// The records the pipeline publishes, built by the pipeline's own builder: their source header is
// what the transactional publisher reads.
const build = recordBuilder(testConfig(), protocolSpec('seldon'));
const bad = new RecordFailure('value is not JSON', { kind: FailureKind.decode });

describe('sharesOf', () => {
  it('groups outputs and error records by the input partition they answer, in the order given', () => {
    // Prepare
    const records = [
      build.output(input('orders', 0, 41), Buffer.from('{"a":1}')),
      build.error(input('orders', 1, 7), bad),
      build.output(input('orders', 0, 42), Buffer.from('{"a":2}')),
      build.output(input('orders.v2', 0, 3), Buffer.from('{"a":3}')),
    ];

    // Act
    const shares = sharesOf(records);

    // Assess
    expect(shares.map((s) => [s.topic, s.partition, s.records.map((r) => r.offset)])).toEqual([
      ['orders', 0, [41, 42]],
      ['orders', 1, [7]],
      ['orders.v2', 0, [3]],
    ]);
    expect(shares[1]!.records[0]!.record).toBe(records[1]);
  });

  it('refuses a record without a readable source: it could not be published exactly once', () => {
    // Prepare
    const forged = { topic: 'out', key: null, value: null, headers: { [HEADERS.source]: 'orders/x/1' } };
    const none = { topic: 'out', key: null, value: null, headers: {} };

    // Act / Assess
    expect(() => sharesOf([forged])).toThrow(TypeError);
    expect(() => sharesOf([none])).toThrow(/msk-inference-source is not <topic>\/<partition>\/<offset>/);
  });
});

describe('the names exactly-once publishing uses', () => {
  it('gives each input partition one transactional id and the stream one group, under its client id', () => {
    expect(transactionalIdOf('iris-stream', { topic: 'orders', partition: 3 })).toBe('iris-stream-orders-3');
    expect(publishedGroupId('iris-stream')).toBe('iris-stream-published');
  });
});
