/**
 * What a batch's outcome means for each of its partitions, as Lambda's event source mapping reads a
 * partial batch response: commit up to (excluding) the first failed offset of a partition and
 * redeliver from there; commit everything of a partition that names no failure.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
import { partitionKey, type SourceRecord } from './event.js';

/** The records one invocation held from one partition. */
export interface PartitionSpan {
  readonly topic: string;
  readonly partition: number;
  readonly offsets: readonly number[];
}

/** What to do with one partition after an invocation. */
export interface Settlement {
  readonly topic: string;
  readonly partition: number;
  /** The offset to commit: the next record to read. */
  readonly commit: number;
  /** Records of this invocation that are done. */
  readonly done: number;
  /** Set when the partition must be read again from this offset. */
  readonly redeliverFrom?: number;
}

export type SettleResult =
  | { readonly ok: true; readonly settlements: readonly Settlement[] }
  | { readonly ok: false; readonly reason: string };

/** The partitions of a batch, each with its offsets in the order given. */
export const spansOf = (records: readonly SourceRecord[]): Map<string, PartitionSpan> => {
  const spans = new Map<string, { topic: string; partition: number; offsets: number[] }>();
  for (const r of records) {
    const key = partitionKey(r);
    const span = spans.get(key) ?? { topic: r.topic, partition: r.partition, offsets: [] };
    span.offsets.push(r.offset);
    spans.set(key, span);
  }
  return spans;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/**
 * Reads the handler's response against the batch it answered. A response that names a partition
 * or an offset the batch did not hold is invalid, and the whole batch fails (as on Lambda).
 *
 * @example
 * const result = settle(spansOf(records), { batchItemFailures: [{ itemIdentifier: { 'topic-partition': 't-0', offset: 5 } }] });
 */
export const settle = (spans: ReadonlyMap<string, PartitionSpan>, response: unknown): SettleResult => {
  const firstFailure = new Map<string, number>();
  if (response !== undefined && response !== null) {
    if (!isObject(response)) return { ok: false, reason: `the response is a ${typeof response}` };
    const failures = response['batchItemFailures'];
    if (failures !== undefined && failures !== null) {
      if (!Array.isArray(failures)) return { ok: false, reason: 'batchItemFailures is not an array' };
      for (const failure of failures) {
        const id = isObject(failure) ? failure['itemIdentifier'] : undefined;
        if (!isObject(id)) return { ok: false, reason: 'a batch item failure has no itemIdentifier' };
        const key = id['topic-partition'];
        const offset = Number(id['offset']);
        const span = typeof key === 'string' ? spans.get(key) : undefined;
        if (span === undefined) {
          return { ok: false, reason: `itemIdentifier names '${String(key)}', not a partition of the batch` };
        }
        if (!span.offsets.includes(offset)) {
          return { ok: false, reason: `itemIdentifier names offset ${String(id['offset'])}, not in ${key}` };
        }
        firstFailure.set(key as string, Math.min(firstFailure.get(key as string) ?? offset, offset));
      }
    }
  }
  const settlements = [...spans].map(([key, span]): Settlement => {
    const failedAt = firstFailure.get(key);
    const last = Math.max(...span.offsets);
    if (failedAt === undefined) {
      return { topic: span.topic, partition: span.partition, commit: last + 1, done: span.offsets.length };
    }
    return {
      topic: span.topic,
      partition: span.partition,
      commit: failedAt,
      done: span.offsets.filter((o) => o < failedAt).length,
      redeliverFrom: failedAt,
    };
  });
  return { ok: true, settlements };
};

/** Every partition of the batch read again from its first record (a failed invocation). */
export const redeliverAll = (spans: ReadonlyMap<string, PartitionSpan>): Settlement[] =>
  [...spans.values()].map((span) => {
    const first = Math.min(...span.offsets);
    return { topic: span.topic, partition: span.partition, commit: first, done: 0, redeliverFrom: first };
  });
