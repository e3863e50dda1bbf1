/** What the soak samples in the function's process: memory, and the event loop's delay per interval. */
import { setTimeout as delay } from 'node:timers/promises';
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
