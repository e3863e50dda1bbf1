import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModelTransport } from '../../functions/stream-inference/model/transport/index.js';
import {
  countingTransport,
  createdTopics,
  envFor,
  grpcFormat,
  loadStreamModules,
  prepareTopics,
  settle,
  sleep,
  timeline,
} from '../helpers/fault-scenario.js';
import { GRPC_PROTOCOLS } from '../helpers/grpc-models.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { deleteTopics } from '../helpers/kafka-topics.js';
import { type DriveResult, driveLambda } from '../helpers/lambda-driver.js';
import { type PrivateModelServer, startPrivateModelServer } from '../helpers/private-model-server.js';

/**
 * Each protocol's gRPC path with its model server killed (SIGKILL to the whole server) in the middle
 * of a batch, kept down for one function timeout and started again: a private copy of the server on
 * ports of its own, never the shared one. The driver redelivers what each invocation reports, as Lambda does, until every record is
 * committed; then in = out + errors, nothing lost, duplicates only of records delivered again.
 */

const RECORDS = 600;
const KILL_AT_CALL = 150;
const TIMEOUT_MS = 8_000;

let modules: Awaited<ReturnType<typeof loadStreamModules>>;
const servers: PrivateModelServer[] = [];
const streams: Array<{ close(): Promise<void> }> = [];

beforeAll(async () => {
  modules = await loadStreamModules();
});

afterAll(async () => {
  await Promise.allSettled([...streams.map((s) => s.close()), ...servers.map((s) => s.stop())]);
  await deleteTopics(createdTopics).catch(() => undefined);
  await closeKafkaHelpers();
});

describe.each(GRPC_PROTOCOLS)('%s over gRPC', (protocol) => {
  it('killed in the middle of a batch and restarted: nothing lost, duplicates only of reported records', async () => {
    // Prepare
    const server = await startPrivateModelServer(protocol);
    servers.push(server);
    const { name } = server;
    const format = grpcFormat(protocol);
    const { t, records } = await prepareTopics(`grpc-kill-${name}`, RECORDS, format);
    const config = modules.config.loadConfig(
      envFor(t, {
        ...server.env,
        MODEL_CONCURRENCY: '2',
        MODEL_TIMEOUT_MS: '2000',
        RETRY_MAX_MS: '1000',
        SAFETY_MARGIN_MS: '2000',
      }),
    );
    let outage: Promise<void> | undefined;
    const { lines, mark } = timeline();
    const inner = await modules.transport.createTransport(config, modules.protocols.protocolSpec(protocol));
    let killed = false;
    let answeredAt: number | undefined;
    let backAt: number | undefined;
    // When the handler's own channel is answered again, against when the server answers a fresh one.
    const watched: ModelTransport = {
      infer: async (body, signal) => {
        const answer = await inner.infer(body, signal);
        if (killed && answeredAt === undefined) {
          answeredAt = Date.now();
          mark('the handler is answered again');
        }
        return answer;
      },
      close: () => inner.close(),
    };
    const transport = countingTransport(watched, (n) => {
      if (n !== KILL_AT_CALL) return;
      outage = (async () => {
        mark(`model call ${n}: killing ${name}`);
        await server.kill();
        killed = true;
        mark(`${name} killed`);
        // Down for longer than an invocation, however fast the server starts again.
        await sleep(TIMEOUT_MS);
        mark(`starting ${name}`);
        await server.restart();
        backAt = Date.now();
        mark(`${name} answers a new channel again`);
      })();
    });
    const stream = await modules.stream.createBatchHandler(config, { transport });
    streams.push(stream);
    const started = Date.now();

    // Act
    let run: DriveResult;
    try {
      run = await driveLambda({
        topic: t.input,
        records,
        handler: (event, context) => stream.handle(event, context),
        batchSize: RECORDS,
        timeoutMs: TIMEOUT_MS,
        maxRounds: 20,
      });
    } finally {
      await outage;
    }
    mark(`every record committed after ${run.invocations.length} invocations`);

    // Assess
    console.log(`[grpc faults] ${name} killed, wall ${Date.now() - started} ms:\n  ${lines.join('\n  ')}`);
    expect(run.invocations.every((i) => i.result === 'returned' && i.ms < TIMEOUT_MS)).toBe(true);
    expect(run.invocations.some((i) => i.reported.length > 0)).toBe(true);
    // The channel reconnects within about a second (grpc.max_reconnect_backoff_ms), plus one retry
    // backoff (RETRY_MAX_MS) and the gap between invocations.
    expect(answeredAt! - backAt!).toBeLessThan(4_000);
    await settle(`gRPC ${name} killed and restarted`, run, t, 0, format);
  });
});
