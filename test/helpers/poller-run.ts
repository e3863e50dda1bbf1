/**
 * The local poller's invocations (`scripts/local/poller.ts`, `onInvocation`) read as a driver run
 * (`lambda-driver.ts`), so that `settle` keeps the same books for both: every record the handler was
 * given more than once (reported, a batch retried, or read again after a consumer restart) is in
 * `redelivered`, and only those may be published twice.
 *
 * ```ts
 * const reports: InvocationReport[] = [];
 * const poller = new Poller({ ..., onInvocation: (r) => reports.push(r) });
 * // ... run until every offset is committed
 * await settle('input leader killed', pollerRun(records, reports, committed), t);
 * ```
 */
import type { InvocationReport } from '../../scripts/local/poller.js';
import type { KafkaRecord } from './kafka-records.js';
import { type DriveResult, type Invocation, sourceKey } from './lambda-driver.js';

const resultOf = (report: InvocationReport): Invocation['result'] => {
  if (report.error === undefined) return 'returned';
  const error = report.error as Error;
  if (error.name === 'TaskTimedOutError') return 'timed-out';
  // The poller's own words for a response Lambda could not read (poller.ts, #runBatch).
  if (error.message?.startsWith('invalid partial batch response')) return 'invalid-response';
  return 'threw';
};

/**
 * @param records the input topic, read before the run
 * @param reports every invocation, in order
 * @param committed the group's committed offset per partition at the end
 * @example
 * const run = pollerRun(records, reports, await committedOffsets());
 * expect(run.done).toBe(true);
 */
export const pollerRun = (
  records: readonly KafkaRecord[],
  reports: readonly InvocationReport[],
  committed: ReadonlyMap<number, number>,
): DriveResult => {
  const deliveries = new Map<string, number>();
  const invocations = reports.map((report, i): Invocation => {
    const ranges = new Map<number, { partition: number; from: number; to: number }>();
    for (const list of Object.values(report.event.records)) {
      for (const r of list) {
        deliveries.set(sourceKey(r), (deliveries.get(sourceKey(r)) ?? 0) + 1);
        const range = ranges.get(r.partition) ?? { partition: r.partition, from: r.offset, to: r.offset };
        range.from = Math.min(range.from, r.offset);
        range.to = Math.max(range.to, r.offset);
        ranges.set(r.partition, range);
      }
    }
    const settlements = report.settlements ?? [];
    const done = settlements.reduce((n, s) => n + s.done, 0);
    return {
      round: i + 1,
      records: report.records,
      ranges: [...ranges.values()],
      ms: report.durationMs,
      result: resultOf(report),
      reported: settlements.flatMap((s) =>
        s.redeliverFrom === undefined ? [] : [{ partition: s.partition, offset: s.redeliverFrom }],
      ),
      left: report.records - done,
      ...(report.error === undefined ? {} : { error: String(report.error) }),
    };
  });
  const end = new Map<number, number>();
  for (const r of records) end.set(r.partition, Math.max(end.get(r.partition) ?? 0, r.offset + 1));
  return {
    done: [...end].every(([p, e]) => (committed.get(p) ?? 0) >= e),
    invocations,
    records,
    committed,
    deliveries,
    redelivered: new Set([...deliveries].filter(([, n]) => n > 1).map(([k]) => k)),
  };
};
