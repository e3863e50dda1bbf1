/**
 * Drives a handler the way Lambda's Kafka event source mapping does with
 * `FunctionResponseTypes: [ReportBatchItemFailures]`: one batch in flight at a time, each partition
 * read from its committed position, batches of at most `batchSize` records (and Lambda's 6 MB
 * invocation payload), and after each invocation, per partition:
 *
 * - no item reported: commit past the last record of the batch;
 * - an item reported: commit up to it (exclusive) and deliver again from it in the next batch
 *   (several items of one partition: the lowest offset wins, as Lambda does);
 * - the handler threw, timed out, or returned a response Lambda cannot read (another shape than
 *   `{"partition": "<topic>-<partition>", "offset": <number>}`, or a record that was not in the
 *   batch): nothing is committed and the whole batch is delivered again.
 *
 * It stops when every record is committed or after `maxRounds` invocations (a round is one
 * invocation). Small and independent on purpose: the local poller in `scripts/local/` is the full
 * runner; this one exists so that the failure tests can count deliveries exactly.
 *
 * ```ts
 * const run = await driveLambda({ topic: input, handler, batchSize: 500, timeoutMs: 10_000 });
 * expect(run.done).toBe(true);
 * // a record may reach the output topic twice only if it is in run.redelivered
 * ```
 */
import type { Context } from 'aws-lambda';
import { settle, spansOf } from '../../scripts/local/settle.js';
import { readToEnd } from './kafka-read.js';
import type { KafkaRecord } from './kafka-records.js';
import { eventFromRecords, fakeContext } from './lambda.js';

/** Any handler: its response is read as Lambda reads it, whatever type it claims. */
export type LambdaHandler = (event: unknown, context: Context) => Promise<unknown>;

/** Lambda's synchronous invocation payload limit, which also bounds a Kafka batch. */
export const LAMBDA_PAYLOAD_BYTES = 6 * 1024 * 1024;

export interface DriveOptions {
  /** The input topic; read to its end once, at the start (unless `records` is given). */
  readonly topic: string;
  readonly handler: LambdaHandler;
  /** The mapping's BatchSize: records per invocation, across partitions. Default 100. */
  readonly batchSize?: number;
  /** Function timeout: each invocation gets a fresh context counting down from it. Default 60 s. */
  readonly timeoutMs?: number;
  /** Give up after this many invocations. Default 50. */
  readonly maxRounds?: number;
  /** Committed offsets to start from, per partition; default the first record of each partition. */
  readonly committed?: ReadonlyMap<number, number>;
  /** Event shape. Default `msk`. */
  readonly shape?: 'msk' | 'self-managed';
  /** The topic's records, when the test has already read them. */
  readonly records?: readonly KafkaRecord[];
  /** Called before each invocation with its number (from 1) and batch: where tests inject faults. */
  readonly beforeInvoke?: (round: number, batch: readonly KafkaRecord[]) => void | Promise<void>;
  /** Pause before delivering again after an invocation that left records (Lambda backs off too). */
  readonly retryDelayMs?: number;
}

export interface Reported {
  readonly partition: number;
  readonly offset: number;
}

export interface Invocation {
  readonly round: number;
  readonly records: number;
  /** First and last offset delivered, per partition. */
  readonly ranges: ReadonlyArray<{ partition: number; from: number; to: number }>;
  readonly ms: number;
  /** `returned`: a response; `threw`: the handler rejected; `timed-out`: no answer within the timeout. */
  readonly result: 'returned' | 'threw' | 'timed-out' | 'invalid-response';
  /** The items of the partial batch response. */
  readonly reported: readonly Reported[];
  /** Records of this batch that are not committed and will be delivered again. */
  readonly left: number;
  readonly error?: string;
}

export interface DriveResult {
  /** Every record was committed. */
  readonly done: boolean;
  readonly invocations: readonly Invocation[];
  /** The records of the topic, as read at the start. */
  readonly records: readonly KafkaRecord[];
  /** Committed offset (the next one to deliver) per partition at the end. */
  readonly committed: ReadonlyMap<number, number>;
  /** Deliveries per record, keyed `topic/partition/offset` (the `msk-inference-source` header). */
  readonly deliveries: ReadonlyMap<string, number>;
  /** Records delivered more than once: the only ones a handler may publish more than once. */
  readonly redelivered: ReadonlySet<string>;
}

export const sourceKey = (r: { topic: string; partition: number; offset: number }): string =>
  `${r.topic}/${r.partition}/${r.offset}`;

/** Bytes a record takes in the event's JSON (base64 key and value, headers as number arrays). */
const eventBytes = (r: KafkaRecord): number => {
  let headers = 0;
  for (const [name, v] of Object.entries(r.headers)) {
    for (const b of Array.isArray(v) ? v : [v]) headers += name.length + 8 + b.length * 4;
  }
  const b64 = (n: number) => Math.ceil(n / 3) * 4;
  return 200 + b64(r.key?.length ?? 0) + b64(r.value?.length ?? 0) + headers;
};

/** Takes records from every partition in turn, as a poller interleaves partitions. */
const nextBatch = (
  byPartition: ReadonlyMap<number, readonly KafkaRecord[]>,
  position: ReadonlyMap<number, number>,
  batchSize: number,
): KafkaRecord[] => {
  const queues = [...byPartition].map(([p, list]) => {
    const from = list.findIndex((r) => r.offset >= (position.get(p) ?? 0));
    return from < 0 ? [] : list.slice(from);
  });
  const batch: KafkaRecord[] = [];
  let bytes = 0;
  for (let i = 0; batch.length < batchSize; i++) {
    const live = queues.filter((q) => q.length > 0);
    if (live.length === 0) break;
    const q = live[i % live.length]!;
    const size = eventBytes(q[0]!);
    if (batch.length > 0 && bytes + size > LAMBDA_PAYLOAD_BYTES) break;
    bytes += size;
    batch.push(q.shift()!);
  }
  return batch;
};

