/**
 * A local stand-in for Lambda's Kafka event source mapping: consumes a topic with a consumer group,
 * forms batches as the mapping does, invokes the handler in-process with a Lambda-like context, and
 * commits offsets only for records the handler finished, following its partial batch response.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { type Admin, type Consumer, type EachBatchPayload, Kafka, type KafkaConfig, logLevel } from 'kafkajs';
import type { LambdaKafkaEvent } from '../../functions/stream-inference/inbound/event.js';
import { Batcher, type BatchingOptions } from './batcher.js';
import { invoke, type LambdaHandler, type LocalFunctionOptions } from './context.js';
import {
  buildEvent,
  type EventShape,
  encodedSize,
  partitionKey,
  type SourceRecord,
  type TimestampType,
} from './event.js';
import { localKafkaLog } from './kafka-log.js';
import { emptyStats, type PollerStats, ProgressReporter } from './progress.js';
import { type PartitionSpan, redeliverAll, type Settlement, settle, spansOf } from './settle.js';
import { groupLag, timestampTypeOf, toSourceRecord } from './topic-reader.js';

export interface PollerOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly groupId: string;
  readonly handler: LambdaHandler;
  /** @default 'msk' */
  readonly shape?: EventShape;
  /** @default LOCAL_CLUSTER_ARN (MSK shape only) */
  readonly eventSourceArn?: string;
  /** @default DEFAULT_BATCHING (100 records, 500 ms, 6 MB) */
  readonly batching?: Partial<BatchingOptions>;
  /** Timeout and names of the simulated function. @default 60 s timeout */
  readonly function?: LocalFunctionOptions;
  /** Where a group without committed offsets starts. @default 'TRIM_HORIZON' */
  readonly startingPosition?: 'TRIM_HORIZON' | 'LATEST';
  /** Retries of a batch whose invocation threw, timed out or answered nonsense. @default 2 */
  readonly maxRetries?: number;
  /** First wait between those retries, doubled each time. @default 1000 */
  readonly retryDelayMs?: number;
  /** Pause before a partition is read again after a failure, doubled while it keeps failing (max 30 s). @default 500 */
  readonly redeliveryDelayMs?: number;
  /** How often to print a progress line; `false` for never. @default 10_000 */
  readonly progressIntervalMs?: number | false;
  /** @default a line on stderr */
  readonly log?: (line: string) => void;
  /** Called after every invocation (tests, tracing). */
  readonly onInvocation?: (report: InvocationReport) => void;
  /** Called last in `stop()`, e.g. the handler's `shutdown`. */
  readonly onStop?: () => Promise<void>;
  /** TLS and SASL for a remote cluster. */
  readonly kafka?: Omit<KafkaConfig, 'brokers' | 'clientId' | 'logCreator' | 'logLevel'>;
}

export interface InvocationReport {
  readonly attempt: number;
  readonly event: LambdaKafkaEvent;
  readonly records: number;
  readonly durationMs: number;
  readonly response?: unknown;
  readonly error?: unknown;
  readonly settlements?: readonly Settlement[];
}

const MAX_REDELIVERY_DELAY_MS = 30_000;

/** Waits `ms`, or less when the signal fires. */
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  delay(ms, undefined, { signal }).catch(() => undefined);

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * @example
 * const poller = new Poller({ brokers: ['127.0.0.1:9092'], topic: 'in', groupId: 'local', handler });
 * await poller.start();
 * process.once('SIGINT', () => void poller.stop());
 * await poller.done;
 */
export class Poller {
  readonly #options: PollerOptions;
  readonly #kafka: Kafka;
  readonly #log: (line: string) => void;
  readonly #stats = emptyStats();
  readonly #committed = new Map<string, number>();
  readonly #failureStreak = new Map<string, number>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #stopSignal = new AbortController();
  readonly #done: Promise<void>;
  #settleDone!: (error?: unknown) => void;
  #consumer: Consumer | undefined;
  #admin: Admin | undefined;
  #batcher: Batcher<SourceRecord> | undefined;
  #timestampType: TimestampType = 'CREATE_TIME';
  #stopping: Promise<void> | undefined;
  #crash: Error | undefined;
  #progress: ProgressReporter | undefined;

