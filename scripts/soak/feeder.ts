/**
 * One producer feeding the input topic at a steady rate, as a live stream would, instead of all at
 * once as the bench does: the soak watches the function under a constant load, not a backlog.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Producer } from 'kafkajs';
import { irisMessages } from '../bench/records.js';

/** How often the producer sends what has come due: about rate/10 records a request. */
const TICK_MS = 100;
/** Most records in one produce request (well under the broker's 1 MB default). */
const CHUNK = 1_000;

/**
 * Records due `elapsedMs` into a feed of `total` records at `rate` per second.
 *
 * @example
 * dueBy(2_500, 1_000, 10_000); // 2500
 */
export const dueBy = (elapsedMs: number, rate: number, total: number): number =>
  Math.min(total, Math.max(0, Math.floor((rate * elapsedMs) / 1000)));

export interface FeedOptions {
  readonly producer: Producer;
  readonly topic: string;
  /** Keys are `<tag>-0` … `<tag>-<count-1>`. */
  readonly tag: string;
  readonly count: number;
  /** Records per second. */
  readonly rate: number;
  /** Stops the feed early (the run's deadline). */
  readonly signal: AbortSignal;
  /** Called with the records acknowledged so far, after each request. */
  readonly onSent?: (sent: number) => void;
}

/**
 * Produces V2 REST iris requests (acks=all) as they come due; behind schedule, it catches up a
 * request at a time. Resolves with the records acknowledged.
 *
 * @example
 * const sent = await feed({ producer, topic, tag: 'soak1', count: 100_000, rate: 1_500, signal });
 */
export const feed = async (options: FeedOptions): Promise<number> => {
  const { producer, topic, tag, count, rate, signal, onSent } = options;
  const started = performance.now();
  let sent = 0;
  while (sent < count && !signal.aborted) {
    const elapsed = performance.now() - started;
    const due = dueBy(elapsed, rate, count);
    if (due <= sent) {
      await delay(TICK_MS - (elapsed % TICK_MS), undefined, { signal }).catch(() => undefined);
      continue;
    }
    const n = Math.min(due - sent, CHUNK);
    await producer.send({ topic, acks: -1, messages: irisMessages('rest', tag, n, sent) });
    sent += n;
    onSent?.(sent);
  }
  return sent;
};