/**
 * @example
 * const run = await driveLambda({ topic, handler: loaded.handler, batchSize: 500 });
 */
export const driveLambda = async (options: DriveOptions): Promise<DriveResult> => {
  const batchSize = options.batchSize ?? 100;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRounds = options.maxRounds ?? 50;
  const records = options.records ?? (await readToEnd(options.topic));
  const byPartition = new Map<number, KafkaRecord[]>();
  for (const r of records) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
  for (const list of byPartition.values()) list.sort((a, b) => a.offset - b.offset);
  const end = new Map([...byPartition].map(([p, list]) => [p, list.at(-1)!.offset + 1]));
  const position = new Map(
    [...byPartition].map(([p, list]) => [p, options.committed?.get(p) ?? list[0]!.offset]),
  );
  const deliveries = new Map<string, number>();
  const invocations: Invocation[] = [];
  const finished = () => [...end].every(([p, e]) => (position.get(p) ?? 0) >= e);

  for (let round = 1; round <= maxRounds && !finished(); round++) {
    const batch = nextBatch(byPartition, position, batchSize);
    for (const r of batch) deliveries.set(sourceKey(r), (deliveries.get(sourceKey(r)) ?? 0) + 1);
    const ranges = new Map<number, { partition: number; from: number; to: number }>();
    for (const r of batch) {
      const range = ranges.get(r.partition) ?? { partition: r.partition, from: r.offset, to: r.offset };
      range.to = r.offset;
      ranges.set(r.partition, range);
    }
    await options.beforeInvoke?.(round, batch);

    const started = Date.now();
    const outcome = await invokeWithTimeout(options.handler, batch, options, timeoutMs);
    const ms = Date.now() - started;

    let result: Invocation['result'] = outcome.kind;
    let invalid: string | undefined;
    const reported: Reported[] = [];
    let left = batch.length;
    if (outcome.kind === 'returned') {
      // Lambda's reading of the response (scripts/local/settle.ts, written from AWS's documentation):
      // a response it cannot read, or one naming a record it did not deliver, fails the whole batch.
      const settled = settle(spansOf(batch), outcome.response);
      if (settled.ok) {
        left = 0;
        for (const s of settled.settlements) {
          if (s.redeliverFrom !== undefined)
            reported.push({ partition: s.partition, offset: s.redeliverFrom });
          left += batch.filter((r) => r.partition === s.partition && r.offset >= s.commit).length;
          position.set(s.partition, s.commit);
        }
      } else {
        result = 'invalid-response';
        invalid = settled.reason;
      }
    }
    invocations.push({
      round,
      records: batch.length,
      ranges: [...ranges.values()],
      ms,
      result,
      reported,
      left,
      ...(outcome.kind === 'returned'
        ? invalid === undefined
          ? {}
          : { error: invalid }
        : { error: outcome.error }),
    });
    if (left > 0 && options.retryDelayMs) await sleep(options.retryDelayMs);
  }

  const redelivered = new Set([...deliveries].filter(([, n]) => n > 1).map(([k]) => k));
  return { done: finished(), invocations, records, committed: position, deliveries, redelivered };
};

type InvokeOutcome = { kind: 'returned'; response: unknown } | { kind: 'threw' | 'timed-out'; error: string };

const invokeWithTimeout = async (
  handler: LambdaHandler,
  batch: readonly KafkaRecord[],
  options: DriveOptions,
  timeoutMs: number,
): Promise<InvokeOutcome> => {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<InvokeOutcome>((resolve) => {
    timer = setTimeout(
      () => resolve({ kind: 'timed-out', error: `no answer within ${timeoutMs} ms` }),
      timeoutMs,
    );
  });
  // A timed-out invocation keeps running here (Lambda would freeze or end the sandbox); it is left
  // to finish on its own, and whatever it still publishes shows up as a duplicate downstream.
  const invoked = handler(eventFromRecords(batch, options.shape ?? 'msk'), fakeContext(timeoutMs)).then(
    (response): InvokeOutcome => ({ kind: 'returned', response }),
    (error: unknown): InvokeOutcome => ({
      kind: 'threw',
      error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
    }),
  );
  try {
    return await Promise.race([invoked, timedOut]);
  } finally {
    clearTimeout(timer);
  }
};

/**
 * Invocations whose response Lambda could not have read (whole-batch retries our handler caused):
 * a failure test expects none.
 *
 * @example
 * expect(unreadableResponses(run)).toEqual([]);
 */
export const unreadableResponses = (run: Pick<DriveResult, 'invocations'>): string[] =>
  run.invocations
    .filter((i) => i.result === 'invalid-response')
    .map((i) => `#${i.round}: ${i.error ?? 'unreadable response'}`);

/** One line per invocation, for the test log. */
export const describeRun = (run: DriveResult): string =>
  run.invocations
    .map((i) => {
      const reported = i.reported.map((r) => `p${r.partition}@${r.offset}`).join(',');
      return `#${i.round} ${i.records} records ${i.ms} ms ${i.result}${reported ? ` reported ${reported}` : ''} left ${i.left}${i.error ? ` (${i.error})` : ''}`;
    })
    .join('\n');

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
