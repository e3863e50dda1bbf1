/**
 * Batch forming as Lambda's event source mapping does it (size, window, payload limit, one batch
 * at a time), with a fake clock.
 */
import { describe, expect, it } from 'vitest';
import {
  Batcher,
  type BatcherOptions,
  type Clock,
  DEFAULT_BATCHING,
} from '../../../scripts/local/batcher.js';

/** Timers that fire only when the test moves time on. */
class FakeClock implements Clock {
  #now = 0;
  #next = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.#next;
    this.#timers.set(id, { at: this.#now + ms, fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time on by `ms`, firing due timers in order and letting promise callbacks run. */
  async advance(ms: number): Promise<void> {
    const target = this.#now + ms;
    for (;;) {
      await settle();
      const due = [...this.#timers].filter(([, t]) => t.at <= target).sort((a, b) => a[1].at - b[1].at)[0];
      if (due === undefined) break;
      this.#timers.delete(due[0]);
      this.#now = due[1].at;
      due[1].fn();
    }
    this.#now = target;
    await settle();
  }
}

const settle = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

interface Item {
  readonly id: number;
  readonly size: number;
  readonly group?: string;
}

/** A batcher whose batches finish only when the test says so. */
const harness = (
  options: Partial<BatcherOptions<Item>> & { batching?: BatcherOptions<Item>['batching'] } = {},
) => {
  const clock = new FakeClock();
  const batches: Array<{ ids: number[]; at: number; finish: () => void; fail: (e: Error) => void }> = [];
  const errors: unknown[] = [];
  const batcher = new Batcher<Item>({
    sizeOf: (item) => item.size,
    onBatch: (items) =>
      new Promise<void>((resolve, reject) => {
        batches.push({ ids: items.map((i) => i.id), at: clock.now(), finish: resolve, fail: reject });
      }),
    onError: (e) => errors.push(e),
    clock,
    ...options,
  });
  const items = (from: number, count: number, size = 10): Item[] =>
    Array.from({ length: count }, (_, i) => ({ id: from + i, size }));
  return { clock, batcher, batches, errors, items };
};

describe('Batcher', () => {
  it("defaults to Lambda's Kafka batch size (100), window (500 ms) and 6 MB payload", () => {
    expect(DEFAULT_BATCHING.batchSize).toBe(100);
    expect(DEFAULT_BATCHING.windowMs).toBe(500);
    expect(DEFAULT_BATCHING.maxPayloadBytes).toBeLessThanOrEqual(6 * 1024 * 1024);
    expect(DEFAULT_BATCHING.maxPayloadBytes).toBeGreaterThan(6 * 1024 * 1024 - 64 * 1024);
  });

  it('invokes at once when the batch size is reached, then batch by batch', async () => {
    // Prepare
    const { clock, batcher, batches, items } = harness({ batching: { batchSize: 3, windowMs: 500 } });

    // Act: 7 records arrive together
    batcher.add(items(0, 7));
    await clock.advance(0);

    // Assess: one full batch runs; the next full one waits for it, not for the window
    expect(batches.map((b) => b.ids)).toEqual([[0, 1, 2]]);
    expect(batcher.pending).toBe(4);
    batches[0]!.finish();
    await clock.advance(0);
    expect(batches.map((b) => b.ids)).toEqual([
      [0, 1, 2],
      [3, 4, 5],
    ]);
    batches[1]!.finish();
    await clock.advance(0);
    // The last record is alone: it waits out the window from its arrival (t=0).
    expect(batches).toHaveLength(2);
    await clock.advance(499);
    expect(batches).toHaveLength(2);
    await clock.advance(1);
    expect(batches.map((b) => b.ids)[2]).toEqual([6]);
    expect(batches[2]!.at).toBe(500);
  });

  it('waits the window from the oldest waiting record, collecting what arrives meanwhile', async () => {
    const { clock, batcher, batches, items } = harness({ batching: { batchSize: 100, windowMs: 500 } });

    batcher.add(items(0, 1));
    await clock.advance(300);
    batcher.add(items(1, 2));
    await clock.advance(199);
    expect(batches).toHaveLength(0);
    await clock.advance(1);

    expect(batches).toEqual([expect.objectContaining({ ids: [0, 1, 2], at: 500 })]);
  });

  it('runs one batch at a time: records that waited past the window go as soon as it ends', async () => {
    const { clock, batcher, batches, items } = harness({ batching: { batchSize: 10, windowMs: 100 } });
    batcher.add(items(0, 1));
    await clock.advance(100);
    expect(batches).toHaveLength(1);

    batcher.add(items(1, 2));
    await clock.advance(1_000); // the first invocation is slow
    expect(batches).toHaveLength(1);
    expect(batcher.busy).toBe(true);
    batches[0]!.finish();
    await clock.advance(0);

    expect(batches.map((b) => [b.ids, b.at])).toEqual([
      [[0], 100],
      [[1, 2], 1_100],
    ]);
  });

  it('keeps an event under the payload limit; a single larger record goes alone', async () => {
    const { clock, batcher, batches } = harness({
      batching: { batchSize: 100, windowMs: 500, maxPayloadBytes: 100 },
    });

    batcher.add([
      { id: 0, size: 40 },
      { id: 1, size: 40 },
      { id: 2, size: 40 },
      { id: 3, size: 250 },
      { id: 4, size: 10 },
    ]);
    await clock.advance(0);
    expect(batches.map((b) => b.ids)).toEqual([[0, 1]]); // 80 bytes; a third would pass 100
    batches[0]!.finish();
    await clock.advance(0);
    expect(batches.map((b) => b.ids)[1]).toEqual([2]);
    batches[1]!.finish();
    await clock.advance(0);
    expect(batches.map((b) => b.ids)[2]).toEqual([3]);
    batches[2]!.finish();
    await clock.advance(0);

    // 10 bytes left: not full, so it waits for the window.
    expect(batches).toHaveLength(3);
    await clock.advance(500);
    expect(batches.map((b) => b.ids)[3]).toEqual([4]);
  });

  it('takes partitions in turn, each in order, so one busy partition does not hold the others back', async () => {
    const { clock, batcher, batches } = harness({
      batching: { batchSize: 4, windowMs: 500 },
      keyOf: (i) => i.group ?? '',
    });

    // One fetch returned both partitions: five of one, two of the other.
    batcher.add([
      ...[0, 1, 2, 3, 4].map((id) => ({ id, size: 1, group: 'busy' })),
      { id: 10, size: 1, group: 'quiet' },
      { id: 11, size: 1, group: 'quiet' },
    ]);
    await clock.advance(0);

    // Two of each, in arrival order; three of the busy partition stay for the next batch.
    expect(batches.map((b) => b.ids)).toEqual([[0, 1, 10, 11]]);
    expect(batcher.pendingOf('busy')).toBe(3);
    expect(batcher.pendingOf('quiet')).toBe(0);
    batches[0]!.finish();
    await clock.advance(500);
    expect(batches.map((b) => b.ids)[1]).toEqual([2, 3, 4]);
  });

  it('under the payload limit, never skips a record of a partition to take a later one', async () => {
    const { clock, batcher, batches } = harness({
      batching: { batchSize: 10, windowMs: 0, maxPayloadBytes: 100 },
      keyOf: (i) => i.group ?? '',
    });

    batcher.add([
      { id: 0, size: 50, group: 'a' },
      { id: 1, size: 60, group: 'a' },
      { id: 2, size: 5, group: 'a' },
      { id: 3, size: 40, group: 'b' },
    ]);
    await clock.advance(0);

    expect(batches.map((b) => b.ids)).toEqual([[0, 3]]);
  });

  it('takes records out (a partition sent back for redelivery) and stops the window when none are left', async () => {
    const { clock, batcher, batches } = harness({ batching: { batchSize: 10, windowMs: 500 } });
    batcher.add([
      { id: 0, size: 1, group: 'a' },
      { id: 1, size: 1, group: 'b' },
      { id: 2, size: 1, group: 'a' },
    ]);

    const removed = batcher.remove((i) => i.group === 'a');
    await clock.advance(500);

    expect(removed.map((i) => i.id)).toEqual([0, 2]);
    expect(batches.map((b) => b.ids)).toEqual([[1]]);
    batches[0]!.finish();
    batcher.add([{ id: 3, size: 1, group: 'b' }]);
    batcher.remove(() => true);
    await clock.advance(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reports a failed batch and carries on', async () => {
    const { clock, batcher, batches, errors, items } = harness({ batching: { batchSize: 2, windowMs: 500 } });
    batcher.add(items(0, 4));
    await clock.advance(0);

    batches[0]!.fail(new Error('boom'));
    await clock.advance(0);

    expect(errors).toEqual([new Error('boom')]);
    expect(batches.map((b) => b.ids)).toEqual([
      [0, 1],
      [2, 3],
    ]);
  });

  it('on close, waits for the running batch and hands back the rest without invoking it', async () => {
    const { clock, batcher, batches, items } = harness({ batching: { batchSize: 2, windowMs: 500 } });
    batcher.add(items(0, 5));
    await clock.advance(0);

    const closing = batcher.close();
    let closed = false;
    void closing.then(() => {
      closed = true;
    });
    await clock.advance(0);
    expect(closed).toBe(false);
    batches[0]!.finish();
    const left = await closing;

    expect(left.map((i) => i.id)).toEqual([2, 3, 4]);
    expect(batches).toHaveLength(1);
    expect(() => batcher.add(items(9, 1))).toThrow(/closed/);
  });

  it('rejects a batch size below 1', () => {
    expect(() => harness({ batching: { batchSize: 0 } })).toThrow(/batchSize/);
  });
});