  constructor(options: PollerOptions) {
    this.#options = options;
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
    this.#kafka = new Kafka({
      ...options.kafka,
      clientId: 'msk-inference-local-poller',
      brokers: [...options.brokers],
      logLevel: logLevel.ERROR,
      logCreator: localKafkaLog((line) => this.#log(line)),
    });
    this.#done = new Promise((resolve, reject) => {
      this.#settleDone = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.#done.catch(() => undefined);
  }

  get stats(): Readonly<PollerStats> {
    return { ...this.#stats };
  }

  /** Resolves once stopped; rejects if the consumer crashed. */
  get done(): Promise<void> {
    return this.#done;
  }

  /** Joins the group and starts consuming; resolves once the partitions are assigned. */
  async start(): Promise<void> {
    const { topic, groupId } = this.#options;
    this.#admin = this.#kafka.admin();
    await this.#admin.connect();
    if (!(await this.#admin.listTopics()).includes(topic)) throw new Error(`topic '${topic}' does not exist`);
    const [metadata] = (await this.#admin.fetchTopicMetadata({ topics: [topic] })).topics;
    this.#timestampType = await timestampTypeOf(this.#admin, topic);

    this.#batcher = new Batcher({
      ...(this.#options.batching === undefined ? {} : { batching: this.#options.batching }),
      sizeOf: encodedSize,
      keyOf: partitionKey,
      onBatch: (records) => this.#runBatch(records),
      onError: (error) => this.#log(`poller: batch failed unexpectedly: ${message(error)}`),
    });
    const consumer = this.#kafka.consumer({
      groupId,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 250,
    });
    this.#consumer = consumer;
    // kafkajs' commitOffsets resolves without committing while its consumer restarts after a crash
    // (runner.js: "consumer not running, exiting"); what this poller believes committed is only
    // true until the next join, after which the group's own offsets say where reading resumes.
    consumer.on(consumer.events.GROUP_JOIN, () => this.#committed.clear());
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return;
      this.#log(`poller: the consumer crashed: ${payload.error.message}`);
      this.#crash = payload.error;
      void this.stop();
    });
    await consumer.connect();
    await consumer.subscribe({
      topics: [topic],
      fromBeginning: (this.#options.startingPosition ?? 'TRIM_HORIZON') === 'TRIM_HORIZON',
    });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition feeds the shared batcher at once, so one event can span partitions.
      partitionsConsumedConcurrently: Math.max(1, metadata?.partitions.length ?? 1),
      eachBatch: (payload) => this.#onFetched(payload),
    });
    const interval = this.#options.progressIntervalMs ?? 10_000;
    if (interval !== false) {
      this.#progress = new ProgressReporter({
        intervalMs: interval,
        log: this.#log,
        stats: () => this.#stats,
        lag: () => groupLag(this.#admin!, groupId, topic),
      });
    }
  }

  /** Waits for the running invocation, commits what it finished, leaves the group, then calls `onStop`. */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      this.#stopSignal.abort();
      for (const timer of this.#timers) clearTimeout(timer);
      await this.#batcher?.close();
      await this.#consumer?.disconnect().catch(() => undefined);
      await this.#progress?.stop();
      await this.#admin?.disconnect().catch(() => undefined);
      await this.#options.onStop?.();
      this.#settleDone(this.#crash);
    })();
    return this.#stopping;
  }

  async #onFetched({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const batcher = this.#batcher!;
    // Backpressure per partition: hold this partition's fetches while enough of its records wait
    // (the others keep flowing); keep the group membership alive meanwhile.
    const key = partitionKey(batch);
    const highWater = Math.max(batcher.batching.batchSize * 2, 200);
    while (batcher.pendingOf(key) >= highWater && !this.#stopSignal.signal.aborted) {
      await sleep(50, this.#stopSignal.signal);
      await heartbeat().catch(() => undefined);
    }
    // A partition sent back for redelivery has a pending seek: records fetched before it are stale.
    if (this.#stopSignal.signal.aborted || !isRunning() || isStale() || batch.messages.length === 0) return;
    batcher.add(
      batch.messages.map((m) => toSourceRecord(batch.topic, batch.partition, m, this.#timestampType)),
    );
    // Moves only the fetch position, so more records collect during the batching window; the group's
    // committed offset moves when the handler has finished them.
    resolveOffset(batch.lastOffset());
  }

  async #runBatch(records: SourceRecord[]): Promise<void> {
    const { handler, shape = 'msk', eventSourceArn, brokers } = this.#options;
    const maxRetries = this.#options.maxRetries ?? 2;
    const spans = spansOf(records);
    const event = buildEvent(records, {
      shape,
      bootstrapServers: brokers.join(','),
      ...(eventSourceArn === undefined ? {} : { eventSourceArn }),
    });
    for (let attempt = 1; ; attempt++) {
      this.#stats.invocations++;
      this.#stats.recordsIn += records.length;
      const started = Date.now();
      let error: unknown;
      let settlements: readonly Settlement[] | undefined;
      try {
        const response = await invoke(handler, event, this.#options.function);
        const result = settle(spans, response);
        if (result.ok) {
          settlements = result.settlements;
          this.#report({ attempt, event, records: records.length, started, response, settlements });
        } else {
          error = new Error(`invalid partial batch response: ${result.reason}`);
        }
      } catch (thrown) {
        error = thrown;
      }
      // Outside the try: the invocation is over, and a failure to commit or seek is not the
      // handler's (invoking the batch again for it would only publish its records twice).
      if (settlements !== undefined) {
        await this.#apply(settlements, spans);
        return;
      }
      this.#stats.errors++;
      this.#report({ attempt, event, records: records.length, started, error });
      const where = [...spans.keys()].join(', ');
      if (attempt > maxRetries) {
        this.#log(
          `poller: batch of ${records.length} records (${where}) failed ${attempt} times, last with: ` +
            `${message(error)}; nothing committed, the records will be read again`,
        );
        await this.#apply(redeliverAll(spans), spans);
        return;
      }
      const wait = (this.#options.retryDelayMs ?? 1_000) * 2 ** (attempt - 1);
      this.#log(`poller: invocation failed (${message(error)}); retrying the batch in ${wait} ms`);
      await sleep(wait, this.#stopSignal.signal);
      if (this.#stopSignal.signal.aborted) return; // uncommitted: read again on the next run
    }
  }

  /** Commits, then sends back the partitions that are not done. */
  async #apply(settlements: readonly Settlement[], spans: ReadonlyMap<string, PartitionSpan>): Promise<void> {
    const commits = settlements.filter((s) => s.commit > (this.#committed.get(partitionKey(s)) ?? -1));
    if (commits.length > 0) {
      try {
        await this.#consumer!.commitOffsets(
          commits.map((s) => ({ topic: s.topic, partition: s.partition, offset: String(s.commit) })),
        );
        for (const s of commits) this.#committed.set(partitionKey(s), s.commit);
      } catch (error) {
        // The outputs are published; without the commit they are produced again after a restart.
        this.#log(`poller: commit failed (${message(error)}); these records may be processed again`);
      }
    }
    for (const s of settlements) {
      const key = partitionKey(s);
      this.#stats.recordsDone += s.done;
      if (s.redeliverFrom === undefined) {
        this.#failureStreak.delete(key);
        continue;
      }
      // Later records of the partition wait in the batcher; they are read again after the failed one.
      const dropped = this.#batcher?.remove((r) => partitionKey(r) === key) ?? [];
      this.#stats.redelivered += (spans.get(key)?.offsets.length ?? 0) - s.done + dropped.length;
      this.#redeliver(s.topic, s.partition, s.redeliverFrom);
    }
  }

  #redeliver(topic: string, partition: number, offset: number): void {
    const consumer = this.#consumer!;
    const key = partitionKey({ topic, partition });
    const streak = (this.#failureStreak.get(key) ?? 0) + 1;
    this.#failureStreak.set(key, streak);
    try {
      consumer.seek({ topic, partition, offset: String(offset) });
    } catch (error) {
      // kafkajs refuses a seek while it restarts the consumer after a crash (e.g. a broker that
      // died); the restarted consumer reads from the committed offset: this one, or an earlier one
      // if the commit failed too (records read twice, none skipped).
      this.#log(
        `poller: ${key} not sent back to ${offset} (${message(error)}); it resumes from its committed offset`,
      );
      return;
    }
    // While stopping, the seek is all that matters (nothing is read any more); a timer would outlive the run.
    if (this.#stopSignal.signal.aborted) return;
    const delay = Math.min(
      (this.#options.redeliveryDelayMs ?? 500) * 2 ** (streak - 1),
      MAX_REDELIVERY_DELAY_MS,
    );
    consumer.pause([{ topic, partitions: [partition] }]);
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      // A consumer restarted meanwhile has no pause to lift, and kafkajs throws while it restarts.
      try {
        consumer.resume([{ topic, partitions: [partition] }]);
      } catch (error) {
        this.#log(`poller: ${key} not resumed (${message(error)}); a restarted consumer reads it anyway`);
      }
    }, delay);
    this.#timers.add(timer);
  }

  #report(r: Omit<InvocationReport, 'durationMs'> & { started: number }): void {
    const { started, ...rest } = r;
    this.#options.onInvocation?.({ ...rest, durationMs: Date.now() - started });
  }
}
