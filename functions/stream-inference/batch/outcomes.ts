import type { RecordFailure } from '../failures.js';
import type { InputRecord } from '../inbound/event.js';
import type { OutboundRecord } from '../outbound/output-records.js';

/**
 * How each record of a batch ends. The partial batch response and the counts are computed from
 * these, never tracked on the side: in = published + dead-lettered + retry-later.
 */
export type RecordOutcome =
  | { readonly fate: 'published'; readonly record: InputRecord; readonly outbound: OutboundRecord }
  | {
      readonly fate: 'dead-lettered';
      readonly record: InputRecord;
      readonly failure: RecordFailure;
      /** The error record: the input with the reason in its headers. */
      readonly outbound: OutboundRecord;
    }
  | { readonly fate: 'retry-later'; readonly record: InputRecord; readonly failure: RecordFailure };

/**
 * Lambda's partial batch response for Kafka event sources: `partition` is a `<topic>-<partition>`
 * key of the event's `records`, `offset` a number. Any other shape makes Lambda retry the whole batch.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
export interface KafkaBatchResponse {
  batchItemFailures: Array<{ itemIdentifier: { partition: string; offset: number } }>;
}

/**
 * The first unfinished record of each partition: Lambda commits the offsets before it and
 * redelivers from it, so a partition never skips past a record that is not done.
 */
export const batchItemFailures = (outcomes: readonly RecordOutcome[]): KafkaBatchResponse => {
  const first = new Map<string, number>();
  for (const o of outcomes) {
    if (o.fate !== 'retry-later') continue;
    const id = `${o.record.topic}-${o.record.partition}`;
    const seen = first.get(id);
    if (seen === undefined || o.record.offset < seen) first.set(id, o.record.offset);
  }
  return {
    batchItemFailures: [...first].map(([id, offset]) => ({
      itemIdentifier: { partition: id, offset },
    })),
  };
};

export interface OutcomeCounts {
  in: number;
  published: number;
  deadLettered: number;
  retryLater: number;
}

export const countOutcomes = (outcomes: readonly RecordOutcome[]): OutcomeCounts => {
  const counts = { in: outcomes.length, published: 0, deadLettered: 0, retryLater: 0 };
  for (const o of outcomes) {
    if (o.fate === 'published') counts.published++;
    else if (o.fate === 'dead-lettered') counts.deadLettered++;
    else counts.retryLater++;
  }
  return counts;
};
