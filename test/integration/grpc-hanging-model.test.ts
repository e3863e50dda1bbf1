import { connect, createServer, type Socket } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { createdTopics, envFor, grpcFormat, prepareTopics, settle } from '../helpers/fault-scenario.js';
import { startGrpcFaultProxy } from '../helpers/grpc-fault-proxy.js';
import { GRPC_MODELS, GRPC_PROTOCOLS } from '../helpers/grpc-models.js';
import { closeKafkaHelpers } from '../helpers/kafka-clients.js';
import { readToEnd } from '../helpers/kafka-read.js';
import { deleteTopics } from '../helpers/kafka-topics.js';
import { type LoadedHandler, loadHandler } from '../helpers/lambda.js';
import { type DriveResult, driveLambda } from '../helpers/lambda-driver.js';
import { modelServers } from '../helpers/models.js';

/**
 * Each protocol's gRPC path to a model that accepts the connection and never answers, then wakes
 * up: a frozen process (the TCP connection is accepted, not one byte comes back) and a server that
 * takes the call and never answers it. While it hangs, every invocation returns before the Lambda
 * timeout with each partition reported from its first record and nothing published or
 * dead-lettered; once it answers, the redeliveries finish the books: in = out + errors, nothing
 * lost, no duplicate.
 */

const RECORDS = 40;
const TIMEOUT_MS = 3_000;
const HANGING_ROUNDS = 3;

interface Hang {
  readonly address: string;
  /** From now on the upstream answers, on the connections already open too. */
  wake(): void;
  close(): Promise<void>;
}

/**
 * A frozen server: TCP connections are accepted and nothing is read or answered; `wake` pipes each
 * one, with what the client sent meanwhile, to the real server, as a process thawed from SIGSTOP.
 */
const frozenServer = async (upstream: string): Promise<Hang> => {
  const [host, port] = upstream.split(':') as [string, string];
  const held = new Set<Socket>();
  let awake = false;
  const pipe = (socket: Socket) => {
    const to = connect(Number(port), host);
    socket.pipe(to).pipe(socket);
    const close = () => {
      socket.destroy();
      to.destroy();
    };
    socket.on('error', close).on('close', close);
    to.on('error', close).on('close', close);
  };
  const server = createServer({ pauseOnConnect: true }, (socket) => {
    held.add(socket);
    socket.on('close', () => held.delete(socket));
    if (awake) pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    address: `127.0.0.1:${(server.address() as { port: number }).port}`,
    wake: () => {
      awake = true;
      for (const socket of held) pipe(socket);
    },
    close: async () => {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
};

/** A gRPC server that takes each call and keeps it open without an answer; `wake` forwards them. */
const silentServer = async (upstream: string, method: string): Promise<Hang> => {
  let awake = false;
  const proxy = await startGrpcFaultProxy(upstream, method, () => (awake ? 'forward' : 'hang'));
  return {
    address: proxy.address,
    wake: () => {
      awake = true;
    },
    close: () => proxy.close(),
  };
};

const VARIANTS = {
  'a frozen server (TCP accepted, no byte back)': frozenServer,
  'a server that takes the call and never answers': silentServer,
} as const;

const handlers: LoadedHandler[] = [];
const hangs: Hang[] = [];

afterAll(async () => {
  await Promise.allSettled([...handlers.map((h) => h.shutdown()), ...hangs.map((h) => h.close())]);
  await deleteTopics(createdTopics).catch(() => undefined);
  await closeKafkaHelpers();
});

describe.each(GRPC_PROTOCOLS)('%s over gRPC to a model that hangs, then answers', (protocol) => {
  it.each(Object.keys(VARIANTS) as Array<keyof typeof VARIANTS>)(
    '%s: every invocation returns in time, nothing published while it hangs, nothing lost',
    async (variant) => {
      // Prepare
      const format = grpcFormat(protocol);
      const { t, records } = await prepareTopics(`grpc-hang-${protocol}`, RECORDS, format);
      const { server, method, env } = GRPC_MODELS[protocol];
      const hang = await VARIANTS[variant](modelServers[server].grpcAddress, method);
      hangs.push(hang);
      const loaded = await loadHandler(
        envFor(t, {
          ...env,
          MODEL_ENDPOINT: `grpc://${hang.address}`,
          MODEL_TIMEOUT_MS: '1000',
          RETRY_MAX_MS: '500',
          SAFETY_MARGIN_MS: '1000',
          POWERTOOLS_LOG_LEVEL: 'ERROR',
        }),
      );
      handlers.push(loaded);
      let publishedWhileHanging: number | undefined;
      const started = Date.now();

      // Act
      const run: DriveResult = await driveLambda({
        topic: t.input,
        records,
        handler: loaded.handler,
        batchSize: RECORDS,
        timeoutMs: TIMEOUT_MS,
        maxRounds: HANGING_ROUNDS + 5,
        beforeInvoke: async (round) => {
          if (round !== HANGING_ROUNDS + 1) return;
          publishedWhileHanging = (await readToEnd(t.output)).length + (await readToEnd(t.errors)).length;
          hang.wake();
        },
      });

      // Assess
      console.log(`[grpc faults] ${protocol}, ${variant}: wall ${Date.now() - started} ms`);
      expect(run.invocations.every((i) => i.result === 'returned' && i.ms < TIMEOUT_MS)).toBe(true);
      for (const i of run.invocations.slice(0, HANGING_ROUNDS)) {
        expect(i.reported).toEqual([
          { partition: 0, offset: records.find((r) => r.partition === 0)!.offset },
          { partition: 1, offset: records.find((r) => r.partition === 1)!.offset },
        ]);
      }
      expect(publishedWhileHanging).toBe(0);
      const books = await settle(`gRPC ${protocol}, ${variant}`, run, t, 0, format);
      expect(books.duplicates).toEqual([]);
    },
  );
});
