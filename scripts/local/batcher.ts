/**
 * Forms invocation batches the way Lambda's Kafka event source mapping does: records from every
 * partition collect until the batch size is reached, the payload would pass the 6 MB limit, or the
 * batching window has run since the oldest waiting record arrived. One batch runs at a time, as
 * with one poller; records that arrive meanwhile wait for the next batch. A batch takes records
 * from the waiting partitions in turn (each partition's in order), so one busy partition does not
 * hold the others back and an event spans partitions, as Lambda's do.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventsourcemapping.html#invocation-eventsourcemapping-batching
 */
import { ENVELOPE_BYTES, MAX_PAYLOAD_BYTES } from './event.js';

export interface BatchingOptions {
  /**
   * Largest number of records in one invocation (the mapping's `BatchSize`).
   * @default 100
   */
  readonly batchSize: number;
  /**
   * Longest wait for a fuller batch, from the arrival of the oldest waiting record
   * (`MaximumBatchingWindowInSeconds`, in ms).
   * @default 500
   */
  readonly windowMs: number;
  /**
   * Largest event, in bytes of JSON; a single larger record still goes alone.
   * @default 6 MB less room for the envelope
   */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  batchSize: 100,
  windowMs: 500,
  maxPayloadBytes: MAX_PAYLOAD_BYTES - ENVELOPE_BYTES,
};

/** The timer functions the batcher uses; tests pass fakes. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

interface Waiting<T> {
  readonly item: T;
  readonly size: number;
  readonly at: number;
  readonly key: string;
}

export interface BatcherOptions<T> {
  readonly batching?: Partial<BatchingOptions>;
  /** Bytes an item adds to the event. */
  readonly sizeOf: (item: T) => number;
  /** The partition of an item (`<topic>-<partition>`); batches take partitions in turn. @default one for all */
  readonly keyOf?: (item: T) => string;
  /** Runs one batch; the next batch starts only when it settles. A rejection goes to `onError`. */
  readonly onBatch: (items: T[]) => Promise<void>;
  readonly onError?: (error: unknown) => void;
  readonly clock?: Clock;
}

/**
 * @example
 * const batcher = new Batcher({ sizeOf: encodedSize, onBatch: (records) => invoke(buildEvent(records, source)) });
 * batcher.add(records);
 */
export class Batcher<T> {
  readonly #batching: BatchingOptions;
  readonly #options: BatcherOptions<T>;
  readonly #clock: Clock;
  #queue: Waiting<T>[] = [];
  #bytes = 0;
  readonly #perKey = new Map<string, number>();
  #timer: unknown;
  #running: Promise<void> | undefined;
  #closed = false;

  constructor(options: BatcherOptions<T>) {
    this.#batching = { ...DEFAULT_BATCHING, ...options.batching };
    if (!Number.isInteger(this.#batching.batchSize) || this.#batching.batchSize < 1) {
      throw new RangeError(`batchSize must be a positive integer, not ${this.#batching.batchSize}`);
    }
    if (!(this.#batching.windowMs >= 0)) {
      throw new RangeError(`windowMs must be 0 or more, not ${this.#batching.windowMs}`);
    }
    this.#options = options;
    this.#clock = options.clock ?? systemClock;
  }

  get batching(): BatchingOptions {
    return this.#batching;
  }

  /** Items waiting for a batch (not counting the one running). */
  get pending(): number {
    return this.#queue.length;
  }

  /** Items of one partition waiting for a batch. */
  pendingOf(key: string): number {
    return this.#perKey.get(key) ?? 0;
  }

  /** Whether a batch is running. */
  get busy(): boolean {
    return this.#running !== undefined;
  }

  add(items: readonly T[]): void {
    if (this.#closed) throw new Error('the batcher is closed');
    const at = this.#clock.now();
    for (const item of items) {
      const size = this.#options.sizeOf(item);
      const key = this.#options.keyOf?.(item) ?? '';
      this.#queue.push({ item, size, at, key });
      this.#bytes += size;
      this.#perKey.set(key, this.pendingOf(key) + 1);
    }
    this.#schedule();
  }

  /** Takes waiting items out (e.g. the rest of a partition that must be redelivered); returns them. */
  remove(predicate: (item: T) => boolean): T[] {
    const removed: T[] = [];
    this.#queue = this.#queue.filter((w) => {
      if (!predicate(w.item)) return true;
      removed.push(w.item);
      this.#forget(w);
      return false;
    });
    if (this.#queue.length === 0) this.#stopTimer();
    return removed;
  }

  /**
   * Stops forming batches and waits for the running one. Returns the items that were still
   * waiting (never invoked).
   */
  async close(): Promise<T[]> {
    this.#closed = true;
    this.#stopTimer();
    await this.#running;
    return this.remove(() => true);
  }

  /** Resolves when no batch is running. */
  async idle(): Promise<void> {
    while (this.#running !== undefined) await this.#running;
  }

  #full(): boolean {
    return this.#queue.length >= this.#batching.batchSize || this.#bytes >= this.#batching.maxPayloadBytes;
  }

  #schedule(): void {
    if (this.#closed || this.#running !== undefined || this.#queue.length === 0) return;
    const due = this.#queue[0]!.at + this.#batching.windowMs;
    const now = this.#clock.now();
    if (this.#full() || now >= due) {
      this.#dispatch();
      return;
    }
    this.#timer ??= this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#schedule();
    }, due - now);
  }

  #forget(w: Waiting<T>): void {
    this.#bytes -= w.size;
    const left = this.pendingOf(w.key) - 1;
    if (left > 0) this.#perKey.set(w.key, left);
    else this.#perKey.delete(w.key);
  }

  /** Up to a batch of waiting items, partitions in turn, each partition's items in arrival order. */
  #take(): Waiting<T>[] {
    const { batchSize, maxPayloadBytes } = this.#batching;
    const lanes = new Map<string, Waiting<T>[]>();
    for (const w of this.#queue) {
      const lane = lanes.get(w.key);
      if (lane === undefined) lanes.set(w.key, [w]);
      else if (lane.length < batchSize) lane.push(w);
    }
    const taken = new Set<Waiting<T>>();
    let bytes = 0;
    const queues = [...lanes.values()];
    for (let round = 0, progress = true; progress && taken.size < batchSize; round++) {
      progress = false;
      for (const lane of queues) {
        const w = lane[round];
        if (w === undefined || taken.size >= batchSize) continue;
        // A partition's next item only after its earlier ones: stop the lane once one does not fit.
        if (taken.size > 0 && bytes + w.size > maxPayloadBytes) {
          lane.length = round;
          continue;
        }
        taken.add(w);
        bytes += w.size;
        progress = true;
      }
    }
    const batch = this.#queue.filter((w) => taken.has(w));
    this.#queue = this.#queue.filter((w) => !taken.has(w));
    for (const w of batch) this.#forget(w);
    return batch;
  }

  #dispatch(): void {
    this.#stopTimer();
    const taken = this.#take();
    const run = async (): Promise<void> => {
      try {
        await this.#options.onBatch(taken.map((w) => w.item));
      } catch (error) {
        this.#options.onError?.(error);
      }
    };
    this.#running = run().finally(() => {
      this.#running = undefined;
      this.#schedule();
    });
  }

  #stopTimer(): void {
    if (this.#timer === undefined) return;
    this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}
