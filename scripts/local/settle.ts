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
export const spansOf = (
  records: ReadonlyArray<Pick<SourceRecord, 'topic' | 'partition' | 'offset'>>,
): Map<string, PartitionSpan> => {
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
 * Reads the handler's response as Lambda's Kafka event source mapping does, from AWS's documented
 * rules rather than from what our handler writes:
 *
 * - a complete success: no response, `null`, `{}`, or an empty or null `batchItemFailures`;
 * - per item, `itemIdentifier` is `{"partition": "<topic>-<partition>", "offset": <number>}`, where
 *   the partition is a key of the event's `records` and the offset one of its records;
 * - anything else (a missing, null or empty `itemIdentifier`, another key name such as
 *   `topic-partition`, an offset given as a string, a partition or offset not in the event) is a
 *   complete failure: nothing is committed and the whole batch is delivered again.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 * @example
 * const result = settle(spansOf(records), { batchItemFailures: [{ itemIdentifier: { partition: 't-0', offset: 5 } }] });
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
        if (!isObject(id)) return { ok: false, reason: 'a batch item failure has no itemIdentifier object' };
        const key = id['partition'];
        const offset = id['offset'];
        if (typeof key !== 'string') {
          return {
            ok: false,
            reason: `itemIdentifier has no string "partition" (keys: ${Object.keys(id).join(', ')})`,
          };
        }
        if (typeof offset !== 'number' || !Number.isSafeInteger(offset)) {
          return {
            ok: false,
            reason: `itemIdentifier "offset" is not an integer number: ${JSON.stringify(offset)}`,
          };
        }
        const span = spans.get(key);
        if (span === undefined) {
          return {
            ok: false,
            reason: `itemIdentifier names partition '${key}', not a key of the event's records`,
          };
        }
        if (!span.offsets.includes(offset)) {
          return {
            ok: false,
            reason: `itemIdentifier names offset ${offset}, not a record of ${key} in the event`,
          };
        }
        firstFailure.set(key, Math.min(firstFailure.get(key) ?? offset, offset));
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
