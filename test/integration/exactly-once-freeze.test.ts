/**
 * Exactly-once publishing (`KAFKA_TRANSACTIONAL=true`) against a broker that stops answering in
 * the middle of a publish (frozen with SIGSTOP, like a long GC pause or a partition): the handler
 * must return in time, and the transaction it leaves behind must be fenced, neither committed late
 * (a duplicate) nor left open (holding read_committed readers back until the broker times it out).
 *
 * What read_committed readers see is read with Kafka's own Java consumer (java-reader.ts says why
 * not kafkajs'). The broker frozen is this file's own (private-broker.ts), started in `beforeAll`
 * and stopped in `afterAll`: the shared broker on 9092 is never touched. MLServer is the shared one
 * (the integration project's global setup starts it), only called.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';
import { account } from '../helpers/accounting.js';
import {
  envFor,
  loadStreamModules,
  prepareTopics,
  REST_V2,
  settle,
  sleep,
  timeline,
} from '../helpers/fault-scenario.js';
import { readCommitted } from '../helpers/java-reader.js';
import { closeKafkaHelpers, kafkaClient, useBrokers } from '../helpers/kafka-clients.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { createTopics, uniqueTopic } from '../helpers/kafka-topics.js';
import { driveLambda } from '../helpers/lambda-driver.js';
import { type PrivateBroker, startPrivateBroker } from '../helpers/private-broker.js';

let modules: Awaited<ReturnType<typeof loadStreamModules>>;
let broker: PrivateBroker;
const streams: Array<{ close(): Promise<void> }> = [];

/** The Lambda timeout the driver enforces; the construct sets the transaction timeout to it. */
const FUNCTION_TIMEOUT_MS = 8_000;

/** `EXACTLY_ONCE_RUNS=20` runs each case 20 times on the one broker: how the figures in the docs were taken. */
const RUNS = Number(process.env['EXACTLY_ONCE_RUNS'] ?? 1);

/**
 * A fresh broker creates its transaction and offsets logs on first use and answers
 * NOT_COORDINATOR while it loads them: one transaction with offsets, tried until it goes through,
 * gets that done here, so that the tests meet a broker in its steady state, as a function in
 * production does.
 */
const warmUp = async () => {
  const topic = uniqueTopic('warm-up');
  await createTopics([topic], 1);
  for (let attempt = 1; ; attempt++) {
    const producer = kafkaClient().producer({
      idempotent: true,
      maxInFlightRequests: 1,
      transactionalId: topic,
    });
    try {
      await producer.connect();
      const tx = await producer.transaction();
      await tx.send({ topic, acks: -1, messages: [{ value: 'warm' }] });
      await tx.sendOffsets({
        consumerGroupId: topic,
        topics: [{ topic, partitions: [{ partition: 0, offset: '1' }] }],
      });
      await tx.commit();
      return;
    } catch (error) {
      if (attempt === 10) throw error;
      await sleep(2_000);
    } finally {
      await producer.disconnect().catch(() => undefined);
    }
  }
};

beforeAll(async () => {
  const started = Date.now();
  broker = await startPrivateBroker('exactly-once');
  await useBrokers(broker.brokers);
  await warmUp();
  console.log(`[exactly once] private broker ${broker.brokers[0]} ready in ${Date.now() - started} ms`);
  modules = await loadStreamModules();
});

afterAll(async () => {
  broker?.thaw();
  await Promise.allSettled(streams.map((s) => s.close()));
  await closeKafkaHelpers();
  await broker?.stop();
});

/** Where in the second publish the broker freezes: after a time, or just before a transaction's request. */
type FreezePoint = { readonly afterMs: number } | { readonly before: TransactionStep };
type TransactionStep = 'offsets' | 'commit';

/**
 * Called by kafkajs just before it writes a transaction's AddOffsetsToTxn (its records are sent, the
 * commit is not) or EndTxn commit request, when set: lets a test freeze the broker at a moment a
 * test clock cannot hit. kafkajs is CommonJS and loaded once, so this is the broker class the
 * publisher's producers use.
 *
 * @see https://github.com/tulios/kafkajs/blob/master/src/broker/index.js (`addOffsetsToTxn`, `endTxn`)
 */
let beforeStep: ((step: TransactionStep) => void) | undefined;
type Send = (this: unknown, request: { transactionResult?: boolean }) => Promise<unknown>;
const kafkajsBroker = createRequire(import.meta.url)('kafkajs/src/broker/index.js') as {
  prototype: { addOffsetsToTxn: Send; endTxn: Send };
};
const { addOffsetsToTxn, endTxn } = kafkajsBroker.prototype;
kafkajsBroker.prototype.addOffsetsToTxn = function (request) {
  beforeStep?.('offsets');
  return addOffsetsToTxn.call(this, request);
};
kafkajsBroker.prototype.endTxn = function (request) {
  if (request.transactionResult === true) beforeStep?.('commit');
  return endTxn.call(this, request);
};

