import { asFailure, FailureKind, type RecordFailure } from '../failures.js';
import type { Publisher } from '../outbound/publisher.js';
import { framedBytes } from '../outbound/record-size.js';
import type { RecordOutcome } from './outcomes.js';

/** A record with a final fate that produces a record: its output, or its error record. */
export type DoneOutcome = Exclude<RecordOutcome, { fate: 'retry-later' }>;

export interface PrefixPublisherOptions {
  readonly publisher: Publisher;
  /** The broker must have acknowledged every record by this (epoch ms); the publisher enforces it. */
  readonly deadline: number;
  /**
   * Holds every record for one publish when {@link PrefixPublisher.finish} is called: with
   * KAFKA_TRANSACTIONAL=true one publish is one transaction, and the batch stays one.
   */
  readonly atEndOnly: boolean;
  /** Called with each record once the broker has acknowledged it. */
  readonly onAcked: (outcome: DoneOutcome) => void;
  /** Called once, when a publish fails: nothing is published after it. */
  readonly onFailed: () => void;
  /**
   * How long the first record waiting to be published may wait for more to join it (Kafka's
   * `linger.ms`): a partition whose next record is slower than this is published without it.
   * @default 200
   */
  readonly lingerMs?: number;
  /**
   * Bytes waiting (as the broker counts them) that are published without lingering (Kafka's
   * `batch.size`, larger: one request carries every partition).
   * @default 65_536
   */
  readonly flushBytes?: number;
}

/** What the broker took of a batch. */
export interface PublishResult {
  /** Every record the broker acknowledged. */
  readonly acked: ReadonlySet<RecordOutcome>;
  /** The failure that stopped publishing: every record not acknowledged waits for redelivery. */
  readonly failure?: RecordFailure;
}

/**
 * Publishes the finished prefixes of a batch's partitions while their later records are still with
 * the model, with one publish in flight at a time: the producer is idempotent with one request in
 * flight, and resets itself when a publish gives up (publisher.ts), which a concurrent publish
 * would not survive. What finishes meanwhile waits and goes in the next publish, so the requests
 * grow with the broker's latency instead of multiplying. A publish carries its records partition
 * by partition, in the batch's order of partitions, each in the order it was added: its offsets'.
 *
 * A publish that fails ends publishing for the batch, as the single publish at the end did: every
 * record it carried, and every record after it, waits for redelivery; what was acknowledged before
 * is done. So each partition's acknowledged records are a prefix of it, and the partial batch
 * response (its first unfinished record) starts at the first one the broker did not acknowledge.
 *
 * @example
 * const publishing = new PrefixPublisher({ publisher, deadline, atEndOnly: false, onAcked, onFailed });
 * publishing.add(p, prefix.advance(evidence));
 * const { acked, failure } = await publishing.finish();
 */
export class PrefixPublisher {
  readonly #options: PrefixPublisherOptions;
  readonly #lingerMs: number;
  readonly #flushBytes: number;
  readonly #acked = new Set<RecordOutcome>();
  /** Per partition of the batch, its records added since the last publish. */
  #waiting: DoneOutcome[][] = [];
  #waitingBytes = 0;
  #inFlight: Promise<void> | undefined;
  #linger: NodeJS.Timeout | undefined;
  /** The waiting records are to go in the next publish. */
  #due = false;
  #finishing = false;
  #failure: RecordFailure | undefined;

  constructor(options: PrefixPublisherOptions) {
    this.#options = options;
    this.#lingerMs = options.lingerMs ?? 200;
    this.#flushBytes = options.flushBytes ?? 65_536;
  }

  /**
   * The newly finished records of the batch's `partition`-th partition, in offset order; those
   * waiting for redelivery are skipped.
   */
  add(partition: number, outcomes: readonly RecordOutcome[]): void {
    if (this.#failure !== undefined) return;
    this.#waiting[partition] ??= [];
    const waiting = this.#waiting[partition];
    for (const o of outcomes) {
      if (o.fate === 'retry-later') continue;
      waiting.push(o);
      this.#waitingBytes += framedBytes(o.outbound);
    }
    if (this.#waitingBytes === 0 || this.#options.atEndOnly) return;
    if (this.#waitingBytes >= this.#flushBytes) this.#due = true;
    else if (this.#linger === undefined && !this.#due) {
      this.#linger = setTimeout(() => {
        this.#linger = undefined;
        this.#due = true;
        this.#next();
      }, this.#lingerMs);
      // A batch that ends early clears it; it must never hold a process open on its own.
      this.#linger.unref();
    }
    this.#next();
  }

  /** Publishes what is left, once every record is added; resolves when nothing is in flight. */
  async finish(): Promise<PublishResult> {
    this.#finishing = true;
    this.#next();
    while (this.#inFlight !== undefined) await this.#inFlight;
    return this.#failure === undefined
      ? { acked: this.#acked }
      : { acked: this.#acked, failure: this.#failure };
  }

  /** Starts the next publish if the waiting records are due and none is in flight. */
  #next(): void {
    const due = this.#due || this.#finishing;
    if (!due || this.#inFlight !== undefined || this.#failure !== undefined) return;
    const records = this.#waiting.flat();
    if (records.length === 0) return;
    this.#waiting = [];
    this.#waitingBytes = 0;
    this.#due = false;
    clearTimeout(this.#linger);
    this.#linger = undefined;
    this.#inFlight = this.#publish(records).finally(() => {
      this.#inFlight = undefined;
      this.#next();
    });
  }

  async #publish(records: readonly DoneOutcome[]): Promise<void> {
    const { publisher, deadline } = this.#options;
    try {
      await publisher.publish(
        records.map((o) => o.outbound),
        deadline,
      );
    } catch (error) {
      this.#failure = asFailure(error, 'the publish', FailureKind.publish);
      this.#waiting = [];
      clearTimeout(this.#linger);
      this.#options.onFailed();
      return;
    }
    for (const o of records) {
      this.#acked.add(o);
      this.#options.onAcked(o);
    }
  }
}
