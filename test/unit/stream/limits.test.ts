import { describe, expect, it } from 'vitest';
import { createBatchHandler } from '../../../functions/stream-inference/batch-handler.js';
import { FailureKind, RecordFailure } from '../../../functions/stream-inference/failures.js';
import type { InputRecord } from '../../../functions/stream-inference/inbound/event.js';
import { protocolSpec } from '../../../functions/stream-inference/model/protocols/index.js';
import type { OutboundRecord } from '../../../functions/stream-inference/outbound/output-records.js';
import { recordBuilder } from '../../../functions/stream-inference/outbound/output-records.js';
import { chunkBySize } from '../../../functions/stream-inference/outbound/produce-requests.js';
import { recordBytes } from '../../../functions/stream-inference/outbound/record-size.js';
import { lambdaContext, mskEvent, testConfig } from '../../helpers/factories.js';
import { FakeModel, FakePublisher } from '../../helpers/fakes.js';

const config = testConfig;

const input = (value: Buffer | null, headers: Record<string, Buffer> = {}, key = 'k'): InputRecord => ({
  topic: 'in',
  partition: 0,
  offset: 7,
  timestamp: 0,
  key: Buffer.from(key),
  value,
  headers: Object.entries(headers).map(([name, v]) => ({ name, value: v })),
});

const bad = new RecordFailure('value is not JSON', { kind: FailureKind.decode });
const str = (v: unknown) => (v === undefined ? undefined : String(v));

describe('error records always fit MAX_RECORD_BYTES', () => {
  const build = recordBuilder(config({ MAX_RECORD_BYTES: '10000' }), protocolSpec('seldon'));

  it('keeps a value that fits with the key and every header as it came', () => {
    // Prepare
    const record = input(Buffer.alloc(9_000, 'x'), { trace: Buffer.from('t') });

    // Act
    const out = build.error(record, bad);

    // Assess
    expect(out.value).toEqual(record.value);
    expect(out.headers['msk-inference-truncated']).toBeUndefined();
    expect(recordBytes(out)).toBeLessThanOrEqual(10_000);
  });

  it("cuts the value to what the key and the headers (the input's and ours) leave, and says so", () => {
    // Prepare: fits alone (10,000), not with the headers.
    const record = input(Buffer.alloc(9_990, 'x'), { trace: Buffer.alloc(2_000, 't') });

    // Act
    const out = build.error(record, bad);

    // Assess
    expect(str(out.headers['msk-inference-truncated'])).toBe('9990');
    expect(out.headers['trace']).toEqual(Buffer.alloc(2_000, 't'));
    expect(record.value!.subarray(0, out.value!.length)).toEqual(out.value);
    expect(recordBytes(out)).toBe(10_000);
  });

  it("drops the input's headers when they alone leave no room, and says so in the reason", () => {
    // Prepare
    const record = input(Buffer.alloc(100, 'x'), { huge: Buffer.alloc(12_000, 'h') });

    // Act
    const out = build.error(record, bad);

    // Assess
    expect(out.headers['huge']).toBeUndefined();
    expect(str(out.headers['msk-inference-error'])).toMatch(/input's headers \(12004 bytes\) were dropped/);
    expect(out.value).toEqual(record.value);
    expect(recordBytes(out)).toBeLessThanOrEqual(10_000);
  });

  it('caps a long reason', () => {
    // Act
    const out = build.error(
      input(Buffer.from('x')),
      new RecordFailure('r'.repeat(50_000), { kind: FailureKind.shape }),
    );

    // Assess
    expect(str(out.headers['msk-inference-error'])!.length).toBeLessThanOrEqual(1_025);
  });

  it('finds an output over the limit once its key and headers count', () => {
    // Prepare
    const record = input(Buffer.from('{}'), { big: Buffer.alloc(3_000, 'h') });

    // Act
    const fits = build.oversize(build.output(record, Buffer.alloc(6_000)));
    const over = build.oversize(build.output(record, Buffer.alloc(7_000)));

    // Assess
    expect(fits).toBeUndefined();
    expect(over?.kind).toBe('too-large');
    expect(over?.message).toMatch(
      /output record of \d+ bytes \(answer 7000, key and headers \d+\) exceeds MAX_RECORD_BYTES 10000/,
    );
  });
});

describe('publish requests stay under the broker limit', () => {
  const record = (size: number): OutboundRecord => ({
    topic: 'out',
    key: null,
    value: Buffer.alloc(size),
    headers: { 'msk-inference-source': 'in/0/1' },
  });

  it('splits consecutive records into runs under the limit, framing included, order kept', () => {
    // Prepare
    const records = Array.from({ length: 2_000 }, (_, i) => ({
      ...record(400),
      key: Buffer.from(String(i)),
    }));

    // Act
    const chunks = chunkBySize(records, 100_000);

    // Assess
    expect(chunks.flat()).toEqual(records);
    for (const c of chunks) {
      const framed = c.reduce((n, r) => n + recordBytes(r) + 64 + 10, 0);
      expect(framed).toBeLessThanOrEqual(100_000);
    }
    expect(chunks.length).toBeGreaterThan(8);
  });

  it('sends a record larger than the limit alone', () => {
    // Act
    const chunks = chunkBySize([record(10), record(2_000), record(10)], 1_000);

    // Assess
    expect(chunks.map((c) => c.map((r) => r.value!.length))).toEqual([[10], [2_000], [10]]);
  });
});

describe('a record whose check crashes', () => {
  it('is dead-lettered, and the batch goes on (a request nested deeper than the stack)', async () => {
    // Prepare
    const publisher = new FakePublisher();
    const stream = await createBatchHandler(config(), { transport: new FakeModel(), publisher });
    const deep = `{"data":{"ndarray":${'['.repeat(50_000)}1${']'.repeat(50_000)}}}`;
    const good = JSON.stringify({ data: { ndarray: [[1, 2, 3, 4]] } });

    // Act
    const response = await stream.handle(
      mskEvent([
        { offset: 0, value: good },
        { offset: 1, value: deep },
        { offset: 2, value: good },
      ]),
      lambdaContext(),
    );

    // Assess
    expect(response).toEqual({ batchItemFailures: [] });
    expect(publisher.on('out')).toHaveLength(2);
    const [error] = publisher.on('err');
    expect(str(error!.headers['msk-inference-error-kind'])).toBe('shape');
    expect(str(error!.headers['msk-inference-source'])).toBe('in/0/1');
  });
});
