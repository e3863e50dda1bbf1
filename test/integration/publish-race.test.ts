import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';
import {
  createdTopics,
  envFor,
  loadStreamModules,
  prepareTopics,
  settle,
  sleep,
  timeline,
} from '../helpers/fault-scenario.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { deleteTopics } from '../helpers/kafka-topics.js';
import { driveLambda } from '../helpers/lambda-driver.js';
import { brokerPid, pauseBroker, resumeBroker, startBroker, startModelServer } from '../helpers/services.js';

/**
 * The publish deadline race on a real broker: a broker that stops answering in the middle of a
 * publish (frozen with SIGSTOP, like a long GC pause or a partition) must not hold the handler past
 * its Lambda timeout, and what it appends when it wakes up may only duplicate reported records.
 * With KAFKA_TRANSACTIONAL, exactly-once-freeze.test.ts freezes a private broker of its own.
 *
 * Freezes the shared broker for ~10 s: other test runs against it at the same time see that too.
 */

let modules: Awaited<ReturnType<typeof loadStreamModules>>;
const streams: Array<{ close(): Promise<void> }> = [];
let pausedBroker: number | undefined;

beforeAll(async () => {
  modules = await loadStreamModules();
});

afterAll(async () => {
  if (pausedBroker !== undefined) resumeBroker(pausedBroker);
  await Promise.allSettled([startBroker(), startModelServer('mlserver')]);
  await Promise.allSettled(streams.map((s) => s.close()));
  await closeKafkaHelpers();
  await deleteTopics(createdTopics).catch(() => undefined);
  await closeKafkaHelpers();
});

/**
 * Drives 1,000 records in batches of 250 and freezes the broker (SIGSTOP) `freezeAfterMs` into the
 * second batch's publish, with its requests on their way: the broker holds them, answers nothing,
 * and handles them when it is thawed, 4 s after the handler gave up. 2 ms catches a plain produce
 * request.
 */
const freezeDuringPublish = async (name: string, freezeAfterMs: number) => {
  await Promise.all([startModelServer('mlserver'), startBroker()]);
  const { t, records } = await prepareTopics(name, 1_000);
  const config = modules.config.loadConfig(envFor(t, { SAFETY_MARGIN_MS: '3000' }));
  const kafka = new modules.publisher.KafkaPublisher({ brokers: ['127.0.0.1:9092'], kafka: config.kafka });
  const pid = brokerPid();
  let thaw: Promise<void> | undefined;
  let publishes = 0;
  const { lines, mark } = timeline();
  const publisher: Publisher = {
    publish: async (out, deadline) => {
      const n = ++publishes;
      const sending = kafka.publish(out, deadline);
      if (n === 2) {
        await sleep(freezeAfterMs);
        pauseBroker(pid);
        pausedBroker = pid;
        mark(`publish ${n}: broker frozen`);
        thaw = sleep(Math.max(0, deadline - Date.now()) + 4_000).then(() => {
          resumeBroker(pid);
          pausedBroker = undefined;
          mark('broker thawed');
        });
      }
      try {
        await sending;
        mark(`publish ${n} of ${out.length} records acknowledged`);
      } catch (error) {
        mark(`publish ${n} failed: ${(error as Error).message}`);
        throw error;
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
      timeoutMs: 8_000,
      maxRounds: 20,
    });
    return { run, t, lines };
  } finally {
    await thaw;
  }
};

describe('a broker that freezes while the handler publishes', () => {
  it('broker frozen mid-publish (SIGSTOP), thawed later: returns in time; a send left in flight only duplicates reported records', async () => {
    // Act
    const { run, t, lines } = await freezeDuringPublish('freeze-broker', 2);

    // Assess
    console.log(`[publish race] broker frozen:\n  ${lines.join('\n  ')}`);
    expect(run.invocations.every((i) => i.result === 'returned' && i.ms < 8_000)).toBe(true);
    expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
    const books = await settle('broker frozen and thawed', run, t);
    console.log(`[publish race] records published twice after the freeze: ${books.duplicates.length}`);
  });
});
