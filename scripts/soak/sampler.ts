/**
 * What the soak watches inside the function's process: memory (RSS, V8 heap and its spaces,
 * buffers outside the heap) and event-loop delay, read every interval.
 */
import { type IntervalHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';
import type { PollerStats } from '../local/progress.js';

/** Event-loop delay percentiles, in ms. */
export interface Delay {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface Sample {
  /** Wall clock, ms since the epoch (the soak runs its processes on one machine). */
  readonly at: number;
  /** Bytes, as `process.memoryUsage()` reports them, and V8's malloced memory. */
  readonly memory: {
    readonly rss: number;
    readonly heapTotal: number;
    readonly heapUsed: number;
    readonly external: number;
    readonly arrayBuffers: number;
    readonly malloced: number;
  };
  /**
   * Heap still used after a full GC (`--live-heap` only): what a leak keeps, without the garbage V8
   * has not collected yet.
   */
  readonly heapLive?: number;
  /** Bytes used in each V8 heap space: where the heap grows, when it does. */
  readonly heapSpaces: Readonly<Record<string, number>>;
  readonly detachedContexts: number;
  /** Handles and requests keeping the loop alive (sockets, timers): a leak of them shows here. */
  readonly activeResources: number;
  /** Event-loop delay since the previous sample. */
  readonly eventLoopDelay: Delay;
  /** The local poller's counters so far. */
  readonly poller: PollerStats;
  /** Time spent in handler invocations so far: near the elapsed time, the function is saturated. */
  readonly handlerMs: number;
  /** CPU time (user + system) of the process so far: per record, what the load on the machine does not change. */
  readonly cpuMs: number;
}

/** How finely the loop's delay is timed, in ms (perf_hooks' default is 10). */
const RESOLUTION_MS = 10;

const NS_PER_MS = 1e6;

const delayOf = (h: IntervalHistogram): Delay => ({
  p50: h.percentile(50) / NS_PER_MS,
  p99: h.percentile(99) / NS_PER_MS,
  max: h.max / NS_PER_MS,
});

/**
 * @example
 * const sampler = new Sampler();
 * setInterval(() => console.log(JSON.stringify(sampler.sample(poller.stats, handlerMs))), 10_000);
 * // at the end: sampler.overall().p99
 */
export class Sampler {
  /** Reset at every sample. */
  readonly #interval = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  /** Never reset: the whole run. */
  readonly #run = monitorEventLoopDelay({ resolution: RESOLUTION_MS });

  readonly #gc: (() => void) | undefined;

  /**
   * @param gc with `--live-heap`: node --expose-gc's `gc`, run after each sample's other figures are
   *   read (so that it changes none of them) to read the heap still used
   */
  constructor(gc?: () => void) {
    this.#gc = gc;
    this.#interval.enable();
    this.#run.enable();
  }

  sample(poller: Readonly<PollerStats>, handlerMs: number): Sample {
    const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
    const heap = getHeapStatistics();
    const cpu = process.cpuUsage();
    const eventLoopDelay = delayOf(this.#interval);
    this.#interval.reset();
    const sample: Sample = {
      at: Date.now(),
      memory: { rss, heapTotal, heapUsed, external, arrayBuffers, malloced: heap.malloced_memory },
      heapSpaces: Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name, s.space_used_size])),
      detachedContexts: heap.number_of_detached_contexts,
      activeResources: process.getActiveResourcesInfo().length,
      eventLoopDelay,
      poller: { ...poller },
      handlerMs,
      cpuMs: (cpu.user + cpu.system) / 1000,
    };
    if (this.#gc === undefined) return sample;
    this.#gc();
    return { ...sample, heapLive: process.memoryUsage().heapUsed };
  }

  /** Event-loop delay over the whole run so far. */
  overall(): Delay {
    return delayOf(this.#run);
  }

  stop(): void {
    this.#interval.disable();
    this.#run.disable();
  }
}
