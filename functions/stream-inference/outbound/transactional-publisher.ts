import type { Admin, Producer, Transaction } from 'kafkajs';
import { HEADERS } from '../contract.js';
import { logger } from '../telemetry.js';
import type { OutboundRecord } from './output-records.js';
import { produceRequests } from './produce-requests.js';
import { type ClusterOptions, createProducer, kafkaClient, ProducerSlot } from './producer-slot.js';

/** An input partition and the outbound records that answer its records, in input order. */
export interface Share {
  readonly topic: string;
  readonly partition: number;
  readonly records: ReadonlyArray<{ readonly offset: number; readonly record: OutboundRecord }>;
}

/**
 * The group whose committed offsets say, per input partition, up to where records are published:
 * each transaction commits there the offset after its last record. Never the mapping's own group,
 * whose offsets Lambda commits.
 *
 * @example
 * publishedGroupId('msk-inference-3f9a0c12'); // 'msk-inference-3f9a0c12-published'
 */
export const publishedGroupId = (clientId: string): string => `${clientId}-published`;

/**
 * One transactional id per input partition, the same in every container: Lambda reads each
 * partition sequentially, one batch at a time, so the only other user of the id is a publish that
 * was given up on, and the next producer's init fences it.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/with-msk-process.html ("Lambda reads messages sequentially for each Kafka topic partition")
 * @example
 * transactionalIdOf('msk-inference-3f9a0c12', { topic: 'orders', partition: 3 }); // 'msk-inference-3f9a0c12-orders-3'
 */
export const transactionalIdOf = (clientId: string, p: Pick<Share, 'topic' | 'partition'>): string =>
  `${clientId}-${p.topic}-${p.partition}`;

/**
 * The records grouped by the input partition they answer, read from `msk-inference-source`
 * (`<topic>/<partition>/<offset>`; a topic name has no '/'), which every output and error record carries.
 *
 * @example
 * sharesOf(outbound); // [{ topic: 'orders', partition: 0, records: [{ offset: 41, record }] }]
 */
export const sharesOf = (records: readonly OutboundRecord[]): Share[] => {
  const shares = new Map<string, { topic: string; partition: number; records: Share['records'][number][] }>();
  for (const record of records) {
    const raw = record.headers[HEADERS.source];
    const source = String(Array.isArray(raw) ? raw[0] : raw);
    const [topic, partition, offset, ...rest] = source.split('/');
    if (
      topic === undefined ||
      rest.length > 0 ||
      !/^\d+$/.test(partition ?? '') ||
      !/^\d+$/.test(offset ?? '')
    ) {
      throw new TypeError(`an outbound record's ${HEADERS.source} is not <topic>/<partition>/<offset>`);
    }
    const key = `${topic}/${partition}`;
    const share = shares.get(key) ?? { topic, partition: Number(partition), records: [] };
    share.records.push({ offset: Number(offset), record });
    shares.set(key, share);
  }
  return [...shares.values()];
};

/** Producers kept per container; a batch spanning more partitions keeps one for each of them. */
const MAX_PRODUCERS = 32;

/**
 * Exactly-once publishing for KAFKA_TRANSACTIONAL. Each input partition's records go out in one
 * transaction under that partition's transactional id, which also commits the offset after its last
 * record to {@link publishedGroupId}. Before publishing, after its producer's init (which aborts a
 * transaction a given-up publish left open, or waits until one whose commit was already sent is
 * complete), each share reads that offset back and drops the records below it: a batch redelivered
 * after a commit that went through while the handler had given up on it is not published twice.
 * A producer that is not new has no init to wait on: its own last commit counts instead. A publish
 * the caller gave up on (`abandoned`) never commits, and its producer is replaced.
 *
 * This is Kafka's consume-transform-produce pattern (`sendOffsetsToTransaction`), with the offsets
 * in a group of our own because Lambda commits the mapping's.
 *
 * @see https://kafka.apache.org/41/javadoc/org/apache/kafka/clients/producer/KafkaProducer.html#sendOffsetsToTransaction(java.util.Map,org.apache.kafka.clients.consumer.ConsumerGroupMetadata)
 * @see https://github.com/tulios/kafkajs/blob/master/src/producer/eosManager/index.js (init retries CONCURRENT_TRANSACTIONS until the old transaction ends)
 */
export class TransactionalPublisher {
  readonly #options: ClusterOptions & { readonly maxRequestBytes: number };
  readonly #group: string;
  /** By transactional id, least recently used first. */
  readonly #slots = new Map<string, ProducerSlot>();
  /**
   * By transactional id, the offset this container's last commit of it stored. The group shows it
   * only once the broker has written the commit's markers, after it answered the commit; until
   * then a read returns the offset before, and the next batch would publish those records again.
   */
  readonly #committed = new Map<string, number>();
  #admin: Promise<Admin> | undefined;

  constructor(options: ClusterOptions & { readonly maxRequestBytes: number }) {
    this.#options = options;
    this.#group = publishedGroupId(options.kafka.clientId);
  }

