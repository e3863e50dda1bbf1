/** What the soak samples in the function's process: memory, and the event loop's delay per interval. */
import { setTimeout as delay } from 'node:timers/promises';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, describe, expect, it } from 'vitest';
import { emptyStats } from '../../../scripts/local/progress.js';
import { Sampler } from '../../../scripts/soak/sampler.js';

const blockFor = (ms: number): void => {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // a loop that never yields, as a long synchronous task in the handler would
  }
};

describe('Sampler', () => {
  let sampler: Sampler | undefined;
  afterEach(() => sampler?.stop());

  it("reports this process's memory, CPU time and the poller's counters as given", () => {
    // Prepare
    sampler = new Sampler();
    const stats = { ...emptyStats(), recordsDone: 42 };

    // Act
    const sample = sampler.sample(stats, 1_234);

    // Assess
    expect(sample.memory.rss).toBeGreaterThan(sample.memory.heapUsed);
    expect(sample.memory.heapTotal).toBeGreaterThanOrEqual(sample.memory.heapUsed);
    expect(Object.keys(sample.heapSpaces)).toContain('old_space');
    expect(sample.cpuMs).toBeGreaterThan(0);
    expect(sample.poller.recordsDone).toBe(42);
    expect(sample.handlerMs).toBe(1_234);
  });

  it('reads no live heap without a gc, and collects nothing', () => {
    // Prepare
    sampler = new Sampler();

    // Act
    const sample = sampler.sample(emptyStats(), 0);

    // Assess
    expect(sample).not.toHaveProperty('heapLive');
  });

  it('reads the live heap after a full GC: garbage counts in heap used, not in heap live', () => {
    // Prepare: a real gc, as node --expose-gc gives it
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let collections = 0;
    sampler = new Sampler(() => {
      collections++;
      gc();
    });
    gc();
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({
      i,
      s: `garbage ${i}`,
    }));
    garbage = undefined;

    // Act
    const sample = sampler.sample(emptyStats(), 0);

    // Assess
    expect(garbage).toBeUndefined();
    expect(collections).toBe(1);
    expect(sample.heapLive).toBeLessThan(sample.memory.heapUsed - 10 * 2 ** 20);
  });

  it('sees a blocked loop in the interval it happened in, and in the whole run, not in the next interval', async () => {
    // Prepare
    sampler = new Sampler();
    await delay(50);

    // Act
    blockFor(600);
    await delay(50);
    const blocked = sampler.sample(emptyStats(), 0);
    await delay(200);
    const after = sampler.sample(emptyStats(), 0);

    // Assess
    expect(blocked.eventLoopDelay.max).toBeGreaterThanOrEqual(550);
    expect(after.eventLoopDelay.max).toBeLessThan(450);
    expect(sampler.overall().max).toBeGreaterThanOrEqual(550);
  });
});
