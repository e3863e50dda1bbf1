import { createServer, request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Publisher } from '../../functions/stream-inference/outbound/publisher.js';
import {
  countingTransport,
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
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { type DriveResult, driveLambda } from '../helpers/lambda-driver.js';
import { startBroker, startModelServer, stopBroker, stopModelServer } from '../helpers/services.js';

/**
 * Faults on real parts: MLServer killed and restarted, the broker stopped while the handler
 * publishes, and a mapping that does not report item failures. The driver redelivers what each
 * invocation reports, as Lambda does, until every record is committed; then the books must balance:
 * every input record on the output or the error topic, duplicates only of records delivered again.
 * (A broker that freezes mid-publish: publish-race.test.ts. A model that hangs: hanging-model.test.ts.)
 *
 * These tests take the shared broker and MLServer away for seconds: other test runs against the
 * same services at the same time see the outage too.
 */

let modules: Awaited<ReturnType<typeof loadStreamModules>>;
const streams: Array<{ close(): Promise<void> }> = [];
const handlers: LoadedHandler[] = [];

beforeAll(async () => {
  modules = await loadStreamModules();
});

afterAll(async () => {
  // Whatever happened, the services come back for the next test file.
  await Promise.allSettled([startBroker(), startModelServer('mlserver')]);
  await Promise.allSettled([...streams.map((s) => s.close()), ...handlers.map((h) => h.shutdown())]);
  await closeKafkaHelpers();
  await deleteTopics(createdTopics).catch(() => undefined);
  await closeKafkaHelpers();
});

describe('faults on real parts, redelivered the way Lambda does', () => {
  it('MLServer killed in the middle of a batch and restarted: nothing lost, duplicates only of reported records', async () => {
    // Prepare
    await startModelServer('mlserver');
    const { t, records } = await prepareTopics('kill-model', 2_000);
    const config = modules.config.loadConfig(
      envFor(t, {
        MODEL_CONCURRENCY: '2',
        MODEL_TIMEOUT_MS: '2000',
        RETRY_MAX_MS: '1000',
        SAFETY_MARGIN_MS: '2000',
      }),
    );
    let outage: Promise<void> | undefined;
    const { lines, mark } = timeline();
    const transport = countingTransport(
      await modules.transport.createTransport(config, modules.protocols.protocolSpec('v2')),
      (n) => {
        if (n !== 300) return;
        // Killed (SIGKILL to its process group) mid-batch, kept down long enough that the first
        // invocation runs out of time, then started again in the background.
        outage = (async () => {
          mark('model call 300: killing MLServer');
          await stopModelServer('mlserver', { kill: true });
          mark('MLServer killed');
          await sleep(8_000);
          mark('starting MLServer');
          await startModelServer('mlserver');
          mark('MLServer answers again');
        })();
      },
    );
    const stream = await modules.stream.createBatchHandler(config, { transport });
    streams.push(stream);

    // Act
    let run: DriveResult;
    try {
      run = await driveLambda({
        topic: t.input,
        records,
        handler: (event, context) => stream.handle(event, context),
        batchSize: 2_000,
        timeoutMs: 10_000,
        maxRounds: 12,
      });
    } finally {
      await outage;
    }

    // Assess
    console.log(`[faults] model outage:\n  ${lines.join('\n  ')}`);
    expect(run.invocations.every((i) => i.result === 'returned' && i.ms < 10_000)).toBe(true);
    expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
    await settle('MLServer killed and restarted', run, t);
  });

  it('broker stopped while the handler publishes, then restarted: nothing lost, the producer reconnects', async () => {
    // Prepare
    await startModelServer('mlserver');
    const { t, records } = await prepareTopics('stop-broker', 2_000);
    const config = modules.config.loadConfig(envFor(t, { SAFETY_MARGIN_MS: '3000' }));
    const kafka = new modules.publisher.KafkaPublisher({ brokers: ['127.0.0.1:9092'], kafka: config.kafka });
    let outage: Promise<void> | undefined;
    const { lines, mark } = timeline();
    let publishes = 0;
    const publisher: Publisher = {
      publish: async (out, deadline) => {
        publishes++;
        const n = publishes;
        if (n === 2) {
          // The second batch's publish starts as the broker begins its shutdown.
          outage = (async () => {
            mark(`publish ${n}: stopping the broker`);
            await stopBroker();
            mark('broker stopped; starting it again');
            await startBroker();
            mark('broker answers again');
          })();
        }
        try {
          await kafka.publish(out, deadline);
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

    // Act
    let run: DriveResult;
    try {
      run = await driveLambda({
        topic: t.input,
        records,
        handler: (event, context) => stream.handle(event, context),
        batchSize: 500,
        timeoutMs: 12_000,
        maxRounds: 20,
      });
    } finally {
      await outage;
    }

    // Assess
    console.log(`[faults] broker outage:\n  ${lines.join('\n  ')}`);
    expect(run.invocations.every((i) => i.result === 'returned' && i.ms < 12_000)).toBe(true);
    expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
    await settle('broker stopped and restarted', run, t);
  });

  it('REPORT_BATCH_ITEM_FAILURES=false: an unfinished batch throws, Lambda retries it whole, nothing is lost', async () => {
    // Prepare: a gateway in front of MLServer that starts answering 503 after 150 requests, until
    // the second invocation.
    const { t, records } = await prepareTopics('no-report', 600);
    let requests = 0;
    let open = true;
    const gateway: Server = createServer((req, res) => {
      requests++;
      if (requests === 151) open = false;
      if (!open) {
        req.resume();
        res.writeHead(503).end('gateway: model unavailable');
        return;
      }
      const upstream = request(
        { host: '127.0.0.1', port: 8080, path: req.url, method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    const port = (gateway.address() as { port: number }).port;
    const loaded = await loadHandler({
      ...envFor(t, {
        MODEL_ENDPOINT: `http://127.0.0.1:${port}`,
        REPORT_BATCH_ITEM_FAILURES: 'false',
        SAFETY_MARGIN_MS: '1500',
        RETRY_MAX_MS: '500',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
      }),
    });
    handlers.push(loaded);

    // Act
    let run: DriveResult;
    try {
      run = await driveLambda({
        topic: t.input,
        records,
        handler: loaded.handler,
        batchSize: 300,
        timeoutMs: 6_000,
        maxRounds: 6,
        beforeInvoke: (round) => {
          if (round === 2) open = true;
        },
      });
    } finally {
      await new Promise((resolve) => gateway.close(resolve));
    }

    // Assess
    const [first, second] = run.invocations;
    expect(first!.result).toBe('threw');
    expect(first!.error).toMatch(
      /BatchNotDoneError: \d+ of 300 records are not done; the batch will be retried/,
    );
    expect(first!.left).toBe(300);
    expect(second!.ranges).toEqual(first!.ranges); // the same batch, again
    expect(second!.result).toBe('returned');
    expect(run.invocations.every((i) => i.reported.length === 0)).toBe(true);
    const books = await settle('REPORT_BATCH_ITEM_FAILURES=false', run, t);
    // What the first invocation published before it threw comes out twice: all of it was redelivered.
    expect(books.duplicates.length).toBeGreaterThan(0);
    expect(books.duplicates.every((s) => run.redelivered.has(s))).toBe(true);
  });
});