/**
 * Drives 1,000 records in batches of 250 and freezes the broker (SIGSTOP) during the second
 * batch's publish, with its requests on their way: the broker holds them, answers nothing, and
 * handles them when it is thawed, 4 s after the handler gave up. `afterMs` 15 lands somewhere in a
 * transactional publish; `before: 'offsets'` leaves a transaction whose records are sent open (the
 * case that held readers back or came back); `before: 'commit'` sends a commit the broker applies
 * only after the thaw, when the handler has reported the batch for redelivery (the case that
 * published it twice).
 */
const freezeDuringPublish = async (name: string, at: FreezePoint) => {
  const { t, records } = await prepareTopics(name, 1_000);
  const env = envFor(t, {
    KAFKA_BROKER: broker.brokers.join(','),
    SAFETY_MARGIN_MS: '3000',
    KAFKA_TRANSACTIONAL: 'true',
    KAFKA_TRANSACTION_TIMEOUT_MS: String(FUNCTION_TIMEOUT_MS),
  });
  const config = modules.config.loadConfig(env);
  const kafka = new modules.publisher.KafkaPublisher({ brokers: broker.brokers, kafka: config.kafka });
  let thaw: Promise<void> | undefined;
  let publishes = 0;
  const { lines, mark } = timeline();
  const freeze = (n: number, deadline: number, where: string) => {
    broker.freeze();
    mark(`publish ${n}: broker frozen ${where}`);
    thaw = sleep(Math.max(0, deadline - Date.now()) + 4_000).then(() => {
      broker.thaw();
      mark('broker thawed');
    });
  };
  const publisher: Publisher = {
    publish: async (out, deadline) => {
      const n = ++publishes;
      if (n === 2 && 'before' in at) {
        beforeStep = (step) => {
          if (step !== at.before) return;
          beforeStep = undefined;
          freeze(n, deadline, `before its ${step} request`);
        };
      }
      const sending = kafka.publish(out, deadline);
      if (n === 2 && 'afterMs' in at) {
        await sleep(at.afterMs);
        freeze(n, deadline, `${at.afterMs} ms into it`);
      }
      try {
        await sending;
        mark(`publish ${n} of ${out.length} records acknowledged`);
      } catch (error) {
        mark(`publish ${n} failed: ${(error as Error).message}`);
        throw error;
      } finally {
        if (n === 2) beforeStep = undefined;
      }
    },
    close: () => kafka.close(),
  };
  const stream = await modules.stream.createBatchHandler(config, { publisher });
  streams.push(stream);
  try {
    const run = await driveLambda({
      topic: t.input,
      records,
      handler: (event, context) => stream.handle(event, context),
      batchSize: 250,
      timeoutMs: FUNCTION_TIMEOUT_MS,
      // Room for a loaded machine, where the model answers a batch only in part within the timeout.
      maxRounds: 60,
    });
    return { run, t, lines, frozen: thaw !== undefined };
  } finally {
    await thaw;
  }
};

describe('KAFKA_TRANSACTIONAL=true and a broker that freezes while the handler publishes', () => {
  const cases = [
    ['15 ms into the publish', { afterMs: 15 }],
    ['with its records sent and its transaction open', { before: 'offsets' }],
    ['with the commit on its way', { before: 'commit' }],
  ] as const;
  it.each(
    Array.from({ length: RUNS }, (_, run) =>
      cases.map(([label, at]) => [label, at, run + 1] as const),
    ).flat(),
  )(
    'broker frozen %s: the abandoned transaction is fenced, read_committed readers see each record once, without waiting (run %i)',
    async (_, at, n) => {
      // Act
      const { run, t, lines, frozen } = await freezeDuringPublish('freeze-tx', at);

      // Assess
      console.log(`[exactly once] broker frozen:\n  ${lines.join('\n  ')}`);
      expect(frozen).toBe(true);
      expect(run.invocations.every((i) => i.result === 'returned' && i.ms < FUNCTION_TIMEOUT_MS)).toBe(true);
      expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
      const books = await settle(
        'broker frozen and thawed, transactional',
        run,
        t,
        120_000,
        REST_V2,
        (topics) => readCommitted(broker.brokers, topics),
      );
      // kafkajs' read_committed consumer, for comparison only (java-reader.ts says why it is not the reference)
      const kafkajs = account(
        run,
        await readToEnd(t.output, { timeoutMs: 60_000 }),
        await readToEnd(t.errors, { timeoutMs: 60_000 }),
      );
      console.log(
        `[exactly once] run ${n}: ${books.duplicates.length} records seen twice by read_committed (Java), ` +
          `${kafkajs.duplicates.length} by kafkajs; every record visible after ${books.visibleAfterMs} ms`,
      );
      expect(books.duplicates).toEqual([]);
      expect(books.visibleAfterMs).toBeLessThan(15_000);
    },
  );
});