  /** Resolves when every share is committed; rejects with the first failure otherwise. */
  async publish(records: readonly OutboundRecord[], abandoned: AbortSignal): Promise<void> {
    const shares = sharesOf(records);
    const ids = shares.map((s) => transactionalIdOf(this.#options.kafka.clientId, s));
    this.#evictBeyond(MAX_PRODUCERS, new Set(ids));
    const admin = this.#admin;
    const replaceAdmin = () => void this.#resetAdmin(admin);
    abandoned.addEventListener('abort', replaceAdmin, { once: true });
    try {
      const results = await Promise.allSettled(
        shares.map((s, i) => this.#publishShare(s, ids[i]!, abandoned)),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed !== undefined) throw failed.reason;
    } finally {
      abandoned.removeEventListener('abort', replaceAdmin);
    }
  }

  async close(): Promise<void> {
    const slots = [...this.#slots.values()];
    this.#slots.clear();
    await Promise.all([...slots.map((s) => s.reset()), this.#resetAdmin()]);
  }

  /** Connects the admin that reads the group, so that the first publish finds it open. */
  warmUp(): void {
    const admin = this.#connectAdmin();
    admin.catch(() => void this.#resetAdmin(admin));
  }

  async #publishShare(share: Share, id: string, abandoned: AbortSignal): Promise<void> {
    const slot = this.#slotFor(id);
    // Its transaction may still be in flight: only a new producer's init may end it now.
    const replace = () => void slot.reset();
    abandoned.addEventListener('abort', replace, { once: true });
    let producer: Producer | undefined;
    let tx: Transaction | undefined;
    try {
      producer = await slot.get();
      // The first transaction of a producer runs its init: what this id left open ends first.
      tx = await producer.transaction();
      const done = Math.max(await this.#publishedUpTo(share), this.#committed.get(id) ?? 0);
      const pending = share.records.filter((r) => r.offset >= done);
      if (pending.length < share.records.length) {
        logger.info('records already published by an earlier transaction are not published again', {
          topic: share.topic,
          partition: share.partition,
          publishedUpTo: done,
          skipped: share.records.length - pending.length,
        });
      }
      if (pending.length === 0) {
        await tx.abort(); // nothing added: kafkajs sends no request
        return;
      }
      for (const request of produceRequests(
        pending.map((r) => r.record),
        this.#options.kafka,
        this.#options.maxRequestBytes,
      )) {
        abandoned.throwIfAborted();
        await tx.sendBatch(request);
      }
      abandoned.throwIfAborted();
      const next = String(pending.at(-1)!.offset + 1);
      await tx.sendOffsets({
        consumerGroupId: this.#group,
        topics: [{ topic: share.topic, partitions: [{ partition: share.partition, offset: next }] }],
      });
      // The caller reports these records for redelivery once it gives up: committing now would publish them twice.
      abandoned.throwIfAborted();
      await tx.commit();
      this.#committed.set(id, Number(next));
    } catch (error) {
      // Aborted at once while the broker answers; else the next producer's init aborts it.
      const aborting = tx?.isActive() && !abandoned.aborted ? tx.abort() : undefined;
      if (producer !== undefined) void slot.reset(producer, aborting);
      throw error;
    } finally {
      abandoned.removeEventListener('abort', replace);
    }
  }

  #connectAdmin(): Promise<Admin> {
    this.#admin ??= (async () => {
      const admin = (await kafkaClient(this.#options)).admin();
      await admin.connect();
      return admin;
    })();
    return this.#admin;
  }

  /** The offset the group holds for the share's partition: every record before it is published. */
  async #publishedUpTo(share: Share): Promise<number> {
    const connected = this.#connectAdmin();
    try {
      const [topic] = await (await connected).fetchOffsets({ groupId: this.#group, topics: [share.topic] });
      const held = topic?.partitions.find((p) => p.partition === share.partition)?.offset;
      return held === undefined || Number(held) < 0 ? 0 : Number(held);
    } catch (error) {
      void this.#resetAdmin(connected);
      throw error;
    }
  }

  /** Forgets the admin (only if it is still `only`, when given) and disconnects it. */
  async #resetAdmin(only?: Promise<Admin>): Promise<void> {
    const admin = this.#admin;
    if (admin === undefined || (only !== undefined && only !== admin)) return;
    this.#admin = undefined;
    await admin.then((a) => a.disconnect()).catch(() => undefined);
  }

  #slotFor(id: string): ProducerSlot {
    const slot = this.#slots.get(id) ?? new ProducerSlot(() => createProducer(this.#options, id));
    this.#slots.delete(id);
    this.#slots.set(id, slot);
    return slot;
  }

  /** Releases the least recently used producers beyond `max`, never one of `keep`. */
  #evictBeyond(max: number, keep: ReadonlySet<string>): void {
    for (const [id, slot] of this.#slots) {
      if (this.#slots.size <= max) return;
      if (keep.has(id)) continue;
      this.#slots.delete(id);
      void slot.reset();
    }
  }
}
